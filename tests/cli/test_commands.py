"""``rule``, ``--version``, ``serve`` (and no command), the ``status`` hook, errors and exit codes,
and the CLI as a real process (``python -m drizzle_lsp``)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest
from cli_helpers import run_process
from folders import DAY, NOW, entry, write_folder

from drizzle_lsp import __version__
from drizzle_lsp.cli import app as cli
from drizzle_lsp.cli import check as cli_check
from drizzle_lsp.docs import docs_url, rule_page
from drizzle_lsp.rules import ALL_RULES, rule_by_code

# ---- rule ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["J002", "j002", "missing-sql-file"])
def test_rule_prints_the_docstring(run, key: str) -> None:
    result = run("rule", key)
    rule = rule_by_code("J002")
    assert rule is not None
    assert result.code == 0
    assert result.out == rule_page(rule)
    assert result.out.startswith("# J002 missing-sql-file\n")
    assert "Severity: error" in result.out
    for line in rule.doc.splitlines()[1:]:
        assert line in result.out
    assert "## Why is this bad?" in result.out


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("J001", "Migrator: 0.x"),
        ("J005", "Migrator: 0.x"),
        ("D001", "Migrator: 0.x"),
        ("J008", "Migrator: v1"),
        ("J002", "About both migrators"),
        ("J007", "About both migrators"),
    ],
)
def test_rule_pages_say_which_migrator(run, code: str, says: str) -> None:
    result = run("rule", code)
    assert result.code == 0
    assert says in result.out


def test_every_journal_rule_says_which_migrator(run) -> None:
    for rule in ALL_RULES:
        if rule.code.startswith("J"):
            page = run("rule", rule.code).out
            assert "Migrator: " in page or "About both migrators" in page


def test_rule_all(run) -> None:
    result = run("rule", "--all")
    assert result.code == 0
    headers = [line for line in result.out.splitlines() if line.startswith("# ")]
    assert headers == [f"# {r.code} {r.name}" for r in ALL_RULES]


def test_rule_list(run) -> None:
    result = run("rule")
    assert result.code == 0
    assert [line.split()[:2] for line in result.out.splitlines()] == [
        [r.code, r.name] for r in ALL_RULES
    ]


def test_rule_json(run) -> None:
    one = json.loads(run("rule", "S002", "--format", "json").out)
    assert (one["code"], one["name"], one["severity"]) == ("S002", "non-idempotent-ddl", "warning")
    assert one["url"] == docs_url("S002")
    every = json.loads(run("rule", "--all", "--format", "json").out)
    assert [r["code"] for r in every] == [r.code for r in ALL_RULES]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["rule", "X123"], "unknown rule `X123` (`drizzle-lsp rule` lists them)"),
        (["rule", "J"], "unknown rule `J`"),
        (["rule", "J001", "--all"], "give a rule code or --all, not both"),
    ],
)
def test_rule_errors(run, argv: list[str], message: str) -> None:
    result = run(*argv)
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith(f"drizzle-lsp: error: {message}")


# ---- version, usage ------------------------------------------------------------------------------


def test_version(run) -> None:
    with pytest.raises(SystemExit) as exited:
        run("--version")
    assert exited.value.code == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["frobnicate"],
        ["check", "--format", "xml"],
        ["check", "--nope"],
        ["rule", "--format", "yaml"],
    ],
)
def test_usage_errors_are_one_line(run, argv: list[str]) -> None:
    result = run(*argv)
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("drizzle-lsp: error: ")
    assert result.err.count("\n") == 1
    assert "--help`)" in result.err


# ---- serve ---------------------------------------------------------------------------------------


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A stand-in ``drizzle_lsp.lsp.server`` whose ``main`` records that it ran."""
    calls: list[str] = []
    module = types.ModuleType(cli.SERVER_MODULE)
    module.main = lambda: calls.append("served")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, cli.SERVER_MODULE, module)
    return calls


