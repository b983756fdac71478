"""Value types shared by rules, fixes and adapters. No editor types here.

Offsets are str indexes into the file's text (see :mod:`drizzle_lsp.core.text`).

The types are values: hashable, compared by content, never changed after construction. They
are not ``frozen`` dataclasses because a frozen dataclass's ``__init__`` sets each field through
``object.__setattr__``, and the analyzer builds thousands of them per keystroke (see
docs/performance.md, value types).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

# The path of SQL rules' results: a chunk of a file, as its own small file (offsets relative to
# the chunk). ``Violation.placed`` replaces it with the real file.
CHUNK_PATH = Path("<chunk>")


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    HINT = "hint"


class Applicability(StrEnum):
    """How safe a fix is. Unsafe fixes need ``--unsafe-fixes`` on the command line."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(slots=True, unsafe_hash=True)
class Span:
    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"span start {self.start} > end {self.end}")

    # pickled as a call of the class (here and below), faster both ways than the dataclass's
    # per-object state, for the results a forked linter sends back (engine.forked)
    def __reduce__(self) -> tuple[Any, ...]:
        return (Span, (self.start, self.end))

    def shifted(self, delta: int) -> Span:
        return Span(self.start + delta, self.end + delta)


@dataclass(slots=True, unsafe_hash=True)
class Edit:
    """Replace ``span`` of ``path`` with ``new_text`` (an insertion when the span is empty)."""

    path: Path
    span: Span
    new_text: str

    def __reduce__(self) -> tuple[Any, ...]:
        return (Edit, (self.path, self.span, self.new_text))

    @classmethod
    def insert(cls, path: Path, at: int, text: str) -> Edit:
        return cls(path, Span(at, at), text)

    @classmethod
    def replace(cls, path: Path, start: int, end: int, text: str) -> Edit:
        return cls(path, Span(start, end), text)


