"""Linting on a second core: a forked child takes items from the back while we take them from
the front; when it fails or hangs, we do its share ourselves, without waiting for it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from folders import entries, write_folder

from drizzle_lsp.core import migration, pgtree
from drizzle_lsp.core.folder import Layout, load_folder
from drizzle_lsp.core.migration import BREAKPOINT, MigrationFile
from drizzle_lsp.core.settings import S002Scope, Settings
from drizzle_lsp.engine import analyze, forked

# S002 on every migration (by default only the newest, outside git): each chunk has its findings
EVERY = Settings(s002_scope=S002Scope.ALL)


@pytest.fixture(autouse=True)
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on the machines this runs on; a single core starts no child (tested below)."""
    monkeypatch.setattr(forked, "_cores", lambda: 2)


PARENT = os.getpid()


def _square(item: int) -> tuple[int, int]:
    return item * item, os.getpid()


def _slow_square(item: int) -> tuple[int, int]:
    time.sleep(0.002)
    return _square(item)


def _fails_in_the_child(item: int) -> tuple[int, int]:
    if os.getpid() != PARENT:
        raise RuntimeError(f"bad item {item}")
    return _square(item)


def _hangs_in_the_child(item: int) -> tuple[int, int]:
    if os.getpid() != PARENT:
        time.sleep(60)
    return _square(item)


def _no_child_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.mark.parametrize("count", [0, 1, 2, 1000])
def test_both_ends_give_the_map(count: int) -> None:
    results, theirs = forked.map_from_both_ends(_square, list(range(count)))
    assert [value for value, _ in results] == [n * n for n in range(count)]
    assert 0 <= theirs <= count
    assert _no_child_left()


def test_the_child_takes_the_items_from_the_back_until_we_meet() -> None:
    results, theirs = forked.map_from_both_ends(_slow_square, list(range(300)))
    assert [value for value, _ in results] == [n * n for n in range(300)]
    ours = [pid == PARENT for _, pid in results]
    assert ours == [i < theirs for i in range(300)]  # ours up to the split, the child's after
    assert 0 < theirs < 300  # each did a share (2 ms an item: 0.6 s for one alone)
    assert _no_child_left()


@pytest.mark.parametrize("function", [_fails_in_the_child, _hangs_in_the_child])
def test_a_child_that_fails_or_hangs_leaves_us_the_work_and_no_wait(
    function: Callable[[int], tuple[int, int]],
) -> None:
    started = time.monotonic()
    results, theirs = forked.map_from_both_ends(function, list(range(50)))
    assert results == [(n * n, PARENT) for n in range(50)] and theirs == 50
    assert time.monotonic() - started < 30  # the hanging child (60 s) was not waited for
    assert _no_child_left()  # killed and reaped


def test_a_child_sending_garbage_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    def garbage(pipe: int, low: int, batch: list[object]) -> None:
        os.write(pipe, forked._LENGTH.pack(5) + b"junk!")

    monkeypatch.setattr(forked, "_send", garbage)
    results, theirs = forked.map_from_both_ends(_slow_square, list(range(100)))
    assert results == [(n * n, PARENT) for n in range(100)] and theirs == 100


def _folder(root: Path, files: int) -> Path:
    tags = [f"{i:04d}_m{i}" for i in range(files)]
    sql = {}
    for i, tag in enumerate(tags):
        statements = [
            f'CREATE TABLE "t{i}" ("id" integer PRIMARY KEY);',
            f'ALTER TABLE "t{i}" ADD COLUMN "c{i}" text;',
            f'ALTER TABLE "t{i}" ADD CONSTRAINT "k{i}" UNIQUE ("c{i}");',
        ]
        sql[f"{tag}.sql"] = f"\n{BREAKPOINT}\n".join(statements) + "\n"
    journal = entries(*((tag, 1_700_000_000_000 + i) for i, tag in enumerate(tags)))
    return write_folder(root / "drizzle", journal, sql)


def _fresh_analysis(folder: Path) -> list[object]:
    analyze.unit_lints.clear()
    analyze.file_lints.clear()
    return list(analyze.analyze(load_folder(folder, Layout.JOURNAL), EVERY))


_lint_whole = analyze._lint_whole


def _lint_whole_failing_in_the_child(whole: analyze._Whole) -> object:
    if os.getpid() != PARENT:
        raise RuntimeError("the child fails")
    return _lint_whole(whole)


