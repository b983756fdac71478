"""``check --fix``: fixes are applied by the core, written atomically, and reported.

The folders trigger real rules that carry fixes: J004 renumbers the ``idx`` values, J005
re-stamps a future ``when`` (unsafe), S002 adds ``IF NOT EXISTS``. What is tested is the
command's part: which fixes it asks for, how it writes them (BOM, CRLF, all or nothing) and what
it says.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from folders import DAY, NOW, entry, write_folder

from drizzle_lsp.cli import check as cli_check
from drizzle_lsp.core import source
from drizzle_lsp.core.source import BOM, SourceError, SourceText, write_source, write_sources


def _project(root: Path, newline: str = "\n", bom: bool = False) -> Path:
    """J004 twice in the journal (``idx`` 5 and 7, one safe fix renumbers both), S002 in
    0000_init.sql (safe fix), and J002 for 0002_gone.sql (no fix)."""
    folder = write_folder(
        root / "drizzle",
        [
            entry(0, "0000_init", NOW - 3 * DAY),
            entry(5, "0001_users", NOW - 2 * DAY),
            entry(7, "0002_gone", NOW - DAY),
        ],
        {
            "0000_init.sql": ("\ufeff" if bom else "")
            + f"-- init{newline}CREATE TABLE a (id int);{newline}",
            "0001_users.sql": f"SELECT 1;{newline}",
        },
        newline=newline,
        bom=bom,
    )
    (root / "drizzle-lsp.toml").write_text('s002-scope = "all"\n')  # 0000_init is not the newest
    return folder


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", [False, True])
def test_fix_writes_files_keeping_bom_and_line_endings(
    run, tmp_path: Path, newline: str, bom: bool
) -> None:
    folder = _project(tmp_path, newline, bom)
    before = _tree(folder)
    result = run("check", "--fix", cwd=tmp_path)

    assert result.code == 1  # J002 remains
    assert result.out == (
        "drizzle/meta/_journal.json:23:14: J002 [missing-sql-file] `0002_gone.sql` does not "
        "exist: the migrator throws before running any migration. Restore the file or remove "
        "this entry.\n"
        "Fixed 3 problems in 2 files.\n"
        "Found 1 problem.\n"
    )
    after = _tree(folder)
    assert set(after) == set(before), "no temp file left behind"
    prefix = BOM.encode() if bom else b""
    expected_journal = (
        before["meta/_journal.json"]
        .replace(b'"idx": 5', b'"idx": 1')
        .replace(b'"idx": 7', b'"idx": 2')
    )
    assert after["meta/_journal.json"] == expected_journal
    assert after["meta/_journal.json"].startswith(prefix + b"{" + newline.encode())
    nl = newline.encode()
    assert (
        after["0000_init.sql"]
        == prefix + b"-- init" + nl + b"CREATE TABLE IF NOT EXISTS a (id int);" + nl
    )
    assert after["0001_users.sql"] == before["0001_users.sql"]


def test_fix_then_check_is_clean_but_for_unfixable(run, tmp_path: Path) -> None:
    _project(tmp_path)
    run("check", "--fix", cwd=tmp_path)
    again = run("check", "--fix", cwd=tmp_path)
    assert again.out.splitlines()[-1] == "Found 1 problem."
    assert "Fixed" not in again.out


def test_fix_everything_fixed(run, tmp_path: Path) -> None:
    _project(tmp_path)
    result = run("check", "--fix", "--ignore", "J002", cwd=tmp_path)
    assert (result.code, result.out) == (0, "Fixed 3 problems in 2 files.\nAll checks passed!\n")


def test_fix_keeps_permissions(run, tmp_path: Path) -> None:
    folder = _project(tmp_path)
    sql = folder / "0000_init.sql"
    sql.chmod(0o640)
    run("check", "--fix", cwd=tmp_path)
    assert stat.S_IMODE(sql.stat().st_mode) == 0o640
    assert b"IF NOT EXISTS" in sql.read_bytes()


def test_without_fix_nothing_is_written(run, tmp_path: Path) -> None:
    folder = _project(tmp_path)
    before = _tree(folder)
    result = run("check", cwd=tmp_path)
    assert [line.split()[1] for line in result.out.splitlines()[:-1]] == [
        "J004",
        "J004",
        "J002",
        "S002",
    ]
    assert result.out.splitlines()[-1] == "Found 4 problems (3 fixable with --fix)."
    assert _tree(folder) == before


def test_fix_only_in_the_named_file(run, tmp_path: Path) -> None:
    folder = _project(tmp_path)
    journal = (folder / "meta" / "_journal.json").read_bytes()
    result = run("check", "--fix", "drizzle/0000_init.sql", cwd=tmp_path)
    assert (result.code, result.out) == (0, "Fixed 1 problem in 1 file.\nAll checks passed!\n")
    assert (folder / "meta" / "_journal.json").read_bytes() == journal
    assert b"IF NOT EXISTS" in (folder / "0000_init.sql").read_bytes()


def _future_project(root: Path) -> Path:
    return write_folder(
        root / "drizzle",
        [entry(0, "0000_init", NOW - DAY), entry(1, "0001_next", NOW + 30 * DAY)],
    )


def test_unsafe_fixes_are_hidden_by_default(run, tmp_path: Path) -> None:
    folder = _future_project(tmp_path)
    before = _tree(folder)
    result = run("check", cwd=tmp_path)
    assert result.out.splitlines()[-1] == (
        "Found 1 problem (1 hidden fix can be enabled with --unsafe-fixes)."
    )
    result = run("check", "--fix", cwd=tmp_path)
    assert result.code == 1
    assert result.out.splitlines()[-1] == (
        "Found 1 problem (1 hidden fix can be enabled with --unsafe-fixes)."
    )
    assert _tree(folder) == before


def test_unsafe_fixes_count_and_apply_with_the_flag(run, tmp_path: Path) -> None:
    folder = _future_project(tmp_path)
    result = run("check", "--unsafe-fixes", cwd=tmp_path)
    assert result.out.splitlines()[-1] == "Found 1 problem (1 fixable with --fix)."
    result = run("check", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert (result.code, result.out) == (
        0,
        "Fixed 1 problem in 1 file.\n"
        "  drizzle/meta/_journal.json: J005 re-stamped 0001_next with 2026-01-01T00:00:00.000Z: "
        "a database that applied it keeps its future date\n"  # the why, out of the title
        "All checks passed!\n",
    )
    assert f'"when": {NOW}'.encode() in (folder / "meta" / "_journal.json").read_bytes()


def test_fix_with_json_keeps_stdout_parseable(run, tmp_path: Path) -> None:
    _project(tmp_path)
    result = run("check", "--fix", "--format", "json", cwd=tmp_path)
    assert result.code == 1
    assert [d["code"] for d in result.json()] == ["J002"]
    assert result.err == "Fixed 3 problems in 2 files.\n"


def test_a_failed_write_changes_nothing(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _project(tmp_path)
    before = _tree(folder)
    real_stage = source._stage
    staged: list[Path] = []

    def stage_then_fail(path: Path, text: SourceText) -> str:
        if staged:  # the second file: the disk is full
            raise OSError(28, "No space left on device")
        staged.append(path)
        return real_stage(path, text)

    monkeypatch.setattr(source, "_stage", stage_then_fail)
    result = run("check", "--fix", cwd=tmp_path)
    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith("drizzle-lsp: error: ")
    assert result.err.endswith(": cannot write: No space left on device; no fix was written\n")
    assert staged
    assert _tree(folder) == before, "originals untouched, no temp file left"


# ---- the writer itself (core.source), with handcrafted texts -------------------------------------


def test_write_source_keeps_bom_and_crlf_bytes(tmp_path: Path) -> None:
    path = tmp_path / "0000_x.sql"
    path.write_bytes(b"old")
    write_source(path, SourceText("SELECT 1;\r\nSELECT '\u00e9';\r\n", bom=True))
    assert path.read_bytes() == b"\xef\xbb\xbfSELECT 1;\r\nSELECT '\xc3\xa9';\r\n"
    assert os.listdir(tmp_path) == ["0000_x.sql"]


def test_write_sources_is_all_or_nothing(tmp_path: Path) -> None:
    first = tmp_path / "a.sql"
    first.write_text("old a")
    missing_folder = tmp_path / "gone" / "b.sql"
    with pytest.raises(SourceError, match=r"gone/b\.sql: cannot write: No such file"):
        write_sources({first: SourceText("new a"), missing_folder: SourceText("new b")})
    assert first.read_text() == "old a"
    assert os.listdir(tmp_path) == ["a.sql"]


def test_fix_does_not_overwrite_an_edit_made_while_it_ran(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone saves a migration between the read and the write: nothing is replaced, and the
    error says which file changed."""
    folder = write_folder(
        tmp_path / "drizzle",
        [entry(0, "0000_a", NOW - 2 * DAY), entry(1, "0001_b", NOW - DAY)],
        {"0000_a.sql": 'CREATE TABLE "a" (x int);\n', "0001_b.sql": 'CREATE TABLE "b" (x int);\n'},
    )
    real_fix_folder = cli_check.fix_folder

    def edited_meanwhile(*args: object, **kwargs: object) -> object:
        outcome = real_fix_folder(*args, **kwargs)  # type: ignore[arg-type]
        (folder / "0001_b.sql").write_text('CREATE TABLE "b" (x int); -- edited meanwhile\n')
        return outcome

    monkeypatch.setattr(cli_check, "fix_folder", edited_meanwhile)
    result = run("check", "--fix", cwd=tmp_path)
    assert result.code == 2
    assert "0001_b.sql: changed since it was read; no fix was written" in result.err
    assert (folder / "0000_a.sql").read_text() == 'CREATE TABLE "a" (x int);\n'
    assert (folder / "0001_b.sql").read_text() == 'CREATE TABLE "b" (x int); -- edited meanwhile\n'
    assert sorted(os.listdir(folder)) == ["0000_a.sql", "0001_b.sql", "meta"]


