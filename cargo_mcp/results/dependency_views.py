"""What cargo_metadata and cargo_tree answer, in pages that fit: a one-line summary per workspace member
(a member in full with `package`), and the tree's lines; each page says how many there are and which
`offset` gives the rest. The structured data and the text list the same page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rust_mcp.core import budgets
from rust_mcp.core.clipping import clip_end
from rust_mcp.core.counts import plural
from rust_mcp.core.json_nesting import parse_json
from rust_mcp.core.paging import Page, take_page

# target kinds counted rather than named, with their plurals
TARGET_KINDS = {"test": "tests", "bench": "benches", "example": "examples", "custom-build": "build scripts"}


def _compact(value: object) -> int:
    return len(budgets.compact_json(value))


def _named(value: Any) -> Any:
    """A name or path as cargo printed it, clipped: package, feature and target names are the
    project's and have no length limit."""
    return clip_end(value, budgets.NAME_LIMIT) if isinstance(value, str) else value


def _first_names(names: Sequence[str], most: int) -> list[str]:
    """The first of `names` (at most `most`, clipped) within METADATA_NAMES_CHARS characters."""
    kept: list[str] = []
    used = 0
    for name in names[:most]:
        used += len(shown := _named(name)) + 3
        if used > budgets.METADATA_NAMES_CHARS:
            break
        kept.append(shown)
    return kept


def _target_kinds(targets: Sequence[Mapping[str, Any]]) -> str:
    """e.g. `lib, bin codex, 12 tests, 2 benches`: libraries and binaries by name, the rest counted."""
    named = [
        f"{'/'.join(t.get('kind') or [])} {t.get('name')}"
        for t in targets
        if {"bin", "proc-macro"} & set(t.get("kind") or [])
    ]
    libs = [
        "lib" for t in targets if {"lib", "rlib", "dylib", "cdylib", "staticlib"} & set(t.get("kind") or [])
    ]
    counted = Counter(kind for t in targets for kind in t.get("kind") or [] if kind in TARGET_KINDS)
    rest = [plural(n, kind, TARGET_KINDS[kind]) for kind, n in sorted(counted.items())]
    return ", ".join([*libs[:1], *named, *rest])


def _summary(package: Mapping[str, Any], root: Path) -> dict[str, Any]:
    directory = Path(str(package.get("manifest_path"))).parent
    shown = directory.relative_to(root).as_posix() if directory.is_relative_to(root) else str(directory)
    return {
        "name": _named(package.get("name")),
        "version": _named(package.get("version")),
        "path": _named(shown) or ".",
        "edition": package.get("edition"),
        "targets": _target_kinds(package.get("targets") or []),
        "dependencies": len(package.get("dependencies") or []),
        "features": len(package.get("features") or {}),
    }


def _dependency(d: Mapping[str, Any]) -> dict[str, Any]:
    fields = {
        "name": _named(d.get("name")),
        "req": _named(d.get("req")),
        "kind": d.get("kind"),
        "optional": d.get("optional") or None,
        "path": _named(d.get("path")),
        "rename": _named(d.get("rename")),  # the name the code uses
        "target": _named(d.get("target")),  # a platform: `cfg(unix)`, a triple
    }
    return {k: v for k, v in fields.items() if v is not None}


def _target(t: Mapping[str, Any]) -> dict[str, Any]:
    """A target with the features it needs (clap's examples: `derive`, off by default, so cargo check
    skips them unless asked for it)."""
    entry = {"name": _named(t.get("name")), "kind": t.get("kind"), "src_path": _named(t.get("src_path"))}
    required = [_named(f) for f in t.get("required-features") or []]
    if required:
        entry["required_features"] = _first_names(required, budgets.METADATA_DETAIL_FEATURES)
    return entry


def _detail(package: Mapping[str, Any], offset: int) -> dict[str, Any]:
    """One member in full: a page of its targets and then its dependencies (one `offset` pages on
    through both: clap's 60 targets were cut at 17 with the rest only in the log), and its features."""
    targets = [_target(t) for t in package.get("targets") or []]
    dependencies = [_dependency(d) for d in package.get("dependencies") or []]
    entries = [*targets, *dependencies]
    budget = budgets.METADATA_DETAIL_TARGETS + budgets.METADATA_DETAIL_DEPENDENCIES
    page = take_page(entries, offset, len(entries), _compact, budget)
    start, end = page.offset, page.end
    member = {
        "name": _named(package.get("name")),
        "version": _named(package.get("version")),
        "manifest_path": _named(package.get("manifest_path")),
        "edition": package.get("edition"),
        "targets": targets[start:end],
        "target_count": len(targets),
        "features": _first_names(sorted(package.get("features") or {}), budgets.METADATA_DETAIL_FEATURES),
        "feature_count": len(package.get("features") or {}),
        "dependencies": dependencies[max(0, start - len(targets)) : max(0, end - len(targets))],
        "dependency_count": len(dependencies),
    }
    return {"member": member, "page": page.note("targets and dependencies")}


