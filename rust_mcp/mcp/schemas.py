"""The JSON schemas a tool is listed with, made small: a model pays for every character of a tool's
definition on every turn (see docs/tools.md, "What a client sends the model").

Input schemas keep everything a model needs to call a tool: every parameter, its JSON type, its
description, enums, bounds, required names, `additionalProperties: false` and the defaults that are
not simply "absent" (null) or "off" (false). They lose pydantic's generated `title`s and the
`anyOf [X, null]` wrapping of optional parameters (leaving a parameter out is how a model says
"none"). Everything stays inline: Codex rebuilds each input schema into a small subset of JSON Schema
that has no `$ref`, so a shared definition would reach its model as a bare string.

Output schemas keep the top-level fields of a result and their JSON types: enough for a client to
validate structuredContent and for a program to know what to read, without every nested model's
descriptions. The server still checks each result against the full pydantic model before sending it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

_NULL = {"type": "null"}
_DROPPED = ("title",)


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = {**defs[name], **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _merge_plain_branches(schema: dict[str, Any]) -> dict[str, Any]:
    """`anyOf` branches that only name a type (and an array's items) as one `type` list: the same
    schema, shorter (`["array", "string"]` for a list or a comma-separated string)."""
    branches = schema.get("anyOf")
    if not branches or not all(set(branch) <= {"type", "items"} for branch in branches):
        return schema
    kinds = [branch.get("type") for branch in branches]
    if not all(isinstance(kind, str) for kind in kinds) or len(set(kinds)) != len(kinds):
        return schema
    items = [branch["items"] for branch in branches if "items" in branch]
    merged = {k: v for k, v in schema.items() if k != "anyOf"} | {"type": kinds}
    return merged | {"items": items[0]} if items else merged


def _compact_property(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    schema = _resolve(schema, defs)
    branches = schema.get("anyOf")
    if branches is not None and _NULL in branches:
        kept = [branch for branch in branches if branch != _NULL]
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        schema = {**kept[0], **rest} if len(kept) == 1 else {**rest, "anyOf": kept}
    schema = _merge_plain_branches(schema)
    compact: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROPPED or (key == "default" and value in (None, False)):
            continue
        if key in ("items", "additionalProperties") and isinstance(value, dict):
            value = _compact_property(value, defs)
        elif key == "anyOf":
            value = [_compact_property(branch, defs) for branch in value]
        elif key == "properties":
            value = {name: _compact_property(item, defs) for name, item in value.items()}
        compact[key] = value
    return compact


def compact_input_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` (an argument model's JSON schema) without titles, null branches, trivial defaults
    or `$defs`; every parameter, type, description, bound and enum kept."""
    defs: dict[str, Any] = schema.get("$defs", {})
    compact = _compact_property({k: v for k, v in schema.items() if k != "$defs"}, defs)
    compact.setdefault("properties", {})
    return compact


def _json_types(schema: dict[str, Any], defs: dict[str, Any]) -> list[str] | None:
    """The JSON types a value of `schema` can have, or None when any value is allowed."""
    schema = _resolve(schema, defs)
    if "anyOf" in schema or "oneOf" in schema:
        types: list[str] = []
        for branch in schema.get("anyOf", schema.get("oneOf", [])):
            found = _json_types(branch, defs)
            if found is None:
                return None
            types += [kind for kind in found if kind not in types]
        return types
    kind = schema.get("type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return list(kind)
    if "enum" in schema and all(isinstance(value, str) for value in schema["enum"]):
        return ["string"]
    if "properties" in schema:
        return ["object"]
    return None


def compact_output_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s fields and their JSON types, and which are always present: what a client validates
    structuredContent against, without the nested models' detail."""
    full = model.model_json_schema(mode="serialization")
    defs: dict[str, Any] = full.get("$defs", {})
    properties: dict[str, Any] = {}
    for name, field in full.get("properties", {}).items():
        types = _json_types(field, defs)
        if types is None:
            properties[name] = {}
        else:
            properties[name] = {"type": types[0] if len(types) == 1 else types}
    compact: dict[str, Any] = {"type": "object", "properties": properties}
    if full.get("required"):
        compact["required"] = full["required"]
    return compact
