"""J002 missing-sql-file: a journal entry whose `<tag>.sql` does not exist.

## What it does
Reports each journal entry whose migration file, `<tag>.sql` beside `meta/`, is missing.

About both migrators: the 0.x migrator throws on the missing file, and on a v1 project (J008)
`drizzle-kit up` refuses to convert the folder ("the journal entry … has no SQL file").

## Why is this bad?
The drizzle-orm migrator reads every file the journal names before it touches the database.
A missing file makes `migrate()` throw (`No file <tag>.sql found`): no migration runs at all,
on any database, until the file is restored or the entry removed.

## Example
```json
{"idx": 3, "version": "7", "when": 1718000000000, "tag": "0003_add_index", "breakpoints": true}
```
with no `0003_add_index.sql` in the folder (renamed, or lost in a merge).

## Use instead
Restore the file under the journal's tag, or rename the file back to `<tag>.sql`. If the
migration was never meant to exist, remove the entry with `drizzle-kit drop`.

## Fix safety
No fix: only you know whether the file or the entry is the mistake.
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Severity, Violation
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope

RULE = RuleInfo(
    code="J002",
    name="missing-sql-file",
    severity=Severity.ERROR,
    fixability=Fixability.NONE,
    scope=Scope.FOLDER,
    summary="Journal entry whose `<tag>.sql` does not exist: the migrator crashes",
)


def check(ctx: FolderContext) -> Iterator[Violation]:
    folder, journal = ctx.folder, ctx.folder.journal
    # only journal folders have entries; an unreadable journal is J006's
    if journal is None or folder.journal_path is None:
        return
    # tags, not paths: a Path comparison costs a microsecond, and a journal has thousands
    present = {document.tag for document in folder.sql.values()}
    for entry in journal.entries:
        if entry.tag is None:
            continue  # a missing or non-string tag is J006's
        if entry.tag in present:
            continue
        tag_field = entry.fields["tag"]  # (read only now: building an entry's fields costs)
        yield RULE.violation(
            folder.journal_path,
            tag_field.value_span,
            f"`{entry.tag}.sql` does not exist: the migrator throws before running any "
            "migration. Restore the file or remove this entry.",
            tag=entry.tag,
        )
