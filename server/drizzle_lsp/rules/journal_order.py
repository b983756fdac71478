"""J001 journal-order: an entry whose `when` is not after every earlier entry is skipped.

## What it does
(not written yet)
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Severity, Violation
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope

RULE = RuleInfo(
    code="J001",
    name="journal-order",
    severity=Severity.ERROR,
    fixability=Fixability.ALWAYS,
    scope=Scope.FOLDER,
    summary="Journal entry whose `when` is not after every earlier entry: the migrator skips it",
)


def check(ctx: FolderContext) -> Iterator[Violation]:
    yield from ()
