"""J001 journal-order: an entry whose `when` is not after every earlier entry is skipped.

## What it does
Reports each journal entry whose `when` is not greater than the largest `when` of the entries
before it in `entries`. The message names the earlier entry it collides with (the first one
holding that largest `when`) and both dates, in ISO 8601 UTC.

This rule is about the 0.x migrator (drizzle-orm before 1.0.0-beta.14; see "0.x or v1?" in
the README), which compares timestamps. The v1 migrator skips nothing, so on a v1 project J001 is
silent and J008 reports the journal; the entries J001 would flag there are those the first v1
`migrate()` runs after newer ones, and S002's `at-risk` scope still looks at them.

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
Keep the order of `entries` and give the entry, and every entry after it, a `when` later than
every other entry (and not before now), strictly increasing:
```json
{"idx": 12, "when": 1740000000000, "tag": "0012_agent_messages", ...},
{"idx": 13, "when": 1767225600000, "tag": "0013_drop_channels", ...}
```
Databases that applied a re-dated migration would now run it again, so each re-dated migration
also gets a run-once guard: every chunk of its SQL, untouched, inside a generated `DO` block that
runs it only when the migrations table has no row for the migration's previous identity:
```sql
-- drizzle-lsp run-once guard (generated): skipped where this migration ran
DO $drizzle_lsp$ BEGIN IF NOT EXISTS (SELECT 1 FROM "drizzle"."__drizzle_migrations"
  WHERE created_at = 1708000000000 OR hash = '9f86d08…') THEN EXECUTE $drizzle_lsp_sql$
ALTER TABLE "channels" DROP COLUMN "topic";
$drizzle_lsp_sql$; END IF; END $drizzle_lsp$;
```
The previous identity is the entry's old `when` (drizzle stores it as `created_at`) or the sha256
of its old text (stored as `hash`); a `when` or text that two entries share is used only together
with the other. The table is `migrations-schema`.`migrations-table` from the configuration.

## Fix safety
The fix keeps the array order, so an empty database still runs every migration in the order it
always did. It re-dates the first out-of-order entry and every entry after it, with strictly
increasing `when` values from max(now, largest `when` + 1), now rounded down to the minute,
and guards each of them:

- a database that applied everything skips every guarded statement and records the new dates;
- a database that skipped an entry runs it now, and skips the guarded entries it had applied;
- a guarded migration is guarded again, when it has to move again, by adding its new identity to
  the guard's condition;
- an out-of-order migration also gets S002's safe fixes (`IF NOT EXISTS`, ...) inside its guard:
  a database that skipped it runs it after the later ones, and a team that noticed something
  missing has often written a later migration that makes it.

The fix is safe. It is unsafe, and says why, when a re-dated migration cannot be guarded: its
file is not valid UTF-8 or cannot be read, it has a syntax error, or it holds a transaction
statement (`COMMIT`, `BEGIN`, ...), which cannot run inside a `DO` block. Without a guard, that
migration runs again wherever it was applied. No fix is offered while the journal is not valid
JSON (J006).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from drizzle_lsp.core.diagnostics import Applicability, Edit, Fix, Severity, Violation
from drizzle_lsp.core.fixes import compatible_fixes
from drizzle_lsp.core.folder import SqlDocument
from drizzle_lsp.core.journal import Journal, JournalEntry, format_when
from drizzle_lsp.core.journal_edit import is_rewritable, redate_from, rewrite_isolation
from drizzle_lsp.core.migrator_choice import Migrator
from drizzle_lsp.core.run_once import guard_file, identities, migration_hash, quoted_table
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope

RULE = RuleInfo(
    code="J001",
    name="journal-order",
    severity=Severity.ERROR,
    fixability=Fixability.SOMETIMES,
    scope=Scope.FOLDER,
    summary="Journal entry whose `when` is not after every earlier entry: the migrator skips it",
    migrator=Migrator.ZERO_X,
)

S002 = frozenset({"S002"})
TITLE_MAX = 59  # an editor's quick fix menu shows about this much


def check(ctx: FolderContext) -> Iterator[Violation]:
    folder, journal = ctx.folder, ctx.folder.journal
    # only journal folders have entries; an unreadable journal is J006's
    if journal is None or folder.journal_path is None:
        return
    late = out_of_order(journal)
    if not late:
        return
    fix, problems = _fix(ctx, journal, folder.journal_path, [entry for entry, _ in late])
    for entry, earlier in late:
        yield RULE.violation(
            folder.journal_path,
            entry.fields["when"].value_span,
            _message(entry, earlier, journal.entries[-1], problems),
            fix,
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


def _message(
    entry: JournalEntry, earlier: JournalEntry, last: JournalEntry, problems: list[str]
) -> str:
    assert entry.when is not None and earlier.when is not None
    relation = "the same date as" if entry.when == earlier.when else "before"
    later = " and the later entries" if entry is not last else ""
    if not problems:
        remedy = "guarded to run once"
    else:
        remedy = f"but review first: {'; '.join(_not_guarded(p) for p in problems)}"
    return (
        f"Skipped by migrate() on databases past {earlier.quoted}: dated "
        f"{format_when(entry.when)}, {relation} {format_when(earlier.when)}. "
        f"Re-date it{later}, {remedy}."
    )


def _not_guarded(problem: str) -> str:
    return f"not guarded: {problem}; it runs again where it was applied"


def _fix(
    ctx: FolderContext, journal: Journal, path: Path, late: list[JournalEntry]
) -> tuple[Fix | None, list[str]]:
    """Re-date the first late entry and every later one, and guard each re-dated migration;
    the fix, and why some migrations cannot be guarded."""
    # a journal that is not valid JSON cannot be rewritten safely
    if not is_rewritable(journal):
        return None, []
    first = late[0]
    journal_edits, first_when = redate_from(journal, path, first.position, _minute(ctx.now_ms))
    redated = journal.entries[first.position :]
    guard_edits, guarded, idempotent, problems = _guards(
        ctx, journal, redated, {e.position for e in late}
    )
    labels = [e.label for e in redated]
    notes = [
        f"re-dated {_listing(labels)} from {format_when(first_when)} on",
        *([f"added run-once guards to {_listing(guarded)}"] if guarded else []),
        *([f"made {_listing(idempotent)} idempotent inside its guard"] if idempotent else []),
        *(_not_guarded(problem) for problem in problems),
    ]
    fix = Fix(
        _title(labels, unsafe=bool(problems)),
        (*journal_edits, *guard_edits),
        Applicability.UNSAFE if problems else Applicability.SAFE,
        rewrite_isolation(path),
        tuple(notes),
    )
    return fix, problems


def _minute(now_ms: int) -> int:
    """``now_ms`` rounded down to the minute: the re-dated entries then stay the same from one
    analysis to the next (each keystroke in the editor), and so does their cached text. Any
    migration generated from now on is still dated after them."""
    return now_ms - now_ms % 60_000


def _guards(
    ctx: FolderContext, journal: Journal, redated: list[JournalEntry], late: set[int]
) -> tuple[list[Edit], list[str], list[str], list[str]]:
    """The edits guarding the re-dated migrations, the files guarded, those also made
    idempotent, and why some cannot be guarded.

    A late migration also gets S002's safe fixes inside its guard: a database that skipped it
    runs it after the later ones, which may have made some of its objects already (a team that
    found a column missing often adds a migration that makes it)."""
    documents = [_document(ctx, entry) for entry in journal.entries]
    hashes = [migration_hash(d) if d is not None else None for d in documents]
    known_as = identities([e.when for e in journal.entries], hashes)
    table = quoted_table(ctx.settings.migrations_schema, ctx.settings.migrations_table)
    edits: list[Edit] = []
    guarded: list[str] = []
    problems: list[str] = []
    idempotent: list[str] = []
    for document, entries in _by_file(redated, documents):
        label = entries[0].label
        if not all(known_as[e.position] for e in entries):
            problems.append(f"{label} has no `when` to know it by")
            continue
        terms = [term for e in entries for term in known_as[e.position]]
        is_late = any(e.position in late for e in entries)
        inside = _idempotent_edits(ctx, document) if is_late else ()
        result = guard_file(document, terms, table, inside)
        if result.problem is not None:
            problems.append(result.problem)
        elif result.edits:
            edits.extend(result.edits)
            guarded.append(f"{label}.sql")
            if inside:
                idempotent.append(f"{label}.sql")
    return edits, guarded, idempotent, problems


def _by_file(
    redated: list[JournalEntry], documents: list[SqlDocument | None]
) -> list[tuple[SqlDocument, list[JournalEntry]]]:
    """The re-dated entries of each file: a tag listed twice names one file, guarded once."""
    found: dict[Path, tuple[SqlDocument, list[JournalEntry]]] = {}
    for entry in redated:
        document = documents[entry.position]
        # a missing file is J002's: the migrator throws before running anything
        if document is not None:
            found.setdefault(document.path, (document, []))[1].append(entry)
    return list(found.values())


def _idempotent_edits(ctx: FolderContext, document: SqlDocument) -> tuple[Edit, ...]:
    """The edits of S002's safe fixes of ``document`` that can be made together."""
    fixes = [
        v.fix
        for v in ctx.lint_sql(document, S002)
        if v.code == "S002" and v.fix is not None and v.fix.applicability is Applicability.SAFE
    ]
    return tuple(edit for fix in compatible_fixes(fixes) for edit in fix.edits)


def _document(ctx: FolderContext, entry: JournalEntry) -> SqlDocument | None:
    return ctx.folder.document_for_tag(entry.tag) if entry.tag is not None else None


def _title(labels: list[str], unsafe: bool) -> str:
    suffix = " (unsafe)" if unsafe else ""
    first, others = labels[0], len(labels) - 1
    candidates = [
        f"Re-date {first}, guarded to run once{suffix}"
        if not others
        else f"Re-date {first} and {others} later, guarded{suffix}",
        f"Re-date {len(labels)} entries, guarded to run once{suffix}",
    ]
    return next((t for t in candidates if len(t) <= TITLE_MAX), candidates[-1])


def _listing(names: list[str], shown: int = 3) -> str:
    if len(names) <= shown:
        return ", ".join(names)
    return f"{', '.join(names[:shown])} and {len(names) - shown} more"
