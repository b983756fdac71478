"""What ``drizzle-kit up`` (1.0.0-rc.5, PostgreSQL) will do with a 0.x migrations folder, or why
it will refuse, read from the journal and the snapshots before anyone runs it. Pure.

``up`` (``src/cli/commands/up-postgres.ts``) moves each journal entry into a folder named
``<UTC YYYYMMDDHHMMSS of its when>_<tag without its number>`` (``0000_a`` becomes
``20250110090000_a``) holding ``migration.sql`` and ``snapshot.json``, then deletes ``meta/``.
Before changing any file it stops at the first of these:

- an entry whose ``meta/<number>_snapshot.json`` does not exist;
- an entry with no SQL file (``<tag>.sql``, else the one ``<number>_*.sql``; two such files);
- in folder order, a snapshot whose parent (``prevId``) no snapshot has, or whose folder does not
  sort after its parent's folder, in both code-unit order and ``localeCompare`` ("sorts before
  its parent ... No file was changed": a late-dated entry of a merge);
- two first snapshots.

Its conversion of the snapshots themselves can still fail afterwards (a merge of branches that
snapshot format 9 cannot hold); that is not predicted here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from drizzle_lsp.core.folder import MigrationFolder, v1_order_key
from drizzle_lsp.core.snapshots import ROOT_ID, SnapshotFacts, snapshot_facts, snapshot_name

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class UpEntry:
    """One journal entry: its tag and ``when``; ``snapshot`` None when the file is missing."""

    tag: str
    when: int | None
    snapshot: SnapshotFacts | None


@dataclass(frozen=True, slots=True)
class UpMove:
    """An entry and the folder ``up`` gives it (None: its ``when`` is 0 or missing, so the
    folder is named after the time ``up`` runs)."""

    tag: str
    folder: str | None
    sql_file: str | None


@dataclass(frozen=True, slots=True)
class UpPreview:
    moves: tuple[UpMove, ...]
    refusal: str | None  # what up will say instead of changing anything
    kind: str | None = None  # snapshot-missing, sql-missing, sql-conflict, malformed, order, ...

    @property
    def refuses(self) -> bool:
        return self.refusal is not None


def folder_name(tag: str, when: int | None) -> str | None:
    """``prepareSnapshotFolderName(when)`` + ``_`` + the tag after its first ``_``."""
    if not when:
        return None
    try:
        moment = _EPOCH + timedelta(milliseconds=when)
    except OverflowError:  # beyond year 9999: JavaScript's Date has no such time either
        return None
    stamp = f"{moment.year}{moment:%m%d%H%M%S}"
    return f"{stamp}_{'_'.join(tag.split('_')[1:])}"


def preview_up(entries: Sequence[UpEntry], sql_files: Sequence[str]) -> UpPreview:
    """What ``drizzle-kit up`` does with a folder whose journal lists ``entries`` and which holds
    the ``.sql`` files named ``sql_files``."""
    moves: list[UpMove] = []
    for entry in entries:
        prefix = entry.tag.split("_")[0]
        if entry.snapshot is None:
            return UpPreview(
                tuple(moves),
                f"meta/{prefix}_snapshot.json of {entry.tag} is missing; up stops there, "
                "before changing any file",
                "snapshot-missing",
            )
        sql = f"{entry.tag}.sql" if f"{entry.tag}.sql" in sql_files else None
        if sql is None:
            others = [f for f in sql_files if f.startswith(f"{prefix}_") and f.endswith(".sql")]
            if len(others) > 1:
                return UpPreview(
                    tuple(moves),
                    f"several SQL files start with {prefix}_ ({', '.join(sorted(others))})",
                    "sql-conflict",
                )
            sql = others[0] if others else None
        moves.append(UpMove(entry.tag, folder_name(entry.tag, entry.when), sql))
    refusal = _refusal(entries, moves)
    return UpPreview(tuple(moves), *refusal) if refusal else UpPreview(tuple(moves), None)


def preview_folder(folder: MigrationFolder) -> UpPreview | None:
    """:func:`preview_up` of a loaded journal folder (None: no journal to read)."""
    if folder.journal is None or folder.journal_path is None:
        return None
    meta = folder.journal_path.parent
    entries = []
    for entry in folder.journal.entries:
        if entry.tag:
            document = folder.snapshots.get(meta / snapshot_name(entry.tag))
            source = document.source if document is not None else None
            facts = snapshot_facts(source.text, source.bom) if source is not None else None
            entries.append(UpEntry(entry.tag, entry.when, facts))
    sql_files = sorted(p.name for p in folder.sql if p.parent == folder.root)
    return preview_up(entries, sql_files)


def _refusal(entries: Sequence[UpEntry], moves: Sequence[UpMove]) -> tuple[str, str] | None:
    missing = next((m for m in moves if m.sql_file is None), None)
    if missing is not None:
        return (
            f"the journal entry {missing.tag} has no SQL file ({missing.tag}.sql); "
            "no file was changed",
            "sql-missing",
        )
    snapshots = [e.snapshot for e in entries if e.snapshot is not None]
    if all(s.version == "9" for s in snapshots):
        return None  # already converted: up only moves the files
    bad = next((e for e in entries if e.snapshot is not None and not e.snapshot.valid), None)
    if bad is not None:
        return f"the snapshot of {bad.tag} is malformed; no snapshot was converted", "malformed"
    return _history(entries, {m.tag: m.folder or "" for m in moves})


def _history(entries: Sequence[UpEntry], folder_of: Mapping[str, str]) -> tuple[str, str] | None:
    """The checks of the snapshots' graph, in ``up``'s order: files sorted by folder name."""
    files = sorted(entries, key=lambda e: folder_of[e.tag])  # JS `<`: code-unit order
    by_id = {e.snapshot.id: e for e in files if e.snapshot is not None and e.snapshot.id}
    for entry in files:
        parent_id = entry.snapshot.prev_id if entry.snapshot else None
        if not parent_id or parent_id == ROOT_ID:
            continue
        parent = by_id.get(parent_id)
        if parent is None:
            return (
                f"a migration was deleted in the middle of the history: {entry.tag} follows "
                f"the snapshot {parent_id}, which no migration has; no file was changed",
                "history",
            )
        if not _sorts_after(folder_of[entry.tag], folder_of[parent.tag]):
            return (
                f"once moved into folders, {entry.tag} ({folder_of[entry.tag]}) sorts before "
                f"its parent {parent.tag} ({folder_of[parent.tag]}), so migrate can run it "
                f"first. No file was changed. Set `when` of {entry.tag} to at least one second "
                f"after `when` of {parent.tag}, then run drizzle-kit up",
                "order",
            )
    roots = [
        e for e in files if e.snapshot is not None and e.snapshot.prev_id in (None, "", ROOT_ID)
    ]
    if len(roots) > 1:
        return (
            f"the folder has two first migrations, {roots[0].tag} and {roots[1].tag}",
            "history",
        )
    return None


def _sorts_after(folder: str, parent: str) -> bool:
    """``folder > parent && folder.localeCompare(parent) > 0``."""
    return _code_units(folder) > _code_units(parent) and v1_order_key(folder) > v1_order_key(parent)


def _code_units(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")
