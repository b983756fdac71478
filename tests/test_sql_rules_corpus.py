"""Robustness of the SQL rules on real SQL: PostgreSQL's regression suite and real Drizzle folders.

Every statement of ``../shared/corpus/pg-regression/*.sql`` (read in place, never copied) is
linted as a chunk of its own by S001, S002 and S003: no rule may crash, and every fix a rule
offers must verify as the analyzer requires (the fixed text parses no worse and the rule fires
less). The Drizzle folders of ``../shared/corpus/drizzle`` go through the whole analyzer and
``fix_folder``: after fixing, no S002/S003 fix is left to apply and no syntax error appeared.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pglast import parser
from shared import CORPUS, PG_REGRESSION, require

from drizzle_lsp.core.diagnostics import Fix
from drizzle_lsp.core.fixes import apply_edits
from drizzle_lsp.core.migration import MigrationFile
from drizzle_lsp.core.settings import S002Scope, Settings
from drizzle_lsp.core.workspace import discover, load_target
from drizzle_lsp.engine.analyze import analyze, fix_folder
from drizzle_lsp.rules import SQL_RULES, Rule
from drizzle_lsp.rules._api import SqlContext

pytestmark = pytest.mark.corpus

REGRESSION, DRIZZLE = PG_REGRESSION, CORPUS
NOW = 1_767_225_600_000


def _need(path: Path) -> None:
    require(path)


def _statements(text: str) -> Iterator[str]:
    """The file's statements, found by PostgreSQL's scanner; the whole file if it cannot scan."""
    try:
        yield from parser.split(text, with_parser=False)
    except parser.ParseError:
        yield text


def _holds(rule: Rule, ctx: SqlContext, before: int, fix: Fix) -> bool:
    fixed = MigrationFile(apply_edits(ctx.file.text, fix.edits))
    if len(fixed.syntax_errors) > len(ctx.file.syntax_errors):
        return False
    return sum(1 for _ in rule.check(SqlContext(fixed, ctx.breakpoints))) < before


def _failures(text: str) -> Iterator[str]:
    ctx = SqlContext(MigrationFile(text), breakpoints=True)
    for rule in SQL_RULES:
        found = list(rule.check(ctx))
        for v in found:
            assert 0 <= v.span.start <= v.span.end <= len(text)
            for fix in (v.fix, *v.alternatives):
                if fix is not None and not _holds(rule, ctx, len(found), fix):
                    yield f"{rule.code} fix {fix.title!r} does not verify on:\n{text}"


def test_pg_regression_corpus() -> None:
    _need(REGRESSION)
    failures: list[str] = []
    count = 0
    for path in sorted(REGRESSION.glob("*.sql")):
        text = path.read_bytes().decode("utf-8", "replace")
        for statement in _statements(text):
            count += 1
            failures.extend(f"{path.name}: {f}" for f in _failures(statement))
    assert count > 10_000
    assert not failures, "\n\n".join(failures[:10])


def test_drizzle_corpus() -> None:
    _need(DRIZZLE)
    targets = discover([DRIZZLE])
    assert len(targets) >= 10
    failures: list[str] = []
    for target in targets:
        folder = load_target(target)
        for document in folder.sql.values():
            if document.source is not None:
                failures.extend(f"{document.path}: {f}" for f in _failures(document.source.text))
        every = Settings(s002_scope=S002Scope.ALL)  # every migration's statements, not the newest
        before = analyze(folder, every, clock=lambda: NOW)
        outcome = fix_folder(folder, every, clock=lambda: NOW, unsafe=True)
        left = [v for v in outcome.remaining if v.code in ("S002", "S003") and v.fix is not None]
        assert not left, [f"{v.path}: {v.message}" for v in left[:5]]
        syntax = sum(1 for v in before if v.code == "S001")
        assert sum(1 for v in outcome.remaining if v.code == "S001") <= syntax
    assert not failures, "\n\n".join(failures[:10])
