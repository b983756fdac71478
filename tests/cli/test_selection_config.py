"""``--select`` / ``--ignore``, config files, per-file ignores, and the exit statuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from folders import NOW, entry, write_folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """J002 on the journal (0001_gone.sql missing), S002 (CREATE TABLE) in
    0000_init and 0002_more."""
    write_folder(
        tmp_path / "drizzle",
        [
            entry(0, "0000_init", NOW - 3000),
            entry(1, "0001_gone", NOW - 2000),
            entry(2, "0002_more", NOW - 1000),
        ],
        {
            "0000_init.sql": "CREATE TABLE a (id int);\n",
            "0002_more.sql": "CREATE TABLE b (id int);\n",
        },
    )
    (tmp_path / "drizzle-lsp.toml").write_text(ALL)
    return tmp_path


ALL = 's002-scope = "all"\n'  # S002 on every migration, not only the newest


def codes(out: str) -> list[str]:
    return [line.split(": ")[1].split()[0] for line in out.splitlines() if ": " in line]


def test_all_rules_by_default(run, project: Path) -> None:
    result = run("check", cwd=project)
    assert (result.code, codes(result.out)) == (1, ["J002", "S002", "S002"])


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--select", "J002"], ["J002"]),
        (["--select", "J"], ["J002"]),
        (["--select", "s"], ["S002", "S002"]),
        (["--select", "missing-sql-file"], ["J002"]),
        (["--select", "J002,S002"], ["J002", "S002", "S002"]),
        (["--select", "J002", "--select", "S"], ["J002", "S002", "S002"]),
        (["--select", "ALL", "--ignore", "S002"], ["J002"]),
        (["--ignore", "S"], ["J002"]),
        (["--ignore", "J002, S002"], []),
        (["--select", "S,J", "--ignore", "non-idempotent-ddl"], ["J002"]),
    ],
)
def test_select_and_ignore(run, project: Path, options: list[str], expected: list[str]) -> None:
    result = run("check", *options, cwd=project)
    assert codes(result.out) == expected
    assert result.code == (1 if expected else 0)


@pytest.mark.parametrize("flag", ["--select", "--ignore"])
@pytest.mark.parametrize("value", ["X", "J9", "J0021", "journal-ordr", "J001;S"])
def test_unknown_codes_are_a_usage_error(run, project: Path, flag: str, value: str) -> None:
    result = run("check", flag, value, cwd=project)
    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith(f"drizzle-lsp: error: argument {flag}: unknown rule code")
    assert len(result.err.splitlines()) == 1


def test_exit_zero_keeps_the_report(run, project: Path) -> None:
    result = run("check", "--exit-zero", cwd=project)
    assert result.code == 0
    assert "Found 3 problems" in result.out


def test_config_file_select_ignore(run, project: Path) -> None:
    (project / "drizzle-lsp.toml").write_text(ALL + 'ignore = ["S002"]\n')
    assert codes(run("check", cwd=project).out) == ["J002"]
    # a config deeper than the working directory applies to the folder below it too
    (project / "drizzle-lsp.toml").unlink()
    (project / "drizzle" / "drizzle-lsp.toml").write_text(ALL + 'select = ["S"]\n')
    assert codes(run("check", cwd=project).out) == ["S002", "S002"]


def test_pyproject_tool_table(run, project: Path) -> None:
    (project / "drizzle-lsp.toml").unlink()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "app"\n\n[tool.drizzle-lsp]\nselect = ["J"]\n'
    )
    assert codes(run("check", cwd=project).out) == ["J002"]


def test_pyproject_without_tool_table_is_not_a_config(run, project: Path) -> None:
    (project / "drizzle-lsp.toml").unlink()
    (project / "pyproject.toml").write_text('[tool.ruff]\nselect = ["X"]\n')
    # no config: S002 on the newest migration only (outside git)
    assert codes(run("check", cwd=project).out) == ["J002", "S002"]


def test_command_line_select_replaces_config_select_and_ignore(run, project: Path) -> None:
    (project / "drizzle-lsp.toml").write_text(ALL + 'select = ["J"]\nignore = ["S002"]\n')
    assert codes(run("check", "--select", "S002", cwd=project).out) == ["S002", "S002"]


def test_command_line_ignore_adds_to_config_ignore(run, project: Path) -> None:
    (project / "drizzle-lsp.toml").write_text(ALL + 'ignore = ["J002"]\n')
    result = run("check", "--ignore", "S002", cwd=project)
    assert (result.code, result.out) == (0, "All checks passed!\n")


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('"drizzle/0000_init.sql" = ["S002"]', ["J002", "S002"]),
        ('"drizzle/*.sql" = ["S"]', ["J002"]),
        ('"0002_more" = []', ["J002", "S002"]),  # by tag; no codes: all of them
        ('"*.json" = ["J002"]', ["S002", "S002"]),
    ],
)
def test_per_file_ignores(run, project: Path, table: str, expected: list[str]) -> None:
    (project / "drizzle-lsp.toml").write_text(f"{ALL}[per-file-ignores]\n{table}\n")
    assert codes(run("check", cwd=project).out) == expected


def test_explicit_config_file(run, project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    config = tmp_path_factory.mktemp("conf") / "ci.toml"
    config.write_text('select = ["J002"]\n')
    (project / "drizzle-lsp.toml").write_text(ALL + 'select = ["S"]\n')  # not used
    assert codes(run("check", "--config", str(config), cwd=project).out) == ["J002"]


def test_config_migrations_are_the_default_paths(run, project: Path) -> None:
    (project / "drizzle").rename(project / "db")
    (project / "other").mkdir()
    write_folder(project / "other" / "drizzle", [entry(0, "0000_x", NOW - 1)], {})
    (project / "drizzle-lsp.toml").write_text(ALL + 'migrations = ["db"]\nselect = ["J002"]\n')
    result = run("check", cwd=project)
    assert result.out.splitlines()[0].startswith("db/meta/_journal.json:16:14: J002")
    assert "other/" not in result.out
    # a PATH on the command line wins
    result = run("check", "other", cwd=project)
    assert result.out.splitlines()[0].startswith("other/drizzle/meta/_journal.json")


def test_config_migrations_that_do_not_exist(run, project: Path) -> None:
    (project / "drizzle-lsp.toml").write_text(ALL + 'migrations = ["nope"]\n')
    result = run("check", cwd=project)
    assert result.code == 2
    assert "nope: no such file or directory (listed in `migrations`" in result.err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('select = "J9"\n', "`select`: unknown rule code or prefix `J9`"),
        ("select = 3\n", "`select` must be a list of rule codes"),
        ('ignore = ["S002", "nope!"]\n', "`ignore`: 'NOPE!' is not a rule code"),
        ('[per-file-ignores]\n"x.sql" = ["Z1"]\n', "`per-file-ignores.x.sql`: unknown rule"),
        ('s002-scope = "some"\n', '`s002-scope` must be "new", "at-risk" or "all"'),
        ('driver = "mysql2"\n', '`driver` must be one of "auto", "node-postgres"'),
        ('selcet = ["J"]\n', "unknown setting `selcet`"),
        # a root outside the project would have `check` search the whole file system
        ('migrations = ["/"]\n', "`migrations`: '/' is outside the project; name folders inside"),
        ('migrations = ["db", "../.."]\n', "`migrations`: '../..' is outside the project"),
        ("select = [\n", "invalid TOML"),
    ],
)
def test_bad_config_is_a_usage_error_naming_file_and_key(
    run, project: Path, content: str, message: str
) -> None:
    config = project / "drizzle-lsp.toml"
    config.write_text(content)
    result = run("check", cwd=project)
    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith(f"drizzle-lsp: error: {config}")
    assert message in result.err
    assert len(result.err.splitlines()) == 1


def test_missing_explicit_config(run, project: Path) -> None:
    result = run("check", "--config", "nope.toml", cwd=project)
    assert (result.code, result.err) == (2, "drizzle-lsp: error: nope.toml: no such config file\n")
