"""S002 non-idempotent-ddl: DDL that fails or changes meaning when run twice.

## What it does
Reports each statement that fails, or does something different, when its migration runs a second
time on the same database:

- `CREATE TABLE` / `INDEX` / `SEQUENCE` / `MATERIALIZED VIEW`, `CREATE TABLE AS`: fail with
  `duplicate_table` (42P07). Fix: `IF NOT EXISTS`.
- `CREATE SCHEMA` (`duplicate_schema`, 42P06), `CREATE EXTENSION` (`duplicate_object`, 42710).
  Fix: `IF NOT EXISTS`.
- `CREATE INDEX` without a name: builds a second, identical index. No fix: name it.
- `CREATE VIEW` (42P07). Fix: wrap in a `DO` block catching `duplicate_table`, which keeps the
  existing view; `OR REPLACE` is offered too (unsafe, see below).
- `CREATE FUNCTION` / `PROCEDURE` (`duplicate_function`, 42723), `CREATE TRIGGER` (42710).
  Fix: `OR REPLACE` (unsafe, see below; triggers need PostgreSQL 14).
- `CREATE TYPE` (enum, composite, range), `CREATE DOMAIN`, `CREATE POLICY`, `CREATE ROLE`,
  `CREATE CONSTRAINT TRIGGER`: `duplicate_object` (42710), and no `IF NOT EXISTS` exists.
  Fix: wrap in a `DO` block.
- `ALTER TABLE ... ADD COLUMN` (`duplicate_column`, 42701). Fix: `IF NOT EXISTS`. Each command of
  an `ALTER TABLE` is checked on its own.
- `ALTER TABLE ... ADD CONSTRAINT`: a foreign key or check fails with `duplicate_object` (42710);
  a UNIQUE or EXCLUDE constraint with `duplicate_table` (42P07), since its index name collides
  first; a PRIMARY KEY with `invalid_table_definition` (42P16), since "multiple primary keys" is
  checked before the name. Fix: wrap in a `DO` block. Without a name (`ADD CHECK (...)`,
  `ADD FOREIGN KEY ...`) a second, identical constraint is added. No fix: name it.
- `ALTER TABLE ... DROP COLUMN` (`undefined_column`, 42703), `DROP CONSTRAINT`
  (`undefined_object`, 42704). Fix: `IF EXISTS`.
- `DROP TABLE` / `VIEW` / `MATERIALIZED VIEW` / `SEQUENCE` / `INDEX` / `TYPE` / `DOMAIN` /
  `SCHEMA` / `FUNCTION` / `PROCEDURE` / `EXTENSION` / `TRIGGER` / `POLICY` / `ROLE` and a few
  more (`undefined_table`, `undefined_object`, ...). Fix: `IF EXISTS`.
- `ALTER TYPE ... ADD VALUE` (`duplicate_object`, 42710). Fix: `IF NOT EXISTS`.
- `RENAME` (of a table, column, constraint, type, enum value, ...) and `SET SCHEMA`: the old name
  no longer exists. No fix.
- `UPDATE` of a table a later statement of the migration drops a column of, when the UPDATE sets
  or reads that column (`UPDATE t SET a = b || c` before `ALTER TABLE t DROP COLUMN b`): the
  column is gone on the second run (`undefined_column`, 42703). No fix.
- `INSERT` without `ON CONFLICT` into a table the migration creates, or declares a PRIMARY KEY,
  UNIQUE constraint or unique index of: when the inserted columns hold a whole key, the second
  run fails (`unique_violation`, 23505; fix: `ON CONFLICT DO NOTHING`, unsafe, see below);
  otherwise it inserts the rows again (no fix). A key column given a new value each run
  (`gen_random_uuid()`, `nextval()`, `now()`, `DEFAULT`) holds no key. Not reported: an INSERT
  whose SELECT reads the table it fills (`WHERE NOT EXISTS (SELECT ... FROM t ...)`), and one
  into a table only earlier migrations create (its keys are not in sight).

S002 reads each statement with the others of its migration file, across breakpoints (not other
files). A `DROP ... IF EXISTS` of an object before its `CREATE` makes the pair idempotent, and
the `CREATE` is not reported: for views, materialized views, indexes, functions, procedures,
triggers, policies, `ADD CONSTRAINT`, types, domains and roles. Names compare as PostgreSQL
stores them (unquoted names folded to lower case); a schema only when both statements write one;
a trigger, policy or constraint on the same table; a function by its argument types (`integer`
is `int4`), or by its name alone when the `DROP` lists no types and one version of the function
is created in the file. Tables, sequences, schemas and extensions do not pair: dropped again on
a second run, they lose what they hold. (A `DROP` of an object other objects depend on fails
anyway, `dependent_objects_still_exist`: drop the dependants first.)

A statement inside a `DO` block is fine when an `EXCEPTION` handler around it catches the error
its second run raises: `WHEN duplicate_object`, `WHEN SQLSTATE '42710'`, a whole class such as
`WHEN syntax_error_or_access_rule_violation`, or `WHEN others`. A handler that re-raises (`RAISE;`
or `RAISE EXCEPTION`) catches nothing. drizzle-kit 0.2x wraps foreign keys and enums in
`EXCEPTION WHEN duplicate_object`, which is right for them, but a UNIQUE constraint's second run
raises `duplicate_table` and a PRIMARY KEY's `invalid_table_definition`, which that handler lets
through: those are reported, with a fix that adds the missing condition to the handler.
A statement under an `IF` whose condition looks an object up in the catalog (an `EXISTS (...)`
subquery or a `to_regclass()`-style function) is taken as guarded when a string constant in the
condition is the name the statement creates, drops or renames, as the catalog holds it:
`typname = 'message_role'` guards `CREATE TYPE "message_role"` and `CREATE TYPE Message_Role`
(folded), `typname = 'role'` guards neither, and is reported; text given to `to_regclass()` or
cast to a `reg...` type is read as a name (`'public."Users"'` is `Users`). A condition that
compares with a variable names nothing. Statements that name no catalog object (`INSERT`,
`UPDATE`) are guarded by any lookup, such as `IF NOT EXISTS (SELECT 1 FROM settings WHERE ...)`.
Dynamic SQL (`EXECUTE '...'`) is not checked. Temporary objects are ignored.

## Why is this bad?
The drizzle-orm migrator runs a migration again when its journal entry has to be re-dated (J001,
J005): every database that already applied it then runs it a second time, and the first
non-idempotent statement aborts the whole batch. Statements that do not fail are no better: an
unnamed index or constraint is silently created twice, an INSERT's rows are added again.
Under the v1 migrator (see "0.x or v1?" in the README) a migration runs again when its folder
is renamed after it was applied, and one merged late runs after newer ones on existing databases.
With `s002-scope = "at-risk"`, S002 then looks at the migrations V001 flags, and, while the
journal waits for `drizzle-kit up` (J008), at the entries 0.x skipped (those J001 would flag),
which the first v1 `migrate()` runs after the newer ones.

With the `neon-http` or `xata-http` driver (the `driver` setting) it is an error: those run a
migration without a transaction, so one that fails half-way leaves what ran applied with no row
recorded, and the next deploy runs it again.

## Example
```sql
CREATE TABLE "users" ("id" serial PRIMARY KEY);
ALTER TABLE "posts" ADD COLUMN "author_id" integer;
ALTER TABLE "posts" ADD CONSTRAINT "posts_author_fk" FOREIGN KEY ("author_id")
  REFERENCES "users"("id");
CREATE TYPE "mood" AS ENUM ('sad', 'happy');
DROP INDEX "posts_title_idx";
CREATE VIEW "post_titles" AS SELECT "id", "title" FROM "posts";
INSERT INTO "users" ("id") VALUES (1);
```

## Use instead
```sql
CREATE TABLE IF NOT EXISTS "users" ("id" serial PRIMARY KEY);
ALTER TABLE "posts" ADD COLUMN IF NOT EXISTS "author_id" integer;
DO $$ BEGIN
ALTER TABLE "posts" ADD CONSTRAINT "posts_author_fk" FOREIGN KEY ("author_id")
  REFERENCES "users"("id");
EXCEPTION
 WHEN duplicate_object OR duplicate_table THEN null;
END $$;
DO $$ BEGIN
CREATE TYPE "mood" AS ENUM ('sad', 'happy');
EXCEPTION
 WHEN duplicate_object OR duplicate_table THEN null;
END $$;
DROP INDEX IF EXISTS "posts_title_idx";
DO $$ BEGIN
CREATE VIEW "post_titles" AS SELECT "id", "title" FROM "posts";
EXCEPTION
 WHEN duplicate_table THEN null;
END $$;
INSERT INTO "users" ("id") VALUES (1) ON CONFLICT DO NOTHING;
```

## Fix safety
The fixes splice the fewest words into your text (` IF NOT EXISTS`, ` IF EXISTS`, ` OR REPLACE`,
` ON CONFLICT DO NOTHING`) or wrap the statement, untouched, in a `DO` block whose handler
catches `duplicate_object OR duplicate_table` (plus `invalid_table_definition` for a PRIMARY
KEY; `duplicate_table` alone for a view): PostgreSQL has no `IF NOT EXISTS` for constraints,
types and views. Each is verified to parse and was run twice against PostgreSQL 15 in the test
suite. They only change what happens when the object already exists: the statement is skipped
instead of failing. When the existing object differs from the one the statement would create (a
later migration changed it), it stays as it is.

`OR REPLACE` fixes are unsafe: on a second run they replace the view, function or trigger with
this migration's version, silently reverting any later migration that redefined it (and a view
whose later version has more columns makes the replacement fail). Review them, or apply them
with `--unsafe-fixes`. For a view, the `DO` block is the fix and `OR REPLACE` the alternative.

`ON CONFLICT DO NOTHING` is unsafe too: it is what a second run needs, but on the first run as
well it skips, silently, each row whose key is already there (a row another migration or a user
inserted), where the statement as written fails and tells you.

RENAME and SET SCHEMA, and an UPDATE of a column dropped later, have no safe rewrite: guard them
in a `DO` block with an `EXCEPTION WHEN undefined_column` (or `undefined_table`,
`undefined_object`) handler, or make sure the migration never runs twice.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, NamedTuple, Protocol

from pglast.enums import AlterTableType, ConstrType, ObjectType

from drizzle_lsp.core import pgtree
from drizzle_lsp.core.diagnostics import Applicability, Edit, Fix, Severity, Span, Violation
from drizzle_lsp.core.migration import MigrationFile, Statement
from drizzle_lsp.core.pgtree import ParseError
from drizzle_lsp.core.text import TextIndex, newline_of
from drizzle_lsp.core.tokens import Token, code_tokens
from drizzle_lsp.rules import _migration_facts as facts
from drizzle_lsp.rules import _plpgsql as plpgsql
from drizzle_lsp.rules._api import (
    CHUNK_PATH,
    Across,
    Fixability,
    RuleInfo,
    Scope,
    SqlContext,
    fit_title,
)
from drizzle_lsp.rules._sqlstate import CONDITIONS

RULE = RuleInfo(
    code="S002",
    name="non-idempotent-ddl",
    severity=Severity.WARNING,
    fixability=Fixability.SOMETIMES,
    scope=Scope.SQL,
    summary="DDL that fails or changes meaning when run twice",
    reads_trees=True,
    statement_local=True,  # what the rest of the migration says comes from the memo's Sight
)

_NAME_OF = {code: name for name, code in reversed(CONDITIONS.items())}
_WRAP_CONDITIONS = ("duplicate_object", "duplicate_table")
_PK_CONDITION = "invalid_table_definition"
UNKNOWN = ""  # an error we cannot name: only `WHEN others` catches it
_OWNERS = itertools.count(1)  # tells the exception blocks of nested DO statements apart


def check(ctx: SqlContext) -> Iterator[Violation]:
    memory = ctx.memo.setdefault(RULE.code, _Memory())
    if memory.sight is None:
        memory.sight = facts.Sight(_summary_of(ctx.file), ctx.around.get(RULE.code))
    sight, memo = memory.sight, memory.findings
    for number, statement in enumerate(ctx.file.statements, ctx.first_statement):
        node = ctx.file.tree(statement)
        if node.type_name not in _CHECKS and node.type_name != "DoStmt":
            continue  # not DDL we know: no need for its tokens
        stmt = _Stmt.of_file(ctx.file, statement, node)
        try:
            findings = list(_findings(stmt, (), memo, _Where(sight, number)))
        except _NoTokens:
            continue  # nothing to point at
        wrap = _wrap_fix(stmt, findings)
        for finding in findings:
            fix = finding.fix if finding.fix is not None else (wrap if finding.wrap else None)
            yield RULE.violation(ctx.path, finding.span, finding.message, fix, finding.alternatives)


# ---- what the other statements of the migration tell a statement ---------------------------------

# chunk text -> its summary; the oldest go first (a plain dict: a chunk's summary is asked for
# on every edit of its file, and an LRU's bookkeeping costs more than a summary now and then)
_SUMMARIES: dict[str, facts.Summary | None] = {}
_SUMMARIES_KEPT = 65536


def _summary(text: str) -> facts.Summary | None:
    """What the statements of a chunk tell the other chunks of its file, and need from them. The
    check of a chunk leaves its summary here: the analyzer asks right after (only a chunk whose
    result came from elsewhere, a forked linter, is parsed again)."""
    if text in _SUMMARIES:
        return _SUMMARIES[text]
    return _summary_of(MigrationFile(text, trees=True))


def _summary_of(file: MigrationFile) -> facts.Summary | None:
    if file.text in _SUMMARIES:
        return _SUMMARIES[file.text]
    if len(_SUMMARIES) >= _SUMMARIES_KEPT:
        del _SUMMARIES[next(iter(_SUMMARIES))]
    summary = _SUMMARIES[file.text] = facts.summarize(file.tree(s) for s in file.statements)
    return summary


ACROSS = Across(_summary, facts.arounds, _summary_of)


class _Where(NamedTuple):
    """A statement's place in its migration: what the rest tells it, and its number in its text
    (a named tuple: one is made for every statement checked)."""

    sight: facts.Sight
    number: int


# ---- statements and their tokens ----------------------------------------------------------------


class _NoTokens(Exception):
    """A statement the scanner gives no tokens for: it is skipped."""


class _Stmt:
    """One statement: the text it lives in, its bounds, its parse tree and its tokens.

    The tokens are scanned when first read: most checks of an idempotent statement (the one a
    fix made, when the fix is verified) look at the tree only.
    """

    def __init__(
        self,
        text: str,
        base: int,
        start: int,
        end: int,
        terminator: int | None,
        node: Any,
        tokens: tuple[Token, ...] | None = None,
        newline: str | None = None,
    ) -> None:
        self.text = text
        self.base = base  # node locations count from here (the chunk's start)
        self.start, self.end, self.terminator = start, end, terminator
        self.node = node
        self._newline = newline
        if tokens is not None:
            self.tokens = tokens

    @cached_property
    def tokens(self) -> tuple[Token, ...]:
        tokens = code_tokens(self.text[self.start : self.end], self.start)
        if not tokens:
            raise _NoTokens
        return tokens

    @cached_property
    def _starts(self) -> list[int]:
        return [t.start for t in self.tokens]

    @classmethod
    def of_file(cls, file: MigrationFile, statement: Statement, node: pgtree.Node) -> _Stmt:
        base = file.chunks[statement.chunk].span.start
        start, end = statement.span.start, statement.span.end
        return cls(file.text, base, start, end, statement.terminator, node, newline=file.newline)

    def at(self, location: int | None) -> int | None:
        """Index of the token a node ``location`` points at."""
        if location is None or location < 0:
            return None
        i = bisect.bisect_left(self._starts, self.base + location)
        return i if i < len(self.tokens) and self._starts[i] == self.base + location else None

    def find(self, *names: str, start: int = 0) -> int | None:
        """Index of the first token at or after ``start`` named one of ``names``."""
        for i in range(start, len(self.tokens)):
            if self.tokens[i].name in names:
                return i
        return None

    def is_(self, i: int, *names: str) -> bool:
        return 0 <= i < len(self.tokens) and self.tokens[i].name in names

    def name_end(self, i: int) -> int:
        """Index of the last token of the (possibly qualified) name starting at token ``i``."""
        while self.is_(i + 1, "ASCII_46") and i + 2 < len(self.tokens):
            i += 2
        return i

    def span(self, i: int, j: int) -> Span:
        return Span(self.tokens[i].start, self.tokens[j].end)

    def words(self, i: int, j: int) -> str:
        """Tokens ``i..j`` as upper-case keywords, for fix titles: ``CREATE UNIQUE INDEX``."""
        return " ".join(t.text(self.text).upper() for t in self.tokens[i : j + 1])

    def quote(self, i: int, j: int) -> str:
        """Source text of tokens ``i..j`` on one line, for messages."""
        return " ".join(self.text[self.tokens[i].start : self.tokens[j].end].split())

    def insert_after(self, i: int, words: str, title: str, unsafe: bool = False) -> Fix:
        """Insert keywords after token ``i``, in lower case when that token is written so."""
        if self.tokens[i].text(self.text).islower():
            words = words.lower()
        edit = Edit.insert(CHUNK_PATH, self.tokens[i].end, words)
        applicability = Applicability.UNSAFE if unsafe else Applicability.SAFE
        return Fix(title, (edit,), applicability)

    @property
    def newline(self) -> str:
        """The line break of the text (given by a file, which looks once for all statements)."""
        if self._newline is None:
            self._newline = newline_of(self.text)
        return self._newline


@dataclass(frozen=True, slots=True)
class _Finding:
    span: Span
    problem: str  # what a second run does
    remedy: str  # what to write instead
    errors: frozenset[str]  # SQLSTATEs the second run raises; empty: it raises none
    fix: Fix | None = None  # a splice, in the coordinates of the statement's text
    wrap: tuple[str, ...] = ()  # conditions a DO block around the statement must catch
    note: str = ""  # what a surrounding DO block's handler or IF misses
    alternatives: tuple[Fix, ...] = ()  # further fixes, offered in the editor
    needs: _Need | None = None  # whether it holds depends on the rest of the migration

    @property
    def message(self) -> str:
        return " ".join(part for part in (self.problem, self.note, self.remedy) if part)


def _fails(what: str, why: str, code: str) -> str:
    # the consequence and the error (its SQLSTATE: tests check it against PostgreSQL), short:
    # the rule page explains (codeDescription links it)
    why = _SAID_BY_WHAT.sub(r"it \1", why)
    return f"`{what}` fails if run twice: {why} ({_NAME_OF[code]}, {code})."


# "the relation already exists": the statement quoted before it names what exists
_SAID_BY_WHAT = re.compile(
    r"^the (?:column|relation|table|view|type|schema|extension|trigger|role|"
    r"constraint|domain|policy|sequence|index|function|procedure) "
    r"(already exists|is already gone)$"
)


# statement text -> where it started and what was found there: a statement's findings depend
# on its text only (a DO statement's on the handlers around it too: those are not kept)
_Memo = dict[str, tuple[int, tuple[_Finding, ...]]]


@dataclass(slots=True)
class _Memory:
    """What S002 keeps of a chunk's check (``SqlContext.memo``) for the checks of its fixes: the
    findings of each statement, and what the migration tells the chunk (a fix moves no
    statement, and verifying it needs no new summary)."""

    findings: _Memo = field(default_factory=dict)
    sight: facts.Sight | None = None


def _findings(
    stmt: _Stmt, handlers: tuple[plpgsql.Block, ...], memo: _Memo, where: _Where
) -> Iterator[_Finding]:
    if stmt.node.type_name == "DoStmt":
        yield from _do_findings(stmt, handlers, memo, where)
        return
    checker = _CHECKS.get(stmt.node.type_name)
    if checker is None or not _may_hold(stmt.node, where.sight):
        return
    text = stmt.text[stmt.start : stmt.end]
    if text not in memo:
        memo[text] = (stmt.start, tuple(checker(stmt)))
    found = _remembered(memo, text, stmt.start)
    if any(f.needs is not None for f in memo[text][1]):
        found = _resolved(found, where)
    yield from found


def _may_hold(node: pgtree.Node, sight: facts.Sight) -> bool:
    """Whether a statement can be a finding, given what the rest of the migration does: an
    INSERT only into a table the migration creates or declares a key of (as ``_FillsTable``
    resolves it), an UPDATE only where a column is dropped (most migrations: neither, and its
    tokens are not even scanned)."""
    kind = node.type_name
    if kind == "InsertStmt":
        if not sight.declares_tables:
            return False
        table = facts.filled_table(node.json)
        return table is not None and any(sight.keys(table))
    if kind == "UpdateStmt":
        return sight.drops_columns
    return True


def _remembered(memo: _Memo, text: str, start: int) -> Iterator[_Finding]:
    """The findings of a statement of this ``text`` checked before, moved to ``start``."""
    then, findings = memo[text]
    delta = start - then
    for finding in findings:
        if delta == 0:
            yield finding
            continue
        fix = finding.fix.shifted(delta) if finding.fix is not None else None
        alternatives = tuple(a.shifted(delta) for a in finding.alternatives)
        span = finding.span.shifted(delta)
        yield replace(finding, span=span, fix=fix, alternatives=alternatives)


def _resolved(findings: Iterable[_Finding], where: _Where) -> Iterator[_Finding]:
    """The findings that hold, given what the rest of the migration does (see ``_Need``)."""
    for finding in findings:
        if finding.needs is None:
            yield finding
            continue
        resolved = finding.needs.resolve(finding, where)
        if resolved is not None:
            yield resolved


def _pair_of(stmt: _Stmt) -> _Paired | None:
    """What a CREATE's finding needs: no DROP ... IF EXISTS of its object before it."""
    named = facts.created(stmt.node)
    return _Paired(named) if named is not None else None


