"""`drizzle-lsp status` says which migrator runs the folder, and why, in text and JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from oracle_support import FOLDERS, run_cli

pytestmark = [pytest.mark.postgres, pytest.mark.node]


def in_project(tmp_path: Path, drizzle_orm: str | None) -> Path:
    """The branch-merge folder in a project that installed ``drizzle_orm`` (None: nothing)."""
    project = tmp_path / "app"
    folder = Path(shutil.copytree(FOLDERS / "branch-merge", project / "drizzle"))
    if drizzle_orm is not None:
        installed = project / "node_modules" / "drizzle-orm" / "package.json"
        installed.parent.mkdir(parents=True)
        installed.write_text(json.dumps({"name": "drizzle-orm", "version": drizzle_orm}))
    return folder


def test_the_text_names_the_migrator_on_its_second_line(scratch_db, tmp_path):
    folder = in_project(tmp_path, "1.0.0-rc.5")
    done = run_cli("status", folder, "--database-url", scratch_db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == "migrator: v1 (drizzle-orm 1.0.0-rc.5 from node_modules)"


def test_json_carries_the_decision(scratch_db, tmp_path):
    folder = in_project(tmp_path, "0.45.4")
    done = run_cli("status", folder, "--database-url", scratch_db, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["migrator"] == {
        "kind": "0.x",
        "reason": "drizzle-orm 0.45.4 from node_modules",
    }


def test_the_configuration_overrides_it(scratch_db, tmp_path):
    folder = in_project(tmp_path, "0.45.4")
    (folder.parent / "drizzle-lsp.toml").write_text('migrator = "v1"\n')
    done = run_cli("status", folder, "--database-url", scratch_db, "--format", "json")
    assert json.loads(done.stdout)["migrator"] == {"kind": "v1", "reason": "configured"}


def test_without_a_project_the_layout_decides(scratch_db, tmp_path):
    folder = in_project(tmp_path, None)
    done = run_cli("status", folder, "--database-url", scratch_db)
    assert done.stdout.splitlines()[1] == (
        "migrator: 0.x (journal layout, no drizzle-orm version found)"
    )
