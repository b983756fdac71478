"""J008 against the real migrators: a journal in a project on drizzle-orm 1.0 makes the v1
``migrate()`` throw before it touches the database, while the same folder in a 0.x project runs.

The project's drizzle-orm version is what decides (``core.migrator_choice``): the same folder is
J008's (and not J001's) under ``^1.0.0-rc.5``, and J001's under ``0.45.4``.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from folders import entries, write_folder
from oracle_support import FOLDERS, copy_folder, prefix_folder, run_cli

from drizzle_lsp.core.folder import Layout, load_folder
from drizzle_lsp.core.settings import Settings
from drizzle_lsp.engine.analyze import analyze

pytestmark = [pytest.mark.postgres, pytest.mark.node]

LATE = (("0000_users", 1_718_000_000_000), ("0001_posts", 1_718_000_100_000))
LATE += (("0002_tags", 1_717_000_000_000),)  # dated before 0001: J001 under 0.x
SQL = {f"{tag}.sql": f'CREATE TABLE "{tag[5:]}" ("id" serial PRIMARY KEY);' for tag, _ in LATE}


def project(root: Path, drizzle_orm: str) -> Path:
    """A project depending on ``drizzle-orm`` at ``drizzle_orm``, with a journal folder."""
    root.mkdir(parents=True)
    package = {"name": "app", "private": True, "dependencies": {"drizzle-orm": drizzle_orm}}
    (root / "package.json").write_text(json.dumps(package))
    return write_folder(root / "drizzle", entries(*LATE), SQL)


def codes(folder: Path) -> set[str]:
    return {v.code for v in analyze(load_folder(folder, Layout.JOURNAL), Settings())}


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
    return {r[0] for r in rows}


def test_a_journal_in_a_v1_project_makes_migrate_throw_before_touching_the_database(
    migrate_v1, scratch_db, tmp_path
):
    folder = project(tmp_path / "app", "^1.0.0-rc.5")
    found = codes(folder)
    assert "J008" in found
    assert "J001" not in found  # the 0.x migrator's skip: not what runs this project

    result = migrate_v1(folder, scratch_db)

    assert not result.ok
    assert "drizzle-kit up" in (result.error or "")
    assert tables(scratch_db) == set()  # not even the migrations table


def test_the_journal_throws_even_beside_v1_folders(migrate_v1, scratch_db, tmp_path):
    # a half-converted folder (a branch still on 0.x merged its journal back)
    folder = project(tmp_path / "app", "^1.0.0-rc.5")
    (folder / "20250101000000_init").mkdir()
    (folder / "20250101000000_init" / "migration.sql").write_text('CREATE TABLE "t" (id int);')
    assert "J008" in codes(folder)

    result = migrate_v1(folder, scratch_db)

    assert not result.ok and "drizzle-kit up" in (result.error or "")
    assert tables(scratch_db) == set()


def test_the_same_folder_in_a_0x_project_runs_and_is_j001s(migrate, scratch_db, tmp_path):
    folder = project(tmp_path / "app", "0.45.4")
    found = codes(folder)
    assert "J008" not in found
    assert "J001" in found

    result = migrate(folder, scratch_db)

    assert result.ok, result.error
    assert {"public.users", "public.posts", "public.tags"} <= tables(scratch_db)


def test_after_drizzle_kit_up_shape_the_v1_migrator_runs_and_j008_is_gone(
    migrate_v1, scratch_db, tmp_path
):
    # the folder as `drizzle-kit up` leaves it (no meta/): J008 is silent, migrate() runs
    root = tmp_path / "app"
    folder = project(root, "^1.0.0-rc.5")
    names = ("20240610061320", "20240610061500", "20240529162640")  # `up`'s names: `when` in UTC
    for (tag, _), name in zip(LATE, names, strict=True):
        moved = folder / f"{name}_{tag[5:]}"
        moved.mkdir()
        (folder / f"{tag}.sql").rename(moved / "migration.sql")
    for path in sorted((folder / "meta").iterdir()):
        path.unlink()
    (folder / "meta").rmdir()
    v1 = load_folder(folder, Layout.V1)
    assert "J008" not in {v.code for v in analyze(v1, Settings())}

    result = migrate_v1(folder, scratch_db)

    assert result.ok, result.error
    assert {"public.users", "public.posts", "public.tags"} <= tables(scratch_db)


def test_d001_is_the_0x_migrators_and_silent_under_v1(migrate, scratch_db, tmp_path):
    # a database that applied 0000 and 0001 before 0002 (dated before 0001) was merged
    history = FOLDERS / "branch-merge"
    assert migrate(prefix_folder(history, 2, tmp_path / "before-merge"), scratch_db).ok
    found = {}
    for drizzle_orm in ("0.45.4", "^1.0.0-rc.5"):
        root = tmp_path / drizzle_orm.strip("^")
        folder = copy_folder(history, root / "drizzle")
        package = {"dependencies": {"drizzle-orm": drizzle_orm}}
        (root / "package.json").write_text(json.dumps(package))
        done = run_cli("check", folder, "--database-url", scratch_db, "--format", "json")
        assert done.returncode == 1, done.stderr
        found[drizzle_orm] = {d["code"] for d in json.loads(done.stdout)}
    assert {"D001", "J001"} <= found["0.45.4"] and "J008" not in found["0.45.4"]
    assert "J008" in found["^1.0.0-rc.5"] and not {"D001", "J001"} & found["^1.0.0-rc.5"]
