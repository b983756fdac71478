"""Helpers for the oracle tests: run the real drizzle-orm migrator, run our CLI, build folders.

The fixtures that use these live in ``conftest.py``; test modules import the plain functions
from here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from shared import CORPUS, needs_corpus, require, unavailable  # noqa: F401  (for the oracle tests)

from drizzle_lsp.core.database import AppliedRow, read_migration_text
from drizzle_lsp.core.journal import parse_journal
from drizzle_lsp.core.migration import drizzle_hash
from drizzle_lsp.core.text import Position

ORACLE = Path(__file__).parent
REPO = ORACLE.parents[1]
FOLDERS = ORACLE / "folders"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
JOURNAL = Path("meta") / "_journal.json"


def admin_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


def database_url(base: str, name: str) -> str:
    """``base`` pointing at database ``name``, in URL form (which node-postgres understands)."""
    if "://" in base:
        parts = urlsplit(base)
        return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    info = psycopg.conninfo.conninfo_to_dict(base)
    auth = str(info.get("user", ""))
    if info.get("password"):
        auth += f":{info['password']}"
    host = f"{info.get('host', '127.0.0.1')}:{info.get('port', 5432)}"
    return f"postgresql://{auth}{'@' if auth else ''}{host}/{name}"


# ---------------------------------------------------------------------------------------------
# the real migrator


@dataclass(frozen=True)
class MigratorResult:
    """What one real ``migrate()`` did: the table afterwards and the rows this run added."""

    rows: tuple[AppliedRow, ...]
    applied_ids: tuple[int, ...]
    applied_tags: tuple[str, ...]  # journal tags of the added rows, matched by (when, hash)
    error: str | None
    code: str | None = None  # the SQLSTATE of the error, when PostgreSQL raised it

    @property
    def ok(self) -> bool:
        return self.error is None


def run_migrator(
    folder: Path,
    url: str,
    schema: str = "drizzle",
    table: str = "__drizzle_migrations",
    driver: str = "node-postgres",
) -> MigratorResult:
    """Run drizzle-orm's real ``migrate()`` on ``folder`` against ``url`` (via migrate.mjs),
    through ``driver`` (pglite: ``url`` is the folder of its in-process database)."""
    command = [str(folder), url, "--schema", schema, "--table", table, "--driver", driver]
    return _result(folder, _node(command))


@dataclass(frozen=True)
class V1Row:
    """A row of a drizzle-orm v1 migrations table (``name`` is None on rows 0.x wrote)."""

    id: int
    hash: str
    created_at: int | None
    name: str | None


@dataclass(frozen=True)
class V1Result:
    """What one real drizzle-orm 1.0.0-rc.5 ``migrate()`` did."""

    rows: tuple[V1Row, ...]
    applied_names: tuple[str | None, ...]  # the names of the rows this run added, in id order
    error: str | None
    code: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def run_v1_migrator(folder: Path, url: str, driver: str = "node-postgres") -> V1Result:
    """Run drizzle-orm 1.0.0-rc.5's real ``migrate()`` (``tests/oracle/v1``) on a v1 folder."""
    command = [str(folder), url, "--driver", driver, "--orm", "v1"]
    report = _node(command)
    rows = tuple(
        V1Row(r["id"], r["hash"], r["created_at"], r.get("name")) for r in report.get("rows", [])
    )
    applied = set(report.get("applied", []))
    names = tuple(row.name for row in rows if row.id in applied)
    return V1Result(rows, names, report.get("error"), report.get("code"))


def run_migrations(runs: list[tuple[Path, str]]) -> list[MigratorResult]:
    """Several ``migrate()`` runs, one after the other, in a single node process."""
    jobs = json.dumps([{"folder": str(folder), "url": url} for folder, url in runs])
    reports = _node(["--batch"], stdin=jobs)
    return [_result(folder, report) for (folder, _), report in zip(runs, reports, strict=True)]


def _node(args: list[str], stdin: str | None = None) -> Any:
    command = ["node", str(ORACLE / "migrate.mjs"), *args]
    done = subprocess.run(
        command, input=stdin, capture_output=True, text=True, timeout=120, check=False
    )
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise AssertionError(f"migrate.mjs printed no JSON: {done.stdout}{done.stderr}") from None


def _result(folder: Path, report: dict[str, Any]) -> MigratorResult:
    rows = tuple(AppliedRow(r["id"], r["hash"], r["created_at"]) for r in report.get("rows", []))
    applied = tuple(report.get("applied", []))
    tags = _tags_of(folder, [r for r in rows if r.id in applied])
    return MigratorResult(rows, applied, tags, report.get("error"), report.get("code"))


