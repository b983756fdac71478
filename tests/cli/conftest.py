"""Fixtures for the command-line tests (helpers in ``cli_helpers``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_helpers import Result
from folders import NOW

from drizzle_lsp.cli import app as cli

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
