"""`status` uses a database URL from a repository file only once the user approved it."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import run_process
from fake_postgres import FakePostgres
from folders import DAY, NOW, entry, write_folder

SECRETS = {"DRIZZLE_TEST_SECRET": "hunter2", "PGPASSWORD": "pg-secret"}


def project(tmp_path: Path, fake: FakePostgres, file: str = "drizzle-lsp.toml") -> Path:
    root = tmp_path / "project"
    write_folder(root / "drizzle", [entry(0, "0000_a", NOW - DAY)])
    url = f"postgresql://app:${{env:DRIZZLE_TEST_SECRET}}@127.0.0.1:{fake.port}/app"
    table = "[tool.drizzle-lsp]\n" if file == "pyproject.toml" else ""
    (root / file).write_text(f'{table}database-url = "{url}"\n', "utf-8")
    return root / file


def status(tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {**SECRETS, "XDG_CONFIG_HOME": str(tmp_path / "config"), "DATABASE_URL": ""}
    done = run_process("status", "drizzle", *args, cwd=tmp_path / "project", env=env)
    return done.code, done.out + done.err


def trust(tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = run_process("trust", *args, cwd=tmp_path / "project", env=env)
    return done.code, done.out + done.err


@pytest.mark.parametrize("file", ["drizzle-lsp.toml", "pyproject.toml"])
def test_a_repository_url_is_refused_until_approved(tmp_path: Path, file: str) -> None:
    with FakePostgres() as fake:
        config = project(tmp_path, fake, file)
        code, output = status(tmp_path)
        assert fake.connections == []  # not even the user name reached it
    assert code == 2
    assert output == (
        f"drizzle-lsp: error: {config} sets database-url to postgresql://app:***@127.0.0.1:"
        f"{fake.port}/app (host 127.0.0.1:{fake.port}); a URL from a repository file is not "
        f"used until you approve it: run `drizzle-lsp trust {config}`, or pass "
        "--allow-database-url, --database-url or DATABASE_URL\n"
    )


def test_allowed_once_on_the_command_line(tmp_path: Path) -> None:
    with FakePostgres() as fake:
        project(tmp_path, fake)
        status(tmp_path, "--allow-database-url")
        assert [c.password for c in fake.connections] == ["hunter2"]
    assert not (tmp_path / "config").exists()  # nothing remembered


def test_trust_is_remembered_until_the_url_changes(tmp_path: Path) -> None:
    with FakePostgres() as fake:
        config = project(tmp_path, fake)
        code, output = trust(tmp_path)
        assert code == 0
        assert output.startswith(
            f"approved database-url postgresql://app:***@127.0.0.1:{fake.port}/app "
            f"(host 127.0.0.1:{fake.port}) of {config}"
        )
        status(tmp_path)
        assert len(fake.connections) == 1
        config.write_text(config.read_text().replace("/app", "/other"))
        code, output = status(tmp_path)
        assert code == 2 and "is not used until you approve it" in output
        assert trust(tmp_path, str(config))[0] == 0
        status(tmp_path)
        assert len(fake.connections) == 2
        assert trust(tmp_path, "--revoke")[0] == 0
        assert status(tmp_path)[0] == 2
        assert len(fake.connections) == 2


def test_what_the_user_wrote_needs_no_approval(tmp_path: Path) -> None:
    with FakePostgres() as fake:
        project(tmp_path, fake)
        status(tmp_path, "--database-url", fake.url(password="given"))
        assert [c.password for c in fake.connections] == ["given"]


def test_trust_without_a_database_url(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "drizzle-lsp.toml").write_text('ignore = ["S003"]\n')
    code, output = trust(tmp_path)
    assert code == 2
    assert output.endswith("drizzle-lsp.toml sets no database-url\n")
