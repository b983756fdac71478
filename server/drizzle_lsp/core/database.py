"""What a real database has applied, and what the next ``migrate()`` will do with each entry.

The drizzle-orm migrator (0.45, ``pg-core/dialect.js`` ``migrate``) reads the first row of
``SELECT ... FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1`` once, then runs,
in journal order, every entry whose ``when`` is greater than ``Number(created_at)`` of that row
and inserts ``(hash, created_at = when)`` for it. It never compares hashes. So a database tells us
exactly which entries will run, which ones will silently never run, and which applied files were
edited afterwards. :func:`migration_status` is that model, pure; :func:`read_applied` fetches the
rows, read-only. Nothing here imports editor types; the CLI and the server both use it.

Safety: the connection is read-only (a ``READ ONLY`` transaction), bounded (connect timeout 3 s,
statement timeout 5 s, and, against a server that stops answering, which no server-side timeout
can help with, a wall-time bound on everything after the connect), and the password never
appears in a message: every message that names the database goes through :func:`redact_url`.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from drizzle_lsp.core.journal import Journal, JournalEntry
from drizzle_lsp.core.migration import drizzle_hash
from drizzle_lsp.core.run_once import Identity, former_identities
from drizzle_lsp.core.source import SourceError, read_bytes

if TYPE_CHECKING:
    import psycopg

    from drizzle_lsp.core.folder import MigrationFolder

CONNECT_TIMEOUT_S = 3
STATEMENT_TIMEOUT_MS = 5000
# after the connect, the queries' own time plus this much for the round trips
QUERY_WALL_GRACE_S = 2.0
DEFAULT_SCHEMA = "drizzle"
DEFAULT_TABLE = "__drizzle_migrations"


# ---------------------------------------------------------------------------------------------
# reading the migrations table


@dataclass(frozen=True, slots=True)
class AppliedRow:
    """One row of the migrations table; ``created_at`` is the entry's ``when`` (nullable)."""

    id: int
    hash: str
    created_at: int | None


@dataclass(frozen=True, slots=True)
class AppliedMigrations:
    """The rows of the migrations table, or none with ``table_found=False`` (nothing applied)."""

    rows: tuple[AppliedRow, ...]
    table_found: bool = True

    @property
    def note(self) -> str | None:
        return None if self.table_found else "no migrations applied (no migrations table)"


class DatabaseError(Exception):
    """A database problem as one line for the user; ``kind`` says which, for callers to branch.

    kinds: invalid-url, unreachable, authentication, no-database, permission, timeout,
    not-a-migrations-table, error.
    """

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(message)
        self.kind = kind


def read_applied(
    url: str,
    schema: str = DEFAULT_SCHEMA,
    table: str = DEFAULT_TABLE,
    *,
    timeout_ms: int = STATEMENT_TIMEOUT_MS,
) -> AppliedMigrations:
    """Read the migrations table in a read-only transaction; never writes, never hangs.

    A missing table is not an error: the database has applied nothing yet. (psycopg is imported
    here, not at the top: it costs 0.3 s, and every CLI start imports this module.)
    """
    import psycopg
    from psycopg import sql

    where = redact_url(url)
    wall_s = timeout_ms / 1000 + QUERY_WALL_GRACE_S
    watchdog: _Watchdog | None = None
    try:
        with (
            _connect(url) as conn,
            _Watchdog(conn.pgconn.socket, wall_s) as watchdog,
            conn.cursor() as cur,
        ):
            cur.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
            cur.execute(
                "SELECT 1 FROM pg_catalog.pg_class c"
                " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = %s AND c.relname = %s",
                (schema, table),
            )
            if cur.fetchone() is None:
                return AppliedMigrations((), table_found=False)
            cur.execute(
                sql.SQL("SELECT id, hash, created_at FROM {}.{} ORDER BY id").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            )
            rows = tuple(_row(r) for r in cur.fetchall())
    except psycopg.Error as error:
        if watchdog is not None and watchdog.fired:
            raise DatabaseError(
                f"the database at {where} did not answer within {wall_s:g} s", "timeout"
            ) from None
        raise _describe(error, url, f"{schema}.{table}", timeout_ms) from None
    except (TypeError, ValueError) as error:
        raise DatabaseError(
            f"{schema}.{table} at {where} is not a drizzle migrations table: {error}",
            "not-a-migrations-table",
        ) from None
    return AppliedMigrations(rows)


def _connect(url: str) -> psycopg.Connection:
    """A connection whose transactions are READ ONLY, whatever the URL's own options say."""
    import psycopg

    conn = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, application_name="drizzle-lsp")
    conn.read_only = True
    return conn


