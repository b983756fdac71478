"""`drizzle-lsp check --database-url`: the D rules in CI, on histories the real migrator wrote."""

from __future__ import annotations

import json

import pytest
from oracle_support import FOLDERS, check_json, copy_folder, flagged_tags, prefix_folder, run_cli

pytestmark = [pytest.mark.postgres, pytest.mark.node]

NO_ENV_URL = {"DATABASE_URL": ""}


def test_d_rules_on_a_merged_history(migrate, scratch_db, tmp_path):
    folder = FOLDERS / "branch-merge"
    assert migrate(prefix_folder(folder, 2, tmp_path / "before-merge"), scratch_db).ok
    args = ["--database-url", scratch_db, "--select", "D", "--format", "json"]
    done = run_cli("check", folder, *args)
    assert done.returncode == 1, done.stderr
    found = json.loads(done.stdout)
    assert [d["code"] for d in found] == ["D001"]
    assert flagged_tags(folder, found, "D001") == {"0002_user_age"}
    # the same entry J001 predicts from the journal alone
    assert flagged_tags(folder, check_json(folder), "J001") == {"0002_user_age"}


def test_env_reference_and_edited_file(migrate, scratch_db, tmp_path):
    folder = copy_folder(FOLDERS / "branch-merge", tmp_path / "m")
    assert migrate(folder, scratch_db).ok
    (folder / "0000_init.sql").write_text("-- edited after it ran\n")
    done = run_cli(
        "check",
        folder,
        "--database-url",
        "${env:DRIZZLE_LSP_CHECK_URL}",
        "--select",
        "D",
        env={"DRIZZLE_LSP_CHECK_URL": scratch_db},
    )
    assert done.returncode == 1, done.stderr
    assert "D002 [applied-file-changed] `0000_init.sql` changed after" in done.stdout


def test_not_without_the_flag_even_with_a_configured_database(migrate, scratch_db, tmp_path):
    project = tmp_path / "project"
    folder = prefix_folder(FOLDERS / "branch-merge", 3, project / "drizzle")
    assert migrate(prefix_folder(folder, 2, tmp_path / "before-merge"), scratch_db).ok
    (project / "drizzle-lsp.toml").write_text(f'database-url = "{scratch_db}"\n', "utf-8")
    done = run_cli("check", folder, "--select", "D", env=NO_ENV_URL)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--database-url", "postgresql://me:hunter2@127.0.0.1:1/app"],
            "drizzle-lsp: error: cannot reach the database at "
            "postgresql://me:***@127.0.0.1:1/app: Connection refused",
        ),
        (
            ["--database-url", "postgresql://me:hunter2@127.0.0.1:1/app", "--fix"],
            "drizzle-lsp: error: --database-url cannot be combined with --fix: fix first, "
            "then check",
        ),
        (
            ["--database-url", "${env:DRIZZLE_LSP_NOT_SET}"],
            "drizzle-lsp: error: --database-url names ${env:DRIZZLE_LSP_NOT_SET}, which is not set",
        ),
    ],
)
def test_errors_are_one_line_without_password(args, expected, tmp_path):
    folder = copy_folder(FOLDERS / "branch-merge", tmp_path / "m")
    done = run_cli("check", folder, *args)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [expected]
    assert "hunter2" not in done.stdout + done.stderr
