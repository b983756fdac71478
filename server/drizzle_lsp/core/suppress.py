"""Suppression edits: the text that makes a statement-level diagnostic go away on purpose.

``-- drizzle-lsp-ignore: CODE`` on the line above a statement silences CODE for that statement
(see :meth:`MigrationFile.ignored_codes`). The editor offers it as a code action; this module
computes the edit so the adapters only translate it.
"""

from __future__ import annotations

from pathlib import Path

from drizzle_lsp.core.diagnostics import Edit
from drizzle_lsp.core.migration import IGNORE_DIRECTIVE, MigrationFile


def ignore_edit(path: Path, migration: MigrationFile, offset: int, code: str) -> Edit | None:
    """Edit that suppresses ``code`` for the statement holding ``offset`` (None: already is).

    A directive already on the line above gets ``code`` appended; otherwise a new directive
    line is inserted above the statement's first line, with that line's indentation.
    """
    index = migration.index
    statement = migration.statement_at(offset)
    line = index.line_of(statement.span.start if statement is not None else offset)
    if line > 0:
        above_start = index.line_starts[line - 1]
        above = index.line_text(line - 1)
        match = IGNORE_DIRECTIVE.search(above) if above.strip().startswith("--") else None
        if match is not None:
            codes = [c.strip().upper() for c in (match["codes"] or "").split(",") if c.strip()]
            if not codes or code in codes:
                return None  # everything, or this code, is already ignored here
            end = above_start + match.start() + len(match.group(0).rstrip())
            return Edit.insert(path, end, f", {code}")
    text = index.line_text(line)
    indent = text[: len(text) - len(text.lstrip(" \t"))]
    newline = migration.newline
    directive = f"{indent}-- drizzle-lsp-ignore: {code}{newline}"
    return Edit.insert(path, index.line_starts[line], directive)