@pytest.mark.parametrize("argv", [[], ["serve"], ["serve", "--stdio"], ["--stdio"]])
def test_serve_and_no_command_start_the_server(
    run, fake_server: list[str], argv: list[str]
) -> None:
    result = run(*argv)
    assert (result.code, fake_server) == (0, ["served"])
    assert result.out == ""  # stdout belongs to the protocol


def test_serve_without_a_module_it_needs(run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "SERVER_MODULE", "drizzle_lsp.lsp.no_such_server")
    result = run("serve")
    assert result.code == 2
    assert result.err == (
        "drizzle-lsp: error: cannot start the language server: module "
        "`drizzle_lsp.lsp.no_such_server` is missing (reinstall drizzle-lsp with its "
        "dependencies)\n"
    )


# ---- unexpected errors ---------------------------------------------------------------------------


def test_an_unexpected_error_is_one_line(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_folder(tmp_path / "drizzle", [entry(0, "0000_a", NOW - DAY)])

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("rule exploded")

    monkeypatch.setattr(cli_check, "analyze", boom)
    result = run("check", cwd=tmp_path)
    assert result.code == 2
    assert result.err == (
        "drizzle-lsp: error: RuntimeError: rule exploded "
        "(set DRIZZLE_LSP_DEBUG=1 for a traceback)\n"
    )
    monkeypatch.setenv("DRIZZLE_LSP_DEBUG", "1")
    with pytest.raises(RuntimeError, match="rule exploded"):
        run("check", cwd=tmp_path)


# ---- as a process -------------------------------------------------------------------------------


def test_python_m_drizzle_lsp_version(tmp_path: Path) -> None:
    result = run_process("--version", cwd=tmp_path)
    assert (result.code, result.out, result.err) == (0, f"drizzle-lsp {__version__}\n", "")


def test_process_exit_codes(tmp_path: Path) -> None:
    write_folder(tmp_path / "ok", [entry(0, "0000_a", NOW - DAY)])
    write_folder(tmp_path / "bad", [entry(0, "0000_a", NOW - DAY)], {})
    assert run_process("check", "ok", cwd=tmp_path).code == 0
    found = run_process("check", "bad", cwd=tmp_path)
    assert found.code == 1
    assert found.out.startswith("bad/meta/_journal.json:9:14: J002 [missing-sql-file]")
    assert run_process("check", "--exit-zero", "bad", cwd=tmp_path).code == 0
    missing = run_process("check", "nope", cwd=tmp_path)
    assert (missing.code, missing.err) == (
        2,
        "drizzle-lsp: error: nope: no such file or directory\n",
    )
    assert "Traceback" not in missing.err


def test_check_in_process_leaves_the_garbage_collector_on(run, tmp_path: Path) -> None:
    """``check`` runs without cyclic gc; a program calling ``main`` keeps its collector."""
    write_folder(tmp_path / "drizzle", [entry(0, "0000_a", NOW - DAY)], {})
    assert gc.isenabled()
    assert run("check", cwd=tmp_path).code == 1
    assert gc.isenabled()


def test_process_json_is_parseable_when_piped(tmp_path: Path) -> None:
    write_folder(tmp_path / "drizzle", [entry(0, "0000_a", NOW - DAY)], {})
    result = run_process("check", "--format", "json", cwd=tmp_path)
    assert [d["code"] for d in json.loads(result.out)] == ["J002"]


def test_process_text_has_no_colors_when_piped(tmp_path: Path) -> None:
    write_folder(tmp_path / "drizzle", [entry(0, "0000_a", NOW - DAY)], {})
    assert "\x1b[" not in run_process("check", cwd=tmp_path).out


def test_process_closed_pipe_is_quiet(tmp_path: Path) -> None:
    entries = [entry(i, f"{i:04d}_a", NOW - DAY + i) for i in range(3000)]
    write_folder(tmp_path / "drizzle", entries, {})
    done = subprocess.run(
        f"{sys.executable} -m drizzle_lsp check | head -c 10",
        shell=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(Path(cli.__file__).parents[2]), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout == "drizzle/me"
    assert done.stderr == ""
