"""What fails inside drizzle-orm's one-transaction migrate(), run for real: S003 per driver, S005,
S006, and their fixes kept to the fix invariants (see ``transactions.py``).

Every failure a rule's message names is produced here by the real migrator on a real
PostgreSQL (pglite: PostgreSQL in WebAssembly, in-process), with the SQLSTATE it names.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from oracle_support import run_migrator
from transactions import build, diagnostics, fix_invariants, in_file

from drizzle_lsp.core.driver import RUNS_SEVERAL_STATEMENTS, Driver

pytestmark = [pytest.mark.postgres, pytest.mark.node]

BREAK = "\n--> statement-breakpoint\n"
USERS = 'CREATE TABLE "users" ("id" integer PRIMARY KEY, "email" text);\n'


# ---- S003: which drivers run a chunk of several statements -------------------------------------


@pytest.mark.parametrize("driver", [Driver.NODE_POSTGRES, Driver.POSTGRES_JS, Driver.PGLITE])
def test_s003_what_each_driver_does_with_two_statements_in_a_chunk(
    driver: Driver, tmp_path: Path, new_database: Callable[[], str], node: None
) -> None:
    """The table in core.driver (and S003's docs) is what the real drivers do."""
    two = 'CREATE TABLE "a" ("id" integer);\nCREATE TABLE "b" ("id" integer);\n'
    folder = build(tmp_path / "drizzle", [("0000_two", two)])
    url = str(tmp_path / "pglite") if driver is Driver.PGLITE else new_database()
    result = run_migrator(folder, url, driver=driver.value)
    assert result.ok is RUNS_SEVERAL_STATEMENTS[driver], result.error
    if not result.ok:
        assert "cannot insert multiple commands into a prepared statement" in result.error
        assert result.code == "42601"
        assert result.rows == ()  # rolled back

    (tmp_path / "drizzle-lsp.toml").write_text(f'driver = "{driver.value}"\n')
    reported = in_file(diagnostics(folder, "S003"), "0000_two.sql")
    assert bool(reported) is not result.ok


# ---- S005: statements PostgreSQL refuses in a transaction block ---------------------------------


CONCURRENT_INDEX = 'CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email");\n'


def test_s005_the_deploy_fails_with_25001_and_nothing_is_applied(
    tmp_path: Path, new_database: Callable[[], str], node: None
) -> None:
    folder = build(tmp_path / "drizzle", [("0000_users", USERS), ("0001_idx", CONCURRENT_INDEX)])
    assert len(in_file(diagnostics(folder, "S005"), "0001_idx.sql")) == 1

    url = new_database()
    result = run_migrator(folder, url)
    assert not result.ok and result.code == "25001", result
    assert "CREATE INDEX CONCURRENTLY cannot run inside a transaction block" in result.error
    assert result.rows == ()  # the whole deploy rolled back, 0000_users included
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('users')").fetchone() == (None,)


@pytest.mark.parametrize(
    "statement",
    [
        'DROP INDEX CONCURRENTLY IF EXISTS "users_email_idx";',
        'REINDEX TABLE CONCURRENTLY "users";',
        'VACUUM "users";',
        "ALTER SYSTEM SET work_mem = '64MB';",
        "CLUSTER;",
    ],
)
def test_s005_each_statement_it_reports_fails_with_25001(
    statement: str, tmp_path: Path, new_database: Callable[[], str], node: None
) -> None:
    folder = build(tmp_path / "drizzle", [("0000_users", USERS + BREAK.lstrip() + statement)])
    assert len(diagnostics(folder, "S005")) == 1
    result = run_migrator(folder, new_database())
    assert not result.ok and result.code == "25001", result


def test_s005_neon_http_runs_without_a_transaction_so_s005_does_not_apply(tmp_path: Path) -> None:
    folder = build(tmp_path / "drizzle", [("0000_users", USERS), ("0001_idx", CONCURRENT_INDEX)])
    (tmp_path / "drizzle-lsp.toml").write_text('driver = "neon-http"\n')
    assert diagnostics(folder, "S005") == []


def test_s005_fix_keeps_the_invariants(
    tmp_path: Path, new_database: Callable[[], str], node: None, check_command: None
) -> None:
    original = build(
        tmp_path / "drizzle",
        [
            ("0000_users", USERS),
            ("0001_idx", CONCURRENT_INDEX + BREAK.lstrip() + 'DROP INDEX CONCURRENTLY "x_idx";\n'),
        ],
    )
    (original / "0001_idx.sql").write_text(
        CONCURRENT_INDEX
        + BREAK.lstrip()
        + 'DROP INDEX CONCURRENTLY "users_email_idx";\n'
        + BREAK.lstrip()
        + CONCURRENT_INDEX
    )
    fixed, failures = fix_invariants(original, tmp_path / "work", new_database, "S005")
    assert failures == []
    assert "CONCURRENTLY" not in (fixed / "0001_idx.sql").read_text()


# ---- S006: transaction control inside a migration -----------------------------------------------


def test_s006_commit_leaves_a_half_applied_deploy(
    tmp_path: Path, new_database: Callable[[], str], node: None
) -> None:
    """After COMMIT, what ran before it stays although the deploy failed, and the migration has
    no row: the next deploy runs it again and fails on what is already there."""
    posts = 'CREATE TABLE "posts" ("id" integer);\n'
    failing = 'INSERT INTO "users" ("id") VALUES (1), (1);\n'  # 23505, after the COMMIT
    folder = build(
        tmp_path / "drizzle",
        [("0000_users", USERS), ("0001_posts", f"{posts}{BREAK}COMMIT;{BREAK}{failing}")],
    )
    assert len(in_file(diagnostics(folder, "S006"), "0001_posts.sql")) == 1

    url = new_database()
    first = run_migrator(folder, url)
    assert not first.ok and first.code == "23505", first
    assert first.applied_tags == ("0000_users",)  # committed by the COMMIT; 0001 has no row...
    with psycopg.connect(url) as conn:  # ...but its table is there
        assert conn.execute("SELECT to_regclass('posts')::text").fetchone() == ("posts",)
    second = run_migrator(folder, url)
    assert not second.ok and second.code == "42P07", second  # posts: already exists
    assert "posts" in second.error


def test_s006_and_s005_fixes_keep_the_invariants_on_the_commit_workaround(
    tmp_path: Path, new_database: Callable[[], str], node: None, check_command: None
) -> None:
    """drizzle-orm #860's workaround, `COMMIT;` then CONCURRENTLY, runs; without the COMMIT
    and the CONCURRENTLY the same folder runs in the migrator's transaction."""
    original = build(
        tmp_path / "drizzle",
        [("0000_users", USERS), ("0001_idx", f"COMMIT;{BREAK}{CONCURRENT_INDEX}")],
    )
    assert run_migrator(original, new_database()).ok  # the workaround does work...
    assert len(diagnostics(original, "S006")) == 1  # ...and is reported
    fixed, failures = fix_invariants(original, tmp_path / "work", new_database, "S005,S006")
    assert failures == []
    assert "COMMIT" not in (fixed / "0001_idx.sql").read_text()
