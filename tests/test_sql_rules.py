"""S001/S002/S003 in detail: exact ranges, fixes as text, and how DO-block handlers are judged.

The fixture cases (tests/fixtures/rules/S00*) show what users see; these tests pin what the
fixture output cannot show: where each range ends, and the exception-handler semantics.
"""

from __future__ import annotations

import pytest

from drizzle_lsp.core.analyze import _lint_chunk
from drizzle_lsp.core.diagnostics import Violation
from drizzle_lsp.core.fixes import apply_edits
from drizzle_lsp.core.migration import MigrationFile
from drizzle_lsp.core.tokens import _scan
from drizzle_lsp.rules import missing_breakpoint, non_idempotent_ddl, syntax_error
from drizzle_lsp.rules._api import SqlContext
from drizzle_lsp.rules.non_idempotent_ddl import _Block, _caught, _Handler


def lint(module: object, text: str, breakpoints: bool = True) -> list[Violation]:
    return list(module.check(SqlContext(MigrationFile(text), breakpoints)))  # type: ignore[attr-defined]


def ranges(module: object, text: str) -> list[str]:
    return [text[v.span.start : v.span.end] for v in lint(module, text)]


def fixed(text: str, code: str = "S002") -> str:
    """The text with the first verified fix of ``code`` applied (as the analyzer offers it)."""
    found = [v for v in _lint_chunk(text, True, frozenset({code})) if v.fix is not None]
    assert found, f"no {code} fix for {text!r}"
    fix = found[0].fix
    assert fix is not None
    return apply_edits(text, fix.edits)


# ---- S001 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("-- café ☕ 🎉\nSELEC 1;", "SELEC"),
        ('ALTER TABLE "t" ADD COLUMN "a" integer DEFAULT;', ";"),
        ('CREATE TABLE "t" ("a" int\n\n', "int"),  # at end of input: the last token
        ("SELECT 'never closed;\nSELECT 2;", "'never closed;"),  # the rest of the line
    ],
)
def test_s001_range(text: str, marked: str) -> None:
    assert ranges(syntax_error, text) == [marked]
    assert "Syntax error: " in lint(syntax_error, text)[0].message


def test_s001_keeps_pglast_message_on_one_line() -> None:
    (v,) = lint(syntax_error, "SELECT $$ never closed\nSELECT 2;\n")
    assert "\n" not in v.message
    assert 'unterminated dollar-quoted string at or near "$$ never closed…"' in v.message


# ---- S003 --------------------------------------------------------------------------------------


def test_s003_range_is_the_first_line_of_each_extra_statement() -> None:
    text = "SELECT 1;\nSELECT 2,\n  3;\n/* x */ SELECT 4;"
    assert ranges(missing_breakpoint, text) == ["SELECT 2,", "SELECT 4"]


def test_s003_needs_breakpoints() -> None:
    assert lint(missing_breakpoint, "SELECT 1; SELECT 2;", breakpoints=False) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT 1;\nSELECT 2;\n", "SELECT 1;\n--> statement-breakpoint\nSELECT 2;\n"),
        ("SELECT 1; SELECT 2;", "SELECT 1;\n--> statement-breakpoint\nSELECT 2;"),
        ("SELECT 1; -- one\nSELECT 2;", "SELECT 1; -- one\n--> statement-breakpoint\nSELECT 2;"),
        ("SELECT 1;\r\nSELECT 2;\r\n", "SELECT 1;\r\n--> statement-breakpoint\r\nSELECT 2;\r\n"),
        ("SELECT 1; /* a */ SELECT 2;", "SELECT 1;\n--> statement-breakpoint\n /* a */ SELECT 2;"),
    ],
)
def test_s003_fix(text: str, expected: str) -> None:
    assert fixed(text, "S003") == expected


