"""The VS Code extension in a real VS Code (code-server 4.100.3) driven through Chromium.

Runs editors/vscode/test-e2e/run.sh, which installs what it needs (apt packages, npm ci,
code-server) and fails, never skips, when it cannot. See that script and e2e.mjs. Twice:

- ``local-bin``: the universal .vsix of ``scripts/dist.sh``, no setting, and the server (this
  checkout's server/) in the ~/.local/bin of a HOME whose .local/bin is not on PATH, as after a
  pipx install seen from a VS Code with a login-shell PATH; then the server is taken away and the
  not-found notification and each of its buttons are checked;
- ``bundled``: the linux-x64 .vsix of ``scripts/dist.sh``, which brings its own server, with no
  setting and a PATH that holds neither Python nor drizzle-lsp.

Both check the status bar item (state, counts equal to the Problems panel's) and its menu, and the
server's log lines in the output channel. Screenshots are kept in artifacts/ (git-ignored), listed
in the test's output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from dist_build import TARGET, built_dist, project_version
from editor_support import ARTIFACTS, REPO, record_timing

pytestmark = pytest.mark.editor

RUN_SH = REPO / "editors" / "vscode" / "test-e2e" / "run.sh"


@pytest.mark.parametrize("server", ["local-bin", "bundled"])
def test_vscode_extension_in_code_server(server: str) -> None:
    env = {**os.environ, "DRIZZLE_LSP_PYTHON": sys.executable, "ARTIFACTS_DIR": str(ARTIFACTS)}
    version = project_version()
    tag = "vscode"
    env["DRIZZLE_LSP_VSIX"] = str(built_dist() / "vscode" / f"drizzle-lsp-{version}.vsix")
    if server == "bundled":
        vsix = built_dist() / "vscode" / f"drizzle-lsp-{TARGET}-{version}.vsix"
        env |= {"DRIZZLE_LSP_E2E_SERVER": "bundled", "DRIZZLE_LSP_VSIX": str(vsix)}
        tag = "vscode-bundled"
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
    (ARTIFACTS / f"{tag}-e2e.log").write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
    print(proc.stdout[-6000:])
    assert proc.returncode == 0, (
        f"run.sh failed ({proc.returncode}):\n{proc.stdout[-8000:]}\n{proc.stderr[-8000:]}"
    )
    timings = json.loads((ARTIFACTS / f"{tag}-e2e-timings.json").read_text())
    assert (ARTIFACTS / f"{tag}-quick-fix.png").stat().st_size > 10_000
    assert (ARTIFACTS / f"{tag}-e2e.png").stat().st_size > 10_000
    for name in ("status-menu", "output", "s002-scope"):
        assert (ARTIFACTS / f"{tag}-{name}.png").stat().st_size > 10_000
    if server == "local-bin":
        assert "the server in ~/.local/bin ran" in proc.stdout
        for name in ("not-found", "open-settings", "install", "install-terminal"):
            assert (ARTIFACTS / f"{tag}-{name}.png").stat().st_size > 10_000
    prefix = "vscode" if server == "local-bin" else "vscode_bundled"
    record_timing(f"{prefix}_cold_navigate_to_squiggles_ms", timings["coldNavigateToSquigglesMs"])
    record_timing(f"{prefix}_warm_open_to_squiggles_ms", timings["warmOpenToSquigglesMs"])
    if server == "bundled":
        assert "the bundled server ran: " in proc.stdout