class _Need(Protocol):
    """What decides, from the rest of the migration, whether a finding holds."""

    def resolve(self, finding: _Finding, where: _Where) -> _Finding | None:
        """The finding as it holds at ``where`` (None: it does not)."""
        ...


class _Paired(NamedTuple):
    """A CREATE: idempotent when an earlier statement of the migration drops the object with
    `IF EXISTS` (the second run drops it, then creates it again)."""

    named: facts.Named
    command: int = 0  # its command's number in an ALTER TABLE

    def resolve(self, finding: _Finding, where: _Where) -> _Finding | None:
        dropped = where.sight.dropped_before(self.named, (where.number, self.command))
        return None if dropped else finding


class _UsesColumns(NamedTuple):
    """An UPDATE: its second run fails when a later statement drops a column it sets or reads."""

    table: str
    columns: frozenset[str]
    what: str  # the statement's head, for the message

    def resolve(self, finding: _Finding, where: _Where) -> _Finding | None:
        column = where.sight.dropped_later(self.table, self.columns, (where.number, 0))
        if column is None:
            return None
        why = f"a later statement of this migration drops its column `{column}`"
        return replace(finding, problem=_fails(self.what, why, "42703"), needs=None)


class _FillsTable(NamedTuple):
    """An INSERT without ON CONFLICT into a table the migration creates or declares a unique key
    of: its second run fails on the key (when it inserts the key's columns) or adds its rows
    again. Tables only earlier migrations know are left alone: their keys are not in sight."""

    table: str
    columns: tuple[str, ...] | None  # None: all, in order
    what: str

    def resolve(self, finding: _Finding, where: _Where) -> _Finding | None:
        keys, created = where.sight.keys(self.table)
        if not keys and not created:
            return None
        given = None if self.columns is None else set(self.columns)
        if keys and (given is None or any(key <= given for key in keys)):
            return replace(finding, needs=None)  # as found: unique_violation, ON CONFLICT
        return self._added_again(finding, keyed=bool(keys))

    def _added_again(self, finding: _Finding, keyed: bool) -> _Finding:
        """The INSERT adds its rows again: no error to catch, and ON CONFLICT would not help."""
        why = (
            f"no unique key of `{self.table}` stops them (its columns are not inserted, or get "
            "new values each run: `gen_random_uuid()`, `nextval()`, `DEFAULT`)"
            if keyed
            else f"`{self.table}` has no unique key to stop them"
        )
        first = "Insert a unique key's values" if keyed else "Give it a unique key"
        return replace(
            finding,
            problem=f"`{self.what}` inserts its rows again each time this migration runs: {why}.",
            remedy=f"{first} and add `ON CONFLICT DO NOTHING`, or insert only the rows that are "
            "missing (`INSERT ... SELECT ... WHERE NOT EXISTS (...)`).",
            errors=frozenset(),
            fix=None,
            needs=None,
        )


