"""J003 unjournaled-sql-file: SQL file with no journal entry: it never runs.

## What it does
(not written yet)
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Severity, Violation
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope

RULE = RuleInfo(
    code="J003",
    name="unjournaled-sql-file",
    severity=Severity.WARNING,
    fixability=Fixability.ALWAYS,
    scope=Scope.FOLDER,
    summary="SQL file with no journal entry: it never runs",
)


def check(ctx: FolderContext) -> Iterator[Violation]:
    yield from ()
