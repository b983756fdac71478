"""S003 missing-breakpoint: Two statements in one chunk of a breakpoints journal.

## What it does
(not written yet)
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Severity, Violation
from drizzle_lsp.rules._api import Fixability, RuleInfo, Scope, SqlContext

RULE = RuleInfo(
    code="S003",
    name="missing-breakpoint",
    severity=Severity.WARNING,
    fixability=Fixability.ALWAYS,
    scope=Scope.SQL,
    summary="Two statements in one chunk of a breakpoints journal",
)


def check(ctx: SqlContext) -> Iterator[Violation]:
    yield from ()
