"""Drive the real language server over stdio and measure what an editor user waits for.

    python bench/lsp_bench.py [--edits 60] [--journal-edits 80] [--files 1000] [--statements 2000]
                              [--scans 5]

Prints:
* this machine's speed at the time: how long Python's ``json.loads`` takes for a publish of
  2,000 diagnostics (0.76 MB; median of 30), alone and in two processes at once. A shared
  VM's speed drifts by half and more over a day, its second core most: figures of runs whose
  references differ much do not compare;
* edit -> diagnostics latency (p50/p95) on one open 2,000-statement migration, every statement
  flagged by S002 (newer drizzle-kit output), so each publish carries 2,000 diagnostics with
  their fixes in ``data``; the same with IF NOT EXISTS everywhere (nothing to report); and the
  bare one as a ``breakpoints: false`` migration, all 2,000 statements in one chunk;
* initial whole-workspace diagnostics time for a generated folder of 1,000 journal entries and
  1,000 files (``initialized`` -> end of the work-done progress, every file published), for
  ``--scans`` servers started one after the other on it: median and slowest;
* re-diagnose time after a journal edit in that workspace (didChange -> the journal's
  diagnostics for that version; the whole folder is re-analysed before anything is published);
  every edit makes a journal text not seen before, so no parse cache answers it;
* the server's peak RSS (VmHWM from /proc/<pid>/status).

The client is pygls' LanguageClient, except that publishDiagnostics is not turned into typed
objects (cattrs needs ~50 ms for 2,000 diagnostics on the client side, which an editor does not
pay). Two times are taken per publish: when its last byte has been read (what the server
controls: analysis, encoding, writing) and when it has been parsed by pygls' ``json.loads``
(plus the client's own decoding, which depends on the client: Python's json needs ~10-20 ms
for the ~1.0 MB of 2,000 diagnostics on this kind of machine).
Edits are spaced wider than the server's debounce, as typing pauses are: each is analysed at once
(the leading edge of the debounce), so the figure is the server's real latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _compiled import compile_package
from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.protocol import LanguageServerProtocol, default_converter
from pygls.protocol.json_rpc import JsonRPCNotification

ROOT = Path(__file__).resolve().parents[1]
T0 = 1_700_000_000_000


class RawDiagnosticsProtocol(LanguageServerProtocol):
    """Leaves publishDiagnostics params as parsed JSON (no cattrs structuring)."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        if data.get("method") in (types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, types.PROGRESS):
            return JsonRPCNotification(method=data["method"], params=data["params"], jsonrpc="2.0")
        return super().structure_message(data)


