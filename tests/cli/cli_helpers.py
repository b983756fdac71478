"""Helpers for the command-line tests: fake projects, running the CLI, test-double rules.

Until the journal and SQL rules land, only J002 reports anything, and it has no fix. The test
doubles here (under the codes J004, J005 and S002, swapped in by the ``fixing_rules`` fixture)
carry a safe or an unsafe fix, so that ``--fix``, the fix counts and the fix objects of every
format are tested against the real analyzer and fix engine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drizzle_lsp.core.diagnostics import Applicability, Edit, Fix, Span, Violation
from drizzle_lsp.rules import ALL_RULES
from drizzle_lsp.rules._api import CHUNK_PATH, FolderContext, SqlContext

REPO = Path(__file__).resolve().parents[2]
NOW = 1_767_225_600_000  # 2026-01-01T00:00:00Z
DAY = 86_400_000


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run_process(
    *argv: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> Result:
    """The CLI as its own process: ``python -m drizzle_lsp``, importable installed or not."""
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO / "server"),
        "DRIZZLE_LSP_NOW": str(NOW),
        **(env or {}),
    }
    done = subprocess.run(
        [sys.executable, "-m", "drizzle_lsp", *argv],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        input=stdin if stdin is not None else "",
        timeout=60,
    )
    return Result(done.returncode, done.stdout, done.stderr)


# ---- fake projects ------------------------------------------------------------------------------


def entry(idx: int, tag: str, when: int, **extra: object) -> dict[str, object]:
    return {"idx": idx, "version": "7", "when": when, "tag": tag, "breakpoints": True, **extra}


def journal_text(entries: Sequence[dict[str, object]], newline: str = "\n") -> str:
    """A journal as drizzle-kit writes it (two-space indent, key order kept)."""
    data = {"version": "7", "dialect": "postgresql", "entries": list(entries)}
    return json.dumps(data, indent=2).replace("\n", newline)


def make_folder(
    root: Path,
    entries: Sequence[dict[str, object]],
    files: dict[str, str | bytes] | None = None,
    *,
    newline: str = "\n",
    bom: bool = False,
) -> Path:
    """A journal folder at ``root``; ``files`` default to one small .sql per entry."""
    (root / "meta").mkdir(parents=True, exist_ok=True)
    text = ("\ufeff" if bom else "") + journal_text(entries, newline)
    (root / "meta" / "_journal.json").write_bytes(text.encode())
    if files is None:
        files = {f"{e['tag']}.sql": f"SELECT {e['idx']};\n" for e in entries}
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode()
        (root / name).write_bytes(data)
    return root


def clean_entries(count: int = 2) -> list[dict[str, object]]:
    return [entry(i, f"{i:04d}_step", NOW - (count - i) * DAY) for i in range(count)]


# ---- test-double rules --------------------------------------------------------------------------


def _renumber(ctx: FolderContext) -> Iterator[Violation]:
    """J004 double: an ``idx`` that is not the entry's position; safe fix: renumber it."""
    journal, path = ctx.folder.journal, ctx.folder.journal_path
    if journal is None or path is None:
        return
    for e in journal.entries:
        field = e.fields.get("idx")
        if field is None or e.idx == e.position:
            continue
        span = field.value_span
        fix = Fix(f"Renumber to {e.position}", (Edit(path, span, str(e.position)),))
        yield _violation("J004", path, span, f"`idx` {e.idx} is not {e.position}", fix, e.tag)


def _future(ctx: FolderContext) -> Iterator[Violation]:
    """J005 double: a ``when`` after now; unsafe fix: re-stamp it to now."""
    journal, path = ctx.folder.journal, ctx.folder.journal_path
    if journal is None or path is None:
        return
    for e in journal.entries:
        field = e.fields.get("when")
        if field is None or e.when is None or e.when <= ctx.now_ms:
            continue
        fix = Fix(
            "Re-stamp to now",
            (Edit(path, field.value_span, str(ctx.now_ms)),),
            Applicability.UNSAFE,
        )
        yield _violation("J005", path, field.value_span, "`when` is in the future", fix, e.tag)


def _create_table(ctx: SqlContext) -> Iterator[Violation]:
    """S002 double: ``CREATE TABLE`` without ``IF NOT EXISTS``; safe fix: add it."""
    for statement in ctx.file.statements:
        text = ctx.file.text[statement.span.start : statement.span.end]
        if not text.upper().startswith("CREATE TABLE ") or "IF NOT EXISTS" in text.upper():
            continue
        at = statement.span.start + len("CREATE TABLE")
        fix = Fix("Add IF NOT EXISTS", (Edit.insert(CHUNK_PATH, at, " IF NOT EXISTS"),))
        message = "CREATE TABLE fails when run twice: add IF NOT EXISTS"
        yield _violation("S002", CHUNK_PATH, statement.span, message, fix)


def _violation(
    code: str, path: Path, span: Span, message: str, fix: Fix, tag: str | None = None
) -> Violation:
    info = next(r.info for r in ALL_RULES if r.code == code)
    return Violation(code, info.name, info.severity, message, path, span, fix, (), tag)


DOUBLES = {"J004": _renumber, "J005": _future, "S002": _create_table}
