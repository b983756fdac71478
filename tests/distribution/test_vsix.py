"""What the .vsix files hold: the listing's files and, in the platform package, the server; no
sources, tests, test data or node_modules."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest
from dist_build import REPO, TARGET, project_version

pytestmark = pytest.mark.node

EXTENSION = REPO / "editors" / "vscode"
LISTING = {
    "CHANGELOG.md",
    "LICENSE",
    "README.md",
    "images/icon.png",
    "images/screenshot.png",
    "out/extension.js",
    "package.json",
}
# vsce renames these in the package
IN_VSIX = LISTING - {"CHANGELOG.md", "LICENSE", "README.md"} | {
    "changelog.md",
    "LICENSE.txt",
    "readme.md",
}


def _files(vsix: Path) -> set[str]:
    names = zipfile.ZipFile(vsix).namelist()
    assert {"extension.vsixmanifest", "[Content_Types].xml"} <= set(names)
    return {n.removeprefix("extension/") for n in names if n.startswith("extension/")}


def test_vsce_ls_lists_only_the_listing(dist: Path) -> None:
    """``vsce ls``: what ``vsce package`` takes from editors/vscode."""
    vsce = EXTENSION / "node_modules" / ".bin" / "vsce"
    done = subprocess.run(
        [str(vsce), "ls", "--no-dependencies"],
        cwd=EXTENSION,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) == LISTING


def test_universal_vsix(dist: Path) -> None:
    vsix = dist / "vscode" / f"drizzle-lsp-{project_version()}.vsix"
    assert _files(vsix) == IN_VSIX
    manifest = zipfile.ZipFile(vsix).read("extension.vsixmanifest").decode()
    assert "TargetPlatform" not in manifest


def test_platform_vsix_bundles_the_server(dist: Path) -> None:
    vsix = dist / "vscode" / f"drizzle-lsp-{TARGET}-{project_version()}.vsix"
    files = _files(vsix)
    assert files - {f for f in files if f.startswith("server/")} == IN_VSIX
    assert "server/drizzle-lsp" in files
    internal = {f for f in files if f.startswith("server/_internal/")}
    assert any(
        re.fullmatch(r"server/_internal/libpython3\.\d+\.so(\.[\d.]+)?", f) for f in internal
    )
    assert files == IN_VSIX | {"server/drizzle-lsp"} | internal
    archive = zipfile.ZipFile(vsix)
    mode = archive.getinfo("extension/server/drizzle-lsp").external_attr >> 16
    assert mode & stat.S_IXUSR, oct(mode)
    manifest = archive.read("extension.vsixmanifest").decode()
    assert f'TargetPlatform="{TARGET}"' in manifest
    assert vsix.stat().st_size < 80_000_000


def test_listing_metadata() -> None:
    """What the Marketplace and Open VSX show."""
    package = json.loads((EXTENSION / "package.json").read_text())
    assert package["icon"] == "images/icon.png"
    icon = (EXTENSION / "images" / "icon.png").read_bytes()
    assert icon[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(icon[16:20]) == int.from_bytes(icon[20:24]) == 128
    assert {"Linters"} <= set(package["categories"])
    assert "drizzle" in package["keywords"] and len(package["keywords"]) <= 30
    readme = (EXTENSION / "README.md").read_text()
    assert "](images/screenshot.png)" in readme
    changelog = (EXTENSION / "CHANGELOG.md").read_text()
    assert f"## {project_version()}" in changelog
