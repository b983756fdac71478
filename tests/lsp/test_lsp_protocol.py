"""Hostile or early protocol messages, over the real server's stdio (a pipe, as editors use)."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lsp_harness import SERVER

Message = dict[str, Any]


class RawServer:
    """The server process, spoken to frame by frame; every message it sends is kept."""

    def __init__(self, cwd: Path) -> None:
        env = dict(os.environ, PYTHONPATH=str(SERVER), DRIZZLE_LSP_LOG="info")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "drizzle_lsp.lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
        )
        self.received: list[Message] = []
        self._incoming: queue.Queue[Message] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        length = 0
        while header := stdout.readline():
            if header.lower().startswith(b"content-length:"):
                length = int(header.split(b":")[1])
            elif not header.strip() and length:
                self._incoming.put(json.loads(stdout.read(length)))
                length = 0

    def send_raw(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send(self, message: Message) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def wait_for(self, wanted: Callable[[Message], bool], timeout: float = 20) -> Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                message = self._incoming.get(timeout=0.1)
            except queue.Empty:
                continue
            self.received.append(message)
            if wanted(message):
                return message
        raise AssertionError(f"no such message within {timeout} s; got {self.received}")

    def answer(self, msg_id: int) -> Message:
        return self.wait_for(lambda m: m.get("id") == msg_id and "method" not in m)

    def initialize(self, msg_id: int = 1, process_id: int | None = None) -> Message:
        self.send(
            {
                "id": msg_id,
                "method": "initialize",
                "params": {"processId": process_id, "capabilities": {}, "rootUri": None},
            }
        )
        answer = self.answer(msg_id)
        self.send({"method": "initialized", "params": {}})
        return answer

    def stop(self) -> str:
        """Shut the server down (if it still runs); its stderr."""
        if self.process.poll() is None:
            self.send({"id": 999, "method": "shutdown"})
            self.answer(999)
            self.send({"method": "exit"})
        self.process.wait(timeout=20)
        assert self.process.stderr is not None
        return self.process.stderr.read().decode()


@pytest.fixture
def raw(tmp_path: Path) -> Iterator[Callable[[], RawServer]]:
    started: list[RawServer] = []

    def start() -> RawServer:
        started.append(RawServer(tmp_path))
        return started[-1]

    yield start
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


def _texts(messages: list[Message]) -> str:
    return json.dumps(messages)


def test_requests_before_initialize_get_server_not_initialized(raw) -> None:
    server = raw()
    server.send(
        {
            "id": 1,
            "method": "textDocument/hover",
            "params": {
                "textDocument": {"uri": "file:///x.sql"},
                "position": {"line": 0, "character": 0},
            },
        }
    )
    assert server.answer(1)["error"]["code"] == -32002
    assert "capabilities" in server.initialize(msg_id=2)["result"]
    assert server.stop() == ""


def test_invalid_params_get_an_answer_and_no_traceback(raw) -> None:
    server = raw()
    server.initialize()
    server.send({"id": 2, "method": "textDocument/hover", "params": {"textDocument": 5}})
    error = server.answer(2)["error"]
    assert error["code"] == -32602
    assert error["message"].startswith("invalid params for textDocument/hover")
    # a notification that does not fit is dropped; a body that is not JSON gets -32700
    server.send({"method": "textDocument/didChange", "params": {"contentChanges": "x"}})
    server.send_raw(b"Content-Length: 5\r\n\r\n{oops")
    assert server.wait_for(lambda m: m.get("error", {}).get("code") == -32700)
    # and the server goes on
    server.send({"id": 3, "method": "workspace/executeCommand", "params": {"command": "nope"}})
    assert "error" in server.answer(3)
    stderr = server.stop()
    assert "Traceback" not in _texts(server.received) + stderr


def test_a_10_mb_header_line_does_not_stop_the_server(raw) -> None:
    server = raw()
    server.send_raw(b"X-Junk: " + b"x" * 10_000_000 + b"\r\n")
    assert "capabilities" in server.initialize()["result"]
    assert server.process.poll() is None
    server.stop()
    assert server.process.returncode == 0


def test_the_server_exits_when_the_editor_dies(raw) -> None:
    editor = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    server = raw()
    server.initialize(process_id=editor.pid)
    time.sleep(1.5)
    assert server.process.poll() is None, "exited while the editor runs"
    editor.kill()
    editor.wait()
    started = time.monotonic()
    assert server.process.wait(timeout=10) == 1
    assert time.monotonic() - started < 5


class _Sink:
    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


async def test_notifications_leave_no_futures_behind(tmp_path: Path) -> None:
    """Memory must plateau over a day of edits: pygls kept a future per didOpen/didChange/
    didClose (~2 KB each). The server object itself, fed the messages as stdio would."""
    from drizzle_lsp.lsp.server import DrizzleLanguageServer
    from drizzle_lsp.lsp.transport import dispatch

    server = DrizzleLanguageServer()
    server.protocol.set_writer(_Sink())

    def send(message: Message) -> None:
        dispatch(server.protocol, json.dumps({"jsonrpc": "2.0", **message}).encode())

    send({"id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": None}})
    send({"method": "initialized", "params": {}})
    uri = (tmp_path / "0000_a.sql").as_uri()
    document = {"uri": uri, "version": 1}
    try:
        for version in range(500):
            send(
                {
                    "method": "textDocument/didOpen",
                    "params": {"textDocument": {**document, "languageId": "sql", "text": ""}},
                }
            )
            change = {"textDocument": {**document, "version": version + 2}}
            change["contentChanges"] = [{"text": f"SELECT {version};"}]
            send({"method": "textDocument/didChange", "params": change})
            send({"method": "textDocument/didClose", "params": {"textDocument": {"uri": uri}}})
        await asyncio.sleep(0.2)  # the coroutine handlers (initialized) finish
        assert len(server.protocol._request_futures) == 0
    finally:
        server.state.close()
