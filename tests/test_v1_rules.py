"""The v1 rules beyond the fixtures: which statement pairs V001 takes for commuting, the folder
model's names and order, and the rules staying off journal folders. (What the real migrator does
is pinned in tests/oracle/test_oracle_v1_folder.py.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from drizzle_lsp.core.folder import (
    Layout,
    load_folder,
    owning_folder,
    sql_paths,
    v1_created_at,
)
from drizzle_lsp.core.migration import MigrationFile
from drizzle_lsp.core.settings import Settings
from drizzle_lsp.engine.analyze import analyze
from drizzle_lsp.rules._touched import conflicts, migration_touches

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
V_CODES = {"V001", "V002", "V003"}


def clash(a: str, b: str) -> set[str]:
    one, two = migration_touches(MigrationFile(a)), migration_touches(MigrationFile(b))
    assert one is not None and two is not None
    return {".".join(key[1:]) for key in conflicts(one, two)}


@pytest.mark.parametrize(
    ("a", "b", "shared"),
    [
        # an index on a column another branch renames: fails on one side
        (
            'CREATE INDEX "i" ON "users" ("name");',
            'ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";',
            {"users.name"},
        ),
        # rows written into a table whose column the other drops
        (
            "INSERT INTO users (name) VALUES ('a');",
            "ALTER TABLE users DROP COLUMN name;",
            {"users"},
        ),
        # a value added to an enum the other drops
        ("ALTER TYPE mood ADD VALUE 'ok';", "DROP TYPE mood;", {"mood"}),
        # the same column altered twice
        (
            "ALTER TABLE t ALTER COLUMN c TYPE bigint;",
            "ALTER TABLE t ALTER COLUMN c SET DEFAULT 0;",
            {"t.c"},
        ),
        # a foreign key to a table the other renames
        (
            "ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (uid) REFERENCES users (id);",
            "ALTER TABLE users RENAME TO accounts;",
            {"users"},
        ),
    ],
)
def test_statements_on_the_same_objects_do_not_commute(a: str, b: str, shared: set[str]) -> None:
    assert clash(a, b) == shared
    assert clash(b, a) == shared


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ALTER TABLE users ADD COLUMN a int;", "ALTER TABLE users ADD COLUMN b int;"),
        ('CREATE TABLE "posts" ("id" serial);', 'CREATE INDEX "i" ON "users" ("name");'),
        ("CREATE INDEX i1 ON users (a);", "CREATE INDEX i2 ON users (b);"),
        ("SELECT 1;", "SELECT 2;"),
        ("CREATE TABLE a (x text);", "CREATE TABLE b (y text);"),  # built-in types are no one's
    ],
)
def test_statements_on_different_objects_commute(a: str, b: str) -> None:
    assert clash(a, b) == set()


def test_a_migration_that_does_not_parse_is_not_judged() -> None:
    assert migration_touches(MigrationFile("CREATE TABLE (;")) is None


def test_every_subfolder_with_migration_sql_is_a_migration(tmp_path: Path) -> None:
    root = tmp_path / "drizzle"
    for name in ("20250101000000_b", "init", "20250101000000_A"):
        (root / name).mkdir(parents=True)
        (root / name / "migration.sql").write_text("SELECT 1;")
    (root / "20250102000000_x").mkdir()
    (root / "20250102000000_x" / "migrations.sql").write_text("SELECT 1;")
    names = [p.parent.name for p in sql_paths(root, Layout.V1)]
    assert names == ["20250101000000_A", "20250101000000_b", "init"]
    # a bad name is part of the folder (V003), and so is a misnamed file's folder (V002)
    assert owning_folder(root / "init" / "migration.sql") == (root, Layout.V1)
    assert owning_folder(root / "20250102000000_x" / "migrations.sql") == (root, Layout.V1)
    assert [i.path.name for i in load_folder(root, Layout.V1).ignored] == ["20250102000000_x"]


@pytest.mark.parametrize(
    ("name", "created_at"),
    [
        ("20250110090000_a", 1736499600000),
        ("init", None),
        ("0000_init", None),
        ("20250110_init", None),
        ("2025011009000a_x", 1736499600000),  # parseInt("0a") is 0
        ("00990101000000_x", 915148800000),  # a two-digit year is 19xx
    ],
)
def test_created_at_as_the_migrator_computes_it(name: str, created_at: int | None) -> None:
    assert v1_created_at(name) == created_at


def test_v_rules_stay_off_journal_folders(tmp_path: Path) -> None:
    # a journal folder with a subfolder holding a misnamed file and a bad-named migration.sql
    project = shutil.copytree(FIXTURES / "J003" / "ok-all-journaled", tmp_path / "p")
    root = next(p.parent.parent for p in project.rglob("_journal.json"))
    (root / "stray").mkdir()
    (root / "stray" / "migration.sql").write_text("SELECT 1;")
    (root / "other").mkdir()
    (root / "other" / "migrations.sql").write_text("SELECT 1;")
    found = analyze(load_folder(root, Layout.JOURNAL), Settings())
    assert not {v.code for v in found} & V_CODES


def test_v001_needs_both_branches_in_the_graph(tmp_path: Path) -> None:
    # without the newer branch's snapshot its place is not known: no report
    case = shutil.copytree(FIXTURES / "V001" / "late-merged-index-after-rename", tmp_path / "c")
    root = case / "drizzle"
    assert "V001" in {v.code for v in analyze(load_folder(root, Layout.V1), Settings())}
    snapshot = next(root.glob("*_rename_name/snapshot.json"))
    snapshot.unlink()
    assert "V001" not in {v.code for v in analyze(load_folder(root, Layout.V1), Settings())}
    # a snapshot drizzle-kit cannot read is no part of the graph either
    snapshot.write_text(json.dumps({"id": 1}))
    assert "V001" not in {v.code for v in analyze(load_folder(root, Layout.V1), Settings())}
