"""The VS Code extension in a real VS Code (code-server 4.100.3) driven through Chromium.

Runs editors/vscode/test-e2e/run.sh, which installs what it needs (apt packages, npm ci,
code-server) and fails, never skips, when it cannot. See that script and e2e.mjs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from editor_support import ARTIFACTS, REPO, record_timing

pytestmark = pytest.mark.editor

RUN_SH = REPO / "editors" / "vscode" / "test-e2e" / "run.sh"


def test_vscode_extension_in_code_server() -> None:
    env = {**os.environ, "DRIZZLE_LSP_PYTHON": sys.executable, "ARTIFACTS_DIR": str(ARTIFACTS)}
    proc = subprocess.run(
        ["bash", str(RUN_SH)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "vscode-e2e.log").write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
    print(proc.stdout[-6000:])
    assert proc.returncode == 0, (
        f"run.sh failed ({proc.returncode}):\n{proc.stdout[-8000:]}\n{proc.stderr[-8000:]}"
    )
    timings = json.loads((ARTIFACTS / "vscode-e2e-timings.json").read_text())
    assert (ARTIFACTS / "vscode-quick-fix.png").stat().st_size > 10_000
    assert (ARTIFACTS / "vscode-e2e.png").stat().st_size > 10_000
    record_timing("vscode_cold_navigate_to_squiggles_ms", timings["coldNavigateToSquigglesMs"])
    record_timing("vscode_warm_open_to_squiggles_ms", timings["warmOpenToSquigglesMs"])
