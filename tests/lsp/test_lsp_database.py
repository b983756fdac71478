"""Database status in the editor: the real server against a real PostgreSQL whose history the
real drizzle-orm migrator wrote (tests/oracle/migrate.mjs).

Needs PostgreSQL (``DATABASE_URL``) and ``cd tests/oracle && npm ci``; without them the tests that
need them skip, and fail when ``CI`` is set (as the oracle tests do). The unreachable-database
tests need neither.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from lsp_harness import Session, Starter, journal_text, make_folder
from lsprotocol import types
from psycopg import sql

from drizzle_lsp.core.database import redact_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "oracle"))
# tests/oracle is not a package: its helpers are imported from its folder
from oracle_support import (
    DEFAULT_URL,
    ORACLE,
    admin_url,
    database_url,
    run_migrations,
    run_v1_migrator,
    unavailable,
)

JOURNAL = "drizzle/meta/_journal.json"
DAY = 86_400_000
T0 = 1_735_689_600_000  # 2025-01-01
SECRET = "s3cret-Pw"  # the password of every URL these tests hand to the server

SQL = {
    "0000_init.sql": 'CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text NOT NULL);\n',
    "0001_orders.sql": 'CREATE TABLE "orders" ("id" serial PRIMARY KEY, "user_id" integer);\n',
    "0002_user_age.sql": 'ALTER TABLE "users" ADD COLUMN "age" integer;\n',
    "0003_feature.sql": 'CREATE TABLE "features" ("id" serial PRIMARY KEY);\n',
    "0004_posts.sql": 'CREATE TABLE "posts" ("id" serial PRIMARY KEY);\n',
}
INIT, ORDERS, AGE, FEATURE, POSTS = (
    ("0000_init", T0),
    ("0001_orders", T0 + 3 * DAY),
    ("0002_user_age", T0 + 2 * DAY),  # merged late: dated before 0001_orders
    ("0003_feature", T0 + 5 * DAY),  # another branch's, deployed from there
    ("0004_posts", T0 + 10 * DAY),
)


# ---- fixtures: PostgreSQL, the migrator, a scratch database per test ----------------------------


@pytest.fixture(scope="module")
def postgres() -> str:
    url = admin_url()
    try:
        psycopg.connect(url, connect_timeout=3, autocommit=True).close()
    except psycopg.Error as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        unavailable(
            f"PostgreSQL is not reachable ({first}): set DATABASE_URL (default {DEFAULT_URL})"
        )
    return url


@pytest.fixture(scope="module")
def migrator() -> None:
    import shutil

    if shutil.which("node") is None:
        unavailable("node is not installed: install Node.js 18+, then `cd tests/oracle && npm ci`")
    if not (ORACLE / "node_modules" / "drizzle-orm" / "package.json").is_file():
        unavailable("the oracle's npm packages are missing: run `cd tests/oracle && npm ci`")


@pytest.fixture
def database(postgres: str, migrator: None) -> Iterator[str]:
    """An empty scratch database (dropped afterwards), its URL without a password added."""
    name = f"drizzle_lsp_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_url(postgres, name)
    finally:
        with psycopg.connect(postgres, autocommit=True) as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(name)))


def with_password(url: str) -> tuple[str, str | None]:
    """``url`` carrying a password the tests can look for: its own, else SECRET when the server
    does not check passwords (trust), else none (the URL is returned as it is)."""
    parts = urlsplit(url)
    if parts.password:
        return url, parts.password
    user = parts.username or "postgres"
    host = parts.hostname or "127.0.0.1"
    netloc = f"{quote(user)}:{SECRET}@{host}:{parts.port or 5432}"
    candidate = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    try:
        psycopg.connect(candidate, connect_timeout=3).close()
    except psycopg.Error:
        return url, None  # the server checks passwords and SECRET is not it
    return candidate, SECRET


def migrated(tmp_path: Path, url: str, *histories: list[tuple[str, int]]) -> None:
    """Run the real migrate() once per history, each a journal of its own, in order."""
    runs = []
    for entries in histories:
        folder = make_folder(tmp_path / f"history-{uuid.uuid4().hex[:8]}", SQL, entries)
        runs.append((folder, url))
    for result in run_migrations(runs):
        assert result.ok, result.error


# ---- helpers ----------------------------------------------------------------------------------


def entry_line(entries: list[tuple[str, int]], tag: str) -> int:
    return 4 + [t for t, _ in entries].index(tag)


async def hover_when(s: Session, uri: str, entries: list[tuple[str, int]], tag: str) -> str:
    line = entry_line(entries, tag)
    when = dict(entries)[tag]
    column = journal_text(entries).splitlines()[line].index(str(when)) + 2
    hover = await s.client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=column),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value


def on_line(s: Session, code: str) -> list[int]:
    return sorted(d.range.start.line for d in s.diagnostics(JOURNAL) if d.code == code)


def everything_said(s: Session, *extra: str) -> str:
    """Every log line, shown message and diagnostic message the client got, and ``extra``."""
    said = [m.message for m in s.client.log_messages] + [m.message for m in s.client.messages]
    said += [d.message for ds in s.client.diagnostics.values() for d in ds]
    return "\n".join([*said, *extra])


async def refresh(s: Session) -> object:
    return await s.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="drizzle-lsp.refreshDatabase", arguments=[])
    )


def database_line(hover: str) -> str:
    return next(line for line in hover.splitlines() if line.startswith("**Database**"))


def database_warnings(s: Session) -> list[str]:
    return [
        m.message
        for m in s.client.log_messages
        if m.type == types.MessageType.Warning and "database status unavailable" in m.message
    ]


# ---- the tests --------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.node
async def test_d_rules_and_hover_against_a_migrated_database(
    tmp_path: Path, start: Starter, database: str
) -> None:
    url, password = with_password(database)
    # the database was deployed from another branch: 0000, 0001 and that branch's 0003
    migrated(tmp_path, database, [INIT, ORDERS, FEATURE])
    entries = [INIT, ORDERS, AGE, POSTS]
    folder = make_folder(tmp_path / "project", SQL, entries)
    (folder / "0003_feature.sql").unlink()
    root = tmp_path / "project"
    s = await start(root, configuration={"drizzleLsp": {"databaseUrl": url}})

    await s.wait_for(lambda: on_line(s, "D001"), what="D001")
    assert on_line(s, "D001") == [entry_line(entries, "0002_user_age")]
    assert on_line(s, "D003") == [3]  # on "entries": row 3 (0003_feature) is in no entry
    assert on_line(s, "D002") == []
    journal_uri = s.uri(JOURNAL)
    published = [p for p in s.published if p.uri == journal_uri]
    assert "D001" not in {d.code for d in published[0].diagnostics}  # first without the database
    d001 = next(d for d in s.diagnostics(JOURNAL) if d.code == "D001")
    assert d001.severity == types.DiagnosticSeverity.Error
    d003 = next(d for d in s.diagnostics(JOURNAL) if d.code == "D003")
    assert d003.severity == types.DiagnosticSeverity.Information and "row 3" in d003.message

    uri = s.open(JOURNAL)
    label = redact_url(url)
    assert password is None or "***" in label
    applied = await hover_when(s, uri, entries, "0000_init")
    # created_at is the entry's `when`, not the time it ran: no date of application is claimed
    assert database_line(applied) == f"**Database** applied on `{label}` (row 1)."
    skipped = await hover_when(s, uri, entries, "0002_user_age")
    assert database_line(skipped) == (
        f"**Database** will be skipped on `{label}`: never applied there, and its `when` is not "
        "after row 3 (`when` 2025-01-06T00:00:00.000Z); migrate() never runs it."
    )
    pending = await hover_when(s, uri, entries, "0004_posts")
    assert database_line(pending) == (
        f"**Database** pending on `{label}`: the next migrate() runs it."
    )

    # an applied file edited on disk (a watcher event): D002 on its tag, and the hover says so
    (folder / "0001_orders.sql").write_text(SQL["0001_orders.sql"] + "-- edited\n")
    s.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(
                    uri=(folder / "0001_orders.sql").as_uri(), type=types.FileChangeType.Changed
                )
            ]
        )
    )
    await s.wait_for(lambda: on_line(s, "D002"), what="D002 after the edit on disk")
    assert on_line(s, "D002") == [entry_line(entries, "0001_orders")]
    d002 = next(d for d in s.diagnostics(JOURNAL) if d.code == "D002")
    assert d002.severity == types.DiagnosticSeverity.Warning
    changed = await hover_when(s, uri, entries, "0001_orders")
    assert database_line(changed).startswith(
        f"**Database** applied on `{label}` (row 2), file changed since: `0001_orders.sql`"
    )

    # an applied file saved from the editor: didSave re-checks with the file on disk
    sql_uri = s.open(folder / "0000_init.sql")
    (folder / "0000_init.sql").write_text(SQL["0000_init.sql"] + "-- saved\n")
    s.client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=sql_uri))
    )
    await s.wait_for(lambda: len(on_line(s, "D002")) == 2, what="D002 after didSave")

    if password is not None:
        assert password not in everything_said(s, applied, skipped, pending, changed)


@pytest.mark.postgres
@pytest.mark.node
async def test_settings_refresh_and_s002_at_risk_scope(
    tmp_path: Path, start: Starter, database: str
) -> None:
    url, password = with_password(database)
    migrated(tmp_path, database, [INIT])
    entries = [INIT, ORDERS, AGE]
    folder = make_folder(tmp_path / "project", SQL, entries)
    root = tmp_path / "project"
    s = await start(root, configuration={"drizzleLsp": {"s002Scope": "at-risk"}})

    def s002_files() -> list[str]:
        return sorted(p.name for p in folder.glob("*.sql") if s.codes(p, "S002"))

    # no database yet: S002 only where J001 says the migration may run twice
    await s.wait_for(lambda: s.codes(JOURNAL, "J001"), what="J001")
    assert s002_files() == ["0002_user_age.sql"]
    assert s.codes(JOURNAL, "D") == []

    # the database named in the settings: 0001 and 0002 have not run there yet
    s.client.set_configuration({"drizzleLsp": {"s002Scope": "at-risk", "databaseUrl": url}})
    s.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await s.wait_for(
        lambda: s002_files() == ["0001_orders.sql", "0002_user_age.sql"],
        what="S002 on the migrations not applied yet",
    )
    assert s.codes(JOURNAL, "D") == []  # 0001 and 0002 are pending: nothing is skipped yet

    # someone deploys 0000 and 0001 (not 0002, merged later): refresh, 0002 is now skipped there
    migrated(tmp_path, database, [INIT, ORDERS])
    assert await refresh(s) == {"folders": 1, "unavailable": 0}
    assert s.codes(JOURNAL, "D") == ["D001"]
    assert on_line(s, "D001") == [entry_line(entries, "0002_user_age")]
    assert s002_files() == ["0002_user_age.sql"]  # 0001 ran: it will not run again
    uri = s.open(JOURNAL)
    assert "applied on `" in await hover_when(s, uri, entries, "0001_orders")
    if password is not None:
        assert password not in everything_said(s)


async def test_unreachable_database_is_one_warning(tmp_path: Path, start: Starter) -> None:
    entries = [("0000_init", T0), ("0001_gone", T0 + 1000)]
    make_folder(tmp_path, {"0000_init.sql": "SELECT 1;\n"}, entries)
    url = f"postgresql://postgres:{SECRET}@127.0.0.1:1/app"
    s = await start(tmp_path, configuration={"drizzleLsp": {"databaseUrl": url}})
    await s.wait_for(lambda: s.codes(JOURNAL, "J002"), what="the other diagnostics")
    await s.wait_for(lambda: database_warnings(s), what="the warning")
    assert await refresh(s) == {"folders": 1, "unavailable": 1}
    assert await refresh(s) == {"folders": 1, "unavailable": 1}
    uri = s.open(JOURNAL)
    s.client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    hover = await hover_when(s, uri, entries, "0000_init")
    await asyncio.sleep(0.2)  # the read didSave asked for

    warnings = database_warnings(s)
    assert len(warnings) == 1, warnings
    assert "cannot reach the database at postgresql://postgres:***@127.0.0.1:1/app" in warnings[0]
    assert len(s.client.messages) == 1  # one window/showMessage
    assert "status unavailable (cannot reach the database" in hover, hover
    assert s.codes(JOURNAL) == ["J002"]  # no database diagnostics
    assert SECRET not in everything_said(s, hover)


async def test_a_silent_database_never_blocks_the_editor(tmp_path: Path, start: Starter) -> None:
    """A server that accepts the connection and never answers: the read waits for its connect
    timeout (3 s) on its own thread while diagnostics and hovers go on."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        port = listener.getsockname()[1]
        entries = [("0000_init", T0), ("0001_gone", T0 + 1000)]
        make_folder(tmp_path, {"0000_init.sql": "SELECT 1;\n"}, entries)
        url = f"postgresql://postgres:{SECRET}@127.0.0.1:{port}/app"
        s = await start(tmp_path, configuration={"drizzleLsp": {"databaseUrl": url}})
        await s.wait_for(lambda: s.codes(JOURNAL, "J002"), what="diagnostics")
        uri = s.open(JOURNAL)
        began = time.monotonic()
        hover = await hover_when(s, uri, entries, "0000_init")
        assert time.monotonic() - began < 1.0
        assert "reading the migrations table" in hover, hover
        s.replace_all(uri, journal_text(entries[:1]))  # an edit is diagnosed meanwhile too
        await s.wait_for(lambda: s.codes(JOURNAL) == [], what="the edit's diagnostics")
        assert database_warnings(s) == []  # still connecting
    finally:
        listener.close()


