"""``check`` on drizzle-kit's snapshots: J007 in every output format, a snapshot named alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

FIXTURE = Path(__file__).parents[1] / "fixtures" / "rules" / "J007" / "collision-after-merge"


def _project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE / "drizzle", tmp_path / "drizzle")
    return tmp_path


def test_a_snapshot_named_alone_gets_its_own_diagnostics(run, tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = run("check", "drizzle/meta/0002_snapshot.json", cwd=project)
    assert result.code == 1
    (line, summary) = result.out.splitlines()
    assert line.startswith("drizzle/meta/0002_snapshot.json:3:13: J007 [snapshot-chain] ")
    assert summary == "Found 1 problem."


def test_json_points_into_the_snapshots(run, tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = run("check", "--format", "json", "drizzle", cwd=project)
    found = [d for d in json.loads(result.out) if d["code"] == "J007"]
    assert [(Path(d["path"]).name, d["range"]["start"]) for d in found] == [
        ("0001_snapshot.json", {"line": 2, "character": 12}),
        ("0002_snapshot.json", {"line": 2, "character": 12}),
    ]
    assert all(d["severity"] == "error" and d["fix"] is None for d in found)


def test_ignored_like_any_journal_rule(run, tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = run("check", "--ignore", "J007", "drizzle", cwd=project)
    assert "J007" not in result.out
