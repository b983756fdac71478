"""The workspace model in process: a result that went stale during its analysis is dropped."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from lsp_harness import journal_text, make_folder
from lsprotocol import types

from drizzle_lsp.lsp import state as state_module
from drizzle_lsp.lsp.state import ServerState

T0 = 1_718_000_000_000


class Recorder:
    def __init__(self) -> None:
        self.published: list[tuple[str, int | None, list[str]]] = []

    def publish(self, uri: str, version: int | None, diagnostics: list[str]) -> None:
        self.published.append((uri, version, diagnostics))

    def report_progress(self, message: str, percentage: int) -> None:
        pass

    def show_warning(self, message: str) -> None:
        pass


async def test_stale_result_is_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_folder(tmp_path, {"0000_init.sql": "SELECT 1;\n"}, [("0000_init", T0)])
    recorder = Recorder()
    state = ServerState(recorder, debounce=0.01)
    state.workspace_folders = [tmp_path]
    await state.scan()
    journal = folder / "meta" / "_journal.json"
    uri = journal.as_uri()
    state.open(uri, journal.read_text(), 1)
    folder_state = state.folder_of(journal)
    assert folder_state is not None and folder_state.task is not None
    await folder_state.task

    # the next analysis blocks until the test lets it go; meanwhile the buffer changes again
    started, release = threading.Event(), threading.Event()
    analyses: list[str | None] = []
    real = state_module._analyze

    def slow(snapshot: Any, *args: Any) -> Any:
        analyses.append(snapshot.buffers[journal][0])
        started.set()
        release.wait(5)
        return real(snapshot, *args)

    monkeypatch.setattr(state_module, "_analyze", slow)
    missing = journal_text([("0000_init", T0), ("0001_gone", T0 + 1)])
    state.change(uri, 2, [types.TextDocumentContentChangeWholeDocument(text=missing)])
    await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
    original = journal.read_text()
    state.change(uri, 3, [types.TextDocumentContentChangeWholeDocument(text=original)])
    release.set()
    await folder_state.task
    versions = [v for u, v, _ in recorder.published if u == uri]
    assert 2 not in versions, "the result for version 2 went stale during its analysis"
    assert versions[-1] == 3
    assert len(analyses) == 2
    state.close()
