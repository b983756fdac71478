"""Files created, changed and deleted outside the editor: client watcher or our own."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import pytest
from lsp_harness import Starter, capabilities, make_folder
from lsprotocol import types
from test_lsp_state import Recorder

from drizzle_lsp.core.folder import Layout
from drizzle_lsp.lsp.state import Change, ServerState
from drizzle_lsp.lsp.watch import FileWatcher

JOURNAL = "drizzle/meta/_journal.json"
T0 = 1_718_000_000_000


def project(root: Path) -> Path:
    entries = [("0000_init", T0), ("0001_gone", T0 + 1000)]
    return make_folder(root, {"0000_init.sql": "SELECT 1;\n"}, entries)


def notify(s, path: Path, kind: types.FileChangeType) -> None:  # type: ignore[no-untyped-def]
    s.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=path.as_uri(), type=kind)])
    )


async def test_dynamic_registration_and_client_events(tmp_path: Path, start: Starter) -> None:
    folder = project(tmp_path)
    s = await start(tmp_path, caps=capabilities(dynamic_watch=True))
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == ["J002"], what="J002")
    (registration,) = s.registrations
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    globs = [w["globPattern"] for w in registration.register_options["watchers"]]  # type: ignore[index]
    assert {"**/meta/_journal.json", "**/*.sql"} <= set(globs)
    created = folder / "0001_gone.sql"
    created.write_text("SELECT 2;\n")
    notify(s, created, types.FileChangeType.Created)
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == [], what="J002 cleared by a created file")
    created.unlink()
    notify(s, created, types.FileChangeType.Deleted)
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == ["J002"], what="J002 back after deletion")
    # a folder deleted as a whole: VS Code reports the directory only (the "**/*" delete watcher)
    deletes = [w for w in registration.register_options["watchers"] if w.get("kind") == 4]  # type: ignore[index]
    assert [w["globPattern"] for w in deletes] == ["**/*"]
    shutil.rmtree(folder)
    notify(s, folder, types.FileChangeType.Deleted)
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == [], what="the deleted folder cleared")


async def test_watchfiles_when_the_client_cannot_watch(tmp_path: Path, start: Starter) -> None:
    folder = project(tmp_path)
    s = await start(tmp_path, caps=capabilities(dynamic_watch=False))
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == ["J002"], what="J002")
    await s.wait_for(
        lambda: any("watchfiles" in m.message for m in s.client.log_messages),
        what="the server's own watcher",
    )
    assert s.registrations == []
    created = folder / "0001_gone.sql"
    began = time.monotonic()
    created.write_text("SELECT 2;\n")  # no notification: the server must see it itself
    await s.wait_for(
        lambda: s.codes(JOURNAL, "J002") == [], timeout=3, what="J002 cleared from disk"
    )
    assert time.monotonic() - began < 1.0, "changes on disk show up within a second"
    created.rename(folder / "0001_renamed.sql")
    await s.wait_for(
        lambda: s.codes(JOURNAL, "J002") == ["J002"], timeout=3, what="J002 after rename"
    )
    # the journal changed on disk (e.g. git pull): the new entry's file is missing
    journal = folder / "meta" / "_journal.json"
    journal.write_text(journal.read_text().replace("0001_gone", "0001_renamed"))
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == [], timeout=3, what="journal change seen")


# ---- our own watcher: migrations folders that appear, move or go after start-up ----------------

NOT_IDEMPOTENT = 'ALTER TABLE "t" ADD COLUMN "c" integer;\n'  # S002


def new_folder(parent: Path) -> Path:
    """What ``drizzle-kit generate`` leaves: parent directories, the journal, one migration."""
    return make_folder(parent, {"0000_x.sql": NOT_IDEMPOTENT}, [("0000_x", T0)])


async def watching(s) -> None:  # type: ignore[no-untyped-def]
    """Until the server's own watcher listens for new directories."""
    await s.wait_for(
        lambda: any("for new migrations folders" in m.message for m in s.client.log_messages),
        what="the watch over the workspace's directories",
    )


async def test_a_folder_created_in_a_new_tree_is_checked(tmp_path: Path, start: Starter) -> None:
    s = await start(tmp_path, caps=capabilities(dynamic_watch=False))
    await watching(s)
    folder = new_folder(tmp_path / "sub" / "dir")  # sub/ and dir/ did not exist: mkdir -p
    await s.wait_for(
        lambda: s.codes(folder / "0000_x.sql") == ["S002"], what="S002 of the new folder"
    )


