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
    """The CLI as its own process: ``python -m drizzle_lsp``, importable installed or not."""
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO / "server"),
        "DRIZZLE_LSP_NOW": str(NOW),
        **(env or {}),
    }
    done = subprocess.run(
        [sys.executable, "-m", "drizzle_lsp", *argv],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        input=stdin if stdin is not None else "",
        timeout=60,
    )
    return Result(done.returncode, done.stdout, done.stderr)
