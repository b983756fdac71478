"""The configured database, read in the background for the editor.

A migrations folder's settings name a database (``drizzleLsp.databaseUrl`` or ``database-url``
in ``drizzle-lsp.toml``; ``${env:NAME}`` is expanded; the server does not read ``DATABASE_URL``
by itself), and the schema and table of its migrations table. Folders that name the same
database share one :class:`Source`: its rows are read with :func:`~drizzle_lsp.core.database.
read_applied` (read-only, 3 s connect timeout, 5 s statement timeout) on a thread of its own, so
neither the event loop nor the analysis thread ever waits for the network. Analyses use the
last rows read (none yet: no D rules) and the folder is re-checked when the rows, or the error,
change.

Reads happen when the workspace is scanned, on ``drizzle-lsp.refreshDatabase``, on save, on a
settings change, when migration files change on disk and, when ``databaseRefreshSeconds`` is set,
every that many seconds. A read asked for while one is under way runs once more after it.

An unreadable database is reported once (a warning in the log and, the first time per database,
a ``window/showMessage``) and again only when the error changes; its D diagnostics are cleared
meanwhile, since rows we cannot read cannot support a claim about what ``migrate()`` will do.
Nothing here ever names the URL: messages use :func:`~drizzle_lsp.core.database.redact_url`,
errors are passed through :func:`~drizzle_lsp.core.database.scrub`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from drizzle_lsp.core.database import (
    AppliedMigrations,
    DatabaseError,
    FileDigests,
    expand_env,
    read_applied,
    redact_url,
    scrub,
)
from drizzle_lsp.core.settings import Settings
from drizzle_lsp.core.trust import RepositoryUrl, TrustError, approve, url_digest, usable

log = logging.getLogger(__name__)

MIN_INTERVAL_S = 5.0

# (url as given, ${env:...} expanded; schema; table): never logged, it holds the password
Key = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class DatabaseInput:
    """What an analysis needs of a folder's database (taken on the event loop)."""

    label: str  # the URL without its password
    applied: AppliedMigrations | None  # None: not read yet, or unreadable (see ``error``)
    error: str | None
    digests: FileDigests


@dataclass(slots=True)
class Source:
    """One database (URL, schema, table) and what the last read of it gave."""

    key: Key
    label: str
    applied: AppliedMigrations | None = None
    error: str | None = None
    reads: int = 0  # finished reads
    task: asyncio.Task[None] | None = None
    again: bool = False
    reported: str | None = None  # the error last logged (None: none, or it answered since)
    shown: bool = False  # the user was told once with window/showMessage
    waiters: list[asyncio.Future[None]] = field(default_factory=list)


class DatabaseMonitor:
    """The databases the folders' settings name, read in the background.

    ``changed(key)`` is called on the event loop after a read whose rows or error differ from the
    previous one; ``show(message)`` tells the user once per database that it cannot be read.
    """

    def __init__(
        self, changed: Callable[[Key], None], show: Callable[[str], None] = lambda m: None
    ) -> None:
        self.changed = changed
        self.show = show
        self.digests = FileDigests(verify=False)  # the file watcher invalidates them
        self.sources: dict[Key, Source] = {}
        self._missing_env: set[str] = set()
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="drizzle-database")
        self._closed = False

    # ---- which database a folder uses -------------------------------------------------------

    def key_of(self, settings: Settings) -> Key | None:
        """The database ``settings`` name, or None when they name none."""
        if not settings.database_url:
            return None
        url, missing = expand_env(settings.database_url)
        for name in missing:
            if name not in self._missing_env:
                self._missing_env.add(name)
                log.warning(
                    "databaseUrl names ${env:%s}, which is not set in the server's environment",
                    name,
                )
        if not url.strip():
            return None
        return url, settings.migrations_schema, settings.migrations_table

    def source(self, key: Key) -> Source:
        source = self.sources.get(key)
        if source is None:
            source = self.sources[key] = Source(key, redact_url(key[0]))
        return source

    def input_for(self, settings: Settings) -> DatabaseInput | None:
        """What an analysis of a folder with ``settings`` gets (None: no database named)."""
        key = self.key_of(settings)
        if key is None:
            return None
        source = self.source(key)
        return DatabaseInput(source.label, source.applied, source.error, self.digests)

    def forget(self, keep: Iterable[Key]) -> None:
        """Drop the databases no folder names any more (their error may be reported again)."""
        wanted = set(keep)
        for key in [k for k in self.sources if k not in wanted]:
            source = self.sources.pop(key)
            if source.task is not None:
                source.task.cancel()

    # ---- reading ----------------------------------------------------------------------------

    def refresh(self, keys: Iterable[Key]) -> list[asyncio.Future[None]]:
        """Read each database again, in the background; the futures end when each read did.

        A read already under way is followed by one more (the caller may have seen a newer
        state than the one it started from); several requests meanwhile share that one.
        """
        waits: list[asyncio.Future[None]] = []
        if self._closed:
            return waits
        loop = asyncio.get_running_loop()
        for key in dict.fromkeys(keys):
            source = self.source(key)
            waiter: asyncio.Future[None] = loop.create_future()
            source.waiters.append(waiter)
            waits.append(waiter)
            if source.task is not None and not source.task.done():
                source.again = True
            else:
                source.task = loop.create_task(self._read_loop(source))
        return waits

    async def refresh_and_wait(self, keys: Iterable[Key]) -> None:
        waits = self.refresh(keys)
        if waits:
            await asyncio.gather(*waits, return_exceptions=True)

    async def _read_loop(self, source: Source) -> None:
        loop = asyncio.get_running_loop()
        waiters: list[asyncio.Future[None]] = []
        try:
            while not self._closed:
                source.again = False
                waiters, source.waiters = source.waiters, []
                url, schema, table = source.key
                applied, error = await loop.run_in_executor(
                    self._executor, _read, url, schema, table
                )
                if self.sources.get(source.key) is not source:
                    break  # forgotten meanwhile: nobody uses this database now
                self._settle(source, applied, error)
                _wake(waiters)
                if not source.again:
                    break
        finally:
            _wake(waiters)
            _wake(source.waiters)
            source.waiters = []

    def _settle(self, source: Source, applied: AppliedMigrations | None, error: str | None) -> None:
        before = (source.applied, source.error)
        first = source.reads == 0
        source.applied, source.error = applied, error
        source.reads += 1
        if error is not None:
            if error != source.reported:
                source.reported = error
                log.warning(
                    "database status unavailable: %s; D001-D003 cleared until it can be read "
                    "(run `drizzle-lsp.refreshDatabase` to retry)",
                    error,
                )
                if not source.shown:
                    source.shown = True
                    self.show(f"drizzle-lsp: cannot read the migrations table: {error}")
        else:
            if source.reported is not None:
                log.info("database status: %s can be read again", source.label)
            elif first:
                count = len(applied.rows) if applied is not None else 0
                note = f" ({applied.note})" if applied is not None and applied.note else ""
                log.info(
                    "database status: %d migrations applied on %s%s", count, source.label, note
                )
            source.reported = None
        if before != (applied, error):
            self.changed(source.key)

    def close(self) -> None:
        self._closed = True
        for source in self.sources.values():
            if source.task is not None:
                source.task.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)


