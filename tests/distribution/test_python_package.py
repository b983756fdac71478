"""The wheel and sdist: ``twine check`` passes, and the wheel installs and runs in a clean venv.

The venv's dependencies come from a wheelhouse that ``pip download`` fills first (from pip's
cache, or the index); the install itself is ``--no-index``, offline, as from a mirror."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from dist_build import REPO, project_version

NOW = "2026-01-01T00:00:00Z"


def _artifacts(dist: Path) -> tuple[Path, Path]:
    version = project_version()
    wheel = dist / f"drizzle_lsp-{version}-py3-none-any.whl"
    sdist = dist / f"drizzle_lsp-{version}.tar.gz"
    assert wheel.exists() and sdist.exists(), sorted(p.name for p in dist.iterdir())
    return wheel, sdist


def test_twine_check(dist: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, _artifacts(dist))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2, done.stdout


def test_contents(dist: Path) -> None:
    wheel, sdist = _artifacts(dist)
    names = zipfile.ZipFile(wheel).namelist()
    assert "drizzle_lsp/cli/app.py" in names and "drizzle_lsp/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "editors/", "npm/", "packaging/"))]
    metadata = (
        zipfile.ZipFile(wheel).read(f"drizzle_lsp-{project_version()}.dist-info/METADATA").decode()
    )
    assert f"Version: {project_version()}\n" in metadata
    assert "Requires-Python: >=3.11" in metadata
    with tarfile.open(sdist) as tar:
        top = f"drizzle_lsp-{project_version()}/"
        members = {m.removeprefix(top) for m in tar.getnames()}
    assert {"pyproject.toml", "README.md", "server/drizzle_lsp/cli/app.py"} <= members


def test_wheel_installs_and_runs_in_a_clean_venv(dist: Path, tmp_path: Path) -> None:
    wheel, _ = _artifacts(dist)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    wheelhouse = tmp_path / "wheelhouse"
    download = subprocess.run(
        [*pip, "download", "--quiet", "--dest", str(wheelhouse), str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert download.returncode == 0, download.stderr[-3000:]
    install = subprocess.run(
        [*pip, "install", "--quiet", "--no-index", "--find-links", str(wheelhouse), "drizzle-lsp"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    exe = venv / "bin" / "drizzle-lsp"
    project = tmp_path / "project"
    shutil.copytree(REPO / "examples" / "drizzle", project / "drizzle")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DRIZZLE_LSP_NOW": NOW}
    version = subprocess.run(
        [str(exe), "--version"], capture_output=True, text=True, env=env, timeout=60
    )
    assert version.stdout == f"drizzle-lsp {project_version()}\n", version.stderr
    check = subprocess.run(
        [str(exe), "check", "--format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert check.returncode == 1, check.stderr
    assert {d["code"] for d in json.loads(check.stdout)} >= {"S002", "S003", "J003"}
    # the installed package, not this checkout's server/
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import drizzle_lsp; print(drizzle_lsp.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=tmp_path,
    )
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr
