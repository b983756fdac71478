"""J007 in the editor: diagnostics on `meta/NNNN_snapshot.json`, checked again as they change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from lsp_harness import Starter, capabilities
from lsprotocol import types
from test_lsp_watch import notify

FIXTURE = Path(__file__).parents[1] / "fixtures" / "rules" / "J007" / "collision-after-merge"
JOURNAL = "drizzle/meta/_journal.json"
FIRST, SECOND = "drizzle/meta/0001_snapshot.json", "drizzle/meta/0002_snapshot.json"


def merged(root: Path) -> Path:
    """Two branches' snapshots that follow the same one (drizzle-kit's collision)."""
    shutil.copytree(FIXTURE / "drizzle", root / "drizzle")
    return root / "drizzle"


def _ids(path: Path) -> tuple[str, str]:
    data = json.loads(path.read_text())
    return data["id"], data["prevId"]


async def test_collision_published_on_snapshots_and_edited_away(
    tmp_path: Path, start: Starter
) -> None:
    folder = merged(tmp_path)
    s = await start(tmp_path, caps=capabilities(dynamic_watch=True))
    await s.wait_for(
        lambda: s.codes(FIRST) == ["J007"] and s.codes(SECOND) == ["J007"], what="collision"
    )
    (registration,) = s.registrations
    globs = [w["globPattern"] for w in registration.register_options["watchers"]]  # type: ignore[index]
    assert "**/meta/*" in globs
    (diagnostic,) = s.diagnostics(SECOND)
    assert diagnostic.range.start == types.Position(line=2, character=12)  # the prevId value
    assert "collision" in diagnostic.message

    # the developer points the second snapshot at the first (in the editor, unsaved)
    first_id, _ = _ids(folder / "meta" / "0001_snapshot.json")
    _, shared = _ids(folder / "meta" / "0002_snapshot.json")
    uri = s.open(SECOND)
    text = (folder / "meta" / "0002_snapshot.json").read_text()
    s.replace_all(uri, text.replace(f'"prevId": "{shared}"', f'"prevId": "{first_id}"'))
    await s.wait_for(
        lambda: s.codes(FIRST) == [] and s.codes(SECOND) == [], what="collision edited away"
    )

    # a merge conflict written on disk into the other one: reported once the watcher says so
    first = folder / "meta" / "0001_snapshot.json"
    first.write_text("{\n<<<<<<< HEAD\n" + first.read_text()[2:])
    notify(s, first, types.FileChangeType.Changed)
    await s.wait_for(lambda: s.codes(FIRST) == ["J007"], what="malformed snapshot")
    (diagnostic,) = s.diagnostics(FIRST)
    assert "merge conflict" in diagnostic.message
    assert diagnostic.range.start == types.Position(line=1, character=0)


async def test_a_snapshot_deleted_on_disk_is_seen_by_our_watcher(
    tmp_path: Path, start: Starter
) -> None:
    folder = merged(tmp_path)
    (folder / "meta" / "0001_snapshot.json").unlink()  # no collision: one chain, 0000 -> 0002
    s = await start(tmp_path, caps=capabilities(dynamic_watch=False))
    await s.wait_for(
        lambda: any("watchfiles" in m.message for m in s.client.log_messages),
        what="the server's own watcher",
    )
    assert s.codes(SECOND) == [] and s.codes(JOURNAL, "J007") == []
    (folder / "meta" / "0002_snapshot.json").unlink()  # no notification: the server sees it
    await s.wait_for(
        lambda: s.codes(JOURNAL, "J007") == ["J007"], timeout=3, what="newest without snapshot"
    )
    (diagnostic,) = [d for d in s.diagnostics(JOURNAL) if d.code == "J007"]
    assert "0002_snapshot.json" in diagnostic.message
