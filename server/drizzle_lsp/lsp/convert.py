"""Core values -> LSP values, in one place: violations to diagnostics, edits to text edits.

Positions go through :class:`~drizzle_lsp.core.text.TextIndex` with the negotiated encoding.
Fixes travel in ``Diagnostic.data`` (the ruff/squawk pattern): each fix is stored with its edits
already in LSP coordinates of the document version the diagnostic was computed for, so a code
action only reads them back. ``data`` is plain JSON::

    {"fixes": [{"title", "applicability", "preferred", "edits": [{"uri", "version", "range",
    "newText"}]}], "ignorable": bool}

Diagnostics are published as plain dicts (:func:`diagnostic_json`): a 2,000-diagnostic file goes
out in a few milliseconds instead of the ~60 ms cattrs needs to unstructure typed objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from drizzle_lsp.core.diagnostics import Edit, Fix, Severity, Span, Violation
from drizzle_lsp.core.text import Encoding, Position, TextIndex
from drizzle_lsp.docs import docs_url
from drizzle_lsp.rules import SQL_RULES

SOURCE = "drizzle-lsp"
SQL_CODES = frozenset(rule.code for rule in SQL_RULES)

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}

IndexOf = Callable[[Path], TextIndex]
UriOf = Callable[[Path], str]
VersionOf = Callable[[Path], int | None]


def uri_of(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()


def path_of(uri: str) -> Path | None:
    """Filesystem path of a ``file:`` URI (None for ``untitled:`` and other schemes)."""
    fs_path = to_fs_path(uri)
    return Path(fs_path) if fs_path else None


def encoding_of(kind: str | None) -> Encoding:
    return Encoding(kind) if kind in {e.value for e in Encoding} else Encoding.UTF16


# ---- positions ----------------------------------------------------------------------------------


def position(index: TextIndex, offset: int, encoding: Encoding) -> types.Position:
    p = index.position(offset, encoding)
    return types.Position(line=p.line, character=p.character)


def to_range(index: TextIndex, span: Span, encoding: Encoding) -> types.Range:
    return types.Range(
        start=position(index, span.start, encoding), end=position(index, span.end, encoding)
    )


def offset(index: TextIndex, pos: types.Position, encoding: Encoding) -> int:
    return index.offset(Position(pos.line, pos.character), encoding)


def to_span(index: TextIndex, rng: types.Range, encoding: Encoding) -> Span:
    start, end = offset(index, rng.start, encoding), offset(index, rng.end, encoding)
    return Span(min(start, end), max(start, end))


def _range_json(index: TextIndex, span: Span, encoding: Encoding) -> dict[str, Any]:
    start = index.position(span.start, encoding)
    end = index.position(span.end, encoding) if span.end != span.start else start
    return {
        "start": {"line": start.line, "character": start.character},
        "end": {"line": end.line, "character": end.character},
    }


def text_edit(edit: Edit, index: TextIndex, encoding: Encoding) -> types.TextEdit:
    return types.TextEdit(range=to_range(index, edit.span, encoding), new_text=edit.new_text)


# ---- diagnostics --------------------------------------------------------------------------------


def diagnostic_json(
    v: Violation, index_of: IndexOf, uri_for: UriOf, version_of: VersionOf, encoding: Encoding
) -> dict[str, Any]:
    """The LSP ``Diagnostic`` of a violation, as JSON, fixes in ``data``."""
    fixes = [
        _fix_json(fix, preferred, index_of, uri_for, version_of, encoding)
        for fix, preferred in ((v.fix, True), *((a, False) for a in v.alternatives))
        if fix is not None
    ]
    return {
        "range": _range_json(index_of(v.path), v.span, encoding),
        "severity": _SEVERITY[v.severity].value,
        "code": v.code,
        "codeDescription": {"href": docs_url(v.code)},
        "source": SOURCE,
        "message": v.message,
        "data": {"fixes": fixes, "ignorable": v.code in SQL_CODES},
    }


def _fix_json(
    fix: Fix,
    preferred: bool,
    index_of: IndexOf,
    uri_for: UriOf,
    version_of: VersionOf,
    encoding: Encoding,
) -> dict[str, Any]:
    return {
        "title": fix.title,
        "applicability": fix.applicability.value,
        "preferred": preferred and fix.applicability.value == "safe",
        "edits": [
            {
                "uri": uri_for(e.path),
                "version": version_of(e.path),
                "range": _range_json(index_of(e.path), e.span, encoding),
                "newText": e.new_text,
            }
            for e in fix.edits
        ],
    }


def publish_json(uri: str, version: int | None, diagnostics: list[dict[str, Any]]) -> Any:
    params: dict[str, Any] = {"uri": uri, "diagnostics": diagnostics}
    if version is not None:
        params["version"] = version
    return params


# ---- workspace edits ----------------------------------------------------------------------------


def workspace_edit(
    edits: Iterable[Mapping[str, Any]], document_changes: bool
) -> types.WorkspaceEdit:
    """A ``WorkspaceEdit`` from JSON edits ``{"uri", "version", "range", "newText"}``.

    With ``document_changes`` (the client supports it) every file's edits are tagged with the
    version they were computed for, so the client refuses them if the file changed since.
    """
    grouped: dict[str, tuple[int | None, list[types.TextEdit]]] = {}
    for edit in edits:
        _, text_edits = grouped.setdefault(edit["uri"], (edit.get("version"), []))
        text_edits.append(
            types.TextEdit(range=_range_from_json(edit["range"]), new_text=edit["newText"])
        )
    if not document_changes:
        return types.WorkspaceEdit(changes={uri: e for uri, (_, e) in grouped.items()})
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=version
                ),
                edits=list(text_edits),
            )
            for uri, (version, text_edits) in grouped.items()
        ]
    )


def edits_json(
    edits: Iterable[Edit], index_of: IndexOf, uri_for: UriOf, version_of: VersionOf, enc: Encoding
) -> list[dict[str, Any]]:
    return [
        {
            "uri": uri_for(e.path),
            "version": version_of(e.path),
            "range": _range_json(index_of(e.path), e.span, enc),
            "newText": e.new_text,
        }
        for e in edits
    ]


def _range_from_json(data: Mapping[str, Any]) -> types.Range:
    start, end = data["start"], data["end"]
    return types.Range(
        start=types.Position(line=start["line"], character=start["character"]),
        end=types.Position(line=end["line"], character=end["character"]),
    )


def minimal_edit(path: Path, before: str, after: str) -> Edit:
    """One edit turning ``before`` into ``after``: the differing middle, common ends kept."""
    limit = min(len(before), len(after))
    start = _common_length(lambda n: before[:n] == after[:n], limit)
    end = _common_length(
        lambda n: before[len(before) - n :] == after[len(after) - n :], limit - start
    )
    # never split a "\r\n": a position between its characters has no line/column
    if 0 < start < len(before) and before[start - 1] == "\r" and before[start] == "\n":
        start -= 1
    tail = len(before) - end
    if end > 0 and tail > 0 and before[tail] == "\n" and before[tail - 1] == "\r":
        end -= 1
    return Edit(path, Span(start, len(before) - end), after[start : len(after) - end])


def _common_length(same: Callable[[int], bool], limit: int) -> int:
    """Largest n <= limit with same(n) (same is monotonic): binary search over slice compares."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if same(middle):
            low = middle
        else:
            high = middle - 1
    return low
