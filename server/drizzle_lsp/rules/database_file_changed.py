"""D002 applied-file-changed: a migration's file changed after the database applied it.

## What it does
Reports each journal entry that the configured database applied (a row whose `created_at`
equals the entry's `when`) while the sha256 of `<tag>.sql` differs from the row's `hash`.

## Why is this bad?
The migrator stores the file's hash but never compares it again: an edit to an applied
migration never reaches that database, while fresh databases get the edited version. The
schemas drift apart without any error.

## Example
`0004_wishlists.sql` gained `ADD COLUMN "note" text` after production ran it: production has no
`note` column, a new developer database has one.

## Use instead
Leave applied migrations as they are and put the change in a new migration
(`drizzle-kit generate`, or a custom migration). If the edit only made the file idempotent
(`IF NOT EXISTS`), nothing needs doing: the database already has the change.

## Fix safety
No fix: only you know which version is right.
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.database import State
from drizzle_lsp.core.diagnostics import Severity, Violation
from drizzle_lsp.rules._api import DatabaseContext, Fixability, RuleInfo, Scope

RULE = RuleInfo(
    code="D002",
    name="applied-file-changed",
    severity=Severity.WARNING,
    fixability=Fixability.NONE,
    scope=Scope.DATABASE,
    summary="Migration file changed after the configured database applied it",
)


def check(ctx: DatabaseContext) -> Iterator[Violation]:
    journal, path = ctx.folder.journal, ctx.folder.journal_path
    if journal is None or path is None:
        return
    for status in ctx.status.entries:
        if status.state is not State.APPLIED_FILE_CHANGED:
            continue
        tag = journal.entries[status.position].fields.get("tag")
        if tag is None:
            continue
        yield RULE.violation(
            path,
            tag.value_span,
            f"`{status.tag}.sql` changed after {ctx.database} applied it (row "
            f"{status.row.id if status.row else '?'}): the migrator never re-runs it there, so "
            "the edit only reaches new databases. Put the change in a new migration.",
            tag=status.tag,
        )