async def test_a_folder_created_in_a_watched_directory_is_checked(
    tmp_path: Path, start: Starter
) -> None:
    project(tmp_path)
    (tmp_path / "apps" / "web").mkdir(parents=True)
    s = await start(tmp_path, caps=capabilities(dynamic_watch=False))
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == ["J002"], what="J002")
    await watching(s)
    api = new_folder(tmp_path / "apps" / "api")
    await s.wait_for(lambda: s.codes(api / "0000_x.sql") == ["S002"], what="S002 in apps/api")
    web = new_folder(tmp_path / "apps" / "web")
    await s.wait_for(lambda: s.codes(web / "0000_x.sql") == ["S002"], what="S002 in apps/web")


async def test_a_folder_moved_or_deleted_is_cleared(tmp_path: Path, start: Starter) -> None:
    folder = project(tmp_path)
    s = await start(tmp_path, caps=capabilities(dynamic_watch=False))
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == ["J002"], what="J002")
    await watching(s)
    moved = folder.rename(tmp_path / "old")  # mv: no event for the files inside
    await s.wait_for(
        lambda: s.codes(JOURNAL) == [] and s.codes("old/meta/_journal.json") == ["J002"],
        what="J002 moved along with its folder",
    )
    shutil.rmtree(moved)
    await s.wait_for(lambda: s.codes("old/meta/_journal.json") == [], what="J002 cleared")
    published = [p for p in s.published if p.uri == s.uri("old/meta/_journal.json")]
    assert not published[-1].diagnostics  # cleared, not merely left alone


async def test_a_folder_deleted_and_generated_again_is_still_watched(
    tmp_path: Path, start: Starter
) -> None:
    folder = new_folder(tmp_path)
    s = await start(tmp_path, caps=capabilities(dynamic_watch=False))
    await watching(s)
    sql = folder / "0000_x.sql"
    await s.wait_for(lambda: s.codes(sql) == ["S002"], what="S002")
    watches = sum("migrations folders for changes" in m.message for m in s.client.log_messages)
    shutil.rmtree(folder)
    new_folder(tmp_path)  # at once (one batch of events): the folder's watch went with the old one
    await s.wait_for(
        lambda: (
            sum("migrations folders for changes" in m.message for m in s.client.log_messages)
            > watches
        ),
        what="a new watch over the folder",
    )
    sql.write_text(NOT_IDEMPOTENT.replace("ADD COLUMN", "ADD COLUMN IF NOT EXISTS"))
    await s.wait_for(lambda: s.codes(sql) == [], what="the file fixed on disk seen")


async def test_a_configured_folder_created_later_is_checked(tmp_path: Path, start: Starter) -> None:
    configuration = {"drizzleLsp": {"migrations": ["packages/db/drizzle"]}}
    s = await start(tmp_path, caps=capabilities(dynamic_watch=False), configuration=configuration)
    await watching(s)
    other = new_folder(tmp_path / "other")  # not configured: left alone
    folder = new_folder(tmp_path / "packages" / "db")
    await s.wait_for(lambda: s.codes(folder / "0000_x.sql") == ["S002"], what="S002")
    assert s.codes(other / "0000_x.sql") == []


async def test_a_workspace_folder_added_later_is_watched(tmp_path: Path, start: Starter) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    s = await start(first, caps=capabilities(dynamic_watch=False))
    await watching(s)
    added = types.WorkspaceFolder(uri=second.as_uri(), name="second")
    s.client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(added=[added], removed=[])
        )
    )
    await s.wait_for(
        lambda: any("watching 2 directories" in m.message for m in s.client.log_messages),
        what="the new workspace folder watched",
    )
    folder = new_folder(second / "db")
    await s.wait_for(lambda: s.codes(folder / "0000_x.sql") == ["S002"], what="S002")


