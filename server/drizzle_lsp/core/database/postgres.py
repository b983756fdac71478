"""Reading a database's migrations table (psycopg), read-only and bounded.

Safety: the connection is read-only (a ``READ ONLY`` transaction), bounded (connect timeout 3 s,
statement timeout 5 s, and, against a server that stops answering, which no server-side timeout
can help with, a wall-time bound on everything after the connect), and the password never
appears in a message: every message that names the database goes through
:func:`~.secrets.redact_url`.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from drizzle_lsp.core.database.migrator import AppliedRow
from drizzle_lsp.core.database.migrator_v1 import TableShape
from drizzle_lsp.core.database.secrets import redact_url, scrub

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_S = 3
STATEMENT_TIMEOUT_MS = 5000
# after the connect, the queries' own time plus this much for the round trips
QUERY_WALL_GRACE_S = 2.0
DEFAULT_SCHEMA = "drizzle"
DEFAULT_TABLE = "__drizzle_migrations"


@dataclass(frozen=True, slots=True)
class AppliedMigrations:
    """The rows of the migrations table, or none with ``table_found=False`` (nothing applied).

    ``named``: the table has drizzle-orm v1's ``name`` column (0.x tables have none).
    """

    rows: tuple[AppliedRow, ...]
    table_found: bool = True
    named: bool = False

    @property
    def shape(self) -> TableShape:
        if not self.table_found:
            return TableShape.NONE
        return TableShape.V1 if self.named else TableShape.V0

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
            columns = _columns(cur, schema, table)
            named = "name" in columns
            # v1's columns, NULL where a 0.x table has none
            wanted: list[sql.Composable] = [sql.Identifier(c) for c in ("id", "hash", "created_at")]
            wanted += [
                sql.Identifier(c) if c in columns else sql.SQL("NULL")
                for c in ("name", "applied_at")
            ]
            cur.execute(
                sql.SQL("SELECT {} FROM {}.{} ORDER BY id").format(
                    sql.SQL(", ").join(wanted), sql.Identifier(schema), sql.Identifier(table)
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
    return AppliedMigrations(rows, named=named)


def _columns(cur: psycopg.Cursor[Any], schema: str, table: str) -> set[str]:
    """The table's column names: drizzle-orm v1 added ``name`` and ``applied_at``."""
    cur.execute(
        "SELECT a.attname FROM pg_catalog.pg_attribute a"
        " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped",
        (schema, table),
    )
    return {str(name) for (name,) in cur.fetchall()}


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
    ident, digest, created_at, name, applied_at = values
    if not isinstance(ident, int) or not isinstance(digest, str):
        raise TypeError(f"unexpected row {tuple(values)!r}")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"unexpected name in row {tuple(values)!r}")
    return AppliedRow(
        ident,
        digest,
        None if created_at is None else int(str(created_at)),
        name,
        applied_at.isoformat() if isinstance(applied_at, datetime) else None,
    )


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
