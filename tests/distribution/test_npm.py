"""`npm i -D drizzle-lsp && npx drizzle-lsp check` in a Node project, offline, with no Python on
PATH: the launcher package and this platform's package, as ``npm pack`` made them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from dist_build import REPO, TARGET, lsp_start_up, path_without_python, platforms, project_version

pytestmark = pytest.mark.node

NOW = "2026-01-01T00:00:00Z"


def _tarballs(dist: Path) -> tuple[Path, Path]:
    version = project_version()
    launcher = dist / "npm" / f"drizzle-lsp-{version}.tgz"
    platform = dist / "npm" / f"drizzle-lsp-{TARGET}-{version}.tgz"
    assert launcher.exists() and platform.exists(), sorted(p.name for p in (dist / "npm").iterdir())
    return launcher, platform


def _manifest(tarball: Path) -> dict[str, object]:
    with tarfile.open(tarball) as tar:
        file = tar.extractfile("package/package.json")
        assert file is not None
        return json.loads(file.read())


def test_packages_name_each_platform(dist: Path) -> None:
    launcher, platform = _tarballs(dist)
    version = project_version()
    manifest = _manifest(launcher)
    assert manifest["bin"] == {"drizzle-lsp": "bin/drizzle-lsp.js"}
    assert manifest["optionalDependencies"] == {
        f"@drizzle-lsp/{t}": version for t in sorted(platforms())
    }
    spec = platforms()[TARGET]
    # the release workflow adds `repository` (DRIZZLE_LSP_REPOSITORY)
    platform_manifest = {k: v for k, v in _manifest(platform).items() if k != "repository"}
    assert platform_manifest | {"description": ""} == {
        "name": f"@drizzle-lsp/{TARGET}",
        "version": version,
        "description": "",
        "license": "MIT",
        "os": [spec["os"]],
        "cpu": [spec["cpu"]],
        "libc": [spec["libc"]],
        "files": ["bin"],
        "preferUnplugged": True,
    }
    with tarfile.open(platform) as tar:
        executable = tar.getmember("package/bin/drizzle-lsp")
        assert executable.mode & 0o111, oct(executable.mode)
        assert any(n.startswith("package/bin/_internal/") for n in tar.getnames())
    with tarfile.open(launcher) as tar:
        assert sorted(tar.getnames()) == [
            "package/LICENSE",
            "package/README.md",
            "package/bin/drizzle-lsp.js",
            "package/package.json",
        ]


@pytest.fixture(scope="module")
def node_project(
    dist: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    """A throw-away Node project with the tarballs installed offline, and an environment whose
    PATH has node and npm but no Python."""
    root = tmp_path_factory.mktemp("node-project")
    project = root / "app"
    project.mkdir()
    (project / "package.json").write_text(
        json.dumps({"name": "app", "version": "1.0.0", "private": True})
    )
    shutil.copytree(REPO / "examples" / "drizzle", project / "drizzle")
    env = {
        "PATH": path_without_python(root / "bin", "node", "npm", "npx"),
        "HOME": str(root / "home"),
        "npm_config_cache": str(root / "npm-cache"),  # empty: nothing from an earlier install
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
        "DRIZZLE_LSP_NOW": NOW,
    }
    launcher, platform = _tarballs(dist)
    done = subprocess.run(
        ["npm", "install", "--offline", "--save-dev", str(launcher), str(platform)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return project, env


def test_npx_drizzle_lsp_check_without_python(node_project: tuple[Path, dict[str, str]]) -> None:
    project, env = node_project
    done = subprocess.run(
        ["npx", "--offline", "drizzle-lsp", "check", "--format", "json"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr  # the example has problems
    found = json.loads(done.stdout)
    assert {d["code"] for d in found} >= {"S002", "S003", "J003"}
    assert all(d["path"].startswith("drizzle/") for d in found)


def test_launcher_passes_arguments_and_exit_status(
    node_project: tuple[Path, dict[str, str]],
) -> None:
    """The command npm links into node_modules/.bin (what npx and package.json scripts run)."""
    project, env = node_project
    launcher = project / "node_modules" / ".bin" / "drizzle-lsp"

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(launcher), *argv],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert run("--version").stdout == f"drizzle-lsp {project_version()}\n"
    assert run("check", "--exit-zero").returncode == 0
    missing = run("check", "nope")
    assert (missing.returncode, missing.stderr) == (
        2,
        "drizzle-lsp: error: nope: no such file or directory\n",
    )


def test_launcher_without_the_platform_package(
    node_project: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """``npm install --omit=optional``: the launcher says what is missing, exit status 2."""
    project, env = node_project
    launcher = project / "node_modules" / "drizzle-lsp" / "bin" / "drizzle-lsp.js"
    alone = tmp_path / "node_modules" / "drizzle-lsp"
    shutil.copytree(launcher.parents[1], alone)
    done = subprocess.run(
        ["node", str(alone / "bin" / "drizzle-lsp.js"), "check"],
        cwd=tmp_path,
        env={**env, "NODE_PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(
        f"drizzle-lsp: error: the package @drizzle-lsp/{TARGET}, which holds"
    )
    assert "--omit=optional" in done.stderr
    assert os.path.exists(launcher)


def test_the_language_server_through_the_launcher(
    node_project: tuple[Path, dict[str, str]],
) -> None:
    """What an editor does with `npx drizzle-lsp serve`: the protocol passes through the
    launcher, and the exit status of `exit` after `shutdown` is 0."""
    project, env = node_project
    launcher = project / "node_modules" / ".bin" / "drizzle-lsp"
    initialize, shutdown = lsp_start_up([str(launcher)], project, env)
    assert initialize["result"]["serverInfo"] == {
        "name": "drizzle-lsp",
        "version": project_version(),
    }
    assert shutdown == {"jsonrpc": "2.0", "id": 2, "result": None}
