"""Fixes are checked on the statements they touch, all of a rule's at once where they hold
together: the verdicts must be those of applying each fix to the whole chunk and running the
rule on it, and a chunk's checks must not grow with (fixes x statements)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared import PG_REGRESSION, require

from drizzle_lsp.core import migration, pgtree
from drizzle_lsp.core.diagnostics import CHUNK_PATH, Edit, Fix, Severity, Violation
from drizzle_lsp.core.fixes import apply_edits
from drizzle_lsp.core.migration import MigrationFile
from drizzle_lsp.engine import analyze
from drizzle_lsp.engine.sql_fix_check import SqlFixCheck
from drizzle_lsp.rules import SQL_RULES, Rule
from drizzle_lsp.rules._api import Fixability, RuleInfo, Scope, SqlContext

STATEMENTS = [
    'CREATE TABLE "t" (\n\t"id" serial PRIMARY KEY\n);',
    'ALTER TABLE "t" ADD COLUMN "c" integer;',
    'CREATE INDEX "t_idx" ON "t" USING btree ("id");',
    'CREATE UNIQUE INDEX "u_idx" ON "t" ("c");',
    'ALTER TABLE "t" ADD CONSTRAINT "t_fk" FOREIGN KEY ("c") REFERENCES "t"("id");',
    "CREATE TYPE \"mood\" AS ENUM ('sad', 'ok');",
    'DROP INDEX IF EXISTS "t_idx";',
    'INSERT INTO "t" ("id") VALUES (1);',
    'ALTER TABLE "t" DROP COLUMN "c";',
    "SELECT 1; -- a comment after it",
    "/* a comment */ SELECT 2;",
    "SELECT 'café ☕';",
]


def _whole_chunk_verdict(rule: Rule, ctx: SqlContext, before: int, fix: Fix) -> bool:
    """A fix checked as it was before windows: applied to the whole chunk, parsed, counted."""
    if any(e.path != CHUNK_PATH for e in fix.edits):
        return True
    fixed = MigrationFile(apply_edits(ctx.file.text, fix.edits), rule.info.reads_trees)
    if len(fixed.syntax_errors) > len(ctx.file.syntax_errors):
        return False
    fixed_ctx = SqlContext(fixed, ctx.breakpoints, memo=ctx.memo, around=ctx.around)
    return sum(1 for _ in rule.check(fixed_ctx)) < before


def _assert_verdicts_match(rule: Rule, text: str, breakpoints: bool) -> int:
    ctx = SqlContext(MigrationFile(text, rule.info.reads_trees), breakpoints)
    raw = list(rule.check(ctx))
    check = SqlFixCheck(rule, ctx, raw)
    checked = 0
    for v in raw:
        for fix in (v.fix, *v.alternatives):
            if fix is not None:
                assert check(fix) == _whole_chunk_verdict(rule, ctx, len(raw), fix), fix
                checked += 1
    return checked


@settings(max_examples=120, deadline=None)
@given(
    statements=st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=12),
    separator=st.sampled_from(["\n", " ", "\r\n", "\n\n-- between\n"]),
    breakpoints=st.booleans(),
)
def test_verdicts_are_those_of_the_whole_chunk(
    statements: list[str], separator: str, breakpoints: bool
) -> None:
    text = separator.join(statements) + "\n"
    for rule in SQL_RULES:
        _assert_verdicts_match(rule, text, breakpoints)


# ---- a rule whose fixes do not all hold ----------------------------------------------------

_SMALL = re.compile(r"SELECT (\d+)")
SMALL_NUMBERS = RuleInfo("S999", "small-number", Severity.WARNING, Fixability.SOMETIMES,
                         Scope.SQL, "SELECT of a number below 100")  # fmt: skip


def _small_numbers(ctx: SqlContext) -> Iterator[Violation]:
    """Flags `SELECT n` for n < 100. Its fix raises an even n by 100 (holds), breaks the syntax
    of a multiple of 3, and rewrites any other n as it was (does not hold)."""
    for statement in ctx.file.statements:
        text = ctx.file.text[statement.span.start : statement.span.end]
        match = _SMALL.fullmatch(text)
        if match is None or int(match[1]) >= 100:
            continue
        n = int(match[1])
        new = f"SELECT {n + 100}" if n % 2 == 0 else "SELECT (" if n % 3 == 0 else text
        edit = Edit.replace(CHUNK_PATH, statement.span.start, statement.span.end, new)
        yield SMALL_NUMBERS.violation(CHUNK_PATH, statement.span, "small", Fix("raise", (edit,)))


SMALL_RULE = Rule(SMALL_NUMBERS, _small_numbers, "")
# the same, declared statement-local: its fixes are checked on their statements parsed alone
SMALL_LOCAL_RULE = Rule(replace(SMALL_NUMBERS, statement_local=True), _small_numbers, "")


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(0, 120), min_size=1, max_size=40),
    st.sampled_from([SMALL_RULE, SMALL_LOCAL_RULE]),
)
def test_fixes_that_do_not_hold_are_told_apart_from_those_that_do(
    numbers: list[int], rule: Rule
) -> None:
    text = "\n".join(f"SELECT {n};" for n in numbers) + "\n"
    checked = _assert_verdicts_match(rule, text, breakpoints=False)
    assert checked == sum(1 for n in numbers if n < 100)


def test_a_good_fix_among_bad_ones_is_kept():
    text = "\n".join(["SELECT 1;", "SELECT 2;", "SELECT 3;", "SELECT 4;", "SELECT 5;"]) + "\n"
    ctx = SqlContext(MigrationFile(text), breakpoints=False)
    raw = list(SMALL_RULE.check(ctx))
    check = SqlFixCheck(SMALL_RULE, ctx, raw)
    assert [check(v.fix) for v in raw if v.fix] == [False, True, False, True, False]


# ---- linear in the chunk -------------------------------------------------------------------


@pytest.fixture
def parsed_characters(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every text handed to PostgreSQL's parser, for trees or bounds."""
    sizes: list[int] = []
    for name in ("parse", "bounds"):
        real = getattr(pgtree, name)

        def counted(text: str, real=real) -> object:  # type: ignore[no-untyped-def]
            sizes.append(len(text))
            return real(text)

        monkeypatch.setattr(pgtree, name, counted)
    migration.parse_chunk.cache_clear()
    return sizes