# ---- S002 ranges and fixes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ('-- ☕\nCREATE TABLE "public"."t" ("a" int);', ['CREATE TABLE "public"."t"']),
        ('ALTER TABLE "t" ADD COLUMN "a" int, ADD "b" int;', ['ADD COLUMN "a"', 'ADD "b"']),
        (
            "ALTER TABLE t\n  DROP COLUMN a,\n  DROP CONSTRAINT c;",
            ["DROP COLUMN a", "DROP CONSTRAINT c"],
        ),
        ("CREATE INDEX ON t (a);", ["CREATE INDEX ON t"]),
        ("DROP INDEX CONCURRENTLY a.b;", ["DROP INDEX CONCURRENTLY a.b"]),
        ("ALTER TYPE e ADD VALUE 'x' AFTER 'y';", ["ADD VALUE 'x'"]),
        ("ALTER TABLE t RENAME COLUMN a TO b;", ["RENAME COLUMN a TO b"]),
        ("ALTER TABLE t ADD CONSTRAINT c UNIQUE (a);", ["ADD CONSTRAINT c"]),
    ],
)
def test_s002_range(text: str, marked: list[str]) -> None:
    assert ranges(non_idempotent_ddl, text) == marked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CREATE TABLE t (a int);", "CREATE TABLE IF NOT EXISTS t (a int);"),
        ("create unique index i on t (a);", "create unique index if not exists i on t (a);"),
        ("ALTER TABLE ONLY t ADD a int;", "ALTER TABLE ONLY t ADD IF NOT EXISTS a int;"),
        ("DROP MATERIALIZED VIEW v;", "DROP MATERIALIZED VIEW IF EXISTS v;"),
        ("CREATE SCHEMA AUTHORIZATION joe;", "CREATE SCHEMA IF NOT EXISTS AUTHORIZATION joe;"),
        (
            "CREATE TYPE e AS ENUM ('a')",  # no `;` after the last statement of a chunk
            "DO $$ BEGIN\nCREATE TYPE e AS ENUM ('a');\nEXCEPTION\n"
            " WHEN duplicate_object OR duplicate_table THEN null;\nEND $$;",
        ),
        (
            "ALTER TABLE t ADD CONSTRAINT p PRIMARY KEY (a);\r\n",
            "DO $$ BEGIN\r\nALTER TABLE t ADD CONSTRAINT p PRIMARY KEY (a);\r\nEXCEPTION\r\n"
            " WHEN duplicate_object OR duplicate_table OR invalid_table_definition THEN null;"
            "\r\nEND $$;\r\n",
        ),
    ],
)
def test_s002_fix(text: str, expected: str) -> None:
    assert fixed(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "CREATE TEMP TABLE t (a int);",
        "CREATE TABLE IF NOT EXISTS t (a int);",
        "ALTER TABLE t ALTER COLUMN a SET DEFAULT 0, ENABLE ROW LEVEL SECURITY;",
        "SELECT 1; INSERT INTO t VALUES (1);",
        "DO $$ BEGIN EXECUTE 'CREATE TABLE t (a int)'; END $$;",
        "DO LANGUAGE plperl $$ whatever $$;",
    ],
)
def test_s002_clean(text: str) -> None:
    assert lint(non_idempotent_ddl, text) == []


def test_s002_reads_no_tokens_of_a_statement_its_tree_clears() -> None:
    """What makes verifying an `IF NOT EXISTS` fix cheap: the fixed statement is not scanned."""
    before = _scan.cache_info()
    assert lint(non_idempotent_ddl, 'CREATE TABLE IF NOT EXISTS "scan_me_not" (a int);') == []
    assert _scan.cache_info().misses == before.misses


def test_s002_no_fix_for_unnamed_constraint_or_schema_with_elements() -> None:
    for text in (
        "ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES u;",
        "CREATE SCHEMA s CREATE TABLE t (a int);",
    ):
        (v,) = lint(non_idempotent_ddl, text)
        assert v.fix is None


def test_s002_or_replace_is_unsafe() -> None:
    (v,) = lint(non_idempotent_ddl, "CREATE VIEW v AS SELECT 1;")
    assert v.fix is not None and v.fix.applicability == "unsafe"
    assert v.fix.title == "Use CREATE OR REPLACE VIEW"


# ---- S002 in DO blocks -------------------------------------------------------------------------


def _handler(*conditions: str, rethrows: bool = False) -> _Block:
    return _Block((_Handler(conditions, rethrows),))


@pytest.mark.parametrize(
    ("conditions", "code", "caught"),
    [
        (("duplicate_object",), "42710", True),
        (("duplicate_object",), "42P07", False),
        (("duplicate_object", "duplicate_table"), "42P07", True),
        (("42p07",), "42P07", True),  # WHEN SQLSTATE '42P07' (plpgsql lower-cases nothing; we do)
        (("syntax_error_or_access_rule_violation",), "42701", True),  # a whole class
        (("invalid_schema_name",), "3F000", True),
        (("others",), "42P16", True),
        (("others",), "57014", False),  # query_canceled escapes WHEN others
        (("no_such_condition",), "42710", False),
        (("others",), "", True),  # an error we cannot name: only `others` catches it
        (("duplicate_object",), "", False),
    ],
)
def test_handler_matching(conditions: tuple[str, ...], code: str, caught: bool) -> None:
    assert _caught(code, (_handler(*conditions),)) is caught


