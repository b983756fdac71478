"""The database monitor in process, with a stand-in for read_applied: coalescing, one warning
per error, recovery, the refresh interval, and the URL kept out of every message."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

import pytest
from lsp_harness import make_folder

from drizzle_lsp.core.database import AppliedMigrations, AppliedRow, DatabaseError, redact_url
from drizzle_lsp.core.settings import Settings
from drizzle_lsp.lsp import convert
from drizzle_lsp.lsp import database as database_module
from drizzle_lsp.lsp.database import DatabaseMonitor
from drizzle_lsp.lsp.state import ServerState

URL = "postgresql://app:hunter2@db.example:5432/app"
T0 = 1_718_000_000_000


class FakeDatabase:
    """read_applied's stand-in: answers ``rows`` or raises ``error``; can be held mid-read."""

    def __init__(self) -> None:
        self.rows: tuple[AppliedRow, ...] = ()
        self.error: DatabaseError | None = None
        self.reads = 0
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, url: str, schema: str, table: str) -> AppliedMigrations:
        self.gate.wait(5)
        self.reads += 1
        if self.error is not None:
            raise self.error
        return AppliedMigrations(self.rows)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeDatabase:
    fake = FakeDatabase()
    monkeypatch.setattr(database_module, "read_applied", fake)
    return fake


async def test_reads_asked_for_during_a_read_coalesce_into_one_more(fake: FakeDatabase) -> None:
    changes: list[object] = []
    monitor = DatabaseMonitor(changes.append)
    key = monitor.key_of(Settings(database_url=URL))
    assert key is not None
    fake.gate.clear()
    first = monitor.refresh([key])
    await asyncio.sleep(0.05)  # the first read is under way, held
    later = [w for _ in range(5) for w in monitor.refresh([key])]
    fake.gate.set()
    await asyncio.gather(*first, *later)
    assert fake.reads == 2
    assert changes == [key]  # the second read found the same rows: no re-check
    monitor.close()


async def test_a_database_forgotten_during_its_read_releases_its_waiters(
    fake: FakeDatabase,
) -> None:
    changes: list[object] = []
    monitor = DatabaseMonitor(changes.append)
    key = monitor.key_of(Settings(database_url=URL))
    assert key is not None
    fake.gate.clear()
    waiting = asyncio.ensure_future(monitor.refresh_and_wait([key]))
    await asyncio.sleep(0.05)
    monitor.forget([])  # the settings no longer name it
    fake.gate.set()
    await asyncio.wait_for(waiting, 2)
    assert changes == []  # nobody is told about a database no folder uses
    monitor.close()


async def test_one_warning_per_error_and_a_note_on_recovery(
    fake: FakeDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    shown: list[str] = []
    monitor = DatabaseMonitor(lambda key: None, shown.append)
    key = monitor.key_of(Settings(database_url=URL))
    assert key is not None
    fake.error = DatabaseError(f"cannot reach the database at {redact_url(URL)}: refused")
    with caplog.at_level(logging.INFO, logger="drizzle_lsp"):
        for _ in range(3):
            await monitor.refresh_and_wait([key])
        fake.error = DatabaseError(f"authentication failed for {redact_url(URL)}: hunter2 wrong")
        await monitor.refresh_and_wait([key])
        fake.error = None
        await monitor.refresh_and_wait([key])
        await monitor.refresh_and_wait([key])
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2, warnings  # the error changed once
    assert "refused" in warnings[0] and "authentication failed" in warnings[1]
    assert len(shown) == 1  # window/showMessage once per database
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("can be read again" in m for m in infos)
    assert "hunter2" not in "\n".join([*warnings, *infos, *shown])  # scrubbed, even from libpq
    assert monitor.input_for(Settings(database_url=URL)) is not None
    monitor.close()


async def test_env_reference_and_missing_variable(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monitor = DatabaseMonitor(lambda key: None)
    monkeypatch.setenv("DRIZZLE_LSP_TEST_URL", URL)
    assert monitor.key_of(Settings(database_url="${env:DRIZZLE_LSP_TEST_URL}")) == (
        URL,
        "drizzle",
        "__drizzle_migrations",
    )
    with caplog.at_level(logging.WARNING, logger="drizzle_lsp"):
        for _ in range(2):
            assert monitor.key_of(Settings(database_url="${env:DRIZZLE_LSP_NOT_SET}")) is None
    assert [r.getMessage() for r in caplog.records] == [
        "databaseUrl names ${env:DRIZZLE_LSP_NOT_SET}, which is not set in the server's environment"
    ]
    monitor.close()


class Recorder:
    def publish(self, uri: str, version: int | None, diagnostics: convert.DiagnosticsText) -> None:
        pass

    def report_progress(self, message: str, percentage: int) -> None:
        pass

    def show_warning(self, message: str) -> None:
        pass


async def test_interval_reads_again_and_rows_reach_the_analysis(
    tmp_path: Path, fake: FakeDatabase
) -> None:
    make_folder(tmp_path, {"0000_init.sql": "SELECT 1;\n"}, [("0000_init", T0)])
    state = ServerState(Recorder(), debounce=0.01)
    state.workspace_folders = [tmp_path]
    state.set_editor_settings(None, {"drizzleLsp": {"databaseUrl": URL}})
    state.database_interval = 0.05  # (the setting's minimum is 5 s)
    await state.scan()
    folder = next(iter(state.folders.values()))
    for _ in range(100):
        if fake.reads >= 3:
            break
        await asyncio.sleep(0.02)
    assert fake.reads >= 3
    fake.rows = (AppliedRow(1, "0" * 64, T0 + 1),)  # a row no entry has: D003, 0000 skipped
    for _ in range(100):
        result = folder.result
        if result is not None and {v.code for v in result.violations} >= {"D001", "D003"}:
            break
        await asyncio.sleep(0.02)
    assert folder.result is not None and folder.result.view is not None
    assert {v.code for v in folder.result.violations} >= {"D001", "D003"}
    state.close()
