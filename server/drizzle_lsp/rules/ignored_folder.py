"""V002 ignored-folder: a subfolder of a v1 migrations folder without a `migration.sql`.

## What it does
Reports each subfolder of a v1 migrations folder (drizzle-orm 1.0) that has no `migration.sql`
but holds a file that looks like a migration's:
- **a misnamed SQL file**: `migrations.sql`, `migration.SQL`, `up.sql`... reported on that
  file (the first such, by name);
- **a stray snapshot**: drizzle-kit's `snapshot.json` without the `migration.sql` it was
  written with, reported on the snapshot.

A subfolder holding neither (notes, an empty folder) is not reported; nor are hidden ones.

## Why is this bad?
The migrator lists the folder and runs every subfolder holding a `migration.sql`; it passes the
others over without a word. A misnamed file's SQL never runs, on any database, and nothing
says so; a snapshot without its SQL records a schema change that no database gets.

## Example
```
drizzle/20250110090000_users/migration.sql
drizzle/20250112080000_posts/migrations.sql     never runs
```

## Use instead
```
drizzle/20250112080000_posts/migration.sql
```
Once renamed, the migration runs at the next `migrate()`: on a database that already ran newer
migrations, after them (see V001). For a stray snapshot, restore its `migration.sql` from git,
or delete the folder and run `drizzle-kit generate` again.

## Fix safety
No fix: fixes edit and delete files but do not rename them, and a renamed file runs on every
database at the next deploy, which is for you to decide.
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Severity, Span, Violation
from drizzle_lsp.core.folder import V1_FILE, V1_SNAPSHOT, IgnoredFolder
from drizzle_lsp.core.migrator_choice import Migrator
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope
from drizzle_lsp.rules._v1 import runs_v1

RULE = RuleInfo(
    code="V002",
    name="ignored-folder",
    severity=Severity.WARNING,
    fixability=Fixability.NONE,
    scope=Scope.FOLDER,
    summary="v1 subfolder without a `migration.sql` (a misnamed file): the migrator skips it",
    migrator=Migrator.V1,
)


def check(ctx: FolderContext) -> Iterator[Violation]:
    if not runs_v1(ctx.folder):
        return
    for ignored in ctx.folder.ignored:
        sql = [name for name in ignored.files if name.lower().endswith(".sql")]
        if sql:
            yield _misnamed(ignored, sql[0])
        elif V1_SNAPSHOT in ignored.files:
            yield _stray_snapshot(ignored)


def _misnamed(ignored: IgnoredFolder, name: str) -> Violation:
    folder = ignored.path.name
    return RULE.violation(
        ignored.path / name,
        Span(0, 0),
        f"`{folder}/{name}` is not `{folder}/{V1_FILE}`: drizzle-orm's migrator runs only "
        f"subfolders holding a `{V1_FILE}` and passes `{folder}` over without a word, so this "
        f"SQL never runs, on any database. Rename it to `{V1_FILE}` (it then runs at the next "
        "`migrate()`, after newer migrations on databases that ran them), or move it out of "
        "the migrations folder.",
        tag=folder,
    )


def _stray_snapshot(ignored: IgnoredFolder) -> Violation:
    folder = ignored.path.name
    return RULE.violation(
        ignored.path / V1_SNAPSHOT,
        Span(0, 0),
        f"`{folder}` holds drizzle-kit's `{V1_SNAPSHOT}` but no `{V1_FILE}`: the migrator passes "
        "it over without a word, so the schema change the snapshot records reaches no database. "
        f"Restore its `{V1_FILE}` from git, or delete the folder and run `drizzle-kit generate` "
        "again.",
        tag=folder,
    )
