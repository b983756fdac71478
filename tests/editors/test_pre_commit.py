"""The `drizzle-lsp` pre-commit hook (.pre-commit-hooks.yaml) with the real `pre-commit` package.

A snapshot of this checkout becomes a throw-away hook repository; a throw-away project repository
uses it from `.pre-commit-config.yaml`, `pre-commit install`s it and commits. pre-commit builds the
hook's virtualenv itself (pip installs this project and its dependencies), as it would for a user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from editor_support import FIXTURE, REPO

pytestmark = pytest.mark.editor

GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}

CLEAN_JOURNAL_WHEN = ('"when": 1714100000000', '"when": 1714300000000')
CLEAN_0002 = (
    "-- Adds the e-mail column (café ☕ 🎉)\n"
    'ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "email" text;--> statement-breakpoint\n'
    'COMMENT ON COLUMN "users"."email" IS \'adresse — café ☕\';--> statement-breakpoint\n'
    'ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "nickname" text;\n'
)


def run(
    args: list[str], cwd: Path, env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    return {
        **os.environ,
        **GIT_ENV,
        "HOME": str(home),
        "PRE_COMMIT_HOME": str(home / "cache"),
        # pre-commit runs from this interpreter's environment
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> tuple[Path, str]:
    """A git repository holding this checkout's files (tracked and untracked), and its commit."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    target = tmp_path_factory.mktemp("hook-repo")
    for raw in listed:
        name = raw.decode()
        source = REPO / name
        if not name or name.startswith(("editors/", "tests/", "bench/")) or not source.is_file():
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name)
    run(["git", "init", "-q"], target, env)
    run(["git", "add", "-A"], target, env)
    run(["git", "commit", "-q", "-m", "snapshot"], target, env)
    rev = run(["git", "rev-parse", "HEAD"], target, env).stdout.strip()
    return target, rev


@pytest.fixture
def project(tmp_path: Path, env: dict[str, str], hook_repo: tuple[Path, str]) -> Iterator[Path]:
    """A project with db/migrations (the fixture) and a seed script, the hook installed."""
    repo, rev = hook_repo
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project / "db" / "migrations")
    (project / "seeds").mkdir()
    (project / "seeds" / "seed.sql").write_text('CREATE TABLE "seed" ("id" int);\n')
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n      - id: drizzle-lsp\n"
    )
    run(["git", "init", "-q"], project, env)
    run(["git", "add", "-A"], project, env)
    run(["git", "commit", "-q", "--no-verify", "-m", "baseline"], project, env)
    run([sys.executable, "-m", "pre_commit", "install"], project, env)
    yield project


def commit(project: Path, env: dict[str, str], *paths: str) -> subprocess.CompletedProcess[str]:
    run(["git", "add", *paths], project, env)
    return run(["git", "commit", "-m", "change"], project, env, check=False)


def test_commit_touching_a_migration_checks_its_folder(project: Path, env: dict[str, str]) -> None:
    sql = project / "db" / "migrations" / "0002_add_email.sql"
    sql.write_text(sql.read_text() + "-- reviewed\n")
    proc = commit(project, env, str(sql))
    output = proc.stdout + proc.stderr
    print(output)
    assert proc.returncode != 0, output
    assert "drizzle-lsp" in output and "Failed" in output, output
    # the whole folder is checked: the journal's J001 though only the .sql file changed
    assert "J001" in output, output
    assert "S002" in output, output
    assert "seed.sql" not in output, output


def test_a_snapshot_alone_checks_its_folder(project: Path, env: dict[str, str]) -> None:
    snapshot = project / "db" / "migrations" / "meta" / "0002_snapshot.json"
    snapshot.write_text('{\n<<<<<<< HEAD\n  "id": "a"\n=======\n  "id": "b"\n>>>>>>> b\n}\n')
    proc = commit(project, env, str(snapshot))
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "0002_snapshot.json:2:1: J007" in output, output


def test_non_migration_sql_is_left_alone(project: Path, env: dict[str, str]) -> None:
    seed = project / "seeds" / "seed.sql"
    seed.write_text(seed.read_text() + 'CREATE INDEX "i" ON "seed" ("id");\n')
    proc = commit(project, env, str(seed))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_clean_folder_commits(project: Path, env: dict[str, str]) -> None:
    migrations = project / "db" / "migrations"
    journal = migrations / "meta" / "_journal.json"
    journal.write_text(journal.read_text().replace(*CLEAN_JOURNAL_WHEN))
    (migrations / "0002_add_email.sql").write_text(CLEAN_0002)
    proc = commit(project, env, "db")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "drizzle-lsp" in output and "Passed" in output, output


def test_hook_args_reach_check(project: Path, env: dict[str, str]) -> None:
    config = project / ".pre-commit-config.yaml"
    config.write_text(config.read_text() + "        args: [--ignore, 'J001,S002,S003']\n")
    run(["git", "add", str(config)], project, env)
    run(["git", "commit", "-q", "--no-verify", "-m", "ignore"], project, env)
    sql = project / "db" / "migrations" / "0002_add_email.sql"
    sql.write_text(sql.read_text() + "-- reviewed\n")
    proc = commit(project, env, str(sql))
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "Passed" in output, output
