"""``drizzle-lsp status``: each journal entry against a real database, as migrate() will see it.

The lint rules predict what the migrator will do on *some* database; ``status`` answers for *this*
one: which entries are applied, which will run, which will silently never run, which applied
files were edited since, and which rows no entry accounts for. The database is only read (see
:mod:`drizzle_lsp.core.database`), and its password never reaches the output.

A drizzle-orm v1 folder (``<name>/migration.sql``) is shown as v1's migrate() sees it, on a v1
table or, with the upgrade its first run makes, on a 0.x one (:mod:`.status_v1`).

Exit status: 0 all is well, 1 something will be skipped (or a file is missing, so migrate() would
throw; v1: the upgrade will throw), 2 usage, configuration, journal or database error (one line
on stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drizzle_lsp.cli.errors import PROG, CliError
from drizzle_lsp.cli.status_v1 import as_json, up_json, up_preview_of, up_text, v1_report
from drizzle_lsp.cli.status_v1 import text as v1_text
from drizzle_lsp.core.database import (
    AppliedMigrations,
    AppliedRow,
    DatabaseError,
    EntryStatus,
    FolderStatus,
    State,
    expand_env,
    migration_status,
    read_applied,
    read_migration_text,
    redact_url,
    scrub,
)
from drizzle_lsp.core.folder import JOURNAL, Layout
from drizzle_lsp.core.journal import Journal, format_when, parse_journal
from drizzle_lsp.core.migrator_choice import Migrator, MigratorChoice, choose_migrator
from drizzle_lsp.core.settings import Settings, SettingsError, load_settings, settings_for
from drizzle_lsp.core.source import SourceError, read_source
from drizzle_lsp.core.trust import RepositoryUrl, TrustError, usable
from drizzle_lsp.core.upgrade_preview import UpPreview
from drizzle_lsp.core.workspace import PathNotFound, Target, discover

LABELS = {
    State.APPLIED: "applied",
    State.APPLIED_FILE_CHANGED: "applied, file changed since",
    State.PENDING: "pending",
    State.WILL_BE_SKIPPED: "will be skipped",
    State.INVALID: "invalid journal entry",
}


def add_status_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``status`` on the main parser's subparsers (the handler is ``args.handler``)."""
    parser = subparsers.add_parser(
        "status",
        help="show what the next migrate() will do on a database",
        description=(
            "Compare a migrations folder with a database's drizzle.__drizzle_migrations table "
            "(read-only): applied, pending, will be skipped, applied but edited since. A v1 "
            "folder (<name>/migration.sql): as drizzle-orm 1.0's migrate() sees it, with the "
            "upgrade of a 0.x table. Exit 1 when an entry will be skipped, a file is missing "
            "or the v1 upgrade will throw."
        ),
    )
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        help="a migrations folder, a file in one, or a tree holding one (default: config or .)",
    )
    parser.add_argument(
        "--database-url",
        help="PostgreSQL URL (default: $DATABASE_URL, then database-url in drizzle-lsp.toml); "
        "prefer the environment: a password on the command line is visible to other users",
    )
    parser.add_argument(
        "--allow-database-url",
        action="store_true",
        help="use the config file's database-url this once without approving it "
        "(see `drizzle-lsp trust`)",
    )
    parser.add_argument("--schema", help="schema of the migrations table (default: drizzle)")
    parser.add_argument("--table", help="migrations table (default: __drizzle_migrations)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="use this config file instead of searching"
    )
    parser.set_defaults(handler=run_status)
    return parser


def run_status(args: argparse.Namespace) -> int:
    """Run the command; every failure is one line on stderr and exit status 2.

    Unlike the other commands, an unexpected error is not re-raised under DRIZZLE_LSP_DEBUG: its
    traceback could carry the database URL.
    """
    url = ""
    try:
        (folder, layout), settings = _folder_and_settings(args.path, args.config)
        url = _database_url(args.database_url, settings, args.allow_database_url)
        if layout is Layout.V1:
            return _run_v1(folder, settings, url, args)
        report = _report(folder, settings, url, args.schema, args.table)
    except (CliError, DatabaseError, SettingsError, SourceError, TrustError) as error:
        print(f"{PROG}: error: {scrub(str(error), url)}", file=sys.stderr)
        return 2
    except Exception as error:  # a bug must still not print a traceback with a URL in it
        print(f"{PROG}: error: internal error: {scrub(repr(error), url)}", file=sys.stderr)
        return 2
    print(_json(report) if args.format == "json" else _text(report))
    return 1 if report.status.skipped or report.status.missing_files else 0


