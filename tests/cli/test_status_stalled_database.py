"""`status` against a database that stops answering ends with one clear line, in bounded time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from cli_helpers import run_process
from fake_postgres import FakePostgres
from folders import DAY, NOW, entry, write_folder


@pytest.mark.parametrize(
    ("stall", "bound", "message"),
    [
        ("startup", 6, "cannot reach the database at {url}: connection timeout expired"),
        ("query", 10, "the database at {url} did not answer within 7 s"),
    ],
)
def test_status_gives_up_on_a_stalled_server(
    tmp_path: Path, stall: str, bound: float, message: str
) -> None:
    write_folder(tmp_path / "drizzle", [entry(0, "0000_a", NOW - DAY)])
    with FakePostgres(stall=stall) as fake:
        started = time.monotonic()
        done = run_process(
            "status", "drizzle", "--database-url", fake.url(password="pw"), cwd=tmp_path
        )
        took = time.monotonic() - started
        assert fake.connections, "the fake server was not reached"
    assert done.code == 2
    shown = fake.url(password="***")
    assert done.err.splitlines() == [f"drizzle-lsp: error: {message.format(url=shown)}"]
    assert took < bound
