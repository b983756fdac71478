"""S004 schema-recreation: A migration creates a table or type that an earlier one created.

## What it does
Follows the folder's migrations in the migrator's order and reports each `CREATE TABLE`,
`CREATE TYPE` (enum, composite, range) or `CREATE DOMAIN` of a table or type that an earlier
migration of the folder created, when no migration in between dropped it (or renamed it away).
The message names the earlier migration. A `DROP` followed by a new `CREATE` is not a
recreation, nor is a `CREATE` of a name an earlier migration renamed to something else.

## Why is this bad?
This is what `drizzle-kit generate` writes when its snapshot (`meta/NNNN_snapshot.json`) was
lost, left out of a merge or corrupt: it diffs the schema against nothing and writes the whole
schema again.

- On every database that applied the earlier migration, the new one fails: the table already
  exists (`duplicate_table`, 42P07), the type already exists (`duplicate_object`, 42710). On an
  empty database it fails too, since the earlier migration runs first in the same deploy.
- With `IF NOT EXISTS` it fails nowhere, and does nothing where the table exists: the columns,
  constraints and defaults it was meant to carry never reach those databases.

## Example
```sql
-- 0000_init.sql
CREATE TABLE "users" ("id" serial PRIMARY KEY);
-- 0003_add_age.sql, generated without 0002's snapshot
CREATE TABLE "users" ("id" serial PRIMARY KEY, "age" integer);
```

## Use instead
```sql
-- 0003_add_age.sql
ALTER TABLE "users" ADD COLUMN "age" integer;
```
Delete the migration, its journal entry and its snapshot, restore the last good snapshot, and
run `drizzle-kit generate` again (or write the incremental `ALTER`s by hand).

## Fix safety
Unsafe: the fix deletes the migration's `.sql` file, removes its journal entry and deletes its
snapshot. The changes the migration was meant to carry are then written nowhere: generate or
write them again. A database that applied the migration keeps its row, which the migrator
never reads again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from drizzle_lsp.core.diagnostics import Applicability, Fix, Severity, Span, Violation
from drizzle_lsp.core.folder import Layout, MigrationFolder, SqlDocument
from drizzle_lsp.core.journal_edit import is_rewritable, remove_entry, rewrite_isolation
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope, fit_title
from drizzle_lsp.rules._schema_events import Located, Name, Replay, ignored

RULE = RuleInfo(
    code="S004",
    name="schema-recreation",
    severity=Severity.ERROR,
    fixability=Fixability.SOMETIMES,
    scope=Scope.FOLDER,
    summary="CREATE of a table or type an earlier migration created (a lost snapshot)",
)

_FAILS = {
    "table": "the relation already exists (duplicate_table, 42P07)",
    "type": "the type already exists (duplicate_object, 42710)",
}


class _Found(NamedTuple):
    migration: int  # its place among the folder's migrations, in the migrator's order
    span: Span
    what: str
    name: Name
    earlier: str  # the tag of the migration that created it
    guarded: bool


def check(ctx: FolderContext) -> Iterator[Violation]:
    documents, found = _replay(ctx)
    fixes: dict[str, Fix | None] = {}  # one per migration, shared by its violations
    for f in found:
        document = documents[f.migration]
        if document.tag not in fixes:
            fixes[document.tag] = _fix(ctx.folder, document)
        message = _message(f.what, f.name, f.earlier, f.guarded)
        yield RULE.violation(document.path, f.span, message, fixes[document.tag], tag=document.tag)


def _recreations(documents: list[SqlDocument], events: list[Located]) -> list[_Found]:
    # (table or type, name) -> the tag of the migration that created it
    live: dict[tuple[str, Name], str] = {}
    found: list[_Found] = []
    for number, (document, located) in enumerate(zip(documents, events, strict=True)):
        for base, event in located:
            if event.name is None:
                continue
            key = (event.what, event.name)
            if event.kind == "drop":
                live.pop(key, None)
            elif event.kind == "rename":
                creator = live.pop(key, None)
                if creator is not None:
                    live[(event.what, event.detail)] = creator
            elif event.kind == "create":
                earlier = live.setdefault(key, document.tag)
                if earlier == document.tag:
                    continue  # created here first (twice in one migration is not this rule's)
                span = Span(base + event.start, base + event.end)
                if not ignored(document, span.start, RULE.code):
                    found.append(
                        _Found(number, span, event.what, event.name, earlier, event.guarded)
                    )
    return found


_KINDS = frozenset({"create", "drop", "rename"})
_replay = Replay(_recreations, _KINDS)


def _message(what: str, name: Name, earlier: str, guarded: bool) -> str:
    shown = f'"{name[1]}"' if name[0] == "public" else f'"{name[0]}"."{name[1]}"'
    head = f"This migration creates the {what} {shown} again: {earlier} created it"
    if guarded:
        effect = (
            f"and `IF NOT EXISTS` makes this do nothing on every database that applied {earlier}"
            ": the changes this migration was meant to carry never reach them."
        )
    else:
        effect = f"and on every database (an empty one too) this migration fails: {_FAILS[what]}."
    return (
        f"{head} and no migration since dropped it, {effect} drizzle-kit writes this after a "
        "lost snapshot: delete this migration, its journal entry and snapshot, and write the "
        "incremental ALTERs."
    )


def _fix(folder: MigrationFolder, document: SqlDocument) -> Fix | None:
    """Delete the migration's file and snapshot and remove its journal entry (a journal folder
    whose journal can be rewritten, and where the tag is the journal's once)."""
    journal, path = folder.journal, folder.journal_path
    if folder.layout is not Layout.JOURNAL or journal is None or path is None:
        return None
    if not is_rewritable(journal):
        return None
    positions = [e.position for e in journal.entries if e.tag == document.tag]
    if len(positions) != 1:
        return None
    snapshot = path.parent / f"{document.tag.split('_', 1)[0]}_snapshot.json"
    return Fix(
        fit_title(
            f"Delete {document.tag}: its .sql file, journal entry and snapshot",
            f"Delete {document.tag}, its entry and snapshot",
            "Delete this migration, its journal entry and snapshot",
        ),
        remove_entry(journal, path, positions[0]),
        Applicability.UNSAFE,
        isolation=rewrite_isolation(path),
        notes=(
            f"deleted {document.tag}: the changes it was meant to carry are written nowhere; "
            "generate them again",
        ),
        deletes=(document.path, Path(snapshot)),
    )
