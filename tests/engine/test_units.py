"""A long chunk is linted in runs of statements: the diagnostics must be those of linting it
whole, and an edit anywhere in it must give those of a fresh lint of the new text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drizzle_lsp.core.diagnostics import Violation
from drizzle_lsp.core.folder import SqlDocument
from drizzle_lsp.core.migration import BREAKPOINT
from drizzle_lsp.core.source import SourceText
from drizzle_lsp.engine import analyze, units

PATH = Path("/project/drizzle/0000_long.sql")
STATEMENTS = [
    'CREATE TABLE "t" (\n\t"id" serial PRIMARY KEY\n);',
    'ALTER TABLE "t" ADD COLUMN "c" integer;',
    'CREATE INDEX "t_idx" ON "t" USING btree ("id");',
    'DROP INDEX IF EXISTS "t_idx";',  # makes a later CREATE INDEX "t_idx" idempotent
    'INSERT INTO "t" ("id") VALUES (1);',  # fails again where a key of "t" is in sight
    'UPDATE "t" SET "c" = 1;',  # fails again where a later statement drops "c"
    'ALTER TABLE "t" DROP COLUMN IF EXISTS "c";',
    "SELECT 1; -- a comment after it",
    "/* before */ SELECT 2;",
    "SELECT 'café ☕';",
]
SEPARATORS = ["\n", " ", "\n\n-- between\n", f"\n{BREAKPOINT}\n"]


def lint(text: str) -> list[Violation]:
    """As the analyzer lints a file: from the last text of that file it linted."""
    return analyze.lint_sql(SqlDocument(PATH, "0000_long", SourceText(text)), breakpoints=True)


def lint_whole(text: str) -> list[Violation]:
    """A fresh lint of ``text``, every chunk as one unit (the file's last text left alone)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(units, "SPLIT_FROM", 10**9)
        fresh = analyze._lint_file(PATH, "0000_long", text, True, analyze.ALL_SQL_CODES, None)
    return list(fresh.result)


@pytest.fixture(autouse=True)
def short_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of 2 statements from 4 on, so that small texts are cut in many places."""
    monkeypatch.setattr(units, "RUN", 2)
    monkeypatch.setattr(units, "SPLIT_FROM", 4)


def _text(statements: list[str], separators: list[str]) -> str:
    parts = [statements[0]]
    for statement, separator in zip(statements[1:], separators, strict=False):
        parts += [separator, statement]
    return "".join(parts) + "\n"


@settings(max_examples=150, deadline=None)
@given(
    statements=st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=14),
    separators=st.lists(st.sampled_from(SEPARATORS), min_size=14, max_size=14),
)
def test_a_chunk_linted_in_runs_reports_what_it_reports_whole(
    statements: list[str], separators: list[str]
) -> None:
    text = _text(statements, separators)
    analyze.file_lints.clear()
    assert lint(text) == lint_whole(text)


def test_runs_continue_their_chunk():
    text = _text(["SELECT 1;"] * 9, ["\n"] * 8)
    cut = units.units(text)
    assert cut is not None
    assert [u.continues for u in cut] == [False, True, True, True, True]
    assert "".join(u.text for u in cut) == text
    assert all(u.text.rstrip().endswith(";") for u in cut)
    s003 = [v for v in lint(text) if v.code == "S003"]
    assert len(s003) == 8  # every statement but the first shares the chunk


# what an edit inserts: a statement, a breakpoint or a piece of one, a `;`, a quote, a letter
INSERTS = [*STATEMENTS, f"\n{BREAKPOINT}\n", BREAKPOINT[:9], ";", "'", "--", "\n", "x", ""]


@settings(max_examples=150, deadline=None)
@given(
    statements=st.lists(st.sampled_from(STATEMENTS), min_size=4, max_size=14),
    separators=st.lists(st.sampled_from(SEPARATORS[:3]), min_size=14, max_size=14),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 30), st.sampled_from(INSERTS)), max_size=4
    ),
)
def test_an_edit_in_a_long_chunk_gets_the_diagnostics_of_a_fresh_lint(
    statements: list[str], separators: list[str], edits: list[tuple[float, int, str]]
) -> None:
    text = _text(statements, separators)
    analyze.file_lints.clear()
    lint(text)
    for where, length, inserted in edits:
        start = int(where * len(text))
        text = text[:start] + inserted + text[start + length :]
        assert lint(text) == lint_whole(text)
