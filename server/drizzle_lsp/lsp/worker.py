"""The analysis thread's side: a :class:`Snapshot` taken on the event loop goes in, a
:class:`Result` comes out.

An analysis reads nothing of the server's state: what it needs (the folder's settings,
its open buffers, the database rows read last) is copied into the snapshot, and the files on disk
are read through a :class:`DiskCache` that the event loop invalidates as watchers report changes.
"""

from __future__ import annotations

import gc
import itertools
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from drizzle_lsp.core.database import DatabaseView, at_risk_tags, database_view
from drizzle_lsp.core.diagnostics import Violation
from drizzle_lsp.core.folder import (
    JOURNAL,
    Layout,
    MigrationFolder,
    folder_texts,
    is_snapshot_path,
    load_folder,
    source_of,
    with_buffers,
)
from drizzle_lsp.core.migrator_choice import MigratorChoice, choose_migrator
from drizzle_lsp.core.settings import S002Scope, Settings
from drizzle_lsp.core.snapshots import snapshot_paths
from drizzle_lsp.core.source import SourceError, SourceText, read_source
from drizzle_lsp.engine.analyze import analyze_files, fix_folder, lint_in_parallel
from drizzle_lsp.engine.base_branch import BaseTrees, new_tags
from drizzle_lsp.lsp.database import DatabaseInput


class DiskCache:
    """File texts read from disk, kept until a watcher says the file changed.

    Written from the analysis thread, invalidated from the event loop: a read that raced with an
    invalidation is not stored (its stamp moved on).
    """

    def __init__(self) -> None:
        self._texts: dict[Path, SourceText | SourceError] = {}
        self._stamps: dict[Path, int] = {}
        self._lock = threading.Lock()
        self.generation = 0  # moves on with every invalidation: what was read may be stale

    def read(self, path: Path) -> SourceText:
        with self._lock:
            cached = self._texts.get(path)
            stamp = self._stamps.get(path, 0)
        if cached is None:
            try:
                cached = read_source(path)
            except SourceError as error:
                cached = error
            with self._lock:
                if self._stamps.get(path, 0) == stamp:
                    self._texts[path] = cached
        if isinstance(cached, SourceError):
            raise cached
        return cached

    def invalidate(self, path: Path) -> None:
        with self._lock:
            self._texts.pop(path, None)
            self._stamps[path] = self._stamps.get(path, 0) + 1
            self.generation += 1

    def clear(self) -> None:
        with self._lock:
            for path in self._texts:
                self._stamps[path] = self._stamps.get(path, 0) + 1
            self._texts.clear()
            self.generation += 1


@dataclass(slots=True)
class Snapshot:
    """Everything an analysis needs, taken on the event loop."""

    root: Path
    layout: Layout
    generation: int
    settings: Settings
    sql_files: list[Path]
    buffers: dict[Path, tuple[str, int]]  # open documents of this folder: text, version
    database: DatabaseInput | None  # the database its settings name (None: none)
    on_read: Callable[[], None] | None = None  # progress: called per file read (worker thread)
    disk_generation: int = 0  # the disk cache's, when this was taken
    # the folder as the last published analysis loaded it, when only buffers' texts can have
    # changed since (the same files, buffers and disk cache): loaded again from it
    base: MigrationFolder | None = None
    # the base branch's files of each folder, for S002's `new` scope (None: not asked)
    base_trees: BaseTrees | None = None


@dataclass(slots=True)
class Result:
    """One analysis of one folder."""

    snapshot: Snapshot
    folder: MigrationFolder
    by_path: dict[Path, list[Violation]]  # each file's violations, in order
    seconds: float
    view: DatabaseView | None = None  # the database status the D rules saw
    migrator: MigratorChoice | None = None  # the migrator the rules followed

    @property
    def violations(self) -> list[Violation]:
        return list(itertools.chain.from_iterable(self.by_path.values()))

    def text_of(self, path: Path) -> str | None:
        source = source_of(self.folder, path)
        return source.text if source is not None else None

    def version_of(self, path: Path) -> int | None:
        buffer = self.snapshot.buffers.get(path)
        return buffer[1] if buffer else None

    def texts(self) -> dict[Path, str | None]:
        """Each file of the folder, with the text this analysis saw (None: unreadable)."""
        texts = {p: d.source.text if d.source else None for p, d in self.folder.sql.items()}
        texts.update(
            (p, d.source.text if d.source else None) for p, d in self.folder.snapshots.items()
        )
        if self.folder.journal_path is not None and self.folder.journal_source is not None:
            texts[self.folder.journal_path] = self.folder.journal_source.text
        return texts