@pytest.mark.parametrize("breakpoints", [True, False])
def test_a_chunk_with_a_fix_on_every_statement_is_parsed_a_few_times_only(
    parsed_characters: list[int], breakpoints: bool
) -> None:
    """2,000 statements, each with an S002 fix (and with breakpoints, an S003 one): before
    fixes were checked in windows, each check parsed the whole chunk again (2,000 x the text)."""
    text = "\n".join(
        f'CREATE TABLE "t{i}" ("id" integer);'
        if i % 2
        else f'ALTER TABLE "t" ADD COLUMN "c{i}" int;'
        for i in range(2000)
    )
    analyze.unit_lints.clear()
    found = analyze.unit_lints(text, breakpoints, analyze.ALL_SQL_CODES)
    fixes = sum(1 for v in found if v.fix is not None)
    assert fixes == (3999 if breakpoints else 2000)
    assert sum(parsed_characters) < 8 * len(text)


# ---- fixes proven by their shape (S003) -------------------------------------------------------

S003 = next(rule for rule in SQL_RULES if rule.code == "S003")


def _s003_chunks(texts: list[str], most: int) -> Iterator[SqlContext]:
    """Each chunk of ``texts`` that parses and has at most ``most`` statements, as a context."""
    for text in texts:
        for piece in text.split(migration.BREAKPOINT):
            file = MigrationFile(piece)
            if file.statements and not file.syntax_errors and len(file.statements) <= most:
                yield SqlContext(file, breakpoints=True)