def _tags_of(folder: Path, rows: list[AppliedRow]) -> tuple[str, ...]:
    """The journal tag of each row, by ``when`` and hash (``?`` when none matches)."""
    try:
        entries = read_entries(folder)
    except (OSError, ValueError):
        return tuple("?" for _ in rows)
    keys: dict[tuple[int, str], str] = {}
    for entry in entries:
        text = read_migration_text(folder / f"{entry['tag']}.sql")
        if text is not None:
            keys.setdefault((entry["when"], drizzle_hash(text)), entry["tag"])
    return tuple(keys.get((r.created_at or 0, r.hash), "?") for r in rows)


# ---------------------------------------------------------------------------------------------
# our CLI


def run_cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m drizzle_lsp ARGS`` as a user runs it, installed or from this checkout."""
    environment = {**os.environ, "PYTHONPATH": str(REPO / "server"), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "drizzle_lsp", *map(str, args)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def check_json(folder: Path) -> list[dict[str, Any]]:
    """The diagnostics of ``drizzle-lsp check --format json`` on ``folder``."""
    done = run_cli("check", "--format", "json", folder)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def flagged_tags(folder: Path, diagnostics: list[dict[str, Any]], code: str) -> set[str]:
    """Tags of the journal entries that ``code`` flags (its range lies inside the entry)."""
    journal = parse_journal((folder / JOURNAL).read_text("utf-8"))
    tags = set()
    for d in diagnostics:
        if d["code"] != code or not d["path"].endswith("_journal.json"):
            continue
        start = d["range"]["start"]
        offset = journal.index.offset(Position(start["line"], start["character"]))
        entry = next(e for e in journal.entries if e.span.start <= offset < e.span.end)
        tags.add(entry.tag)
    return tags


# ---------------------------------------------------------------------------------------------
# folders and the model


def read_entries(folder: Path) -> list[dict[str, Any]]:
    return json.loads((folder / JOURNAL).read_text("utf-8-sig"))["entries"]


def copy_folder(source: Path, into: Path) -> Path:
    """A writable copy of a migrations folder (only ``*.sql`` and the journal)."""
    into.mkdir(parents=True, exist_ok=True)
    (into / "meta").mkdir(exist_ok=True)
    for path in source.glob("*.sql"):
        shutil.copyfile(path, into / path.name)
    shutil.copyfile(source / JOURNAL, into / JOURNAL)
    return into


def write_entries(folder: Path, entries: list[dict[str, Any]]) -> None:
    data = json.loads((folder / JOURNAL).read_text("utf-8"))
    data["entries"] = entries
    (folder / JOURNAL).write_text(json.dumps(data, indent=2) + "\n", "utf-8")


def prefix_folder(source: Path, count: int, into: Path) -> Path:
    """``source`` as it was when its journal had only its first ``count`` entries."""
    folder = copy_folder(source, into)
    write_entries(folder, read_entries(source)[:count])
    return folder


def predicted_skips(whens: list[int], applied: int) -> set[int]:
    """Positions skipped by a migrate() after one that applied the first ``applied`` entries.

    The model under test: a run compares every entry with the newest row, read once; a fresh
    database applies the whole prefix, so the newest row is the prefix's largest ``when``.
    """
    if applied == 0:
        return set()
    newest = max(whens[:applied])
    return {i for i in range(applied, len(whens)) if whens[i] <= newest}


def out_of_order(whens: list[int]) -> set[int]:
    """Positions J001 flags: ``when`` not after every earlier entry's."""
    return {i for i in range(1, len(whens)) if whens[i] <= max(whens[:i])}


def homarr_before_restamp(into: Path) -> Path:
    """homarr with the ``when``s of 0003 and 0004 swapped: a merge that left 0004 older than
    0003 (constructed: homarr's own history never had J001; its round ``when``s were picked by
    hand before they were committed)."""
    require(CORPUS)
    folder = copy_folder(CORPUS / "homarr-labs__homarr", into)
    entries = read_entries(folder)
    entries[3]["when"], entries[4]["when"] = entries[4]["when"], entries[3]["when"]
    write_entries(folder, entries)
    return folder


def deploy_after_every_merge(folder: Path, url: str, tmp: Path) -> set[str]:
    """Migrate after each journal entry was added, as CI deploys do; the tags that never ran."""
    entries = read_entries(folder)
    counts = range(1, len(entries) + 1)
    runs = [(prefix_folder(folder, n, tmp / f"after{n}"), url) for n in counts]
    ran: set[str] = set()
    for result in run_migrations(runs):
        assert result.ok, result.error
        ran |= set(result.applied_tags)
    return {e["tag"] for e in entries} - ran
