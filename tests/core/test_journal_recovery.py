"""The journal model: exact field ranges, and whatever can be read from a broken journal."""

from __future__ import annotations

import pytest

from drizzle_lsp.core.diagnostics import Span
from drizzle_lsp.core.journal import parse_journal

JOURNAL = """{
  "version": "7",
  "dialect": "postgresql",
  "entries": [
    {"idx": 0, "version": "7", "when": 1700000000000, "tag": "0000_café_☕", "breakpoints": true},
    {"idx": 1, "version": "7", "when": 1700000000001, "tag": "0001_😀", "breakpoints": true}
  ]
}"""


def test_fields_have_exact_ranges_after_non_ascii() -> None:
    journal = parse_journal(JOURNAL)
    second = journal.entries[1]
    when = second.fields["when"]
    assert JOURNAL[when.value_span.start : when.value_span.end] == "1700000000001"
    tag = second.fields["tag"]
    assert JOURNAL[tag.value_span.start : tag.value_span.end] == '"0001_😀"'
    assert second.tag == "0001_😀"
    assert journal.dialect == "postgresql"
    assert journal.syntax_errors == []


def test_truncated_journal_keeps_readable_entries_and_reports_the_break() -> None:
    cut = JOURNAL[: JOURNAL.index('"tag": "0001')]
    journal = parse_journal(cut)
    assert [e.tag for e in journal.entries] == ["0000_café_☕", None]
    assert journal.entries[1].when == 1700000000001
    assert journal.syntax_errors


def test_conflict_markers_are_named() -> None:
    text = JOURNAL.replace('    {"idx": 1', '<<<<<<< HEAD\n    {"idx": 1').replace(
        "true}\n  ]", "true}\n=======\n>>>>>>> feature\n  ]"
    )
    journal = parse_journal(text)
    assert any("conflict" in p.message for p in journal.syntax_errors)


def test_wrong_types_read_as_none() -> None:
    journal = parse_journal('{"entries": [{"idx": "0", "when": "soon", "tag": 5}]}')
    (entry,) = journal.entries
    assert (entry.idx, entry.when, entry.tag) == (None, None, None)
    assert entry.fields["when"].value == "soon"


def _excerpt(text: str, span: Span) -> str:
    return text[span.start : span.end]


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("true}\n", "invalid JSON: missing `,` before `{`"),  # the comma after entry 0
        ("true\n", "invalid JSON: missing `},` before `{`"),  # the whole `},`
    ],
)
def test_one_repaired_error_keeps_exact_ranges_after_non_ascii(broken: str, message: str) -> None:
    text = JOURNAL.replace("true},\n", broken, 1)
    journal = parse_journal(text)
    (problem,) = journal.syntax_errors
    assert problem.message == message
    assert problem.span == Span(text.index('{"idx": 1'), text.index('{"idx": 1') + 1)
    # read as written, every range in the journal's own text (the repair added characters)
    assert [e.tag for e in journal.entries] == ["0000_café_☕", "0001_😀"]
    tag = journal.entries[1].fields["tag"]
    assert _excerpt(text, tag.value_span) == '"0001_😀"'
    assert _excerpt(text, journal.entries[1].span).endswith('"breakpoints": true}')
    assert journal.unread_from is None


def test_a_comment_is_one_syntax_error() -> None:
    text = JOURNAL + "  // generated"
    (problem,) = parse_journal(text).syntax_errors
    assert "comments are not allowed" in problem.message
    assert _excerpt(text, problem.span) == "// generated"


def test_a_mangled_value_is_one_error_and_not_read() -> None:
    text = JOURNAL.replace("1700000000001", "17000x00000001")
    journal = parse_journal(text)
    (problem,) = journal.syntax_errors
    assert _excerpt(text, problem.span) == "x00000001"
    assert journal.entries[1].when is None  # not 17000, the part tree-sitter reads of it
    assert journal.unread_from == problem.span.start
