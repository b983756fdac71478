"""Files changed outside the editor: the client's watcher when it has one, ours otherwise.

When the client supports dynamic registration of ``workspace/didChangeWatchedFiles`` the server
registers globs for journals, snapshots, migration files and config files, and the client
reports changes.
Otherwise the server watches with watchfiles itself: the migrations folders recursively, and, not
recursively, the directories where new ones would appear, those discovery searches: the workspace
folders and what it descends into below them (not node_modules, .git, hidden directories or the
inside of a migrations folder; with the config's ``migrations``, only around the folders it
names), :data:`MAX_DIRECTORIES` at most (an inotify watch each). A directory that appears in one
is searched on the worker thread: the migrations folders in it are checked and published, its
directories watched; one that goes takes its folders along. A watch is replaced by starting the
new one before stopping the old, and what is new is searched again once the new one listens, so
nothing created in between goes unseen. Either way events end in ``ServerState.files_changed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from drizzle_lsp.core.folder import is_snapshot_path, searched
from drizzle_lsp.core.settings import CONFIG_FILES
from drizzle_lsp.lsp.convert import path_of
from drizzle_lsp.lsp.state import Change, ServerState

if TYPE_CHECKING:
    from watchfiles.main import FileChange  # imported when our watcher starts: it takes 80 ms

log = logging.getLogger(__name__)

MAX_DIRECTORIES = 2000  # watched not recursively; more are left out, the deepest first
DEBOUNCE_MS = 400  # watchfiles groups changes for this long at most
# a watch that is replaced still delivers the changes it was grouping (a stopped one drops them)
OVERLAP_S = DEBOUNCE_MS / 1000 + 0.1

GLOBS = (
    "**/meta/_journal.json",
    "**/meta/*",  # drizzle-kit reads every file of meta/ as a snapshot
    "**/*.sql",
    *(f"**/{name}" for name in CONFIG_FILES),
)
REGISTRATION_ID = "drizzle-lsp-watched-files"
_LSP_KINDS = {
    types.FileChangeType.Created: Change.CREATED,
    types.FileChangeType.Changed: Change.CHANGED,
    types.FileChangeType.Deleted: Change.DELETED,
}


def registration() -> types.RegistrationParams:
    watchers = [types.FileSystemWatcher(glob_pattern=glob) for glob in GLOBS]
    # a deleted or moved directory: VS Code reports the directory alone, not the files in it
    # (which our globs match), and the migrations folders inside it must go
    watchers.append(types.FileSystemWatcher(glob_pattern="**/*", kind=types.WatchKind.Delete))
    options = types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers)
    return types.RegistrationParams(
        registrations=[
            types.Registration(
                id=REGISTRATION_ID,
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=options,
            )
        ]
    )


def lsp_events(state: ServerState, params: types.DidChangeWatchedFilesParams) -> None:
    """Client-reported changes (dynamic registration) into the state."""
    events = [
        (path, _LSP_KINDS.get(change.type, Change.CHANGED))
        for change in params.changes
        if (path := path_of(change.uri)) is not None
    ]
    state.files_changed(events)


def _relevant(path: str) -> bool:
    name = Path(path).name
    return (
        name.endswith(".sql")
        or name == "_journal.json"
        or name in CONFIG_FILES
        or is_snapshot_path(Path(path))
    )


def _relevant_or_searched(path: str) -> bool:
    # in a searched directory: files as above, and entries the search would descend into
    return _relevant(path) or searched(Path(path).name)


def _events(paths: Iterable[str]) -> list[tuple[Path, Change]]:
    # watchfiles batches changes in a set (no order): the file's state now is what counts
    return [
        (Path(p), Change.CHANGED if Path(p).exists() else Change.DELETED)
        for p in sorted(set(paths))
        if _relevant(p)
    ]


class _Watch:
    """A watchfiles watch whose paths can change without a gap: the watch over the new paths
    starts, and the older ones stop :data:`OVERLAP_S` after it listens (events in between may
    come twice)."""

    def __init__(
        self,
        recursive: bool,
        wanted: Callable[[str], bool],
        on_changes: Callable[[set[FileChange]], None],
    ) -> None:
        self.recursive = recursive
        self._wanted = wanted
        self._on_changes = on_changes
        self._running: list[tuple[asyncio.Event, asyncio.Task[None]]] = []  # oldest first

    async def watch(self, paths: Sequence[Path]) -> bool:
        """Watch ``paths`` instead; returns once they are watched (False: the watch failed)."""
        if not paths:
            self._stop_older_than(None, OVERLAP_S)
            return True
        loop = asyncio.get_running_loop()
        listening: asyncio.Future[bool] = loop.create_future()
        stop = asyncio.Event()
        self._running.append((stop, loop.create_task(self._run(paths, stop, listening))))
        return await listening

    async def _run(
        self, paths: Sequence[Path], stop: asyncio.Event, listening: asyncio.Future[bool]
    ) -> None:
        from watchfiles import awatch

        changes = awatch(
            *paths,
            watch_filter=lambda _, path: self._wanted(path),
            debounce=DEBOUNCE_MS,
            step=30,
            stop_event=stop,
            recursive=self.recursive,
            ignore_permission_denied=True,  # and a path gone meanwhile is skipped, not an error
        )
        try:
            pending = asyncio.ensure_future(anext(changes))
            await asyncio.sleep(0)  # its first step created the OS watches: we are listening
            if not pending.done():  # (done already: it failed)
                self._stop_older_than(stop, OVERLAP_S)
                listening.set_result(True)
            while True:
                batch = await pending
                self._on_changes(batch)
                pending = asyncio.ensure_future(anext(changes))
        except (StopAsyncIteration, asyncio.CancelledError):
            pass
        except Exception as error:  # inotify limits...
            log.warning("file watcher stopped: %s", error)
        finally:
            if not listening.done():
                listening.set_result(False)
            self._running = [r for r in self._running if r[0] is not stop]
            await changes.aclose()

    def _stop_older_than(self, stop: asyncio.Event | None, delay: float = 0) -> None:
        loop = asyncio.get_running_loop()
        for event, _ in self._running:
            if event is stop:
                return
            loop.call_later(delay, event.set)  # watchfiles sees it within a step and ends

    async def close(self) -> None:
        tasks = [task for _, task in self._running]
        self._stop_older_than(None)
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class FileWatcher:
    """watchfiles over the migrations folders and where new ones would appear, for clients that
    cannot watch for us."""

    def __init__(self, state: ServerState, limit: int = MAX_DIRECTORIES) -> None:
        self.state = state
        self.limit = limit
        self.active = False
        self.directories: set[Path] = set()  # to watch, not recursively
        self._watched: set[Path] = set()  # those the directory watch has (alive, as far as known)
        self._folders: tuple[Path, ...] = ()  # watched recursively
        self._folder_watch = _Watch(True, _relevant, self._folder_changes)
        self._directory_watch = _Watch(False, _relevant_or_searched, self._directory_changes)
        self._queued: set[Path] = set()  # trees to search
        self._explorer: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._capped = False

    def start(self) -> None:
        self.active = True
        self.sync()
        self.search_workspace()

    def search_workspace(self) -> None:
        """Search the workspace folders again (after a scan: they or the settings may differ)."""
        if not self.active:
            return
        workspaces = [p for p in self.state.workspace_folders if p.is_dir()]
        self.directories = set(workspaces)  # their config files, whatever the search visits
        self._explore(workspaces)

    def sync(self, renew: bool = False) -> None:
        """Watch the current migrations folders (a new watch when they changed, or ``renew``)."""
        if not self.active:
            return
        folders = tuple(sorted(self.state.folders))
        if folders == self._folders and not renew:
            return
        left = set(self._folders) - set(folders)
        self._folders = folders
        # the folder watch covers their inside now; a restart of the directory watch drops it
        self.directories = {d for d in self.directories if not self._in_folder(d)}
        self._spawn(self._watch_folders(folders))
        self._explore(r for r in left if r.is_dir())  # no migrations folder any more

    async def _watch_folders(self, folders: tuple[Path, ...]) -> None:
        if await self._folder_watch.watch(folders) and folders:
            log.info("watching %d migrations folders for changes (watchfiles)", len(folders))
            self.state.reconcile(folders)

    def _in_folder(self, path: Path) -> bool:
        return any(parent in self.state.folders for parent in (path, *path.parents))

    # ---- events ------------------------------------------------------------------------------

    def _folder_changes(self, batch: set[FileChange]) -> None:
        self.state.files_changed(_events(path for _, path in batch))

    def _directory_changes(self, batch: set[FileChange]) -> None:
        moved = {Path(p) for change, p in batch if change.name != "modified" and not _relevant(p)}
        known = [p for p in moved if p in self.directories or self.state.folders_within([p])]
        gone = [(p, Change.DELETED) for p in known if not p.exists()]
        self.state.files_changed(_events(p for _, p in batch) + gone)
        # deleted (perhaps created again since): their OS watches went with them
        deleted = {Path(p) for change, p in batch if change.name == "deleted"}
        if stale := [p for p in known if p in deleted]:
            self._forget(stale)
            if self.state.folders_within(stale):  # there again: they need a new watch
                self.sync(renew=True)
        new = [p for p in moved if p not in self.directories and not self._in_folder(p)]
        self._explore(p for p in new if p.is_dir())

    def _forget(self, trees: Iterable[Path]) -> None:
        trees = set(trees)
        kept = {d for d in self.directories if trees.isdisjoint((d, *d.parents))}
        self._watched -= self.directories - kept
        self.directories = kept

    # ---- searching for new folders -----------------------------------------------------------

    def _explore(self, trees: Iterable[Path]) -> None:
        """Search ``trees`` (on the worker) for migrations folders and directories to watch."""
        self._queued.update(trees)
        if self._queued and (self._explorer is None or self._explorer.done()):
            self._explorer = self._spawn(self._exploring())

    async def _exploring(self) -> None:
        while self._queued and self.active:
            trees, self._queued = self._queued, set()
            # until a search made while its directories were watched finds nothing new
            while self.active:
                found = await self.state.in_worker(self.state.search, trees)
                self.state.add_folders((p, layout) for p, layout in found.items() if layout)
                self.add_directories(p for p, layout in found.items() if layout is None)
                if self.directories == self._watched:
                    break
                paths = sorted(self.directories)
                if not await self._directory_watch.watch(paths):
                    break
                self._watched = set(paths)
                log.info("watching %d directories for new migrations folders", len(paths))

    def add_directories(self, found: Iterable[Path]) -> list[Path]:
        """Watch ``found`` too, while under the limit (shallowest first); returns those added."""
        new = [d for d in dict.fromkeys(found) if d not in self.directories]
        room = max(0, self.limit - len(self.directories))
        if len(new) > room:
            new = sorted(new, key=lambda d: len(d.parts))[:room]
            if not self._capped:
                self._capped = True
                log.info(
                    "watching %d directories at most: new migrations folders deeper down are "
                    "seen when a file of theirs is opened or on drizzle-lsp.checkWorkspace",
                    self.limit,
                )
        self.directories.update(new)
        return new

    # ---- tasks -------------------------------------------------------------------------------

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.warning("file watcher: %s", error)

    async def stop(self) -> None:
        self.active = False
        for task in list(self._tasks):
            task.cancel()
        await self._folder_watch.close()
        await self._directory_watch.close()
