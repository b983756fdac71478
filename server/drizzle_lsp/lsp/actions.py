"""Code actions: quick fixes read back from ``Diagnostic.data``, suppression, fix-all.

* a quick fix per fix the analysis attached to a diagnostic (its ``fix`` first and preferred
  when safe, then its ``alternatives``, e.g. J001's make-idempotent-and-bump), each a
  ``WorkspaceEdit`` over every file it touches;
* "Ignore CODE for this statement" for SQL rules: a ``-- drizzle-lsp-ignore: CODE`` line above
  the statement (:func:`drizzle_lsp.core.suppress.ignore_edit`);
* ``source.fixAll.drizzle-lsp``: every safe fix of the file's own diagnostics, computed by the
  core's ``fix_folder`` on demand (in ``codeAction/resolve`` when the client can resolve).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types

from drizzle_lsp.core.diagnostics import Applicability, Edit
from drizzle_lsp.core.fixes import minimal_edit
from drizzle_lsp.core.migration import MigrationFile
from drizzle_lsp.core.settings import S002Scope
from drizzle_lsp.core.suppress import ignore_edit
from drizzle_lsp.core.text import TextIndex
from drizzle_lsp.lsp import convert
from drizzle_lsp.lsp.state import OpenDocument, ServerState

FIX_ALL_KIND = "source.fixAll.drizzle-lsp"
FIX_ALL_TITLE = "Fix all auto-fixable problems (drizzle-lsp)"
KINDS = [types.CodeActionKind.QuickFix, FIX_ALL_KIND]
SET_S002_SCOPE = "drizzle-lsp.setS002Scope"
S002_EVERYWHERE = "Report S002 on every migration"
S002_NEW_ONLY = "Report S002 only on new migrations"
S002_FIX_FOLDER = "Fix all S002 in this folder"


def wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Whether ``kind`` is asked for: ``only`` lists kinds or their parents (``source``)."""
    if not only:
        return True
    return any(kind == o or kind.startswith(f"{o}.") for o in only)


async def code_actions(
    state: ServerState, params: types.CodeActionParams, can_resolve: bool
) -> list[types.CodeAction]:
    document = state.document(params.text_document.uri)
    only = params.context.only
    found: list[types.CodeAction] = []
    if wanted(types.CodeActionKind.QuickFix, only):
        for diagnostic in params.context.diagnostics:
            if diagnostic.source != convert.SOURCE:
                continue
            if document is not None and _incomplete(diagnostic.data):
                # the client dropped it, or a fix was sent without its edits (many files)
                diagnostic.data = _data_of(state, document, diagnostic)
            uri = params.text_document.uri
            found.extend(quick_fixes(diagnostic, uri, state.document_changes))
            if document is not None:
                ignore = ignore_action(state, document, diagnostic)
                if ignore is not None:
                    found.append(ignore)
        s002 = [d for d in params.context.diagnostics if _is_s002(d)]
        if document is not None and s002:
            found.extend(await _s002_actions(state, document, s002, can_resolve))
    if document is not None and wanted(FIX_ALL_KIND, only) and _has_safe_fix(state, document):
        action = types.CodeAction(
            title=FIX_ALL_TITLE,
            kind=FIX_ALL_KIND,
            data={"uri": document.uri, "version": document.version},
        )
        found.append(action if can_resolve else await resolve(state, action))
    return found


def _is_s002(diagnostic: types.Diagnostic) -> bool:
    return diagnostic.source == convert.SOURCE and str(diagnostic.code) == "S002"


async def _s002_actions(
    state: ServerState,
    document: OpenDocument,
    diagnostics: list[types.Diagnostic],
    can_resolve: bool,
) -> list[types.CodeAction]:
    """On an S002 diagnostic: its scope switched between every migration and the new ones
    (:data:`SET_S002_SCOPE`), and every safe S002 fix of the folder at once."""
    scope = state.s002_scope_of(document.path)
    if scope is S002Scope.ALL:
        title, value = S002_NEW_ONLY, S002Scope.NEW
    else:
        title, value = S002_EVERYWHERE, S002Scope.ALL
    found = [
        types.CodeAction(
            title=title,
            kind=types.CodeActionKind.QuickFix,
            diagnostics=diagnostics,
            command=types.Command(title=title, command=SET_S002_SCOPE, arguments=[value.value]),
        )
    ]
    if _has_safe_fix(state, document, code="S002", folder=True):
        action = types.CodeAction(
            title=S002_FIX_FOLDER,
            kind=types.CodeActionKind.QuickFix,
            diagnostics=diagnostics,
            data={"uri": document.uri, "version": document.version, "code": "S002"},
        )
        found.append(action if can_resolve else await resolve(state, action))
    return found