# ---- CREATE ... IF NOT EXISTS -----------------------------------------------------------------


def _create_if_not_exists(
    stmt: _Stmt, keyword: int | None, name: int | None, why: str, code: str
) -> Iterator[_Finding]:
    """CREATE ... <keyword> <name>: insert IF NOT EXISTS after the keyword."""
    if keyword is None:
        return
    last = stmt.name_end(name) if name is not None else keyword
    head = stmt.words(0, keyword)
    yield _Finding(
        stmt.span(0, last),
        _fails(stmt.quote(0, last), why, code),
        f"Write `{head} IF NOT EXISTS`.",
        frozenset({code}),
        stmt.insert_after(keyword, " IF NOT EXISTS", f"Use {head} IF NOT EXISTS"),
        needs=_pair_of(stmt),
    )


def _create_relation(stmt: _Stmt, keyword: int | None, name: int | None) -> Iterator[_Finding]:
    """CREATE TABLE / SEQUENCE / INDEX / MATERIALIZED VIEW: a second run finds the relation."""
    return _create_if_not_exists(stmt, keyword, name, "the relation already exists", "42P07")


def _temporary(relation: Any) -> bool:
    return getattr(relation, "relpersistence", "p") == "t"


def _create_table(stmt: _Stmt) -> Iterator[_Finding]:
    node = stmt.node
    # CREATE TABLE IF NOT EXISTS is idempotent; a temporary table lives for one session
    if node.if_not_exists or _temporary(node.relation):
        return
    yield from _create_relation(stmt, stmt.find("TABLE"), stmt.at(node.relation.location))


