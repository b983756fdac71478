"""The workspace model in process: a result that went stale during its analysis is dropped."""

from __future__ import annotations

import asyncio
import gc
import threading
from pathlib import Path
from typing import Any

import pytest
from lsp_harness import journal_text, make_folder
from lsprotocol import types

from drizzle_lsp.core import journal as journal_module
from drizzle_lsp.core import journal_edit
from drizzle_lsp.core.diagnostics import Violation
from drizzle_lsp.core.folder import Layout, load_folder
from drizzle_lsp.core.settings import S002Scope, Settings
from drizzle_lsp.core.source import SourceText, read_source
from drizzle_lsp.engine.analyze import analyze
from drizzle_lsp.lsp import convert, worker
from drizzle_lsp.lsp import state as state_module
from drizzle_lsp.lsp.state import FolderState, ServerState

T0 = 1_718_000_000_000
NOW = 1_800_000_000_000


class Recorder:
    def __init__(self) -> None:
        self.published: list[tuple[str, int | None, convert.DiagnosticsText]] = []

    def publish(self, uri: str, version: int | None, diagnostics: convert.DiagnosticsText) -> None:
        self.published.append((uri, version, diagnostics))

    def report_progress(self, message: str, percentage: int) -> None:
        pass

    def show_warning(self, message: str) -> None:
        pass


async def opened(state: ServerState, path: Path, text: str) -> FolderState:
    """Open ``path`` with ``text`` (version 1) and wait for its folder's first analysis."""
    state.open(path.as_uri(), text, 1)
    folder_state = state.folder_of(path)
    assert folder_state is not None and folder_state.task is not None
    await folder_state.task
    return folder_state


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
    real = worker.analyze

    def slow(snapshot: Any, *args: Any) -> Any:
        analyses.append(snapshot.buffers[journal][0])
        started.set()
        release.wait(5)
        return real(snapshot, *args)

    monkeypatch.setattr(worker, "analyze", slow)
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


def _forget_parses_and_rewrites() -> None:
    journal_module._parse_cached.cache_clear()
    journal_module._recent_plain.clear()
    journal_edit._rewritten.clear()


def _from_scratch(folder: Path, journal: str, now: int) -> list[Violation]:
    """The analysis of ``folder`` with ``journal`` as its journal, parse and rewrite caches
    emptied first."""
    _forget_parses_and_rewrites()
    path = folder / "meta" / "_journal.json"

    def reader(p: Path) -> SourceText:
        return SourceText(journal) if p == path else read_source(p)

    settings = Settings(s002_scope=S002Scope.ALL)  # as the config file beside it says
    return analyze(load_folder(folder, Layout.JOURNAL, reader), settings, lambda: now)


async def test_a_journal_edited_back_and_forth_is_diagnosed_right_each_time(
    tmp_path: Path,
) -> None:
    # parses, journal rewrites and SQL results are cached and reused from one edit to the next:
    # each edit must still get the diagnostics (and J001 fixes) of its own text and time
    tags = [f"{i:04d}_m{i}" for i in range(40)]
    files = {f"{tag}.sql": f'CREATE TABLE "t{i}" ("id" int);\n' for i, tag in enumerate(tags)}
    folder = make_folder(tmp_path, files, [(tag, T0 + i * 60_000) for i, tag in enumerate(tags)])
    (tmp_path / "drizzle-lsp.toml").write_text('s002-scope = "all"\n')
    original = (folder / "meta" / "_journal.json").read_text()
    when = str(T0 + 20 * 60_000)
    # late, back in order, late again (a shorter number), the same late text at a later time...
    whens = [str(T0 - 1), str(T0 + 20 * 60_000 + 1), "5", when, str(T0 - 1), when]
    texts = [original.replace(f'"when": {when}', f'"when": {w}', 1) for w in whens]
    times = [NOW + 1_000 * k for k in range(len(texts))]
    expected = [_from_scratch(folder, text, now) for text, now in zip(texts, times, strict=True)]
    assert [v.tag for v in expected[0] if v.code == "J001"] == ["0020_m20"]
    assert [v.code for v in expected[1]] == ["S002"] * 40

    _forget_parses_and_rewrites()
    state = ServerState(Recorder(), debounce=0.0)
    clock = iter(times)
    state.workspace_folders = [tmp_path]
    await state.scan()
    journal = folder / "meta" / "_journal.json"
    folder_state = await opened(state, journal, original)
    state.clock = lambda: next(clock)
    for version, (text, violations) in enumerate(zip(texts, expected, strict=True), start=2):
        change = types.TextDocumentContentChangeWholeDocument(text=text)
        state.change(journal.as_uri(), version, [change])
        await folder_state.task
        result = folder_state.result
        assert result is not None and result.version_of(journal) == version
        assert result.violations == violations
    state.close()


