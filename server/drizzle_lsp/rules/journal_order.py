"""J001 journal-order: an entry whose `when` is not after every earlier entry is skipped.

## What it does
Reports each journal entry whose `when` is not greater than the largest `when` of the entries
before it in `entries`. The message names the earlier entry it collides with (the first one
holding that largest `when`) and both dates, in ISO 8601 UTC.

## Why is this bad?
The drizzle-orm migrator does not compare tags or look at which migrations a database has run.
It reads the newest row of `drizzle.__drizzle_migrations` (by `created_at`, which is the `when`
of the last applied entry) and runs only the entries whose `when` is greater. An entry dated
before an earlier entry is therefore **silently skipped** on every database that applied that
earlier entry: no error, the migration just never happens there. It typically appears after
merging two branches that each ran `drizzle-kit generate`: the branch merged second keeps its
older timestamp but lands after the other branch's entries.

Two entries with the same `when` are the same problem (the second one is skipped); it is
reported here and not by J004.

## Example
```json
{"idx": 12, "when": 1740000000000, "tag": "0012_agent_messages", ...},
{"idx": 13, "when": 1708000000000, "tag": "0013_drop_channels", ...}
```
`0013_drop_channels` is dated a year before `0012_agent_messages`: every database that ran
`0012_agent_messages` never runs it.

## Use instead
Move the entry to the end of `entries` with a `when` later than every other entry (and not
before now), and renumber `idx`:
```json
{"idx": 12, "when": 1740000000000, "tag": "0012_agent_messages", ...},
{"idx": 13, "when": 1767225600000, "tag": "0013_drop_channels", ...}
```
Databases that did apply the migration will now run it again, so its SQL must be idempotent
(`IF NOT EXISTS`, `IF EXISTS`, a `DO` block catching `duplicate_object`): see S002.

## Fix safety
The fix moves all out-of-order entries at once to the end, keeping their relative order, gives
them strictly increasing `when` values from max(now, largest `when` + 1) on, and renumbers every
`idx` to 0..n-1. It only edits `meta/_journal.json` and keeps its formatting. It is safe as an
edit of the journal, but the moved migrations will run again on databases that had already
applied them: when one of them is not idempotent (S002 fires on it), the fix title says so,
and a second action makes its SQL idempotent (S002's fixes) and moves it, in one edit.
When renumbering would make drizzle-kit reuse an existing migration number (a journal whose
`idx` do not start at 0), the fix is unsafe. No fix is offered while the journal is not valid
JSON (J006).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from drizzle_lsp.core.diagnostics import Applicability, Edit, Fix, Severity, Violation
from drizzle_lsp.core.fixes import compatible_fixes
from drizzle_lsp.core.journal import Journal, JournalEntry, format_when
from drizzle_lsp.core.journal_edit import (
    is_rewritable,
    move_to_end,
    renumber_hazard,
    rewrite_isolation,
)
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope

RULE = RuleInfo(
    code="J001",
    name="journal-order",
    severity=Severity.ERROR,
    fixability=Fixability.SOMETIMES,
    scope=Scope.FOLDER,
    summary="Journal entry whose `when` is not after every earlier entry: the migrator skips it",
)

S002 = frozenset({"S002"})


def check(ctx: FolderContext) -> Iterator[Violation]:
    folder, journal = ctx.folder, ctx.folder.journal
    # only journal folders have entries; an unreadable journal is J006's
    if journal is None or folder.journal_path is None:
        return
    late = out_of_order(journal)
    if not late:
        return
    fix, alternatives = _fixes(ctx, journal, [entry for entry, _ in late])
    for entry, earlier in late:
        yield RULE.violation(
            folder.journal_path,
            entry.fields["when"].value_span,
            _message(entry, earlier),
            fix,
            alternatives,
            tag=entry.tag,
        )


def out_of_order(journal: Journal) -> list[tuple[JournalEntry, JournalEntry]]:
    """Each entry whose `when` is not after every earlier one, with the earlier entry holding
    the largest `when` (the first to reach it). Entries without an integer `when` are J006's."""
    found: list[tuple[JournalEntry, JournalEntry]] = []
    latest: JournalEntry | None = None
    latest_when = 0
    for entry in journal.entries:
        when = entry.when
        if when is None:
            continue
        if latest is not None and when <= latest_when:
            found.append((entry, latest))
            continue
        latest, latest_when = entry, when
    return found


