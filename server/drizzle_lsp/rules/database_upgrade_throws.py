"""D004 upgrade-will-throw: the first drizzle-orm v1 `migrate()` on this database will throw.

## What it does
For a v1 migrations folder (`<name>/migration.sql`) whose configured database still has a
drizzle-orm 0.x migrations table (no `name` column), matches each row to a folder as the v1
upgrade does, and reports the rows that match none.

## Why is this bad?
The first v1 `migrate()` upgrades the table: it matches every row to a local migration by its
`created_at` truncated to the second (one folder of that second is taken whatever its hash;
several are told apart by hash; none falls back to the hash alone). A row that matches nothing
makes it throw ("... migrations ... in the database that do not match any local migration"):
nothing is upgraded, no migration runs, and every deploy fails the same way until the rows or
the folders change.

## Example
The database ran `0007_audit.sql` from a branch that was never merged, or a row was inserted by
hand; after `drizzle-kit up`, no folder has its second nor its hash.

## Use instead
Bring back the migration the row records (merge its branch, then `drizzle-kit up`), or, if that
migration was undone on the database, delete its row. `drizzle-lsp status` shows which row
matches which folder.

## Fix safety
No fix: the database is only read.
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.database import AppliedRow
from drizzle_lsp.core.diagnostics import Severity, Span, Violation
from drizzle_lsp.core.folder import v1_order_key
from drizzle_lsp.core.journal import format_when
from drizzle_lsp.core.migrator_choice import Migrator
from drizzle_lsp.rules._api import DatabaseContext, Fixability, RuleInfo, Scope

RULE = RuleInfo(
    code="D004",
    name="upgrade-will-throw",
    severity=Severity.ERROR,
    fixability=Fixability.NONE,
    scope=Scope.DATABASE,
    summary="0.x migrations table whose rows do not all match the v1 folders",
    migrator=Migrator.V1,
)


def check(ctx: DatabaseContext) -> Iterator[Violation]:
    status = ctx.v1
    if status is None or not status.upgrade_throws or not ctx.folder.sql:
        return
    first = min(ctx.folder.sql.values(), key=lambda doc: v1_order_key(doc.tag))
    rows = "; ".join(_row(row) for row in status.unknown_rows)
    count = len(status.unknown_rows)
    yield RULE.violation(
        first.path,
        Span(0, 0),
        f"{ctx.database} has a drizzle-orm 0.x migrations table, and {count} of its rows "
        f"match no migration folder here ({rows}): the first v1 migrate() will throw while "
        "upgrading the table, and run nothing. Bring back the migrations they record, or "
        "delete those rows if their migrations were undone.",
    )


def _row(row: AppliedRow) -> str:
    dated = format_when(row.created_at) if row.created_at is not None else "NULL"
    return f"row {row.id}, created_at {dated}, hash {row.hash[:12]}…"
