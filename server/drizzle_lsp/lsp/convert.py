"""Core values -> LSP values, in one place: violations to diagnostics, edits to text edits.

Positions go through :class:`~drizzle_lsp.core.text.TextIndex` with the negotiated encoding.
Fixes travel in ``Diagnostic.data`` (the ruff/squawk pattern): each fix is stored with its edits
already in LSP coordinates of the document version the diagnostic was computed for, so a code
action only reads them back. ``data`` is plain JSON::

    {"fixes": [{"title", ("preferred": false,)
                "edits": [[start line, start character, end line, end character, newText]
                          | [... newText, uri, version]]
                | "resolve": true,
                ("deletes": [uri, ...])}],
     "version": int}

It is kept small, as a publish can carry thousands of diagnostics and the client decodes all
of them on each edit: edits are arrays, not ``TextEdit`` objects, a fix is preferred unless it
says otherwise, and nothing the server can tell from the diagnostic itself is repeated (whether
it can be ignored follows from its code).
An edit without a URI is in the diagnostic's own document, at ``data.version``. A fix with
many edits in other files says ``"resolve": true`` instead of listing them: the code action
request works them out from the analysis (``LAZY_EDITS``). Diagnostics
are written as JSON text (:class:`DiagnosticWriter`), not typed objects: see there why.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from json.encoder import encode_basestring_ascii as _quote
from pathlib import Path
from typing import Any, cast

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from drizzle_lsp.core.diagnostics import Applicability, Edit, Fix, Severity, Span, Violation
from drizzle_lsp.core.fixes import differing_middle
from drizzle_lsp.core.text import Encoding, Position, TextIndex
from drizzle_lsp.docs import docs_url
from drizzle_lsp.rules import ALL_RULES

SOURCE = "drizzle-lsp"
# the rules that report statements, and heed suppression comments: the SQL rules, and those
# that follow the folder's statements from one migration to the next (S004, S007)
SQL_CODES = frozenset(rule.code for rule in ALL_RULES if rule.code.startswith("S"))

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


@lru_cache(maxsize=16384)
def uri_of(path: Path) -> str:
    # cached: a workspace scan publishes a thousand files, at ~25 µs each through pygls
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

    A file can hold thousands of diagnostics and every edit re-publishes all of them, so this
    writes the JSON text itself rather than building dicts for ``json.dumps`` (see
    docs/performance.md, diagnostics as JSON text). Per-code parts and repeated strings are
    encoded once, and an edit in the diagnostic's own file omits its URI and version
    (``data.version`` holds the version once).

    :meth:`diagnostics` reuses the text of the file's last publish for a violation of a SQL rule
    whose chunk did not move in line and column (the same ``origin`` at the same position,
    :class:`_Unmoved`): its positions are the same, so after typing in a line only the edited
    chunk's diagnostics are written again (the pieces are joined by the transport's ``writev``).
    """

    def __init__(
        self, path: Path, document_of: DocumentOf, encoding: Encoding, lazy: bool = True
    ) -> None:
        self.path = path
        self.lazy = lazy
        self.document = document_of(path)
        self.document_of = document_of
        self.encoding = encoding
        self._others: dict[Path, Document] = {}
        version = self.document.version
        self._tail = ("" if version is None else f',"version":{version}') + "}}"

    def json(self, v: Violation) -> str:
        """The ``Diagnostic`` of ``v`` as JSON text."""
        return f"{self._body(v)}{self._tail}"

    def diagnostics(self, violations: Sequence[Violation]) -> DiagnosticsText:
        """The file's publish: the ``Diagnostic`` of each violation. What the last publish wrote
        is reused where it still holds (see the class), and this one is kept for the next."""
        key = (self.path, self.document.uri, self.encoding)
        previous = _WRITTEN.pop(key, None)
        if previous is not None:
            bodies, start, end = self._reused(violations, previous)
        else:
            bodies, start, end = [None] * len(violations), 0, len(violations)
        kept = bodies[:]  # what the next publish may reuse: not those with other files' edits
        for i in range(start, end):
            kept[i] = bodies[i] = self._body(violations[i]).encode()
            if not self._keepable(violations[i]):  # other files' versions change
                kept[i] = None
        if None in bodies:  # reused stretches hold some with other files' edits
            bodies = [
                self._body(v).encode() if b is None else b
                for b, v in zip(bodies, violations, strict=True)
            ]
        _WRITTEN[key] = _Written(self.document.index, tuple(violations), kept)
        return DiagnosticsText(cast(list[bytes], bodies), self._tail.encode())

    def _reused(
        self, new: Sequence[Violation], previous: _Written
    ) -> tuple[list[bytes | None], int, int]:
        """Bodies of the last publish that hold for ``new``, and the stretch of ``new`` between
        them: the leading violations that are the same objects, in chunks that start before
        the edit, and the trailing ones of the same origins, in chunks after the edit that kept
        their lines (simple loops: the common case is thousands, all but one or two reused)."""
        unmoved = _Unmoved.between(previous.index, self.document.index)
        old, limit = previous.violations, min(len(new), len(previous.violations))
        head = 0
        while head < limit:
            v = new[head]
            if v is not old[head] or v.origin is None or v.chunk > unmoved.prefix:
                break
            head += 1
        tail = 0
        while tail < limit - head:
            v, w = new[-1 - tail], old[-1 - tail]
            if v.origin is None or v.origin is not w.origin or v.chunk < unmoved.suffix:
                break
            if v.chunk - unmoved.delta != w.chunk:
                break
            tail += 1
        bodies: list[bytes | None] = [None] * len(new)
        bodies[:head] = previous.bodies[:head]
        if tail:
            bodies[-tail:] = previous.bodies[-tail:]
        return bodies, head, len(new) - tail

    def _keepable(self, v: Violation) -> bool:
        return all(e.path is self.path or e.path == self.path for e in _edits(v))

    def _body(self, v: Violation) -> str:
        """The diagnostic's JSON text up to ``data``'s version (which changes every publish)."""
        head = _head(v.code, v.severity)
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

    def _fix(self, fix: Fix, preferred: bool) -> str:
        preferred = preferred and fix.applicability is Applicability.SAFE
        head = f'{{"title":{_string(fix.title)},{"" if preferred else _NOT_PREFERRED}'
        if fix.deletes:
            uris = ",".join(_string(uri_of(path)) for path in fix.deletes)
            head += f'"deletes":[{uris}],'
        if self.lazy and _elsewhere(fix, self.path) > LAZY_EDITS:
            return head + '"resolve":true}'
        edits = []
        for e in fix.edits:
            new_text = _string(e.new_text)
            if e.path is self.path or e.path == self.path:
                positions = span_positions(self.document.index, e.span, self.encoding)
                edits.append(f"[{_numbers(positions)},{new_text}]")
                continue
            other = self._others.get(e.path)
            if other is None:
                other = self._others[e.path] = self.document_of(e.path)
            version = "null" if other.version is None else str(other.version)
            positions = span_positions(other.index, e.span, self.encoding)
            edits.append(f"[{_numbers(positions)},{new_text},{_string(other.uri)},{version}]")
        return f'{head}"edits":[{",".join(edits)}]}}'


