"""Soak the real language server with edits and print its memory as they add up.

    python bench/lsp_soak.py [--edits 50000] [--checkpoints 1000,10000,50000] [--server DIR]

An editor stays open all day: the server's memory must level off, not grow with every
keystroke. This starts ``python -m drizzle_lsp.lsp`` over stdio on a small generated workspace
(a journal and three migrations), opens one migration and sends incremental ``didChange``
edits (typing a character, then deleting it, so the text stays the same size), closing and
reopening the file every 500 edits. At each checkpoint it waits until the server has handled
every message sent (a hover request answered) and prints the server's RSS and peak RSS
(VmRSS, VmHWM from /proc/<pid>/status).

``--server DIR``: the ``server/`` folder of another checkout, to compare with it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
T0 = 1_700_000_000_000
SQL = 'CREATE TABLE IF NOT EXISTS "users" ("id" serial PRIMARY KEY, "name" text);\n'


def workspace(root: Path) -> Path:
    folder = root / "drizzle"
    (folder / "meta").mkdir(parents=True)
    tags = ["0000_init", "0001_users", "0002_orders"]
    entries = [
        {"idx": i, "version": "7", "when": T0 + i * 1000, "tag": tag, "breakpoints": True}
        for i, tag in enumerate(tags)
    ]
    journal = {"version": "7", "dialect": "postgresql", "entries": entries}
    (folder / "meta" / "_journal.json").write_text(json.dumps(journal, indent=2))
    for tag in tags:
        (folder / f"{tag}.sql").write_text(SQL)
    return folder / "0001_users.sql"


class Server:
    """The server process; what it sends is read (and dropped) on a thread."""

    def __init__(self, server_dir: Path, cwd: Path) -> None:
        env = dict(os.environ, PYTHONPATH=str(server_dir))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "drizzle_lsp.lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
            env=env,
        )
        self.answered: set[int] = set()
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        length = 0
        while line := stdout.readline():
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
            elif not line.strip() and length:
                message = json.loads(stdout.read(length))
                length = 0
                if "id" in message and "method" not in message:
                    with self._cond:
                        self.answered.add(message["id"])
                        self._cond.notify_all()

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def request(self, msg_id: int, method: str, params: dict[str, Any]) -> None:
        self.send({"id": msg_id, "method": method, "params": params})
        assert self.process.stdin is not None
        self.process.stdin.flush()
        with self._cond:
            if not self._cond.wait_for(lambda: msg_id in self.answered, timeout=300):
                raise SystemExit(f"no answer to {method} within 300 s")

    def memory_mb(self) -> tuple[float, float]:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def soak(server_dir: Path, edits: int, checkpoints: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = workspace(Path(tmp))
        server = Server(server_dir, Path(tmp))
        uri = path.as_uri()
        server.request(
            1,
            "initialize",
            {"processId": os.getpid(), "rootUri": Path(tmp).as_uri(), "capabilities": {}},
        )
        server.send({"method": "initialized", "params": {}})
        version = 1
        opened = {"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": SQL}}
        server.send({"method": "textDocument/didOpen", "params": opened})
        hover = {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}
        server.request(2, "textDocument/hover", hover)
        print(f"{'edits':>8}  {'RSS MB':>8}  {'peak MB':>8}  {'seconds':>8}")
        rss, peak = server.memory_mb()
        print(f"{0:>8}  {rss:>8.1f}  {peak:>8.1f}  {0:>8.1f}")
        started = time.perf_counter()
        for done in range(1, edits + 1):
            version += 1
            typed = done % 2 == 1  # type "x" at the start of the line, then delete it
            end = 0 if typed else 1
            change = {
                "range": {
                    "start": {"line": 0, "character": 0},
                    "end": {"line": 0, "character": end},
                },
                "text": "x" if typed else "",
            }
            server.send(
                {
                    "method": "textDocument/didChange",
                    "params": {
                        "textDocument": {"uri": uri, "version": version},
                        "contentChanges": [change],
                    },
                }
            )
            if done % 500 == 0:
                closed = {"textDocument": {"uri": uri}}
                server.send({"method": "textDocument/didClose", "params": closed})
                version += 1
                reopened = {"textDocument": {**opened["textDocument"], "version": version}}
                server.send({"method": "textDocument/didOpen", "params": reopened})
            if done in checkpoints:
                server.request(2 + done, "textDocument/hover", hover)
                time.sleep(0.5)  # the last analysis (debounced) finishes
                rss, peak = server.memory_mb()
                elapsed = time.perf_counter() - started
                print(f"{done:>8}  {rss:>8.1f}  {peak:>8.1f}  {elapsed:>8.1f}", flush=True)
        server.request(10**9, "shutdown", {})
        server.send({"method": "exit"})
        assert server.process.stdin is not None
        server.process.stdin.close()
        server.process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=50_000)
    parser.add_argument("--checkpoints", default="1000,10000,50000")
    parser.add_argument("--server", type=Path, default=ROOT / "server")
    args = parser.parse_args()
    checkpoints = [int(n) for n in args.checkpoints.split(",")]
    soak(args.server.resolve(), args.edits, checkpoints)


if __name__ == "__main__":
    main()
