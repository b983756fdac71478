"""Linting on a second core: a forked child's results, or ours when it fails."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from drizzle_lsp.core import analyze, forked
from drizzle_lsp.core.folder import Layout, load_folder
from drizzle_lsp.core.migration import BREAKPOINT
from drizzle_lsp.core.settings import Settings


@pytest.fixture(autouse=True)
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on the machines this runs on; a single core starts no child (tested below)."""
    monkeypatch.setattr(forked, "_cores", lambda: 2)


def _boom(item: int) -> int:
    raise RuntimeError(f"bad item {item}")


def _slow(item: int) -> int:
    time.sleep(30)
    return item


def test_the_child_maps_the_function_over_the_items() -> None:
    child = forked.Child.start(lambda n: n * n, list(range(1000)))
    assert child is not None
    assert child.results(timeout=30) == [n * n for n in range(1000)]


def test_a_child_that_fails_or_hangs_gives_no_results() -> None:
    failing = forked.Child.start(_boom, [1, 2])
    assert failing is not None and failing.results(timeout=30) is None
    hanging = forked.Child.start(_slow, [1])
    assert hanging is not None
    started = time.monotonic()
    assert hanging.results(timeout=0.5) is None
    assert time.monotonic() - started < 5  # killed, not waited for


def _folder(root: Path, files: int) -> Path:
    folder = root / "drizzle"
    (folder / "meta").mkdir(parents=True)
    tags = [f"{i:04d}_m{i}" for i in range(files)]
    entries = ",".join(
        f'{{"idx":{i},"version":"7","when":{1_700_000_000_000 + i},"tag":"{t}","breakpoints":true}}'
        for i, t in enumerate(tags)
    )
    (folder / "meta" / "_journal.json").write_text(
        f'{{"version":"7","dialect":"postgresql","entries":[{entries}]}}'
    )
    for i, tag in enumerate(tags):
        statements = [
            f'CREATE TABLE "t{i}" ("id" integer PRIMARY KEY);',
            f'ALTER TABLE "t{i}" ADD COLUMN "c{i}" text;',
            f'ALTER TABLE "t{i}" ADD CONSTRAINT "k{i}" UNIQUE ("c{i}");',
        ]
        (folder / f"{tag}.sql").write_text(f"\n{BREAKPOINT}\n".join(statements) + "\n")
    return folder


def _fresh_analysis(folder: Path) -> list[object]:
    analyze._lint_chunk.cache_clear()
    analyze._lint_text.cache_clear()
    return list(analyze.analyze(load_folder(folder, Layout.JOURNAL), Settings()))


@pytest.mark.parametrize("child_fails", [False, True])
def test_a_folder_linted_on_two_cores_gets_the_diagnostics_of_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, child_fails: bool
) -> None:
    folder = _folder(tmp_path, 200)  # 600 statements
    expected = _fresh_analysis(folder)
    assert len(expected) == 600 and all(v.fix is not None for v in expected)  # type: ignore[attr-defined]
    if child_fails:
        monkeypatch.setattr(forked.Child, "results", lambda self, timeout: None)
    analyze._lint_chunk.cache_clear()
    analyze._lint_text.cache_clear()
    loaded = load_folder(folder, Layout.JOURNAL)
    assert analyze.lint_in_parallel(loaded, Settings(), min_chunks=100) is not child_fails
    linted_after: list[str] = []
    lint_now = analyze._lint_chunk_now

    def counting(text: str, *args: object) -> object:
        linted_after.append(text)
        return lint_now(text, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(analyze, "_lint_chunk_now", counting)
    assert analyze.analyze(loaded, Settings()) == expected
    assert linted_after == []  # every chunk was in the cache: ours or the child's


def test_few_new_chunks_are_linted_here(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 20)
    analyze._lint_chunk.cache_clear()
    assert not analyze.lint_in_parallel(load_folder(folder, Layout.JOURNAL), Settings())


def test_on_a_single_core_no_child_is_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forked, "_cores", lambda: 1)
    assert forked.Child.start(lambda n: n, [1]) is None
    folder = _folder(tmp_path, 200)
    expected = _fresh_analysis(folder)
    analyze._lint_chunk.cache_clear()
    loaded = load_folder(folder, Layout.JOURNAL)
    assert not analyze.lint_in_parallel(loaded, Settings(), min_chunks=100)
    assert analyze.analyze(loaded, Settings()) == expected


def test_a_child_slower_than_twice_our_half_is_not_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other core busy: we stop waiting (after at least 5 s) and lint its half ourselves."""
    monkeypatch.setattr(analyze, "_lint_key", _slow)
    folder = _folder(tmp_path, 200)
    expected = _fresh_analysis(folder)
    analyze._lint_chunk.cache_clear()
    loaded = load_folder(folder, Layout.JOURNAL)
    started = time.monotonic()
    assert not analyze.lint_in_parallel(loaded, Settings(), min_chunks=100)
    assert time.monotonic() - started < 20
    assert analyze.analyze(loaded, Settings()) == expected
