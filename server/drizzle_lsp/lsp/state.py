"""The server's model of the workspace: migrations folders, open buffers, settings, scheduling.

Nothing here speaks LSP on the wire; :mod:`drizzle_lsp.lsp.server` feeds it events and gives it
a :class:`Client` to publish through. Analysis runs on a single worker thread
(:mod:`drizzle_lsp.lsp.worker`), so the event loop keeps reading the client's messages meanwhile:
it gets a snapshot of what it needs, taken here, and reads open buffers before the disk.

Freshness: every change that can affect a folder bumps its ``generation``. An analysis remembers
the generation it started from and its result is dropped if the folder changed meanwhile (a newer
analysis follows), so diagnostics computed for an older text are never published over newer ones.
Scheduling is a per-folder debounce with a leading edge: the first change after a quiet period is
analysed at once, changes that follow in quick succession are coalesced until ``debounce``
seconds pass without one.

Database status: a journal folder whose settings name a database gets the last rows read from it
(:mod:`drizzle_lsp.lsp.database` reads them in the background) in its snapshot; the analysis
thread turns them into a :class:`~drizzle_lsp.core.database.DatabaseView` with the files' hashes
as they are on disk, and the D rules run.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from drizzle_lsp.core.diagnostics import Severity, Violation
from drizzle_lsp.core.folder import (
    JOURNAL,
    V1_DIR,
    V1_FILE,
    Layout,
    folder_layout,
    is_snapshot_path,
    owning_folder,
    search_paths,
    search_tree,
    sql_paths,
)
from drizzle_lsp.core.settings import CONFIG_FILES, S002Scope
from drizzle_lsp.core.text import Encoding, TextIndex
from drizzle_lsp.engine.analyze import now_ms
from drizzle_lsp.engine.base_branch import BaseTrees
from drizzle_lsp.lsp import convert, worker
from drizzle_lsp.lsp.database import Approvals, DatabaseMonitor, Key
from drizzle_lsp.lsp.editor_settings import EditorSettings
from drizzle_lsp.lsp.worker import DiskCache, Result, Snapshot

log = logging.getLogger(__name__)

DEFAULT_DEBOUNCE = 0.075  # seconds


class Client(Protocol):
    """What the state needs from the server: publishing, progress and messages."""

    def publish(self, uri: str, version: int | None, diagnostics: convert.DiagnosticsText) -> None:
        """Send ``textDocument/publishDiagnostics`` (the diagnostics are JSON text)."""

    def report_progress(self, message: str, percentage: int) -> None: ...

    def show_warning(self, message: str) -> None:
        """Tell the user (``window/showMessage``); for what they must act on, rarely."""

    async def ask(self, message: str, actions: list[str]) -> str | None:
        """Ask the user (``window/showMessageRequest``): the action chosen, None if none."""


class Change(Enum):
    CREATED = 1
    CHANGED = 2
    DELETED = 3


# ---- documents --------------------------------------------------------------------------------


@dataclass(slots=True)
class OpenDocument:
    """An editor buffer: its text is the truth for this path while it is open."""

    uri: str
    path: Path
    version: int
    text: str
    _index: TextIndex | None = None

    @property
    def index(self) -> TextIndex:
        if self._index is None or self._index.text is not self.text:
            self._index = TextIndex(self.text)
        return self._index

    def apply(self, version: int, changes: Sequence[Any], encoding: Encoding) -> None:
        """Apply ``didChange`` content changes (incremental ranges or whole text), in order;
        the line index is carried over each edit, not built again."""
        for change in changes:
            rng = getattr(change, "range", None)
            if rng is None:
                self.text = change.text
                continue
            span = convert.to_span(self.index, rng, encoding)
            self._index = self.index.edited(span.start, span.end, change.text)
            self.text = self._index.text
        self.version = version


# ---- folders ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Published:
    """What was last published for one file (to skip re-publishing the same thing)."""

    text: str | None
    version: int | None
    violations: tuple[Violation, ...]


@dataclass(slots=True)
class FolderState:
    root: Path
    layout: Layout
    workspace: Path | None  # the workspace folder it was found in (None: opened from outside)
    listing: set[Path]  # .sql files on disk
    generation: int = 0
    last_change: float = float("-inf")
    task: asyncio.Task[None] | None = None
    published: dict[Path, Published] = field(default_factory=dict)
    result: Result | None = None  # the last published analysis
    on_read: Callable[[], None] | None = None  # progress while the workspace is scanned

    @property
    def journal_path(self) -> Path | None:
        return self.root / JOURNAL if self.layout is Layout.JOURNAL else None

    def owns(self, path: Path) -> bool:
        """Whether ``path`` is this folder's journal, one of its snapshots or migration files."""
        if path == self.journal_path:
            return True
        if self.layout is Layout.JOURNAL and path.parent.parent == self.root:
            return is_snapshot_path(path)
        if self.layout is Layout.V1:
            return path.name == V1_FILE and path.parent.parent == self.root
        return path.suffix == ".sql" and path.parent == self.root


