"""stdio: large messages written from their pieces, and a server whose stdin is not a pipe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from drizzle_lsp.lsp import transport


def _through_pipe(pieces: list[bytes]) -> bytes:
    """What a reader at the other end of a pipe gets from ``write_pieces(pieces)``."""
    read, write = os.pipe()
    received: list[bytes] = []

    def drain() -> None:
        while chunk := os.read(read, 1 << 16):
            received.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    with open(write, "wb") as stdout:
        transport.PipeWriter(stdout).write_pieces(pieces)
    reader.join()
    os.close(read)
    return b"".join(received)


def test_pieces_arrive_whole_and_in_order_past_the_writev_limit() -> None:
    pieces = [f"{i:05d}|".encode() * (i % 7 + 1) for i in range(3000)]  # > 1,024 per writev
    assert _through_pipe(pieces) == b"".join(pieces)


def test_a_writev_cut_short_is_finished(monkeypatch: pytest.MonkeyPatch) -> None:
    """A signal can end a blocking writev early: what it did not write is written after it."""
    writev = os.writev

    def short(fd: int, buffers: list[bytes]) -> int:
        return writev(fd, buffers[: len(buffers) // 2])

    monkeypatch.setattr(transport.os, "writev", short)
    assert _through_pipe([b"abc", b"defgh", b"ij", b"klmnop"]) == b"abcdefghijklmnop"


def _frame(message: dict[str, object]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def test_server_reading_a_file_answers_as_over_a_pipe(tmp_path: Path) -> None:
    """stdin a regular file (not a pipe: pygls' own reader): initialize, shutdown and exit are
    answered and the server exits 0."""
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]
    requests = tmp_path / "requests"
    requests.write_bytes(b"".join(map(_frame, messages)))
    with requests.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-m", "drizzle_lsp.lsp"],
            stdin=stdin,
            capture_output=True,
            cwd=tmp_path,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr.decode()
    answered = {m.get("id") for m in _messages(done.stdout)}
    assert {1, 2} <= answered


def _messages(stream: bytes) -> list[dict[str, object]]:
    found = []
    while stream:
        header, _, rest = stream.partition(b"\r\n\r\n")
        length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        found.append(json.loads(rest[:length]))
        stream = rest[length:]
    return found


def test_server_exits_when_the_editor_is_gone(tmp_path: Path) -> None:
    """The editor dies (its ends of both pipes close) while the server has diagnostics to send:
    the failed writes are logged on stderr, not sent as log messages that fail in turn (which
    spun one server at 75% CPU for an hour), and the server exits at the end of its stdin."""
    folder = tmp_path / "drizzle"
    (folder / "meta").mkdir(parents=True)
    entries = [
        {"idx": i, "version": "7", "when": 1_700_000_000_000 + i, "tag": f"000{i}_t{i}",
         "breakpoints": True}
        for i in range(3)
    ]  # fmt: skip
    (folder / "meta" / "_journal.json").write_text(
        json.dumps({"version": "7", "dialect": "postgresql", "entries": entries})
    )
    for entry in entries:
        (folder / f"{entry['tag']}.sql").write_text(f'CREATE TABLE "t{entry["idx"]}" (id int);')
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"capabilities": {}, "rootUri": tmp_path.as_uri(), "processId": None},
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "drizzle_lsp.lsp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write(_frame(initialize))
    server.stdin.flush()
    assert b"Content-Length" in server.stdout.readline()  # the answer to initialize
    server.stdout.close()  # the editor is gone: every write from now on fails
    server.stdin.write(_frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
    server.stdin.close()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        pytest.fail("the server did not exit after its editor went away")
    finally:
        assert server.stderr is not None
        stderr = server.stderr.read().decode()
        server.stderr.close()
    assert len(stderr) < 20_000, stderr[-2000:]  # a line or a few, not a loop
