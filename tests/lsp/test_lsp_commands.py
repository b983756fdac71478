"""Commands, workspace folders and the Drizzle v1 layout."""

from __future__ import annotations

from pathlib import Path

from lsp_harness import Starter, make_folder
from lsprotocol import types

JOURNAL = "drizzle/meta/_journal.json"
T0 = 1_718_000_000_000
MISSING = [("0000_init", T0), ("0001_gone", T0 + 1000)]


async def test_check_workspace_rescans_from_disk(tmp_path: Path, start: Starter) -> None:
    s = await start(tmp_path)  # nothing to check yet
    assert s.initialize_result is not None
    provider = s.initialize_result.capabilities.execute_command_provider
    assert provider is not None
    assert {"drizzle-lsp.checkWorkspace", "drizzle-lsp.refreshDatabase"} <= set(provider.commands)
    make_folder(tmp_path, {"0000_init.sql": "SELECT 1;\n"}, MISSING)  # no watcher event sent
    result = await s.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="drizzle-lsp.checkWorkspace")
    )
    assert result == {"folders": 1}
    assert s.codes(JOURNAL, "J002") == ["J002"]


async def test_refresh_database_without_a_database(tmp_path: Path, start: Starter) -> None:
    make_folder(tmp_path, {"0000_init.sql": "SELECT 1;\n"}, MISSING)
    s = await start(tmp_path)
    result = await s.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="drizzle-lsp.refreshDatabase", arguments=[])
    )
    assert result == {"folders": 0, "unavailable": 0}  # no databaseUrl: nothing to read
    assert any("no database configured" in m.message for m in s.client.log_messages)


async def test_workspace_folder_added(tmp_path: Path, start: Starter) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    make_folder(first, {"0000_init.sql": "SELECT 1;\n"}, MISSING)
    make_folder(second, {"0000_init.sql": "SELECT 1;\n"}, MISSING)
    s = await start(first)
    await s.wait_for(lambda: s.codes(first / JOURNAL, "J002"), what="J002 in the first folder")
    assert s.codes(second / JOURNAL) == []
    s.client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=second.as_uri(), name="second")], removed=[]
            )
        )
    )
    await s.wait_for(lambda: s.codes(second / JOURNAL, "J002"), what="J002 in the added folder")


async def test_v1_layout_gets_sql_rules(tmp_path: Path, start: Starter) -> None:
    migration = tmp_path / "drizzle" / "20250508083758_init" / "migration.sql"
    migration.parent.mkdir(parents=True)
    migration.write_text('CREATE TABLE "users" ("id" int);\n')
    s = await start(tmp_path)
    await s.wait_for(lambda: s.codes(migration, "S002") == ["S002"], what="S002 in a v1 folder")
