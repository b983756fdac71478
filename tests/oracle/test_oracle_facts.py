"""What the real drizzle-orm migrator does, pinned down: the facts drizzle-lsp's rules rest on.

Each test runs the pinned drizzle-orm (tests/oracle/package.json) against a scratch database.
tests/oracle/README.md lists the source lines each fact comes from.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from folders import entries, write_folder
from oracle_support import FOLDERS, ORACLE, check_json, copy_folder, read_entries, write_entries

from drizzle_lsp.core.database import read_migration_text
from drizzle_lsp.core.migration import drizzle_hash

pytestmark = [pytest.mark.postgres, pytest.mark.node]


def folder_with(tmp_path: Path, *files: tuple[str, int, str | bytes]) -> Path:
    """A migrations folder whose journal lists ``(tag, when, sql)`` in this order."""
    sql = {f"{tag}.sql": text for tag, _, text in files}
    return write_folder(tmp_path, entries(*((tag, when) for tag, when, _ in files)), sql)


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
    return {r[0] for r in rows}


def test_entries_run_in_array_order_whatever_their_when(migrate, scratch_db):
    # a fresh database reads no newest row, so every entry runs, in journal order
    folder = FOLDERS / "several-out-of-order"
    result = migrate(folder, scratch_db)
    assert result.ok, result.error
    assert list(result.applied_tags) == [e["tag"] for e in read_entries(folder)]
    assert [r.id for r in result.rows] == sorted(r.id for r in result.rows)


def test_an_entry_runs_only_when_strictly_newer_than_the_newest_row(migrate, scratch_db, tmp_path):
    first = folder_with(tmp_path / "a", ("0000_a", 1000, "CREATE TABLE a (id int);"))
    assert migrate(first, scratch_db).ok
    later = folder_with(
        tmp_path / "b",
        ("0000_a", 1000, "CREATE TABLE a (id int);"),
        ("0001_same_when", 1000, "CREATE TABLE same (id int);"),
        ("0002_older", 999, "CREATE TABLE older (id int);"),
        ("0003_newer", 1001, "CREATE TABLE newer (id int);"),
    )
    result = migrate(later, scratch_db)
    assert result.ok, result.error
    assert result.applied_tags == ("0003_newer",)
    assert "public.same" not in tables(scratch_db) and "public.older" not in tables(scratch_db)


def test_pending_entries_run_in_one_transaction(migrate, scratch_db, tmp_path):
    folder = folder_with(
        tmp_path,
        ("0000_ok", 1000, "CREATE TABLE kept (id int);"),
        ("0001_ok", 2000, "CREATE TABLE also_kept (id int);"),
        ("0002_fails", 3000, "ALTER TABLE missing ADD COLUMN x int;"),
    )
    result = migrate(folder, scratch_db)
    assert result.error is not None and 'relation "missing" does not exist' in result.error
    assert result.rows == ()  # the table exists (created before the transaction), empty
    assert tables(scratch_db) == {"drizzle.__drizzle_migrations"}


def test_each_chunk_is_one_simple_protocol_query(migrate, scratch_db):
    # 0002 holds two statements in one chunk: node-postgres sends it as one simple query and
    # PostgreSQL runs both (postgres.js or neon-http would refuse it: rule S003)
    result = migrate(FOLDERS / "fidelity", scratch_db)
    assert result.ok, result.error
    with psycopg.connect(scratch_db) as conn:
        columns = conn.execute(
            "SELECT table_name || '.' || column_name FROM information_schema.columns"
            " WHERE table_name IN ('a', 'b') AND column_name IN ('x', 'y')"
        ).fetchall()
    assert sorted(c[0] for c in columns) == ["a.x", "b.y"]


def test_the_split_is_literal_even_inside_a_string(migrate, scratch_db, tmp_path):
    folder = folder_with(tmp_path, ("0000_a", 1000, "SELECT '--> statement-breakpoint';"))
    result = migrate(folder, scratch_db)
    assert result.error is not None and "unterminated quoted string" in result.error


def test_the_row_stores_sha256_of_the_text_and_when(migrate, scratch_db):
    # CRLF, emoji, Latin-1 bytes (replaced by U+FFFD as Node decodes them): drizzle_hash agrees
    folder = FOLDERS / "fidelity"
    result = migrate(folder, scratch_db)
    assert result.ok, result.error
    expected = [
        (e["when"], drizzle_hash(read_migration_text(folder / f"{e['tag']}.sql") or ""))
        for e in read_entries(folder)
    ]
    assert [(r.created_at, r.hash) for r in result.rows] == expected


def test_the_hash_is_never_compared_again(migrate, scratch_db, tmp_path):
    folder = copy_folder(FOLDERS / "branch-merge", tmp_path / "m")
    assert migrate(folder, scratch_db).ok
    (folder / "0000_init.sql").write_text("SELECT 'edited after it was applied';")
    result = migrate(folder, scratch_db)
    assert result.ok and result.applied_tags == ()


def test_a_missing_file_throws_before_touching_the_database(migrate, scratch_db, tmp_path):
    folder = copy_folder(FOLDERS / "branch-merge", tmp_path / "m")
    (folder / "0002_user_age.sql").unlink()
    result = migrate(folder, scratch_db)
    assert result.error is not None and "No file" in result.error
    assert "0002_user_age.sql" in result.error
    assert tables(scratch_db) == set()  # not even the migrations table


def test_every_file_is_read_even_long_applied_ones(migrate, scratch_db, tmp_path):
    folder = copy_folder(FOLDERS / "branch-merge", tmp_path / "m")
    assert migrate(folder, scratch_db).ok
    (folder / "0000_init.sql").unlink()
    result = migrate(folder, scratch_db)
    assert result.error is not None and "0000_init.sql" in result.error


def test_files_not_in_the_journal_are_never_read(migrate, scratch_db):
    folder = FOLDERS / "fidelity"
    assert (folder / "0005_orphan_not_in_journal.sql").read_text().startswith("THIS IS NOT SQL")
    result = migrate(folder, scratch_db)
    assert result.ok, result.error
    assert len(result.rows) == len(read_entries(folder))


def test_a_file_starting_with_a_bom_fails(migrate, scratch_db, tmp_path):
    # Node keeps the BOM and PostgreSQL does not skip it (psql does): syntax error
    folder = folder_with(tmp_path, ("0000_a", 1000, b"\xef\xbb\xbfCREATE TABLE a (id int);"))
    result = migrate(folder, scratch_db)
    assert result.error is not None and "syntax error" in result.error


def test_a_null_created_at_row_makes_every_entry_run_again(migrate, scratch_db, tmp_path):
    # ORDER BY created_at DESC puts NULL first, and Number(null) is 0
    folder = folder_with(
        tmp_path,
        ("0000_a", 1000, "CREATE TABLE IF NOT EXISTS a (id int);"),
        ("0001_b", 2000, "CREATE TABLE IF NOT EXISTS b (id int);"),
    )
    assert migrate(folder, scratch_db).ok
    with psycopg.connect(scratch_db) as conn:
        conn.execute("INSERT INTO drizzle.__drizzle_migrations (hash) VALUES ('by hand')")
    result = migrate(folder, scratch_db)
    assert result.ok, result.error
    assert result.applied_tags == ("0000_a", "0001_b")


def test_a_journal_with_a_bom_cannot_be_read(migrate, scratch_db, tmp_path):
    folder = copy_folder(FOLDERS / "branch-merge", tmp_path / "m")
    journal = folder / "meta" / "_journal.json"
    journal.write_bytes(b"\xef\xbb\xbf" + journal.read_bytes())
    result = migrate(folder, scratch_db)
    assert result.error is not None and "JSON" in result.error


def test_schema_and_table_are_configurable(migrate, scratch_db, tmp_path):
    folder = copy_folder(FOLDERS / "branch-merge", tmp_path / "m")
    write_entries(folder, read_entries(folder)[:1])
    result = migrate(folder, scratch_db, schema="ops", table="applied")
    assert result.ok and result.applied_tags == ("0000_init",)
    assert "ops.applied" in tables(scratch_db)


def test_a_batch_report_larger_than_a_pipe_reaches_a_slow_reader(node, scratch_db):
    """migrate.mjs --batch waits for its report to be read: 250 runs print ~90 KB, more than a
    pipe holds (64 KiB), and a reader that starts late still gets all of it."""
    jobs = json.dumps([{"folder": str(FOLDERS / "branch-merge"), "url": scratch_db}] * 250)
    command = ["node", str(ORACLE / "migrate.mjs"), "--batch"]
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(jobs)
        process.stdin.close()
        time.sleep(3)  # all 250 runs are done by then: only the pipe holds it back
        reports = json.loads(process.stdout.read())
    assert len(reports) == 250
    assert all("error" not in r and len(r["rows"]) == 3 for r in reports)


def test_a_nul_byte_fails_the_migration_and_is_reported(migrate, scratch_db, tmp_path):
    """PostgreSQL reads a query up to its first NUL and refuses the message (08P01); S001
    reports it where libpg_query alone would read only the text before it."""
    folder = copy_folder(FOLDERS / "branch-merge", tmp_path / "m")
    (folder / "0002_user_age.sql").write_bytes(b'ALTER TABLE "users" ADD COLUMN "age" int;\x00\n')
    result = migrate(folder, scratch_db)
    assert not result.ok and "invalid message format" in result.error
    found = [d for d in check_json(folder) if d["code"] == "S001"]
    assert [d["path"].endswith("0002_user_age.sql") for d in found] == [True]
    assert "NUL character" in found[0]["message"]
