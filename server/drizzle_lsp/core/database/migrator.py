"""What the next ``migrate()`` will do with each journal entry, given the rows a database has
applied: a model of the drizzle-orm migrator, pure (no I/O).

The migrator (0.45, ``pg-core/dialect.js`` ``migrate``) reads the first row of
``SELECT ... FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1`` once, then runs,
in journal order, every entry whose ``when`` is greater than ``Number(created_at)`` of that row
and inserts ``(hash, created_at = when)`` for it. It never compares hashes. So a database tells us
exactly which entries will run, which ones will silently never run, and which applied files were
edited afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from drizzle_lsp.core.journal import Journal, JournalEntry
from drizzle_lsp.core.migration import drizzle_hash
from drizzle_lsp.core.run_once import Identity, former_identities

if TYPE_CHECKING:
    from drizzle_lsp.core.database.migrator_v1 import V1Status


@dataclass(frozen=True, slots=True)
class AppliedRow:
    """One row of the migrations table; ``created_at`` is the entry's ``when`` (nullable);
    ``name`` the folder name and ``applied_at`` the time it ran (ISO 8601) in a drizzle-orm v1
    table (None in a 0.x one, and ``applied_at`` None on the rows the v1 upgrade named)."""

    id: int
    hash: str
    created_at: int | None
    name: str | None = None
    applied_at: str | None = None


class State(StrEnum):
    APPLIED = "applied"
    APPLIED_FILE_CHANGED = "applied-file-changed"
    PENDING = "pending"
    WILL_BE_SKIPPED = "will-be-skipped"
    INVALID = "invalid-entry"  # no usable tag or when: J006 reports it


@dataclass(frozen=True, slots=True)
class EntryStatus:
    """One journal entry against the database.

    ``row``: the row recorded for it (``created_at == when``), if any; ``blocker``: for a skipped
    entry, the row whose ``created_at`` hides it; ``reruns``: pending although a row exists
    (a NULL ``created_at`` row sorts first and counts as 0, so everything runs again).
    """

    position: int
    tag: str | None
    when: int | None
    state: State
    row: AppliedRow | None = None
    blocker: AppliedRow | None = None
    file_hash: str | None = None
    file_missing: bool = False
    reruns: bool = False


@dataclass(frozen=True, slots=True)
class FolderStatus:
    entries: tuple[EntryStatus, ...]
    unknown_rows: tuple[AppliedRow, ...]  # rows that belong to no journal entry
    # rows of migrations applied before J001's fix re-dated them (their guards name the rows),
    # each with its entry's tag
    former_rows: tuple[tuple[AppliedRow, str], ...] = ()

    @property
    def skipped(self) -> tuple[EntryStatus, ...]:
        return tuple(e for e in self.entries if e.state is State.WILL_BE_SKIPPED)

    @property
    def missing_files(self) -> tuple[EntryStatus, ...]:
        return tuple(e for e in self.entries if e.file_missing)

    @property
    def not_applied(self) -> frozenset[str]:
        """Tags the next migrate() will run: they have not run on this database yet."""
        return frozenset(e.tag for e in self.entries if e.state is State.PENDING and e.tag)

    def of_tag(self, tag: str) -> EntryStatus | None:
        return next((e for e in self.entries if e.tag == tag), None)


@dataclass(frozen=True, slots=True)
class DatabaseView:
    """What the analyzer needs of a database: the folder's status and a password-free label.

    A drizzle-orm v1 folder has ``v1`` (and no journal entries in ``status``).
    """

    status: FolderStatus
    label: str
    v1: V1Status | None = None

    @property
    def not_applied(self) -> frozenset[str]:
        """Tags (v1: folder names) the next migrate() will run."""
        return self.status.not_applied | (self.v1.not_applied if self.v1 else frozenset())


def newest_row(rows: Sequence[AppliedRow]) -> AppliedRow | None:
    """The row the migrator compares with: first of ``ORDER BY created_at DESC`` (NULLS FIRST)."""
    if not rows:
        return None
    nulls = [r for r in rows if r.created_at is None]
    if nulls:
        return nulls[0]
    return max(rows, key=lambda r: r.created_at or 0)


def migration_status(
    journal: Journal,
    file_texts: Mapping[str, str | None],
    rows: Sequence[AppliedRow],
) -> FolderStatus:
    """Classify every journal entry as the next ``migrate()`` will treat it.

    ``file_texts`` maps a tag to its file text as :func:`~.files.read_migration_text` returns
    it (None: missing). Pure: the same journal, files and rows always give the same answer.
    """
    digests = {tag: _digest(text) for tag, text in file_texts.items()}
    former = {tag: former_identities(text) for tag, text in file_texts.items() if text}
    return status_from_digests(journal, digests, rows, former)


def status_from_digests(
    journal: Journal,
    file_digests: Mapping[str, str | None],
    rows: Sequence[AppliedRow],
    former: Mapping[str, tuple[Identity, ...]] | None = None,
) -> FolderStatus:
    """:func:`migration_status` given each tag's :func:`drizzle_hash` instead of its text, and
    the identities its guards name (``former``: the rows of its runs before a re-dating)."""
    newest = newest_row(rows)
    # Number(null) is 0 in the migrator's comparison
    threshold = None if newest is None else (newest.created_at or 0)
    digests = {e.position: file_digests.get(e.tag or "") for e in journal.entries}
    matched, unmatched = _match_rows(journal, digests, rows)
    statuses = tuple(
        _entry_status(entry, digests[entry.position], matched.get(entry.position), threshold)
        for entry in journal.entries
    )
    statuses = tuple(
        replace(s, blocker=newest) if s.state is State.WILL_BE_SKIPPED else s for s in statuses
    )
    unknown, earlier = _former_rows(unmatched, former or {})
    return FolderStatus(statuses, unknown, earlier)


def _former_rows(
    rows: Sequence[AppliedRow], former: Mapping[str, tuple[Identity, ...]]
) -> tuple[tuple[AppliedRow, ...], tuple[tuple[AppliedRow, str], ...]]:
    """``rows`` that no guard names, and those that one does, with the guarded tag."""
    unknown: list[AppliedRow] = []
    earlier: list[tuple[AppliedRow, str]] = []
    for row in rows:
        tag = next(
            (
                t
                for t, ids in former.items()
                if any(f.matches(row.created_at, row.hash) for f in ids)
            ),
            None,
        )
        if tag is None:
            unknown.append(row)
        else:
            earlier.append((row, tag))
    return tuple(unknown), tuple(earlier)


def _digest(text: str | None) -> str | None:
    return None if text is None else drizzle_hash(text)


def _match_rows(
    journal: Journal, digests: Mapping[int, str | None], rows: Sequence[AppliedRow]
) -> tuple[dict[int, AppliedRow], tuple[AppliedRow, ...]]:
    """Entry position -> its row (same ``when`` and hash first, then same ``when`` alone), and
    the rows left over.

    Each row belongs to one entry, so two entries sharing a ``when`` (J004) are told apart by
    their hash, and an edited file still finds its row.
    """
    free = list(rows)
    matched: dict[int, AppliedRow] = {}
    for by_hash in (True, False):
        for entry in journal.entries:
            if entry.when is None or entry.position in matched:
                continue
            digest = digests[entry.position]
            for candidate in free:
                if candidate.created_at == entry.when and (not by_hash or candidate.hash == digest):
                    matched[entry.position] = candidate
                    free.remove(candidate)
                    break
    return matched, tuple(free)


def _entry_status(
    entry: JournalEntry, digest: str | None, row: AppliedRow | None, threshold: int | None
) -> EntryStatus:
    """One entry: it runs iff no row yet or ``when`` > threshold (the migrator's only test)."""
    position, tag, when = entry.position, entry.tag, entry.when
    if tag is None or when is None:
        return EntryStatus(position, tag, when, State.INVALID)
    status = EntryStatus(
        position, tag, when, State.PENDING, row, file_hash=digest, file_missing=digest is None
    )
    if threshold is None or when > threshold:
        return replace(status, reruns=row is not None)
    if row is None:
        return replace(status, state=State.WILL_BE_SKIPPED)
    changed = digest is not None and row.hash != digest
    return replace(status, state=State.APPLIED_FILE_CHANGED if changed else State.APPLIED)


def at_risk_tags(view: DatabaseView | None) -> frozenset[str]:
    """Tags ``view`` puts at risk of running twice besides the pending ones (which the analyzer
    adds itself): the ones it will skip, which only run once re-dated, so again where they ran."""
    if view is None:
        return frozenset()
    skipped = (e.tag for e in view.status.entries if e.state is State.WILL_BE_SKIPPED)
    return frozenset(tag for tag in skipped if tag)