def _load(snapshot: Snapshot, disk: DiskCache) -> MigrationFolder:
    buffers, on_read = snapshot.buffers, snapshot.on_read

    def reader(path: Path) -> SourceText:
        if on_read is not None:
            on_read()
        buffer = buffers.get(path)
        return SourceText(buffer[0]) if buffer is not None else disk.read(path)

    snapshots = None
    if snapshot.layout is Layout.JOURNAL:  # on disk, and those open only in the editor
        meta = snapshot.root / JOURNAL.parent
        snapshots = {
            *snapshot_paths(meta),
            *(p for p in buffers if is_snapshot_path(p)),
        }
    return load_folder(
        snapshot.root,
        snapshot.layout,
        reader,
        sql_files=snapshot.sql_files,
        snapshot_files=snapshots,
    )


def _changed_buffers(
    base: MigrationFolder, buffers: Mapping[Path, tuple[str, int]]
) -> dict[Path, str]:
    """The buffers whose text is not the one ``base`` was loaded with."""
    return {
        path: text
        for path, (text, _) in buffers.items()
        if (before := source_of(base, path)) is None or before.text is not text
    }


def _database_view(snapshot: Snapshot, folder: MigrationFolder) -> DatabaseView | None:
    database = snapshot.database
    if database is None or database.applied is None:
        return None
    applied = database.applied
    return database_view(folder, applied.rows, database.label, database.digests, applied.shape)


@contextmanager
def without_cyclic_gc(collect_after: bool = False) -> Iterator[None]:
    """Cyclic garbage collection off while analysing: analysis allocates many short-lived,
    acyclic objects, which reference counting frees, and the collections they would trigger only
    walk the caches (the switch is process-wide: left off if someone else turned it off, as the
    scan does). ``collect_after``: collect the young generations when done, so that the next
    analysis does not pay for them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            if collect_after:
                gc.collect(1)


def analyze(snapshot: Snapshot, clock: Callable[[], int], disk: DiskCache) -> Result:
    """The diagnostics of ``snapshot``'s folder: loaded again from the last published analysis
    when only buffers changed, else read anew (buffers over the disk)."""
    started = time.perf_counter()
    base, snapshot.base = snapshot.base, None  # the result keeps its snapshot, not this too
    with without_cyclic_gc():
        if base is not None:
            folder = with_buffers(base, _changed_buffers(base, snapshot.buffers))
        else:  # not only buffers changed: many chunks may be new
            folder = _load(snapshot, disk)
            lint_in_parallel(folder, snapshot.settings)  # on both cores, when worth it
        view = _database_view(snapshot, folder)
        at_risk = at_risk_tags(view)
        new = _new_tags(snapshot, folder)
        by_path = analyze_files(folder, snapshot.settings, clock, at_risk, view, new)
        # (the analysis decided it too: this is its cached answer)
        migrator = choose_migrator(snapshot.settings.migrator, snapshot.root, snapshot.layout)
    return Result(snapshot, folder, by_path, time.perf_counter() - started, view, migrator)


def _new_tags(snapshot: Snapshot, folder: MigrationFolder) -> frozenset[str] | None:
    """The migrations not on the base branch (S002's ``new`` scope): git's listing of the base
    is kept until HEAD or the index moves, so an edit costs a few ``stat`` calls and the hash of
    the edited file."""
    if snapshot.settings.s002_scope is not S002Scope.NEW or snapshot.base_trees is None:
        return None
    return new_tags(folder, snapshot.base_trees.of(snapshot.root))


def fix_all(
    snapshot: Snapshot,
    clock: Callable[[], int],
    disk: DiskCache,
    path: Path,
    code: str | None = None,
) -> dict[Path, tuple[str, str]] | None:
    """Safe fixes of the diagnostics of ``path`` (with a ``code``: of that rule's, in the whole
    folder), in passes: each changed file's old and new text."""
    folder = _load(snapshot, disk)

    def wanted(v: Violation) -> bool:
        if v.fix is None:
            return False
        return v.code == code if code is not None else v.path == path

    view = _database_view(snapshot, folder)
    at_risk = at_risk_tags(view) | (view.not_applied if view is not None else frozenset())
    new = _new_tags(snapshot, folder)
    outcome = fix_folder(folder, snapshot.settings, clock, at_risk=at_risk, wanted=wanted, new=new)
    if not outcome.changed:
        return None
    before = folder_texts(folder)
    return {p: (before.get(p, ""), text) for p, text in outcome.changed.items()}
