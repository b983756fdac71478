"""The journal model: ``meta/_journal.json`` with the exact range of every key and value.

Parsed with tree-sitter-json, which is error tolerant: a half-typed journal, a trailing comma or
git conflict markers still yield every entry that can be read, plus the syntax errors with their
positions (reported by rule J006). The syntax errors are first repaired one at a time, where
``JSON.parse`` meets them (``journal_repair``): left to itself, tree-sitter may read one missing
comma as a cascade of misread entries. A journal cut off in the middle (where tree-sitter gives
up on the whole document) is parsed again with its missing closing brackets appended, so the
entries before the cut are still read. A key repeated in one object resolves to its last
occurrence, as ``JSON.parse`` (and so the migrator) does; the shadowed occurrences are kept for
J006.

A journal as drizzle-kit writes it (valid JSON, no key twice, entries of plain values) takes a
faster path that gives the same model: ``json.loads`` for the values and a regular expression
for the bounds of each entry, whose fields (with their spans) are built when first read. The
rules read every entry's values but the spans of a few, and a 1,000-entry journal is parsed on
every keystroke in it: 3 ms this way against 45 ms through tree-sitter. Parses are cached by
text (fix verification and undo parse the same text again). A new text is mostly an earlier
one edited (a keystroke, a fix): the fast path takes the entries before and after the edit from
the closest recent parse and reads only those in between.
"""

from __future__ import annotations

import bisect
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

import tree_sitter
import tree_sitter_json

from drizzle_lsp.core.diagnostics import Span
from drizzle_lsp.core.fixes import common_ends
from drizzle_lsp.core.journal_repair import Repaired, repair
from drizzle_lsp.core.text import TextIndex

JSONValue = Any


@cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_json.language()))


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
        lazy: _LazyFields | None = None,
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


def parse_journal(text: str) -> Journal:
    """The journal model of ``text`` (cached: the same text gives the same object)."""
    return _parse_cached(text)


@lru_cache(maxsize=4)
def _parse_cached(text: str) -> Journal:
    plain = _parse_plain(text, _closest(_recent_plain, text))
    if plain is None:
        return _parse_tolerant(text)
    _recent_plain.append(plain)
    return plain


# the last fast-path parses: an edit in the editor makes a text close to the one before it, a
# fix one close to the text it fixes (appended from two threads at most: deque is thread-safe)
_recent_plain: deque[Journal] = deque(maxlen=4)


def _closest(journals: Iterable[Journal], text: str) -> Journal | None:
    """The journal whose text shares the most leading and trailing characters with ``text``."""
    best, best_shared = None, 0
    for journal in list(journals):
        head, tail = common_ends(journal.text, text)
        if head + tail > best_shared:
            best, best_shared = journal, head + tail
    return best


