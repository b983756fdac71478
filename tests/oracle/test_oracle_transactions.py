"""What fails inside drizzle-orm's one-transaction migrate(), run for real: S003 per driver, S005,
S006, and their fixes kept to the fix invariants (see ``transactions.py``).

Every failure a rule's message names is produced here by the real migrator on a real
PostgreSQL (pglite: PostgreSQL in WebAssembly, in-process), with the SQLSTATE it names.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from oracle_support import copy_folder, read_entries, run_migrator, write_entries
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
        'REINDEX SCHEMA "public";',
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


# ---- S004: a migration that creates again what an earlier one created --------------------------


ROLE = "CREATE TYPE \"public\".\"role\" AS ENUM('admin', 'member');\n"
USERS_V2 = 'CREATE TABLE "users" ("id" integer PRIMARY KEY, "email" text, "age" integer);\n'


@pytest.mark.parametrize(
    ("regenerated", "code"),
    [(USERS_V2, "42P07"), (ROLE + BREAK.lstrip() + USERS_V2, "42710")],
    ids=["table", "type"],
)
def test_s004_a_recreation_fails_where_the_first_was_applied_and_on_an_empty_database(
    regenerated: str, code: str, tmp_path: Path, new_database: Callable[[], str], node: None
) -> None:
    init = ROLE + BREAK.lstrip() + USERS
    folder = build(tmp_path / "drizzle", [("0000_init", init), ("0001_regen", regenerated)])
    found = in_file(diagnostics(folder, "S004"), "0001_regen.sql")
    assert found and "0000_init" in found[0]["message"] and code in found[0]["message"]

    applied = new_database()
    first = build(tmp_path / "first", [("0000_init", init)])
    assert run_migrator(first, applied).ok
    result = run_migrator(folder, applied)
    assert not result.ok and result.code == code, result
    assert len(result.rows) == 1  # 0001_regen rolled back
    empty = run_migrator(folder, new_database())
    assert not empty.ok and empty.code == code, empty


def test_s004_if_not_exists_does_nothing_where_the_table_exists(
    tmp_path: Path, new_database: Callable[[], str], node: None
) -> None:
    regenerated = USERS_V2.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS")
    folder = build(tmp_path / "drizzle", [("0000_users", USERS), ("0001_regen", regenerated)])
    found = in_file(diagnostics(folder, "S004"), "0001_regen.sql")
    assert found and "IF NOT EXISTS" in found[0]["message"]

    url = new_database()
    result = run_migrator(folder, url)
    assert result.ok and result.applied_tags == ("0000_users", "0001_regen")
    with psycopg.connect(url) as conn:  # recorded as applied, and "age" is nowhere
        columns = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'users'"
        ).fetchall()
    assert sorted(c for (c,) in columns) == ["email", "id"]


# ---- S007: a new enum value used in the transaction that added it ------------------------------


STATUS = (
    "CREATE TYPE \"public\".\"status\" AS ENUM('draft', 'published');\n"
    + BREAK.lstrip()
    + 'CREATE TABLE "posts" ("id" integer, "status" "status" DEFAULT \'draft\' NOT NULL);\n'
)
ADD_ARCHIVED = 'ALTER TYPE "public"."status" ADD VALUE \'archived\';\n'
USE_ARCHIVED = 'ALTER TABLE "posts" ALTER COLUMN "status" SET DEFAULT \'archived\';\n'


def test_s007_within_one_migration_it_fails_on_every_database(
    tmp_path: Path, new_database: Callable[[], str], node: None
) -> None:
    folder = build(
        tmp_path / "drizzle",
        [("0000_init", STATUS), ("0001_archive", ADD_ARCHIVED + BREAK.lstrip() + USE_ARCHIVED)],
    )
    (found,) = in_file(diagnostics(folder, "S007"), "0001_archive.sql")
    assert "earlier in this migration" in found["message"] and "55P04" in found["message"]

    deployed = new_database()
    assert run_migrator(build(tmp_path / "first", [("0000_init", STATUS)]), deployed).ok
    result = run_migrator(folder, deployed)
    assert not result.ok and result.code == "55P04", result
    assert 'unsafe use of new value "archived"' in result.error
    empty = run_migrator(folder, new_database())
    assert not empty.ok and empty.code == "55P04", empty


def test_s007_across_migrations_each_deploy_works_but_an_empty_database_fails(
    tmp_path: Path, new_database: Callable[[], str], node: None
) -> None:
    migrations = [("0000_init", STATUS), ("0001_archive", ADD_ARCHIVED), ("0002_use", USE_ARCHIVED)]
    folder = build(tmp_path / "drizzle", migrations)
    (found,) = in_file(diagnostics(folder, "S007"), "0002_use.sql")
    assert "0001_archive" in found["message"] and "every empty database" in found["message"]

    production = new_database()  # deployed migration by migration: every deploy works
    for count in range(1, len(migrations) + 1):
        state = build(tmp_path / f"state{count}", migrations[:count])
        assert run_migrator(state, production).ok
    empty = run_migrator(folder, new_database())
    assert not empty.ok and empty.code == "55P04", empty


def test_s007_moving_the_use_into_a_later_migration_fails_where_both_are_pending(
    tmp_path: Path, new_database: Callable[[], str], node: None
) -> None:
    """Why S007 offers no fix: migrate() runs every pending migration in one transaction, so
    the use split off into a migration of its own still fails on the databases that lack both
    (here: one that deployed 0000_init), as on an empty one."""
    split = build(
        tmp_path / "drizzle",
        [("0000_init", STATUS), ("0001_archive", ADD_ARCHIVED), ("0002_use", USE_ARCHIVED)],
    )
    deployed = new_database()
    assert run_migrator(build(tmp_path / "first", [("0000_init", STATUS)]), deployed).ok
    result = run_migrator(split, deployed)
    assert not result.ok and result.code == "55P04", result


def test_s007_neon_http_runs_each_statement_on_its_own_so_s007_does_not_apply(
    tmp_path: Path,
) -> None:
    migrations = [("0000_init", STATUS), ("0001_archive", ADD_ARCHIVED), ("0002_use", USE_ARCHIVED)]
    folder = build(tmp_path / "drizzle", migrations)
    assert diagnostics(folder, "S007")
    (tmp_path / "drizzle-lsp.toml").write_text('driver = "neon-http"\n')
    assert diagnostics(folder, "S007") == []


@pytest.mark.parametrize("guarded", [False, True], ids=["fails", "if-not-exists"])
def test_s004_fix_keeps_the_invariants(
    guarded: bool,
    tmp_path: Path,
    new_database: Callable[[], str],
    node: None,
    check_command: None,
) -> None:
    """Deleting the regenerated migration, its entry and its snapshot: the folder installs,
    and the databases that deployed it up to there (or through it, when IF NOT EXISTS let it
    pass) migrate it without running anything again."""
    regenerated = ROLE + BREAK.lstrip() + USERS_V2
    if guarded:
        regenerated = USERS_V2.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS")
    original = build(
        tmp_path / "drizzle",
        [
            ("0000_init", ROLE + BREAK.lstrip() + USERS),
            ("0001_posts", 'CREATE TABLE "posts" ("id" integer);\n'),
            ("0002_regen", regenerated),
        ],
    )
    for number in ("0000", "0001", "0002"):
        (original / "meta" / f"{number}_snapshot.json").write_text("{}\n")
    assert in_file(diagnostics(original, "S004"), "0002_regen.sql")
    fixed, failures = fix_invariants(original, tmp_path / "work", new_database, "S004")
    assert failures == []
    assert not (fixed / "0002_regen.sql").exists()
    assert not (fixed / "meta" / "0002_snapshot.json").exists()
    assert (fixed / "meta" / "0001_snapshot.json").exists()
    assert [e["tag"] for e in read_entries(fixed)] == ["0000_init", "0001_posts"]


LOST_SNAPSHOT = Path(__file__).parents[1] / "fixtures/rules/S004/drizzle-kit-lost-snapshot/drizzle"


def test_s004_on_what_drizzle_kit_generates_after_a_lost_snapshot(
    tmp_path: Path, new_database: Callable[[], str], node: None, check_command: None
) -> None:
    """drizzle-kit 0.31.11 generate, its snapshot 0000 deleted, then generate after adding a
    column (the folder is that output): `drizzle-kit check` finds nothing, the migrator fails
    on every database, S004 flags each recreated object and its fix keeps I1-I4."""
    original = copy_folder(LOST_SNAPSHOT, tmp_path / "drizzle")
    shutil.copyfile(
        LOST_SNAPSHOT / "meta" / "0001_snapshot.json", original / "meta" / "0001_snapshot.json"
    )
    found = in_file(diagnostics(original, "S004"), "0001_add_age.sql")
    assert [d["range"]["start"]["line"] for d in found] == [0, 1, 6]  # role, posts, users

    deployed = new_database()
    first = copy_folder(LOST_SNAPSHOT, tmp_path / "prefix")
    write_entries(first, read_entries(LOST_SNAPSHOT)[:1])
    assert run_migrator(first, deployed).ok
    for url in (deployed, new_database()):
        result = run_migrator(original, url)
        assert not result.ok and result.code == "42710", result  # the type comes first

    fixed, failures = fix_invariants(original, tmp_path / "work", new_database, "S004")
    assert failures == []
    assert sorted(p.name for p in fixed.rglob("*") if p.is_file()) == [
        "0000_init.sql",
        "_journal.json",
    ]
