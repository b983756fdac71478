"""Positions: the one place that converts between offset units.

Inside drizzle-lsp an offset is a Python ``str`` index (a code point count), because that is
what pglast 8.8 reports for ``stmt_location``/``stmt_len``, node ``location``s and
``ParseError`` positions, and what slicing a ``str`` needs. tree-sitter reports UTF-8 byte
offsets and LSP clients want (line, UTF-16 or UTF-8 column); :class:`TextIndex` converts
between all of them. Lines end at ``\\n``, ``\\r\\n`` or a lone ``\\r`` as the LSP spec says
(not at U+2028, unlike ``str.splitlines``).
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass
from enum import StrEnum

_LINE_BREAK = re.compile(r"\r\n?|\n")


class Encoding(StrEnum):
    """How a column is counted (LSP ``PositionEncodingKind`` values)."""

    UTF8 = "utf-8"
    UTF16 = "utf-16"
    UTF32 = "utf-32"


@dataclass(frozen=True, slots=True)
class Position:
    """0-based line and column, the column counted in some :class:`Encoding`."""

    line: int
    character: int


def _units(text: str, encoding: Encoding) -> int:
    if encoding is Encoding.UTF32 or text.isascii():
        return len(text)
    if encoding is Encoding.UTF16:
        return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
    return len(text.encode("utf-8", "surrogatepass"))


def _index_of_units(line_text: str, units: int, encoding: Encoding) -> int:
    """str index inside ``line_text`` at which ``units`` columns have been counted."""
    if encoding is Encoding.UTF32 or line_text.isascii():
        return min(units, len(line_text))
    counted = 0
    for i, ch in enumerate(line_text):
        if counted >= units:
            return i
        counted += _units(ch, encoding)
    return len(line_text)


def _line_starts(text: str) -> list[int]:
    if "\r" not in text:  # LF only: the lengths of the lines, summed in C
        return [0, *itertools.accumulate(len(line) + 1 for line in text.split("\n")[:-1])]
    # one regex pass: linear (searching "\r" per line rescans an LF-only text each time)
    return [0, *(m.end() for m in _LINE_BREAK.finditer(text))]


def newline_of(text: str) -> str:
    """The line break an edit writes into ``text``: CRLF where the text has one, else LF."""
    return "\r\n" if "\r\n" in text else "\n"


class TextIndex:
    """Line table for one text, converting str index <-> byte offset <-> (line, column)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._line_starts: list[int] | None = None  # built when first needed
        self._byte_table: list[int] | None = None

    @property
    def line_starts(self) -> list[int]:
        """str index of the start of each line."""
        if self._line_starts is None:
            self._line_starts = _line_starts(self.text)
        return self._line_starts

    def edited(self, start: int, end: int, new_text: str) -> TextIndex:
        """The index of this text with ``[start, end)`` replaced by ``new_text``, its line
        table derived from this one's (when built): the lines before the edit are kept, those
        after it shifted, only the edit's own lines looked at again. An editor sends a change
        per keystroke, and a large journal's table costs a millisecond or two to build anew."""
        text = self.text[:start] + new_text + self.text[end:]
        index = TextIndex(text)
        if self._line_starts is None:
            return index
        old = self._line_starts
        new_end = start + len(new_text)
        delta = new_end - end
        # a line start at p depends on the characters at p - 1 and p: those before ``start``
        # and those after ``end`` are unchanged (in the suffix, ``delta`` further on)
        before = old[: bisect.bisect_left(old, start)] or [0]
        after = old[bisect.bisect_right(old, end) :]
        low = max(start - 1, 0)
        region = _LINE_BREAK.finditer(text, low, min(new_end + 1, len(text)))
        inside = [m.end() for m in region if start <= m.end() <= new_end]
        index._line_starts = [*before, *inside, *[p + delta for p in after]]
        return index

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def line_of(self, index: int) -> int:
        return bisect.bisect_right(self.line_starts, index) - 1

    def line_text(self, line: int) -> str:
        """Text of ``line`` without its line break."""
        start = self.line_starts[line]
        end = self.line_starts[line + 1] if line + 1 < len(self.line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def line_end(self, line: int) -> int:
        """str index of the end of ``line``, before its line break (without copying the line:
        a minified file is one line)."""
        starts, text = self.line_starts, self.text
        end = len(text) if line + 1 >= len(starts) else starts[line + 1]
        while end > starts[line] and text[end - 1] in "\r\n":
            end -= 1
        return end

    def position(self, index: int, encoding: Encoding = Encoding.UTF16) -> Position:
        return Position(*self.line_column(index, encoding))

    def line_column(self, index: int, encoding: Encoding = Encoding.UTF16) -> tuple[int, int]:
        """:meth:`position` as a plain pair, for callers converting thousands of offsets."""
        index = max(0, min(index, len(self.text)))
        starts = self.line_starts
        line = bisect.bisect_right(starts, index) - 1
        piece = self.text[starts[line] : index]
        return line, len(piece) if piece.isascii() else _units(piece, encoding)

    def offset(self, position: Position, encoding: Encoding = Encoding.UTF16) -> int:
        """str index of an LSP position; columns past the line end clamp to it (LSP spec)."""
        if position.line >= len(self.line_starts):
            return len(self.text)
        if position.line < 0:
            return 0
        start = self.line_starts[position.line]
        return start + _index_of_units(self.line_text(position.line), position.character, encoding)

    def byte_to_index(self, byte_offset: int) -> int:
        """str index of a UTF-8 byte offset (tree-sitter reports those)."""
        if self.text.isascii():
            return byte_offset
        table = self._bytes_per_line()
        line = bisect.bisect_right(table, byte_offset) - 1
        start = self.line_starts[line]
        rest = byte_offset - table[line]
        line_bytes = self.text[start : start + rest].encode("utf-8", "surrogatepass")
        # rest bytes of this line: decode them back to count code points
        return start + len(line_bytes[:rest].decode("utf-8", "ignore"))

    def index_to_byte(self, index: int) -> int:
        if self.text.isascii():
            return index
        table = self._bytes_per_line()
        line = self.line_of(index)
        start = self.line_starts[line]
        return table[line] + len(self.text[start:index].encode("utf-8", "surrogatepass"))

    def _bytes_per_line(self) -> list[int]:
        if self._byte_table is None:
            table, total, prev = [], 0, 0
            for start in self.line_starts:
                total += len(self.text[prev:start].encode("utf-8", "surrogatepass"))
                table.append(total)
                prev = start
            self._byte_table = table
        return self._byte_table
