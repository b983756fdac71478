"""Fixtures for the command-line tests (helpers in ``cli_helpers``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_helpers import DOUBLES, NOW, Result

from drizzle_lsp.cli import app as cli
from drizzle_lsp.engine import analyze
from drizzle_lsp.rules import Rule

Run = Callable[..., Result]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    """``run(*argv, cwd=path)``: the CLI in-process, with "now" fixed at :data:`NOW`."""

    def _run(*argv: str, cwd: Path | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        monkeypatch.setenv("DRIZZLE_LSP_NOW", str(NOW))
        capsys.readouterr()
        code = cli.main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    yield _run


@pytest.fixture
def fixing_rules(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The analyzer with the fix-carrying test doubles in place of the J004, J005, S002 stubs."""

    def swap(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        double = DOUBLES.get
        return tuple(Rule(r.info, double(r.code, r.check), r.doc) for r in rules)

    monkeypatch.setattr(analyze, "FOLDER_RULES", swap(analyze.FOLDER_RULES))
    monkeypatch.setattr(analyze, "SQL_RULES", swap(analyze.SQL_RULES))
    _clear_caches()
    yield
    _clear_caches()


def _clear_caches() -> None:
    # SQL results are cached by chunk text: results of the real rules must not leak in or out
    analyze.unit_lints.clear()
    analyze.file_lints.clear()