class Client:
    def __init__(self) -> None:
        self.lsp = LanguageClient(
            "lsp-bench",
            "1",
            protocol_cls=RawDiagnosticsProtocol,
            converter_factory=default_converter,
        )
        # (received, decoded, uri, version, diagnostics count) per publish
        self.published: list[tuple[float, float, str, int | None, int]] = []
        self.waiters: list[tuple[Any, asyncio.Future[tuple[float, float]]]] = []
        self.received = 0.0  # when the last message's body had been read
        self.progress_end = asyncio.get_event_loop().create_future()
        self.logs: list[str] = []

        @self.lsp.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: dict[str, Any]) -> None:
            now = time.perf_counter()
            uri, version, count = params["uri"], params.get("version"), len(params["diagnostics"])
            self.published.append((self.received, now, uri, version, count))
            for condition, future in list(self.waiters):
                if not future.done() and condition(uri, version, count):
                    future.set_result((self.received, now))

        @self.lsp.feature(types.PROGRESS)
        def progress(params: dict[str, Any]) -> None:
            if params["value"].get("kind") == "end" and not self.progress_end.done():
                self.progress_end.set_result(time.perf_counter())

        @self.lsp.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def create(params: types.WorkDoneProgressCreateParams) -> None:
            return None

        @self.lsp.feature(types.WINDOW_LOG_MESSAGE)
        def log(params: types.LogMessageParams) -> None:
            self.logs.append(params.message)

        @self.lsp.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params: types.RegistrationParams) -> None:
            return None

        @self.lsp.feature(types.WORKSPACE_CONFIGURATION)
        def configuration(params: types.ConfigurationParams) -> list[None]:
            return [None for _ in params.items]

    def when_published(self, condition: Any) -> asyncio.Future[tuple[float, float]]:
        """(received, decoded) times of the first publish with ``condition(uri, version,
        count)``."""
        future: asyncio.Future[tuple[float, float]] = asyncio.get_event_loop().create_future()
        self.waiters.append((condition, future))
        return future

    def _time_bodies(self) -> None:
        """Note when each message body has been read (pygls' reader calls ``readexactly``)."""
        assert self.lsp._server is not None and self.lsp._server.stdout is not None
        stream = self.lsp._server.stdout
        read = stream.readexactly

        async def readexactly(n: int) -> bytes:
            body = await read(n)
            self.received = time.perf_counter()
            return body

        stream.readexactly = readexactly  # type: ignore[method-assign]

    @property
    def pid(self) -> int:
        assert self.lsp._server is not None
        return self.lsp._server.pid

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    async def start(self, root: Path) -> float:
        env = dict(os.environ, PYTHONPATH=str(ROOT / "server"), DRIZZLE_LSP_LOG="debug")
        await self.lsp.start_io(sys.executable, "-m", "drizzle_lsp.lsp", env=env)
        self._time_bodies()
        capabilities = types.ClientCapabilities(
            workspace=types.WorkspaceClientCapabilities(
                configuration=True,
                did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                    dynamic_registration=True
                ),
            ),
            window=types.WindowClientCapabilities(work_done_progress=True),
        )
        await self.lsp.initialize_async(
            types.InitializeParams(
                capabilities=capabilities,
                workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="bench")],
            )
        )
        began = time.perf_counter()
        self.lsp.initialized(types.InitializedParams())
        return began

    def open(self, path: Path) -> str:
        uri = path.as_uri()
        self.lsp.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="sql", version=1, text=path.read_text()
                )
            )
        )
        return uri

    def change(self, uri: str, version: int, line: int, start: int, end: int, text: str) -> None:
        self.lsp.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(
                            start=types.Position(line=line, character=start),
                            end=types.Position(line=line, character=end),
                        ),
                        text=text,
                    )
                ],
            )
        )

    async def stop(self) -> None:
        await self.lsp.shutdown_async(None)
        self.lsp.exit(None)
        await self.lsp.stop()


# ---- generated workspaces ------------------------------------------------------------------------


def journal(tags: list[str], breakpoints: bool = True) -> str:
    entries = [
        {"idx": i, "version": "7", "when": T0 + i * 60_000, "tag": tag, "breakpoints": breakpoints}
        for i, tag in enumerate(tags)
    ]
    return json.dumps({"version": "7", "dialect": "postgresql", "entries": entries}, indent=2)


def migration(i: int) -> str:
    return (
        f'CREATE TABLE "t{i}" (\n'
        '\t"id" serial PRIMARY KEY NOT NULL,\n'
        '\t"name" text NOT NULL,\n'
        '\t"created_at" timestamp DEFAULT now() NOT NULL\n'
        ");\n--> statement-breakpoint\n"
        f'ALTER TABLE "t{i}" ADD CONSTRAINT "t{i}_fk" FOREIGN KEY ("id") '
        'REFERENCES "public"."t0"("id") ON DELETE no action ON UPDATE no action;'
        "\n--> statement-breakpoint\n"
        f'CREATE INDEX "t{i}_name_idx" ON "t{i}" USING btree ("name");\n'
    )


def big_migration(statements: int, guarded: bool = False, breakpoints: bool = True) -> str:
    """Generated DDL: bare (S002 on every statement) or guarded with IF NOT EXISTS (clean),
    statements split by breakpoints or all in one chunk."""
    guard = " IF NOT EXISTS" if guarded else ""
    parts = []
    for i in range(statements):
        if i % 2 == 0:
            parts.append(
                f'CREATE TABLE{guard} "t{i}" (\n\t"id" serial PRIMARY KEY NOT NULL,\n'
                f"\t\"label\" text DEFAULT 'café ☕'\n);"
            )
        else:
            parts.append(f'ALTER TABLE "t{i - 1}" ADD COLUMN{guard} "c{i}" integer;')
    return ("\n--> statement-breakpoint\n" if breakpoints else "\n").join(parts) + "\n"


