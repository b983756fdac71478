"""`drizzle-lsp status` as a user runs it, on databases whose history the real migrator wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from oracle_support import FOLDERS, copy_folder, prefix_folder, run_cli

pytestmark = [pytest.mark.postgres, pytest.mark.node]

NO_ENV_URL = {"DATABASE_URL": ""}  # CI sets DATABASE_URL; these tests choose the source


@pytest.fixture
def merged_history(migrate, scratch_db, tmp_path) -> tuple[Path, str]:
    """branch-merge on a database that applied 0000 and 0001 before 0002 was merged."""
    folder = FOLDERS / "branch-merge"
    assert migrate(prefix_folder(folder, 2, tmp_path / "before-merge"), scratch_db).ok
    return folder, scratch_db


def lines(done) -> dict[str, str]:
    """Entry lines of the text output: tag -> what it says."""
    return {
        line.split()[0]: line.split(maxsplit=1)[1]
        for line in done.stdout.splitlines()
        if line[:4].isdigit()
    }


def test_text_names_the_skipped_entry_and_what_hides_it(merged_history):
    folder, url = merged_history
    done = run_cli("status", folder, "--database-url", url)
    assert done.returncode == 1, done.stderr
    said = lines(done)
    assert said["0000_init"].startswith("applied (row 1, dated 2025-01-01T00:00:00.000Z)")
    assert said["0001_orders"].startswith("applied (row 2")
    assert said["0002_user_age"] == (
        "will be skipped: dated 2025-01-03T00:00:00.000Z, not after 0001_orders "
        "(applied, dated 2025-01-04T00:00:00.000Z); run `drizzle-lsp check --fix` to re-date it"
    )
    assert done.stdout.splitlines()[-1] == "3 entries: 2 applied, 1 will be skipped"


def test_json(merged_history):
    folder, url = merged_history
    done = run_cli("status", folder, "--database-url", url, "--format", "json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert [e["state"] for e in report["entries"]] == ["applied", "applied", "will-be-skipped"]
    assert report["entries"][2]["blocked_by"]["created_at"] == report["entries"][1]["when"]
    assert report["table"] == "drizzle.__drizzle_migrations" and report["table_found"]
    assert report["counts"]["will-be-skipped"] == 1


def test_pending_entries_exit_zero(migrate, scratch_db, tmp_path):
    folder = FOLDERS / "several-out-of-order"
    assert migrate(prefix_folder(folder, 1, tmp_path / "p"), scratch_db).ok
    done = run_cli("status", folder, "--database-url", scratch_db)
    # 0001 (5 days after 0000) and everything after run: nothing is dated before 0000
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(lines(done).values()) - {"pending"} == {
        "applied (row 1, dated 2025-01-01T00:00:00.000Z)"
    }


def test_empty_database_says_nothing_applied(scratch_db):
    done = run_cli("status", FOLDERS / "fidelity", "--database-url", scratch_db)
    assert done.returncode == 0, done.stderr
    assert "no migrations applied (no migrations table)" in done.stdout
    assert set(lines(done).values()) == {"pending"}


def test_edited_file_and_unknown_rows(migrate, scratch_db, tmp_path):
    folder = copy_folder(FOLDERS / "branch-merge", tmp_path / "m")
    assert migrate(folder, scratch_db).ok
    (folder / "0001_orders.sql").write_text("-- rewritten after it was applied\n")
    journal = folder / "meta" / "_journal.json"
    data = json.loads(journal.read_text())
    data["entries"] = data["entries"][:2]  # 0002's row stays in the database
    journal.write_text(json.dumps(data))
    done = run_cli("status", folder, "--database-url", scratch_db)
    assert done.returncode == 0, done.stderr
    assert lines(done)["0001_orders"] == (
        "applied (row 2), file changed since: its hash no longer matches"
    )
    assert "row 3 (created_at 2025-01-03T00:00:00.000Z, hash " in done.stdout
    assert "in the database, in no journal entry" in done.stdout


def test_every_fidelity_file_hashes_as_drizzle_does(migrate, scratch_db):
    # CRLF, emoji, invalid UTF-8: a wrong hash would show as "file changed since"
    folder = FOLDERS / "fidelity"
    assert migrate(folder, scratch_db).ok
    done = run_cli("status", folder, "--database-url", scratch_db, "--format", "json")
    assert {e["state"] for e in json.loads(done.stdout)["entries"]} == {"applied"}


def test_missing_file_exits_one(migrate, scratch_db, tmp_path):
    folder = copy_folder(FOLDERS / "branch-merge", tmp_path / "m")
    (folder / "0002_user_age.sql").unlink()
    done = run_cli("status", folder, "--database-url", scratch_db)
    assert done.returncode == 1
    assert "0002_user_age.sql is missing: migrate() will throw before running anything" in (
        done.stdout
    )


def test_url_from_environment_then_config_file(merged_history, tmp_path):
    folder, url = merged_history
    done = run_cli("status", folder, env={"DATABASE_URL": url})
    assert done.returncode == 1 and "will be skipped" in done.stdout
    project = tmp_path / "project"
    copy_folder(folder, project / "drizzle")
    (project / "drizzle-lsp.toml").write_text(
        f'database-url = "{url}"\nmigrations = ["drizzle"]\n', "utf-8"
    )
    # a URL from a config file is used once approved (here: for this run)
    done = run_cli("status", project / "drizzle", "--allow-database-url", env=NO_ENV_URL)
    assert done.returncode == 1 and "will be skipped" in done.stdout, done.stderr
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text(f'database-url = "{url}"\n', "utf-8")
    done = run_cli("status", folder, "--config", elsewhere, "--allow-database-url", env=NO_ENV_URL)
    assert done.returncode == 1 and "will be skipped" in done.stdout, done.stderr


def test_flag_wins_over_environment(merged_history):
    folder, url = merged_history
    done = run_cli(
        "status",
        folder,
        "--database-url",
        url,
        env={"DATABASE_URL": "postgresql://x@127.0.0.1:1/x"},
    )
    assert done.returncode == 1, done.stderr


def test_custom_schema_and_table(migrate, scratch_db):
    folder = FOLDERS / "branch-merge"
    assert migrate(folder, scratch_db, schema="ops", table="applied").ok
    done = run_cli(
        "status", folder, "--database-url", scratch_db, "--schema", "ops", "--table", "applied"
    )
    assert done.returncode == 0 and "(ops.applied)" in done.stdout
    assert set(lines(done)) == {"0000_init", "0001_orders", "0002_user_age"}


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (
            ["--database-url", "postgresql://me:hunter2@127.0.0.1:1/app"],
            {},
            "drizzle-lsp: error: cannot reach the database at "
            "postgresql://me:***@127.0.0.1:1/app: Connection refused",
        ),
        (
            [],
            NO_ENV_URL,
            "drizzle-lsp: error: no database: pass --database-url, set DATABASE_URL, "
            "or set database-url in drizzle-lsp.toml",
        ),
    ],
)
def test_errors_are_one_line_without_password(args, env, expected):
    done = run_cli("status", FOLDERS / "branch-merge", *args, env=env)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [expected]
    assert "hunter2" not in done.stdout + done.stderr


def test_no_migrations_folder(tmp_path):
    done = run_cli("status", tmp_path, "--database-url", "postgresql://x@127.0.0.1:1/x")
    assert done.returncode == 2
    assert done.stderr.startswith("drizzle-lsp: error: no migrations folder")
    assert len(done.stderr.splitlines()) == 1


def test_broken_journal(tmp_path):
    folder = copy_folder(FOLDERS / "branch-merge", tmp_path / "m")
    (folder / "meta" / "_journal.json").write_text('<<<<<<< HEAD\n{"entries": []}\n')
    done = run_cli("status", folder, "--database-url", "postgresql://x@127.0.0.1:1/x")
    assert done.returncode == 2
    assert "migrate() cannot read it" in done.stderr and len(done.stderr.splitlines()) == 1


def test_bad_configuration_is_one_line(tmp_path):
    project = tmp_path / "project"
    copy_folder(FOLDERS / "branch-merge", project / "drizzle")
    (project / "drizzle-lsp.toml").write_text("database-url = 5\n", "utf-8")
    done = run_cli("status", project / "drizzle", env=NO_ENV_URL)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"drizzle-lsp: error: {project / 'drizzle-lsp.toml'}: `database-url` must be a string"
    ]


def test_a_tree_with_several_folders_asks_for_one(tmp_path):
    copy_folder(FOLDERS / "branch-merge", tmp_path / "a")
    copy_folder(FOLDERS / "fidelity", tmp_path / "b")
    done = run_cli("status", tmp_path, "--database-url", "postgresql://x@127.0.0.1:1/x")
    assert done.returncode == 2
    assert "several migrations folders" in done.stderr and done.stderr.rstrip().endswith("name one")


def test_a_file_names_its_folder(merged_history):
    folder, url = merged_history
    done = run_cli("status", folder / "0002_user_age.sql", "--database-url", url)
    assert done.returncode == 1 and "will be skipped" in lines(done)["0002_user_age"]
