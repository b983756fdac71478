"""Files changed outside the editor: the client's watcher when it has one, ours otherwise.

When the client supports dynamic registration of ``workspace/didChangeWatchedFiles`` the server
registers globs for journals, migration files and config files, and the client reports changes.
Otherwise the server watches the migrations folders (recursively) and the workspace folders (for
config files, not recursively) itself with watchfiles, on a thread, and restarts the watch when
the set of migrations folders changes. Either way events end in ``ServerState.files_changed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from pathlib import Path

from lsprotocol import types

from drizzle_lsp.core.settings import CONFIG_FILES
from drizzle_lsp.lsp.convert import path_of
from drizzle_lsp.lsp.state import Change, ServerState

log = logging.getLogger(__name__)

GLOBS = ("**/meta/_journal.json", "**/*.sql", *(f"**/{name}" for name in CONFIG_FILES))
REGISTRATION_ID = "drizzle-lsp-watched-files"
_LSP_KINDS = {
    types.FileChangeType.Created: Change.CREATED,
    types.FileChangeType.Changed: Change.CHANGED,
    types.FileChangeType.Deleted: Change.DELETED,
}


def registration() -> types.RegistrationParams:
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in GLOBS]
    )
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
    return name.endswith(".sql") or name == "_journal.json" or name in CONFIG_FILES


def _events(paths: Iterable[str]) -> list[tuple[Path, Change]]:
    # watchfiles batches changes in a set (no order): the file's state now is what counts
    return [
        (Path(p), Change.CHANGED if Path(p).exists() else Change.DELETED)
        for p in sorted(set(paths))
        if _relevant(p)
    ]


class FileWatcher:
    """watchfiles over the migrations folders, for clients that cannot watch for us."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self._roots: tuple[tuple[Path, ...], tuple[Path, ...]] = ((), ())
        self._tasks: list[asyncio.Task[None]] = []
        self._stop: asyncio.Event | None = None
        self.active = False

    def start(self) -> None:
        self.active = True
        self.sync()

    def sync(self) -> None:
        """Watch the current migrations folders (restart when they changed)."""
        if not self.active:
            return
        roots = (
            tuple(sorted(self.state.folders)),
            tuple(sorted(p for p in self.state.workspace_folders if p.is_dir())),
        )
        if roots == self._roots and self._tasks:
            return
        self._cancel()
        self._roots = roots
        self._stop = asyncio.Event()
        folders, workspaces = roots
        loop = asyncio.get_running_loop()
        if folders:
            self._tasks.append(loop.create_task(self._watch(folders, True, self._stop)))
        if workspaces:
            self._tasks.append(loop.create_task(self._watch(workspaces, False, self._stop)))

    async def _watch(self, paths: tuple[Path, ...], recursive: bool, stop: asyncio.Event) -> None:
        from watchfiles import awatch

        changes = awatch(
            *paths,
            watch_filter=lambda _, path: _relevant(path),
            debounce=400,
            step=30,
            stop_event=stop,
            recursive=recursive,
            ignore_permission_denied=True,
        )
        try:
            pending = asyncio.ensure_future(anext(changes))
            await asyncio.sleep(0)  # its first step created the OS watches: we are listening
            if recursive:
                log.info("watching %d migrations folders for changes (watchfiles)", len(paths))
                self.state.reconcile(paths)
            while True:
                batch = await pending
                self.state.files_changed(_events(path for _, path in batch))
                pending = asyncio.ensure_future(anext(changes))
        except (StopAsyncIteration, asyncio.CancelledError):
            pass
        except Exception as error:  # a vanished folder, inotify limits...
            log.warning("file watcher stopped: %s", error)
        finally:
            await changes.aclose()

    def _cancel(self) -> None:
        if self._stop is not None:
            self._stop.set()
        for task in self._tasks:
            task.cancel()
        self._tasks = []

    async def stop(self) -> None:
        self.active = False
        tasks = self._tasks
        self._cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
