"""``check`` on many folders shares them between two processes: what it prints and writes must
be what checking each folder alone prints and writes, in the same order, run after run."""

from __future__ import annotations

import shutil
from pathlib import Path

from cli_helpers import run_process
from folders import DAY, NOW, entry, write_folder

FOLDERS = 7  # above the threshold of two processes (4), odd: the two meet mid-folder list


def _project(root: Path) -> list[Path]:
    """Folders with S002 and S003 fixes, a late entry (J001's guarded re-date) and a file the
    journal forgets (J003)."""
    folders = []
    for n in range(FOLDERS):
        entries = [
            entry(0, "0000_init", NOW - 3 * DAY),
            entry(1, "0001_late", NOW - 5 * DAY),  # older than the one before: J001
            entry(2, "0002_more", NOW - DAY),
        ]
        files = {
            "0000_init.sql": f'CREATE TABLE "t{n}" ("id" integer);\n'
            f'CREATE INDEX "i{n}" ON "t{n}" ("id");\n',
            "0001_late.sql": f'ALTER TABLE "t{n}" ADD COLUMN "c" integer;\n',
            "0002_more.sql": "SELECT 1;\n",
            "0003_forgotten.sql": f'CREATE TABLE "f{n}" ("id" integer);\n',
        }
        folders.append(write_folder(root / f"app{n}" / "drizzle", entries, files))
    return folders


def _texts(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_many_folders_report_what_each_reports_alone(tmp_path: Path) -> None:
    folders = _project(tmp_path)
    together = run_process("check", "--format", "json", ".", cwd=tmp_path)
    alone = [run_process("check", "--format", "json", str(f), cwd=tmp_path) for f in folders]
    assert together.code == 1 and together.err == ""
    expected = sorted(
        (d for result in alone for d in result.json()),
        key=lambda d: (d["path"], d["range"]["start"]["line"], d["range"]["start"]["character"]),
    )
    assert together.json() == expected
    assert {d["code"] for d in expected} >= {"J001", "J003", "S002", "S003"}
    text = run_process("check", ".", cwd=tmp_path)
    assert run_process("check", ".", cwd=tmp_path).out == text.out  # the same order every run


def test_many_folders_are_fixed_as_each_is_fixed_alone(tmp_path: Path) -> None:
    together, alone, before = tmp_path / "together", tmp_path / "alone", tmp_path / "before"
    folders = _project(together)
    shutil.copytree(together, alone)
    shutil.copytree(together, before)
    fixed = run_process("check", "--fix", ".", cwd=together)
    messages, notes = [], []
    for folder in folders:
        one = run_process("check", "--fix", str(folder.relative_to(together)), cwd=alone)
        messages += [line for line in one.out.splitlines() if line.startswith("Fixed ")]
        notes += [line for line in one.out.splitlines() if line.startswith("  ")]
    assert _texts(together) == _texts(alone) != _texts(before)
    count = sum(int(m.split()[1]) for m in messages)  # "Fixed N problems in M files."
    assert f"Fixed {count} problems in " in fixed.out
    assert [line for line in fixed.out.splitlines() if line.startswith("  ")] == notes
