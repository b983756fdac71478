"""The version is written once, in pyproject.toml; everything else that names it agrees.

The npm packages' and the extension's package.json must carry it too (npm and vsce read it from
there): ``python scripts/set_version.py X.Y.Z`` writes them all."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from dist_build import REPO, TARGET, platforms, project_version


def _package(path: str) -> dict[str, object]:
    return json.loads((REPO / path).read_text())


def test_package_jsons_carry_the_pyproject_version() -> None:
    version = project_version()
    extension = _package("editors/vscode/package.json")
    launcher = _package("npm/drizzle-lsp/package.json")
    assert extension["version"] == version
    assert launcher["version"] == version
    assert launcher["optionalDependencies"] == {
        f"@drizzle-lsp/{t}": version for t in sorted(platforms())
    }


def test_set_version_writes_every_place(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    for path in ("pyproject.toml", "editors/vscode/package.json", "npm/drizzle-lsp/package.json"):
        (copy / path).parent.mkdir(parents=True, exist_ok=True)
        (copy / path).write_bytes((REPO / path).read_bytes())
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "set_version.py"), "9.8.7", "--repo", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert 'version = "9.8.7"\n' in (copy / "pyproject.toml").read_text()
    assert json.loads((copy / "editors/vscode/package.json").read_text())["version"] == "9.8.7"
    launcher = json.loads((copy / "npm/drizzle-lsp/package.json").read_text())
    assert launcher["version"] == "9.8.7"
    assert set(launcher["optionalDependencies"].values()) == {"9.8.7"}
    # nothing else changed in the files
    before = (
        (REPO / "pyproject.toml")
        .read_text()
        .replace(f'version = "{project_version()}"', 'version = "9.8.7"')
    )
    assert (copy / "pyproject.toml").read_text() == before


def test_every_artifact_carries_the_version(dist: Path) -> None:
    version = project_version()
    expected = f"drizzle-lsp {version}\n"
    out = subprocess.run(
        [str(dist / f"drizzle-lsp-{TARGET}" / "drizzle-lsp"), "--version"],
        capture_output=True,
        text=True,
    )
    assert out.stdout == expected
    installed = subprocess.run(
        [sys.executable, "-m", "drizzle_lsp", "--version"],
        capture_output=True,
        text=True,
        cwd=REPO / "server",
    )
    assert installed.stdout == expected
    for vsix in (f"drizzle-lsp-{version}.vsix", f"drizzle-lsp-{TARGET}-{version}.vsix"):
        manifest = json.loads(
            zipfile.ZipFile(dist / "vscode" / vsix).read("extension/package.json")
        )
        assert manifest["version"] == version
    assert (dist / "npm" / f"drizzle-lsp-{version}.tgz").exists()
    assert (dist / f"drizzle_lsp-{version}-py3-none-any.whl").exists()
