"""WorkspaceEdits from rust-analyzer (rename, format, SSR, code actions): planned in memory, shown as
a unified diff, and written only on request, each file through a temporary file and a rename so a
failure leaves it either as it was or fully updated. Paths are checked when the edit is planned and
again when it is written, and written without following links, so a link swapped in while the user
confirms cannot carry the write out of the roots."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rust_mcp.core.errors import Refusal
from rust_mcp.core.files import FileChange, WriteFailed, read_current, write_all_or_nothing
from rust_mcp.core.roots import AllowedRoots

from ..lsp.lazy_types import lsp
from .positions import apply_text_edits, uri_to_path

DIFF_CONTEXT = 2


@dataclass
class FilePlan:
    """The end state of one path: `after is None` means deleted; `before is None` means created."""

    path: Path
    before: str | None
    after: str | None


class EditPlan:
    def __init__(self, roots: AllowedRoots) -> None:
        self.roots = roots
        self.files: dict[Path, FilePlan] = {}

    def _checked(self, path: Path) -> Path:
        resolved = path.resolve()
        if not self.roots.contains(resolved):
            raise Refusal(
                f"the edit would change {resolved}, outside the allowed roots ({self.roots.describe()}); "
                "nothing was written"
            )
        return resolved

    def _load(self, path: Path) -> FilePlan:
        path = self._checked(path)
        plan = self.files.get(path)
        if plan is None:
            try:
                data = read_current(path)
                text: str | None = None if data is None else data.decode("utf-8")
            except OSError as exc:
                raise Refusal(f"cannot read {path}: {exc.strerror or exc}") from exc
            except UnicodeDecodeError as exc:
                raise Refusal(f"{path} is not UTF-8 text; it will not be edited") from exc
            plan = FilePlan(path, text, text)
            self.files[path] = plan
        return plan

    def edit(self, path: Path, edits: list[lsp.TextEdit]) -> None:
        plan = self._load(path)
        if plan.after is None:
            raise Refusal(f"the edit changes {path}, which does not exist")
        plan.after = apply_text_edits(plan.after, edits)

    def create(self, path: Path, overwrite: bool) -> None:
        plan = self._load(path)
        if plan.after is not None and not overwrite:
            raise Refusal(f"the edit creates {path}, which already exists")
        plan.after = ""

    def delete(self, path: Path) -> None:
        self._load(path).after = None

    def rename(self, old: Path, new: Path, overwrite: bool) -> None:
        source = self._load(old)
        target = self._load(new)
        if source.after is None:
            raise Refusal(f"the edit renames {old}, which does not exist")
        if target.after is not None and not overwrite:
            raise Refusal(f"the edit renames {old} to {new}, which already exists")
        target.after, source.after = source.after, None

    @property
    def changed(self) -> list[FilePlan]:
        return [plan for plan in self.files.values() if plan.before != plan.after]


def plan_workspace_edit(edit: lsp.WorkspaceEdit, roots: AllowedRoots) -> EditPlan:
    plan = EditPlan(roots)
    if edit.document_changes:
        for change in edit.document_changes:
            if isinstance(change, lsp.TextDocumentEdit):
                plan.edit(uri_to_path(change.text_document.uri), [_plain_edit(e) for e in change.edits])
            elif isinstance(change, lsp.CreateFile):
                plan.create(uri_to_path(change.uri), bool(change.options and change.options.overwrite))
            elif isinstance(change, lsp.RenameFile):
                overwrite = bool(change.options and change.options.overwrite)
                plan.rename(uri_to_path(change.old_uri), uri_to_path(change.new_uri), overwrite)
            elif isinstance(change, lsp.DeleteFile):
                plan.delete(uri_to_path(change.uri))
    elif edit.changes:
        for uri, edits in edit.changes.items():
            plan.edit(uri_to_path(uri), list(edits))
    return plan


def _plain_edit(edit: Any) -> lsp.TextEdit:
    return lsp.TextEdit(range=edit.range, new_text=edit.new_text)


def text_edits_plan(path: Path, edits: list[lsp.TextEdit], roots: AllowedRoots) -> EditPlan:
    plan = EditPlan(roots)
    plan.edit(path, edits)
    return plan


def unified_diff(plan: FilePlan, label: str) -> str:
    before = (plan.before or "").splitlines(keepends=True)
    after = (plan.after or "").splitlines(keepends=True)
    old = "/dev/null" if plan.before is None else f"a/{label}"
    new = "/dev/null" if plan.after is None else f"b/{label}"
    return "".join(difflib.unified_diff(before, after, old, new, n=DIFF_CONTEXT))


def apply_plan(plan: EditPlan) -> list[Path]:
    """Write the plan, all files or none. Refuses, writing nothing, if any file changed on disk
    since it was read; a failed write puts back every file already written."""
    changed = plan.changed
    for item in changed:
        if os.path.realpath(item.path) != str(item.path) or not plan.roots.contains(item.path):
            raise Refusal(
                f"{item.path} now leads through a symbolic link (to {os.path.realpath(item.path)}); "
                "nothing was written"
            )
        try:
            data = read_current(item.path)
            current: str | None = None if data is None else data.decode("utf-8", errors="replace")
        except (OSError, Refusal) as exc:
            raise Refusal(f"{item.path} cannot be read safely now ({exc}); nothing was written") from exc
        if current != item.before:
            raise Refusal(
                f"{item.path} changed on disk since the edit was computed; ask again for a fresh edit"
            )
    try:
        write_all_or_nothing(
            [FileChange(item.path, _encoded(item.before), _encoded(item.after)) for item in changed]
        )
    except WriteFailed as exc:
        raise Refusal(f"the edit was not applied: {exc}") from exc
    return [item.path for item in sorted(changed, key=lambda item: item.after is None)]


def _encoded(text: str | None) -> bytes | None:
    return None if text is None else text.encode("utf-8")
