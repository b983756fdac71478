"""J007 snapshot-chain: drizzle-kit's snapshots in `meta/` do not form one chain.

## What it does
Reads the schema snapshots `drizzle-kit generate` writes beside each migration
(`meta/NNNN_snapshot.json`, each with an `id` and the `prevId` of the snapshot it was diffed
against) as drizzle-kit 0.31 reads them, and reports:
- **a collision**: two snapshots with the same `prevId`, what `drizzle-kit check` calls "a
  collision". Two branches each ran `generate` on the same base, and both were merged. Reported
  on the `prevId` of each of them;
- **a duplicate `id`**: a snapshot with the `id` of an earlier one (a copied file);
- **a `prevId` that names no snapshot** of the folder: the snapshot it was generated from was
  deleted or generated again since (a branch generated on a migration that was then
  regenerated). The first snapshot is exempt: its `prevId` is all zeros, or names a snapshot of
  a history that was trimmed on purpose;
- **a malformed snapshot**, that drizzle-kit refuses to read: not JSON (an unresolved merge
  conflict, a BOM), or data its schema rejects (a key missing, a value of the wrong type, an
  unknown key), reported where the first such problem sits;
- **the newest journal entry without its snapshot** (`<prefix of its tag>_snapshot.json`, as
  drizzle-kit names it), or whose snapshot is an earlier entry's too (two branches generated
  the same number, and the merge kept one side's snapshot): reported on the entry's `tag` in
  the journal.

Like drizzle-kit, it takes every file of `meta/` whose name does not start with `_` for a
snapshot: a merge tool's `0005_snapshot.json.orig` collides with its original (and, sorting
last, is what the next `generate` diffs against), a `.DS_Store` makes drizzle-kit throw.

A folder without any snapshot (migrations written by hand, or a copy that kept only the
journal) is not checked: drizzle-kit's snapshots are not in use there. A snapshot of a version
this drizzle-kit does not know (above 7) is left alone, as drizzle-kit stops at it.

About both migrators: drizzle-kit 0.x generates from the last snapshot, and on a v1 project
(J008) `drizzle-kit up` needs every entry's `meta/NNNN_snapshot.json` and refuses a broken
`prevId` chain.

## Why is this bad?
Snapshots do not change what `migrate()` runs, but they decide what the next
`drizzle-kit generate` writes. It diffs the schema against the last snapshot (by file name), and
it first reads every snapshot: a collision or a malformed snapshot makes it stop ("data is
malformed", "... which is a collision"), and `drizzle-kit check` fails. When the newest
migration has no snapshot, the next `generate` diffs against an older one and writes that
migration's changes again (a `CREATE TABLE` that fails on every database that has it). A
duplicate `id` or a `prevId` that names no snapshot does not stop drizzle-kit, but it marks a
migration generated on a schema state the folder no longer holds: its SQL may repeat or miss
what the migrations before it changed.

## Example
After merging two branches that each ran `drizzle-kit generate` from `0004`:
```
meta/0005_snapshot.json   {"id": "9f1c…", "prevId": "3b2e…", ...}   (branch a)
meta/0006_snapshot.json   {"id": "d47a…", "prevId": "3b2e…", ...}   (branch b)
```

## Use instead
Keep one branch's migrations, remove the other's (`drizzle-kit drop`, which removes the
migration, its journal entry and its snapshot) and run `drizzle-kit generate` again on the
merged schema: the new snapshot follows the last one, and the new migration holds the other
branch's changes. A migration without a snapshot is generated again the same way:
`drizzle-kit generate` for schema changes (it writes the snapshot too), `--custom` for data-only
SQL. Before removing a migration that a database already applied, make the new one idempotent
(`IF NOT EXISTS`): it runs again there. A malformed snapshot is repaired by hand (resolve the
conflict) or generated again.

## Fix safety
No fix. Pointing a `prevId` at the other branch's snapshot silences drizzle-kit, but that
snapshot still lacks the other branch's changes, so the next `generate` writes them again; a
copy of the previous snapshot for the newest migration is right only if that migration changed
nothing in the schema, which its SQL cannot tell (the TypeScript schema is the truth). Which
branch's migrations to generate again, and whether a database already ran them, is for you to
decide.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from drizzle_lsp.core.diagnostics import Severity, Span, Violation
from drizzle_lsp.core.folder import MigrationFolder, SnapshotDocument
from drizzle_lsp.core.journal import Journal
from drizzle_lsp.core.snapshots import (
    ROOT_ID,
    SnapshotFacts,
    field_span,
    is_named_snapshot,
    snapshot_name,
)
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope

RULE = RuleInfo(
    code="J007",
    name="snapshot-chain",
    severity=Severity.ERROR,
    fixability=Fixability.NONE,
    scope=Scope.FOLDER,
    summary="Snapshots in `meta/` that collide, break their chain, are malformed or are missing",
)

_GENERATE = "the next `drizzle-kit generate`"
_REFUSE = "`drizzle-kit generate` refuses to run and `drizzle-kit check` fails until it is resolved"
_REMEDY = (
    "Keep one branch's migrations, `drizzle-kit drop` the other's and run `drizzle-kit generate` "
    "again on the merged schema."
)

Read = tuple[SnapshotDocument, SnapshotFacts]


def check(ctx: FolderContext) -> Iterator[Violation]:
    folder = ctx.folder
    # only journal folders that use drizzle-kit's snapshots have a chain
    if folder.journal_path is None or not any(map(is_named_snapshot, _names(folder))):
        return
    read: list[Read] = []
    for document in folder.snapshots.values():
        facts = document.facts
        if facts is None:
            reason = (document.error or "cannot read").removeprefix(f"{document.path}: ")
            yield RULE.violation(
                document.path,
                Span(0, 0),
                f"`{_name(document)}` cannot be read ({reason}): {_REFUSE}.{_stray(document)}",
            )
            continue
        if facts.malformed is not None:
            yield RULE.violation(
                document.path,
                facts.malformed.span,
                f"`{_name(document)}` is malformed ({facts.malformed.message}): {_REFUSE}."
                + (
                    _stray(document) or " Repair it, or remove the migration and generate it again."
                ),
            )
        read.append((document, facts))
    yield from _collisions(read)
    yield from _duplicate_ids(read)
    yield from _dangling(read)
    yield from _newest_without_snapshot(folder)


def _collisions(read: list[Read]) -> Iterator[Violation]:
    # drizzle-kit groups the snapshots it accepts by prevId
    groups: dict[str, list[SnapshotDocument]] = {}
    for document, facts in read:
        if facts.valid and facts.prev_id is not None:
            groups.setdefault(facts.prev_id, []).append(document)
    by_id = {facts.id: document for document, facts in read if facts.id is not None}
    for prev_id, documents in groups.items():
        if len(documents) < 2:
            continue
        parent = by_id.get(prev_id)
        base = (
            "no snapshot (both are first snapshots)"
            if prev_id == ROOT_ID
            else (f"`{_name(parent)}`" if parent is not None else f"`{prev_id}`")
        )
        strays = "".join(_stray(d) for d in documents)
        for document in documents:
            others = ", ".join(f"`{_name(d)}`" for d in documents if d is not document)
            yield RULE.violation(
                document.path,
                _span(document, "prevId"),
                f"`{_name(document)}` and {others} follow the same snapshot, {base}: "
                + (
                    f"drizzle-kit calls it a collision: {_REFUSE}.{strays}"
                    if strays
                    else "a collision, two branches that each generated a migration from the "
                    f"same base: {_REFUSE}. {_REMEDY}"
                ),
            )


def _duplicate_ids(read: list[Read]) -> Iterator[Violation]:
    first: dict[str, SnapshotDocument] = {}
    for document, facts in read:
        if facts.id is None:
            continue
        earlier = first.setdefault(facts.id, document)
        if earlier is document:
            continue
        yield RULE.violation(
            document.path,
            _span(document, "id"),
            f"`{_name(document)}` has the `id` of `{_name(earlier)}` (a copied snapshot?): the "
            "chain of snapshots forks there, and a snapshot that follows either one follows "
            "both."
            + (
                _stray(document) + _stray(earlier)
                or " Remove the copy, or generate its migration again."
            ),
        )


def _dangling(read: list[Read]) -> Iterator[Violation]:
    ids = {facts.id for _, facts in read if facts.id is not None}
    first = next((d for d, _ in read if is_named_snapshot(d.path.name)), None)
    for document, facts in read:
        prev_id = facts.prev_id
        if prev_id is None or prev_id == ROOT_ID or prev_id in ids:
            continue
        if document is first:
            continue  # the first snapshot: the history before it may have been trimmed
        yield RULE.violation(
            document.path,
            _span(document, "prevId"),
            f"`{_name(document)}` follows snapshot `{prev_id}`, which is not in `meta/`: the "
            "snapshot its migration was generated from was deleted or generated again since "
            "(a branch generated on a migration that was then regenerated), so its migration "
            "may not fit the ones before it. Generate it again on the current schema, or "
            "restore the snapshot it follows.",
        )


def _newest_without_snapshot(folder: MigrationFolder) -> Iterator[Violation]:
    journal, journal_path = folder.journal, folder.journal_path
    # an unreadable journal or a missing tag is J006's
    if journal is None or journal_path is None or not journal.entries:
        return
    newest = journal.entries[-1]
    if newest.tag is None:
        return
    expected = journal_path.parent / snapshot_name(newest.tag)
    if expected in folder.snapshots:
        yield from _shared_snapshot(journal_path, journal, expected)
        return
    last = next(reversed(folder.snapshots))
    yield RULE.violation(
        journal_path,
        newest.fields["tag"].value_span,
        f"The newest migration, `{newest.tag}`, has no snapshot (`meta/{expected.name}`): "
        f"{_GENERATE} diffs the schema against `{last.name}` instead, and writes again what "
        f"this migration changed in the schema that `{last.name}` does not hold. Remove this "
        "migration (its file and journal entry) and generate it again: schema changes with "
        "`drizzle-kit generate`, which writes the snapshot too (edit its SQL afterwards if "
        "need be), data-only SQL with `drizzle-kit generate --custom`.",
        tag=newest.tag,
    )


def _shared_snapshot(journal_path: Path, journal: Journal, expected: Path) -> Iterator[Violation]:
    """The newest migration's snapshot file is an earlier one's too (two branches generated the
    same number and the merge kept one side's snapshot): it holds one of the two states."""
    *earlier, newest = journal.entries
    twin = next(
        (e.tag for e in earlier if e.tag and snapshot_name(e.tag) == expected.name),
        None,
    )
    if twin is None:
        return
    yield RULE.violation(
        journal_path,
        newest.fields["tag"].value_span,
        f"The newest migration, `{newest.tag}`, shares its snapshot `meta/{expected.name}` with "
        f"`{twin}` (two branches generated the same number): the file holds one of the two "
        f"schema states, and {_GENERATE} writes again what the other one changed. Keep the "
        "migration whose state it holds, remove the other one's file and journal entry by hand "
        "(`drizzle-kit drop` would delete the shared snapshot too) and run `drizzle-kit "
        "generate` again on the merged schema.",
        tag=newest.tag,
    )


def _stray(document: SnapshotDocument) -> str:
    """What to say of a file of ``meta/`` that drizzle-kit did not name as a snapshot."""
    if is_named_snapshot(document.path.name):
        return ""
    return (
        f" `{_name(document)}` is not a snapshot drizzle-kit wrote (a merge tool's copy?), but "
        "drizzle-kit reads every file of `meta/` whose name does not start with `_` as one: "
        "delete it or move it out of `meta/`."
    )


def _span(document: SnapshotDocument, key: str) -> Span:
    if document.source is None:
        return Span(0, 0)
    return field_span(document.source.text, key) or Span(0, 0)


def _names(folder: MigrationFolder) -> Iterator[str]:
    return (path.name for path in folder.snapshots)


def _name(document: SnapshotDocument) -> str:
    return document.path.name
