"""J004 journal-index: `idx` not 0..n-1 in order, or a duplicate idx/tag/when.

## What it does
(not written yet)
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Severity, Violation
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope

RULE = RuleInfo(
    code="J004",
    name="journal-index",
    severity=Severity.WARNING,
    fixability=Fixability.SOMETIMES,
    scope=Scope.FOLDER,
    summary="`idx` not 0..n-1 in order, or a duplicate idx/tag/when",
)


def check(ctx: FolderContext) -> Iterator[Violation]:
    yield from ()