async def test_a_file_changed_on_disk_during_an_analysis_is_seen_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between keystrokes only the edited buffer is read again: the folder of the last result
    is reused. Not after a file changed on disk since that result was loaded, even when the
    change arrived while another analysis was under way."""
    files = {"0000_a.sql": "SELECT 1;\n", "0001_b.sql": "SELECT 2;\n"}
    folder = make_folder(tmp_path, files, [("0000_a", T0), ("0001_b", T0 + 1)])
    a, b = folder / "0000_a.sql", folder / "0001_b.sql"
    state = ServerState(Recorder(), debounce=0.0)
    state.workspace_folders = [tmp_path]
    await state.scan()
    folder_state = await opened(state, a, "SELECT 1;\n")

    started, release = threading.Event(), threading.Event()
    real = worker.analyze

    def held(snapshot: Any, *args: Any) -> Any:
        started.set()
        release.wait(5)
        return real(snapshot, *args)

    monkeypatch.setattr(worker, "analyze", held)
    typed = types.TextDocumentContentChangeWholeDocument(text="SELECT 11;\n")
    state.change(a.as_uri(), 2, [typed])
    await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
    b.write_text('CREATE TABLE "t" ("id" int);\n', encoding="utf-8")
    state.files_changed([(b, state_module.Change.CHANGED)])
    release.set()
    await folder_state.task
    result = folder_state.result
    assert result is not None and result.version_of(a) == 2
    assert [v.code for v in result.by_path[b]] == ["S002"]
    state.close()


async def test_a_closed_buffer_is_read_from_disk_again(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, {"0000_a.sql": "SELECT 1;\n"}, [("0000_a", T0)])
    a = folder / "0000_a.sql"
    state = ServerState(Recorder(), debounce=0.0)
    state.workspace_folders = [tmp_path]
    await state.scan()
    folder_state = await opened(state, a, "ALTER TABLE t ADD COLUMN c int;\n")  # unsaved: S002
    assert folder_state.result is not None and folder_state.result.by_path[a]
    state.close_document(a.as_uri())
    await folder_state.task
    assert folder_state.result.text_of(a) == "SELECT 1;\n"
    assert folder_state.result.by_path[a] == []
    state.close()


async def test_cyclic_gc_is_off_while_publishing_and_back_on_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No cyclic collection between a change and its diagnostics being written (one would
    delay them); it is back on afterwards, or memory in cycles would never be freed."""
    folder = make_folder(tmp_path, {"0000_a.sql": "SELECT 1;\n"}, [("0000_a", T0)])
    a = folder / "0000_a.sql"
    recorder = Recorder()
    during: list[bool] = []
    publish = recorder.publish

    def noting(*args: Any) -> None:
        during.append(gc.isenabled())
        publish(*args)

    monkeypatch.setattr(recorder, "publish", noting)
    state = ServerState(recorder, debounce=0.0)
    state.workspace_folders = [tmp_path]
    assert gc.isenabled()
    await opened(state, a, "ALTER TABLE t ADD COLUMN c int;\n")
    assert during == [False] and gc.isenabled()
    state.close()


async def test_a_deleted_file_is_cleared_and_forgotten_by_the_writer(tmp_path: Path) -> None:
    """The writer keeps each file's last publish for the next; a deleted file has no next."""
    files = {
        "0000_init.sql": "CREATE TABLE a (id int);\n",
        "0001_b.sql": "CREATE TABLE b (x int);\n",
    }
    folder = make_folder(tmp_path, files, [("0000_init", T0), ("0001_b", T0 + 1)])
    recorder = Recorder()
    state = ServerState(recorder, debounce=0.01)
    state.workspace_folders = [tmp_path]
    await state.scan()
    gone = folder / "0001_b.sql"
    written = [key for key in convert._WRITTEN if key[0] == gone]
    assert written  # its S002 diagnostic was published
    gone.unlink()
    state.files_changed([(gone, state_module.Change.DELETED)])
    folder_state = state.folder_of(folder / "0000_init.sql")
    assert folder_state is not None and folder_state.task is not None
    await folder_state.task
    assert (gone.as_uri(), None) in [(u, v) for u, v, d in recorder.published if not d.bodies]
    assert not [key for key in convert._WRITTEN if key[0] == gone]
    state.close()
