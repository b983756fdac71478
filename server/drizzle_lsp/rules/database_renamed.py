"""D005 renamed-after-apply: a migration folder renamed after the database applied it.

## What it does
For a v1 migrations folder (`<name>/migration.sql`) and a configured database with a v1
migrations table, reports each folder that the database has not applied under its name while a
row, under a name no folder has any more, records the same `migration.sql` (same hash).

## Why is this bad?
The v1 migrator knows a migration by its folder name only: every local migration whose name is
in no row runs. A renamed folder runs again, and its statements fail on objects that exist
(`relation ... already exists`) or, when they do not fail, apply the change twice. The whole
`migrate()` then rolls back.

## Example
`20250110090000_add_users` was applied, then renamed `20250110090000_create_users`: the row
still says `add_users`, so `create_users` is pending.

## Use instead
Give the folder its old name back. If the new name must stay, make the migration idempotent
(`IF NOT EXISTS`), or update the row's `name` on every database that applied it.

## Fix safety
No fix: a rename is not a text edit, and the database is only read.
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Severity, Span, Violation
from drizzle_lsp.core.migrator_choice import Migrator
from drizzle_lsp.rules._api import DatabaseContext, Fixability, RuleInfo, Scope

RULE = RuleInfo(
    code="D005",
    name="renamed-after-apply",
    severity=Severity.WARNING,
    fixability=Fixability.NONE,
    scope=Scope.DATABASE,
    summary="Migration folder renamed after the configured database applied it",
    migrator=Migrator.V1,
)


def check(ctx: DatabaseContext) -> Iterator[Violation]:
    if ctx.v1 is None:
        return
    for entry in ctx.v1.renamed:
        row = entry.renamed_from
        document = next((d for d in ctx.folder.sql.values() if d.tag == entry.name), None)
        if row is None or document is None:
            continue
        yield RULE.violation(
            document.path,
            Span(0, 0),
            f"{ctx.database} applied this migration as `{row.name}` (row {row.id}, same hash), "
            f"a folder that is gone: the next migrate() runs `{entry.name}` again. Give the "
            f"folder its old name back, or make it idempotent.",
            tag=entry.name,
        )
