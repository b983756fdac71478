"""Re-linting an edited file reuses the chunks the edit did not touch: the diagnostics must be
those of linting the new text from scratch, wherever the edit falls (inside a statement,
across a breakpoint, making or breaking one)."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from drizzle_lsp.core.diagnostics import Violation
from drizzle_lsp.core.folder import SqlDocument
from drizzle_lsp.core.migration import BREAKPOINT
from drizzle_lsp.core.source import SourceText
from drizzle_lsp.engine import analyze

PATH = Path("/project/drizzle/0000_edit.sql")
STATEMENTS = [
    'CREATE TABLE "t" (\n\t"id" serial PRIMARY KEY\n);',
    'ALTER TABLE "t" ADD COLUMN "c" integer;',
    'CREATE INDEX "t_idx" ON "t" USING btree ("id");',
    'ALTER TABLE "t" ADD COLUMN IF NOT EXISTS "d" text;',
    "SELECT 1;",
    "CREATE TABLE oops (",  # a syntax error
    # S002 reads them together across chunks: an edit in one changes another's diagnostics
    'DROP INDEX IF EXISTS "t_idx";',
    'INSERT INTO "t" ("id") VALUES (1);',
    'UPDATE "t" SET "c" = "d";',
    'ALTER TABLE "t" DROP COLUMN IF EXISTS "d";',
]
# what an edit inserts: a statement, a breakpoint or a piece of one, a newline, a letter
INSERTS = [*STATEMENTS, f"\n{BREAKPOINT}\n", BREAKPOINT[:9], BREAKPOINT[9:], "\n", "x", ""]


def lint(text: str, fresh: bool) -> list[Violation]:
    if fresh:
        analyze.file_lints.clear()
    return analyze.lint_sql(SqlDocument(PATH, "0000_edit", SourceText(text)), breakpoints=True)


@settings(max_examples=150, deadline=None)
@given(
    statements=st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=8),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 30), st.sampled_from(INSERTS)), max_size=4
    ),
)
def test_edited_text_gets_the_diagnostics_of_a_fresh_lint(
    statements: list[str], edits: list[tuple[float, int, str]]
) -> None:
    text = f"\n{BREAKPOINT}\n".join(statements) + "\n"
    lint(text, fresh=True)
    for where, length, inserted in edits:
        start = int(where * len(text))
        text = text[:start] + inserted + text[start + length :]
        incremental = lint(text, fresh=False)
        assert incremental == lint(text, fresh=True)
        lint(text, fresh=False)  # the fresh result is the one the next edit starts from


def test_chunks_after_an_edit_move_and_before_it_stay() -> None:
    statements = ['ALTER TABLE "t" ADD COLUMN "c" integer;'] * 3
    text = f"\n{BREAKPOINT}\n".join(statements)
    before = lint(text, fresh=True)
    typed = text.replace('"c"', '"cx"', 2).replace('"cx"', '"c"', 1)  # into the second
    after = lint(typed, fresh=False)
    assert after[0] is before[0]  # the chunk before the edit: the very same result
    assert after[2].span.start == before[2].span.start + 1  # after it: moved by one
    assert after == lint(typed, fresh=True)


def test_violations_placed_or_not_survive_pickle_and_copy() -> None:
    """Placed violations work out their span and fixes when read; pickling (a forked linter
    sends its results back so) and copying must neither recurse nor lose them."""
    found = lint('ALTER TABLE "t" ADD COLUMN "c" integer;\n', fresh=True)
    assert found and found[0].origin is not None
    for v in (found[0], found[0].origin):
        for again in (pickle.loads(pickle.dumps(v)), copy.copy(v)):
            assert again == v and again.span == v.span and again.fix == v.fix
