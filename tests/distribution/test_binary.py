"""The standalone server (PyInstaller onedir) against the Python package: the same start-up, the
same output, on a PATH with no Python.

The whole command-line suite also runs against it (see tests/cli/conftest.py):
``DRIZZLE_LSP_BINARY=dist/drizzle-lsp-linux-x64/drizzle-lsp pytest tests/cli``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dist_build import REPO, binary, lsp_start_up, path_without_python

EXAMPLE = REPO / "examples" / "drizzle"
NOW = "2026-01-01T00:00:00Z"


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "DRIZZLE_LSP_NOW": NOW, **(extra or {})}


def _python(
    *argv: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    environment = _env({"PYTHONPATH": str(REPO / "server"), **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "drizzle_lsp", *argv],
        cwd=cwd,
        env=environment,
        capture_output=True,
        timeout=120,
    )


def _binary(
    *argv: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(binary()), *argv], cwd=cwd, env=env or _env(), capture_output=True, timeout=120
    )


def _same(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    expected = _python(*argv, cwd=cwd)
    got = _binary(*argv, cwd=cwd)
    assert (got.returncode, got.stdout.decode(), got.stderr.decode()) == (
        expected.returncode,
        expected.stdout.decode(),
        expected.stderr.decode(),
    ), argv
    return got


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "drizzle")
    return tmp_path


def test_binary_runs_without_python(tmp_path: Path, project: Path) -> None:
    env = {
        "PATH": path_without_python(tmp_path / "bin"),
        "HOME": str(tmp_path),
        "DRIZZLE_LSP_NOW": NOW,
    }
    version = _binary("--version", cwd=project, env=env)
    assert (version.returncode, version.stderr) == (0, b"")
    check = _binary("check", "--format", "json", cwd=project, env=env)
    assert check.returncode == 1, check.stderr
    assert {d["code"] for d in json.loads(check.stdout)} >= {"S002", "S003", "J003"}


@pytest.mark.parametrize(
    "argv",
    [
        ["--version"],
        ["--help"],
        ["rule", "--all"],
        ["check"],
        ["check", "--format", "json"],
        ["check", "--format", "github"],
        ["check", "--format", "sarif"],
        ["check", "nope"],
    ],
    ids=" ".join,
)
def test_same_output_as_the_python_package(project: Path, argv: list[str]) -> None:
    _same(argv, project)


def test_same_fixes_as_the_python_package(tmp_path: Path) -> None:
    written = {}
    for name, run in (("python", _python), ("binary", _binary)):
        root = tmp_path / name
        shutil.copytree(EXAMPLE, root / "drizzle")
        done = run("check", "--fix", "--unsafe-fixes", cwd=root)
        written[name] = (
            done.returncode,
            done.stdout,
            {
                p.relative_to(root).as_posix(): p.read_bytes()
                for p in sorted(root.rglob("*"))
                if p.is_file()
            },
        )
    assert written["binary"] == written["python"]
    assert written["binary"][2] != {
        p.relative_to(EXAMPLE.parent).as_posix(): p.read_bytes()
        for p in sorted(EXAMPLE.rglob("*"))
        if p.is_file()
    }


# ---- start-up: the language server's answer to `initialize` --------------------------------------


def test_same_start_up_as_the_python_package(project: Path) -> None:
    python_env = _env({"PYTHONPATH": str(REPO / "server")})
    expected = lsp_start_up([sys.executable, "-m", "drizzle_lsp"], project, python_env)
    got = lsp_start_up([str(binary())], project, _env())
    assert [m["id"] for m in got] == [1, 2]
    assert got == expected
    assert got[0]["result"]["serverInfo"]["name"] == "drizzle-lsp"


def test_the_server_loads_python_from_its_own_folder(tmp_path: Path) -> None:
    """Every library the running server maps is in its folder, but for the C library's."""
    bundle = binary().parent
    env = {"PATH": path_without_python(tmp_path / "bin"), "HOME": str(tmp_path)}
    with subprocess.Popen(
        [str(binary()), "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
    ) as process:
        try:
            maps = Path(f"/proc/{process.pid}/maps")
            deadline = time.monotonic() + 60
            while "libpython" not in (text := maps.read_text()) and time.monotonic() < deadline:
                time.sleep(0.1)
            # shared objects: libc.so.6, not the dynamic loader's ld.so.cache
            mapped = {line.split()[-1] for line in text.splitlines()}
            libraries = {m for m in mapped if re.search(r"\.so(\.\d+)*$", m)}
        finally:
            process.kill()
    inside = {lib for lib in libraries if lib.startswith(str(bundle))}
    assert any("/libpython3" in lib for lib in inside), sorted(libraries)
    outside = {Path(lib).name.split(".so")[0] for lib in libraries - inside}
    assert outside <= {"ld-linux-x86-64", "libc", "libdl", "libm", "libpthread", "librt", "libutil"}
