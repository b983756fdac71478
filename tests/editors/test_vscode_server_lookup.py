"""The extension's server lookup order (editors/vscode/src/serverLookup.ts): drizzleLsp.path,
else the bundled server, else PATH, else a configured interpreter, else the folders installers use
(~/.local/bin, pipx, uv, the workspace's .venv), else python3. And the install commands the
not-found notification offers (src/installSources.ts), asked of a local HTTP registry. Runs the
extension's node tests (editors/vscode/test/*.test.ts) on real executables in temporary folders.

Needs the extension's node_modules: `bash editors/vscode/test-e2e/run.sh --install-only`.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from editor_support import REPO

pytestmark = pytest.mark.node

EXTENSION = REPO / "editors" / "vscode"


def test_server_lookup_order() -> None:
    npm = shutil.which("npm")
    assert npm, "npm is not on PATH"
    assert (EXTENSION / "node_modules" / ".bin" / "esbuild").exists(), (
        "no editors/vscode/node_modules: run `bash editors/vscode/test-e2e/run.sh --install-only`"
    )
    done = subprocess.run(
        [npm, "run", "--silent", "test:unit"],
        cwd=EXTENSION,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    passed = re.search(r"^# pass (\d+)$", done.stdout, re.MULTILINE)
    failed = re.search(r"^# fail (\d+)$", done.stdout, re.MULTILINE)
    assert passed and failed, done.stdout[-3000:]
    assert int(failed[1]) == 0 and int(passed[1]) >= 23, done.stdout[-6000:]
