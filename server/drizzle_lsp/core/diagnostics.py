"""Value types shared by rules, fixes and adapters. No editor types here.

Offsets are str indexes into the file's text (see :mod:`drizzle_lsp.core.text`).

The types are values: hashable, compared by content, never changed after construction. They
are not ``frozen`` dataclasses only because a frozen dataclass's ``__init__`` costs three to
four times as much (one ``object.__setattr__`` call per field), and the analyzer builds
thousands of them per keystroke when it places a file's chunk results after an edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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

    # pickled as a call of the class (here and below): 4-6 times as fast both ways as the
    # dataclass's per-object state, for the results a forked linter sends back (engine.forked)
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


@dataclass(slots=True, unsafe_hash=True)
class Violation:
    """One diagnostic: a rule fired on ``span`` of ``path``."""

    code: str
    name: str
    severity: Severity
    message: str
    path: Path
    span: Span
    fix: Fix | None = None
    # further fixes offered in the editor only (e.g. J001's make-idempotent-and-bump)
    alternatives: tuple[Fix, ...] = field(default=())
    tag: str | None = None  # the migration the violation is about, when there is one
    # SQL rules: the violation as found in its chunk (chunk-relative offsets, ``CHUNK_PATH``),
    # which this one places in the file, and where that chunk starts in the file; adapters key
    # per-chunk work on them (``origin`` is the same object as long as the chunk's text is)
    origin: Violation | None = field(default=None, compare=False, repr=False)
    chunk: int = field(default=0, compare=False, repr=False)

    def sort_key(self) -> tuple[str, int, str]:
        return (str(self.path), self.span.start, self.code)

    def __reduce__(self) -> tuple[Any, ...]:
        found = (self.code, self.name, self.severity, self.message, self.path, self.span, self.fix)
        return (Violation, (*found, self.alternatives, self.tag, self.origin, self.chunk))

    @classmethod
    def placed(cls, found: Violation, path: Path, chunk: int, tag: str | None) -> Violation:
        """``found``, a violation of the chunk of ``path`` that starts at ``chunk``, placed in
        the file. Its span and fixes are worked out when first read (``__getattr__``): after an
        edit a file's thousands of violations are placed again, and an editor reads few of
        them (the diagnostics it was sent for the chunk are reused)."""
        v = object.__new__(cls)
        v.code = found.code
        v.name = found.name
        v.severity = found.severity
        v.message = found.message
        v.path = path
        v.tag = tag
        v.origin = found
        v.chunk = chunk
        return v

    def __getattr__(self, name: str) -> Any:
        # only called for an attribute not set: the span and fixes of a placed violation (or
        # any attribute of one being unpickled: nothing is set yet, ``origin`` neither)
        if name not in _PLACED_LATER:
            raise AttributeError(name)
        origin = self.origin
        if origin is None:
            raise AttributeError(name)
        shift, path = self.chunk, self.path
        self.span = origin.span.shifted(shift)
        self.fix = origin.fix.shifted(shift, path) if origin.fix is not None else None
        self.alternatives = tuple([a.shifted(shift, path) for a in origin.alternatives])
        return getattr(self, name)


_PLACED_LATER = frozenset({"span", "fix", "alternatives"})
