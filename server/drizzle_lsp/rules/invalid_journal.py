"""J006 invalid-journal: The journal is not valid JSON or not a PostgreSQL Drizzle journal.

## What it does
(not written yet)
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Severity, Violation
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope

RULE = RuleInfo(
    code="J006",
    name="invalid-journal",
    severity=Severity.ERROR,
    fixability=Fixability.NONE,
    scope=Scope.FOLDER,
    summary="The journal is not valid JSON or not a PostgreSQL Drizzle journal",
)


def check(ctx: FolderContext) -> Iterator[Violation]:
    yield from ()
