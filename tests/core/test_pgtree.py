"""The JSON parse trees read exactly as pglast's AST: same classes, attributes, enums, locations.

The rules were written against ``pglast.parse_sql``'s AST; :mod:`drizzle_lsp.core.pgtree` must
give the same answers. Compared attribute by attribute, recursively, on hand-picked statements
and (marked ``corpus``) on every statement of the shared corpora.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pglast
import pytest
from pglast import ast
from shared import CORPUS, PG_REGRESSION, require

from drizzle_lsp.core import pgtree
from drizzle_lsp.core.migration import parse_chunk, parse_chunk_and_trees

CORPORA = [PG_REGRESSION, CORPUS]

CASES = [
    'CREATE TABLE "t" ("id" serial PRIMARY KEY, "label" text DEFAULT \'café ☕\');',
    "select 'é' , x from t where y = 'ü' -- 🎉\n; select 2",
    'ALTER TABLE "t" ADD CONSTRAINT "c" UNIQUE ("a"), ADD COLUMN "b" integer;',
    "DO $$ BEGIN CREATE TYPE m AS ENUM ('a'); EXCEPTION WHEN others THEN null; END $$"
    " LANGUAGE plpgsql;",
    "ALTER TYPE e ADD VALUE IF NOT EXISTS 'x' AFTER 'w'; ALTER TYPE e RENAME VALUE 'a' TO 'b'",
    "CREATE INDEX CONCURRENTLY ON t USING btree (a DESC NULLS LAST) WHERE b > 0",
    "DROP TABLE IF EXISTS a, b CASCADE; DROP INDEX i; DROP ROLE r",
    "SELECT * FROM ROWS FROM (generate_series(1, 2), generate_series(1, 3)) AS x",
    "CREATE FOREIGN TABLE ft (a int) SERVER s; SELECT true, 1.5, B'101', NULL",
    "COMMENT ON TABLE t IS 'x'; CREATE SCHEMA s CREATE TABLE t (a int)",
]


def same(expected: Any, actual: Any, where: str = "") -> None:
    if isinstance(expected, ast.Node):
        assert isinstance(actual, pgtree.Node), where
        assert actual.type_name == type(expected).__name__, where
        for name in expected.__slots__:
            wanted, got = getattr(expected, name), getattr(actual, name)
            if wanted == "" and got is None:
                continue  # the JSON leaves out empty strings (see pgtree's docstring)
            same(wanted, got, f"{where}.{name}")
    elif isinstance(expected, tuple):
        assert isinstance(actual, tuple) and len(actual) == len(expected), where
        for i, (wanted, got) in enumerate(zip(expected, actual, strict=True)):
            same(wanted, got, f"{where}[{i}]")
    else:
        assert (type(actual), actual) == (type(expected), expected), where


def check(text: str) -> None:
    # a chunk about to be linted gets its bounds from the tree's parse: the same as the split's
    parse_chunk.cache_clear()
    assert parse_chunk_and_trees(text)[0] == parse_chunk(text)
    try:
        expected = pglast.parse_sql(text)
    except pglast.parser.ParseError as error:
        with pytest.raises(pgtree.ParseError) as raised:
            pgtree.parse(text)
        assert raised.value.args == error.args
        with pytest.raises(pgtree.ParseError) as raised:
            pgtree.bounds(text)
        assert raised.value.args == error.args
        return
    actual = pgtree.parse(text)
    assert pgtree.bounds(text) == [
        (s.start, s.start + len(text[s.start : s.end].rstrip())) for s in actual
    ]
    assert len(actual) == len(expected)
    for raw, statement in zip(expected, actual, strict=True):
        start = raw.stmt_location or 0
        end = start + raw.stmt_len if raw.stmt_len else len(text)
        assert (statement.start, statement.end) == (start, end)
        same(raw.stmt, statement.node, text[start:end][:60])


@pytest.mark.parametrize("text", CASES)
def test_tree_reads_as_pglast(text: str) -> None:
    check(text)


@pytest.mark.parametrize("text", ["SELECT 'é' FROM FROM", "CREATE TABLE (", "SELECT '☕"])
def test_parse_error_as_pglast(text: str) -> None:
    check(text)


@pytest.mark.parametrize(
    "text",
    [
        "-- café ☕\nSELECT 1 ; /* é */ SELECT 'x'\n\n;; SELECT 2 -- end",
        "  \n\t",
        "-- only a comment",
        ";",
    ],
)
def test_bounds_are_the_parse_trees_statements_without_trailing_blanks(text: str) -> None:
    check(text)


def test_unknown_attribute_is_an_attribute_error() -> None:
    node = pgtree.parse("DROP TABLE t")[0].node
    assert getattr(node, "renameType", None) is None
    with pytest.raises(AttributeError):
        _ = node.no_such_attribute


def _corpus_chunks() -> Iterator[str]:
    for root in CORPORA:
        for path in sorted(root.rglob("*.sql")):
            text = path.read_text(encoding="utf-8", errors="replace")
            for chunk in text.split("--> statement-breakpoint"):
                try:  # statement by statement: pglast is quadratic on big non-ASCII texts
                    yield from pglast.parser.split(chunk)
                except pglast.parser.ParseError:
                    yield chunk


@pytest.mark.corpus
def test_corpus_trees_read_as_pglast() -> None:
    require(*CORPORA)
    for chunk in _corpus_chunks():
        check(chunk)