def make_workspace(root: Path, files: int) -> Path:
    folder = root / "drizzle"
    (folder / "meta").mkdir(parents=True)
    tags = [f"{i:04d}_m{i}" for i in range(files)]
    (folder / "meta" / "_journal.json").write_text(journal(tags))
    for i, tag in enumerate(tags):
        (folder / f"{tag}.sql").write_text(migration(i))
    return folder


_REFERENCE_DIAGNOSTIC = {
    "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 40}},
    "severity": 2,
    "code": "S002",
    "codeDescription": {"href": "https://example.com/rules/S002"},
    "source": "drizzle-lsp",
    "message": "`CREATE TABLE` fails when this migration runs again: add IF NOT EXISTS.",
    "data": {"fixes": [{"title": "Use IF NOT EXISTS", "edits": [[1, 12, 1, 12, " x"]]}]},
}
REFERENCE = json.dumps({"uri": "file:///x.sql", "diagnostics": [_REFERENCE_DIAGNOSTIC] * 2000})


def json_reference(start_at: float = 0.0) -> float:
    """ms for ``json.loads`` of a publish like the 2,000-statement file's (median of 30),
    from ``start_at`` (a ``time.monotonic()``) on."""
    while time.monotonic() < start_at:
        time.sleep(0.001)
    times = []
    for _ in range(30):
        started = time.perf_counter()
        json.loads(REFERENCE)
        times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 50)


def machine_speed() -> str:
    """The reference alone, then in two processes at once: the server lints a workspace on
    two cores, and a shared VM's second core comes and goes."""
    alone = json_reference()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        both = pool.map(json_reference, [time.monotonic() + 0.2] * 2)
    return (
        f"machine speed: json.loads of 2,000 diagnostics ({len(REFERENCE) / 1e6:.2f} MB)"
        f" {alone:.1f} ms; two at once on two cores {max(both):.1f} ms"
    )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(name: str, values_ms: list[float]) -> str:
    return (
        f"{name}: p50 {percentile(values_ms, 50):.1f} ms, p95 {percentile(values_ms, 95):.1f} ms,"
        f" max {max(values_ms):.1f} ms (n={len(values_ms)})"
    )


def server_times(logs: list[str], what: str = "analysed in") -> list[float]:
    """Times the server logs at debug level (``analysed in`` / ``published``) in ms."""
    return [float(m.split(what, 1)[1].split()[0]) for m in logs if what in m]


# ---- the measurements ----------------------------------------------------------------------------