def _create_table_as(stmt: _Stmt) -> Iterator[_Finding]:
    node = stmt.node
    if node.if_not_exists or node.into is None or _temporary(node.into.rel):
        return
    if node.objtype not in (ObjectType.OBJECT_MATVIEW, ObjectType.OBJECT_TABLE):
        return
    keyword = "VIEW" if node.objtype == ObjectType.OBJECT_MATVIEW else "TABLE"
    yield from _create_relation(stmt, stmt.find(keyword), stmt.at(node.into.rel.location))


def _create_sequence(stmt: _Stmt) -> Iterator[_Finding]:
    node = stmt.node
    if node.if_not_exists or _temporary(node.sequence):
        return
    yield from _create_relation(stmt, stmt.find("SEQUENCE"), stmt.at(node.sequence.location))


def _create_index(stmt: _Stmt) -> Iterator[_Finding]:
    node = stmt.node
    if node.if_not_exists:
        return
    keyword = stmt.find("INDEX")
    if keyword is None:
        return
    if stmt.is_(keyword + 1, "CONCURRENTLY"):
        keyword += 1
    if node.idxname:
        yield from _create_relation(stmt, keyword, keyword + 1)
        return
    # an unnamed index gets a fresh name each time: no error, a duplicate index
    relation = stmt.at(node.relation.location)
    last = stmt.name_end(relation) if relation is not None else keyword
    yield _Finding(
        stmt.span(0, last),
        f"`{stmt.quote(0, last)}` has no name: each run of this migration builds another, "
        "identical index.",
        "Name the index and write `CREATE INDEX IF NOT EXISTS <name>`.",
        frozenset(),
    )


def _create_schema(stmt: _Stmt) -> Iterator[_Finding]:
    node = stmt.node
    if node.if_not_exists:
        return
    keyword = stmt.find("SCHEMA")
    if keyword is None:
        return
    name = keyword + 1 if node.schemaname else stmt.find("AUTHORIZATION", start=keyword)
    if name is not None and not node.schemaname:
        name += 1
    found = next(
        _create_if_not_exists(stmt, keyword, name, "the schema already exists", "42P06"), None
    )
    if found is None:
        return
    if node.schemaElts:
        # CREATE SCHEMA IF NOT EXISTS cannot include schema elements
        found = replace(
            found,
            fix=None,
            remedy="Create the schema alone with `CREATE SCHEMA IF NOT EXISTS` and its objects "
            "in statements of their own.",
        )
    yield found


def _create_extension(stmt: _Stmt) -> Iterator[_Finding]:
    if stmt.node.if_not_exists:
        return
    keyword = stmt.find("EXTENSION")
    if keyword is None:
        return
    yield from _create_if_not_exists(
        stmt, keyword, keyword + 1, "the extension already exists", "42710"
    )


# ---- CREATE OR REPLACE ------------------------------------------------------------------------


def _or_replace(stmt: _Stmt, keyword: int | None, name: int | None, code: str) -> _Finding | None:
    if keyword is None:
        return None
    last = stmt.name_end(name) if name is not None else keyword
    head = f"CREATE OR REPLACE {stmt.words(1, keyword)}"
    kind = stmt.words(keyword, keyword).lower()
    why = {
        "42723": "a function with the same argument types already exists",
        "42P07": "the relation already exists",
    }.get(code, f"the {kind} already exists")
    return _Finding(
        stmt.span(0, last),
        _fails(stmt.quote(0, last), why, code),
        f"Write `{head}`.",
        frozenset({code}),
        stmt.insert_after(0, " OR REPLACE", f"Use {head}", unsafe=True),
        needs=_pair_of(stmt),
    )