@dataclass(slots=True, unsafe_hash=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE
    # fixes with the same isolation key are never applied in one pass, even when their edits do
    # not overlap (ruff's isolation level): e.g. two journal rewrites each computed `idx`/`when`
    # from the journal as it was, so the second must be recomputed after the first
    isolation: str | None = None
    # what the fix does beyond its title, and what it cannot make safe: the CLI prints them
    notes: tuple[str, ...] = ()
    # files the fix deletes (after its edits; a file that does not exist is left alone)
    deletes: tuple[Path, ...] = ()

    @property
    def paths(self) -> frozenset[Path]:
        return frozenset(edit.path for edit in self.edits)

    def applies(self, unsafe: bool) -> bool:
        """Whether ``check --fix`` applies it (an unsafe one only with ``--unsafe-fixes``)."""
        return unsafe or self.applicability is Applicability.SAFE

    def __reduce__(self) -> tuple[Any, ...]:
        fields = (self.title, self.edits, self.applicability, self.isolation, self.notes)
        return (Fix, (*fields, self.deletes))

    def shifted(self, delta: int, into: Path | None = None) -> Fix:
        """This fix ``delta`` further on; given ``into``, its edits in ``CHUNK_PATH`` (a SQL
        rule's, in a chunk) are in that file."""
        edits = [
            Edit(
                # SQL rules use the CHUNK_PATH object itself (Path.__eq__ costs microseconds)
                into
                if into is not None and (e.path is CHUNK_PATH or e.path == CHUNK_PATH)
                else e.path,
                e.span.shifted(delta),
                e.new_text,
            )
            for e in self.edits
        ]
        return Fix(
            self.title, tuple(edits), self.applicability, self.isolation, self.notes, self.deletes
        )


class Violation:
    """One diagnostic: a rule fired on ``span`` of ``path``.

    A value, like the types above: compared and hashed by what was found (``origin`` and
    ``chunk`` left out). It is a plain class rather than a dataclass for the sake of
    :meth:`placed`, whose ``span``, ``fix`` and ``alternatives`` are properties worked out from
    the origin when first read.
    """

    __slots__ = (
        "_alternatives",
        "_fix",
        "_span",
        "chunk",
        "code",
        "message",
        "name",
        "origin",
        "path",
        "severity",
        "tag",
    )

    code: str
    name: str
    severity: Severity
    message: str
    path: Path
    tag: str | None  # the migration the violation is about, when there is one
    # SQL rules: the violation as found in its chunk (chunk-relative offsets, ``CHUNK_PATH``),
    # which this one places in the file, and where that chunk starts in the file; adapters key
    # per-chunk work on them (``origin`` is the same object as long as the chunk's text is)
    origin: Violation | None
    chunk: int
    _span: Span | None  # None: placed, not worked out yet (see ``_place``)
    _fix: Fix | None
    _alternatives: tuple[Fix, ...]

    def __init__(
        self,
        code: str,
        name: str,
        severity: Severity,
        message: str,
        path: Path,
        span: Span,
        fix: Fix | None = None,
        # further fixes offered in the editor only (e.g. J001's make-idempotent-and-bump)
        alternatives: tuple[Fix, ...] = (),
        tag: str | None = None,
        origin: Violation | None = None,
        chunk: int = 0,
    ) -> None:
        self.code = code
        self.name = name
        self.severity = severity
        self.message = message
        self.path = path
        self._span = span
        self._fix = fix
        self._alternatives = alternatives
        self.tag = tag
        self.origin = origin
        self.chunk = chunk

    @classmethod
    def placed(cls, found: Violation, path: Path, chunk: int, tag: str | None) -> Violation:
        """``found``, a violation of the chunk of ``path`` that starts at ``chunk``, placed in
        the file. Its span and fixes are ``found``'s shifted by ``chunk``, worked out when one
        of them is first read: after an edit the analyzer places a file's thousands of
        violations again, and an editor reads few of them (see docs/performance.md,
        violations placed lazily)."""
        v = object.__new__(cls)
        v.code = found.code
        v.name = found.name
        v.severity = found.severity
        v.message = found.message
        v.path = path
        v._span = None
        v.tag = tag
        v.origin = found
        v.chunk = chunk
        return v

    @property
    def span(self) -> Span:
        return self._span or self._place()

    @property
    def fix(self) -> Fix | None:
        if self._span is None:
            self._place()
        return self._fix

    @property
    def alternatives(self) -> tuple[Fix, ...]:
        if self._span is None:
            self._place()
        return self._alternatives

    @property
    def start(self) -> int:
        """Where the span starts, without working out a placed violation's span and fixes
        (the text output and the sort read only this, for tens of thousands of them)."""
        if self._span is not None:
            return self._span.start
        assert self.origin is not None
        return self.origin.span.start + self.chunk

    @property
    def fix_applicability(self) -> Applicability | None:
        """Its fix's applicability (None: no fix), without placing the fix."""
        fix = self._fix if self._span is not None or self.origin is None else self.origin.fix
        return fix.applicability if fix is not None else None

    def _place(self) -> Span:
        """Work out a placed violation's span and fixes from its origin; returns the span."""
        origin, shift, path = self.origin, self.chunk, self.path
        assert origin is not None, "only a placed violation has no span yet"
        self._fix = origin.fix.shifted(shift, path) if origin.fix is not None else None
        self._alternatives = tuple([a.shifted(shift, path) for a in origin.alternatives])
        self._span = span = origin.span.shifted(shift)
        return span

    def with_fixes(self, fix: Fix | None, alternatives: tuple[Fix, ...]) -> Violation:
        """This violation with other fixes (those of its own that hold)."""
        found = (self.code, self.name, self.severity, self.message, self.path, self.span)
        return Violation(*found, fix, alternatives, self.tag, self.origin, self.chunk)

    def _key(self) -> tuple[Any, ...]:
        return (
            self.code,
            self.name,
            self.severity,
            self.message,
            self.path,
            self.span,
            self.fix,
            self.alternatives,
            self.tag,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Violation):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        fields = ("code", "name", "severity", "message", "path", "span", "fix", "alternatives")
        shown = ", ".join(f"{f}={getattr(self, f)!r}" for f in (*fields, "tag"))
        return f"Violation({shown})"

    def sort_key(self) -> tuple[str, int, str]:
        return (str(self.path), self.start, self.code)

    def __reduce__(self) -> tuple[Any, ...]:
        found = (self.code, self.name, self.severity, self.message, self.path, self.span, self.fix)
        return (Violation, (*found, self.alternatives, self.tag, self.origin, self.chunk))