def _wake(waiters: list[asyncio.Future[None]]) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(None)


def _read(url: str, schema: str, table: str) -> tuple[AppliedMigrations | None, str | None]:
    """Read the rows (on the database thread); an error becomes one password-free line."""
    try:
        return read_applied(url, schema, table), None
    except DatabaseError as error:
        return None, scrub(str(error), url)
    except Exception as error:  # a bug must not take the server down nor show the URL
        return None, scrub(f"unexpected error reading {redact_url(url)}: {error!r}", url)


# ---- database URLs from repository files ---------------------------------------------------------

ALLOW = "Allow"
NOT_NOW = "Not now"
Ask = Callable[[str, list[str]], Awaitable[str | None]]


class Approvals:
    """Database URLs from config files held back until the user approves them (see
    :mod:`drizzle_lsp.core.trust`): the user is asked with ``window/showMessageRequest``,
    showing the host, once per URL per server run (again on ``drizzle-lsp.refreshDatabase``);
    an approval is recorded where ``drizzle-lsp trust`` records it.

    ``usable`` runs wherever settings are resolved (the analysis thread too); the asking is
    done on the event loop, by ``ask_waiting``.
    """

    def __init__(self, ask: Ask, approved: Callable[[], None]) -> None:
        self._ask = ask
        self._approved = approved
        self._waiting: dict[tuple[Path, str], RepositoryUrl] = {}
        self._asked: set[tuple[Path, str]] = set()
        self._lock = threading.Lock()
        self._prompts: set[asyncio.Task[None]] = set()

    def usable(self, settings: Settings) -> Settings:
        """``settings`` without a database URL that waits for approval."""
        settings, held_back = usable(settings)
        if held_back is not None:
            with self._lock:
                self._waiting.setdefault(_approval_key(held_back), held_back)
        return settings

    def forget_waiting(self) -> None:
        """The settings are re-read: what waits is found again."""
        with self._lock:
            self._waiting.clear()

    def ask_waiting(self, again: bool = False) -> None:
        """Ask about each URL that waits and was not asked about (``again``: or declined)."""
        with self._lock:
            if again:
                self._asked.clear()
            new = [c for key, c in self._waiting.items() if key not in self._asked]
            self._asked.update(self._waiting)
        loop = asyncio.get_running_loop()
        for candidate in new:
            task = loop.create_task(self._prompt(candidate))
            self._prompts.add(task)
            task.add_done_callback(self._prompts.discard)

    async def _prompt(self, candidate: RepositoryUrl) -> None:
        log.warning(
            "%s sets database-url to %s (host %s): not read until you approve it "
            "(answer the prompt, or run `drizzle-lsp trust %s`)",
            candidate.config,
            candidate.shown,
            candidate.host,
            candidate.config,
        )
        message = (
            f"drizzle-lsp: {candidate.config.name} in this workspace names the database "
            f"{candidate.shown} (host {candidate.host}). Reading its migrations table sends "
            "your database credentials to that host. Connect?"
        )
        if await self._ask(message, [ALLOW, NOT_NOW]) != ALLOW:
            return
        try:
            approve(candidate)
        except TrustError as error:
            log.error("%s", error)
            return
        log.info("database-url of %s approved", candidate.config)
        self._approved()

    def close(self) -> None:
        for task in self._prompts:
            task.cancel()


def _approval_key(candidate: RepositoryUrl) -> tuple[Path, str]:
    return candidate.config, url_digest(candidate.url)