def _create_view(stmt: _Stmt) -> Iterator[_Finding]:
    """Safe fix: a DO block that keeps an existing view as it is; OR REPLACE, the alternative,
    puts this migration's definition back."""
    node = stmt.node
    if node.replace or _temporary(node.view):
        return  # decided by the tree: its tokens are not scanned
    keyword = stmt.find("VIEW")
    if keyword is None:
        return
    found = _or_replace(stmt, keyword, stmt.at(node.view.location), "42P07")
    if found is None or found.fix is None:
        return
    yield replace(
        found,
        remedy="Wrap the statement in `DO $$ BEGIN ... EXCEPTION WHEN duplicate_table THEN null; "
        "END $$` (an existing view stays as it is), or write "
        f"`CREATE OR REPLACE {stmt.words(1, keyword)}` (it puts this definition back).",
        fix=None,
        wrap=("duplicate_table",),
        alternatives=(found.fix,),
    )


def _create_function(stmt: _Stmt) -> Iterator[_Finding]:
    if stmt.node.replace:
        return  # decided by the tree: the body's tokens are not scanned
    keyword = stmt.find("FUNCTION", "PROCEDURE")
    if keyword is None:
        return
    found = _or_replace(stmt, keyword, keyword + 1, "42723")
    if found is not None:
        yield found


def _create_trigger(stmt: _Stmt) -> Iterator[_Finding]:
    node = stmt.node
    if node.replace:
        return
    keyword = stmt.find("TRIGGER")
    if keyword is None:
        return
    if not node.isconstraint:
        found = _or_replace(stmt, keyword, keyword + 1, "42710")
        if found is not None:
            yield found
        return
    # CREATE OR REPLACE CONSTRAINT TRIGGER does not exist
    yield _wrapped(
        stmt, keyword, keyword + 1, "the trigger already exists", "42710", "CREATE TRIGGER"
    )


# ---- CREATE TYPE & co: no IF NOT EXISTS, wrap in DO ---------------------------------------------


def _wrapped(
    stmt: _Stmt, keyword: int, name: int | None, why: str, code: str, what: str
) -> _Finding:
    last = stmt.name_end(name) if name is not None and name < len(stmt.tokens) else keyword
    return _Finding(
        stmt.span(0, last),
        _fails(stmt.quote(0, last), why, code),
        f"No `{what} IF NOT EXISTS` exists: wrap it in a DO block catching the error.",
        frozenset({code}),
        wrap=_WRAP_CONDITIONS,
        needs=_pair_of(stmt),
    )


def _create_type(keyword_name: str, what: str) -> Callable[[_Stmt], Iterator[_Finding]]:
    def create(stmt: _Stmt) -> Iterator[_Finding]:
        keyword = stmt.find(keyword_name)
        if keyword is None:
            return
        yield _wrapped(
            stmt,
            keyword,
            keyword + 1,
            f"the {what.split()[-1].lower()} already exists",
            "42710",
            what,
        )

    return create


def _create_role(stmt: _Stmt) -> Iterator[_Finding]:
    if len(stmt.tokens) < 2:
        return
    yield _wrapped(stmt, 1, 2, "the role already exists", "42710", f"CREATE {stmt.words(1, 1)}")


# ---- ALTER TABLE --------------------------------------------------------------------------------


def _alter_table(stmt: _Stmt) -> Iterator[_Finding]:
    node = stmt.node
    commands = _command_tokens(stmt)
    # ALTER TYPE ... ADD/DROP ATTRIBUTE parses as ALTER TABLE on a composite type
    column = "ATTRIBUTE" if node.objtype == ObjectType.OBJECT_TYPE else "COLUMN"
    for n, cmd in enumerate(node.cmds or ()):
        first = commands[n] if commands is not None else None
        if cmd.subtype == AlterTableType.AT_AddColumn:
            yield from _add_column(stmt, cmd, first, column)
        elif cmd.subtype == AlterTableType.AT_DropColumn:
            why = f"the {column.lower()} is already gone"
            yield from _drop_subobject(stmt, cmd, first, column, why, "42703")
        elif cmd.subtype == AlterTableType.AT_DropConstraint:
            yield from _drop_subobject(
                stmt, cmd, first, "CONSTRAINT", "the constraint is already gone", "42704"
            )
        elif cmd.subtype == AlterTableType.AT_AddConstraint:
            yield from _add_constraint(stmt, cmd, first, n)


def _command_tokens(stmt: _Stmt) -> list[int] | None:
    """Index of the first token of each ALTER TABLE command (split at top-level commas)."""
    relation = stmt.at(getattr(stmt.node.relation, "location", None))
    if relation is None:
        return None
    i = stmt.name_end(relation) + 1
    if stmt.is_(i, "ASCII_42"):  # ALTER TABLE t * ...
        i += 1
    starts, depth = [i], 0
    for j in range(i, len(stmt.tokens)):
        name = stmt.tokens[j].name
        if name in ("ASCII_40", "ASCII_91"):
            depth += 1
        elif name in ("ASCII_41", "ASCII_93"):
            depth -= 1
        elif name == "ASCII_44" and depth == 0:
            starts.append(j + 1)
    return starts if len(starts) == len(stmt.node.cmds or ()) else None


def _head(stmt: _Stmt) -> tuple[Span, str]:
    """Where to point when a command cannot be located: `ALTER TABLE "t"`."""
    relation = stmt.at(getattr(stmt.node.relation, "location", None))
    last = stmt.name_end(relation) if relation is not None else 0
    return stmt.span(0, last), stmt.quote(0, last)


def _add_column(stmt: _Stmt, cmd: Any, first: int | None, column: str) -> Iterator[_Finding]:
    if cmd.missing_ok:
        return
    code, why = "42701", f"the {column.lower()} already exists"
    if first is None or not stmt.is_(first, "ADD_P"):
        span, quoted = _head(stmt)
        yield _Finding(
            span,
            _fails(f"{quoted} ADD {column} {cmd.def_.colname}", why, code),
            f"Write `ADD {column} IF NOT EXISTS`.",
            frozenset({code}),
        )
        return
    keyword = first + 1 if stmt.is_(first + 1, column) else first
    name = stmt.at(cmd.def_.location)
    last = stmt.name_end(name) if name is not None else keyword
    head = stmt.words(first, keyword)
    problem = _fails(stmt.quote(first, last), why, code)
    if column == "ATTRIBUTE":
        yield _Finding(
            stmt.span(first, last),
            problem,
            "PostgreSQL has no `ADD ATTRIBUTE IF NOT EXISTS`: put the statement in a DO block "
            "with an `EXCEPTION WHEN duplicate_column THEN null;` handler.",
            frozenset({code}),
        )
        return
    yield _Finding(
        stmt.span(first, last),
        problem,
        f"Write `{head} IF NOT EXISTS`.",
        frozenset({code}),
        stmt.insert_after(keyword, " IF NOT EXISTS", f"Use {head} IF NOT EXISTS"),
    )


def _drop_subobject(
    stmt: _Stmt, cmd: Any, first: int | None, kind: str, why: str, code: str
) -> Iterator[_Finding]:
    if cmd.missing_ok:
        return
    if first is None or not stmt.is_(first, "DROP"):
        span, quoted = _head(stmt)
        yield _Finding(
            span,
            _fails(f"{quoted} DROP {kind} {cmd.name}", why, code),
            f"Write `DROP {kind} IF EXISTS`.",
            frozenset({code}),
        )
        return
    keyword = first + 1 if stmt.is_(first + 1, kind) else first
    last = min(keyword + 1, len(stmt.tokens) - 1)
    head = stmt.words(first, keyword)
    yield _Finding(
        stmt.span(first, last),
        _fails(stmt.quote(first, last), why, code),
        f"Write `{head} IF EXISTS`.",
        frozenset({code}),
        stmt.insert_after(keyword, " IF EXISTS", f"Use {head} IF EXISTS"),
    )


