"""The fast reader: a journal as drizzle-kit writes it (valid JSON, no key twice, entries of
plain values), read into the same model as the tolerant reader gives.

``json.loads`` reads the values and a regular expression the bounds of each entry, whose fields
(with their spans) are built when first read: the rules read every entry's values but the spans
of a few, and a large journal is parsed on every keystroke in it. A new text is mostly an
earlier one edited (a keystroke, a fix): given the closest earlier parse, the reader takes the
entries before and after the edit from it and reads only those in between.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from typing import Any

from drizzle_lsp.core.diagnostics import Span
from drizzle_lsp.core.fixes import common_ends
from drizzle_lsp.core.journal.model import Field, Journal, JournalEntry, bounded_int
from drizzle_lsp.core.text import TextIndex

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
