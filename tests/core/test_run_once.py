"""Run-once guards: what J001's fix wraps around a re-dated migration, read back by the parser.

Whether a guard does what it says on a database is the oracle's to prove
(tests/oracle/test_oracle_fix.py); these pin its text."""

from __future__ import annotations

import hashlib
from pathlib import Path

from drizzle_lsp.core import pgtree
from drizzle_lsp.core.fixes import apply_edits
from drizzle_lsp.core.folder import SqlDocument
from drizzle_lsp.core.migration import BREAKPOINT, MigrationFile
from drizzle_lsp.core.run_once import (
    Identity,
    condition,
    former_identities,
    guard_file,
    identities,
    migration_hash,
    quoted_table,
)
from drizzle_lsp.core.source import SourceText

PATH = Path("/m/0002_x.sql")
TABLE = quoted_table("drizzle", "__drizzle_migrations")


FIRST = (Identity(1, None),)


def guarded(text: str, known_as: tuple[Identity, ...] = FIRST) -> str:
    result = guard_file(SqlDocument(PATH, "0002_x", SourceText(text)), known_as, TABLE)
    assert result.problem is None
    return apply_edits(text, result.edits)


def statement_kinds(text: str) -> list[list[str]]:
    return [[s.node.type_name for s in pgtree.parse(c.text)] for c in MigrationFile(text).chunks]


def test_each_chunk_becomes_one_do_block_around_its_text_untouched():
    text = (
        'CREATE TABLE "a" ("id" integer);\n'
        + BREAKPOINT
        + '\nALTER TABLE "a" ADD COLUMN "b" text;\nALTER TABLE "a" ADD COLUMN "c" text;\n'
    )
    fixed = guarded(text)
    assert statement_kinds(fixed) == [["DoStmt"], ["DoStmt"]]
    assert fixed.count(BREAKPOINT) == 1
    assert 'CREATE TABLE "a" ("id" integer);' in fixed
    assert 'ADD COLUMN "b" text;\nALTER TABLE "a" ADD COLUMN "c" text;\n$drizzle_lsp_sql$' in fixed
    assert fixed.endswith("END $drizzle_lsp$;\n")  # the blank after the last chunk stays
    assert 'SELECT 1 FROM "drizzle"."__drizzle_migrations"\n  WHERE created_at = 1)' in fixed


def test_a_chunk_of_comments_only_is_left_alone():
    text = "-- Custom SQL migration file, put you code below! --"
    result = guard_file(SqlDocument(PATH, "0002_x", SourceText(text)), "created_at = 1", TABLE)
    assert result.edits == () and result.problem is None


def test_dollar_tags_that_the_text_uses_are_not_reused():
    text = "DO $drizzle_lsp$ BEGIN PERFORM 1; END $drizzle_lsp$;\n"
    fixed = guarded(text)
    assert "DO $drizzle_lsp_1$ BEGIN" in fixed
    assert statement_kinds(fixed) == [["DoStmt"]]


def test_crlf_and_non_ascii_text():
    text = '-- café ☕ 🎉\r\nCREATE TABLE "cafés" ("name" text DEFAULT \'☕\');\r\n'
    fixed = guarded(text)
    assert "\n" not in fixed.replace("\r\n", "")
    assert statement_kinds(fixed) == [["DoStmt"]]
    assert "-- café ☕ 🎉\r\nCREATE TABLE" in fixed


def test_a_guard_guarded_again_gets_the_new_identity_in_its_condition():
    once = guarded('CREATE TABLE "a" ("id" integer);\n', FIRST)
    second = (Identity(2, None), Identity(None, "ab"))
    twice = guarded(once, second)
    assert twice.count("DO $drizzle_lsp$") == 1
    assert "WHERE created_at = 1 OR created_at = 2 OR hash = 'ab')" in twice
    assert guarded(twice, second) == twice  # nothing new: no edit


def test_transaction_statements_cannot_be_guarded():
    source = SourceText('ALTER TABLE "a" ADD COLUMN "b" text;\nCOMMIT;\n')
    result = guard_file(SqlDocument(PATH, "0002_x", source), FIRST, TABLE)
    assert result.edits == ()
    assert result.problem == "0002_x.sql: a transaction statement cannot run inside a guard"


def test_unreadable_and_broken_files_cannot_be_guarded():
    unreadable = SqlDocument(PATH, "0002_x", None, "not valid UTF-8")
    assert guard_file(unreadable, FIRST, TABLE).problem == (
        "0002_x.sql cannot be read (not valid UTF-8)"
    )
    broken = SqlDocument(PATH, "0002_x", SourceText("CREATE TABLE (;"))
    assert guard_file(broken, FIRST, TABLE).problem == "0002_x.sql has a syntax error"


def test_an_identity_leaves_out_what_another_migration_shares():
    found = identities([1, 2, 2, 3, None], ["h1", "h2", "h3", "h1", "h4"])
    assert found == [
        (Identity(1, None),),  # its text is also 0003's
        (Identity(None, "h2"),),  # its date is also 0002's
        (Identity(None, "h3"),),
        (Identity(3, None),),
        (Identity(None, "h4"),),
    ]
    assert condition(found[0]) == "created_at = 1"
    assert condition((Identity(5, None), Identity(None, "ab"))) == "created_at = 5 OR hash = 'ab'"
    # a date and a text both shared: only the two together tell it apart; nothing without both
    assert identities([1, 1, None], ["h", "h", "h"]) == [
        (Identity(1, "h"),),
        (Identity(1, "h"),),
        (),
    ]
    assert condition((Identity(1, "h"),)) == "(created_at = 1 AND hash = 'h')"


def test_the_hash_is_drizzles_of_the_file_with_its_bom():
    document = SqlDocument(PATH, "0002_x", SourceText("SELECT 1;\n", bom=True))
    # the migrator hashes the file's UTF-8 bytes, BOM included
    expected = hashlib.sha256("\ufeffSELECT 1;\n".encode()).hexdigest()
    assert migration_hash(document) == expected


def test_the_identities_a_guard_names_are_read_back():
    once = guarded('CREATE TABLE "a" ("id" integer);\n', (Identity(1, None), Identity(None, "ab")))
    twice = guarded(once, (Identity(2, "cd"),))
    assert former_identities(twice) == (Identity(1, None), Identity(None, "ab"), Identity(2, "cd"))
    assert Identity(2, "cd").matches(2, "cd") and not Identity(2, "cd").matches(2, "ab")
    assert Identity(1, None).matches(1, "anything")
    assert former_identities('CREATE TABLE "a" ("id" integer);\n') == ()