def _add_constraint(stmt: _Stmt, cmd: Any, first: int | None, n: int) -> Iterator[_Finding]:
    constraint = cmd.def_
    contype = constraint.contype
    primary = contype == ConstrType.CONSTR_PRIMARY
    if primary:
        code, why = "42P16", "the table already has a primary key"
    elif contype in (ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_EXCLUSION):
        code, why = "42P07", "the constraint's index already exists"
    else:
        code, why = "42710", "the constraint already exists"
    start = first if first is not None else None
    at = stmt.at(constraint.location)
    if start is None or at is None:
        span, quoted = _head(stmt)
        what = f"{quoted} ADD CONSTRAINT {constraint.conname or ''}".rstrip()
    else:
        last = at + 1 if constraint.conname and stmt.is_(at, "CONSTRAINT") else at
        span, what = stmt.span(start, last), stmt.quote(start, last)
    if not constraint.conname and not primary:
        yield _Finding(
            span,
            f"`{what}` has no name: each run of this migration adds another, identical constraint.",
            "Name it with `ADD CONSTRAINT <name>` (then wrap the statement in a DO block).",
            frozenset(),
        )
        return
    conditions = (*_WRAP_CONDITIONS, _PK_CONDITION) if primary else _WRAP_CONDITIONS
    named = facts.constraint_object(stmt.node.relation.relname, constraint.conname or "")
    yield _Finding(
        span,
        _fails(what, why, code),
        "No `ADD CONSTRAINT IF NOT EXISTS` exists: wrap it in a DO block catching the error.",
        frozenset({code}),
        wrap=conditions,
        needs=_Paired(named, n),
    )


# ---- ALTER TYPE ... ADD VALUE ------------------------------------------------------------------


def _alter_enum(stmt: _Stmt) -> Iterator[_Finding]:
    node = stmt.node
    if node.oldVal is not None:
        yield from _rename(stmt)
        return
    if node.skipIfNewValExists:
        return
    add = stmt.find("ADD_P")
    if add is None or not stmt.is_(add + 1, "VALUE_P"):
        return
    keyword = add + 1
    last = keyword + 1 if stmt.is_(keyword + 1, "SCONST") else keyword
    yield _Finding(
        stmt.span(add, last),
        _fails(stmt.quote(add, last), "the enum label already exists", "42710"),
        "Write `ADD VALUE IF NOT EXISTS`.",
        frozenset({"42710"}),
        stmt.insert_after(keyword, " IF NOT EXISTS", "Use ADD VALUE IF NOT EXISTS"),
    )


# ---- DROP ... IF EXISTS ------------------------------------------------------------------------

_DROP: dict[ObjectType, tuple[tuple[str, ...], str, str]] = {
    ObjectType.OBJECT_TABLE: (("TABLE",), "the table is already gone", "42P01"),
    ObjectType.OBJECT_VIEW: (("VIEW",), "the view is already gone", "42P01"),
    ObjectType.OBJECT_MATVIEW: (
        ("MATERIALIZED", "VIEW"),
        "the materialized view is already gone",
        "42P01",
    ),
    ObjectType.OBJECT_FOREIGN_TABLE: (
        ("FOREIGN", "TABLE"),
        "the foreign table is already gone",
        "42P01",
    ),
    ObjectType.OBJECT_SEQUENCE: (("SEQUENCE",), "the sequence is already gone", "42P01"),
    ObjectType.OBJECT_INDEX: (("INDEX",), "the index is already gone", "42704"),
    ObjectType.OBJECT_TYPE: (("TYPE_P",), "the type is already gone", "42704"),
    ObjectType.OBJECT_DOMAIN: (("DOMAIN_P",), "the domain is already gone", "42704"),
    ObjectType.OBJECT_SCHEMA: (("SCHEMA",), "the schema is already gone", "3F000"),
    ObjectType.OBJECT_FUNCTION: (("FUNCTION",), "the function is already gone", "42883"),
    ObjectType.OBJECT_PROCEDURE: (("PROCEDURE",), "the procedure is already gone", "42883"),
    ObjectType.OBJECT_ROUTINE: (("ROUTINE",), "the routine is already gone", "42883"),
    ObjectType.OBJECT_AGGREGATE: (("AGGREGATE",), "the aggregate is already gone", "42883"),
    ObjectType.OBJECT_EXTENSION: (("EXTENSION",), "the extension is already gone", "42704"),
    ObjectType.OBJECT_TRIGGER: (("TRIGGER",), "the trigger is already gone", "42704"),
    ObjectType.OBJECT_POLICY: (("POLICY",), "the policy is already gone", "42704"),
    ObjectType.OBJECT_RULE: (("RULE",), "the rule is already gone", "42704"),
}


def _drop(stmt: _Stmt) -> Iterator[_Finding]:
    node = stmt.node
    known = _DROP.get(node.removeType)
    if node.missing_ok or known is None:
        return
    keywords, why, code = known
    yield from _drop_if_exists(stmt, keywords, why, code)


def _drop_role(stmt: _Stmt) -> Iterator[_Finding]:
    if stmt.node.missing_ok or len(stmt.tokens) < 2:
        return
    yield from _drop_if_exists(stmt, (stmt.tokens[1].name,), "the role is already gone", "42704")


def _drop_if_exists(
    stmt: _Stmt, keywords: tuple[str, ...], why: str, code: str
) -> Iterator[_Finding]:
    n = len(keywords)
    if not stmt.is_(0, "DROP") or not all(stmt.is_(k + 1, kw) for k, kw in enumerate(keywords)):
        return
    keyword = n + 1 if stmt.is_(n + 1, "CONCURRENTLY") else n
    last = stmt.name_end(keyword + 1) if keyword + 1 < len(stmt.tokens) else keyword
    head = stmt.words(0, keyword)
    yield _Finding(
        stmt.span(0, last),
        _fails(stmt.quote(0, last), why, code),
        f"Write `{head} IF EXISTS`.",
        frozenset({code}),
        stmt.insert_after(keyword, " IF EXISTS", f"Use {head} IF EXISTS"),
    )


# ---- RENAME, SET SCHEMA: diagnostic only ---------------------------------------------------------

_RELATIONS = frozenset(
    {
        ObjectType.OBJECT_TABLE,
        ObjectType.OBJECT_VIEW,
        ObjectType.OBJECT_MATVIEW,
        ObjectType.OBJECT_INDEX,
        ObjectType.OBJECT_SEQUENCE,
        ObjectType.OBJECT_FOREIGN_TABLE,
    }
)
_GONE: dict[ObjectType, str] = {
    ObjectType.OBJECT_COLUMN: "42703",
    ObjectType.OBJECT_ATTRIBUTE: "42703",
    ObjectType.OBJECT_TABCONSTRAINT: "42704",
    ObjectType.OBJECT_DOMCONSTRAINT: "42704",
    ObjectType.OBJECT_TYPE: "42704",
    ObjectType.OBJECT_DOMAIN: "42704",
    ObjectType.OBJECT_TRIGGER: "42704",
    ObjectType.OBJECT_POLICY: "42704",
    ObjectType.OBJECT_RULE: "42704",
    ObjectType.OBJECT_ROLE: "42704",
    ObjectType.OBJECT_SCHEMA: "3F000",
    ObjectType.OBJECT_FUNCTION: "42883",
    ObjectType.OBJECT_PROCEDURE: "42883",
    ObjectType.OBJECT_ROUTINE: "42883",
    ObjectType.OBJECT_AGGREGATE: "42883",
} | dict.fromkeys(_RELATIONS, "42P01")