@pytest.mark.postgres
@pytest.mark.node
async def test_v1_folder_d005_then_d004_on_a_0x_table(
    tmp_path: Path, start: Starter, database: str
) -> None:
    """A v1 folder (``<name>/migration.sql``): a folder renamed after the v1 migrator applied it
    (D005, on its migration.sql), then a database with a 0.x table holding a row of no folder
    (D004: the first v1 migrate() will throw)."""
    if not (ORACLE / "v1" / "node_modules" / "drizzle-orm" / "package.json").is_file():
        unavailable("the v1 oracle's npm packages are missing: run `cd tests/oracle/v1 && npm ci`")
    folder = tmp_path / "project" / "drizzle"
    for name, text in (
        ("20250101000000_init", SQL["0000_init.sql"]),
        ("20250102000000_orders", SQL["0001_orders.sql"]),
    ):
        (folder / name).mkdir(parents=True)
        (folder / name / "migration.sql").write_text(text)
    assert run_v1_migrator(folder, database).ok
    (folder / "20250102000000_orders").rename(folder / "20250102000000_create_orders")
    renamed = "drizzle/20250102000000_create_orders/migration.sql"
    s = await start(tmp_path / "project", configuration={"drizzleLsp": {"databaseUrl": database}})
    await s.wait_for(lambda: s.codes(renamed, "D"), what="D005")
    d005 = next(d for d in s.diagnostics(renamed) if d.code == "D005")
    assert d005.severity == types.DiagnosticSeverity.Warning
    assert "as `20250102000000_orders` (row 2, same hash)" in d005.message
    label = redact_url(database)
    assert (await hover_first_line(s, renamed) or "").endswith(
        f"**Database** pending on `{label}`: the next migrate() runs it again: row 2 applied it "
        "as `20250102000000_orders` (D005)."
    )
    first = "drizzle/20250101000000_init/migration.sql"
    assert (await hover_first_line(s, first) or "").endswith(
        f"\n\n**Database** applied on `{label}` (row 1)."
    )

    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("DROP SCHEMA drizzle CASCADE")
        conn.execute("CREATE SCHEMA drizzle")
        conn.execute(
            "CREATE TABLE drizzle.__drizzle_migrations"
            " (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint)"
        )
        conn.execute(
            "INSERT INTO drizzle.__drizzle_migrations (hash, created_at)"
            " VALUES ('from another branch', 1700000000000)"
        )
    await refresh(s)
    await s.wait_for(lambda: s.codes(first, "D") == ["D004"], what="D004")
    d004 = next(d for d in s.diagnostics(first) if d.code == "D004")
    assert d004.severity == types.DiagnosticSeverity.Error
    assert "row 1, created_at 2023-11-14T22:13:20.000Z" in d004.message
    assert s.codes(renamed, "D") == []
    assert (await hover_first_line(s, renamed) or "").endswith(
        f"**Database** pending on `{label}`, but the first v1 migrate() will throw while "
        "upgrading its 0.x migrations table: row 1 matches no folder (D004)."
    )


async def hover_first_line(s: Session, path: str) -> str | None:
    uri = s.open(path)
    hover = await s.client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=0, character=2),
        )
    )
    if hover is None:
        return None
    assert isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value