def quick_fixes(
    diagnostic: types.Diagnostic, uri: str, document_changes: bool
) -> list[types.CodeAction]:
    """The fixes carried in ``data`` of a diagnostic of the document ``uri``."""
    data = diagnostic.data
    if diagnostic.source != convert.SOURCE or not isinstance(data, Mapping):
        return []
    version = data.get("version")
    return [
        types.CodeAction(
            title=fix["title"],
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            is_preferred=bool(fix.get("preferred", True)),
            edit=convert.workspace_edit(
                fix["edits"], document_changes, uri, version, fix.get("deletes", ())
            ),
        )
        for fix in data.get("fixes", [])
        # deleting a file takes documentChanges: without them, no half of such a fix
        if document_changes or not fix.get("deletes")
    ]


def _incomplete(data: Any) -> bool:
    if data is None:
        return True
    fixes = data.get("fixes", []) if isinstance(data, Mapping) else []
    return any(isinstance(fix, Mapping) and fix.get("resolve") for fix in fixes)


def _data_of(state: ServerState, document: OpenDocument, diagnostic: types.Diagnostic) -> Any:
    """``data`` of a diagnostic, every fix with its edits: the one we published for the same
    code and range (or would have, for a fix sent without its edits), from the last analysis of
    this text. For a client that did not keep it (no ``dataSupport``), and for big fixes."""
    result = state.current_result(document.path)
    if result is None:
        return None
    document_of = state.document_for(result)
    writer = convert.DiagnosticWriter(document.path, document_of, state.encoding, lazy=False)
    for v in result.by_path.get(document.path, ()):
        if v.code != diagnostic.code:
            continue
        published = json.loads(writer.json(v))
        if convert.range_from_json(published["range"]) == diagnostic.range:
            return published["data"]
    return None


def ignore_action(
    state: ServerState, document: OpenDocument, diagnostic: types.Diagnostic
) -> types.CodeAction | None:
    code = str(diagnostic.code)
    if diagnostic.source != convert.SOURCE or code not in convert.SQL_CODES:
        return None  # suppression comments are per statement: S rules only
    index = document.index
    at = convert.offset(index, diagnostic.range.start, state.encoding)
    edit = ignore_edit(document.path, _migration(state, document), at, code)
    if edit is None:
        return None
    return types.CodeAction(
        title=f"Ignore {code} for this statement",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=_document_edit(state, document, edit),
    )


def _document_edit(state: ServerState, document: OpenDocument, edit: Edit) -> types.WorkspaceEdit:
    target = convert.Document(document.uri, document.version, document.index)
    changes = convert.edits_json([edit], target, state.encoding)
    return convert.workspace_edit(changes, state.document_changes)


def _migration(state: ServerState, document: OpenDocument) -> MigrationFile:
    result = state.current_result(document.path)
    sql = result.folder.sql.get(document.path) if result is not None else None
    migration = sql.migration if sql is not None else None
    return migration if migration is not None else MigrationFile(document.text)


def _has_safe_fix(
    state: ServerState, document: OpenDocument, code: str | None = None, folder: bool = False
) -> bool:
    """Whether a diagnostic of the document (``folder``: of its folder) has a safe fix (of
    ``code``'s rule only, when given)."""
    result = state.current_result(document.path)
    if result is None:
        return False
    found = result.violations if folder else result.by_path.get(document.path, ())
    return any(
        v.fix is not None
        and v.fix.applicability is Applicability.SAFE
        and (code is None or v.code == code)
        for v in found
    )


async def resolve(state: ServerState, action: types.CodeAction) -> types.CodeAction:
    """Fill in the edit of a fix-all action, of the file's or of one rule's in the folder (the
    other actions arrive complete)."""
    data = action.data
    if not isinstance(data, Mapping) or "uri" not in data:
        return action
    document = state.document(str(data.get("uri")))
    if document is None or document.version != data.get("version"):
        return action  # the file changed since: no edit rather than a wrong one
    code = data.get("code")
    outcome = await state.fix_all(document.path, str(code) if code else None)
    if outcome is None or document.version != data.get("version"):
        return action
    changes: list[list[Any]] = []
    for path, (before, after) in outcome.items():
        target = _target(state, path, before)
        if target is None:
            return action  # a buffer differs from what was fixed: no edit rather than a wrong one
        edit = minimal_edit(path, before, after)
        changes += convert.edits_json([edit], target, state.encoding)
    action.edit = convert.workspace_edit(changes, state.document_changes)
    return action


def _target(state: ServerState, path: Path, before: str) -> convert.Document | None:
    """Where an edit computed on ``before`` goes: the open buffer holding that text, or the
    file on disk; None when the buffer holds another text."""
    uri = convert.uri_of(path)
    document = state.document(uri)
    if document is None:
        return convert.Document(uri, None, TextIndex(before))
    if document.text != before:
        return None
    return convert.Document(document.uri, document.version, document.index)
