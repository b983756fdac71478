"""The journal model: ``meta/_journal.json`` with the exact range of every key and value.

A key repeated in one object resolves to its last occurrence, as ``JSON.parse`` (and so the
migrator) does; the shadowed occurrences are kept for J006.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from drizzle_lsp.core.diagnostics import Span
from drizzle_lsp.core.text import TextIndex

JSONValue = Any

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# JavaScript's Number.MAX_SAFE_INTEGER: the largest `when` JSON.parse reads exactly
MAX_SAFE_WHEN = 2**53 - 1


def is_unicode(text: str) -> bool:
    """Whether ``text`` is valid Unicode (JSON's `\\ud800` escapes decode to lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def bounded_int(digits: str) -> int:
    """A JSON integer, as ``json.loads`` reads it, except that one of more digits than any
    journal value has reads as 2**64 (with its sign): Python refuses to convert more than 4,300
    digits, and the rules only need to know it is out of range."""
    if len(digits) <= 24:
        return int(digits)
    return -(2**64) if digits.startswith("-") else 2**64


def format_when(when_ms: int) -> str:
    """A journal ``when`` (epoch milliseconds) as ISO 8601 UTC, like JavaScript's toISOString."""
    try:
        moment = _EPOCH + timedelta(milliseconds=when_ms)
    except OverflowError:
        return f"{when_ms} ms after the epoch"
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{when_ms % 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class Field:
    """A ``"key": value`` pair; ``value`` is the decoded JSON value (None if undecodable)."""

    key: str
    key_span: Span
    value_span: Span
    value: JSONValue
    kind: str  # tree-sitter node type: number, string, true, false, null, object, array


class FieldReader(Protocol):
    """Builds an entry's fields from its text when first asked (the fast reader's entries)."""

    def all(self) -> dict[str, Field]: ...

    def one(self, key: str) -> Field | None: ...

    def value_span(self, key: str) -> tuple[int, int] | None: ...


class JournalEntry:
    """One element of ``entries``, in array order (``position``).

    ``fields`` maps each key to its :class:`Field`; ``shadowed`` holds earlier occurrences of
    repeated keys. An entry read by the fast path knows its values and builds ``fields`` when
    first asked (``values`` and ``lazy``). The values are kept apart from the fields either way:
    the rules read them thousands of times per analysis of a large journal. The five keys of a
    drizzle-kit entry are kept typed too (``idx``, ``when``, ... None when missing or of another
    type): read through a method each, they cost 5 ms per analysis of a 1,000-entry journal.
    """

    __slots__ = (
        "_fields",
        "_lazy",
        "_values",
        "breakpoints",
        "idx",
        "is_object",
        "position",
        "shadowed",
        "span",
        "tag",
        "version",
        "when",
    )
    idx: int | None
    version: str | None
    when: int | None
    tag: str | None
    breakpoints: bool | None

    def __init__(
        self,
        position: int,
        span: Span,
        fields: dict[str, Field] | None = None,
        is_object: bool = True,
        shadowed: list[Field] | None = None,
        values: dict[str, JSONValue] | None = None,
        lazy: FieldReader | None = None,
    ) -> None:
        self.position = position
        self.span = span
        self._fields = fields if fields is not None or lazy is not None else {}
        self.is_object = is_object
        self.shadowed = shadowed if shadowed is not None else []
        self._keep(values if values is not None else _values_of(self._fields or {}))
        self._lazy = lazy

    def _keep(self, values: dict[str, JSONValue]) -> None:
        self._values = values
        idx, version, when = values.get("idx"), values.get("version"), values.get("when")
        tag, breakpoints = values.get("tag"), values.get("breakpoints")
        # exact types: a bool is no int
        self.idx = idx if type(idx) is int else None
        self.version = version if type(version) is str else None
        # beyond 2**53 the migrator (JSON.parse) reads another number: J006's, not a date
        self.when = when if type(when) is int and abs(when) <= MAX_SAFE_WHEN else None
        # a lone surrogate (`"\\ud800"`) names no file: J006's
        self.tag = tag if type(tag) is str and is_unicode(tag) else None
        self.breakpoints = breakpoints if type(breakpoints) is bool else None

    @property
    def fields(self) -> dict[str, Field]:
        # the analysis thread and the editor's requests (hover, links) may both build them:
        # each reads ``_lazy`` once, and whoever finishes first sets ``_fields`` before
        # clearing it
        lazy, fields = self._lazy, self._fields
        if fields is None:
            fields = lazy.all() if lazy is not None else self._fields
            assert fields is not None
            self._fields, self._lazy = fields, None
        return fields

    @fields.setter
    def fields(self, value: dict[str, Field]) -> None:
        self._fields, self._lazy = value, None
        self._keep(_values_of(value))

    def field(self, key: str) -> Field | None:
        """``fields.get(key)``, without building the entry's other fields first."""
        lazy = self._lazy  # read once: another thread may clear it (see ``fields``)
        if lazy is not None:
            return lazy.one(key)
        return self.fields.get(key)

    def value_span(self, key: str) -> tuple[int, int] | None:
        """Where the value of ``key`` is (start, end), building no field: the journal rewrites
        ask it of every entry after the first one they move or renumber."""
        lazy = self._lazy  # read once: another thread may clear it (see ``fields``)
        if lazy is not None:
            return lazy.value_span(key)
        found = self.fields.get(key)
        return None if found is None else (found.value_span.start, found.value_span.end)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, JournalEntry):
            return NotImplemented
        return (self.position, self.span, self.fields, self.is_object, self.shadowed) == (
            other.position,
            other.span,
            other.fields,
            other.is_object,
            other.shadowed,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it was

    def __repr__(self) -> str:
        return f"JournalEntry(position={self.position}, span={self.span}, fields={self.fields})"

    def typed(self, key: str, kind: type) -> Any:
        """The value of ``key`` if it is exactly of type ``kind`` (a bool is no int), else None."""
        value = self._values.get(key)
        return value if type(value) is kind else None

    @property
    def label(self) -> str:
        """How fix titles name the entry: its tag, else its position."""
        return self.tag if self.tag is not None else f"entry {self.position}"

    @property
    def quoted(self) -> str:
        """How messages name the entry: `its tag` (as code), else its position."""
        return f"`{self.tag}`" if self.tag is not None else f"entry {self.position}"


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    message: str
    span: Span


@dataclass(slots=True)
class Journal:
    text: str
    index: TextIndex
    root_fields: dict[str, Field]
    entries: list[JournalEntry]
    syntax_errors: list[SyntaxProblem]
    entries_array: Span | None  # the ``[...]`` of ``entries``, when present
    root_span: Span | None = None  # the top-level value, whatever its type
    root_kind: str | None = None  # its tree-sitter node type (``object`` for a journal)
    root_shadowed: list[Field] = field(default_factory=list)
    # where reading became guesswork: the first syntax error no repair got past (what follows
    # it is read as tree-sitter can, so its shape proves nothing)
    unread_from: int | None = None
    # each unresolved merge conflict, from its first marker line to its last: what is read
    # there is both sides at once (a key twice, say), not what anyone wrote
    conflicts: list[Span] = field(default_factory=list)
    _breakpoints: bool | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def dialect(self) -> str | None:
        f = self.root_fields.get("dialect")
        return f.value if f is not None and isinstance(f.value, str) else None

    @property
    def breakpoints(self) -> bool:
        """Whether the migrator splits this folder's files (true unless every entry says false)."""
        if self._breakpoints is None:  # asked for by every analysis and fix check
            flags = [e.breakpoints for e in self.entries if e.breakpoints is not None]
            self._breakpoints = any(flags) if flags else True
        return self._breakpoints

    def by_tag(self) -> dict[str, JournalEntry]:
        return {e.tag: e for e in self.entries if e.tag is not None}


def _values_of(fields: dict[str, Field]) -> dict[str, JSONValue]:
    return {key: f.value for key, f in fields.items()}
