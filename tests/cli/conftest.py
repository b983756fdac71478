"""Fixtures for the command-line tests (helpers in ``cli_helpers``).

With ``DRIZZLE_LSP_BINARY`` set, ``run`` starts that executable (the standalone server of
scripts/dist.sh) instead of calling the CLI in-process. The tests that change this process
first (a patched module) cannot reach a separate executable: they skip.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_helpers import BINARY, Result, run_process
from folders import NOW

from drizzle_lsp.cli import app as cli

Run = Callable[..., Result]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    """``run(*argv, cwd=path)``: the CLI in-process, with "now" fixed at :data:`NOW`."""

    def _run(*argv: str, cwd: Path | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        if BINARY is not None:
            return _run_binary(argv, monkeypatch)
        monkeypatch.setenv("DRIZZLE_LSP_NOW", str(NOW))
        capsys.readouterr()
        code = cli.main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    yield _run


def _run_binary(argv: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> Result:
    """``run`` against the executable: in the working directory and environment the test set."""
    patched = monkeypatch._setattr or [d for d, *_ in monkeypatch._setitem if d is not os.environ]
    if patched:
        pytest.skip("the test patches this process, which a separate executable does not see")
    result = run_process(*argv, cwd=Path.cwd())
    if result.code == 0 and {"--version", "-V", "--help", "-h"} & set(argv):
        raise SystemExit(0)  # as argparse leaves `main` in-process
    return result
