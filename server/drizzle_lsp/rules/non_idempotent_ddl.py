"""S002 non-idempotent-ddl: DDL that fails or changes meaning when run twice.

## What it does
(not written yet)
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Severity, Violation
from drizzle_lsp.rules._api import Fixability, RuleInfo, Scope, SqlContext

RULE = RuleInfo(
    code="S002",
    name="non-idempotent-ddl",
    severity=Severity.WARNING,
    fixability=Fixability.SOMETIMES,
    scope=Scope.SQL,
    summary="DDL that fails or changes meaning when run twice",
)


def check(ctx: SqlContext) -> Iterator[Violation]:
    yield from ()
