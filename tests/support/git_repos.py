"""Real git repositories for the tests of S002's ``new`` scope: ``git init`` in a temporary
folder, and a clone of it, whose ``origin/HEAD`` points at the origin's default branch."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from folders import DAY, NOW, entries, write_folder

_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}

CREATE = 'CREATE TABLE "t{n}" ("id" int);\n'  # S002 in each migration, one table each


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=_ENV, capture_output=True, text=True, check=True
    )
    return done.stdout


def write_migrations(root: Path, tags: list[str]) -> Path:
    """``root/drizzle`` with one journal entry and one ``CREATE TABLE`` file per tag."""
    items = entries(*((tag, NOW - (len(tags) - i) * DAY) for i, tag in enumerate(tags)))
    sql = {f"{tag}.sql": CREATE.format(n=i) for i, tag in enumerate(tags)}
    return write_folder(root / "drizzle", items, sql)


def origin_and_clone(tmp_path: Path, tags: list[str]) -> tuple[Path, Path]:
    """A repository whose ``main`` holds the migrations ``tags``, and a clone of it."""
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    write_migrations(origin, tags)
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "migrations")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    return origin, clone