def _run_v1(folder: Path, settings: Settings, url: str, args: argparse.Namespace) -> int:
    schema = args.schema or settings.migrations_schema
    table = args.table or settings.migrations_table
    applied = read_applied(url, schema, table)
    report = v1_report(folder, redact_url(url), f"{schema}.{table}", applied)
    print(as_json(report) if args.format == "json" else v1_text(report, _shown(folder)))
    return 1 if report.fails else 0


# ---------------------------------------------------------------------------------------------
# inputs


def _folder_and_settings(
    path: Path | None, config: Path | None
) -> tuple[tuple[Path, Layout], Settings]:
    start = (path or Path.cwd()).absolute()
    if not start.exists():
        raise CliError(f"{path}: no such file or directory")
    settings = load_settings(config) if config is not None else settings_for([start])
    paths = [start]
    if path is None and settings.migrations and settings.root is not None:
        paths = [settings.root / folder for folder in settings.migrations]
    try:
        targets = discover(paths)
    except PathNotFound as error:
        raise CliError(str(error)) from None
    return _one_folder(targets, start), settings


def _one_folder(targets: list[Target], start: Path) -> tuple[Path, Layout]:
    """The one journal or v1 folder among ``targets`` (a v1 folder: decided by its layout)."""
    folders = [(t.root, t.layout) for t in targets if t.layout in (Layout.JOURNAL, Layout.V1)]
    if len(folders) == 1:
        return folders[0]
    if folders:
        names = ", ".join(str(f) for f, _ in folders)
        raise CliError(f"several migrations folders ({names}): name one")
    raise CliError(
        f"no migrations folder (one holding {JOURNAL}, or <name>/migration.sql folders) in {start}"
    )


def _database_url(given: str | None, settings: Settings, allow: bool = False) -> str:
    url = given or os.environ.get("DATABASE_URL")
    if not url and not allow:
        _, held_back = usable(settings)
        if held_back is not None:
            raise CliError(not_approved(held_back))
    if not url and settings.database_url:
        url, missing = expand_env(settings.database_url)
        if missing:
            raise CliError(
                f"database-url names ${{env:{missing[0]}}}, which is not set in the environment"
            )
    if not url:
        raise CliError(
            "no database: pass --database-url, set DATABASE_URL, "
            "or set database-url in drizzle-lsp.toml"
        )
    return url


def not_approved(candidate: RepositoryUrl) -> str:
    return (
        f"{candidate.config} sets database-url to {candidate.shown} (host {candidate.host}); "
        f"a URL from a repository file is not used until you approve it: run "
        f"`{PROG} trust {candidate.config}`, or pass --allow-database-url, --database-url "
        "or DATABASE_URL"
    )


def _journal(folder: Path) -> Journal:
    source = read_source(folder / JOURNAL)
    journal = parse_journal(source.text)
    if source.bom or journal.syntax_errors:
        problem = "starts with a BOM" if source.bom else journal.syntax_errors[0].message
        raise CliError(
            f"{folder / JOURNAL}: {problem}; migrate() cannot read it (run drizzle-lsp check)"
        )
    return journal


# ---------------------------------------------------------------------------------------------
# the report


@dataclass(frozen=True)
class Report:
    folder: Path
    database: str  # redacted
    table: str
    applied: AppliedMigrations
    status: FolderStatus
    migrator: MigratorChoice
    up: UpPreview | None = None  # what `drizzle-kit up` will do with the folder

    def tag_of_row(self, row: AppliedRow | None) -> str | None:
        return next((e.tag for e in self.status.entries if row and e.row == row), None)


def _report(
    folder: Path, settings: Settings, url: str, schema: str | None, table: str | None
) -> Report:
    journal = _journal(folder)
    texts = {e.tag: read_migration_text(folder / f"{e.tag}.sql") for e in journal.entries if e.tag}
    schema = schema or settings.migrations_schema
    table = table or settings.migrations_table
    applied = read_applied(url, schema, table)
    status = migration_status(journal, texts, applied.rows)
    migrator = choose_migrator(settings.migrator, folder, Layout.JOURNAL)
    up = up_preview_of(folder)
    return Report(folder, redact_url(url), f"{schema}.{table}", applied, status, migrator, up)