async def test_watched_directories_are_those_discovery_searches(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for directory in ("node_modules/pkg/drizzle", ".git/refs", ".cache/x", "src/a/b"):
        (tmp_path / directory).mkdir(parents=True)
    make_folder(tmp_path / "node_modules" / "pkg", {}, [])
    folder = new_folder(tmp_path / "packages" / "db")
    (folder / "20240101000000_v1").mkdir()  # inside a migrations folder: its own watch's
    state = ServerState(Recorder())
    state.workspace_folders = [tmp_path]
    found = state.search([tmp_path])
    assert [p for p, layout in found.items() if layout] == [folder]
    directories = [p for p, layout in found.items() if layout is None]
    names = sorted(p.relative_to(tmp_path).as_posix() for p in directories)
    assert names == [".", "packages", "packages/db", "src", "src/a", "src/a/b"]

    caplog.set_level(logging.INFO, logger="drizzle_lsp")
    watcher = FileWatcher(state, limit=4)
    added = watcher.add_directories(directories)  # the shallowest, where folders appear first
    assert added == [tmp_path, tmp_path / "packages", tmp_path / "src", tmp_path / "packages/db"]
    assert watcher.add_directories([tmp_path / "src" / "a" / "b"]) == []  # full
    assert "watching 4 directories at most" in caplog.text
    state.close()


async def test_configured_folders_are_watched_from_where_they_would_appear(tmp_path: Path) -> None:
    state = ServerState(Recorder())
    state.workspace_folders = [tmp_path]
    state.set_editor_settings(None, {"migrations": ["packages/db/drizzle"]})
    assert state.search([]) == {tmp_path: None}  # nothing of it yet: the nearest parent
    (tmp_path / "packages" / "db").mkdir(parents=True)
    assert state.search([]) == {tmp_path / "packages" / "db": None}
    folder = new_folder(tmp_path / "packages" / "db")
    assert state.search([]) == {folder.parent: None, folder: Layout.JOURNAL}
    state.close()


async def test_a_deleted_directory_takes_its_folders_along(tmp_path: Path) -> None:
    folder = new_folder(tmp_path / "packages" / "db")
    recorder = Recorder()
    state = ServerState(recorder, debounce=0.01)
    state.workspace_folders = [tmp_path]
    await state.scan()
    shutil.rmtree(tmp_path / "packages")
    state.files_changed([(tmp_path / "packages", Change.DELETED)])  # no event for what was inside
    assert state.folders == {}
    uri, version, diagnostics = recorder.published[-1]
    assert (uri, version, diagnostics.bodies) == ((folder / "0000_x.sql").as_uri(), None, ())
    state.close()


async def test_a_v1_folder_that_gets_a_journal_is_checked_as_a_journal_folder(
    tmp_path: Path, start: Starter
) -> None:
    """drizzle-kit v1 output (`<timestamp>_<name>/migration.sql`) upgraded to a journal folder:
    the old layout's diagnostics go, the journal's come."""
    v1 = tmp_path / "drizzle" / "20240101000000_init" / "migration.sql"
    v1.parent.mkdir(parents=True)
    v1.write_text('ALTER TABLE "a" ADD COLUMN "b" integer;\n')
    s = await start(tmp_path, caps=capabilities(dynamic_watch=True))
    await s.wait_for(lambda: s.codes(v1, "S002") == ["S002"], what="S002 in the v1 folder")
    entries = [("0000_init", T0), ("0001_gone", T0 + 1000)]
    folder = make_folder(tmp_path, {"0000_init.sql": "SELECT 1;\n"}, entries)
    notify(s, folder / "meta" / "_journal.json", types.FileChangeType.Created)
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == ["J002"], what="the journal checked")
    await s.wait_for(lambda: s.codes(v1) == [], what="the v1 layout's diagnostics cleared")


async def test_a_misnamed_file_in_a_v1_folder_is_reported_until_renamed(
    tmp_path: Path, start: Starter
) -> None:
    """V002 on the file the editor shows, and gone once it is `migration.sql`."""
    first = tmp_path / "drizzle" / "20240101000000_init" / "migration.sql"
    first.parent.mkdir(parents=True)
    first.write_text('CREATE TABLE IF NOT EXISTS "a" ("id" integer);\n')
    s = await start(tmp_path, caps=capabilities(dynamic_watch=True))
    await s.wait_for(lambda: s.codes(first) == [], what="the v1 folder checked")
    misnamed = tmp_path / "drizzle" / "20240102000000_b" / "migrations.sql"
    misnamed.parent.mkdir()
    misnamed.write_text('CREATE TABLE IF NOT EXISTS "b" ("id" integer);\n')
    notify(s, misnamed, types.FileChangeType.Created)
    await s.wait_for(lambda: s.codes(misnamed) == ["V002"], what="V002 on the misnamed file")
    renamed = misnamed.rename(misnamed.with_name("migration.sql"))
    notify(s, misnamed, types.FileChangeType.Deleted)
    notify(s, renamed, types.FileChangeType.Created)
    await s.wait_for(lambda: s.codes(misnamed) == [], what="V002 gone after the rename")
    assert s.codes(renamed) == []