def _parse_tolerant(text: str) -> Journal:
    """Any text, through tree-sitter: broken JSON, conflict markers, repeated keys."""
    index = TextIndex(text)
    # git conflict markers: parse both sides (markers blanked, offsets unchanged), report markers
    conflicts, left_out = _conflict_markers(index)
    source = _blank(text, left_out)
    # syntax errors repaired one by one, so that tree-sitter reads the entries as written
    repaired = repair(source)
    readable = repaired.text
    readable_index = TextIndex(readable) if readable != text else index
    data = readable.encode("utf-8", "surrogatepass")
    root = _parser().parse(data).root_node
    truncated: SyntaxProblem | None = None
    if _top_value(root) is None and root.has_error:
        # tree-sitter gives up on a document cut off mid-way: close what is open and retry
        closers = _closers(readable)
        completed = _parser().parse(data + closers.encode()).root_node if closers else None
        if completed is not None and _top_value(completed) is not None:
            root, truncated = completed, _truncation(source)

    def span(node: tree_sitter.Node) -> Span:
        start, end = min(node.start_byte, len(data)), min(node.end_byte, len(data))
        to_index = readable_index.byte_to_index
        if not repaired.added:  # the common case, every node of the text: skip the mapping
            return Span(to_index(start), to_index(end))
        return Span(repaired.original(to_index(start)), repaired.original(to_index(end)))

    def decode(node: tree_sitter.Node) -> JSONValue:
        if node.type in ("object", "array") or node.has_error or node.end_byte > len(data):
            return None
        raw = data[node.start_byte : node.end_byte].decode("utf-8", "replace")
        try:
            return json.loads(raw, parse_int=bounded_int)
        except (ValueError, RecursionError):
            return None

    stuck_at = repaired.stuck.span.start if repaired.stuck is not None else None

    def pairs(obj: tree_sitter.Node, shadowed: list[Field]) -> dict[str, Field]:
        found: dict[str, Field] = {}
        for pair in obj.named_children:
            if pair.type != "pair":
                continue
            key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if key is None or value is None or value.is_missing:
                continue
            name = decode(key)
            if not isinstance(name, str):
                continue
            if name in found:  # JSON.parse keeps the last one
                shadowed.append(found.pop(name))
            where = span(value)
            # a value glued to the text where reading stopped is part of a mangled token
            # (`17195x47174326`): what tree-sitter reads of it is not what was written
            decoded = decode(value) if where.end != stuck_at else None
            found[name] = Field(name, span(key), where, decoded, value.type)
        return found

    top = _top_value(root)
    root_shadowed: list[Field] = []
    is_object = top is not None and top.type == "object"
    root_fields = pairs(top, root_shadowed) if top is not None and is_object else {}
    entries: list[JournalEntry] = []
    array_span: Span | None = None
    entries_node = _value_node(top, "entries") if top is not None and is_object else None
    if entries_node is not None and entries_node.type == "array":
        array_span = span(entries_node)
        for position, element in enumerate(
            c
            for c in entries_node.named_children
            if c.type not in ("ERROR", "comment") and not c.is_missing
        ):
            entry = JournalEntry(position, span(element), is_object=element.type == "object")
            if entry.is_object:
                entry.fields = pairs(element, entry.shadowed)
            entries.append(entry)
    misread = _syntax_errors(root, span)  # where tree-sitter still could not follow
    if truncated is None and any(_at_end(e, source) for e in misread):
        truncated = _truncation(source)  # tree-sitter filled in what is missing at the end
    blocks = _conflict_blocks(conflicts, text)
    # the errors in and around a conflict are most likely its two sides not fitting together
    located = [
        e
        for e in _reported(repaired, misread, truncated, source)
        if not any(_near(e, block) for block in blocks)
    ]
    located += [_unresolved(block, text, index) for block in blocks]
    errors = [e.problem for e in sorted(located, key=lambda e: e.problem.span.start)]
    unread = [e.span.start for e in misread]
    if repaired.stuck is not None:
        unread.append(repaired.stuck.span.start)
    return Journal(
        text,
        index,
        root_fields,
        entries,
        errors,
        array_span,
        root_span=span(top) if top is not None else None,
        root_kind=top.type if top is not None else None,
        root_shadowed=root_shadowed,
        unread_from=min(unread, default=None),
        conflicts=[Span(block[0].start, block[-1].end) for block in blocks],
    )


def _reported(
    repaired: Repaired, misread: list[SyntaxProblem], truncated: SyntaxProblem | None, source: str
) -> list[_Located]:
    """One problem per syntax error: each one repaired, then the first one no repair got past
    (what follows it is not reported: tree-sitter's reading of it is guesswork)."""
    found = [_Located(SyntaxProblem(r.message, r.span), r.around) for r in repaired.repairs]
    stuck = repaired.stuck
    if stuck is None or not repaired.text.strip():  # (an empty journal is its own problem)
        # what the strict parser reads but tree-sitter (and JSON.parse) do not: NaN, Infinity
        return found + [_Located(e, e.span) for e in misread]
    if truncated is None and stuck.span.start >= len(source.rstrip()):
        truncated = _truncation(source)
    if truncated is not None and stuck.span.start >= truncated.span.start:
        return [*found, _Located(truncated, Span(stuck.around.start, truncated.span.end))]
    return [*found, _Located(SyntaxProblem(stuck.message, stuck.span), stuck.around)]


@dataclass(frozen=True, slots=True)
class _Located:
    """A syntax problem and the text it involves (from the end of the token before it)."""

    problem: SyntaxProblem
    around: Span


def _top_value(root: tree_sitter.Node) -> tree_sitter.Node | None:
    """The document's top-level value (None when tree-sitter could not make out a document)."""
    if root.type != "document":
        return None
    return next((c for c in root.named_children if c.type not in ("ERROR", "comment")), None)