def _describe(entry: EntryStatus, report: Report) -> str:
    label = LABELS[entry.state]
    row = entry.row
    if entry.state is State.APPLIED and row is not None:
        label = f"applied (row {row.id}, dated {format_when(entry.when or 0)})"
    elif entry.state is State.APPLIED_FILE_CHANGED and row is not None:
        label = f"applied (row {row.id}), file changed since: its hash no longer matches"
    elif entry.state is State.WILL_BE_SKIPPED and entry.when is not None:
        label = f"will be skipped: {_skip_reason(entry, report)}"
    elif entry.reruns and row is not None:
        label = f"pending: runs again although row {row.id} recorded it ({_rerun_reason(report)})"
    elif entry.state is State.PENDING and (earlier := _former_row(entry, report)) is not None:
        label = (
            f"pending: migrate() records it; its run-once guard skips its SQL, applied before "
            f"it was re-dated (row {earlier.id})"
        )
    if entry.file_missing:
        label += f" [{entry.tag}.sql is missing: migrate() will throw before running anything]"
    return label


def _former_row(entry: EntryStatus, report: Report) -> AppliedRow | None:
    return next((row for row, tag in report.status.former_rows if tag == entry.tag), None)


def _skip_reason(entry: EntryStatus, report: Report) -> str:
    blocker = entry.blocker
    when = format_when(entry.when or 0)
    if blocker is None or blocker.created_at is None:
        return f"dated {when}, not after the newest applied migration"
    by = report.tag_of_row(blocker) or f"row {blocker.id}"
    return (
        f"dated {when}, not after {by} (applied, dated {format_when(blocker.created_at)}); "
        "run `drizzle-lsp check --fix` to re-date it"
    )


def _rerun_reason(report: Report) -> str:
    nulls = [r.id for r in report.applied.rows if r.created_at is None]
    return f"row {nulls[0]} has created_at NULL, so migrate() re-runs every entry" if nulls else ""


def _counts(report: Report) -> dict[str, int]:
    counts = Counter(e.state.value for e in report.status.entries)
    return {state.value: counts.get(state.value, 0) for state in LABELS}


def _text(report: Report) -> str:
    lines = [f"{_shown(report.folder)} against {report.database} ({report.table})"]
    lines.append(f"migrator: {report.migrator.kind.value} ({report.migrator.reason})")
    if report.applied.note:
        lines.append(report.applied.note)
    width = max((len(e.tag or "") for e in report.status.entries), default=0)
    for entry in report.status.entries:
        tag = entry.tag or f"entry {entry.position}"
        lines.append(f"{tag:<{width}}  {_describe(entry, report)}")
    for row in report.status.unknown_rows:
        dated = format_when(row.created_at) if row.created_at is not None else "NULL"
        lines.append(
            f"row {row.id} (created_at {dated}, hash {row.hash[:12]}): in the database, "
            "in no journal entry"
        )
    summary = ", ".join(f"{n} {LABELS[State(s)]}" for s, n in _counts(report).items() if n)
    lines.append(f"{len(report.status.entries)} entries: {summary or 'none'}")
    if report.migrator.kind is Migrator.V1 and report.up is not None:
        lines.append(
            "drizzle-orm 1.x reads no journal: migrate() throws until `drizzle-kit up` moves "
            "these migrations into folders"
        )
        lines += up_text(report.up)
    return "\n".join(lines)


def _shown(folder: Path) -> str:
    """The folder relative to the working directory when it is under it (as `check` does)."""
    try:
        return folder.relative_to(Path.cwd()).as_posix() or "."
    except ValueError:
        return str(folder)


def _row_json(row: AppliedRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    dated = format_when(row.created_at) if row.created_at is not None else None
    return {"id": row.id, "hash": row.hash, "created_at": row.created_at, "date": dated}


def _json(report: Report) -> str:
    entries = [
        {
            "position": e.position,
            "tag": e.tag,
            "when": e.when,
            "date": format_when(e.when) if e.when is not None else None,
            "state": e.state.value,
            "row": _row_json(e.row),
            "blocked_by": _row_json(e.blocker),
            "file_hash": e.file_hash,
            "file_missing": e.file_missing,
            "reruns": e.reruns,
            "message": _describe(e, report),
        }
        for e in report.status.entries
    ]
    return json.dumps(
        {
            "folder": str(report.folder),
            "database": report.database,
            "table": report.table,
            "table_found": report.applied.table_found,
            "migrator": report.migrator.to_json(),
            "entries": entries,
            "unknown_rows": [_row_json(r) for r in report.status.unknown_rows],
            "former_rows": [
                {**(_row_json(row) or {}), "tag": tag} for row, tag in report.status.former_rows
            ],
            "up_preview": up_json(report.up) if report.up is not None else None,
            "counts": _counts(report),
        },
        indent=2,
    )
