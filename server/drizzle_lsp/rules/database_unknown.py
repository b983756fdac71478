"""D003 unknown-database-migration: the database applied a migration this journal does not have.

## What it does
Reports each row of the configured database's migrations table that matches no journal entry
(no entry has its `created_at` as `when`). A row that a run-once guard names (a migration the
database applied before J001's fix re-dated it) belongs to that migration and is not reported.

## Why is this bad?
Either the database was migrated from another branch (its migrations are not merged here), or
an entry's `when` was changed after it ran. A row newer than every entry also hides every
entry older than it: they will be skipped (D001).

## Example
Row 14 has `created_at` 1735689600000 but no journal entry has `"when": 1735689600000`.

## Use instead
Merge the branch that produced it, or restore the entry's original `when` if it was re-dated.

## Fix safety
No fix: the database is only read.
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Severity, Span, Violation
from drizzle_lsp.core.journal import format_when
from drizzle_lsp.rules._api import DatabaseContext, Fixability, RuleInfo, Scope

RULE = RuleInfo(
    code="D003",
    name="unknown-database-migration",
    severity=Severity.INFO,
    fixability=Fixability.NONE,
    scope=Scope.DATABASE,
    summary="Database row that matches no journal entry",
)


def check(ctx: DatabaseContext) -> Iterator[Violation]:
    journal, path = ctx.folder.journal, ctx.folder.journal_path
    if journal is None or path is None:
        return
    entries = journal.root_fields.get("entries")
    span = entries.key_span if entries is not None else Span(0, 0)
    for row in ctx.status.unknown_rows:
        dated = format_when(row.created_at) if row.created_at is not None else "no date"
        yield RULE.violation(
            path,
            span,
            f"{ctx.database} applied a migration this journal does not have (row {row.id}, "
            f"`created_at` {row.created_at} = {dated}, hash {row.hash[:12]}…): merge the branch "
            "that made it, or restore the `when` of the entry it belongs to.",
        )
