"""The server's environment variables: a bad value is reported, never a reason not to start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from drizzle_lsp.lsp.server import debounce_from_env
from drizzle_lsp.lsp.state import DEFAULT_DEBOUNCE

SERVER = Path(__file__).parents[2] / "server"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(None, DEFAULT_DEBOUNCE), ("", DEFAULT_DEBOUNCE), ("250", 0.25), ("0", 0.0)]
    + [(bad, DEFAULT_DEBOUNCE) for bad in ("abc", "-5", "nan", "inf", "1e9")],
)
def test_debounce_from_the_environment(value: str | None, seconds: float) -> None:
    assert debounce_from_env(value) == seconds


def test_a_bad_debounce_does_not_keep_the_server_from_starting() -> None:
    env = {**os.environ, "PYTHONPATH": str(SERVER), "DRIZZLE_LSP_DEBOUNCE_MS": "abc"}
    done = subprocess.run(
        [sys.executable, "-m", "drizzle_lsp.lsp"],
        input="",  # the client goes away at once: the server must have started to notice
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert "Traceback" not in done.stderr
    assert "DRIZZLE_LSP_DEBOUNCE_MS='abc' is not a number of milliseconds" in done.stderr
