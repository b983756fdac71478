"""A fix that deletes files (S004's: the regenerated migration, its entry and its snapshot):
only with ``--unsafe-fixes``, after the journal is written, and named in the machine formats."""

from __future__ import annotations

import json
from pathlib import Path

from folders import DAY, NOW, entry, write_folder

INIT = 'CREATE TABLE "users" ("id" integer);\n'
AGAIN = 'CREATE TABLE "users" ("id" integer, "age" integer);\n'


def _project(root: Path) -> Path:
    folder = write_folder(
        root / "drizzle",
        [entry(0, "0000_init", NOW - 2 * DAY), entry(1, "0001_regen", NOW - DAY)],
        {"0000_init.sql": INIT, "0001_regen.sql": AGAIN},
    )
    for number in ("0000", "0001"):
        (folder / "meta" / f"{number}_snapshot.json").write_text("{}\n")
    return folder


def test_the_fix_deletes_the_migration_and_its_snapshot_only_when_unsafe(
    run, tmp_path: Path
) -> None:
    folder = _project(tmp_path)
    safe = run("check", "--fix", "--select", "S004", cwd=tmp_path)
    assert safe.code == 1 and (folder / "0001_regen.sql").exists()

    result = run("check", "--fix", "--unsafe-fixes", "--select", "S004", cwd=tmp_path)
    assert result.code == 0, result.out + result.err
    assert "Fixed 1 problem in 3 files." in result.out
    assert sorted(p.name for p in folder.rglob("*") if p.is_file()) == [
        "0000_init.sql",
        "0000_snapshot.json",
        "_journal.json",
    ]
    entries = json.loads((folder / "meta" / "_journal.json").read_text())["entries"]
    assert [e["tag"] for e in entries] == ["0000_init"]


def test_json_and_sarif_name_the_files_the_fix_deletes(run, tmp_path: Path) -> None:
    _project(tmp_path)
    found = json.loads(run("check", "--format", "json", "--select", "S004", cwd=tmp_path).out)
    (diagnostic,) = found
    assert diagnostic["fix"]["applicability"] == "unsafe"
    assert diagnostic["fix"]["deletes"] == [
        "drizzle/0001_regen.sql",
        "drizzle/meta/0001_snapshot.json",
    ]
    assert diagnostic["fix"]["edits"][0]["path"] == "drizzle/meta/_journal.json"

    sarif = json.loads(run("check", "--format", "sarif", "--select", "S004", cwd=tmp_path).out)
    (result,) = sarif["runs"][0]["results"]
    description = result["fixes"][0]["description"]["text"]
    assert "deletes drizzle/0001_regen.sql; deletes drizzle/meta/0001_snapshot.json" in description
