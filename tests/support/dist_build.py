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
from typing import Any

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


# ---- a language server's start-up over stdio ----------------------------------------------------


def _message(payload: dict[str, Any]) -> bytes:
    body = json.dumps(payload).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _read(stream: Any) -> dict[str, Any]:
    length = None
    while (line := stream.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    assert length is not None, "the server closed its output"
    return json.loads(stream.read(length))


def _reply(process: subprocess.Popen[bytes], request: dict[str, Any]) -> dict[str, Any]:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(_message(request))
    process.stdin.flush()
    while "method" in (message := _read(process.stdout)):
        pass  # notifications and requests of the server (log messages, progress)
    assert message["id"] == request["id"], message
    return message


def lsp_start_up(command: list[str], root: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    """``initialize``, ``initialized``, ``shutdown``, ``exit``: the two answers; exit status 0."""
    uri = root.as_uri()
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "processId": None,
            "rootUri": uri,
            "capabilities": {},
            "workspaceFolders": [{"uri": uri, "name": "p"}],
        },
    }
    with subprocess.Popen(
        [*command, "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=root,
        env=env,
    ) as process:
        assert process.stdin is not None
        try:
            answers = [_reply(process, initialize)]
            process.stdin.write(_message({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
            answers.append(_reply(process, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
            process.stdin.write(_message({"jsonrpc": "2.0", "method": "exit"}))
            process.stdin.close()
            assert process.wait(timeout=60) == 0
        finally:
            process.kill()
    return answers
