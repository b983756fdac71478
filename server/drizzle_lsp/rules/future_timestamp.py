"""J005 future-timestamp: Journal `when` in the future: later migrations will be skipped.

## What it does
(not written yet)
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Severity, Violation
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope

RULE = RuleInfo(
    code="J005",
    name="future-timestamp",
    severity=Severity.ERROR,
    fixability=Fixability.SOMETIMES,
    scope=Scope.FOLDER,
    summary="Journal `when` in the future: later migrations will be skipped",
)


def check(ctx: FolderContext) -> Iterator[Violation]:
    yield from ()