async def edit_latency(
    tmp: Path, statements: int, edits: int, guarded: bool, breakpoints: bool = True
) -> tuple[list[tuple[float, float]], int, Client]:
    """(received, decoded) ms per edit, diagnostics per publish, the client (for its logs)."""
    root = tmp / f"{'guarded' if guarded else 'bare'}-{'split' if breakpoints else 'one-chunk'}"
    folder = root / "drizzle"
    (folder / "meta").mkdir(parents=True)
    (folder / "meta" / "_journal.json").write_text(journal(["0000_big"], breakpoints))
    (folder / "0000_big.sql").write_text(big_migration(statements, guarded, breakpoints))
    client = Client()
    await client.start(root)
    await asyncio.wait_for(client.progress_end, 60)
    uri = client.open(folder / "0000_big.sql")
    await asyncio.wait_for(client.when_published(lambda u, v, _: u == uri and v == 1), 60)
    await asyncio.sleep(0.15)  # the first edit too comes after a pause longer than the debounce
    text = (folder / "0000_big.sql").read_text().splitlines()
    # type into the column names of ADD COLUMN statements spread over the file, two letters
    # each: every edit makes a text not seen before (no cache may answer for the edited chunk)
    lines = [n for n, line in enumerate(text) if "ADD COLUMN" in line]
    latencies = []
    for k in range(edits):
        line = lines[(k // 2 * 37) % len(lines)]
        column = text[line].index('"c') + 2
        version = k + 2
        done = client.when_published(lambda u, v, _, want=version: u == uri and v == want)
        sent = time.perf_counter()
        client.change(uri, version, line, column, column, "xyzw"[k % 4])
        received, decoded = await asyncio.wait_for(done, 30)
        latencies.append(((received - sent) * 1000, (decoded - sent) * 1000))
        await asyncio.sleep(0.15)  # a pause longer than the debounce
    count = next(e[4] for e in reversed(client.published) if e[2] == uri)
    await asyncio.sleep(0.3)  # the last debug log lines follow their publish
    return latencies, count, client


async def workspace(tmp: Path, files: int, edits: int, scans: int) -> dict[str, Any]:
    root = tmp / "ws"
    folder = make_workspace(root, files)
    initial = []
    for scan in range(scans):  # a new server each time; the last one goes on to the edits
        client = Client()
        began = await client.start(root)
        ended = await asyncio.wait_for(client.progress_end, 120)
        initial.append((ended - began) * 1000)
        published = sum(1 for e in client.published if e[4])
        if scan < scans - 1:
            await client.stop()
    uri = client.open(folder / "meta" / "_journal.json")
    await asyncio.wait_for(client.when_published(lambda u, v, _: u == uri and v == 1), 30)
    await asyncio.sleep(0.15)  # as between the edits: the open was a change too
    text = (folder / "meta" / "_journal.json").read_text().splitlines()
    # make entry 500's `when` older than its predecessor (J001 appears) and back again
    target = [n for n, line in enumerate(text) if '"when"' in line][files // 2]
    start = text[target].index(":") + 2
    end = len(text[target].rstrip(","))
    original = current = text[target][start:end]
    times = []
    for k in range(edits):
        version = k + 2
        # a `when` not seen before each time (no cache may answer): before its predecessor's,
        # then back in order (a few ms after its original date, still before its successor's)
        new = str(T0 + k) if k % 2 == 0 else str(int(original) + k)
        done = client.when_published(lambda u, v, _, want=version: u == uri and v == want)
        sent = time.perf_counter()
        client.change(uri, version, target, start, start + len(current), new)
        current = new
        _, decoded = await asyncio.wait_for(done, 30)
        times.append((decoded - sent) * 1000)
        await asyncio.sleep(0.15)
    await asyncio.sleep(0.3)
    result = {
        "initial": initial,
        "files": published,
        "journal": times,
        "server": server_times(client.logs),
        "published": server_times(client.logs, "published"),
        "rss": client.peak_rss_mb(),
    }
    await client.stop()
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=60)
    # half make J001 appear, half make it go: 40 of each, so that p95 is not just the slowest
    parser.add_argument("--journal-edits", type=int, default=80)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--statements", type=int, default=2000)
    parser.add_argument("--scans", type=int, default=5, help="servers timed on the workspace")
    args = parser.parse_args()
    compile_package()
    print(machine_speed())
    tmp = Path(tempfile.mkdtemp(prefix="drizzle-lsp-bench-"))
    try:
        for guarded, breakpoints in ((False, True), (True, True), (False, False)):
            latencies, count, big = await edit_latency(
                tmp, args.statements, args.edits, guarded, breakpoints
            )
            rss = big.peak_rss_mb()
            n = len(latencies)
            kind = "IF NOT EXISTS everywhere" if guarded else "bare DDL"
            if not breakpoints:
                kind += ", breakpoints: false (one chunk)"
            print(f"{args.statements}-statement file ({kind}), {count} diagnostics per publish:")
            received = [r for r, _ in latencies]
            decoded = [d for _, d in latencies]
            print("  " + summary("edit -> diagnostics received (last byte read)", received))
            print("  " + summary("edit -> diagnostics decoded (Python json)", decoded))
            published = server_times(big.logs, "published")[-n:]
            print("  " + summary("  change received -> published (server log)", published))
            print("  " + summary("  of which analysis (server log)", server_times(big.logs)[-n:]))
            print(f"  server peak RSS: {rss:.0f} MB")
            await big.stop()
        ws = await workspace(tmp, args.files, args.journal_edits, max(1, args.scans))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"workspace of {args.files} journal entries and {args.files} files:")
    scans = ws["initial"]
    print(
        f"  initial workspace diagnostics: median {percentile(scans, 50):.0f} ms, slowest"
        f" {max(scans):.0f} ms (n={len(scans)}: {', '.join(f'{t:.0f}' for t in scans)};"
        f" {ws['files']} files published)"
    )
    n = len(ws["journal"])
    for parity, what in ((0, "making an entry late (J001 appears)"), (1, "undoing it")):
        print(f"  journal edit {what}:")
        print("    " + summary("edit -> re-diagnosed", ws["journal"][parity::2]))
        analysis = ws["server"][-n:][parity::2]
        print("    " + summary("  of which analysis (server log)", analysis))
    print(f"  server peak RSS: {ws['rss']:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
