"""Helpers for the command-line tests: the result of a run, and the CLI as its own process.

The folders they run on are built with ``folders`` (tests/support).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from folders import NOW

REPO = Path(__file__).resolve().parents[2]
# DRIZZLE_LSP_BINARY=dist/drizzle-lsp-linux-x64/drizzle-lsp runs these tests against the standalone
# executable (scripts/dist.sh) instead of this checkout's Python package (see conftest.py)
BINARY_ENV = "DRIZZLE_LSP_BINARY"
BINARY = Path(os.environ[BINARY_ENV]).resolve() if os.environ.get(BINARY_ENV) else None


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run_process(
    *argv: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> Result:
    """The CLI as its own process: ``python -m drizzle_lsp``, importable installed or not (or
    the executable that ``DRIZZLE_LSP_BINARY`` names)."""
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO / "server"),
        "DRIZZLE_LSP_NOW": str(NOW),
        **(env or {}),
    }
    command = [str(BINARY)] if BINARY else [sys.executable, "-m", "drizzle_lsp"]
    done = subprocess.run(
        [*command, *argv],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        input=stdin if stdin is not None else "",
        timeout=60,
    )
    return Result(done.returncode, done.stdout, done.stderr)
