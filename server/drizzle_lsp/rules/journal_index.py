"""J004 journal-index: `idx` not 0..n-1 in array order, or a tag listed twice.

## What it does
Reports each journal entry whose `idx` is not its position in `entries` (0 for the first entry,
then 1, 2, ...), which covers gaps, duplicates and entries out of numeric order, and each entry
whose `tag` an earlier entry already has.

A duplicate `when` is not reported here: the later of two entries with the same `when` is always
skipped by the migrator, so J001 (journal-order) reports it, with a fix that resolves it.

About both migrators: the 0.x migrator reads the journal, and on a v1 project (J008)
`drizzle-kit up` converts it, naming each folder after the entry's `when` and tag.

## Why is this bad?
The migrator itself ignores `idx`, but drizzle-kit does not: `drizzle-kit generate` numbers the
next migration (its file and its snapshot, `NNNN_snapshot.json`) after the last entry's `idx`.
Wrong numbers lead to a reused migration number and an overwritten snapshot, and they usually
mean the journal was merged or edited by hand; check the entries around them.

A tag listed twice makes the migrator run the same file twice: the second run fails unless the
SQL is idempotent, and the failure rolls back every pending migration with it.

## Example
```json
{"idx": 0, "tag": "0000_init", ...},
{"idx": 1, "tag": "0001_users", ...},
{"idx": 1, "tag": "0001_posts", ...}
```

## Use instead
```json
{"idx": 0, "tag": "0000_init", ...},
{"idx": 1, "tag": "0001_users", ...},
{"idx": 2, "tag": "0001_posts", ...}
```
Tags do not have to match `idx` (drizzle does not care), so files are not renamed.

## Fix safety
Renumbering `idx` only edits `meta/_journal.json` and changes nothing the migrator does, so it is
safe; it is unsafe when it lowers the last `idx` below a migration number the files already use
(a journal numbered from 1, say), because the next `drizzle-kit generate` would then reuse that
number. A duplicate tag has no fix: only you know which entry to remove. No fix while the
journal is not valid JSON (J006).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from drizzle_lsp.core.diagnostics import Applicability, Fix, Severity, Violation
from drizzle_lsp.core.journal import Journal, JournalEntry
from drizzle_lsp.core.journal_edit import (
    is_rewritable,
    renumber,
    renumber_hazard,
    rewrite_isolation,
)
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope

RULE = RuleInfo(
    code="J004",
    name="journal-index",
    severity=Severity.WARNING,
    fixability=Fixability.SOMETIMES,
    scope=Scope.FOLDER,
    summary="`idx` not 0..n-1 in order, or a tag listed twice",
)


def check(ctx: FolderContext) -> Iterator[Violation]:
    journal, path = ctx.folder.journal, ctx.folder.journal_path
    # only journal folders have entries; an unreadable journal is J006's
    if journal is None or path is None:
        return
    misnumbered = [e for e in journal.entries if e.idx is not None and e.idx != e.position]
    fix = _renumber_fix(journal, path) if misnumbered else None
    for entry in misnumbered:
        yield RULE.violation(
            path, entry.fields["idx"].value_span, _idx_message(journal, entry), fix, tag=entry.tag
        )
    first_with_tag: dict[str, JournalEntry] = {}
    for entry in journal.entries:
        if entry.tag is None:
            continue  # a missing or non-string tag is J006's
        first = first_with_tag.setdefault(entry.tag, entry)
        if first is entry:
            continue
        yield RULE.violation(
            path,
            entry.fields["tag"].value_span,
            f"`{entry.tag}` is listed twice (entries {first.position} and {entry.position}): the "
            "migrator runs its SQL twice, and the second run fails unless it is idempotent, "
            "rolling back every pending migration. Remove one of the entries.",
            tag=entry.tag,
        )


def _idx_message(journal: Journal, entry: JournalEntry) -> str:
    same = [e for e in journal.entries if e.idx == entry.idx and e is not entry]
    twin = f", the same as {same[0].quoted}" if same else ""
    return (
        f"`idx` of {entry.quoted} is {entry.idx}{twin}, but it is entry {entry.position} of "
        "`entries`: drizzle-kit numbers the next migration and its snapshot after the last `idx`, "
        "so wrong numbers make it skip or reuse numbers (a reused one overwrites a snapshot). "
        "Renumber `idx` 0..n-1."
    )


def _renumber_fix(journal: Journal, path: Path) -> Fix | None:
    # a journal that is not valid JSON cannot be rewritten safely
    if not is_rewritable(journal):
        return None
    last = len(journal.entries) - 1
    hazard = renumber_hazard(journal, last)
    edits, isolation = renumber(journal, path), rewrite_isolation(path)
    if hazard is None:
        return Fix(f"Renumber `idx` 0..{last}", edits, isolation=isolation)
    return Fix(
        f"Renumber `idx` 0..{last} (unsafe)",
        edits,
        Applicability.UNSAFE,
        isolation,
        (f"renumbered `idx` 0..{last}: {hazard}",),
    )