def _dead_pid() -> int:
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_temp_files_of_a_killed_fix_are_removed_by_the_next(run, tmp_path: Path) -> None:
    folder = _project(tmp_path)
    left = folder / f".0000_init.sql.drizzle-lsp-{_dead_pid()}-k1ll3d.tmp"
    left.write_text("half a file")
    running = folder / f".0000_init.sql.drizzle-lsp-{os.getpid()}-w0rk1ng.tmp"
    running.write_text("another run's, still writing")
    run("check", "--fix", cwd=tmp_path)
    assert not left.exists()
    assert running.exists()  # its process lives: not ours to remove
    assert [p.name for p in folder.glob(".*.tmp")] == [running.name]


def test_fix_writes_through_symlinks(run, tmp_path: Path) -> None:
    """A linked .sql file and a linked meta/ stay links; their targets get the fix."""
    folder = _project(tmp_path / "project")
    shared = tmp_path / "shared"
    shared.mkdir()
    (folder / "0000_init.sql").rename(shared / "0000_init.sql")
    (folder / "0000_init.sql").symlink_to(shared / "0000_init.sql")
    (folder / "meta").rename(shared / "meta")
    (folder / "meta").symlink_to(shared / "meta")
    run("check", "--fix", cwd=tmp_path / "project")
    assert (folder / "0000_init.sql").is_symlink() and (folder / "meta").is_symlink()
    assert "IF NOT EXISTS" in (shared / "0000_init.sql").read_text()
    assert '"idx": 1' in (shared / "meta" / "_journal.json").read_text()
    assert list(shared.glob(".*.tmp")) == list(folder.glob(".*.tmp")) == []
