from __future__ import annotations

from pathlib import Path

from conftest import Starter, make_folder


async def test_workspace_diagnostics_without_opening(tmp_path: Path, start: Starter) -> None:
    make_folder(tmp_path, {"0000_init.sql": "CREATE TABLE a (id int);\n"}, [("0000_init", 1718000000000), ("0001_gone", 1718000100000)])
    s = await start(tmp_path)
    await s.wait_for(lambda: s.codes("drizzle/meta/_journal.json"), what="J002")
    assert s.codes("drizzle/meta/_journal.json") == ["J002"]
