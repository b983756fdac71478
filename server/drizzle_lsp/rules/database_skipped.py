"""D001 will-be-skipped: the configured database will never run this journal entry.

## What it does
Compares the journal with the migrations table of the database set in `database-url`
(`drizzleLsp.databaseUrl` in the editor) and reports each entry that has no row there although
its `when` is not newer than the newest row's `created_at`.

This rule is about the 0.x migrator (see "0.x or v1?" in the README): the v1 migrator runs every
migration it has no row for, so it skips nothing and D001 is silent on a v1 project.

## Why is this bad?
The drizzle-orm migrator runs an entry only when its `when` is greater than the newest
`created_at` it finds in `drizzle.__drizzle_migrations`. This entry was never applied to that
database and never will be: `migrate()` reports success and the schema change is missing.
J001 predicts this from the journal alone; D001 is the same fact read from a real database.

## Example
The database applied `0012_agent_messages` (`created_at` = 2025-03-01); the journal's
`0013_channels` says `"when": 1709287200000` (2024-03-01) and has no row.

## Use instead
Give the entry, and every entry after it, a `when` newer than every row the database holds.
Databases that did apply them will then run them again, so guard them: J001's fix does both
(re-dating and run-once guards) when the journal itself is out of order.

## Fix safety
No fix here: J001 and J005 carry the journal fix. Nothing is ever written to the database.
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Severity, Violation
from drizzle_lsp.core.journal import format_when
from drizzle_lsp.core.migrator_choice import Migrator
from drizzle_lsp.rules._api import DatabaseContext, Fixability, RuleInfo, Scope

RULE = RuleInfo(
    code="D001",
    name="will-be-skipped",
    severity=Severity.ERROR,
    fixability=Fixability.NONE,
    scope=Scope.DATABASE,
    summary="Journal entry the configured database will never run",
    migrator=Migrator.ZERO_X,
)


def check(ctx: DatabaseContext) -> Iterator[Violation]:
    journal, path = ctx.folder.journal, ctx.folder.journal_path
    if journal is None or path is None:
        return
    for status in ctx.status.skipped:
        entry = journal.entries[status.position]
        when = entry.fields.get("when")
        if when is None or status.when is None:
            continue
        newest = status.blocker.created_at if status.blocker else None
        newest_text = format_when(newest) if newest is not None else "an unknown date"
        yield RULE.violation(
            path,
            when.value_span,
            f"`{status.tag}` was never applied on {ctx.database} and never will be: its `when` "
            f"({format_when(status.when)}) is not after the newest migration there "
            f"({newest_text}). Re-date it and every later entry after that, with run-once guards "
            "(J001's fix, when the journal is out of order).",
            tag=status.tag,
        )
