"""Files created, changed and deleted outside the editor: client watcher or our own."""

from __future__ import annotations

import time
from pathlib import Path

from lsp_harness import Starter, capabilities, make_folder
from lsprotocol import types

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