def _rename(stmt: _Stmt) -> Iterator[_Finding]:
    node = stmt.node
    kind = getattr(node, "renameType", None)
    # ALTER TABLE IF EXISTS a RENAME TO b: the second run finds no `a` and skips
    if getattr(node, "missing_ok", False) and kind in _RELATIONS:
        return
    if node.type_name == "AlterEnumStmt":
        code = "22023"  # ALTER TYPE ... RENAME VALUE: invalid_parameter_value
    else:
        code = _GONE.get(kind, UNKNOWN) if kind is not None else UNKNOWN
    yield from _moved(stmt, "RENAME", code)


def _set_schema(stmt: _Stmt) -> Iterator[_Finding]:
    node = stmt.node
    if node.missing_ok:
        return
    yield from _moved(stmt, "SET", _GONE.get(node.objectType, UNKNOWN))


def _moved(stmt: _Stmt, keyword_name: str, code: str) -> Iterator[_Finding]:
    keyword = stmt.find(keyword_name) or 0
    last = len(stmt.tokens) - 1
    why = (
        "the old name no longer exists"
        if keyword_name == "RENAME"
        else "the object is no longer in its old schema"
    )
    if code:
        problem = _fails(stmt.quote(keyword, last), why, code)
        guard = f"EXCEPTION WHEN {_NAME_OF[code]} THEN null;"
    else:
        problem = f"`{stmt.quote(keyword, last)}` fails when this migration runs again: {why}."
        guard = "EXCEPTION handler for that error"
    yield _Finding(
        stmt.span(keyword, last),
        problem,
        f"It has no `IF EXISTS` form: put it in a DO block with an `{guard}`, or make sure "
        "this migration never runs twice.",
        frozenset({code}),
    )


# ---- UPDATE and INSERT: what the rest of the migration makes of them -------------------------


def _update(stmt: _Stmt) -> Iterator[_Finding]:
    """A candidate: it holds when a later statement drops a column the UPDATE uses."""
    table, columns = facts.update_columns(stmt.node)
    head = _dml_head(stmt, "UPDATE")
    if not columns or head is None:
        return
    what = stmt.quote(*head)
    yield _Finding(
        stmt.span(*head),
        "",  # written by `_UsesColumns` with the column's name
        "It has no `IF EXISTS` form: put it in a DO block with an `EXCEPTION WHEN "
        "undefined_column THEN null;` handler, or make sure this migration never runs twice.",
        frozenset({"42703"}),
        needs=_UsesColumns(table, columns, what),
    )


def _insert(stmt: _Stmt) -> Iterator[_Finding]:
    """A candidate: it holds when the migration creates the table or declares a key of it."""
    target = facts.insert_target(stmt.node)
    head = _dml_head(stmt, "INSERT")
    if target is None or head is None:
        return
    what = stmt.quote(*head)
    yield _Finding(
        stmt.span(*head),
        _fails(what, "its rows are already there", "23505"),
        "Add `ON CONFLICT DO NOTHING`.",
        frozenset({"23505"}),
        _on_conflict(stmt, head[0]),
        needs=_FillsTable(*target, what),
    )


def _dml_head(stmt: _Stmt, keyword: str) -> tuple[int, int] | None:
    """Tokens of `UPDATE "t"` / `INSERT INTO "t"`: the keyword before the table, to its name
    (the statement may start with a WITH whose queries have keywords of their own)."""
    relation = stmt.at(stmt.node.relation.location)
    if relation is None:
        return None
    for first in range(relation - 1, max(relation - 4, -1), -1):
        if stmt.is_(first, keyword):
            return first, stmt.name_end(relation)
    return None


def _on_conflict(stmt: _Stmt, keyword: int) -> Fix:
    """`ON CONFLICT DO NOTHING` at the end of the INSERT, or before its RETURNING. Unsafe: on a
    first run too it skips a row whose key exists, where the statement as written fails."""
    words = "ON CONFLICT DO NOTHING"
    if stmt.tokens[keyword].text(stmt.text).islower():
        words = words.lower()
    returning = _top_level(stmt, "RETURNING")
    if returning is None:
        edit = Edit.insert(CHUNK_PATH, stmt.tokens[-1].end, f" {words}")
    else:
        edit = Edit.insert(CHUNK_PATH, stmt.tokens[returning].start, f"{words} ")
    return Fix("Add ON CONFLICT DO NOTHING", (edit,), Applicability.UNSAFE)


def _top_level(stmt: _Stmt, name: str) -> int | None:
    """Index of the last token named ``name`` outside any parentheses."""
    depth, found = 0, None
    for i, token in enumerate(stmt.tokens):
        if token.name == "ASCII_40":
            depth += 1
        elif token.name == "ASCII_41":
            depth -= 1
        elif depth == 0 and token.name == name:
            found = i
    return found


_CHECKS: dict[str, Callable[[_Stmt], Iterator[_Finding]]] = {
    "CreateStmt": _create_table,
    "CreateTableAsStmt": _create_table_as,
    "CreateSeqStmt": _create_sequence,
    "IndexStmt": _create_index,
    "CreateSchemaStmt": _create_schema,
    "CreateExtensionStmt": _create_extension,
    "ViewStmt": _create_view,
    "CreateFunctionStmt": _create_function,
    "CreateTrigStmt": _create_trigger,
    "CreateEnumStmt": _create_type("TYPE_P", "CREATE TYPE"),
    "CompositeTypeStmt": _create_type("TYPE_P", "CREATE TYPE"),
    "CreateRangeStmt": _create_type("TYPE_P", "CREATE TYPE"),
    "CreateDomainStmt": _create_type("DOMAIN_P", "CREATE DOMAIN"),
    "CreatePolicyStmt": _create_type("POLICY", "CREATE POLICY"),
    "CreateRoleStmt": _create_role,
    "AlterTableStmt": _alter_table,
    "AlterEnumStmt": _alter_enum,
    "DropStmt": _drop,
    "DropRoleStmt": _drop_role,
    "RenameStmt": _rename,
    "AlterObjectSchemaStmt": _set_schema,
    "UpdateStmt": _update,
    "InsertStmt": _insert,
}


# ---- the DO wrapper fix ------------------------------------------------------------------------


def _wrap_fix(stmt: _Stmt, findings: list[_Finding]) -> Fix | None:
    """Wrap the statement, untouched, in a DO block catching what its second run raises."""
    conditions: list[str] = []
    for finding in findings:
        conditions.extend(c for c in finding.wrap if c not in conditions)
    if not conditions:
        return None
    tag = _dollar_tag(stmt.text[stmt.start : stmt.end])
    nl = stmt.newline
    handler = f"{nl}EXCEPTION{nl} WHEN {' OR '.join(conditions)} THEN null;{nl}END {tag};"
    if stmt.terminator is not None:
        after = Edit.insert(CHUNK_PATH, stmt.terminator + 1, handler)
    else:
        after = Edit.insert(CHUNK_PATH, stmt.end, ";" + handler)
    before = Edit.insert(CHUNK_PATH, stmt.start, f"DO {tag} BEGIN{nl}")
    title = fit_title(
        f"Wrap in DO block catching {' OR '.join(conditions)}",
        f"Wrap in DO block catching {conditions[0]} and {len(conditions) - 1} more",
        "Wrap in a DO block catching the errors of a re-run",
    )
    return Fix(title, (before, after))


