"""The journal rewriter: results parse, idx and when come out right, the layout is kept."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from folders import entry, journal_text
from hypothesis import given, settings
from hypothesis import strategies as st

from drizzle_lsp.core.fixes import apply_edits
from drizzle_lsp.core.journal import parse_journal
from drizzle_lsp.core.journal_edit import (
    append_entry,
    is_rewritable,
    move_to_end,
    next_when,
    renumber,
    renumber_hazard,
    set_value,
)

PATH = Path("drizzle/meta/_journal.json")


def _journal_text(entries: list[dict[str, Any]], indent: int | None, newline: str) -> str:
    end = "" if indent is None else newline
    return journal_text(entries, indent=indent, newline=newline, end=end)


def _entries(whens: list[int], tags: list[str] | None = None) -> list[dict[str, Any]]:
    tags = tags or [f"{i:04d}_m{i}" for i in range(len(whens))]
    return [entry(i, t, w) for i, (w, t) in enumerate(zip(whens, tags, strict=True))]


layouts = st.sampled_from([(2, "\n"), (4, "\r\n"), (None, "\n"), (1, "\n"), (3, "\r\n")])
tag_alphabet = st.sampled_from(list("abcxyz_019éü☕🎉"))


@st.composite
def journals(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    n = draw(st.integers(min_value=1, max_value=12))
    whens = draw(st.lists(st.integers(0, 2_000_000_000_000), min_size=n, max_size=n))
    suffixes = draw(st.lists(st.text(tag_alphabet, min_size=1, max_size=6), min_size=n, max_size=n))
    tags = [f"{i:04d}_{s}" for i, s in enumerate(suffixes)]
    entries = _entries(whens, tags)
    for e in entries:  # idx are sometimes wrong before the rewrite
        e["idx"] = draw(st.sampled_from([e["idx"], e["idx"] + 1, 0]))
    indent, newline = draw(layouts)
    return _journal_text(entries, indent, newline), entries


@settings(max_examples=150, deadline=None)
@given(journals(), st.data(), st.integers(0, 2_100_000_000_000))
def test_move_to_end_property(
    case: tuple[str, list[dict[str, Any]]], data: st.DataObject, now: int
) -> None:
    text, entries = case
    n = len(entries)
    moved = sorted(data.draw(st.sets(st.integers(0, n - 1))))
    journal = parse_journal(text)
    assert is_rewritable(journal)

    result = apply_edits(text, move_to_end(journal, PATH, moved, now))

    out = json.loads(result)["entries"]
    assert [e["idx"] for e in out] == list(range(n))
    kept = [e for i, e in enumerate(entries) if i not in moved]
    late = [entries[i] for i in moved]
    # everything but idx and the moved entries' `when` is untouched, in the planned order
    assert [e["tag"] for e in out] == [e["tag"] for e in kept + late]
    assert [e["when"] for e in out[: len(kept)]] == [e["when"] for e in kept]
    new_whens = [e["when"] for e in out[len(kept) :]]
    assert all(b > a for a, b in itertools.pairwise(new_whens))
    if late:
        assert new_whens[0] == max(now, max(e["when"] for e in entries) + 1)
    # the layout: same line breaks, no lone \n in a CRLF file
    if "\r\n" in text:
        assert result.count("\n") == result.count("\r\n")
    assert result.count("\n") == text.count("\n")


@settings(max_examples=100, deadline=None)
@given(journals(), st.integers(0, 2_100_000_000_000))
def test_append_entry_property(case: tuple[str, list[dict[str, Any]]], now: int) -> None:
    text, entries = case
    journal = parse_journal(text)

    result = apply_edits(text, append_entry(journal, PATH, "9999_new ☕", now))

    out = json.loads(result)["entries"]
    assert out[:-1] == entries
    last = out[-1]
    assert last == {
        "idx": entries[-1]["idx"] + 1,
        "version": "7",
        "when": max(now, max(e["when"] for e in entries) + 1),
        "tag": "9999_new ☕",
        "breakpoints": True,
    }
    # laid out like the entry before it: same number of lines per entry
    if "\n" in text:
        per_entry = (text.count("\n") - 6) // len(entries)  # 6 lines outside `entries`
        assert result.count("\n") - text.count("\n") == per_entry


@settings(max_examples=100, deadline=None)
@given(journals())
def test_renumber_property(case: tuple[str, list[dict[str, Any]]]) -> None:
    text, entries = case
    result = apply_edits(text, renumber(parse_journal(text), PATH))
    out = json.loads(result)["entries"]
    assert [e["idx"] for e in out] == list(range(len(entries)))
    assert [{**e, "idx": 0} for e in out] == [{**e, "idx": 0} for e in entries]


def test_renumber_edits_only_the_wrong_values() -> None:
    text = _journal_text(_entries([1, 2, 3]), 2, "\n").replace('"idx": 2', '"idx": 7')
    edits = renumber(parse_journal(text), PATH)
    assert len(edits) == 1
    assert text[edits[0].span.start : edits[0].span.end] == "7"
    assert edits[0].new_text == "2"


def test_nothing_to_do_gives_no_edit() -> None:
    text = _journal_text(_entries([1, 2, 3]), 2, "\n")
    journal = parse_journal(text)
    assert renumber(journal, PATH) == ()
    assert move_to_end(journal, PATH, [], 0) == ()
    assert set_value(journal, PATH, 1, "when", 2) == ()


def test_set_value_replaces_one_token() -> None:
    text = _journal_text(_entries([1, 2, 3]), 4, "\r\n")
    journal = parse_journal(text)
    (edit,) = set_value(journal, PATH, 2, "when", 1767225600000)
    assert text[edit.span.start : edit.span.end] == "3"
    assert apply_edits(text, [edit]) == text.replace('"when": 3', '"when": 1767225600000')


def test_move_keeps_each_element_text() -> None:
    # an element with its own odd layout moves with it, byte for byte
    text = (
        '{\n  "version": "7",\n  "dialect": "pg",\n  "entries": [\n'
        '    {"idx": 0, "version": "7", "when": 10, "tag": "a", "breakpoints": true},\n'
        '    {\n      "idx": 1, "when": 5,\n'
        '      "tag": "b", "version": "7", "breakpoints": false\n'
        "    },\n"
        '    {"idx": 2, "version": "7", "when": 20, "tag": "c", "breakpoints": true}\n'
        "  ]\n}\n"
    )
    result = apply_edits(text, move_to_end(parse_journal(text), PATH, [1], 0))
    assert result == (
        '{\n  "version": "7",\n  "dialect": "pg",\n  "entries": [\n'
        '    {"idx": 0, "version": "7", "when": 10, "tag": "a", "breakpoints": true},\n'
        '    {"idx": 1, "version": "7", "when": 20, "tag": "c", "breakpoints": true},\n'
        '    {\n      "idx": 2, "when": 21,\n'
        '      "tag": "b", "version": "7", "breakpoints": false\n'
        "    }\n"
        "  ]\n}\n"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"version":"7","dialect":"pg","entries":[]}',
            '{"version":"7","dialect":"pg","entries":[{"idx":0,"version":"7","when":5,'
            '"tag":"x","breakpoints":true}]}',
        ),
        (
            '{\r\n    "version": "5",\r\n    "dialect": "pg",\r\n    "entries": []\r\n}\r\n',
            '{\r\n    "version": "5",\r\n    "dialect": "pg",\r\n    "entries": [\r\n'
            '        {\r\n            "idx": 0,\r\n            "version": "5",\r\n'
            '            "when": 5,\r\n            "tag": "x",\r\n'
            '            "breakpoints": true\r\n        }\r\n    ]\r\n}\r\n',
        ),
    ],
    ids=["one-line", "crlf-4-spaces"],
)
def test_append_to_empty_entries(text: str, expected: str) -> None:
    result = apply_edits(text, append_entry(parse_journal(text), PATH, "x", 5))
    assert result == expected


def test_next_when() -> None:
    journal = parse_journal(_journal_text(_entries([10, 30, 20]), 2, "\n"))
    assert next_when(journal, 0) == 31
    assert next_when(journal, 100) == 100
    assert next_when(journal, 0, excluding=[1]) == 21


def test_renumber_hazard() -> None:
    # files and idx numbered from 1: renumbering from 0 makes the next migration 0003 again
    from_one = _entries([1, 2, 3], ["0001_a", "0002_b", "0003_c"])
    for i, e in enumerate(from_one):
        e["idx"] = i + 1
    journal = parse_journal(_journal_text(from_one, 2, "\n"))
    assert renumber_hazard(journal, 2) is not None
    # a duplicate idx after a merge: renumbering raises the last idx, nothing is reused
    merged = _entries([1, 2, 3, 4], ["0000_a", "0001_b", "0002_c", "0002_d"])
    merged[3]["idx"] = 2
    assert renumber_hazard(parse_journal(_journal_text(merged, 2, "\n")), 3) is None
    # timestamp-prefixed tags say nothing about idx
    stamped = _entries([1, 2], ["20250508083758_a", "20250509083758_b"])
    for i, e in enumerate(stamped):
        e["idx"] = i + 5
    assert renumber_hazard(parse_journal(_journal_text(stamped, 2, "\n")), 1) is None


def test_not_rewritable() -> None:
    good = _journal_text(_entries([1, 2]), 2, "\n")
    assert is_rewritable(parse_journal(good))
    assert not is_rewritable(parse_journal(good.replace("true\n    }\n  ]", "true,\n    }\n  ]")))
    assert not is_rewritable(parse_journal(good.replace('"idx": 1,', '"idx": 1, "when": 9,')))
    assert not is_rewritable(parse_journal('{"version": "7", "dialect": "pg"}'))


def test_journal_rewrites_never_apply_in_one_pass() -> None:
    from drizzle_lsp.core.diagnostics import Edit, Fix
    from drizzle_lsp.core.fixes import compatible_fixes
    from drizzle_lsp.core.journal_edit import rewrite_isolation

    key = rewrite_isolation(PATH)
    first = Fix("a", (Edit.replace(PATH, 10, 11, "x"),), isolation=key)
    second = Fix("b", (Edit.insert(PATH, 50, "y"),), isolation=key)  # no overlap, same key
    other = Fix("c", (Edit.insert(PATH, 70, "z"),))
    assert compatible_fixes([first, second, other, first]) == [first, other]