@pytest.mark.parametrize("child_fails", [False, True])
def test_a_folder_linted_on_two_cores_gets_the_diagnostics_of_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, child_fails: bool
) -> None:
    folder = _folder(tmp_path, 200)  # 600 statements
    expected = _fresh_analysis(folder)
    assert len(expected) == 600 and all(v.fix is not None for v in expected)  # type: ignore[attr-defined]
    if child_fails:
        monkeypatch.setattr(analyze, "_lint_whole", _lint_whole_failing_in_the_child)
    analyze.unit_lints.clear()
    analyze.file_lints.clear()
    loaded = load_folder(folder, Layout.JOURNAL)
    assert analyze.lint_in_parallel(loaded, EVERY, min_chunks=100) is not child_fails
    linted_after: list[str] = []
    lint_now = analyze._lint_chunk_now

    def counting(text: str, *args: object) -> object:
        linted_after.append(text)
        return lint_now(text, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(analyze, "_lint_chunk_now", counting)
    assert analyze.analyze(loaded, EVERY) == expected
    assert linted_after == []  # every chunk was in the cache: ours or the child's


@pytest.mark.parametrize("layout", [Layout.JOURNAL, Layout.LOOSE])
def test_with_the_default_settings_the_cache_serves_analyze(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: Layout
) -> None:
    """S002's default scope: every loose file (`check` on plain .sql files), and in a journal
    folder outside git the newest migration. The chunks linted on two cores are those analyze()
    asks for: it lints again at most the newest migration's."""
    folder = _folder(tmp_path, 200)
    analyze.unit_lints.clear()
    analyze.file_lints.clear()
    files = sorted(folder.glob("*.sql"))
    loaded = load_folder(folder, layout, sql_files=files if layout is Layout.LOOSE else None)
    assert analyze.lint_in_parallel(loaded, Settings(), min_chunks=100)
    linted_after: list[str] = []
    lint_now = analyze._lint_chunk_now

    def counting(text: str, *args: object) -> object:
        linted_after.append(text)
        return lint_now(text, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(analyze, "_lint_chunk_now", counting)
    found = analyze.analyze(loaded, Settings())
    newest = files[-1].read_text()
    assert all(text in newest for text in linted_after)
    assert len(linted_after) <= (3 if layout is Layout.JOURNAL else 0)
    assert sum(v.code == "S002" for v in found) == (3 if layout is Layout.JOURNAL else 600)


def test_few_new_chunks_are_linted_here(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 20)
    analyze.unit_lints.clear()
    assert not analyze.lint_in_parallel(load_folder(folder, Layout.JOURNAL), EVERY)


def test_on_a_single_core_no_child_is_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forked, "_cores", lambda: 1)
    results, theirs = forked.map_from_both_ends(_slow_square, list(range(20)))
    assert results == [(n * n, PARENT) for n in range(20)] and theirs == 20
    folder = _folder(tmp_path, 200)
    expected = _fresh_analysis(folder)
    analyze.unit_lints.clear()
    loaded = load_folder(folder, Layout.JOURNAL)
    assert not analyze.lint_in_parallel(loaded, EVERY, min_chunks=100)
    assert analyze.analyze(loaded, EVERY) == expected


def _folder_with_drops(root: Path, count: int) -> Path:
    """``count`` migrations, each dropping a view IF EXISTS in one chunk and creating it in the
    next: S002 lints the second chunk again, told what the first dropped."""
    folder = root / "drizzle"
    (folder / "meta").mkdir(parents=True)
    tags = [f"{i:04d}_m{i}" for i in range(count)]
    entries = ",".join(
        f'{{"idx":{i},"version":"7","when":{1_700_000_000_000 + i},"tag":"{t}","breakpoints":true}}'
        for i, t in enumerate(tags)
    )
    (folder / "meta" / "_journal.json").write_text(
        f'{{"version":"7","dialect":"postgresql","entries":[{entries}]}}'
    )
    for i, tag in enumerate(tags):
        statements = [
            f'DROP VIEW IF EXISTS "v{i}";',
            f'CREATE VIEW "v{i}" AS SELECT {i} AS "n";',
            f'ALTER TABLE "t{i}" ADD COLUMN "c{i}" text;',
        ]
        (folder / f"{tag}.sql").write_text(f"\n{BREAKPOINT}\n".join(statements) + "\n")
    return folder


def test_chunks_told_by_the_others_are_linted_on_two_cores_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder_with_drops(tmp_path, 150)
    expected = _fresh_analysis(folder)
    # the CREATE VIEW after its DROP IF EXISTS is idempotent: only the ALTERs are reported
    assert [v.code for v in expected] == ["S002"] * 150  # type: ignore[attr-defined]
    analyze.unit_lints.clear()
    analyze.file_lints.clear()
    loaded = load_folder(folder, Layout.JOURNAL)
    assert analyze.lint_in_parallel(loaded, EVERY, min_chunks=100)
    parsed_after: list[str] = []
    parse = pgtree.parse

    def counting(text: str) -> object:
        parsed_after.append(text)
        return parse(text)

    monkeypatch.setattr(pgtree, "parse", counting)
    monkeypatch.setattr(analyze, "_lint_chunk_now", lambda *a: pytest.fail(f"linted {a[0]!r}"))
    assert analyze.analyze(loaded, EVERY) == expected
    # neither the child's chunks nor what they tell the others are parsed again here
    assert parsed_after == []


def test_files_cut_into_runs_on_two_cores_are_not_cut_again_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain .sql files of 100 statements, each cut into runs by the process that lints it
    (not all here before the child starts): analyze() takes the child's cuts as they are,
    without parsing a file again."""
    for i in range(40):
        statements = [f'ALTER TABLE "t{i}" ADD COLUMN "c{j}" text;' for j in range(100)]
        (tmp_path / f"{i:02d}.sql").write_text("\n".join(statements) + "\n")
    files = sorted(tmp_path.glob("*.sql"))
    expected = list(analyze.analyze(load_folder(tmp_path, Layout.LOOSE, sql_files=files), EVERY))
    analyze.unit_lints.clear()
    analyze.file_lints.clear()
    migration.parse_chunk.cache_clear()
    loaded = load_folder(tmp_path, Layout.LOOSE, sql_files=files)
    cut_here: list[str] = []
    bounds = pgtree.bounds

    def cutting(text: str) -> list[tuple[int, int]]:
        cut_here.append(text)
        return bounds(text)

    monkeypatch.setattr(pgtree, "bounds", cutting)
    assert analyze.lint_in_parallel(loaded, EVERY, min_chunks=100)
    assert 0 < len(cut_here) < len(files)
    monkeypatch.setattr(pgtree, "bounds", bounds)
    parsed_after: list[str] = []
    for name in ("parse", "bounds"):
        real = getattr(pgtree, name)

        def counting(text: str, real: Callable[[str], object] = real) -> object:
            parsed_after.append(text)
            return real(text)

        monkeypatch.setattr(pgtree, name, counting)
    assert analyze.analyze(loaded, EVERY) == expected
    assert parsed_after == []


def test_linted_whole_files_lint_each_chunk_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each CREATE VIEW chunk is told about the DROP before it is linted: not linted alone
    first and again once told."""
    folder = _folder_with_drops(tmp_path, 150)
    expected = _fresh_analysis(folder)
    monkeypatch.setattr(forked, "_cores", lambda: 1)  # all in this process, to be counted
    analyze.unit_lints.clear()
    analyze.file_lints.clear()
    linted: list[str] = []
    lint_parsed = analyze._lint_parsed

    def counting(file: MigrationFile, *args: object) -> object:
        linted.append(file.text)
        return lint_parsed(file, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(analyze, "_lint_parsed", counting)
    loaded = load_folder(folder, Layout.JOURNAL)
    assert not analyze.lint_in_parallel(loaded, EVERY, min_chunks=100)  # no child on one core
    assert analyze.analyze(loaded, EVERY) == expected
    assert len(linted) == len(set(linted)) == 450


def test_a_chunk_told_something_runs_again_only_the_rules_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second chunk is told that the first drops its view: S002 no longer reports the
    CREATE VIEW, S003 still reports the missing breakpoint, and only S002 ran again."""
    chunks = [
        'DROP VIEW IF EXISTS "v";\n',
        'CREATE VIEW "v" AS SELECT 1;\nCREATE TABLE "t" (a int);\n',
    ]
    codes = frozenset({"S002", "S003"})
    found = [analyze.units(chunk)[0] for chunk in chunks]  # type: ignore[index]
    told = analyze._told(analyze._says(found, codes), codes)
    assert list(told) == [1]
    key = analyze._key(chunks[1], True, codes, told[1], False)
    analyze.unit_lints.clear()
    alone = analyze.unit_lints(chunks[1], True, codes)
    expected = analyze._lint_chunk_now(*key)
    ran: list[frozenset[str]] = []
    lint_now = analyze._lint_chunk_now

    def recording(text: str, breakpoints: bool, codes: frozenset[str], *rest: object) -> object:
        ran.append(codes)
        return lint_now(text, breakpoints, codes, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(analyze, "_lint_chunk_now", recording)
    assert analyze.unit_lints.of_key(key) == expected
    assert ran == [frozenset({"S002"})]
    assert [v.code for v in alone] == ["S002", "S002", "S003"]
    assert [v.code for v in expected] == ["S002", "S003"]