def _dollar_tag(text: str) -> str:
    """A dollar-quote tag that does not occur in ``text``."""
    if "$$" not in text:
        return "$$"
    n = 0
    while f"$do{n or ''}$" in text:
        n += 1
    return f"$do{n or ''}$"


# ---- DO blocks: their statements, placed back into the DO's text (the handlers: _plpgsql) -----


def _do_findings(
    stmt: _Stmt, outer: tuple[plpgsql.Block, ...], memo: _Memo, where: _Where
) -> Iterator[_Finding]:
    node = stmt.node
    body_arg = next((a for a in node.args or () if a.defname == "as"), None)
    language = next((a for a in node.args or () if a.defname == "language"), None)
    if language is not None and str(language.arg.sval).lower() != "plpgsql":
        return  # a body we cannot read
    literal = stmt.at(body_arg.arg_location) if body_arg is not None else None
    if body_arg is None or literal is None:
        return
    body = str(body_arg.arg.sval)
    token = stmt.tokens[literal]
    quoted = token.text(stmt.text)
    try:
        tree = pgtree.plpgsql_json(
            f"CREATE FUNCTION pg_temp.drizzle_lsp_do() RETURNS void LANGUAGE plpgsql AS {quoted}"
        )
    except (ParseError, ValueError):
        return  # PostgreSQL rejects the body when the block runs; not ours to report
    body_at = _body_offset(stmt, token, body)
    do = _DoBlock(stmt, body, body_at, outer, next(_OWNERS), memo, where)
    for execsql, blocks, guard in plpgsql.walk(tree, outer, None, do.owner):
        yield from do.inner_findings(execsql, blocks, guard)


def _body_offset(stmt: _Stmt, token: Token, body: str) -> int | None:
    """Where the DO body's text starts in the statement's text, when it is written verbatim."""
    quoted = token.text(stmt.text)
    if quoted.startswith("$"):
        at = token.start + quoted.index("$", 1) + 1
    elif quoted.startswith("'"):
        at = token.start + 1
    else:
        return None
    return at if stmt.text[at : at + len(body)] == body else None


class _DoBlock:
    """The statements of one DO body, placed back into the text around the DO."""

    def __init__(
        self,
        stmt: _Stmt,
        body: str,
        body_at: int | None,
        outer: tuple[plpgsql.Block, ...],
        owner: int,
        memo: _Memo,
        where: _Where,
    ) -> None:
        self.stmt, self.body, self.body_at, self.outer = stmt, body, body_at, outer
        self.owner, self.memo, self.where = owner, memo, where
        self.lines = TextIndex(body)

    def inner_findings(
        self, execsql: dict[str, Any], blocks: tuple[plpgsql.Block, ...], guard: plpgsql.Guard
    ) -> Iterator[_Finding]:
        query = (execsql.get("sqlstmt") or {}).get("PLpgSQL_expr", {}).get("query")
        if not query:
            return
        place = self._place(query, int(execsql.get("lineno") or 1))
        for finding in self._query_findings(query, blocks, guard):
            if finding.errors and all(plpgsql.caught(code, blocks) for code in finding.errors):
                continue
            yield self._placed(finding, place, blocks)

    def _query_findings(
        self, query: str, blocks: tuple[plpgsql.Block, ...], guard: plpgsql.Guard
    ) -> Iterator[_Finding]:
        if guard is None and query in self.memo:  # checked before: a fix wrapped it in this DO
            yield from _resolved(_remembered(self.memo, query, 0), self.where)
            return
        try:
            raw = pgtree.parse(query)
        except ParseError:
            return
        tokens = code_tokens(query)
        if tokens is None:
            return
        for r in raw:
            names = facts.object_names(r.node) if guard is not None else frozenset()
            if guard is not None and (not names or not names.isdisjoint(guard)):
                continue  # an IF around it looks its object up (or one we cannot name)
            start, end = r.start, r.end
            own = tuple(t for t in tokens if start <= t.start < end)
            if own:
                inner = _Stmt(query, 0, start, end, None, r.node, own)
                found = _findings(inner, blocks, self.memo, self.where)
                yield from found if guard is None else (_unguarded(f, names) for f in found)

    def _place(self, query: str, lineno: int) -> int | None:
        """Offset of ``query`` in the statement's text, if the body is there verbatim."""
        if self.body_at is None:
            return None
        line = min(max(lineno - 1, 0), self.lines.line_count - 1)
        found = self.body.find(query, self.lines.line_starts[line])
        if found < 0:
            found = self.body.find(query)
        return None if found < 0 else self.body_at + found

    def _placed(
        self, finding: _Finding, place: int | None, blocks: tuple[plpgsql.Block, ...]
    ) -> _Finding:
        local = [b for b in blocks if b.owner == self.owner]
        missing = [c for c in sorted(finding.errors) if c and not plpgsql.caught(c, blocks)]
        names = [_NAME_OF.get(c, c) for c in missing]
        caught = list(dict.fromkeys(n for b in local for n in b.names()))
        note, remedy = finding.note, finding.remedy
        if local and names:
            handler = (
                f"The surrounding EXCEPTION handler catches {', '.join(caught)}, not "
                f"{', '.join(names)}."
                if caught
                else "The surrounding EXCEPTION handler re-raises what it catches."
            )
            note = f"{note} {handler}" if note else handler
        if finding.wrap and names:
            conditions = " OR ".join(names)
            remedy = (
                f"Add `OR {conditions}` to the handler's conditions."
                if caught
                else f"Give the DO block an `EXCEPTION WHEN {conditions} THEN null;` handler."
            )
        if place is None:
            do = self.stmt.find("DO") or 0
            span = self.stmt.span(do, do)
            return replace(
                finding, span=span, fix=None, alternatives=(), wrap=(), note=note, remedy=remedy
            )
        fix = finding.fix.shifted(place) if finding.fix is not None else None
        if finding.wrap:
            fix = self._extend_handler(names, local) if names and caught else None
        span = finding.span.shifted(place)
        alternatives = tuple(a.shifted(place) for a in finding.alternatives)
        return replace(
            finding,
            span=span,
            fix=fix,
            alternatives=alternatives,
            wrap=(),
            note=note,
            remedy=remedy,
        )

    def _extend_handler(self, names: list[str], local: list[plpgsql.Block]) -> Fix | None:
        """Add the missing conditions to the DO's only handler: `WHEN a` -> `WHEN a OR b`."""
        if self.body_at is None or len(local) != 1 or not local[0].handlers:
            return None
        if local[0].handlers[0].rethrows:
            return None
        tokens = code_tokens(self.body, self.body_at)
        if tokens is None:
            return None
        words = [t.text(self.stmt.text).lower() for t in tokens]
        if words.count("exception") != 1:
            return None
        when = _index(words, "when", words.index("exception"))
        then = _index(words, "then", when + 1) if when is not None else None
        if then is None or when is None or then <= when + 1:
            return None
        edit = Edit.insert(CHUNK_PATH, tokens[then - 1].end, " OR " + " OR ".join(names))
        title = fit_title(
            f"Also catch {' and '.join(names)} in the EXCEPTION handler",
            f"Also catch {' and '.join(names)}",
            "Also catch the errors of a re-run in the handler",
        )
        return Fix(title, (edit,))


def _unguarded(finding: _Finding, names: frozenset[str]) -> _Finding:
    """A finding under an IF whose catalog lookup compares with none of the statement's names."""
    named = " or ".join(f"`{name}`" for name in sorted(names))
    return replace(finding, note=f"The IF around it does not look up {named}.")


def _index(words: list[str], word: str, start: int) -> int | None:
    try:
        return words.index(word, start)
    except ValueError:
        return None
