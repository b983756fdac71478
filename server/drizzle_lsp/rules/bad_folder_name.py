"""V003 bad-folder-name: a v1 migration whose folder name does not start with 14 digits.

## What it does
Reports each `migration.sql` of a v1 migrations folder (drizzle-orm 1.0) whose folder name does
not start with the `YYYYMMDDHHMMSS` that drizzle-kit writes: a folder made by hand (`init/`,
`0001_users/`), or one renamed. The range is the file's first line.

drizzle-orm reads the first 14 characters of the name two or four at a time with `parseInt`,
which reads the leading digits of each piece: a name whose every piece starts with a digit
(`2025011009000a_x`) gives a date and is not reported.

## Why is this bad?
The migrator runs every subfolder holding a `migration.sql`, whatever its name, and records each
one with `created_at` = `Date.UTC` of those 14 characters. For such a name that is `NaN`: the
insert of its row into the migrations table fails (`22P02`, invalid input syntax for type
bigint), and the whole `migrate()` rolls back. No migration runs, on any database, the ones
before it in the folder included, until the folder is renamed.

## Example
```
drizzle/20250110090000_users/migration.sql
drizzle/add_posts/migration.sql          created_at is NaN: migrate() fails with 22P02
```

## Use instead
Name the folder as drizzle-kit does, with the UTC time it was written first:
```
drizzle/20250112080000_add_posts/migration.sql
```
The time decides where it runs among the others (folders run in name order).

## Fix safety
No fix: the fix would rename a folder, and the time to give it (which decides the order it
runs in) is for you to choose.
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Severity, Span, Violation
from drizzle_lsp.core.folder import SqlDocument, v1_created_at
from drizzle_lsp.core.migrator_choice import Migrator
from drizzle_lsp.core.text import TextIndex
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope
from drizzle_lsp.rules._v1 import runs_v1, v1_migrations

RULE = RuleInfo(
    code="V003",
    name="bad-folder-name",
    severity=Severity.ERROR,
    fixability=Fixability.NONE,
    scope=Scope.FOLDER,
    summary="v1 migration folder name without its 14 digits: migrate() fails (22P02)",
    migrator=Migrator.V1,
)


def check(ctx: FolderContext) -> Iterator[Violation]:
    if not runs_v1(ctx.folder):
        return
    for document in v1_migrations(ctx.folder):
        # a name whose date pieces parse is recorded with that date
        if v1_created_at(document.tag) is not None:
            continue
        yield RULE.violation(
            document.path,
            _first_line(document),
            f"The folder name `{document.tag}` does not start with the 14 digits of a UTC time "
            "(YYYYMMDDHHMMSS): drizzle-orm's migrator records it with a `created_at` of NaN, "
            "the insert fails (22P02, invalid input syntax for type bigint) and the whole "
            "`migrate()` rolls back, every other migration with it. Rename the folder to "
            f"`<YYYYMMDDHHMMSS>_{document.tag}`, with the time that puts it where it must run.",
            tag=document.tag,
        )


def _first_line(document: SqlDocument) -> Span:
    if document.source is None:
        return Span(0, 0)
    return Span(0, TextIndex(document.source.text).line_end(0))
