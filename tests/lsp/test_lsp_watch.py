"""Files created, changed and deleted outside the editor: client watcher or our own."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from lsp_harness import Starter, capabilities, make_folder
from lsprotocol import types
from test_lsp_state import Recorder

from drizzle_lsp.core.folder import Layout
from drizzle_lsp.lsp.state import Change, ServerState

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
    assert recorder.published[-1] == ((folder / "0000_x.sql").as_uri(), None, [])
    state.close()