# ---- the state ---------------------------------------------------------------------------------


class ServerState:
    def __init__(self, client: Client, debounce: float = DEFAULT_DEBOUNCE) -> None:
        self.client = client
        self.debounce = debounce
        self.encoding = Encoding.UTF16
        self.workspace_folders: list[Path] = []
        self.documents: dict[Path, OpenDocument] = {}
        self.folders: dict[Path, FolderState] = {}
        self.disk = DiskCache()
        self.base_trees = BaseTrees()
        self.clock: Callable[[], int] = now_ms
        self.database = DatabaseMonitor(self._database_changed, client.show_warning)
        self.approvals = Approvals(
            lambda message, actions: client.ask(message, actions), self._database_approved
        )
        self.database_interval = 0.0  # seconds between background reads (0: none)
        self._database_timer: asyncio.Task[None] | None = None
        self._rescan: asyncio.Task[None] | None = None  # after a config file changed
        self.folders_changed: Callable[[], None] = lambda: None  # the watcher follows the roots
        self.scanned: Callable[[], None] = lambda: None  # and searches the workspace again
        self.settings = EditorSettings(self.approvals.usable)
        self._indexes: dict[Path, TextIndex] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drizzle-analysis")
        self._closed = False
        self.document_changes = False  # client accepts versioned WorkspaceEdit.documentChanges

    # ---- lifecycle -------------------------------------------------------------------------

    async def in_worker(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def close(self) -> None:
        self._closed = True
        for state in self.folders.values():
            if state.task is not None:
                state.task.cancel()
        for task in (self._database_timer, self._rescan):
            if task is not None:
                task.cancel()
        self.database.close()
        self.approvals.close()
        self._executor.shutdown(wait=False, cancel_futures=True)

    # ---- settings --------------------------------------------------------------------------

    def set_editor_settings(self, workspace: Path | None, data: Any) -> None:
        """The ``drizzleLsp`` settings the editor sent for a workspace folder (None: global)."""
        options = self.settings.update(workspace, data)
        if options.debounce is not None:
            self.debounce = options.debounce
        if options.database_interval is not None:
            self.database_interval = options.database_interval

    def s002_scope_of(self, path: Path) -> S002Scope:
        """S002's scope in the folder of ``path`` (the settings', or the user's choice)."""
        state = self.folder_of(path)
        if state is None:
            return self.settings.s002_override or S002Scope.NEW
        return self.settings.for_folder(state.root, state.workspace).s002_scope

    async def set_s002_scope(self, scope: S002Scope) -> None:
        """S002's scope as the user chose it in the editor, over the settings from now on: every
        folder analysed again (an analysis under way is dropped and done again)."""
        self.settings.override_s002_scope(scope)
        states = list(self.folders.values())
        for state in states:
            self.touch(state, immediate=True)
        tasks = [asyncio.shield(s.task) for s in states if s.task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)

    def settings_changed(self) -> None:
        """A config file changed: re-read the settings and scan again in the background
        (``migrations`` may name other folders now), after a scan this started before."""
        if self._closed:
            return
        self.settings.clear()
        self._rescan = asyncio.get_running_loop().create_task(self._scan_after(self._rescan))

    async def _scan_after(self, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await previous
        try:
            await self.scan()
        except Exception:
            log.exception("scan after a configuration change failed")

    def workspace_of(self, path: Path) -> Path | None:
        for folder in sorted(self.workspace_folders, key=lambda p: len(p.parts), reverse=True):
            if path == folder or folder in path.parents:
                return folder
        return None

    # ---- discovery -------------------------------------------------------------------------

    def discover(self) -> list[tuple[Path, Layout, Path, set[Path]]]:
        """Migrations folders of every workspace folder, with their .sql listing (worker)."""
        found: list[tuple[Path, Layout, Path, set[Path]]] = []
        seen: set[Path] = set()
        for workspace in self.workspace_folders:
            for root, layout in self._visit(workspace, [workspace]):
                if layout is not None and root not in seen:
                    seen.add(root)
                    found.append((root, layout, workspace, set(_listing(root, layout))))
        return found

    def search(self, trees: Collection[Path]) -> dict[Path, Layout | None]:
        """What discovery visits in ``trees`` (directories of the workspace folders): migrations
        folders with their layout, and the directories searched (None), where new ones would
        appear (worker). Folders the settings name are looked at whatever ``trees`` are."""
        visited: dict[Path, Layout | None] = {}
        for workspace in self.workspace_folders:
            mine = [t for t in trees if t == workspace or workspace in t.parents]
            for path, layout in self._visit(workspace, mine):
                if layout is not None or path not in visited:  # a folder's layout wins
                    visited[path] = layout
        return visited

    def _visit(
        self, workspace: Path, trees: Iterable[Path]
    ) -> Iterator[tuple[Path, Layout | None]]:
        """The directories discovery visits in ``trees`` of ``workspace``, with their layout."""
        settings = self.settings.for_folder(workspace, workspace)
        if settings.migrations:
            base = settings.root or workspace
            return search_paths((base / m).absolute() for m in settings.migrations)
        return itertools.chain.from_iterable(search_tree(tree) for tree in trees)

    async def scan(self) -> None:
        """(Re)discover every migrations folder and analyse them all, reporting progress."""
        self.disk.clear()
        self.base_trees.clear()
        self.database.digests.clear()
        self.settings.clear()
        self.approvals.forget_waiting()
        found = await self.in_worker(self.discover)
        roots = {root for root, *_ in found}
        for root in [r for r in self.folders if r not in roots and not self._has_buffers(r)]:
            self._remove(root)
        states = []
        for root, layout, workspace, listing in found:
            state = self.folders.get(root)
            if state is not None and state.layout is not layout:
                self._remove(root)  # e.g. a v1 folder that got a journal
                state = None
            if state is None:
                state = self.folders[root] = FolderState(root, layout, workspace, listing)
            else:
                state.listing = listing
            states.append(state)
        self.folders_changed()
        self.scanned()
        total = sum(len(s.listing) + 1 for s in states) or 1
        loop = asyncio.get_running_loop()
        read = 0
        step = max(1, total // 20)

        def on_read() -> None:  # on the analysis thread
            nonlocal read
            read += 1
            if read % step == 0:
                loop.call_soon_threadsafe(
                    self.client.report_progress,
                    f"{read}/{total} files",
                    min(99, read * 100 // total),
                )

        for state in states:
            self.client.report_progress(_short(state.root), min(99, read * 100 // total))
            state.on_read = on_read
            try:
                await self.analyze_now(state)
            finally:
                state.on_read = None
        # diagnostics are out without database results; they follow when the rows are read
        self.refresh_databases()

    def folders_within(self, paths: Iterable[Path]) -> list[Path]:
        """The known migrations folders that are, or are inside, one of ``paths``."""
        wanted = set(paths)
        if not wanted:
            return []
        return [r for r in self.folders if r in wanted or not wanted.isdisjoint(r.parents)]

    def _has_buffers(self, root: Path) -> bool:
        state = self.folders.get(root)
        return state is not None and any(state.owns(p) for p in self.documents)

    def folder_of(self, path: Path) -> FolderState | None:
        for candidate in (path.parent.parent, path.parent):
            state = self.folders.get(candidate)
            if state is not None and state.owns(path):
                return state
        return None

    def _adopt(self, path: Path) -> FolderState | None:
        """The folder of ``path``, adding it when it is a migrations folder we did not know."""
        state = self.folder_of(path)
        if state is not None:
            return state
        owner = owning_folder(path)
        known = self.folders.get(owner[0]) if owner is not None else None
        if owner is not None and known is not None and known.layout is owner[1]:
            return known  # a file of a v1 subfolder the migrator passes over (V002)
        if owner is None and path.name == JOURNAL.name and path.parent.name == "meta":
            owner = (path.parent.parent, Layout.JOURNAL)  # a journal open only in the editor
        if owner is None and path.name == V1_FILE and V1_DIR.match(path.parent.name):
            owner = (path.parent.parent, Layout.V1)
        if owner is None:
            return None
        state = self._add(*owner)
        self.folders_changed()
        return state

    def add_folders(self, found: Iterable[tuple[Path, Layout]]) -> None:
        """Migrations folders found on disk after the scan (a watcher's search): check new ones."""
        added = [self._add(root, layout) for root, layout in found if root not in self.folders]
        if not added:
            return
        for state in added:
            self.touch(state)
        self.refresh_databases(added)
        self.folders_changed()

    def _add(self, root: Path, layout: Layout) -> FolderState:
        self._remove(root)  # known in another layout (a v1 folder that got a journal): its
        # diagnostics are cleared, its analysis stopped
        listing = set(_listing(root, layout))
        state = self.folders[root] = FolderState(root, layout, self.workspace_of(root), listing)
        log.info("migrations folder found: %s", root)
        return state

    def _remove(self, root: Path) -> None:
        state = self.folders.pop(root, None)
        if state is None:
            return
        if state.task is not None:
            state.task.cancel()
        for path, published in state.published.items():
            if published.violations:
                self._clear(path)
        log.info("migrations folder gone: %s", root)
        self.folders_changed()

    # ---- documents -------------------------------------------------------------------------

    def open(self, uri: str, text: str, version: int) -> None:
        path = convert.path_of(uri)
        if path is None:
            return
        self.documents[path] = OpenDocument(uri, path, version, text)
        state = self._adopt(path)
        if state is not None:
            self.touch(state)

    def change(self, uri: str, version: int, changes: Sequence[Any]) -> None:
        path = convert.path_of(uri)
        document = self.documents.get(path) if path else None
        if document is None or path is None:
            return
        document.apply(version, changes, self.encoding)
        state = self.folder_of(path)
        if state is not None:
            self.touch(state)

    def close_document(self, uri: str) -> None:
        path = convert.path_of(uri)
        if path is None or self.documents.pop(path, None) is None:
            return
        state = self.folder_of(path)
        if state is None:
            return
        if path == state.journal_path and not path.is_file():
            self._remove(state.root)  # the journal existed only in the editor
            return
        self.touch(state)

    def document(self, uri: str) -> OpenDocument | None:
        path = convert.path_of(uri)
        return self.documents.get(path) if path else None

    # ---- the disk --------------------------------------------------------------------------

    def files_changed(self, events: Iterable[tuple[Path, Change]]) -> None:
        """Files created, changed or deleted outside the editor (watcher events); a deleted
        directory takes the migrations folders inside it along."""
        touched: dict[Path, FolderState] = {}
        deleted: list[Path] = []
        config_changed = False
        for path, kind in events:
            if path.name in CONFIG_FILES:
                config_changed = True
                continue
            self.disk.invalidate(path)
            self.database.digests.invalidate(path)
            self._indexes.pop(path, None)
            state = self.folder_of(path)
            if state is None:
                if kind is Change.DELETED:
                    deleted.append(path)  # perhaps a directory, with migrations folders inside
                    continue
                state = self._adopt(path)
                if state is None:
                    continue
            if path == state.journal_path:
                if kind is Change.DELETED and path not in self.documents and not path.is_file():
                    self._remove(state.root)
                    touched.pop(state.root, None)
                    continue
            elif is_snapshot_path(path):
                pass  # listed when the folder is loaded
            elif state.layout is Layout.V1 and path.name != V1_FILE:
                pass  # a snapshot, or a file of a subfolder the migrator passes over: the same
            elif kind is Change.DELETED:
                state.listing.discard(path)
            else:
                state.listing.add(path)
            touched[state.root] = state
        for state in touched.values():
            self.touch(state)
        self.reconcile(self.folders_within(deleted))
        if config_changed:
            log.info("configuration file changed: re-reading settings")
            self.settings_changed()
        elif touched:
            self.refresh_databases(touched.values())

    def reconcile(self, roots: Iterable[Path]) -> None:
        """List ``roots`` again once a watcher is listening: files created or deleted between the
        scan's listing and the watcher's start would otherwise go unseen. A root that is no
        migrations folder any more (deleted, moved) goes, unless the editor has its files open."""
        events: list[tuple[Path, Change]] = []
        for root in roots:
            state = self.folders.get(root)
            if state is None:
                continue
            if folder_layout(root) is None and not self._has_buffers(root):
                self._remove(root)
                continue
            now = set(_listing(root, state.layout))
            events += [(p, Change.CREATED) for p in sorted(now - state.listing)]
            events += [(p, Change.DELETED) for p in sorted(state.listing - now)]
        if events:
            self.files_changed(events)

    def saved(self, uri: str) -> None:
        """``didSave``: the file on disk is what migrate() reads now; re-read the database too."""
        path = convert.path_of(uri)
        if path is None:
            return
        self.disk.invalidate(path)
        self.database.digests.invalidate(path)
        state = self.folder_of(path)
        if state is not None:
            self.touch(state)  # the buffer did not change, the hash on disk may have
            self.refresh_databases([state])

    # ---- scheduling ------------------------------------------------------------------------

    def touch(self, state: FolderState, immediate: bool = False) -> None:
        """Something in ``state``'s folder changed: schedule its analysis (debounced)."""
        if self._closed:
            return
        now = time.monotonic()
        idle = now - state.last_change >= self.debounce
        state.generation += 1
        state.last_change = now
        if state.task is None or state.task.done():
            state.task = asyncio.get_running_loop().create_task(
                self._drive(state, leading=immediate or idle)
            )

    async def analyze_now(self, state: FolderState) -> None:
        """Analyse ``state`` now (or join the analysis under way) and wait for it."""
        if state.task is None or state.task.done():
            state.generation += 1
            state.task = asyncio.get_running_loop().create_task(self._drive(state, leading=True))
        task = state.task
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if not task.cancelled() or (current is not None and current.cancelling()):
                raise  # we were cancelled, not (only) the analysis
            # the folder went away (or the server is closing): nothing to wait for

    async def _drive(self, state: FolderState, leading: bool) -> None:
        if not leading:
            await self._settle(state)
        while not self._closed and self.folders.get(state.root) is state:
            snapshot = self._snapshot(state)
            with worker.without_cyclic_gc(collect_after=True):  # until the diagnostics are out
                try:
                    result = await self.in_worker(worker.analyze, snapshot, self.clock, self.disk)
                except Exception:
                    log.exception("analysis of %s failed", state.root)
                    return
                if state.generation == snapshot.generation:
                    self._publish(state, result)
                    return
            # changed meanwhile: this result is stale, drop it and go again
            log.debug("stale result dropped: %s changed during its analysis", state.root)
            await self._settle(state)

    async def _settle(self, state: FolderState) -> None:
        while (wait := state.last_change + self.debounce - time.monotonic()) > 0:
            await asyncio.sleep(wait)

    def _snapshot(self, state: FolderState) -> Snapshot:
        buffers = {
            path: (doc.text, doc.version)
            for path, doc in self.documents.items()
            if state.owns(path)
        }
        sql_files = sorted(
            state.listing
            | {p for p in buffers if p != state.journal_path and not is_snapshot_path(p)},
            key=str,
        )
        settings = self.settings.for_folder(state.root, state.workspace)
        database = self.database.input_for(settings) if _has_database(state) else None
        snapshot = Snapshot(
            state.root,
            state.layout,
            state.generation,
            settings,
            sql_files,
            buffers,
            database,
            state.on_read,
            self.disk.generation,
            base_trees=self.base_trees,
        )
        last = state.result
        if (
            last is not None
            and last.snapshot.disk_generation == snapshot.disk_generation
            and last.snapshot.sql_files == sql_files
            and last.snapshot.buffers.keys() == buffers.keys()
        ):
            snapshot.base = last.folder
        return snapshot

    # ---- publishing ------------------------------------------------------------------------

    def _clear(self, path: Path) -> None:
        """Publish no diagnostics for ``path``, and forget what the writer kept of it."""
        uri = self.uri_for(path)
        convert.forget_written(path, uri, self.encoding)
        self.client.publish(uri, None, convert.NO_DIAGNOSTICS)

    def uri_for(self, path: Path) -> str:
        document = self.documents.get(path)
        return document.uri if document is not None else convert.uri_of(path)

    def index_for(self, path: Path, text: str) -> TextIndex:
        """The line index of ``text`` (the text of ``path`` an analysis saw), built once."""
        document = self.documents.get(path)
        if document is not None and document.text is text:
            return document.index
        index = self._indexes.get(path)
        if index is None or (index.text is not text and index.text != text):
            index = self._indexes[path] = TextIndex(text)
        return index

    def document_for(self, result: Result) -> convert.DocumentOf:
        """Where, at which version and with which line index the files of ``result`` are."""

        def document_of(path: Path) -> convert.Document:
            index = self.index_for(path, result.text_of(path) or "")
            return convert.Document(self.uri_for(path), result.version_of(path), index)

        return document_of

    def _publish(self, state: FolderState, result: Result) -> None:
        last, state.result = state.result, result
        if result.migrator is not None and (last is None or last.migrator != result.migrator):
            log.info("%s: %s", state.root, result.migrator.describe())
        texts, by_path, buffers = result.texts(), result.by_path, result.snapshot.buffers
        document_of = self.document_for(result)

        # every file, and the paths of violations outside them (in one pass: a folder has
        # thousands of files, of which an edit changes the diagnostics of one or two)
        for path in [*texts, *(p for p in by_path if p not in texts)]:
            violations = tuple(by_path.get(path, ()))
            buffer = buffers.get(path)
            version, text = buffer[1] if buffer else None, texts.get(path)
            before = state.published.get(path)
            if before is None and not violations:
                state.published[path] = Published(text, version, violations)
                continue
            if (
                before is not None
                and before.version == version
                and before.violations == violations
                and (before.text is text or before.text == text)
            ):
                continue
            writer = convert.DiagnosticWriter(path, document_of, self.encoding)
            self.client.publish(writer.document.uri, version, writer.diagnostics(violations))
            state.published[path] = Published(text, version, violations)
        for path in [p for p in state.published if p not in texts and p not in by_path]:
            if state.published.pop(path).violations:  # a deleted file: clear it
                self._clear(path)
        log.info("%s", checked_line(state, result))
        since = time.monotonic() - state.last_change
        log.debug(
            "%s: %d diagnostics, analysed in %.1f ms%s",
            state.root,
            len(result.violations),
            result.seconds * 1e3,
            f", published {since * 1e3:.1f} ms after the last change" if since < 60 else "",
        )

    # ---- queries for the feature handlers --------------------------------------------------

    def current_result(self, path: Path) -> Result | None:
        """The last published analysis of the folder of ``path``, if it saw the current text."""
        state = self.folder_of(path)
        if state is None or state.result is None:
            return None
        document = self.documents.get(path)
        seen = state.result.text_of(path)
        if document is not None and seen is not document.text and seen != document.text:
            return None
        return state.result

    async def fix_all(
        self, path: Path, code: str | None = None
    ) -> dict[Path, tuple[str, str]] | None:
        """Old and new text of each file that every safe fix of ``path``'s own diagnostics
        changes (J001's fix on the journal also guards the re-dated ``.sql`` files); with a
        ``code``, of that rule's diagnostics in the whole folder of ``path``."""
        state = self.folder_of(path)
        if state is None:
            return None
        snapshot = self._snapshot(state)
        # the caller compares the old texts with its buffers: other changes do not matter here
        return await self.in_worker(worker.fix_all, snapshot, self.clock, self.disk, path, code)  # type: ignore[no-any-return]

    # ---- the database ---------------------------------------------------------------------

    def database_key(self, state: FolderState) -> Key | None:
        """The database ``state``'s settings name (journal and v1 folders only)."""
        if not _has_database(state):
            return None
        return self.database.key_of(self.settings.for_folder(state.root, state.workspace))

    def _database_keys(self, states: Iterable[FolderState]) -> list[Key]:
        return [key for state in states if (key := self.database_key(state)) is not None]

    def refresh_databases(self, states: Iterable[FolderState] | None = None) -> None:
        """Re-read the databases of ``states`` (default: all folders) in the background."""
        if self._closed:
            return
        if states is None:
            keys = self._database_keys(self.folders.values())
            self.database.forget(keys)
            self._start_database_timer()
        else:
            keys = self._database_keys(states)
        self.approvals.ask_waiting()
        self.database.refresh(keys)

    def _database_approved(self) -> None:
        """The user approved a config file's database URL: use it from now on."""
        self.settings.clear()
        self.refresh_databases()

    def _database_changed(self, key: Key) -> None:
        for state in list(self.folders.values()):
            if self.database_key(state) == key:
                self.touch(state, immediate=True)

    async def refresh_database(self) -> dict[str, int]:
        """``drizzle-lsp.refreshDatabase``: read every database now, then re-check its folders.

        Returns how many folders name a database and how many of those could not be read.
        """
        self.approvals.ask_waiting(again=True)
        states = [s for s in self.folders.values() if self.database_key(s) is not None]
        if not states:
            log.info(
                "no database configured: set drizzleLsp.databaseUrl "
                "(or database-url in drizzle-lsp.toml)"
            )
            return {"folders": 0, "unavailable": 0}
        keys = self._database_keys(states)
        self.database.digests.clear()  # in case a change on disk went unreported
        await self.database.refresh_and_wait(keys)
        await asyncio.gather(*(self.analyze_now(s) for s in states))
        failed = {k for k in keys if self.database.source(k).error is not None}
        return {
            "folders": len(states),
            "unavailable": sum(self.database_key(s) in failed for s in states),
        }

    def _start_database_timer(self) -> None:
        if self.database_interval and (self._database_timer is None or self._database_timer.done()):
            self._database_timer = asyncio.get_running_loop().create_task(self._database_tick())

    async def _database_tick(self) -> None:
        """Re-read the databases every ``database_interval`` seconds while it is set."""
        while self.database_interval and not self._closed:
            await asyncio.sleep(self.database_interval)
            keys = self._database_keys(self.folders.values())
            await self.database.refresh_and_wait(keys)


def checked_line(state: FolderState, result: Result) -> str:
    """The log's line for each analysis of a folder: where, what it found, how long it took
    (one fixed form, which editors' tests and users' scripts may match: plurals always)."""
    counts = Counter(v.severity for v in result.violations)
    errors, warnings = counts[Severity.ERROR], counts[Severity.WARNING]
    where = _relative(state.root, state.workspace)
    return (
        f"checked {where}: {sum(counts.values())} problems ({errors} errors, "
        f"{warnings} warnings) in {result.seconds * 1e3:.0f} ms"
    )


def _relative(root: Path, workspace: Path | None) -> str:
    if workspace is not None:
        try:
            return root.relative_to(workspace).as_posix() or "."
        except ValueError:
            pass
    return str(root)


def _listing(root: Path, layout: Layout) -> list[Path]:
    try:
        return sql_paths(root, layout)
    except OSError:
        return []


def _short(path: Path) -> str:
    return "/".join(path.parts[-2:])


def _has_database(state: FolderState) -> bool:
    """Whether the D rules read a database for this folder: a journal or a v1 folder."""
    return state.layout in (Layout.JOURNAL, Layout.V1)