def _closers(text: str) -> str:
    """What a cut-off JSON text needs appended to close its open string, objects and arrays."""
    stack: list[str] = []
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            stack.append("]" if ch == "[" else "}")
        elif ch in "]}" and stack:
            stack.pop()
    return ('"' if in_string else "") + "".join(reversed(stack))


_MARKER = re.compile(r"^(?:<{7}(?: .*)?|={7}|>{7}(?: .*)?|\|{7}(?: .*)?)$")


def _conflict_markers(index: TextIndex) -> tuple[list[Span], list[Span]]:
    """The lines of git conflict markers, and those plus the base section of a diff3-style
    conflict (the lines to leave out when reading both sides)."""
    markers: list[Span] = []
    blanked: list[Span] = []
    in_base = False
    for line in range(index.line_count):
        text = index.line_text(line)
        start = index.line_starts[line]
        if _MARKER.match(text) is not None:
            in_base = text.startswith("|||||||")
            markers.append(Span(start, start + len(text)))
        elif not in_base:
            continue
        blanked.append(Span(start, start + len(text)))
    return markers, blanked


def _conflict_blocks(markers: list[Span], text: str) -> list[list[Span]]:
    """The markers grouped by conflict: from ``<<<<<<<`` (or the first marker left without
    it) to ``>>>>>>>``."""
    blocks: list[list[Span]] = []
    is_open = False
    for marker in markers:
        if text.startswith("<<<<<<<", marker.start) or not is_open:
            blocks.append([])
        blocks[-1].append(marker)
        is_open = not text.startswith(">>>>>>>", marker.start)
    return blocks


def _near(located: _Located, block: list[Span]) -> bool:
    """Whether the text of ``located`` overlaps the conflict ``block``."""
    around = located.around
    return around.start <= block[-1].end and block[0].start <= around.end


def _unresolved(block: list[Span], text: str, index: TextIndex) -> _Located:
    """The problem of one conflict, at its first marker."""
    first, last = block[0], block[-1]
    opening, closing = (_excerpt_text(text[m.start : m.end]) for m in (first, last))
    if len(block) == 1:
        message = (
            f"git conflict marker `{opening}` left by a merge: finish resolving the conflict and "
            "delete the line"
        )
    else:
        message = (
            f"unresolved merge conflict from `{opening}` to `{closing}` (line "
            f"{index.line_of(last.start) + 1}): keep the entries of both sides, in order, and "
            "delete the marker lines"
        )
    return _Located(SyntaxProblem(message, first), Span(first.start, last.end))


def _blank(text: str, spans: list[Span]) -> str:
    """``text`` with the conflict lines ``spans`` replaced by spaces (str indexes unchanged).

    Where a marker now separates two values (``}`` of our side, ``{`` of theirs), its first
    character becomes a comma, so that both sides read as elements of one array.
    """
    if not spans:
        return text
    chars = list(text)
    for span in spans:
        chars[span.start : span.end] = " " * (span.end - span.start)
    for span in spans:
        if span.end == span.start:
            continue
        before = "".join(chars[: span.start]).rstrip()[-1:]
        after = "".join(chars[span.end :]).lstrip()[:1]
        if before and before in _VALUE_END and after and after in _VALUE_START:
            chars[span.start] = ","
    return "".join(chars)


_VALUE_END = frozenset('}]"0123456789el')  # last character of a JSON value (true/false/null)
_VALUE_START = frozenset('{["-0123456789tfn')


