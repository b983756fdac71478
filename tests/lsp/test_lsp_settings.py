"""Settings: initializationOptions, workspace/configuration, didChangeConfiguration, config file."""

from __future__ import annotations

from pathlib import Path

from lsp_harness import Session, Starter, capabilities, make_folder
from lsprotocol import types

JOURNAL = "drizzle/meta/_journal.json"
T0 = 1_718_000_000_000


def project(root: Path) -> Path:
    entries = [("0000_init", T0), ("0001_gone", T0 + 1000)]
    return make_folder(root, {"0000_init.sql": "SELECT 1;\n"}, entries)


async def checked(s: Session, times: int = 1) -> None:
    """Wait until the server finished ``times`` whole-workspace checks."""
    await s.wait_for(
        lambda: sum(m.message.startswith("checked ") for m in s.client.log_messages) >= times,
        what="the workspace check",
    )


async def test_workspace_configuration_and_its_change(tmp_path: Path, start: Starter) -> None:
    project(tmp_path)
    s = await start(tmp_path, configuration={"drizzleLsp": {"ignore": ["J002"]}})
    await checked(s)
    assert s.codes(JOURNAL, "J002") == []
    s.client.set_configuration({"drizzleLsp": {"ignore": []}})
    s.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await s.wait_for(
        lambda: s.codes(JOURNAL, "J002") == ["J002"], what="J002 once no longer ignored"
    )


async def test_initialization_options_without_configuration_support(
    tmp_path: Path, start: Starter
) -> None:
    project(tmp_path)
    s = await start(
        tmp_path,
        caps=capabilities(configuration=False),
        init_options={"drizzleLsp": {"select": ["S"], "debounceMs": 10}},
    )
    await checked(s)
    assert s.codes(JOURNAL, "J002") == []
    # without workspace/configuration the pushed settings are used
    s.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"drizzleLsp": {"select": ["J"]}})
    )
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == ["J002"], what="J002 once J is selected")


async def test_config_file_in_the_workspace(tmp_path: Path, start: Starter) -> None:
    project(tmp_path)
    config = tmp_path / "drizzle-lsp.toml"
    config.write_text('ignore = ["J002"]\n')
    s = await start(tmp_path)
    await checked(s)
    assert s.codes(JOURNAL, "J002") == []
    config.write_text("ignore = []\n")
    s.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    await s.wait_for(
        lambda: s.codes(JOURNAL, "J002") == ["J002"], what="J002 after the config change"
    )


async def test_config_file_migrations_changed(tmp_path: Path, start: Starter) -> None:
    """`migrations` in the config file names the folders: changing it checks the new one and
    clears the one no longer named."""
    project(tmp_path)
    other = tmp_path / "other" / "drizzle"
    other.parent.mkdir()
    project(other.parent)
    config = tmp_path / "drizzle-lsp.toml"
    config.write_text('migrations = ["drizzle"]\n')
    s = await start(tmp_path)
    await checked(s)
    assert s.codes(JOURNAL, "J002") == ["J002"] and s.codes(other / "meta/_journal.json") == []
    config.write_text('migrations = ["other/drizzle"]\n')
    s.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    await s.wait_for(
        lambda: s.codes(other / "meta/_journal.json", "J002") == ["J002"], what="the new folder"
    )
    await s.wait_for(lambda: s.codes(JOURNAL) == [], what="the folder no longer named cleared")


async def test_bad_settings_are_reported_not_fatal(tmp_path: Path, start: Starter) -> None:
    project(tmp_path)
    s = await start(tmp_path, configuration={"drizzleLsp": {"select": 42, "colour": "red"}})
    await s.wait_for(
        lambda: s.codes(JOURNAL, "J002") == ["J002"], what="J002 with default settings"
    )
    messages = [m.message for m in s.client.log_messages]
    assert any("colour" in m for m in messages)
    assert any("select" in m for m in messages)


async def test_the_driver_setting_decides_s003(tmp_path: Path, start: Starter) -> None:
    """Two statements in one chunk: reported while the driver is not known, not for
    node-postgres (which runs them), again for pglite (which rejects them)."""
    two = 'CREATE TABLE IF NOT EXISTS "a" ("id" int);\nCREATE TABLE IF NOT EXISTS "b" ("id" int);\n'
    make_folder(tmp_path, {"0000_two.sql": two}, [("0000_two", T0)])
    sql = "drizzle/0000_two.sql"
    s = await start(tmp_path, configuration={"drizzleLsp": {}})
    await s.wait_for(lambda: s.codes(sql, "S003") == ["S003"], what="S003, driver unknown")
    for driver, expected in (("node-postgres", []), ("pglite", ["S003"])):
        s.client.set_configuration({"drizzleLsp": {"driver": driver}})
        s.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )
        await s.wait_for(lambda e=expected: s.codes(sql, "S003") == e, what=f"S003 ({driver})")


async def test_s002_is_an_error_while_the_driver_runs_without_a_transaction(
    tmp_path: Path, start: Starter
) -> None:
    make_folder(tmp_path, {"0000_a.sql": 'CREATE TABLE "a" ("id" int);\n'}, [("0000_a", T0)])
    sql = "drizzle/0000_a.sql"
    s = await start(tmp_path, configuration={"drizzleLsp": {}})

    def severities() -> list[types.DiagnosticSeverity | None]:
        return [d.severity for d in s.diagnostics(sql) if d.code == "S002"]

    warning, error = types.DiagnosticSeverity.Warning, types.DiagnosticSeverity.Error
    await s.wait_for(lambda: severities() == [warning], what="S002, a warning")
    for driver, expected in (("neon-http", error), ("node-postgres", warning)):
        s.client.set_configuration({"drizzleLsp": {"driver": driver}})
        s.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )
        await s.wait_for(lambda e=expected: severities() == [e], what=f"S002 ({driver})")
