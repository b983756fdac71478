"""Core values -> LSP values, in one place: violations to diagnostics, edits to text edits.

Positions go through :class:`~drizzle_lsp.core.text.TextIndex` with the negotiated encoding.
Fixes travel in ``Diagnostic.data`` (the ruff/squawk pattern): each fix is stored with its edits
already in LSP coordinates of the document version the diagnostic was computed for, so a code
action only reads them back. ``data`` is plain JSON::

    {"fixes": [{"title", "applicability", "preferred",
                "edits": [{"range", "newText"} | {"uri", "version", "range", "newText"}]}],
     "ignorable": bool, "version": int}

An edit without ``uri`` is in the diagnostic's own document, at ``data.version``. Diagnostics
are written as JSON text (:class:`DiagnosticWriter`), not typed objects: see there why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii as _quote
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from drizzle_lsp.core.diagnostics import Edit, Fix, Severity, Span, Violation
from drizzle_lsp.core.fixes import common_length
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


def uri_of(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()


def path_of(uri: str) -> Path | None:
    """Filesystem path of a ``file:`` URI (None for ``untitled:`` and other schemes)."""
    fs_path = to_fs_path(uri)
    return Path(fs_path) if fs_path else None


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


# ---- diagnostics --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Document:
    """A file as an analysis saw it: where to publish, which version, its line index."""

    uri: str
    version: int | None
    index: TextIndex


DocumentOf = Callable[[Path], Document]


class DiagnosticWriter:
    """Violations of one file -> LSP ``Diagnostic`` objects as JSON text, fixes in ``data``.

    A file can hold thousands of diagnostics (newer drizzle-kit output trips S002 on nearly every
    statement) and every edit re-publishes all of them, so this writes the JSON text directly:
    per-code parts and repeated strings (fix titles, inserted text) are encoded once, other
    files an edit touches are resolved once, and an edit in the diagnostic's own file omits its
    URI and version (``data.version`` holds the version once). 2,000 diagnostics take ~8 ms,
    against ~25 ms for building dicts and ``json.dumps`` and ~60 ms through cattrs.

    What was written for the file's last publish is reused for a violation that is the same
    object as then (the analyzer keeps those of chunks that neither changed nor moved) when the
    text before everything it points at is unchanged, so its lines and columns are too: after
    an edit, the diagnostics above it cost nothing.
    """

    def __init__(self, path: Path, document_of: DocumentOf, encoding: Encoding) -> None:
        self.path = path
        self.document = document_of(path)
        self.document_of = document_of
        self.encoding = encoding
        self._others: dict[Path, Document] = {}
        self._heads: dict[str, str] = {}
        self._strings: dict[str, str] = {}
        version = self.document.version
        self._tail = "" if version is None else f',"version":{version}'
        key = (path, self.document.uri, encoding)
        self._previous = _WRITTEN.pop(key, None)
        self._unchanged: int | None = None  # length of the text both publishes share
        self._written = _WRITTEN[key] = _Written(self.document.index.text)

    def json(self, v: Violation) -> str:
        """The ``Diagnostic`` of ``v`` as JSON text."""
        found = self._reused(v)
        if found is not None:
            body, last = found
        else:
            body = self._body(v)
            if not all(e.path is self.path or e.path == self.path for e in _edits(v)):
                return f"{body}{self._tail}}}}}"  # other files' versions change: not kept
            last = _last_offset(v)
        self._written.bodies[id(v)] = (v, body, last)
        return f"{body}{self._tail}}}}}"

    def _reused(self, v: Violation) -> tuple[str, int] | None:
        """The body written for ``v`` last time, if its positions cannot have changed."""
        previous = self._previous
        found = previous.bodies.get(id(v)) if previous is not None else None
        if previous is None or found is None or found[0] is not v:
            return None
        if self._unchanged is None:
            old, new = previous.text, self._written.text
            limit = min(len(old), len(new))
            same = (lambda n: True) if old is new else (lambda n: old[:n] == new[:n])
            self._unchanged = common_length(same, limit)
        _, body, last = found
        # +1: the position right after a "\r" depends on whether a "\n" follows
        return (body, last) if last + 1 < self._unchanged else None

    def _body(self, v: Violation) -> str:
        """The diagnostic's JSON text up to ``data``'s version (which changes every publish)."""
        head = self._heads.get(v.code)
        if head is None:
            head = self._heads[v.code] = (
                f'"severity":{_SEVERITY[v.severity].value},"code":{_quote(v.code)},'
                f'"codeDescription":{{"href":{_quote(docs_url(v.code))}}},'
                f'"source":"{SOURCE}"'
            )
        fixes = []
        if v.fix is not None:
            fixes.append(self._fix(v.fix, preferred=True))
        for alternative in v.alternatives:
            fixes.append(self._fix(alternative, preferred=False))
        ignorable = "true" if v.code in SQL_CODES else "false"
        return (
            f'{{"range":{self._range(self.document.index, v.span)},{head},'
            f'"message":{_quote(v.message)},'
            f'"data":{{"fixes":[{",".join(fixes)}],"ignorable":{ignorable}'
        )

    def _string(self, text: str) -> str:
        quoted = self._strings.get(text)
        if quoted is None:
            quoted = self._strings[text] = _quote(text)
        return quoted

    def _range(self, index: TextIndex, span: Span) -> str:
        line, character = index.line_column(span.start, self.encoding)
        end_line, end_character = (
            (line, character)
            if span.end == span.start
            else index.line_column(span.end, self.encoding)
        )
        return (
            f'{{"start":{{"line":{line},"character":{character}}},'
            f'"end":{{"line":{end_line},"character":{end_character}}}}}'
        )

    def _fix(self, fix: Fix, preferred: bool) -> str:
        edits = []
        for e in fix.edits:
            new_text = self._string(e.new_text)
            if e.path is self.path or e.path == self.path:
                edits.append(
                    f'{{"range":{self._range(self.document.index, e.span)},"newText":{new_text}}}'
                )
                continue
            other = self._others.get(e.path)
            if other is None:
                other = self._others[e.path] = self.document_of(e.path)
            version = "null" if other.version is None else str(other.version)
            edits.append(
                f'{{"uri":{self._string(other.uri)},"version":{version},'
                f'"range":{self._range(other.index, e.span)},"newText":{new_text}}}'
            )
        safe = fix.applicability.value == "safe"
        return (
            f'{{"title":{self._string(fix.title)},"applicability":"{fix.applicability.value}",'
            f'"preferred":{"true" if preferred and safe else "false"},'
            f'"edits":[{",".join(edits)}]}}'
        )


@dataclass(slots=True)
class _Written:
    """A file's last publish: its text and, per violation, its JSON body and last offset."""

    text: str
    bodies: dict[int, tuple[Violation, str, int]] = field(default_factory=dict)


# per (path, uri, encoding): one entry per published file, replaced by each publish
_WRITTEN: dict[tuple[Path, str, Encoding], _Written] = {}


def _edits(v: Violation) -> Iterator[Edit]:
    for fix in (v.fix, *v.alternatives):
        if fix is not None:
            yield from fix.edits


def _last_offset(v: Violation) -> int:
    """The largest offset the diagnostic of ``v`` converts to a position."""
    return max((v.span.end, *(e.span.end for e in _edits(v))))


def publish_text(uri: str, version: int | None, diagnostics: list[str]) -> str:
    """``PublishDiagnosticsParams`` as JSON text, from diagnostics as JSON text."""
    versioned = "" if version is None else f',"version":{version}'
    return f'{{"uri":{_quote(uri)}{versioned},"diagnostics":[{",".join(diagnostics)}]}}'


# ---- workspace edits ----------------------------------------------------------------------------


def workspace_edit(
    edits: Iterable[Mapping[str, Any]],
    document_changes: bool,
    uri: str | None = None,
    version: int | None = None,
) -> types.WorkspaceEdit:
    """A ``WorkspaceEdit`` from JSON edits ``{"uri", "version", "range", "newText"}``.

    An edit without ``uri`` is in the document ``uri`` at ``version``. With ``document_changes``
    (the client supports it) every file's edits are tagged with the version they were computed
    for, so the client refuses them if the file changed since.
    """
    grouped: dict[str, tuple[int | None, list[types.TextEdit]]] = {}
    for edit in edits:
        key = edit.get("uri", uri)
        if key is None:
            continue
        default = version if key == uri else None
        _, text_edits = grouped.setdefault(key, (edit.get("version", default), []))
        text_edits.append(
            types.TextEdit(range=range_from_json(edit["range"]), new_text=edit["newText"])
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
    edits: Iterable[Edit], document: Document, encoding: Encoding
) -> list[dict[str, Any]]:
    """JSON edits of ``document`` (as ``workspace_edit`` reads them)."""
    return [
        {
            "uri": document.uri,
            "version": document.version,
            "range": _range_json(document.index, e.span, encoding),
            "newText": e.new_text,
        }
        for e in edits
    ]


def range_from_json(data: Mapping[str, Any]) -> types.Range:
    start, end = data["start"], data["end"]
    return types.Range(
        start=types.Position(line=start["line"], character=start["character"]),
        end=types.Position(line=end["line"], character=end["character"]),
    )