_NOT_PREFERRED = '"preferred":false,'
# a fix with more edits than that in other files (J001's guards of hundreds of migrations) is
# sent as its title only, and its edits are worked out when a code action asks for them: on a
# 1,000-entry journal they were most of each publish
LAZY_EDITS = 32


def _elsewhere(fix: Fix, path: Path) -> int:
    return sum(1 for e in fix.edits if not (e.path is path or e.path == path))


@dataclass(slots=True)
class _Written:
    """A file's last publish: its text's index, the violations written and the JSON body of
    each (as far as ``data``'s version), for :meth:`DiagnosticWriter.diagnostics` to reuse."""

    index: TextIndex
    violations: tuple[Violation, ...]
    bodies: list[bytes | None]  # None: not to be reused


# per (path, uri, encoding): one entry per published file, replaced by each publish
_WRITTEN: dict[tuple[Path, str, Encoding], _Written] = {}


def forget_written(path: Path, uri: str, encoding: Encoding) -> None:
    """Drop what :class:`DiagnosticWriter` kept of ``path``'s last publish (the file is gone,
    or no longer in a migrations folder: its diagnostics were cleared)."""
    _WRITTEN.pop((path, uri, encoding), None)


@dataclass(frozen=True, slots=True)
class _Unmoved:
    """Which offsets of a new text are at the line and column they were at in the old text:
    the common prefix, and when the line count did not change, the common suffix from its first
    whole line on (the line the edit ends in has other columns), ``delta`` further on."""

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


