"""Fixtures for the oracle tests: the real drizzle-orm migrator and scratch PostgreSQL databases.

Needs node with ``tests/oracle/node_modules`` (``cd tests/oracle && npm ci``) and a PostgreSQL
reachable at ``DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``; the role
must be allowed to create databases; PostgreSQL 13+ for ``DROP DATABASE ... WITH (FORCE)``).
Without them these tests skip and say how to get them, except when ``CI`` is set: CI has
everything, so there they fail instead.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import psycopg
import pytest
from oracle_support import (
    DEFAULT_URL,
    ORACLE,
    MigratorResult,
    V1Result,
    admin_url,
    database_url,
    run_cli,
    run_migrator,
    run_v1_migrator,
    unavailable,
)
from psycopg import sql

# real repositories' histories are not part of the repository: only checked when named
collect_ignore = [] if os.environ.get("DRIZZLE_LSP_HISTORIES") else ["test_oracle_histories.py"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs_check: runs `drizzle-lsp check` (J001/J005 and --fix, from main)"
    )


@pytest.fixture(scope="session")
def postgres() -> str:
    """The admin URL, once PostgreSQL answers there."""
    url = admin_url()
    try:
        psycopg.connect(url, connect_timeout=3, autocommit=True).close()
    except psycopg.Error as error:
        lines = str(error).strip().splitlines() or [type(error).__name__]
        unavailable(
            f"PostgreSQL is not reachable ({lines[0]}): start it, or set DATABASE_URL "
            f"(default {DEFAULT_URL})"
        )
    return url


@pytest.fixture(scope="session")
def node() -> None:
    """Node.js with the pinned drizzle-orm installed."""
    if shutil.which("node") is None:
        unavailable("node is not installed: install Node.js 18+, then `cd tests/oracle && npm ci`")
    if not (ORACLE / "node_modules" / "drizzle-orm" / "package.json").is_file():
        unavailable("the oracle's npm packages are missing: run `cd tests/oracle && npm ci`")
    if not (ORACLE / "v1" / "node_modules" / "drizzle-orm" / "package.json").is_file():
        unavailable("the v1 oracle's npm packages are missing: run `cd tests/oracle/v1 && npm ci`")


# Emptying a database takes ~20 ms, creating one ~350 ms: scratch databases are reused.
RESET = """
DO $$
DECLARE s name;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
  CREATE SCHEMA public;
END $$
"""


@dataclass
class Pool:
    """Scratch databases (``drizzle_lsp_test_*``) of this session, and the empty ones."""

    created: list[str] = field(default_factory=list)
    free: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def database_pool(postgres: str) -> Iterator[Pool]:
    pool = Pool()
    yield pool
    with psycopg.connect(postgres, autocommit=True) as conn:
        for name in pool.created:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(name)))


@pytest.fixture
def new_database(postgres: str, database_pool: Pool) -> Iterator[Callable[[], str]]:
    """A factory of empty scratch databases; each is emptied after the test and reused."""
    taken: list[str] = []

    def take() -> str:
        if database_pool.free:
            name = database_pool.free.pop()
        else:
            name = f"drizzle_lsp_test_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(postgres, autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            database_pool.created.append(name)
        taken.append(name)
        return database_url(postgres, name)

    yield take
    for name in taken:
        with psycopg.connect(database_url(postgres, name), autocommit=True) as conn:
            conn.execute(RESET)
        database_pool.free.append(name)


@pytest.fixture
def scratch_db(new_database: Callable[[], str]) -> str:
    """One empty database for this test."""
    return new_database()


@pytest.fixture
def migrate(node: None) -> Callable[..., MigratorResult]:
    """``migrate(folder, url)``: the real migrator (see oracle_support.run_migrator)."""
    return run_migrator


@pytest.fixture
def migrate_v1(node: None) -> Callable[..., V1Result]:
    """``migrate_v1(folder, url)``: drizzle-orm 1.0.0-rc.5's migrator (see run_v1_migrator)."""
    return run_v1_migrator


@pytest.fixture(scope="session")
def check_command() -> None:
    """`drizzle-lsp check` from the core, which a branch without main's CLI lacks."""
    if run_cli("check", "--help").returncode != 0:
        unavailable("`drizzle-lsp check` is not available in this checkout (merge main)")
