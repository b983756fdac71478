"""What ``check`` does with each kind of input, bad ones included: never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from folders import DAY, NOW, entry, journal_text, write_folder

from drizzle_lsp.cli import check as cli_check


def test_missing_path_is_an_error(run, tmp_path: Path) -> None:
    result = run("check", "nope", cwd=tmp_path)
    assert (result.code, result.out) == (2, "")
    assert result.err == "drizzle-lsp: error: nope: no such file or directory\n"


def test_missing_path_among_good_ones(run, tmp_path: Path) -> None:
    write_folder(tmp_path / "drizzle", [entry(0, "0000_a", NOW - DAY)])
    result = run("check", "drizzle", "nope", cwd=tmp_path)
    assert (result.code, result.out) == (2, "")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_migrations_folder_warns_and_passes(run, tmp_path: Path, fmt: str) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "notes.txt").write_text("hi")
    result = run("check", "--format", fmt, cwd=tmp_path)
    assert result.code == 0
    assert result.err == "drizzle-lsp: warning: No migrations folders found in .\n"
    assert result.out == ("All checks passed!\n" if fmt == "text" else "[]\n")


def test_a_file_outside_any_folder_that_is_not_sql(run, tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# hi")
    result = run("check", "README.md", cwd=tmp_path)
    assert result.code == 0
    assert "No migrations folders found in README.md" in result.err


def test_entry_whose_file_is_gone(run, tmp_path: Path) -> None:
    write_folder(
        tmp_path / "drizzle", [entry(0, "0000_a", NOW - DAY)], {"0001_other.sql": "SELECT 1;"}
    )
    result = run("check", "--select", "J002", cwd=tmp_path)
    assert result.code == 1
    assert result.out.startswith("drizzle/meta/_journal.json:9:14: J002 [missing-sql-file] ")


def test_non_utf8_sql_file_is_reported_at_1_1(run, tmp_path: Path) -> None:
    write_folder(
        tmp_path / "drizzle",
        [entry(0, "0000_latin1", NOW - DAY)],
        {"0000_latin1.sql": "INSERT INTO t VALUES ('caf\xe9');\n".encode("latin-1")},
    )
    result = run("check", cwd=tmp_path)
    assert result.code == 1
    assert result.out.splitlines() == [
        "drizzle/0000_latin1.sql:1:1: S001 [syntax-error] Cannot check this file: not valid "
        "UTF-8 (byte 0xe9 at offset 26); migrations must be UTF-8",
        "Found 1 problem.",
    ]
    assert result.err == ""
    # it is an S001 like any other: selection and per-file ignores apply
    assert run("check", "--ignore", "S001", cwd=tmp_path).code == 0


def test_non_utf8_journal(run, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "drizzle", [entry(0, "0000_a", NOW - DAY)])
    journal = folder / "meta" / "_journal.json"
    journal.write_bytes(journal.read_bytes().replace(b'"7"', b'"\xff"', 1))
    result = run("check", "--format", "json", cwd=tmp_path)
    assert result.err == ""
    found = result.json()
    assert result.code == (1 if found else 0)
    first = found[0]  # J006 reports an unreadable journal, at 1:1
    assert (first["path"], first["code"]) == ("drizzle/meta/_journal.json", "J006")
    assert first["range"]["start"] == {"line": 0, "character": 0}
    assert "not valid UTF-8 (byte 0xff" in first["message"]


def test_unreadable_sql_file(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = write_folder(tmp_path / "drizzle", [entry(0, "0000_a", NOW - DAY)])
    locked = folder / "0000_a.sql"
    open_file = Path.open

    def open_unless_locked(path: Path, *args: Any, **kwargs: Any) -> Any:
        # tests may run as root, who can read a chmod 000 file: refuse the way the OS would
        if path == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return open_file(path, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_unless_locked)
    result = run("check", cwd=tmp_path)
    assert result.out.splitlines()[0] == (
        "drizzle/0000_a.sql:1:1: S001 [syntax-error] Cannot check this file: cannot read: "
        "Permission denied"
    )


BROKEN_JOURNALS = {
    "truncated": journal_text([entry(0, "0000_a", NOW - DAY)])[:60],
    "wrong-types": journal_text([entry("0", "0000_a", str(NOW - DAY))]),  # type: ignore[arg-type]
    "mysql": journal_text([entry(0, "0000_a", NOW - DAY)]).replace("postgresql", "mysql"),
    "conflict-markers": "<<<<<<< HEAD\n" + journal_text([entry(0, "0000_a", NOW - DAY)]),
    "empty": "",
    "not-an-object": "[1, 2]",
}


@pytest.mark.parametrize("case", BROKEN_JOURNALS)
def test_broken_journal(run, tmp_path: Path, case: str) -> None:
    folder = write_folder(tmp_path / "drizzle", [entry(0, "0000_a", NOW - DAY)])
    (folder / "meta" / "_journal.json").write_text(BROKEN_JOURNALS[case])
    result = run("check", "--format", "json", cwd=tmp_path)
    assert result.err == ""
    found = result.json()
    assert result.code == (1 if found else 0)
    assert any(d["code"] == "J006" for d in found), found


def test_explicit_sql_file_outside_any_folder_gets_sql_rules(run, tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "seed.sql").write_text("CREATE TABLE t (id int);\n")
    result = run("check", "scripts/seed.sql", cwd=tmp_path)
    assert result.code == 1
    assert result.out.startswith("scripts/seed.sql:1:1: S002 [non-idempotent-ddl] ")
    # searched trees do not pick loose .sql files up
    assert run("check", "scripts", cwd=tmp_path).code == 0


def test_tree_search_skips_node_modules_git_and_hidden(run, tmp_path: Path) -> None:
    bad = {"0000_a.sql": "CREATE TABLE t (id int);\n"}
    for where in ("app/drizzle", "node_modules/pkg/drizzle", ".git/x", ".cache/drizzle"):
        write_folder(tmp_path / where, [entry(0, "0000_a", NOW - DAY)], bad)
    result = run("check", "--format", "json", cwd=tmp_path)
    assert [d["path"] for d in result.json()] == ["app/drizzle/0000_a.sql"]


def test_v1_layout_gets_sql_rules(run, tmp_path: Path) -> None:
    migration = tmp_path / "drizzle" / "20250508083758_setup"
    migration.mkdir(parents=True)
    (migration / "migration.sql").write_text("CREATE TABLE t (id int);\n")
    result = run("check", cwd=tmp_path)
    assert result.out.startswith("drizzle/20250508083758_setup/migration.sql:1:1: S002 ")


def test_naming_the_journal_reports_only_the_journal(run, tmp_path: Path) -> None:
    write_folder(
        tmp_path / "drizzle",
        [entry(0, "0000_a", NOW - DAY), entry(1, "0001_gone", NOW)],
        {"0000_a.sql": "CREATE TABLE t (id int);\n"},
    )
    result = run("check", "drizzle/meta/_journal.json", cwd=tmp_path)
    assert [line.split()[1] for line in result.out.splitlines()[:-1]] == ["J002"]


def test_several_paths_to_one_folder_report_once(run, tmp_path: Path) -> None:
    write_folder(tmp_path / "drizzle", [entry(0, "0000_a", NOW - DAY)], {})
    result = run("check", "drizzle", ".", "drizzle/meta/_journal.json", cwd=tmp_path)
    assert result.out.splitlines()[-1] == "Found 1 problem."


def test_late_entries_after_a_merge_are_fixed_in_order(run, tmp_path: Path) -> None:
    """0013_drop_channels and 0014_channels carry a `when` a year before 0012_agent_messages."""
    year = 365 * DAY
    entries = [entry(i, f"{i:04d}_step", NOW - (40 - i) * DAY) for i in range(13)]
    entries[12]["tag"] = "0012_agent_messages"
    entries += [
        entry(13, "0013_drop_channels", NOW - year - 2 * DAY),
        entry(14, "0014_channels", NOW - year - DAY),
    ]
    folder = write_folder(tmp_path / "drizzle", entries)
    result = run("check", "--select", "J001", cwd=tmp_path)
    assert [line.split()[1] for line in result.out.splitlines()[:-1]] == ["J001", "J001"]
    assert "0012_agent_messages" in result.out

    run("check", "--fix", "--select", "J001", cwd=tmp_path)
    fixed = json.loads((folder / "meta" / "_journal.json").read_text())["entries"]
    whens = [e["when"] for e in fixed]
    assert whens == sorted(set(whens)), "strictly increasing"
    tags = [e["tag"] for e in fixed]
    assert sorted(tags) == sorted(e["tag"] for e in entries), "every tag once"
    assert [e["idx"] for e in fixed] == list(range(15))
    assert run("check", "--select", "J001", cwd=tmp_path).code == 0


def test_now_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRIZZLE_LSP_NOW", "2026-01-01T00:00:00Z")
    assert cli_check._clock()() == NOW
    monkeypatch.setenv("DRIZZLE_LSP_NOW", str(NOW))
    assert cli_check._clock()() == NOW


def test_bad_now_from_the_environment(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_check, "NOW_ENV", "DRIZZLE_LSP_TEST_NOW")
    monkeypatch.setenv("DRIZZLE_LSP_TEST_NOW", "tomorrow")
    result = run("check", cwd=tmp_path)
    assert result.code == 2
    assert "DRIZZLE_LSP_TEST_NOW='tomorrow'" in result.err


def _check_subprocess(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The CLI as a process with a time limit: a read that blocks fails the test, not the run."""
    env = {**os.environ, "PYTHONPATH": str(Path(cli_check.__file__).parents[2])}
    return subprocess.run(
        [sys.executable, "-m", "drizzle_lsp", "check", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_a_fifo_named_as_the_journal_is_reported_not_read(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "drizzle", [entry(0, "0000_a", NOW - DAY)])
    (folder / "meta" / "_journal.json").unlink()
    os.mkfifo(folder / "meta" / "_journal.json")
    done = _check_subprocess("--format", "json", folder / "meta" / "_journal.json")
    assert done.returncode == 1, done.stderr
    (found,) = json.loads(done.stdout)
    assert found["code"] == "J006" and "not a regular file" in found["message"]


def test_a_migration_linked_to_a_device_is_reported_not_read(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "drizzle", [entry(0, "0000_a", NOW - DAY)], {})
    (folder / "0000_a.sql").symlink_to("/dev/zero")
    done = _check_subprocess("--format", "json", folder)
    assert done.returncode == 1, done.stderr
    # the folder's listing takes regular files only: the entry's file is missing for the
    # migrator's purposes (it would read /dev/zero until memory runs out)
    assert [d["code"] for d in json.loads(done.stdout)] == ["J002"]


def test_control_characters_in_a_tag_do_not_reach_the_terminal(run, tmp_path: Path) -> None:
    tag = "0000_a\x1b]0;owned\x07\x1b[2J"
    write_folder(tmp_path / "drizzle", [entry(0, tag, NOW - DAY)], {})
    result = run("check", cwd=tmp_path)
    assert result.code == 1
    assert "\x1b" not in result.out and "\x07" not in result.out
    assert "0000_a\\x1b]0;owned\\x07\\x1b[2J" in result.out  # J002 names it, escaped
