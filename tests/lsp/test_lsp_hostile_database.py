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


def repository_url(root: Path, fake: FakePostgres) -> str:
    """A drizzle-lsp.toml in the workspace that names the fake server and asks for a secret."""
    url = f"postgresql://app:${{env:DRIZZLE_TEST_SECRET}}@127.0.0.1:{fake.port}/app?sslmode=disable"
    (root / "drizzle-lsp.toml").write_text(f'database-url = "{url}"\n', "utf-8")
    return url


SECRETS = {"DRIZZLE_TEST_SECRET": "hunter2", "PGPASSWORD": "pg-secret"}


async def test_a_repository_url_is_not_used_until_approved(tmp_path: Path, start: Starter) -> None:
    root = tmp_path / "project"
    make_folder(root, FILES, ENTRIES)
    with FakePostgres() as fake:
        repository_url(root, fake)
        env = {**SECRETS, "XDG_CONFIG_HOME": str(tmp_path / "config")}
        s = await start(root, env=env, answer=lambda params: "Not now")
        await s.wait_for(lambda: s.questions, what="the prompt")
        assert f"127.0.0.1:{fake.port}" in s.questions[0].message
        assert "hunter2" not in s.questions[0].message
        assert await refresh(s) == {"folders": 0, "unavailable": 0}
        assert len(s.questions) == 2  # the command asks again
        await asyncio.sleep(0.5)
        assert fake.connections == []  # nothing reached the host, not even the user name
    assert not (tmp_path / "config" / "drizzle-lsp" / "trusted.json").exists()


async def test_an_approved_repository_url_is_read_and_remembered(
    tmp_path: Path, start: Starter
) -> None:
    root = tmp_path / "project"
    make_folder(root, FILES, ENTRIES)
    env = {**SECRETS, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    with FakePostgres() as fake:
        repository_url(root, fake)
        s = await start(root, env=env, answer=lambda params: "Allow")
        # the fake records a connection at its startup message, and its password a step later
        await s.wait_for(
            lambda: fake.connections and fake.connections[0].password is not None,
            what="a connection and its password once approved",
        )
        assert fake.connections[0].password == "hunter2"  # ${env:} expanded once approved
        assert (tmp_path / "config" / "drizzle-lsp" / "trusted.json").is_file()
        remembered = await start(root, env=env)  # the next start reads it without asking
        await s.wait_for(lambda: len(fake.connections) > 1, what="a connection without prompt")
        assert remembered.questions == []
    with FakePostgres() as other:  # a changed URL (another port) is asked about again
        repository_url(root, other)
        again = await start(root, env=env, answer=lambda params: None)
        await again.wait_for(lambda: again.questions, what="a new prompt")
        await asyncio.sleep(0.5)
        assert other.connections == []
