"""The journal model: exact field ranges, and whatever can be read from a broken journal."""

from __future__ import annotations

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