def _message(entry: JournalEntry, earlier: JournalEntry) -> str:
    assert entry.when is not None and earlier.when is not None
    relation = "the same date as" if entry.when == earlier.when else "before"
    return (
        f"{entry.quoted} is dated {format_when(entry.when)}, {relation} the earlier entry "
        f"{earlier.quoted} ({format_when(earlier.when)}): the migrator silently skips it on "
        f"every database that has applied {earlier.quoted}. Move it to the end of the journal "
        "with a newer `when`; it will then run again where it was applied, so make it idempotent."
    )


def _fixes(
    ctx: FolderContext, journal: Journal, late: Sequence[JournalEntry]
) -> tuple[Fix | None, tuple[Fix, ...]]:
    """The one fix every J001 violation carries (all late entries move together), and the
    alternative that also makes their SQL idempotent."""
    path = ctx.folder.journal_path
    # a journal that is not valid JSON cannot be rewritten safely
    if path is None or not is_rewritable(journal):
        return None, ()
    edits = move_to_end(journal, path, [e.position for e in late], ctx.now_ms)
    hazard = renumber_hazard(journal, len(journal.entries) - 1)
    applicability = Applicability.UNSAFE if hazard else Applicability.SAFE
    note = f"; unsafe: {hazard}" if hazard else ""
    names = ", ".join(e.label for e in late)
    risky, sql_edits, sql_unsafe = _not_idempotent(ctx, late)
    isolation = rewrite_isolation(path)
    fix = Fix(
        f"Move {names} to the end of the journal{_warning(risky)}{note}",
        edits,
        applicability,
        isolation,
    )
    if not risky or sql_edits is None:
        return fix, ()
    files = ", ".join(f"{e.label}.sql" for e in risky)
    both = Fix(
        f"Make {files} idempotent and move {names} to the end of the journal{note}",
        (*sql_edits, *edits),
        Applicability.UNSAFE if hazard or sql_unsafe else Applicability.SAFE,
        isolation,
    )
    return fix, (both,)


def _warning(risky: Sequence[JournalEntry]) -> str:
    if not risky:
        return ""
    files = ", ".join(f"{e.label}.sql" for e in risky)
    verb, where = ("is", "it was") if len(risky) == 1 else ("are", "they were")
    return f" (warning: {files} {verb} not idempotent and will run again where {where} applied)"


def _not_idempotent(
    ctx: FolderContext, late: Sequence[JournalEntry]
) -> tuple[list[JournalEntry], tuple[Edit, ...] | None, bool]:
    """The late entries whose SQL S002 flags, the edits of S002's fixes for all of them (None
    when some statement has no fix or fixes collide), and whether any of those fixes is unsafe."""
    risky: list[JournalEntry] = []
    fixes: list[Fix] = []
    complete = True
    for entry in late:
        document = ctx.folder.document_for_tag(entry.tag) if entry.tag is not None else None
        if document is None:
            continue  # a missing file is J002's
        found = [v for v in ctx.lint_sql(document, S002) if v.code == "S002"]
        if not found:
            continue
        risky.append(entry)
        for v in found:
            if v.fix is None:
                complete = False
            else:
                fixes.append(v.fix)
    if not complete or not fixes or len(compatible_fixes(fixes)) != len(set(fixes)):
        return risky, None, False
    edits = tuple(edit for fix in dict.fromkeys(fixes) for edit in fix.edits)
    unsafe = any(fix.applicability is Applicability.UNSAFE for fix in fixes)
    return risky, edits, unsafe
