"""The journal's fast path (valid JSON) builds exactly the model the tolerant parser builds.

Every journal of the fixtures, the examples and the shared corpus, plus layouts drizzle-kit never
writes but a hand edit might, goes through both parsers; texts the fast path declines must fall
back to the tolerant parser (which they do when ``_parse_plain`` returns None).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared import CORPUS, require

from drizzle_lsp.core.journal import Journal, _parse_plain, _parse_tolerant, parse_journal

ROOT = Path(__file__).parents[2]


def _entry(i: int, tag: str = "") -> dict[str, object]:
    return {
        "idx": i,
        "version": "7",
        "when": 1_700_000_000_000 + i,
        "tag": tag or f"{i:04d}_m",
        "breakpoints": True,
    }


def _doc(*entries: dict[str, object], **root: object) -> dict[str, object]:
    return {"version": "7", "dialect": "postgresql", **root, "entries": list(entries)}


PLAIN = [
    json.dumps(_doc(_entry(0), _entry(1)), indent=2),
    json.dumps(_doc(_entry(0), _entry(1))),  # one line
    json.dumps(_doc(_entry(0, "0000_café ☕"), _entry(1, "0001_🎉")), indent=2, ensure_ascii=False),
    json.dumps(_doc(_entry(0, 'a "quoted" {brace} [x]'), _entry(1, "tab\\t")), indent="\t"),
    json.dumps(_doc(_entry(0)), indent=2).replace("\n", "\r\n"),
    json.dumps(_doc()),  # no entries
    '{"entries": [], "version": "7"}',
    '  {"v\\u0065rsion": "7", "entries": [{"t\\u0061g": "x", "when": 1e3, "idx": -0}]}  \n',
    '{"version": 7, "dialect": null, "extra": true, "entries": [{"when": 1.5, "tag": false}]}',
    '{"entries": [{}, {"idx": 0}]}',
]
TOLERANT = [
    '{"entries": [{"idx": 0, "idx": 1}]}',  # a key twice
    '{"entries": [{"idx": 0, "meta": {"a": 1}}]}',  # a nested value
    '{"entries": [1, "x"]}',  # elements that are not objects
    '{"entries": {"idx": 0}}',
    '{"entries": [], "extra": [1]}',
    '{"entries": [{"when": NaN}]}',
    '{"entries": [{"idx": 0},]}',  # trailing comma
    "[]",
    '"journal"',
    "",
    '{"entries": [{"idx": 0}]} // a comment',
]


def _same(text: str) -> None:
    plain, tolerant = _parse_plain(text), _parse_tolerant(text)
    assert plain is not None
    for lazy, slow in zip(plain.entries, tolerant.entries, strict=True):  # no field built yet
        for key, found in slow.fields.items():
            span = (found.value_span.start, found.value_span.end)
            assert lazy.value_span(key) == slow.value_span(key) == span
        assert lazy.value_span("no such key") is None
    assert plain.index.line_starts == tolerant.index.line_starts
    assert dataclasses.replace(plain, index=tolerant.index) == tolerant
    for fast, slow in zip(plain.entries, tolerant.entries, strict=True):
        for key in ("idx", "version", "when", "tag", "breakpoints"):
            assert fast.typed(key, int) == slow.typed(key, int)
            assert fast.typed(key, str) == slow.typed(key, str)
            assert fast.typed(key, bool) == slow.typed(key, bool)


@pytest.mark.parametrize("text", PLAIN)
def test_fast_path_gives_the_same_model(text: str) -> None:
    _same(text)


@pytest.mark.parametrize("text", TOLERANT)
def test_other_texts_take_the_tolerant_path(text: str) -> None:
    assert _parse_plain(text) is None
    assert isinstance(parse_journal(text), Journal)


def test_values_are_read_without_building_fields() -> None:
    journal = parse_journal(json.dumps(_doc(_entry(0), _entry(1)), indent=2))
    assert [e.when for e in journal.entries] == [1_700_000_000_000, 1_700_000_000_001]
    assert all(e._fields is None for e in journal.entries)  # built when first read
    assert journal.entries[1].fields["tag"].value == "0001_m"


def _journals() -> list[Path]:
    require(CORPUS)
    roots = [ROOT / "tests", ROOT / "examples", CORPUS]
    return sorted(p for root in roots for p in root.rglob("_journal.json"))


def test_every_known_journal_reads_the_same() -> None:
    journals = _journals()
    assert journals
    for path in journals:
        text = path.read_bytes().decode("utf-8", "replace").removeprefix("\ufeff")
        if _parse_plain(text) is not None:
            _same(text)


# Any journal drizzle-kit or a person could write, in any layout json.dumps can produce: the
# regex-located fast path must give the tree-sitter model, field by field, offset by offset.
_scalars = st.one_of(
    st.integers(min_value=-(2**53), max_value=2**53),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.booleans(),
    st.none(),
)
_keys = st.sampled_from(["idx", "version", "when", "tag", "breakpoints", "x", "é☕", 'a"b', "{["])
_entries = st.lists(st.dictionaries(_keys, _scalars, max_size=6), max_size=6)
_layouts = st.sampled_from([None, 0, 1, 2, 4, "\t"])


@settings(max_examples=300, deadline=None)
@given(_entries, _layouts, st.booleans(), st.booleans())
def test_fast_path_agrees_on_generated_journals(
    entries: list[dict[str, object]], indent: object, ascii_only: bool, crlf: bool
) -> None:
    text = json.dumps(
        {"version": "7", "dialect": "postgresql", "entries": entries},
        indent=indent,  # type: ignore[arg-type]
        ensure_ascii=ascii_only,
    )
    if crlf:
        text = text.replace("\n", "\r\n")
    _same(text)


# A text parsed with an earlier parse as its base (the entries it shares are taken from there)
# gives the model of a parse from scratch, whatever the edit between the two texts.
_edits = st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=40), st.text())


def _from_scratch(text: str) -> Journal:
    journal = _parse_plain(text)
    assert journal is not None
    return journal


def _same_as_from_scratch(text: str, base: Journal) -> None:
    incremental, scratch = _parse_plain(text, base), _from_scratch(text)
    assert incremental is not None
    assert dataclasses.replace(incremental, index=scratch.index) == scratch
    for fast, slow in zip(incremental.entries, scratch.entries, strict=True):
        assert fast._values == slow._values
        assert fast.field("when") == slow.field("when")


@settings(max_examples=300, deadline=None)
@given(_entries, _entries, _layouts)
def test_a_base_gives_the_model_of_a_parse_from_scratch(
    before: list[dict[str, object]], after: list[dict[str, object]], indent: object
) -> None:
    def text(entries: list[dict[str, object]]) -> str:
        document = {"version": "7", "dialect": "postgresql", "entries": entries}
        return json.dumps(document, indent=indent)  # type: ignore[arg-type]

    base = _from_scratch(text(before))
    _same_as_from_scratch(text(after), base)  # entries changed, added, removed, moved
    _same_as_from_scratch(text(before + after), base)
    _same_as_from_scratch(text(after + before), base)


@settings(max_examples=300, deadline=None)
@given(_entries, _layouts, _edits)
def test_a_base_gives_the_model_after_any_text_edit(
    entries: list[dict[str, object]], indent: object, edit: tuple[int, int, str]
) -> None:
    old = json.dumps({"entries": entries, "version": "7"}, indent=indent)  # type: ignore[arg-type]
    at, length, new = edit
    at %= len(old) + 1
    text = old[:at] + new + old[at + length :]
    base = _from_scratch(old)
    if _parse_plain(text) is None:  # most random edits break the JSON: no base may mend it
        assert _parse_plain(text, base) is None
    else:
        _same_as_from_scratch(text, base)


_typed = st.text(alphabet='0123456789-+.eE"tfrunlasx ,:}{', max_size=4)


@settings(max_examples=400, deadline=None)
@given(_entries, _layouts, st.integers(min_value=0), st.integers(0, 3), _typed)
def test_typing_over_a_value_gives_the_model_of_a_parse_from_scratch(
    entries: list[dict[str, object]], indent: object, which: int, length: int, typed: str
) -> None:
    """Typed inside or over one of an entry's values (what the one-value path reads without
    parsing the rest), valid or not: the same model, or the same refusal, as from scratch."""
    old = json.dumps({"version": "7", "entries": entries}, indent=indent)  # type: ignore[arg-type]
    base = _from_scratch(old)
    spans = [s for e in base.entries for k in e._values if (s := e.value_span(k)) is not None]
    if not spans:
        return
    start, end = spans[which % len(spans)]
    at = start + which % (end - start + 1)
    text = old[:at] + typed + old[min(at + length, end) :]
    if _parse_plain(text) is None:
        assert _parse_plain(text, base) is None
    else:
        _same_as_from_scratch(text, base)


def test_a_value_edited_in_the_middle_of_a_long_journal() -> None:
    entries = [_entry(i) for i in range(50)]
    old = json.dumps(_doc(*entries), indent=2)
    base = _from_scratch(old)
    for when in ("1", "17000000000250", "1799999999999"):  # shorter, longer, same length
        text = old.replace("1700000000025", when, 1)
        _same_as_from_scratch(text, base)
        journal = _parse_plain(text, base)
        assert journal is not None
        assert journal.entries[:25] == base.entries[:25]
        assert journal.entries[25].when == int(when)
        assert [e.position for e in journal.entries] == list(range(50))
