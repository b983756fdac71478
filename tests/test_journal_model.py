"""The journal model: exact positions (also after non-ASCII text) and what a broken journal
still yields."""

from __future__ import annotations

import json

import pytest
from folders import entries, journal_text

from drizzle_lsp.core.journal import format_when, parse_journal
from drizzle_lsp.core.text import Encoding, Position

NON_ASCII_TAGS = ["0000_café", "0001_☕_coffee", "0002_🎉_party", "0003_naïve_日本"]


def _journal(tags: list[str], newline: str = "\n") -> str:
    return journal_text(
        entries(*((t, 1_700_000_000_000 + i) for i, t in enumerate(tags))), newline=newline
    )


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_spans_are_str_indexes_after_non_ascii(newline: str) -> None:
    text = _journal(NON_ASCII_TAGS, newline)
    journal = parse_journal(text)
    assert [e.tag for e in journal.entries] == NON_ASCII_TAGS
    for i, entry in enumerate(journal.entries):
        tag, when = entry.fields["tag"], entry.fields["when"]
        assert text[tag.value_span.start : tag.value_span.end] == json.dumps(
            NON_ASCII_TAGS[i], ensure_ascii=False
        )
        assert text[tag.key_span.start : tag.key_span.end] == '"tag"'
        assert text[when.value_span.start : when.value_span.end] == str(1_700_000_000_000 + i)
        element = text[entry.span.start : entry.span.end]
        assert element.startswith("{") and element.endswith("}")
        assert json.loads(element)["tag"] == NON_ASCII_TAGS[i]


def test_columns_of_a_tag_with_emoji() -> None:
    text = _journal(NON_ASCII_TAGS)
    journal = parse_journal(text)
    party = journal.entries[2].fields["tag"].value_span
    line = journal.index.line_of(party.start)
    assert journal.index.line_text(line) == '      "tag": "0002_🎉_party",'
    # the closing quote: after 🎉, one code point but two UTF-16 units and four UTF-8 bytes
    end = party.end
    assert journal.index.position(end, Encoding.UTF32) == Position(line, 27)
    assert journal.index.position(end, Encoding.UTF16) == Position(line, 28)
    assert journal.index.position(end, Encoding.UTF8) == Position(line, 30)
    assert journal.index.offset(Position(line, 28), Encoding.UTF16) == end


def test_a_cut_off_journal_keeps_the_entries_before_the_cut() -> None:
    text = _journal(NON_ASCII_TAGS)
    cut = text[: text.index('"tag": "0002_🎉_party"') + 12]  # ends inside the string
    journal = parse_journal(cut)
    assert [e.tag for e in journal.entries[:2]] == NON_ASCII_TAGS[:2]
    assert journal.entries[2].tag is None  # its tag was cut off
    assert journal.entries[2].when == 1_700_000_000_002
    (problem,) = journal.syntax_errors
    assert "cut off" in problem.message
    assert cut[problem.span.start : problem.span.end] == '"tag": "0002'
    assert journal.root_fields["dialect"].value == "postgresql"


def test_conflict_markers_yield_both_sides() -> None:
    ours = _journal(["0000_init", "0001_ours"]).split("\n")
    theirs = _journal(["0000_init", "0001_théirs"]).split("\n")
    cut = ours.index("    {", 5)  # the second entry
    markers = ["<<<<<<< HEAD", "=======", ">>>>>>> feature/théirs"]
    start, middle, end = markers
    lines = [*ours[:cut], start, *ours[cut:-2], middle, *theirs[cut:-2], end, *ours[-2:]]
    text = "\n".join(lines)
    journal = parse_journal(text)
    assert [e.tag for e in journal.entries] == ["0000_init", "0001_ours", "0001_théirs"]
    (conflict,) = journal.syntax_errors  # one conflict, reported at its first marker
    assert text[conflict.span.start : conflict.span.end] == start
    assert f"`{start}` to `{end}`" in conflict.message


def test_a_repeated_key_resolves_to_the_last_as_json_parse_does() -> None:
    text = '{"entries": [{"idx": 0, "tag": "0001_a", "when": 1, "tag": "0002_b"}]}'
    (entry,) = parse_journal(text).entries
    assert entry.tag == "0002_b" == json.loads(text)["entries"][0]["tag"]
    (shadowed,) = entry.shadowed
    assert (shadowed.key, shadowed.value) == ("tag", "0001_a")
    assert text[shadowed.key_span.start : shadowed.key_span.end] == '"tag"'


@pytest.mark.parametrize(
    ("text", "kind"),
    [("[]", "array"), ('"x"', "string"), ("{}", "object"), ("", None), ("  \n", None)],
)
def test_root_kind(text: str, kind: str | None) -> None:
    assert parse_journal(text).root_kind == kind


def test_format_when() -> None:
    assert format_when(0) == "1970-01-01T00:00:00.000Z"
    assert format_when(1_767_225_600_123) == "2026-01-01T00:00:00.123Z"
    assert format_when(10**20) == "100000000000000000000 ms after the epoch"
