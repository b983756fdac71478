"""J005 future-timestamp: a journal `when` in the future makes later migrations be skipped.

## What it does
Reports each journal entry whose `when` is more than 5 minutes (clock skew) later than both
the current time and every earlier entry's `when`. An entry that is in the future only because it
has to come after an earlier future entry (a J001 fix stamps it one millisecond later) is not
reported again: the first future entry is the cause.

This rule is about the 0.x migrator (drizzle-orm before 1.0.0-beta.14; see "0.x or v1?" in
the README): it skips what is dated before the newest applied row. The v1 migrator runs every
migration it has not recorded, whatever its date, so J005 is silent on a v1 project.

## Why is this bad?
The migrator runs an entry only if its `when` is greater than the `created_at` of the newest
migration a database has applied, and `created_at` is the applied entry's `when`. Once a
database has applied an entry dated in the future, every migration generated before that date
(drizzle-kit stamps them with the current time) is older and is silently skipped there, until
the clock passes the future date. A real case: an entry hand-stamped one day ahead made the next
one vanish from production.

## Example
```json
{"idx": 14, "when": 1798761600000, "tag": "0014_snapshot_session", ...}
```
on 2026-01-01, when `when` 1798761600000 is 2027-01-01.

## Use instead
Stamp it with the current time:
```json
{"idx": 14, "when": 1767225600000, "tag": "0014_snapshot_session", ...}
```
On a database that already applied it, also lower the row's `created_at` in
`drizzle.__drizzle_migrations`, or later migrations keep being skipped there. Entries after a
future one are reported by J001 (journal-order), with a fix that stamps them after it.

## Fix safety
Only for the last entry: the fix sets its `when` to max(now, the largest other `when` + 1).
It is unsafe: a database that already applied the entry keeps its future `created_at`, and the
journal no longer tells you so; migrations generated later stay skipped there until you update
that row. It is applied with `--unsafe-fixes` or from the editor. No fix for an entry that is not
the last one (the entries after it would then be dated before it: that needs a decision per
database), nor while the journal is not valid JSON (J006).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from drizzle_lsp.core.diagnostics import Applicability, Fix, Severity, Violation
from drizzle_lsp.core.journal import Journal, JournalEntry, format_when
from drizzle_lsp.core.journal_edit import is_rewritable, next_when, rewrite_isolation, set_value
from drizzle_lsp.core.migrator_choice import Migrator
from drizzle_lsp.core.settings import Settings
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope, fit_title

RULE = RuleInfo(
    code="J005",
    name="future-timestamp",
    severity=Severity.ERROR,
    fixability=Fixability.SOMETIMES,
    scope=Scope.FOLDER,
    summary="Journal `when` in the future: later migrations will be skipped",
    migrator=Migrator.ZERO_X,
)

SKEW_MS = 5 * 60 * 1000  # clocks of the machines that generated migrations may differ this much


def check(ctx: FolderContext) -> Iterator[Violation]:
    journal, path = ctx.folder.journal, ctx.folder.journal_path
    # only journal folders have entries; an unreadable journal is J006's
    if journal is None or path is None:
        return
    for entry in _future(journal, ctx.now_ms):
        assert entry.when is not None
        yield RULE.violation(
            path,
            entry.fields["when"].value_span,
            _message(entry, entry.when - ctx.now_ms, ctx.settings),
            _fix(journal, path, entry, ctx.now_ms),
            tag=entry.tag,
        )


def _future(journal: Journal, now_ms: int) -> Iterator[JournalEntry]:
    """Entries dated beyond the skew after both now and every earlier entry."""
    latest = now_ms
    for entry in journal.entries:
        if entry.when is None:
            continue  # a missing or non-integer `when` is J006's
        horizon = latest + SKEW_MS
        latest = max(latest, entry.when)
        if entry.when > horizon:
            yield entry


def _message(entry: JournalEntry, ahead_ms: int, settings: Settings) -> str:
    assert entry.when is not None
    table = f"{settings.migrations_schema}.{settings.migrations_table}"
    return (
        f"Newer migrations get skipped where this one is applied: dated "
        f"{format_when(entry.when)}, {_duration(ahead_ms)} ahead. Re-stamp it (and its "
        f"`created_at` in `{table}`)."
    )


def _duration(ms: int) -> str:
    for unit, size in (("day", 86_400_000), ("hour", 3_600_000), ("minute", 60_000)):
        if ms >= size:
            count = ms // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{ms} ms"


def _fix(journal: Journal, path: Path, entry: JournalEntry, now_ms: int) -> Fix | None:
    # only the last entry can simply be re-stamped; a journal that is not JSON cannot be
    if entry is not journal.entries[-1] or not is_rewritable(journal):
        return None
    when = next_when(journal, now_ms, excluding=[entry.position])
    return Fix(
        fit_title(
            f"Re-stamp {entry.label} with {format_when(when)} (unsafe)",
            f"Re-stamp {entry.label} with the current time (unsafe)",
            "Re-stamp with the current time (unsafe)",
        ),
        set_value(journal, path, entry.position, "when", when),
        Applicability.UNSAFE,
        isolation=rewrite_isolation(path),
        notes=(
            f"re-stamped {entry.label} with {format_when(when)}: a database that applied it "
            "keeps its future date",
        ),
    )
