"""A file or folder the user may not read is reported where it is; the rest is checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cli_helpers import REPO
from folders import DAY, NOW, entry, write_folder
from unprivileged import lock, shared_directory, unprivileged

SQL = "CREATE TABLE IF NOT EXISTS t (id int);\n"


def check(cwd: Path) -> tuple[int, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "server"), "DRIZZLE_LSP_NOW": str(NOW)}
    done = subprocess.run(
        unprivileged([sys.executable, "-m", "drizzle_lsp", "check"]),
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stderr == ""
    return done.returncode, done.stdout.splitlines()


def test_a_link_into_an_unreadable_directory() -> None:
    with shared_directory() as root:
        entries = [entry(0, "0000_a", NOW - 2 * DAY), entry(1, "0001_b", NOW - DAY)]
        folder = write_folder(root / "project" / "drizzle", entries, {"0000_a.sql": SQL})
        private = root / "private"
        private.mkdir()
        (private / "0001_b.sql").write_text(SQL)
        (folder / "0001_b.sql").symlink_to(private / "0001_b.sql")
        lock(private)
        code, lines = check(root / "project")
    assert code == 1
    assert lines == [
        "drizzle/0001_b.sql:1:1: S001 [syntax-error] Cannot check this file: cannot read: "
        "Permission denied",
        "Found 1 problem.",
    ]


def test_a_meta_folder_linked_into_an_unreadable_directory() -> None:
    with shared_directory() as root:
        folder = root / "project" / "drizzle"
        folder.mkdir(parents=True)
        (folder / "0000_a.sql").write_text(SQL)
        private = root / "private"
        private.mkdir()
        (folder / "meta").symlink_to(private)
        write_folder(root / "project" / "other", [entry(0, "0000_x", NOW - DAY)], {})
        lock(private)
        code, lines = check(root / "project")
    assert code == 1
    assert (
        "drizzle/meta/_journal.json:1:1: J006 [invalid-journal] the journal cannot be read: "
        "cannot read: Permission denied." in lines
    )
    # the other folder is checked all the same
    assert any(line.startswith("other/meta/_journal.json") and "J002" in line for line in lines)
