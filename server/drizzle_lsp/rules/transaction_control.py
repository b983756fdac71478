"""S006 transaction-control: `BEGIN`, `COMMIT`, `ROLLBACK`, `SAVEPOINT` or `END` in a migration.

## What it does
Reports transaction control statements: `BEGIN`, `START TRANSACTION`, `COMMIT`, `END`,
`ROLLBACK`, `ABORT`, `SAVEPOINT`, `RELEASE`, `ROLLBACK TO`, `PREPARE TRANSACTION`.

## Why is this bad?
drizzle-orm's `migrate()` runs every pending migration in one transaction, inserting each
migration's row into `drizzle.__drizzle_migrations` after its last statement, and commits at the
end.

- `COMMIT` (or `END`) ends that transaction half-way; this is the "`COMMIT;` before
  `CREATE INDEX CONCURRENTLY`" workaround of drizzle-orm issue #860. What ran before it stays,
  even when a later statement fails, but the migration's row is written only after its last
  statement: after a failure the database holds changes of a migration it has no row for, and
  the next deploy runs it again and fails on what already exists (42P07, 42710, ...).
  Everything after the `COMMIT` runs outside any transaction, one statement at a time.
- `ROLLBACK` undoes the migrations the deploy ran before it, their rows included, while this
  one and those after it are recorded: the undone ones are never run again, since their `when`
  is older than the newest row.
- `BEGIN` inside the transaction is ignored with a warning, and the `COMMIT` that usually
  follows it does the above. `SAVEPOINT` and its kin do no harm inside the migrator's
  transaction but fail (25P01) wherever there is none (the `neon-http` and `xata-http` drivers).

## Example
```sql
COMMIT;
--> statement-breakpoint
CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email");
```

## Use instead
```sql
CREATE INDEX "users_email_idx" ON "users" ("email");
```
and leave the transaction to the migrator (see S005 for statements that cannot run in one).

## Fix safety
Unsafe: the fix removes the statement, so the migration runs in the migrator's transaction as
drizzle means it to. What the statement was there for (often a `CONCURRENTLY` statement after
it, see S005) then runs in that transaction, or fails in it.
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Applicability, Edit, Fix, Severity, Span, Violation
from drizzle_lsp.core.migration import MigrationFile, Statement
from drizzle_lsp.rules._api import CHUNK_PATH, Fixability, RuleInfo, Scope, SqlContext

RULE = RuleInfo(
    code="S006",
    name="transaction-control",
    severity=Severity.WARNING,
    fixability=Fixability.ALWAYS,
    scope=Scope.SQL,
    summary="BEGIN / COMMIT / ROLLBACK / SAVEPOINT inside a migration",
    reads_trees=True,
)

_WHAT = {
    "TRANS_STMT_BEGIN": (
        "BEGIN",
        "the migrator's transaction is open already: PostgreSQL ignores it, and the COMMIT "
        "that usually follows ends the migrator's transaction half-way.",
    ),
    "TRANS_STMT_START": (
        "START TRANSACTION",
        "the migrator's transaction is open already: PostgreSQL ignores it, and the COMMIT "
        "that usually follows ends the migrator's transaction half-way.",
    ),
    "TRANS_STMT_COMMIT": (
        "COMMIT",
        "it ends the migrator's transaction half-way: what ran before it stays even if a "
        "later statement fails, but this migration's row is written only at its end, so the "
        "next deploy runs it again.",
    ),
    "TRANS_STMT_ROLLBACK": (
        "ROLLBACK",
        "it undoes the migrations this deploy ran before it, rows included, while this one "
        "is recorded: the undone ones never run again (their `when` is older).",
    ),
    "TRANS_STMT_PREPARE": (
        "PREPARE TRANSACTION",
        "it takes the migrator's transaction away from it half-way.",
    ),
}
_NAMES = {
    "TRANS_STMT_SAVEPOINT": "SAVEPOINT",
    "TRANS_STMT_RELEASE": "RELEASE SAVEPOINT",
    "TRANS_STMT_ROLLBACK_TO": "ROLLBACK TO SAVEPOINT",
    "TRANS_STMT_COMMIT_PREPARED": "COMMIT PREPARED",
    "TRANS_STMT_ROLLBACK_PREPARED": "ROLLBACK PREPARED",
}
_SAVEPOINT = (
    "{what} is harmless inside the migrator's transaction but fails (25P01) where there is "
    "none (the neon-http and xata-http drivers); the migrator manages the transaction."
)


def check(ctx: SqlContext) -> Iterator[Violation]:
    file = ctx.file
    for statement in file.statements:
        node = file.tree(statement)
        if node.type_name != "TransactionStmt":
            continue
        kind = node.json.get("kind", "")
        what, why = _WHAT.get(kind, (_NAMES.get(kind, "SAVEPOINT"), ""))
        message = f"{what} inside a migration: {why}" if why else _SAVEPOINT.format(what=what)
        yield RULE.violation(
            ctx.path,
            Span(statement.span.start, statement.span.end),
            f"{message} Remove it.",
            _fix(file, statement, what),
        )


def _fix(file: MigrationFile, statement: Statement, what: str) -> Fix:
    """Remove the statement, its `;` and the rest of its line when nothing else is there."""
    text = file.text
    end = statement.terminator + 1 if statement.terminator is not None else statement.span.end
    line_end = file.index.line_end(file.index.line_of(end))
    if not text[end:line_end].strip():
        end = line_end
        end += 2 if text.startswith("\r\n", end) else 1 if text.startswith("\n", end) else 0
    start = statement.span.start
    line_start = file.index.line_starts[file.index.line_of(start)]
    if not text[line_start:start].strip():
        start = line_start
    edit = Edit.replace(CHUNK_PATH, start, end, "")
    return Fix(f"Remove `{what}`", (edit,), Applicability.UNSAFE)
