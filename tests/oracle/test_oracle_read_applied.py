"""read_applied against a real PostgreSQL, with histories written by the real migrator.

It must read exactly what drizzle wrote, never write, give up quickly, and turn every failure into
one line that names the database without its password.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from oracle_support import FOLDERS
from psycopg import sql

from drizzle_lsp.core.database import AppliedMigrations, DatabaseError, TableShape, read_applied

pytestmark = [pytest.mark.postgres]

SECRET = "hunter2-not-a-real-password"


def with_password(url: str, password: str = SECRET) -> str:
    parts = urlsplit(url)
    user = parts.username or "postgres"
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"{user}:{password}@{host}", parts.path, parts.query, ""))


def elsewhere(url: str, *, port: int | None = None, database: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if port is not None:
        netloc = f"{netloc.rpartition('@')[0]}@127.0.0.1:{port}"
    path = f"/{database}" if database is not None else parts.path
    return urlunsplit((parts.scheme, netloc, path, parts.query, ""))


def failure(url: str, **options) -> DatabaseError:
    """The error read_applied raises: one line, and never the URL's password."""
    with pytest.raises(DatabaseError) as caught:
        read_applied(url, **options)
    message = str(caught.value)
    assert "\n" not in message and SECRET not in message
    password = urlsplit(url).password if "://" in url else None
    assert not password or password not in message
    return caught.value


def test_no_migrations_table_means_nothing_applied(scratch_db):
    applied = read_applied(scratch_db)
    assert applied == AppliedMigrations((), table_found=False)
    assert applied.note == "no migrations applied (no migrations table)"


def test_reads_exactly_the_rows_the_migrator_wrote(migrate, scratch_db):
    result = migrate(FOLDERS / "several-out-of-order", scratch_db)
    assert result.ok, result.error
    assert read_applied(scratch_db).rows == result.rows


def test_reads_the_v1_table_shape_and_the_0x_one(migrate, migrate_v1, scratch_db, tmp_path):
    assert migrate(FOLDERS / "branch-merge", scratch_db).ok
    assert read_applied(scratch_db).shape is TableShape.V0
    folder = tmp_path / "v1"
    (folder / "20250101000000_init").mkdir(parents=True)
    (folder / "20250101000000_init" / "migration.sql").write_text("CREATE TABLE t ();")
    with psycopg.connect(scratch_db, autocommit=True) as conn:
        conn.execute("DROP SCHEMA drizzle CASCADE")
    result = migrate_v1(folder, scratch_db)
    assert result.ok, result.error
    applied = read_applied(scratch_db)
    assert applied.shape is TableShape.V1
    [row] = applied.rows
    written = result.rows[0]
    assert (row.id, row.hash, row.created_at, row.name) == (
        written.id,
        written.hash,
        written.created_at,
        "20250101000000_init",
    )
    assert row.applied_at is not None
    assert datetime.fromisoformat(row.applied_at).tzinfo is not None  # when it ran


def test_schema_and_table_are_configurable(migrate, scratch_db):
    result = migrate(FOLDERS / "branch-merge", scratch_db, schema="ops", table="applied")
    assert result.ok, result.error
    assert read_applied(scratch_db, "ops", "applied").rows == result.rows
    assert not read_applied(scratch_db).table_found


def test_reading_creates_nothing(scratch_db):
    read_applied(scratch_db)
    with psycopg.connect(scratch_db) as conn:
        schemas = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'drizzle'").fetchall()
    assert schemas == []


def test_the_transaction_is_read_only(scratch_db):
    # a "migrations table" that writes when read: the read-only transaction refuses
    with psycopg.connect(scratch_db, autocommit=True) as conn:
        conn.execute(
            """
            CREATE SCHEMA drizzle;
            CREATE TABLE drizzle.audit (at timestamptz);
            CREATE FUNCTION drizzle.rows() RETURNS TABLE (id int, hash text, created_at bigint)
            LANGUAGE plpgsql AS $$ BEGIN INSERT INTO drizzle.audit VALUES (now()); END $$;
            CREATE VIEW drizzle.__drizzle_migrations AS SELECT * FROM drizzle.rows();
            """
        )
    error = failure(scratch_db)
    assert "read-only transaction" in str(error)
    with psycopg.connect(scratch_db) as conn:
        assert conn.execute("SELECT count(*) FROM drizzle.audit").fetchone() == (0,)


def test_a_slow_read_is_cut_short(scratch_db):
    with psycopg.connect(scratch_db, autocommit=True) as conn:
        conn.execute(
            "CREATE SCHEMA drizzle; CREATE VIEW drizzle.__drizzle_migrations AS"
            " SELECT 1 AS id, 'h'::text AS hash, 1::bigint AS created_at FROM pg_sleep(10)"
        )
    error = failure(scratch_db, timeout_ms=200)
    assert error.kind == "timeout" and "200 ms" in str(error)


def test_a_table_of_another_shape_is_named(scratch_db):
    with psycopg.connect(scratch_db, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA drizzle; CREATE TABLE drizzle.__drizzle_migrations (x int)")
    assert failure(scratch_db).kind == "not-a-migrations-table"


def test_unreachable_server(postgres):
    error = failure(with_password(elsewhere(postgres, port=1)))
    assert error.kind == "unreachable"
    assert str(error).startswith("cannot reach the database at postgresql://")
    assert ":***@127.0.0.1:1/" in str(error)


def test_missing_database(postgres):
    # the server checks the password first: keep the configured one
    error = failure(elsewhere(postgres, database="drizzle_lsp_no_such_db"))
    assert error.kind == "no-database" and "drizzle_lsp_no_such_db" in str(error)


def test_unknown_role_is_an_authentication_failure(postgres):
    url = urlsplit(postgres)
    netloc = f"drizzle_lsp_no_such_role:{SECRET}@{url.netloc.rpartition('@')[2]}"
    error = failure(urlunsplit((url.scheme, netloc, url.path, url.query, "")))
    assert error.kind == "authentication"


def test_invalid_url():
    error = failure(f"postgresql://u:{SECRET}@db/app?no_such_option=1")
    assert error.kind == "invalid-url"


def test_permission_denied(migrate, scratch_db):
    assert migrate(FOLDERS / "branch-merge", scratch_db).ok
    role = f"drizzle_lsp_reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(scratch_db, autocommit=True) as conn:
        create = sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}")
        conn.execute(create.format(sql.Identifier(role), sql.Literal(SECRET)))
    try:
        parts = urlsplit(scratch_db)
        netloc = f"{role}:{SECRET}@{parts.netloc.rpartition('@')[2]}"
        error = failure(urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")))
        assert error.kind == "permission"
        assert "drizzle.__drizzle_migrations" in str(error)
    finally:
        with psycopg.connect(scratch_db, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
