"""S001/S002/S003 in detail: exact ranges, fixes as text, and how DO-block handlers are judged.

The fixture cases (tests/fixtures/rules/S00*.toml) show what users see; these tests pin what the
fixture output cannot show: where each range ends, and the exception-handler semantics.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from drizzle_lsp.core.diagnostics import Applicability, Violation
from drizzle_lsp.core.fixes import apply_edits
from drizzle_lsp.core.folder import SqlDocument
from drizzle_lsp.core.migration import BREAKPOINT, MigrationFile
from drizzle_lsp.core.source import SourceText
from drizzle_lsp.core.tokens import _scan
from drizzle_lsp.engine.analyze import lint_sql, unit_lints
from drizzle_lsp.rules import _plpgsql as plpgsql
from drizzle_lsp.rules import missing_breakpoint, non_idempotent_ddl, syntax_error
from drizzle_lsp.rules._api import SqlContext


def lint(module: object, text: str, breakpoints: bool = True) -> list[Violation]:
    return list(module.check(SqlContext(MigrationFile(text), breakpoints)))  # type: ignore[attr-defined]


def ranges(module: object, text: str) -> list[str]:
    return [text[v.span.start : v.span.end] for v in lint(module, text)]


def fixed(text: str, code: str = "S002") -> str:
    """The text with the first verified fix of ``code`` applied (as the analyzer offers it)."""
    found = [v for v in unit_lints(text, True, frozenset({code})) if v.fix is not None]
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
    (v,) = lint(non_idempotent_ddl, "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';")
    assert v.fix is not None and v.fix.applicability is Applicability.UNSAFE
    assert v.fix.title == "Use CREATE OR REPLACE FUNCTION"


def test_s002_view_fix_keeps_the_view_and_or_replace_is_the_unsafe_alternative() -> None:
    text = "CREATE VIEW v AS SELECT '$$' AS a;"
    (v,) = lint(non_idempotent_ddl, text)
    assert v.fix is not None and v.fix.applicability is Applicability.SAFE
    assert fixed(text) == (
        "DO $do$ BEGIN\nCREATE VIEW v AS SELECT '$$' AS a;\nEXCEPTION\n"
        " WHEN duplicate_table THEN null;\nEND $do$;"
    )
    (alternative,) = v.alternatives
    assert alternative.applicability is Applicability.UNSAFE
    assert apply_edits(text, alternative.edits) == "CREATE OR REPLACE VIEW v AS SELECT '$$' AS a;"


# ---- S002 in DO blocks -------------------------------------------------------------------------


def _handler(*conditions: str, rethrows: bool = False) -> plpgsql.Block:
    return plpgsql.Block((plpgsql.Handler(conditions, rethrows),))


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
    assert plpgsql.caught(code, (_handler(*conditions),)) is caught


def test_handler_that_reraises_catches_nothing_and_inner_block_decides_first() -> None:
    assert not plpgsql.caught("42710", (_handler("duplicate_object", rethrows=True),))
    # the inner block re-raises: the outer one gets the error
    assert plpgsql.caught(
        "42710", (_handler("others"), _handler("duplicate_object", rethrows=True))
    )
    # the inner block's first matching handler wins over later ones
    inner = plpgsql.Block(
        (plpgsql.Handler(("duplicate_object",), True), plpgsql.Handler(("others",), False))
    )
    assert not plpgsql.caught("42710", (inner,))


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


def test_do_catalog_guard_counts_for_the_names_it_looks_up() -> None:
    guarded = (
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_type WHERE typname = 'e') THEN "
        "CREATE TYPE e AS ENUM ('a'); ELSE ALTER TYPE e ADD VALUE 'b'; END IF; END $$;"
    )
    # the ELSE branch runs on every later run: it adds 'b', which the condition does not test
    (v,) = lint(non_idempotent_ddl, guarded)
    assert guarded[v.span.start : v.span.end] == "ADD VALUE 'b'"
    assert "The IF around it does not look up `b`." in v.message


@pytest.mark.parametrize(
    ("condition", "statement"),
    [
        ("EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood')", 'CREATE TYPE "mood"'),
        ("EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood')", "CREATE TYPE Mood"),
        ("EXISTS (SELECT 1 FROM pg_type WHERE typname = 'Mood')", 'CREATE TYPE "Mood"'),
        ("to_regtype('public.\"Mood\"') IS NOT NULL", 'CREATE TYPE "Mood"'),
        ("to_regtype('mood') IS NOT NULL", 'CREATE TYPE "public"."mood"'),
    ],
)
def test_do_catalog_guard_with_the_right_name_is_accepted(condition: str, statement: str) -> None:
    text = f"DO $$ BEGIN IF NOT {condition} THEN {statement} AS ENUM ('a'); END IF; END $$;"
    assert lint(non_idempotent_ddl, text) == []


@pytest.mark.parametrize(
    ("condition", "statement", "name"),
    [
        (
            "EXISTS (SELECT 1 FROM pg_type WHERE typname = 'role')",
            'CREATE TYPE "message_role"',
            "message_role",
        ),
        ("EXISTS (SELECT 1 FROM pg_type WHERE typname = 'Mood')", "CREATE TYPE Mood", "mood"),
        ("EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood')", 'CREATE TYPE "Mood"', "Mood"),
        ("to_regtype('public.Mood') IS NOT NULL", 'CREATE TYPE "Mood"', "Mood"),
        ("EXISTS (SELECT 1 FROM pg_type WHERE typname = v_name)", "CREATE TYPE mood", "mood"),
    ],
)
def test_do_catalog_guard_on_another_name_is_reported(
    condition: str, statement: str, name: str
) -> None:
    text = f"DO $$ BEGIN IF NOT {condition} THEN {statement} AS ENUM ('a'); END IF; END $$;"
    (v,) = lint(non_idempotent_ddl, text)
    assert text[v.span.start : v.span.end] == statement
    assert f"(duplicate_object, 42710). The IF around it does not look up `{name}`." in v.message


def test_do_catalog_guard_of_a_constraint_and_a_data_guard() -> None:
    constraint = (
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'c') THEN "
        "ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY (a) REFERENCES u (id); END IF; END $$;"
    )
    assert lint(non_idempotent_ddl, constraint) == []
    # an INSERT names no catalog object: any lookup around it counts, as before
    seed = (
        "CREATE TABLE IF NOT EXISTS s (k text PRIMARY KEY);\n"
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM s WHERE k = 'x') THEN "
        "INSERT INTO s VALUES ('x'); END IF; END $$;"
    )
    assert lint(non_idempotent_ddl, seed) == []


def test_lookup_strings_read_names_given_as_regclass_text() -> None:
    query = "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'public.\"T\"'::regclass "
    query += "AND attname = 'A' AND x = to_regclass('s.Idx'))"
    found = plpgsql.lookup_strings({"PLpgSQL_expr": {"query": query}})
    assert found == frozenset({"T", "A", "idx"})
    assert plpgsql.lookup_strings({"PLpgSQL_expr": {"query": "v_count = 0"}}) is None


def test_catalog_name_of_a_regclass_text() -> None:
    assert plpgsql.catalog_name("public.Users") == "users"
    assert plpgsql.catalog_name('public."Us""ers"') == 'Us"ers'
    assert plpgsql.catalog_name(' "My Schema" . "T" ') == "T"
    assert plpgsql.catalog_name("f(integer, text)") == "f"


def test_do_nested_do() -> None:
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
    assert statement in first.memo["S002"].findings
    reused = list(
        non_idempotent_ddl.check(SqlContext(MigrationFile(wrapped), True, memo=first.memo))
    )
    fresh = list(non_idempotent_ddl.check(SqlContext(MigrationFile(wrapped), True)))
    assert reused == fresh
    assert all(wrapped[v.span.start : v.span.end] in statement for v in reused)


# ---- S002: what the other statements of the migration change ----------------------------------

FUNCTION = "CREATE FUNCTION f({args}) RETURNS int LANGUAGE sql AS 'SELECT 1'"
PAIRS = [
    ('DROP POLICY IF EXISTS "p" ON "t"', 'CREATE POLICY "p" ON "t" USING (true)'),
    ("DROP POLICY IF EXISTS p ON public.t", 'CREATE POLICY "p" ON "t" USING (true)'),
    (
        'DROP TRIGGER IF EXISTS "tr" ON "t"',
        'CREATE TRIGGER "tr" BEFORE INSERT ON "t" FOR EACH ROW EXECUTE FUNCTION f()',
    ),
    ("DROP FUNCTION IF EXISTS f(integer, text[])", FUNCTION.format(args="a int4, b text[]")),
    ("DROP FUNCTION IF EXISTS public.f", FUNCTION.format(args="a int")),  # one overload in sight
    ("DROP ROUTINE IF EXISTS f(int)", FUNCTION.format(args="IN a int, OUT b int")),
    ("DROP PROCEDURE IF EXISTS p()", "CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1'"),
    ("ALTER TABLE t DROP CONSTRAINT IF EXISTS c", "ALTER TABLE t ADD CONSTRAINT c UNIQUE (a)"),
    ('DROP INDEX IF EXISTS "public"."i"', 'CREATE INDEX "i" ON "t" ("a")'),
    ("DROP INDEX IF EXISTS I", 'CREATE UNIQUE INDEX "i" ON "s"."t" ("a")'),
    ("DROP VIEW IF EXISTS v", 'CREATE VIEW "public"."v" AS SELECT 1'),
    ("DROP MATERIALIZED VIEW IF EXISTS m", "CREATE MATERIALIZED VIEW m AS SELECT 1"),
    ('DROP TYPE IF EXISTS "Mood"', "CREATE TYPE \"Mood\" AS ENUM ('a')"),
    ("DROP TYPE IF EXISTS pair", "CREATE TYPE pair AS (a int, b int)"),
    ("DROP TYPE IF EXISTS word", "CREATE DOMAIN word AS text"),
    ("DROP ROLE IF EXISTS reader", "CREATE ROLE reader"),
]
NOT_PAIRS = [
    ('DROP POLICY IF EXISTS "p" ON "t"', 'CREATE POLICY "p" ON "u" USING (true)'),
    ("DROP FUNCTION IF EXISTS f(text)", FUNCTION.format(args="a int")),
    ("DROP FUNCTION IF EXISTS f(integer)", FUNCTION.format(args="a int, b int")),
    ("DROP PROCEDURE IF EXISTS f", FUNCTION.format(args="")),
    ("ALTER TABLE u DROP CONSTRAINT IF EXISTS c", "ALTER TABLE t ADD CONSTRAINT c UNIQUE (a)"),
    ('DROP INDEX IF EXISTS "I"', 'CREATE INDEX "i" ON "t" ("a")'),
    ('DROP INDEX IF EXISTS "other"."i"', 'CREATE INDEX "i" ON "public"."t" ("a")'),
    ("DROP INDEX i", "CREATE INDEX i ON t (a)"),  # without IF EXISTS: both reported
    ("DROP VIEW IF EXISTS v", "CREATE MATERIALIZED VIEW v AS SELECT 1"),
    ("DROP DOMAIN IF EXISTS mood", "CREATE TYPE mood AS ENUM ('a')"),
    ("DROP TABLE IF EXISTS t", "CREATE TABLE t (a int)"),  # its rows would be lost: reported
]


def _created_ranges(text: str) -> list[str]:
    return [r for r in ranges(non_idempotent_ddl, text) if not r.startswith("DROP")]


@pytest.mark.parametrize(("drop", "create"), PAIRS)
def test_s002_drop_if_exists_then_create_is_idempotent(drop: str, create: str) -> None:
    assert lint(non_idempotent_ddl, f"{drop};\n{create};") == []
    # in the other order the CREATE's second run still fails
    assert _created_ranges(f"{create};\n{drop};") != []


@pytest.mark.parametrize(("drop", "create"), NOT_PAIRS)
def test_s002_drop_of_another_object_does_not_pair(drop: str, create: str) -> None:
    assert _created_ranges(f"{drop};\n{create};") != []


def test_s002_routine_named_alone_pairs_with_one_overload_only() -> None:
    one = f"DROP FUNCTION IF EXISTS f;\n{FUNCTION.format(args='a int')};"
    assert lint(non_idempotent_ddl, one) == []
    two = f"{one}\n{FUNCTION.format(args='a text')};"
    assert len(lint(non_idempotent_ddl, two)) == 2
    # a %TYPE argument cannot be compared: the name decides, with one overload in sight
    typed = f"DROP FUNCTION IF EXISTS f(int);\n{FUNCTION.format(args='a t.c%TYPE')};"
    assert lint(non_idempotent_ddl, typed) == []


def test_s002_drop_and_add_constraint_in_one_alter_table() -> None:
    text = "ALTER TABLE t DROP CONSTRAINT IF EXISTS c, ADD CONSTRAINT c CHECK (a > 0);"
    assert lint(non_idempotent_ddl, text) == []


def test_s002_pairs_in_a_do_block_and_after_it() -> None:
    text = (
        'DROP POLICY IF EXISTS "p" ON "t";\n'
        'DO $$ BEGIN CREATE POLICY "p" ON "t" USING (true); END $$;'
    )
    assert lint(non_idempotent_ddl, text) == []


def _lint_file(text: str) -> list[str]:
    """S002 as the analyzer runs it on a migration file: chunk by chunk, each told what the
    others say."""
    document = SqlDocument(Path("/p/drizzle/0000_x.sql"), "0000_x", SourceText(text))
    found = lint_sql(document, True, frozenset({"S002"}))
    return [text[v.span.start : v.span.end] for v in found]


def test_s002_sees_the_other_chunks_of_the_file() -> None:
    chunks = [
        'CREATE TABLE IF NOT EXISTS "t" ("id" serial PRIMARY KEY, "a" text, "b" text)',
        'DROP POLICY IF EXISTS "p" ON "t"',
        'CREATE POLICY "p" ON "t" USING (true)',
        'CREATE POLICY "q" ON "t" USING (true)',
        'DROP POLICY IF EXISTS "q" ON "t"',
        'INSERT INTO "t" ("id", "a") VALUES (1, \'x\')',
        'UPDATE "t" SET "a" = "b"',
        'ALTER TABLE "t" DROP COLUMN IF EXISTS "b"',
    ]
    text = f"\n{BREAKPOINT}\n".join(f"{c};" for c in chunks)
    assert _lint_file(text) == ['CREATE POLICY "q"', 'INSERT INTO "t"', 'UPDATE "t"']


def test_s002_lints_a_chunk_again_when_another_chunk_changes_what_it_is_told() -> None:
    drop = 'DROP INDEX IF EXISTS "i";\n--> statement-breakpoint\n'
    create = 'CREATE INDEX "i" ON "t" ("a");\n'
    assert _lint_file(create) == ['CREATE INDEX "i"']
    assert _lint_file(drop + create) == []
    assert _lint_file(drop.replace('"i"', '"j"') + create) == ['CREATE INDEX "i"']


def test_s002_update_of_a_column_dropped_later() -> None:
    text = (
        "UPDATE t AS x SET a = b || x.c WHERE (SELECT d FROM u) IS NULL;\n"
        "ALTER TABLE t DROP COLUMN d;\n"
    )
    # `d` inside the subquery is u's: a column of t dropped later is not read
    assert ranges(non_idempotent_ddl, text) == ["DROP COLUMN d"]
    for dropped in ("a", "b", "c"):
        later = f"UPDATE t AS x SET a = b || x.c;\nALTER TABLE t DROP COLUMN IF EXISTS {dropped};"
        (v,) = lint(non_idempotent_ddl, later)
        assert later[v.span.start : v.span.end] == "UPDATE t"
        assert f"drops its column `{dropped}` (undefined_column, 42703)" in v.message
        assert v.fix is None
    # dropped before (the UPDATE fails on the first run already), or another table's column
    for other in (
        "ALTER TABLE t DROP COLUMN IF EXISTS b;\nUPDATE t SET a = b;",
        "UPDATE t SET a = b;\nALTER TABLE u DROP COLUMN IF EXISTS b;",
    ):
        assert lint(non_idempotent_ddl, other) == []


TABLE = 'CREATE TABLE IF NOT EXISTS "t" ("id" serial PRIMARY KEY, "code" text UNIQUE, "n" int);\n'


@pytest.mark.parametrize(
    ("insert", "expected"),
    [
        (
            'INSERT INTO "t" ("code") VALUES (\'a\');',
            'INSERT INTO "t" ("code") VALUES (\'a\') ON CONFLICT DO NOTHING;',
        ),
        (
            'insert into "t" values (1, \'a\', 2) returning "id";',
            'insert into "t" values (1, \'a\', 2) on conflict do nothing returning "id";',
        ),
        (
            'WITH s AS (SELECT 1 AS id) INSERT INTO "t" ("id") TABLE s',
            'WITH s AS (SELECT 1 AS id) INSERT INTO "t" ("id") TABLE s ON CONFLICT DO NOTHING',
        ),
    ],
)
def test_s002_insert_into_a_keyed_table(insert: str, expected: str) -> None:
    (v,) = lint(non_idempotent_ddl, TABLE + insert)
    assert "(unique_violation, 23505)" in v.message
    assert v.fix is not None and v.fix.applicability is Applicability.UNSAFE
    assert apply_edits(TABLE + insert, v.fix.edits) == TABLE + expected


@pytest.mark.parametrize(
    ("statements", "why"),
    [
        ('INSERT INTO "t" ("n") VALUES (1);', "no unique key of `t` stops them"),
        ('INSERT INTO "t" DEFAULT VALUES;', "no unique key of `t` stops them"),
        ('INSERT INTO "t" ("id", "n") VALUES (DEFAULT, 1);', "no unique key of `t` stops them"),
        (
            'INSERT INTO "t" ("id", "code") SELECT nextval(\'s\'), md5(random()::text);',
            "no unique key of `t` stops them",
        ),
        ('CREATE TABLE "l" ("m" text);\nINSERT INTO "l" VALUES (\'x\');', "`l` has no unique key"),
    ],
)
def test_s002_insert_that_adds_its_rows_again(statements: str, why: str) -> None:
    found = lint(non_idempotent_ddl, TABLE + statements)
    (v,) = [v for v in found if "INSERT" in v.message]
    assert "inserts its rows again each time this migration runs: " + why in v.message
    assert v.fix is None


@pytest.mark.parametrize(
    "insert",
    [
        'INSERT INTO "t" ("code") VALUES (\'a\') ON CONFLICT DO NOTHING;',
        'INSERT INTO "t" ("code") VALUES (\'a\') ON CONFLICT ("code") DO UPDATE SET "n" = 1;',
        'INSERT INTO "t" ("code") SELECT \'a\' WHERE NOT EXISTS (SELECT 1 FROM "t");',
        'INSERT INTO "u" ("code") VALUES (\'a\');',  # u's keys are not in sight
        'DO $$ BEGIN INSERT INTO "t" ("code") VALUES (\'a\'); '
        "EXCEPTION WHEN unique_violation THEN null; END $$;",
    ],
)
def test_s002_insert_that_runs_twice(insert: str) -> None:
    assert lint(non_idempotent_ddl, TABLE + insert) == []


def test_s002_insert_keys_from_the_rest_of_the_migration() -> None:
    for keys in (
        'ALTER TABLE "x" ADD CONSTRAINT "x_pk" PRIMARY KEY ("a", "b");',
        'CREATE UNIQUE INDEX "x_ab" ON "x" ("b", "a");',
        'ALTER TABLE "x" ADD COLUMN "a" int UNIQUE;',
    ):
        text = f'INSERT INTO "x" ("a", "b") VALUES (1, 2);\n{keys}'
        assert "(unique_violation, 23505)" in lint(non_idempotent_ddl, text)[0].message
    # a unique index on an expression, or a partial one, says nothing about the columns
    for keys in (
        'CREATE UNIQUE INDEX IF NOT EXISTS "x_a" ON "x" (lower("a"));',
        'CREATE UNIQUE INDEX IF NOT EXISTS "x_a" ON "x" ("a") WHERE "b" > 0;',
    ):
        assert lint(non_idempotent_ddl, f'INSERT INTO "x" ("a") VALUES (1);\n{keys}') == []
