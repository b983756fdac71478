"""S001 syntax-error: A chunk PostgreSQL cannot parse.

## What it does
(not written yet)
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Severity, Violation
from drizzle_lsp.rules._api import Fixability, RuleInfo, Scope, SqlContext

RULE = RuleInfo(
    code="S001",
    name="syntax-error",
    severity=Severity.ERROR,
    fixability=Fixability.NONE,
    scope=Scope.SQL,
    summary="A chunk PostgreSQL cannot parse",
)


def check(ctx: SqlContext) -> Iterator[Violation]:
    yield from ()