def test_s003s_proof_agrees_with_parsing_on_real_sql() -> None:
    """Every S003 fix proven by its shape holds when applied to its whole chunk and parsed (on
    PostgreSQL's regression SQL: comments between statements, `\\` commands, odd spacing)."""
    require(PG_REGRESSION)
    texts = [path.read_text() for path in sorted(PG_REGRESSION.glob("*.sql"))[::3]]
    proven = 0
    for ctx in _s003_chunks(texts, most=80):
        raw = list(S003.check(ctx))
        for v in raw:
            assert S003.fix_holds is not None and v.fix is not None
            if S003.fix_holds(ctx, v):
                assert _whole_chunk_verdict(S003, ctx, len(raw), v.fix), v
                proven += 1
    assert proven > 300


def test_s003s_proof_leaves_other_shapes_to_parsing() -> None:
    """A marker put anywhere but between two statements is not proven (here: inside a string,
    where the migrator's split would cut the statement in two), and parsing rejects it."""
    text = "SELECT 'a;b';\nSELECT 2;\n"
    ctx = SqlContext(MigrationFile(text), breakpoints=True)
    (v,) = S003.check(ctx)
    inside = text.index(";b")
    bad = Fix("split", (Edit.insert(CHUNK_PATH, inside + 1, "\n" + migration.BREAKPOINT + "\n"),))
    tampered = v.with_fixes(bad, ())
    assert S003.fix_holds is not None
    assert S003.fix_holds(ctx, v) is True
    assert S003.fix_holds(ctx, tampered) is None
    assert SqlFixCheck(S003, ctx, [tampered])(bad) is False


# ---- fixes checked on their own statements (S002) ---------------------------------------------

S002 = next(rule for rule in SQL_RULES if rule.code == "S002")


def test_s002s_verdicts_on_real_sql_are_those_of_the_whole_chunk() -> None:
    """S002's fixes, checked on the statements they touch parsed alone, get the verdicts of
    applying each to its whole chunk (PostgreSQL's regression SQL: DO blocks, comments after
    the `;`, statements without one)."""
    require(PG_REGRESSION)
    texts = [path.read_text() for path in sorted(PG_REGRESSION.glob("*.sql"))[1::4]]
    checked = 0
    for text in texts:
        for piece in text.split(migration.BREAKPOINT):
            file = MigrationFile(piece, trees=True)
            if file.statements and not file.syntax_errors and len(file.statements) <= 60:
                checked += _assert_verdicts_match(S002, piece, breakpoints=True)
    assert checked > 80


@pytest.mark.parametrize("after", [" /*", " --", ";", " SELECT 1"])
def test_a_fix_that_reaches_past_the_statement_is_checked_in_its_chunk(after: str) -> None:
    """Text put after the `;` can change how the rest of the chunk splits (a comment opened
    there swallows the next statement's first line, and the chunk no longer parses): such a
    fix gets the verdict of its whole chunk."""
    text = 'CREATE TABLE "a" ("id" integer); CREATE TABLE "b" (\n"id" integer);\n'
    ctx = SqlContext(MigrationFile(text, trees=True), breakpoints=True)
    raw = list(S002.check(ctx))
    assert len(raw) == 2 and raw[0].fix is not None
    after_semicolon = text.index(";") + 1
    tampered = Fix("tampered", (*raw[0].fix.edits, Edit.insert(CHUNK_PATH, after_semicolon, after)))
    check = SqlFixCheck(S002, ctx, raw)
    assert check(raw[0].fix) is True
    assert check(tampered) == _whole_chunk_verdict(S002, ctx, len(raw), tampered)


def test_fixes_among_many_queries_parse_their_statements_only(
    parsed_characters: list[int],
) -> None:
    """A CREATE TABLE every tenth statement of a long chunk of queries: its fixes' checks
    parse those statements, not the queries between them again."""
    text = "\n".join(
        f'CREATE TABLE "t{i}" ("id" integer);' if i % 10 == 0 else f"SELECT {i} FROM x;"
        for i in range(1000)
    )
    ctx = SqlContext(MigrationFile(text, trees=True), breakpoints=False)
    raw = list(S002.check(ctx))
    parsed_characters.clear()
    check = SqlFixCheck(S002, ctx, raw)
    assert all(check(v.fix) for v in raw if v.fix is not None)
    assert len(raw) == 100
    assert sum(parsed_characters) < len(text) / 2
