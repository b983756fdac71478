"""Databases that stall, and database URLs a repository supplies, in the real server."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from fake_postgres import FakePostgres
from lsp_harness import Starter, make_folder
from lsprotocol import types

T0 = 1_718_000_000_000
ENTRIES = [("0000_init", T0)]
FILES = {"0000_init.sql": "SELECT 1;\n"}


def logged(s, text: str) -> bool:  # type: ignore[no-untyped-def]
    return any(text in m.message for m in s.client.log_messages)


async def refresh(s) -> object:  # type: ignore[no-untyped-def]
    return await s.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="drizzle-lsp.refreshDatabase", arguments=[])
    )


async def test_refresh_database_answers_when_the_server_stalls(
    tmp_path: Path, start: Starter
) -> None:
    make_folder(tmp_path, FILES, ENTRIES)
    with FakePostgres(stall="query") as fake:
        url = fake.url(password="pw")
        s = await start(tmp_path, configuration={"drizzleLsp": {"databaseUrl": url}})
        await s.wait_for(lambda: logged(s, "checked 1 migrations folders"), what="the scan")
        started = time.monotonic()
        result = await asyncio.wait_for(refresh(s), timeout=30)
        took = time.monotonic() - started
    assert result == {"folders": 1, "unavailable": 1}
    assert took < 16  # the read the scan started, then this one: 7 s each at most
    assert logged(s, "did not answer within 7 s")
