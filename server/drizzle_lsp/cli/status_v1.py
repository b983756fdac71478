"""``drizzle-lsp status`` on a drizzle-orm v1 folder (``<name>/migration.sql``): each migration
against the database as v1's ``migrate()`` will see it, and, on a 0.x table, the upgrade that
the first v1 ``migrate()`` makes: which row matches which folder, which migrations then run, and
which of them 0.x had skipped. See :mod:`drizzle_lsp.core.database.migrator_v1`.

Exit status 1 when ``migrate()`` will throw (a row of no folder on a 0.x table, a
``migration.sql`` that cannot be read) or fail (a name whose date is NaN).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drizzle_lsp.core.database import (
    AppliedMigrations,
    AppliedRow,
    Detail,
    LocalMigration,
    State,
    TableShape,
    V1EntryStatus,
    V1Status,
    read_migration_text,
    v1_status,
)
from drizzle_lsp.core.folder import V1_FILE, Layout, load_folder, v1_created_at, v1_names
from drizzle_lsp.core.journal import format_when
from drizzle_lsp.core.migration import drizzle_hash
from drizzle_lsp.core.upgrade_preview import UpPreview, preview_folder

STATES = (State.APPLIED, State.APPLIED_FILE_CHANGED, State.PENDING)
LABELS = {
    State.APPLIED: "applied",
    State.APPLIED_FILE_CHANGED: "applied, file changed since",
    State.PENDING: "pending",
}
DETAILS = {
    Detail.RUNS_AFTER_NEWER: "runs after newer ones",
    Detail.SKIPPED_UNDER_0X: "skipped under 0.x, runs now",
    Detail.RENAMED: "runs again",
}
SHAPES = {
    TableShape.NONE: "no migrations table yet",
    TableShape.V0: "a drizzle-orm 0.x table: the first v1 migrate() upgrades it",
    TableShape.V1: "a drizzle-orm v1 table",
}


def local_migrations(folder: Path) -> list[LocalMigration]:
    """Every subfolder with a ``migration.sql``, as the v1 migrator lists them
    (:func:`~drizzle_lsp.core.folder.v1_names`), with its hash (None: it cannot be read, and
    migrate() throws)."""
    found = []
    for name in v1_names(folder):
        text = read_migration_text(folder / name / V1_FILE)
        digest = drizzle_hash(text) if text is not None else None
        found.append(LocalMigration(name, digest, v1_created_at(name)))
    return found


@dataclass(frozen=True)
class V1Report:
    folder: Path
    database: str  # redacted
    table: str
    applied: AppliedMigrations
    status: V1Status

    @property
    def fails(self) -> bool:
        """migrate() will throw or roll back."""
        return self.status.upgrade_throws or any(
            e.file_missing or (e.state is State.PENDING and e.created_at is None)
            for e in self.status.entries
        )


def v1_report(folder: Path, database: str, table: str, applied: AppliedMigrations) -> V1Report:
    status = v1_status(local_migrations(folder), applied.rows, applied.shape)
    return V1Report(folder, database, table, applied, status)


def describe(entry: V1EntryStatus, report: V1Report) -> str:
    row = entry.row
    if entry.state is State.APPLIED and row is not None:
        label = f"applied ({_rows(entry)}{_matched(row, report)}{_applied_at(row)})"
    elif entry.state is State.APPLIED_FILE_CHANGED and row is not None:
        label = f"applied ({_rows(entry)}), file changed since: its hash no longer matches"
    else:
        label = "pending" + "".join(f": {_detail(d, entry, report)}" for d in entry.details)
        if report.status.upgrade_throws:
            label += " (not run: the upgrade throws first)"
    if entry.file_missing:
        label += " [migration.sql cannot be read: migrate() will throw before running anything]"
    elif entry.state is State.PENDING and entry.created_at is None:
        label += (
            " [its name does not start with a date (14 digits): created_at is NaN, the insert "
            "fails and migrate() rolls back]"
        )
    return label


def _rows(entry: V1EntryStatus) -> str:
    return ", ".join(f"row {r.id}" for r in entry.rows)


def _matched(row: AppliedRow, report: V1Report) -> str:
    match = next((m for m in report.status.row_matches if m.row == row), None)
    if match is None or match.by is None:
        return ""
    return f", matched by {match.by.value.replace('-', ' and ')}"


def _applied_at(row: AppliedRow) -> str:
    return f", applied {row.applied_at}" if row.applied_at else ""


def _detail(detail: Detail, entry: V1EntryStatus, report: V1Report) -> str:
    if detail is Detail.RENAMED and entry.renamed_from is not None:
        row = entry.renamed_from
        return f"runs again: row {row.id} applied it as {row.name} (same hash), a folder now gone"
    if detail is Detail.RUNS_AFTER_NEWER:
        newer = _newest_applied(report)
        return f"runs after newer ones ({newer} ran before it)" if newer else DETAILS[detail]
    return DETAILS[detail]


def _newest_applied(report: V1Report) -> str | None:
    applied = [e.name for e in report.status.entries if e.state is not State.PENDING]
    return applied[-1] if applied else None


def counts(report: V1Report) -> dict[str, int]:
    found = Counter(e.state.value for e in report.status.entries)
    return {state.value: found.get(state.value, 0) for state in STATES}


def _row_line(row: AppliedRow, report: V1Report) -> str:
    dated = format_when(row.created_at) if row.created_at is not None else "NULL"
    named = f"name {row.name}, " if row.name is not None else ""
    where = f"row {row.id} ({named}created_at {dated}, hash {row.hash[:12]})"
    if report.status.upgrade_throws:
        return (
            f"{where}: matches no migration folder: the first v1 migrate() will throw while "
            "upgrading the table, and run nothing"
        )
    return f"{where}: in the database, in no migration folder"


def text(report: V1Report, shown: str) -> str:
    status = report.status
    lines = [f"{shown} against {report.database} ({report.table}, {SHAPES[status.shape]})"]
    width = max((len(e.name) for e in status.entries), default=0)
    lines += [f"{e.name:<{width}}  {describe(e, report)}" for e in status.entries]
    lines += [_row_line(row, report) for row in status.unknown_rows]
    if status.shape is TableShape.V0 and not status.upgrade_throws and status.run_order:
        count = len(status.row_matches)
        lines.append(
            f"the upgrade names the {count} row{'s' if count != 1 else ''} and commits on its "
            f"own; then one transaction runs {', '.join(status.run_order)}"
        )
    summary = ", ".join(f"{n} {LABELS[State(s)]}" for s, n in counts(report).items() if n)
    lines.append(f"{len(status.entries)} migrations: {summary or 'none'}")
    return "\n".join(lines)


def _row_json(row: AppliedRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    dated = format_when(row.created_at) if row.created_at is not None else None
    return {
        "id": row.id,
        "hash": row.hash,
        "created_at": row.created_at,
        "date": dated,
        "name": row.name,
        "applied_at": row.applied_at,
    }


def _entry_json(position: int, entry: V1EntryStatus, report: V1Report) -> dict[str, Any]:
    created = entry.created_at
    return {
        "position": position,
        "tag": entry.name,
        "when": created,
        "date": format_when(created) if created is not None else None,
        "state": entry.state.value,
        "detail": entry.details[0].value if entry.details else None,
        "details": [d.value for d in entry.details],
        "row": _row_json(entry.row),
        "rows": [_row_json(r) for r in entry.rows],
        "blocked_by": None,
        "file_hash": entry.file_hash,
        "file_missing": entry.file_missing,
        "reruns": False,
        "run_position": entry.run_position,
        "renamed_from": _row_json(entry.renamed_from),
        "message": describe(entry, report),
    }


def as_json(report: V1Report) -> str:
    status = report.status
    return json.dumps(
        {
            "folder": str(report.folder),
            "migrator": "v1",
            "database": report.database,
            "table": report.table,
            "table_found": report.applied.table_found,
            "table_shape": status.shape.value,
            "entries": [_entry_json(i, e, report) for i, e in enumerate(status.entries)],
            "unknown_rows": [_row_json(r) for r in status.unknown_rows],
            "former_rows": [],
            "upgrade": _upgrade_json(status),
            "run_order": list(status.run_order),
            "up_preview": None,
            "counts": counts(report),
        },
        indent=2,
    )


def _upgrade_json(status: V1Status) -> dict[str, Any] | None:
    if status.shape is not TableShape.V0:
        return None
    return {
        "throws": status.upgrade_throws,
        "matches": [
            {"row": _row_json(m.row), "tag": m.name, "by": m.by.value if m.by else None}
            for m in status.row_matches
        ],
    }


# ---------------------------------------------------------------------------------------------
# a 0.x folder: what `drizzle-kit up` will make of it


def up_preview_of(folder: Path) -> UpPreview | None:
    """:func:`~drizzle_lsp.core.upgrade_preview.preview_up` of a journal folder on disk."""
    return preview_folder(load_folder(folder, Layout.JOURNAL))


def up_text(preview: UpPreview) -> list[str]:
    if preview.refusal is not None:
        return [f"drizzle-kit up (1.0.0-rc.5) will refuse: {preview.refusal}"]
    moves = ", ".join(
        f"{m.tag} -> {m.folder or '<the time up runs>_' + m.tag.partition('_')[2]}"
        for m in preview.moves
    )
    return [f"drizzle-kit up (1.0.0-rc.5) will move {moves}"]


def up_json(preview: UpPreview) -> dict[str, Any]:
    return {
        "refuses": preview.refuses,
        "refusal": preview.refusal,
        "kind": preview.kind,
        "moves": [{"tag": m.tag, "folder": m.folder, "sql": m.sql_file} for m in preview.moves],
    }
