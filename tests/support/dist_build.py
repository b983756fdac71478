"""The distributions of ``scripts/dist.sh`` for the tests that install them as a user would.

``dist/`` is built once per test session, and not at all while it is up to date: the script
writes the hash of the sources it was built from to ``dist/.stamp`` (``dist.sh --stamp`` prints
the current one). A build takes about two minutes (PyInstaller, two .vsix, npm pack, the wheel).
"""

from __future__ import annotations

import functools
import json
import subprocess
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "dist"
DIST_SH = REPO / "scripts" / "dist.sh"
TARGET = "linux-x64"  # this machine's `${process.platform}-${process.arch}`


def project_version() -> str:
    """The version: ``[project] version`` in pyproject.toml, the one place it is written."""
    with (REPO / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def platforms() -> dict[str, dict[str, str]]:
    data = json.loads((REPO / "npm" / "platforms.json").read_text())
    return {k: v for k, v in data.items() if not k.startswith("//")}


@functools.cache
def built_dist() -> Path:
    """``dist/``, built by ``scripts/dist.sh`` unless it is up to date."""
    current = subprocess.run(
        ["bash", str(DIST_SH), "--stamp"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    stamp = DIST / ".stamp"
    if not stamp.exists() or stamp.read_text().strip() != current:
        done = subprocess.run(
            ["bash", str(DIST_SH)], cwd=REPO, capture_output=True, text=True, timeout=1200
        )
        assert done.returncode == 0, (
            f"scripts/dist.sh failed:\n{done.stdout[-5000:]}\n{done.stderr[-5000:]}"
        )
    return DIST


def binary() -> Path:
    """The standalone executable (PyInstaller onedir) of this platform."""
    return built_dist() / f"drizzle-lsp-{TARGET}" / "drizzle-lsp"


def path_without_python(folder: Path, *tools: str) -> str:
    """A PATH of one folder linking to ``tools`` (and a shell): no Python, no drizzle-lsp.

    On this machine node and python3 share /usr/bin, so dropping folders from PATH cannot
    separate them."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    for tool in ("sh", "env", *tools):
        found = shutil.which(tool)
        assert found, f"{tool} is not on PATH"
        (folder / tool).symlink_to(found)
    path = str(folder)
    for name in ("python", "python3", "drizzle-lsp"):
        assert shutil.which(name, path=path) is None, f"{name} is on {path}"
    return path
