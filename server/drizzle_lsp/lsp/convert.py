"""Core values -> LSP values, in one place: violations to diagnostics, edits to text edits.

Positions go through :class:`~drizzle_lsp.core.text.TextIndex` with the negotiated encoding.
Fixes travel in ``Diagnostic.data`` (the ruff/squawk pattern): each fix is stored with its edits
already in LSP coordinates of the document version the diagnostic was computed for, so a code
action only reads them back. ``data`` is plain JSON::

    {"fixes": [{"title", "preferred",
                "edits": [[start line, start character, end line, end character, newText]
                          | [... newText, uri, version]]}],
     "version": int}

It is kept small, as a publish can carry thousands of diagnostics and the client decodes all
of them on each edit: edits are arrays, not ``TextEdit`` objects, and nothing the server can
tell from the diagnostic itself is repeated (whether it can be ignored follows from its code).
An edit without a URI is in the diagnostic's own document, at ``data.version``. Diagnostics
are written as JSON text (:class:`DiagnosticWriter`), not typed objects: see there why.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii as _quote
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from drizzle_lsp.core.diagnostics import Edit, Fix, Severity, Span, Violation
from drizzle_lsp.core.fixes import differing_middle
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


def span_positions(index: TextIndex, span: Span, encoding: Encoding) -> tuple[int, int, int, int]:
    """Start line, start column, end line, end column of ``span`` (for JSON written directly)."""
    line, character = index.line_column(span.start, encoding)
    if span.end == span.start:
        return line, character, line, character
    return line, character, *index.line_column(span.end, encoding)


def to_span(index: TextIndex, rng: types.Range, encoding: Encoding) -> Span:
    start, end = offset(index, rng.start, encoding), offset(index, rng.end, encoding)
    return Span(min(start, end), max(start, end))


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

    What was written for the file's last publish is reused for a violation of a SQL rule whose
    ``origin`` (the violation as found in its chunk, the same object while the chunk's text is)
    starts its chunk where the same line and column were then (:class:`_Unmoved`): its
    positions are the chunk's start plus positions in an unchanged chunk text, so they are the
    same. After typing in a line, only the diagnostics of the edited chunk are written again.
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
        self._unmoved: _Unmoved | None = None
        self._written = _WRITTEN[key] = _Written(self.document.index)

    def json(self, v: Violation) -> str:
        """The ``Diagnostic`` of ``v`` as JSON text."""
        origin = v.origin
        if origin is None:
            return f"{self._body(v)}{self._tail}}}}}"
        chunk = v.span.start - origin.span.start  # where the chunk starts in the file
        found = self._published(origin, chunk)
        if found is None:
            body = self._body(v)
            if not all(e.path is self.path or e.path == self.path for e in _edits(v)):
                return f"{body}{self._tail}}}}}"  # other files' versions change: not kept
            found = (origin, body)
        self._written.bodies[id(origin), chunk] = found
        return f"{found[1]}{self._tail}}}}}"

    def _published(self, origin: Violation, chunk: int) -> tuple[Violation, str] | None:
        """What the last publish wrote for ``origin``'s chunk if it started at the same line and
        column as the chunk at offset ``chunk`` does now."""
        previous = self._previous
        if previous is None:
            return None
        if self._unmoved is None:
            self._unmoved = _Unmoved.between(previous.index, self.document.index)
        before = self._unmoved.old_offset(chunk)
        found = previous.bodies.get((id(origin), before)) if before is not None else None
        return found if found is not None and found[0] is origin else None

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
        index = self.document.index
        start_line, start, end_line, end = span_positions(index, v.span, self.encoding)
        return (
            f'{{"range":{{"start":{{"line":{start_line},"character":{start}}},'
            f'"end":{{"line":{end_line},"character":{end}}}}},{head},'
            f'"message":{_quote(v.message)},'
            f'"data":{{"fixes":[{",".join(fixes)}]'
        )

    def _string(self, text: str) -> str:
        quoted = self._strings.get(text)
        if quoted is None:
            quoted = self._strings[text] = _quote(text)
        return quoted

    def _fix(self, fix: Fix, preferred: bool) -> str:
        edits = []
        for e in fix.edits:
            new_text = self._string(e.new_text)
            if e.path is self.path or e.path == self.path:
                positions = span_positions(self.document.index, e.span, self.encoding)
                edits.append(f"[{_numbers(positions)},{new_text}]")
                continue
            other = self._others.get(e.path)
            if other is None:
                other = self._others[e.path] = self.document_of(e.path)
            version = "null" if other.version is None else str(other.version)
            positions = span_positions(other.index, e.span, self.encoding)
            edits.append(f"[{_numbers(positions)},{new_text},{self._string(other.uri)},{version}]")
        safe = fix.applicability.value == "safe"
        return (
            f'{{"title":{self._string(fix.title)},'
            f'"preferred":{"true" if preferred and safe else "false"},'
            f'"edits":[{",".join(edits)}]}}'
        )


@dataclass(slots=True)
class _Written:
    """A file's last publish: its text's index and, per SQL-rule violation written,
    (id(origin), chunk offset) -> (origin, JSON body)."""

    index: TextIndex
    bodies: dict[tuple[int, int], tuple[Violation, str]] = field(default_factory=dict)


# per (path, uri, encoding): one entry per published file, replaced by each publish
_WRITTEN: dict[tuple[Path, str, Encoding], _Written] = {}


@dataclass(frozen=True, slots=True)
class _Unmoved:
    """Which offsets of a new text are at the line and column they were at in the old text,
    and at which old offset: the common prefix, and when the line count did not change, the
    common suffix from its first whole line on (the line the edit ends in has other columns)."""

    prefix: int  # offsets up to here are unchanged
    suffix: int  # offsets from here on were ``delta`` smaller
    delta: int

    @classmethod
    def between(cls, old: TextIndex, new: TextIndex) -> _Unmoved:
        end = len(new.text)
        if old.text is new.text:
            return cls(end, end + 1, 0)
        prefix, suffix = differing_middle(old.text, new.text)
        delta = end - len(old.text)
        if old.line_count != new.line_count:
            return cls(prefix, end + 1, delta)
        # a line start after the suffix's first character: the suffix alone decides it
        starts = new.line_starts
        first = bisect.bisect_left(starts, end - suffix + 1)
        return cls(prefix, starts[first] if first < len(starts) else end + 1, delta)

    def old_offset(self, offset: int) -> int | None:
        if offset <= self.prefix:
            return offset
        return offset - self.delta if offset >= self.suffix else None


def _numbers(values: tuple[int, ...]) -> str:
    return ",".join(map(str, values))


def _edits(v: Violation) -> Iterator[Edit]:
    for fix in (v.fix, *v.alternatives):
        if fix is not None:
            yield from fix.edits


def publish_text(uri: str, version: int | None, diagnostics: list[str]) -> str:
    """``PublishDiagnosticsParams`` as JSON text, from diagnostics as JSON text."""
    versioned = "" if version is None else f',"version":{version}'
    return f'{{"uri":{_quote(uri)}{versioned},"diagnostics":[{",".join(diagnostics)}]}}'


# ---- workspace edits ----------------------------------------------------------------------------


def workspace_edit(
    edits: Iterable[Sequence[Any]],
    document_changes: bool,
    uri: str | None = None,
    version: int | None = None,
) -> types.WorkspaceEdit:
    """A ``WorkspaceEdit`` from JSON edits as ``data`` carries them (see the module docstring).

    An edit without a URI is in the document ``uri`` at ``version``. With ``document_changes``
    (the client supports it) every file's edits are tagged with the version they were computed
    for, so the client refuses them if the file changed since.
    """
    grouped: dict[str, tuple[int | None, list[types.TextEdit]]] = {}
    for edit in edits:
        start_line, start, end_line, end, new_text, *where = edit
        key, key_version = (where[0], where[1]) if where else (uri, version)
        if key is None:
            continue
        _, text_edits = grouped.setdefault(key, (key_version, []))
        text_edits.append(
            types.TextEdit(range=_lsp_range(start_line, start, end_line, end), new_text=new_text)
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


def edits_json(edits: Iterable[Edit], document: Document, encoding: Encoding) -> list[list[Any]]:
    """JSON edits of ``document`` (as ``workspace_edit`` reads them)."""
    index, uri, version = document.index, document.uri, document.version
    return [[*span_positions(index, e.span, encoding), e.new_text, uri, version] for e in edits]


def range_from_json(data: Mapping[str, Any]) -> types.Range:
    start, end = data["start"], data["end"]
    return _lsp_range(start["line"], start["character"], end["line"], end["character"])


def _lsp_range(start_line: int, start: int, end_line: int, end: int) -> types.Range:
    return types.Range(
        start=types.Position(line=start_line, character=start),
        end=types.Position(line=end_line, character=end),
    )