# parts written again and again, for every file of a workspace: encoded once


@cache
def _head(code: str, severity: Severity) -> str:
    return (
        f'"severity":{_SEVERITY[severity].value},"code":{_quote(code)},'
        f'"codeDescription":{{"href":{_quote(docs_url(code))}}},"source":"{SOURCE}"'
    )


@lru_cache(maxsize=4096)
def _string(text: str) -> str:
    """A fix title, an inserted text or a URI, as a JSON string."""
    return _quote(text)


def _numbers(values: tuple[int, ...]) -> str:
    return ",".join(map(str, values))


def _edits(v: Violation) -> Iterator[Edit]:
    for fix in (v.fix, *v.alternatives):
        if fix is not None:
            yield from fix.edits


@dataclass(frozen=True, slots=True)
class DiagnosticsText:
    """A file's diagnostics as JSON text (ASCII, as bytes): each one's text up to where its
    ``data`` ends, and that ending, the same for all (the document version)."""

    bodies: Sequence[bytes] = ()
    ending: bytes = b"}}"

    def pieces(self) -> list[bytes]:
        """The JSON array, in pieces whose concatenation it is (copied once, when sent)."""
        if not self.bodies:
            return [b"[]"]
        pieces = [self.ending + b","] * (2 * len(self.bodies) - 1)
        pieces[::2] = self.bodies
        return [b"[", *pieces, self.ending, b"]"]


NO_DIAGNOSTICS = DiagnosticsText()


def publish_text(uri: str, version: int | None, diagnostics: DiagnosticsText) -> list[bytes]:
    """``PublishDiagnosticsParams`` as JSON text, in pieces."""
    versioned = "" if version is None else f',"version":{version}'
    head = f'{{"uri":{_quote(uri)}{versioned},"diagnostics":'.encode()
    return [head, *diagnostics.pieces(), b"}"]


# ---- workspace edits ----------------------------------------------------------------------------


def workspace_edit(
    edits: Iterable[Sequence[Any]],
    document_changes: bool,
    uri: str | None = None,
    version: int | None = None,
    deletes: Sequence[str] = (),
) -> types.WorkspaceEdit:
    """A ``WorkspaceEdit`` from JSON edits as ``data`` carries them (see the module docstring).

    An edit without a URI is in the document ``uri`` at ``version``. With ``document_changes``
    (the client supports it) every file's edits are tagged with the version they were computed
    for, so the client refuses them if the file changed since. ``deletes``: URIs of files to
    delete after the edits (only with ``document_changes``, which carries resource operations).
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
    changes: list[Any] = [
        types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
            edits=list(text_edits),
        )
        for uri, (version, text_edits) in grouped.items()
    ]
    options = types.DeleteFileOptions(ignore_if_not_exists=True)
    changes += [types.DeleteFile(uri=gone, options=options) for gone in deletes]
    return types.WorkspaceEdit(document_changes=changes)


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