def metadata_page(text: str, offset: int, package: str | None) -> dict[str, Any] | None:
    """cargo metadata's JSON as one page: every member's summary from `offset`, or `package` in full."""
    if not text.strip():
        return None
    try:
        raw = parse_json(text)
    except ValueError:
        return {"error": "cargo metadata printed something that is not JSON"}
    ids = set(raw.get("workspace_members") or [])
    root = Path(str(raw.get("workspace_root")))
    members = [p for p in raw.get("packages") or [] if p.get("id") in ids]
    others = sorted(
        f"{p.get('name')} {p.get('version')}" for p in raw.get("packages") or [] if p.get("id") not in ids
    )
    data: dict[str, Any] = {
        "workspace_root": raw.get("workspace_root"),
        "target_directory": raw.get("target_directory"),
        "member_count": len(members),
    }
    if package is not None:
        chosen = [p for p in members if p.get("name") == package]
        if not chosen:
            names = ", ".join(
                sorted(str(p.get("name")) for p in members)[: budgets.METADATA_NAMES_IN_REFUSAL]
            )
            more = len(members) - budgets.METADATA_NAMES_IN_REFUSAL
            return {
                **data,
                "refused": f"package {package!r} is not a member of this workspace; its members: {names}"
                + (f" and {more} more" if more > 0 else ""),
            }
        return {**data, **_detail(chosen[0], offset)}
    summaries = [_summary(p, root) for p in members]
    page: Page[dict[str, Any]] = take_page(summaries, offset, len(summaries), _compact, budgets.METADATA_PAGE)
    data["members"] = page.items
    data["page"] = page.note("members")
    if others:
        data["other_package_count"] = len(others)
        data["other_packages"] = _first_names(others, budgets.METADATA_OTHER_PACKAGES)
    return data


def metadata_text(data: Mapping[str, Any]) -> list[str]:
    out = [f"workspace root: {data.get('workspace_root')}; {data.get('member_count')} member(s)"]
    member = data.get("member")
    if isinstance(member, dict):
        out.append(
            f"{member['name']} {member['version']} [{member['manifest_path']}] edition {member['edition']}"
        )
        out.append(f"  targets ({member['target_count']}):")
        out += [
            f"    {t['name']} ({'/'.join(t['kind'] or [])}) {t['src_path']}"
            + (
                f", requires features: {', '.join(t['required_features'])}"
                if t.get("required_features")
                else ""
            )
            for t in member["targets"]
        ]
        features = ", ".join(member["features"])
        out.append(f"  features ({member['feature_count']}): {features}")
        out.append(f"  dependencies ({member['dependency_count']}):")
        out += [
            "    "
            + " ".join(str(d[k]) for k in ("name", "req", "kind", "path") if k in d)
            + (f" as {d['rename']}" if d.get("rename") else "")
            + (" (optional)" if d.get("optional") else "")
            + (f" for {d['target']}" if d.get("target") else "")
            for d in member["dependencies"]
        ]
    for row in data.get("members") or []:
        out.append(
            f"- {row['name']} {row['version']} ({row['path']}): {row['targets']}; "
            f"{row['dependencies']} dependencies, {row['features']} features"
        )
    if data.get("members"):
        out.append("(package=NAME gives a member in full: targets, features, dependencies)")
    if data.get("other_package_count"):
        listed = len(data.get("other_packages") or [])
        out.append(
            f"{data['other_package_count']} other packages (dependencies)"
            + (f", the first {listed}: {', '.join(data['other_packages'])}" if listed else "")
        )
    if data.get("page"):
        out.append(str(data["page"]))
    return out


def tree_page(lines: Sequence[str], offset: int, kept_all: bool) -> dict[str, Any]:
    """A page of cargo tree's lines from `offset`, within the page budget."""
    page = take_page(list(lines), offset, len(lines), lambda line: len(line) + 4, budgets.TREE_PAGE_CHARS)
    data: dict[str, Any] = {"lines": page.items, "total_lines": len(lines)}
    note = page.note("tree lines")
    if not kept_all:
        data["cut"] = True
        note = (note or "tree lines") + f"; cargo printed more than {len(lines)} lines (not kept)"
    if note:
        data["page"] = note
    return data