def test_handler_that_reraises_catches_nothing_and_inner_block_decides_first() -> None:
    assert not _caught("42710", (_handler("duplicate_object", rethrows=True),))
    # the inner block re-raises: the outer one gets the error
    assert _caught("42710", (_handler("others"), _handler("duplicate_object", rethrows=True)))
    # the inner block's first matching handler wins over later ones
    inner = _Block((_Handler(("duplicate_object",), True), _Handler(("others",), False)))
    assert not _caught("42710", (inner,))


def test_do_inner_statement_fix_lands_in_the_body_after_non_ascii() -> None:
    text = (
        '-- ☕\r\nDO $body$\r\nBEGIN -- café 🎉\r\n  CREATE TABLE "x" (a int);\r\n'
        "EXCEPTION WHEN duplicate_object THEN null;\r\nEND $body$;\r\n"
    )
    assert ranges(non_idempotent_ddl, text) == ['CREATE TABLE "x"']
    assert 'CREATE TABLE IF NOT EXISTS "x" (a int);' in fixed(text)


def test_do_handler_gets_the_missing_condition() -> None:
    text = (
        "DO $$ BEGIN\n ALTER TABLE t ADD CONSTRAINT u UNIQUE (a);\n"
        "EXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;"
    )
    (v,) = lint(non_idempotent_ddl, text)
    assert "catches duplicate_object, not duplicate_table" in v.message
    assert "WHEN duplicate_object OR duplicate_table THEN null;" in fixed(text)


def test_do_catalog_guard_and_nested_do() -> None:
    guarded = (
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_type WHERE typname = 'e') THEN "
        "CREATE TYPE e AS ENUM ('a'); ELSE ALTER TYPE e ADD VALUE 'b'; END IF; END $$;"
    )
    assert lint(non_idempotent_ddl, guarded) == []
    nested = (
        "DO $o$ BEGIN DO $$ BEGIN CREATE TABLE t (a int); END $$; "
        "EXCEPTION WHEN duplicate_object THEN null; END $o$;"
    )
    assert ranges(non_idempotent_ddl, nested) == ["CREATE TABLE t"]
    assert "CREATE TABLE IF NOT EXISTS t (a int)" in fixed(nested)


def test_statement_in_handler_action_is_not_protected_by_its_own_block() -> None:
    text = "DO $$ BEGIN PERFORM 1; EXCEPTION WHEN others THEN CREATE TABLE t (a int); END $$;"
    assert ranges(non_idempotent_ddl, text) == ["CREATE TABLE t"]


@pytest.mark.parametrize(
    ("statement", "handler"),
    [
        ('ALTER TABLE "t" ADD CONSTRAINT "u" UNIQUE ("a")', "duplicate_object"),
        ('ALTER TABLE "t" ADD CONSTRAINT "f" FOREIGN KEY ("a") REFERENCES "u"', "others"),
        ("CREATE TYPE \"é☕\" AS ENUM ('a')", "duplicate_object"),
        ('CREATE TABLE "t" (a int)', "duplicate_table"),
        ('ALTER TABLE "t" ADD COLUMN "a" int, DROP COLUMN "b"', "duplicate_column"),
    ],
)
def test_s002_reuses_a_statements_findings_only_as_a_fresh_check_finds_them(
    statement: str, handler: str
) -> None:
    """A fix's verification shares the memo of the chunk's check: S002 reuses the findings of a
    statement it saw there when that statement comes back inside a DO block (the wrap fix)."""
    original = f"-- ☕\n{statement};\n"
    wrapped = (
        f"SELECT 1;\nDO $$ BEGIN\n  {statement};\nEXCEPTION\n WHEN {handler} THEN null;\nEND $$;\n"
    )
    first = SqlContext(MigrationFile(original), True)
    list(non_idempotent_ddl.check(first))
    assert statement in first.memo["S002"]
    reused = list(
        non_idempotent_ddl.check(SqlContext(MigrationFile(wrapped), True, memo=first.memo))
    )
    fresh = list(non_idempotent_ddl.check(SqlContext(MigrationFile(wrapped), True)))
    assert reused == fresh
    assert all(wrapped[v.span.start : v.span.end] in statement for v in reused)
