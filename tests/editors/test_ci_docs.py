"""The commands docs/ci.md tells people to put in GitHub Actions work as documented."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from editor_support import FIXTURE, REPO

DOC = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")


def check(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "server")}
    return subprocess.run(
        [sys.executable, "-m", "drizzle_lsp", "check", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "db" / "migrations")
    return tmp_path


def test_github_annotations(tmp_path: Path) -> None:
    assert "drizzle-lsp check --format github" in DOC
    proc = check(["--format", "github"], project(tmp_path))
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.strip().splitlines()
    annotation = re.compile(
        r"^::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),endLine=\d+,endColumn=\d+,"
        r"title=([JS]\d{3}) [a-z-]+::.+"
    )
    parsed = [annotation.match(line) for line in lines]
    assert all(parsed), lines
    found = {(m.group(2), m.group(5), int(m.group(3))) for m in parsed if m}
    assert ("db/migrations/meta/_journal.json", "J001", 22) in found, found
    assert ("db/migrations/0002_add_email.sql", "S002", 2) in found, found


def test_sarif_for_upload(tmp_path: Path) -> None:
    assert "drizzle-lsp check --format sarif --exit-zero > drizzle-lsp.sarif" in DOC
    proc = check(["--format", "sarif", "--exit-zero"], project(tmp_path))
    assert proc.returncode == 0, proc.stderr
    sarif = json.loads(proc.stdout)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"J001", "S002"}
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in results
        for loc in r["locations"]
    }
    assert "db/migrations/0002_add_email.sql" in uris, uris
