"""Suppression edits: a directive line above the statement, or the code added to one."""

from __future__ import annotations

from pathlib import Path

import pytest

from drizzle_lsp.core.fixes import apply_edits
from drizzle_lsp.core.migration import MigrationFile
from drizzle_lsp.core.suppress import ignore_edit

PATH = Path("m.sql")


def suppressed(text: str, needle: str, code: str) -> str:
    migration = MigrationFile(text)
    edit = ignore_edit(PATH, migration, text.index(needle), code)
    assert edit is not None
    fixed = apply_edits(text, [edit])
    ignored = MigrationFile(fixed).ignored_codes(fixed.index(needle))
    assert ignored is not None and code in ignored, "the directive must take effect"
    return fixed


def test_new_directive_keeps_the_statement_indentation() -> None:
    text = 'SELECT 1;\n--> statement-breakpoint\n    ALTER TABLE "a" ADD COLUMN "b" int;\n'
    fixed = suppressed(text, '"b"', "S002")
    assert fixed == (
        "SELECT 1;\n--> statement-breakpoint\n"
        '    -- drizzle-lsp-ignore: S002\n    ALTER TABLE "a" ADD COLUMN "b" int;\n'
    )


def test_code_is_added_to_an_existing_directive() -> None:
    text = '-- drizzle-lsp-ignore: S003\nCREATE TABLE "é☕" (id int);\n'
    assert suppressed(text, "id int", "S002").startswith("-- drizzle-lsp-ignore: S003, S002\n")


def test_crlf_files_get_crlf() -> None:
    text = "SELECT 1;\r\nCREATE TABLE a (id int);\r\n"
    assert "-- drizzle-lsp-ignore: S002\r\nCREATE TABLE" in suppressed(text, "CREATE", "S002")


@pytest.mark.parametrize("directive", ["-- drizzle-lsp-ignore", "-- drizzle-lsp-ignore: S002"])
def test_nothing_to_do_when_already_ignored(directive: str) -> None:
    text = f"{directive}\nCREATE TABLE a (id int);\n"
    assert ignore_edit(PATH, MigrationFile(text), text.index("CREATE"), "S002") is None