class _Watchdog:
    """Shuts the connection's socket down once ``seconds`` have passed, unless left before.

    ``statement_timeout`` is enforced by the server: one that stalls (overloaded, a proxy
    that lost its backend, a hostile host) would keep a blocking read waiting forever. A
    socket shut down wakes that read with an error. The lock keeps the timer from touching
    the descriptor once the connection may have closed it (it could be reused by then).
    """

    def __init__(self, fd: int, seconds: float) -> None:
        self.fired = False
        self._fd = fd
        self._lock = threading.Lock()
        self._done = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            try:
                with socket.socket(fileno=os.dup(self._fd)) as sock:
                    sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _row(values: Sequence[object]) -> AppliedRow:
    ident, digest, created_at = values
    if not isinstance(ident, int) or not isinstance(digest, str):
        raise TypeError(f"unexpected row {tuple(values)!r}")
    return AppliedRow(ident, digest, None if created_at is None else int(str(created_at)))


# libpq's connection messages carry no SQLSTATE; their wording is stable across versions.
_UNREACHABLE = re.compile(
    r"connection refused|timeout expired|could not translate host name|failed to resolve host"
    r"|no route to host|network is unreachable|could not connect|server closed the connection"
    r"|no such file or directory|connection timed out|ssl",
    re.IGNORECASE,
)
_AUTH = re.compile(
    r"password authentication failed|no password supplied|role \".*\" does not exist"
    r"|pg_hba\.conf|authentication failed|sasl|scram",
    re.IGNORECASE,
)


def _describe(error: psycopg.Error, url: str, table: str, timeout_ms: int) -> DatabaseError:
    """Map any psycopg error to one line that names the (redacted) database and what to do."""
    import psycopg
    from psycopg import errors

    where = redact_url(url)
    detail = scrub(_first_line(error), url)
    if isinstance(error, psycopg.ProgrammingError) and error.sqlstate is None:
        return DatabaseError(f"invalid database URL {where}: {detail}", "invalid-url")
    if isinstance(error, errors.InsufficientPrivilege):
        return DatabaseError(f"permission denied to read {table} at {where}", "permission")
    if isinstance(error, errors.QueryCanceled):
        return DatabaseError(
            f"reading {table} at {where} took longer than {timeout_ms} ms (statement timeout)",
            "timeout",
        )
    if isinstance(error, errors.UndefinedColumn):
        return DatabaseError(
            f"{table} at {where} is not a drizzle migrations table: {detail}",
            "not-a-migrations-table",
        )
    return _describe_connect(detail, where) or DatabaseError(f"{where}: {detail}")


def _describe_connect(detail: str, where: str) -> DatabaseError | None:
    if re.search(r"database \".*\" does not exist", detail):
        return DatabaseError(f"cannot connect to {where}: {detail}", "no-database")
    if _AUTH.search(detail):
        return DatabaseError(f"authentication failed for {where}: {detail}", "authentication")
    if _UNREACHABLE.search(detail):
        return DatabaseError(f"cannot reach the database at {where}: {detail}", "unreachable")
    if "invalid" in detail.lower() or "missing" in detail.lower():
        return DatabaseError(f"invalid database URL {where}: {detail}", "invalid-url")
    return None


def _first_line(error: BaseException) -> str:
    """libpq's message without its ``connection to server at ... failed:`` preamble."""
    text = str(error).strip()
    text = re.sub(r"^connection failed:\s*", "", text)
    text = re.sub(r"^connection to server (at|on) .*? failed:\s*", "", text)
    text = re.sub(r"^(FATAL|ERROR):\s+", "", text)
    return text.splitlines()[0].strip() if text else type(error).__name__


# ---------------------------------------------------------------------------------------------
# keeping passwords out of messages

# `password=` and `sslpassword=` (the client key's passphrase), in a DSN or a URL's query
_KV_PASSWORD = re.compile(r"(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&#]+)", re.IGNORECASE)
# a URL's user info, found without parsing the rest (libpq echoes URLs urlsplit refuses)
_USERINFO = re.compile(
    r"^[A-Za-z][A-Za-z0-9+.-]*://(?P<user>[^@/?#]*?)(?::(?P<password>[^/?#]*))?@"
)


_ENV_REFERENCE = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(url: str, environ: Mapping[str, str] | None = None) -> tuple[str, list[str]]:
    """``url`` with each ``${env:NAME}`` replaced by that environment variable, and the names
    that were not set (replaced by nothing).

    Lets a settings file name a database without holding its password:
    ``"databaseUrl": "${env:DATABASE_URL}"`` or ``postgresql://app:${env:PGPASSWORD}@db/app``.
    """
    env = os.environ if environ is None else environ
    missing: list[str] = []

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            missing.append(name)
        return env.get(name, "")

    return _ENV_REFERENCE.sub(value, url), missing


def redact_url(url: str) -> str:
    """``url`` with every secret in it replaced by ``***``: the password of its user info, and
    ``password``/``sslpassword`` in its query or in ``key=value`` form.

    Every message, log line and diagnostic that names a database uses this. A URL too broken to
    parse keeps its shape, its secrets replaced all the same.
    """
    redacted = _KV_PASSWORD.sub(r"\1***", url)
    userinfo = _USERINFO.match(redacted) if "://" in redacted else None
    if userinfo is not None and userinfo["password"] is not None:
        start, end = userinfo.span("password")
        redacted = f"{redacted[:start]}***{redacted[end:]}"
    return redacted


