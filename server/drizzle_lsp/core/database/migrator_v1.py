"""What drizzle-orm v1's ``migrate()`` will do with each migration folder, given the rows of the
migrations table: a model of the 1.0 migrator, pure (no I/O).

The v1 migrator (1.0.0-rc.5: ``migrator.js``, ``migrator.utils.js``, ``pg-core/async/session.js``,
``up-migrations/pg.js``) reads ``<folder>/<name>/migration.sql`` for every subfolder that has one,
sorted by name (JavaScript ``localeCompare``), with ``created_at`` the UTC time of the name's first
14 digits. Then:

- **v1 table** (it has a ``name`` column): every local migration whose name is in no row runs, in
  that order, in one transaction. It never compares dates, so a migration merged late runs after
  newer ones; a renamed folder runs again.
- **0.x table** (no ``name`` column): first the upgrade, in a transaction of its own that commits
  before the migrations run. Each row is matched to a local migration by ``created_at`` truncated
  to the second: one candidate is taken without looking at the hash, several are told apart by
  hash, none falls back to the hash alone. A row that matches nothing makes ``migrate()`` throw
  before anything runs. The upgrade sorts the local migrations in place by (``created_at``, name),
  and that is the order the unmatched ones then run in; 0.x entries the old migrator had skipped
  are among them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cmp_to_key

from drizzle_lsp.core.database.migrator import AppliedRow, State
from drizzle_lsp.core.folder import v1_order_key


@dataclass(frozen=True, slots=True)
class LocalMigration:
    """One ``<name>/migration.sql``: ``hash`` None when it cannot be read (``migrate()`` throws),
    ``created_at`` None when the name's first 14 characters are no date (JavaScript's NaN)."""

    name: str
    hash: str | None
    created_at: int | None


class TableShape(StrEnum):
    NONE = "none"  # no migrations table: a new database
    V0 = "0.x"  # id, hash, created_at: upgraded on the first v1 migrate()
    V1 = "v1"  # with name and applied_at


class Detail(StrEnum):
    """Why a pending migration deserves a word."""

    RUNS_AFTER_NEWER = "runs-after-newer-ones"  # sorts before a migration the database ran
    SKIPPED_UNDER_0X = "skipped-under-0.x-runs-now"  # 0.x never ran it; the upgrade runs it
    RENAMED = "renamed-runs-again"  # a row has its hash under another name


class MatchedBy(StrEnum):
    """How the 0.x upgrade matched a row to a folder."""

    DATE = "date"  # the only folder of that second, hash not looked at
    DATE_AND_HASH = "date-and-hash"  # one of several folders of that second
    HASH = "hash"  # no folder of that second


@dataclass(frozen=True, slots=True)
class RowMatch:
    """A row of a 0.x table and the folder the upgrade gives it (None: it throws)."""

    row: AppliedRow
    name: str | None
    by: MatchedBy | None


@dataclass(frozen=True, slots=True)
class V1EntryStatus:
    """One local migration against the database (``state``: applied, file changed, pending).

    ``rows``: the rows that record it; ``run_position``: its place among the migrations the next
    ``migrate()`` runs (None: it does not run); ``renamed_from``: the row, under another name,
    whose hash it has.
    """

    name: str
    created_at: int | None
    state: State
    file_hash: str | None
    rows: tuple[AppliedRow, ...] = ()
    details: tuple[Detail, ...] = ()
    run_position: int | None = None
    renamed_from: AppliedRow | None = None

    @property
    def row(self) -> AppliedRow | None:
        return self.rows[0] if self.rows else None

    @property
    def file_missing(self) -> bool:
        return self.file_hash is None


@dataclass(frozen=True, slots=True)
class V1Status:
    """The folder against one table: entries in name order, as the folder lists them."""

    shape: TableShape
    entries: tuple[V1EntryStatus, ...]
    unknown_rows: tuple[AppliedRow, ...]  # rows no local migration accounts for
    row_matches: tuple[RowMatch, ...] = ()  # the 0.x upgrade, row by row
    run_order: tuple[str, ...] = field(default=())  # what the next migrate() runs, in order

    @property
    def upgrade_throws(self) -> bool:
        """The 0.x upgrade finds a row of no folder: ``migrate()`` throws and runs nothing."""
        return self.shape is TableShape.V0 and bool(self.unknown_rows)

    @property
    def not_applied(self) -> frozenset[str]:
        return frozenset(e.name for e in self.entries if e.state is State.PENDING)

    @property
    def renamed(self) -> tuple[V1EntryStatus, ...]:
        return tuple(e for e in self.entries if e.renamed_from is not None)

    def of_name(self, name: str) -> V1EntryStatus | None:
        return next((e for e in self.entries if e.name == name), None)


def in_name_order(migrations: Iterable[LocalMigration]) -> list[LocalMigration]:
    return sorted(migrations, key=lambda m: v1_order_key(m.name))


# ---------------------------------------------------------------------------------------------
# the model


def runs_after_newer(pending: Iterable[str], applied: Iterable[str]) -> tuple[str, ...]:
    """The pending names that sort before a name the database applied: existing databases run
    them after newer ones, an empty database in name order (V001 with a database)."""
    keys = [v1_order_key(name) for name in applied]
    if not keys:
        return ()
    newest = max(keys)
    return tuple(name for name in pending if v1_order_key(name) < newest)


def v1_status(
    local: Sequence[LocalMigration], rows: Sequence[AppliedRow], shape: TableShape
) -> V1Status:
    """What the next v1 ``migrate()`` does with ``local`` against a table of ``shape``."""
    ordered = in_name_order(local)
    if shape is TableShape.V0:
        return _upgrade_status(ordered, rows)
    named: dict[str, list[AppliedRow]] = {}
    for row in rows:
        if row.name is not None:
            named.setdefault(row.name, []).append(row)
    pending = [m.name for m in ordered if m.name not in named]
    late = set(runs_after_newer(pending, named))
    local_names = {m.name for m in ordered}
    unknown = tuple(r for r in rows if r.name is None or r.name not in local_names)
    entries = tuple(
        _entry(m, tuple(named.get(m.name, ())), pending, late, unknown) for m in ordered
    )
    return V1Status(shape, entries, unknown, (), tuple(pending))


def _entry(
    migration: LocalMigration,
    rows: tuple[AppliedRow, ...],
    run_order: Sequence[str],
    late: set[str],
    unknown: Sequence[AppliedRow],
    skipped_under_0x: bool = False,
) -> V1EntryStatus:
    name, digest = migration.name, migration.hash
    if rows:
        changed = digest is not None and all(r.hash != digest for r in rows)
        state = State.APPLIED_FILE_CHANGED if changed else State.APPLIED
        return V1EntryStatus(name, migration.created_at, state, digest, rows)
    renamed = next((r for r in unknown if r.name is not None and r.hash == digest), None)
    details = [
        detail
        for detail, holds in (
            (Detail.SKIPPED_UNDER_0X, skipped_under_0x),
            (Detail.RENAMED, renamed is not None),
            (Detail.RUNS_AFTER_NEWER, name in late and not skipped_under_0x),
        )
        if holds
    ]
    return V1EntryStatus(
        name,
        migration.created_at,
        State.PENDING,
        digest,
        (),
        tuple(details),
        run_order.index(name) if name in run_order else None,
        renamed,
    )


def match_rows(local: Sequence[LocalMigration], rows: Sequence[AppliedRow]) -> tuple[RowMatch, ...]:
    """The 0.x upgrade's matching (``upToV1``), row by row in id order.

    Folders are looked up in (``created_at``, name) order: with several folders of one second,
    the first whose hash equals the row's; by hash alone, the last folder with that hash (a later
    one replaces an earlier one in its map). Two rows may match one folder.
    """
    by_millis: dict[int | None, list[LocalMigration]] = {}
    by_hash: dict[str | None, LocalMigration] = {}
    for migration in _upgrade_order(local):
        by_millis.setdefault(migration.created_at, []).append(migration)
        by_hash[migration.hash] = migration
    matches = []
    for row in sorted(rows, key=lambda r: r.id):
        candidates = by_millis.get(_to_second(row.created_at), [])
        if len(candidates) == 1:
            matches.append(RowMatch(row, candidates[0].name, MatchedBy.DATE))
        elif candidates:
            found = next((c for c in candidates if c.hash == row.hash), None)
            by = MatchedBy.DATE_AND_HASH if found else None
            matches.append(RowMatch(row, found.name if found else None, by))
        else:
            found = by_hash.get(row.hash)
            by = MatchedBy.HASH if found else None
            matches.append(RowMatch(row, found.name if found else None, by))
    return tuple(matches)


def _to_second(created_at: int | None) -> int | None:
    """``Number(s.substring(0, s.length - 3) + "000")`` of the bigint as text (None: NaN, which
    a NULL ``created_at`` gives, ``"n000"``, and which matches the folders whose date is NaN)."""
    if created_at is None:
        return None
    text = str(created_at)
    return int(text[: max(len(text) - 3, 0)] + "000")


def _upgrade_order(local: Sequence[LocalMigration]) -> list[LocalMigration]:
    """The upgrade's in-place sort: by ``created_at``, then by name. A NaN date compares as equal
    to everything (the comparator returns NaN); any such migration makes the run fail anyway."""

    def compare(a: LocalMigration, b: LocalMigration) -> int:
        if a.created_at is None or b.created_at is None:
            return 0
        if a.created_at != b.created_at:
            return a.created_at - b.created_at
        return (v1_order_key(a.name) > v1_order_key(b.name)) - (
            v1_order_key(a.name) < v1_order_key(b.name)
        )

    return sorted(local, key=cmp_to_key(compare))


def _upgrade_status(ordered: Sequence[LocalMigration], rows: Sequence[AppliedRow]) -> V1Status:
    matches = match_rows(ordered, rows)
    unknown = tuple(m.row for m in matches if m.name is None)
    by_name: dict[str, list[AppliedRow]] = {}
    for match in matches:
        if match.name is not None:
            by_name.setdefault(match.name, []).append(match.row)
    run_order = tuple(m.name for m in _upgrade_order(ordered) if m.name not in by_name)
    if unknown:
        run_order = ()  # migrate() throws before running anything
    # 0.x ran an entry only when its `when` was after every row's created_at; a folder keeps
    # that `when` to the second, so one of the newest row's second counts as skipped
    dated = [r.created_at for r in rows if r.created_at is not None]
    newest = _to_second(max(dated)) if dated else None
    entries = []
    for migration in ordered:
        skipped = (
            migration.name not in by_name
            and newest is not None
            and migration.created_at is not None
            and migration.created_at <= newest
        )
        rows_of = tuple(by_name.get(migration.name, ()))
        entries.append(_entry(migration, rows_of, run_order, set(), (), skipped))
    return V1Status(TableShape.V0, tuple(entries), unknown, matches, run_order)
