"""Position conversion: str index <-> UTF-8 bytes <-> (line, UTF-16 / UTF-8 column)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from drizzle_lsp.core.text import Encoding, Position, TextIndex

TEXT = "-- café ☕ 😀\nALTER TABLE t ADD COLUMN x int;\r\n-- \U0001d518nicode\rSELECT 1;"


def test_columns_count_code_units_of_each_encoding() -> None:
    index = TextIndex(TEXT)
    emoji = TEXT.index("😀")
    assert index.position(emoji, Encoding.UTF16) == Position(0, 10)
    assert index.position(emoji, Encoding.UTF8) == Position(0, 13)  # é 2 bytes, ☕ 3 bytes
    assert index.position(emoji + 1, Encoding.UTF16) == Position(0, 12)  # surrogate pair
    assert index.position(emoji + 1, Encoding.UTF8) == Position(0, 17)


def test_crlf_and_lone_cr_end_lines_but_u2028_does_not() -> None:
    index = TextIndex("a\r\nb\rc\u2028d\ne")
    assert index.line_count == 4
    assert index.line_text(2) == "c\u2028d"
    assert index.position(len("a\r\nb\rc\u2028d\n")) == Position(3, 0)


def test_statement_after_non_ascii_has_exact_position() -> None:
    index = TextIndex(TEXT)
    add = TEXT.index("ADD COLUMN")
    assert index.position(add) == Position(1, 14)
    assert index.offset(Position(1, 14)) == add


def test_offset_clamps_past_line_end_and_text_end() -> None:
    index = TextIndex("ab\ncd")
    assert index.offset(Position(0, 99)) == 2
    assert index.offset(Position(9, 0)) == 5


def test_bytes_round_trip_on_non_ascii() -> None:
    index = TextIndex(TEXT)
    for i in range(len(TEXT) + 1):
        assert index.byte_to_index(index.index_to_byte(i)) == i


@given(st.text(alphabet=st.sampled_from("ab\n\r é☕😀\U0001d518"), max_size=40))
def test_position_offset_round_trip(text: str) -> None:
    index = TextIndex(text)
    for encoding in Encoding:
        for i in range(len(text) + 1):
            if 0 < i < len(text) and text[i - 1] == "\r" and text[i] == "\n":
                continue  # inside a CRLF: not a position a client can name
            assert index.offset(index.position(i, encoding), encoding) == i


_PIECES = st.lists(st.sampled_from(["a", "é", "\r", "\n", "\r\n", "☕", " "]), max_size=20).map(
    "".join
)


@given(_PIECES, st.data())
def test_an_edited_index_equals_one_built_from_scratch(text: str, data: st.DataObject) -> None:
    """The line table carried over an edit (keystrokes) equals a fresh one, CR/LF pairs made
    or split at either end of the edit included."""
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    new_text = data.draw(_PIECES)
    index = TextIndex(text)
    assert index.line_count >= 1  # the table is built: the edit carries it over
    edited = index.edited(start, end, new_text)
    fresh = TextIndex(text[:start] + new_text + text[end:])
    assert edited.text == fresh.text
    assert edited.line_starts == fresh.line_starts