def scrub(text: str, url: str) -> str:
    """Remove any trace of ``url``'s password from ``text`` (libpq may echo parts of a URL)."""
    for secret in _passwords(url):
        if secret:
            text = text.replace(secret, "***")
    return text


def _passwords(url: str) -> list[str]:
    """Every secret ``url`` holds, as written and percent-decoded, longest first."""
    found = [m.group(2).strip("'") for m in _KV_PASSWORD.finditer(url)]
    userinfo = _USERINFO.match(url) if "://" in url else None
    if userinfo is not None and userinfo["password"]:
        found.append(userinfo["password"])
    found += [unquote(secret) for secret in found]
    return sorted({secret for secret in found if secret}, key=len, reverse=True)


# ---------------------------------------------------------------------------------------------
# what the next migrate() will do


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
    """What the analyzer needs of a database: the folder's status and a password-free label."""

    status: FolderStatus
    label: str


def read_migration_text(path: Path) -> str | None:
    """A migration file's text exactly as the migrator sees it, or None when it is missing or
    cannot be read (not a regular file, too large: see :func:`read_bytes`)."""
    try:
        return read_bytes(path).decode("utf-8", "replace")
    except (FileNotFoundError, SourceError):
        return None


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

    ``file_texts`` maps a tag to its file text as :func:`read_migration_text` returns it (None:
    missing). Pure: the same journal, files and rows always give the same answer.
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


# ---------------------------------------------------------------------------------------------
# a folder on disk against the rows


def file_digest(path: Path) -> str | None:
    """The hash the migrator would store for ``path`` now (None: no such file)."""
    return _digest(read_migration_text(path))


class FileDigests:
    """:func:`file_digest` per path, kept until the file changes.

    An editor re-checks a folder on every keystroke; re-hashing every migration each time is
    wasted work. With ``verify`` (the default) a file is stat'ed on each call and re-read when
    its size or mtime changed; without it (the language server, whose watcher reports every
    change, as for its other cached file texts) only ``invalidate`` and ``clear`` make it
    re-read: a stat is ~25 us, 25 ms per keystroke in a 1,000-file folder. Thread-safe.
    """

    def __init__(self, verify: bool = True) -> None:
        self.verify = verify
        self._known: dict[Path, tuple[tuple[int, int], str]] = {}
        self._lock = threading.Lock()

    def __call__(self, path: Path) -> str | None:
        with self._lock:
            known = self._known.get(path)
        if known is not None and not self.verify:
            return known[1]
        try:
            stat = path.stat()
        except OSError:
            self.invalidate(path)
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if known is not None and known[0] == stamp:
            return known[1]
        digest = file_digest(path)
        if digest is not None:
            with self._lock:
                self._known[path] = (stamp, digest)
        return digest

    def invalidate(self, path: Path) -> None:
        with self._lock:
            self._known.pop(path, None)

    def clear(self) -> None:
        with self._lock:
            self._known.clear()


def folder_status(
    folder: Path,
    journal: Journal,
    rows: Sequence[AppliedRow],
    digest_of: Callable[[Path], str | None] = file_digest,
    former: Mapping[str, tuple[Identity, ...]] | None = None,
) -> FolderStatus:
    """The status of ``journal`` (of the migrations folder ``folder``) against ``rows``.

    Each ``<tag>.sql`` is hashed as the migrator hashes it: the bytes on disk (BOM and CRLF
    kept), not an editor's unsaved buffer, since that is what ``migrate()`` will read.
    """
    digests = {e.tag: digest_of(folder / f"{e.tag}.sql") for e in journal.entries if e.tag}
    return status_from_digests(journal, digests, rows, former)


def database_view(
    folder: MigrationFolder,
    rows: Sequence[AppliedRow],
    label: str,
    digest_of: Callable[[Path], str | None] = file_digest,
) -> DatabaseView | None:
    """``folder`` (its journal as loaded, its files as on disk) against ``rows``, for the D rules.

    None without a journal ``migrate()`` can read: with syntax errors (or a BOM) every row would
    look unknown and every entry pending, while the user is half-way through an edit.
    """
    journal = folder.journal
    if journal is None or journal.syntax_errors:
        return None
    if folder.journal_source is not None and folder.journal_source.bom:
        return None
    former = {
        document.tag: former_identities(document.source.text)
        for document in folder.sql.values()
        if document.source is not None
    }
    return DatabaseView(folder_status(folder.root, journal, rows, digest_of, former), label)


def at_risk_tags(view: DatabaseView | None) -> frozenset[str]:
    """Tags ``view`` puts at risk of running twice besides the pending ones (which the analyzer
    adds itself): the ones it will skip, which only run once re-dated, so again where they ran."""
    if view is None:
        return frozenset()
    skipped = (e.tag for e in view.status.entries if e.state is State.WILL_BE_SKIPPED)
    return frozenset(tag for tag in skipped if tag)
