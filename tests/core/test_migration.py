"""The SQL model: chunks split as the migrator splits them, statements with exact ranges."""

from __future__ import annotations

from drizzle_lsp.core.migration import BREAKPOINT, MigrationFile, parse_chunk

SQL = (
    "-- café ☕ 😀\n"
    'CREATE TABLE "a" ("id" int);\n'
    "--> statement-breakpoint\n"
    'ALTER TABLE "a" ADD COLUMN "b" text;--> statement-breakpoint\n'
    "SELECT 1; SELECT 2;\n"
)


def test_splits_on_literal_marker_wherever_it_stands() -> None:
    migration = MigrationFile(SQL)
    assert [c.text for c in migration.chunks] == SQL.split(BREAKPOINT)
    assert len(migration.chunks) == 3
    for chunk in migration.chunks:
        assert SQL[chunk.span.start : chunk.span.end] == chunk.text


def test_statement_spans_are_exact_after_non_ascii() -> None:
    migration = MigrationFile(SQL)
    texts = [SQL[s.span.start : s.span.end] for s in migration.statements]
    assert texts == [
        'CREATE TABLE "a" ("id" int)',
        'ALTER TABLE "a" ADD COLUMN "b" text',
        "SELECT 1",
        "SELECT 2",
    ]
    assert [s.chunk for s in migration.statements] == [0, 1, 2, 2]
    assert all(SQL[s.terminator] == ";" for s in migration.statements if s.terminator)


def test_syntax_error_position_is_in_file_coordinates() -> None:
    text = "SELECT 1;\n--> statement-breakpoint\n-- é😀\nCREATE TABLE (;"
    migration = MigrationFile(text)
    (error,) = migration.syntax_errors
    assert error.chunk == 1
    assert text[error.offset] == "("


def test_editing_one_chunk_reparses_only_that_chunk() -> None:
    chunks = [f'CREATE TABLE "t{i}" ("id" int);\n' for i in range(50)]
    text = BREAKPOINT.join(chunks)
    MigrationFile(text)
    before = parse_chunk.cache_info()
    edited = text.replace('"t7" ("id" int)', '"t7" ("id" bigint)')
    MigrationFile(edited)
    after = parse_chunk.cache_info()
    assert after.misses - before.misses == 1
    assert after.hits - before.hits == 49


def test_ignore_directive_above_or_on_first_line() -> None:
    text = (
        "-- drizzle-lsp-ignore: S002, s003\n"
        'CREATE TABLE "a" ("id" int);\n'
        'CREATE TABLE "b" ("id" int); -- drizzle-lsp-ignore\n'
        'CREATE TABLE "c"\n  ("id" int);\n'
    )
    migration = MigrationFile(text)
    a, b, c = migration.statements
    assert migration.ignored_codes(a.span.start + 5) == frozenset({"S002", "S003"})
    assert migration.ignored_codes(b.span.start) == frozenset()
    assert migration.ignored_codes(c.span.end - 1) is None