def _excerpt_text(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


def _at_end(problem: SyntaxProblem, text: str) -> bool:
    """Whether ``problem`` is only that the text stops (something missing after its end)."""
    if not text.strip():
        return False  # an empty journal is its own problem
    missing = problem.message.startswith("invalid JSON: missing")
    return (missing and problem.span.end >= len(text.rstrip())) or problem.span.start >= len(text)


def _truncation(text: str) -> SyntaxProblem:
    """The problem of a cut-off journal, at its last non-blank line."""
    body = text.rstrip()
    line_start = max(body.rfind("\n"), body.rfind("\r")) + 1
    start = line_start + len(body[line_start:]) - len(body[line_start:].lstrip())
    return SyntaxProblem(
        "invalid JSON: unexpected end of the journal (it is cut off here)", Span(start, len(body))
    )


def _value_node(obj: tree_sitter.Node, key: str) -> tree_sitter.Node | None:
    found = None  # the last occurrence wins, as in JSON.parse
    for pair in obj.named_children:
        k = pair.child_by_field_name("key") if pair.type == "pair" else None
        if k is not None and k.text is not None and k.text.decode("utf-8", "replace") == f'"{key}"':
            found = pair.child_by_field_name("value")
    return found


def _syntax_errors(root: tree_sitter.Node, span: Any) -> list[SyntaxProblem]:
    problems: list[SyntaxProblem] = []
    if root.named_child_count == 0 or all(c.type == "comment" for c in root.named_children):
        return [SyntaxProblem("the journal is empty: expected a JSON object", Span(0, 0))]

    def visit(node: tree_sitter.Node) -> None:
        if node.type == "ERROR":
            text = (node.text or b"").decode("utf-8", "replace").strip()
            after = node.next_sibling
            if text.startswith(("<<<<<<<", "=======", ">>>>>>>")):
                message = "git conflict markers left by a merge: resolve the conflict"
            elif text == "," and after is not None and after.type in ("}", "]"):
                message = "invalid JSON: trailing comma"
            else:
                message = f"invalid JSON: unexpected {_excerpt(text)}"
            problems.append(SyntaxProblem(message, span(node)))
            return
        if node.is_missing:
            before = node.prev_sibling
            if before is not None and before.type == ",":  # `[1, 2,]`
                problems.append(SyntaxProblem("invalid JSON: trailing comma", span(before)))
                return
            problems.append(SyntaxProblem(f"invalid JSON: missing {node.type!r}", span(node)))
            return
        if node.has_error:
            for child in node.children:
                visit(child)

    visit(root)
    return problems


def _excerpt(text: str) -> str:
    first = text.splitlines()[0] if text else ""
    return repr(first[:30] + ("…" if len(first) > 30 else "")) if first else "end of input"


# ---- the fast path: a journal as drizzle-kit writes it ---------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
_STRING = r'"(?:[^"\\\x00-\x1f]++|\\.)*+"'
_SCALAR = rf"{_STRING}|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null"
_KEY = re.compile(_STRING)
_VALUE = re.compile(_SCALAR)
# an object of plain values: strings are skipped whole, so braces inside them do not count
# (possessive quantifiers: a nested object must fail at once, not after trying every split)
_FLAT_OBJECT = re.compile(rf"\{{(?:[^{{}}\[\]\"]++|{_STRING})*+\}}")
_PAIR = re.compile(rf"[ \t\n\r]*({_STRING})[ \t\n\r]*:[ \t\n\r]*({_SCALAR})")
_KINDS = {'"': "string", "t": "true", "f": "false", "n": "null"}


class _NotPlain(Exception):
    """The text needs the tolerant parser."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _NotPlain  # a repeated key: the tolerant parser keeps the shadowed one
    return found


def _no_constant(name: str) -> Any:
    raise _NotPlain  # NaN, Infinity: Python reads them, JSON does not


def _parse_plain(text: str, base: Journal | None = None) -> Journal | None:
    """The model of a valid JSON journal whose entries hold plain values; None otherwise.

    ``base``, an earlier fast-path parse, lends the entries its text shares with ``text``.
    """
    if base is not None and (typed := _one_value_typed(base, text)) is not None:
        return typed
    try:
        data = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constant,
            parse_int=bounded_int,
        )
        if not isinstance(data, dict):
            return None
        return _PlainReader(text, data, base).journal()
    except (ValueError, RecursionError, _NotPlain):
        return None


def _one_value_typed(base: Journal, text: str) -> Journal | None:
    """``text`` if it is ``base`` with one entry's value replaced by another JSON scalar, as
    typing in a ``when`` makes it; None for any other edit. A valid scalar in place of another
    leaves a valid document of the same shape, so nothing else is parsed again (``json.loads``
    of a 1,000-entry journal takes ~2 ms, on every keystroke)."""
    head, tail = common_ends(base.text, text)
    old_end, delta = len(base.text) - tail, len(text) - len(base.text)
    entries = base.entries
    i = bisect.bisect_right(entries, head, key=lambda e: e.span.start) - 1
    if i < 0:
        return None
    entry = entries[i]  # the last entry starting before the edit: inside it, or not in one
    for key in entry._values:
        span = entry.value_span(key)
        if span is not None and span[0] <= head and old_end <= span[1]:
            break
    else:
        return None  # not inside one value (a key, the blanks or commas between them)
    token = text[span[0] : span[1] + delta]
    if _VALUE.fullmatch(token) is None:
        return None
    try:
        value = json.loads(token, parse_constant=_no_constant, parse_int=bounded_int)
    except (ValueError, RecursionError, _NotPlain):
        return None
    edited = _plain_entry(
        text, i, _moved(entry.span, old_end, delta), {**entry._values, key: value}
    )
    later = entries[i + 1 :]
    if delta:
        later = [
            _plain_entry(text, e.position, _moved(e.span, old_end, delta), e._values) for e in later
        ]
    return Journal(
        text,
        TextIndex(text),
        {name: _moved_field(f, old_end, delta) for name, f in base.root_fields.items()},
        [*entries[:i], edited, *later],
        [],
        _moved(base.entries_array, old_end, delta) if base.entries_array else None,
        root_span=_moved(base.root_span, old_end, delta) if base.root_span else None,
        root_kind=base.root_kind,
    )


def _moved(span: Span, edit_end: int, delta: int) -> Span:
    """``span`` after an edit ending at ``edit_end`` grew the text by ``delta`` (a span around
    the edit grows, one after it moves)."""
    start = span.start + delta if span.start >= edit_end else span.start
    return Span(start, span.end + delta if span.end >= edit_end else span.end)


def _moved_field(found: Field, edit_end: int, delta: int) -> Field:
    if found.value_span.end < edit_end:
        return found
    key_span, value_span = (
        _moved(found.key_span, edit_end, delta),
        _moved(found.value_span, edit_end, delta),
    )
    return Field(found.key, key_span, value_span, found.value, found.kind)


class _PlainReader:
    """Finds the spans in a text ``json.loads`` accepted (so every token is well formed)."""

    def __init__(self, text: str, data: dict[str, Any], base: Journal | None = None) -> None:
        self.text = text
        self.data = data
        self.base = base
        self.entries: list[JournalEntry] = []
        self.entries_array: Span | None = None

    def journal(self) -> Journal:
        start = self._skip(0)
        root_fields, end = self._root(start)
        return Journal(
            self.text,
            TextIndex(self.text),
            root_fields,
            self.entries,
            [],
            self.entries_array,
            root_span=Span(start, end),
            root_kind="object",
        )

    def _skip(self, at: int) -> int:
        """Past the blanks from ``at``."""
        return _WS.match(self.text, at).end()  # type: ignore[union-attr]  # always matches

    def _after_value(self, at: int) -> int:
        """Past the blanks and the ``,`` that may follow a value ending at ``at``."""
        at = self._skip(at)
        return self._skip(at + 1) if self.text[at] == "," else at

    def _root(self, at: int) -> tuple[dict[str, Field], int]:
        """The top-level object's fields; ``entries`` is read as an array of plain objects."""
        text, fields = self.text, {}
        at = self._skip(at + 1)
        while text[at] != "}":
            key = _KEY.match(text, at)
            assert key is not None
            name = _key(key.group())
            at = self._skip(self._skip(key.end()) + 1)  # past ":"
            if name == "entries" and text[at] == "[":
                end = self._entries(at)
                fields[name] = Field(name, Span(*key.span()), Span(at, end), None, "array")
            else:
                value = _VALUE.match(text, at)
                if value is None:
                    raise _NotPlain  # an object or array other than `entries`
                end = value.end()
                kind = _kind(text, at)
                fields[name] = Field(name, Span(*key.span()), Span(at, end), self.data[name], kind)
            at = self._after_value(end)
        return fields, at + 1

    def _entries(self, at: int) -> int:
        """Read ``entries`` from its ``[``; returns the index after its ``]``."""
        text, values, entries = self.text, self.data["entries"], self.entries
        opening = at
        shared = _Shared(self.base, text) if self.base is not None else None
        at = self._skip(at + 1)
        if shared is not None and (leading := shared.leading(opening)):
            entries.extend(leading)
            at = self._after_value(leading[-1].span.end)
        for position in range(len(entries), len(values)):
            if shared is not None and (trailing := shared.trailing(at, position, values)):
                entries.extend(trailing)
                at = shared.array_end() - 1
                break
            element = _FLAT_OBJECT.match(text, at)
            if element is None or not isinstance(values[position], dict):
                raise _NotPlain  # not an object, or one holding objects or arrays
            span = Span(*element.span())
            entries.append(_plain_entry(text, position, span, values[position]))
            at = self._after_value(element.end())
        self.entries_array = Span(opening, at + 1)
        return at + 1


def _plain_entry(text: str, position: int, span: Span, values: dict[str, Any]) -> JournalEntry:
    lazy = _LazyFields(text[span.start : span.end], span.start, values)
    return JournalEntry(position, span, values=values, lazy=lazy)


class _Shared:
    """The entries a new text shares with an earlier fast-path parse, ``base``.

    The reader is deterministic: the same characters read from the same state give the same
    elements. So the base's entries that end before the first changed character are entries of
    the new text, and once the reader reaches the start of a base entry after the last changed
    character, the rest of ``entries`` is the base's, moved by the change in length.
    """

    def __init__(self, base: Journal, text: str) -> None:
        self.base, self.text = base, text
        head, tail = common_ends(base.text, text)
        self.head = head  # text[:head] is the base's
        self.shift = len(text) - len(base.text)
        self.tail = len(text) - tail  # text[self.tail:] is the base's from self.tail - shift
        self._starts = [e.span.start for e in base.entries]

    def leading(self, opening: int) -> list[JournalEntry]:
        """The base's entries before the first change, when ``entries`` opens where it did."""
        base = self.base
        if base.entries_array is None or base.entries_array.start != opening:
            return []
        count = 0
        for entry in base.entries:
            if entry.span.end > self.head:
                break
            count += 1
        return base.entries[:count]

    def trailing(self, at: int, position: int, values: list[Any]) -> list[JournalEntry]:
        """The entries from ``position`` on, when its element starts at ``at`` after the last
        change and a base entry started there: the base's, moved (none otherwise)."""
        if at < self.tail:
            return []
        was = at - self.shift
        first = bisect.bisect_left(self._starts, was)
        if first == len(self._starts) or self._starts[first] != was:
            return []
        moved = []
        for offset, entry in enumerate(self.base.entries[first:]):
            new_position = position + offset
            if self.shift == 0 and new_position == entry.position:
                moved.append(entry)  # unchanged: the same model
                continue
            span = entry.span.shifted(self.shift)
            moved.append(_plain_entry(self.text, new_position, span, values[new_position]))
        return moved

    def array_end(self) -> int:
        """Where ``entries`` ends (after its ``]``), once the trailing entries are the base's."""
        assert self.base.entries_array is not None
        return self.base.entries_array.end + self.shift


def _key(quoted: str) -> str:
    return quoted[1:-1] if "\\" not in quoted else str(json.loads(quoted))


def _kind(text: str, at: int) -> str:
    return _KINDS.get(text[at], "number")


class _LazyFields:
    """The fields of a fast-path entry, read from its text when asked for.

    It keeps the entry's own text (``{`` to ``}``, found at ``start`` of the journal), not the
    journal's: entries are shared with later parses, which must not keep old journals alive.
    """

    __slots__ = ("start", "text", "values")

    def __init__(self, text: str, start: int, values: dict[str, Any]) -> None:
        self.text, self.start, self.values = text, start, values

    def all(self) -> dict[str, Field]:
        fields = (self._field(name, pair) for name, pair in self._pairs())
        return {f.key: f for f in fields}

    def one(self, key: str) -> Field | None:
        return next((self._field(name, pair) for name, pair in self._pairs() if name == key), None)

    def value_span(self, key: str) -> tuple[int, int] | None:
        start = self.start
        for name, pair in self._pairs():
            if name == key:
                return start + pair.start(2), start + pair.end(2)
        return None

    def _pairs(self) -> Iterator[tuple[str, re.Match[str]]]:
        for pair in _PAIR.finditer(self.text, 1, len(self.text) - 1):
            yield _key(pair.group(1)), pair

    def _field(self, name: str, pair: re.Match[str]) -> Field:
        start = self.start
        (key_start, key_end), (value_start, value_end) = pair.span(1), pair.span(2)
        key = Span(start + key_start, start + key_end)
        value = Span(start + value_start, start + value_end)
        return Field(name, key, value, self.values[name], _kind(self.text, value_start))
