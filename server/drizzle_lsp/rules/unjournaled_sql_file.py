"""J003 unjournaled-sql-file: a `.sql` file in the migrations folder with no journal entry.

## What it does
Reports each `.sql` file beside `meta/` whose name (without `.sql`) is not the `tag` of any
journal entry. Only the top level of the folder counts: that is where the migrator looks, and
drizzle-kit keeps its snapshots in `meta/`. The range is the file's first line.

About both migrators: neither runs the file. `drizzle-kit up` moves only the journal's entries
into v1 folders, and the v1 migrator reads only `<name>/migration.sql`.

## Why is this bad?
The drizzle-orm migrator runs exactly the entries of `meta/_journal.json`; it never lists the
folder. A migration file without an entry never runs, on any database, and nothing says so.
This happens when a migration is written by hand without `drizzle-kit generate --custom`, or
when a merge conflict in the journal is resolved by dropping one side's entry. It also happens
the other way round: after a merge, a migration that was generated again under a new number
leaves its old file behind, usually with the same number as a journaled migration.

## Example
```
drizzle/0007_backfill_names.sql     (no "0007_backfill_names" in meta/_journal.json)
```

## Use instead
Add an entry at the end of `entries`:
```json
{"idx": 7, "version": "7", "when": 1767225600000, "tag": "0007_backfill_names", "breakpoints": true}
```
or delete the file if it is a leftover whose changes live in another migration.

## Fix safety
The fix appends an entry laid out like the last one: the next `idx`, a `when` after every other
entry and not before now (as J001's fix), `version` and `breakpoints` copied from the last entry,
`tag` = the file name. The migration then runs on every database at the next `migrate()`.
It is always unsafe: a file may be left out of the journal on purpose (a draft, a script run by
hand, a leftover of a merge whose changes were generated again), and adding it runs it on
production at the next deploy. It is applied only with `--unsafe-fixes` or from the editor.
No report while the journal is not valid
JSON, has no `entries` array or has an entry without a string `tag` (J006): which files it lists
is not known then; no fix while a key is written twice in one entry (J006).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from drizzle_lsp.core.diagnostics import Applicability, Fix, Severity, Span, Violation
from drizzle_lsp.core.folder import Layout, SqlDocument
from drizzle_lsp.core.journal import Journal
from drizzle_lsp.core.journal_edit import append_entry, is_rewritable, rewrite_isolation
from drizzle_lsp.core.text import TextIndex
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope, fit_title

RULE = RuleInfo(
    code="J003",
    name="unjournaled-sql-file",
    severity=Severity.WARNING,
    fixability=Fixability.SOMETIMES,
    scope=Scope.FOLDER,
    summary="SQL file with no journal entry: it never runs",
)

_NUMBER = re.compile(r"^(\d+)_")


def check(ctx: FolderContext) -> Iterator[Violation]:
    folder, journal, journal_path = ctx.folder, ctx.folder.journal, ctx.folder.journal_path
    # only journal folders list their migrations
    if folder.layout is not Layout.JOURNAL or journal is None or journal_path is None:
        return
    # a journal that cannot be read completely does not say which files are unjournaled (J006)
    if not _lists_every_tag(journal):
        return
    journaled = {e.tag for e in journal.entries if e.tag is not None}
    # the tag first: it rules out nearly every file, and path operations cost microseconds
    unjournaled = [(p, d) for p, d in folder.sql.items() if d.tag not in journaled]
    for path, document in sorted(unjournaled):
        # snapshots and anything below the folder are not migrations
        if path.parent != folder.root or path.suffix != ".sql":
            continue
        sibling = _same_number(journal, document.tag)
        yield RULE.violation(
            path,
            _first_line(document),
            _message(path, sibling),
            _fix(ctx, journal, journal_path, document.tag, sibling),
            tag=document.tag,
        )


def _lists_every_tag(journal: Journal) -> bool:
    """Whether every entry's tag can be read: valid JSON, an array of objects with string tags."""
    if journal.syntax_errors or journal.entries_array is None:
        return False
    return all(e.is_object and e.tag is not None for e in journal.entries)


def _same_number(journal: Journal, tag: str) -> str | None:
    """A journaled tag with the same number prefix as ``tag`` (a merge leftover's twin)."""
    number = _NUMBER.match(tag)
    if number is None:
        return None
    return next((e.tag for e in journal.entries if e.tag and e.tag.startswith(number[0])), None)


def _first_line(document: SqlDocument) -> Span:
    if document.source is None:
        return Span(0, 0)
    return Span(0, TextIndex(document.source.text).line_end(0))


def _message(path: Path, sibling: str | None) -> str:
    head = "Never run by the migrator: no journal entry."
    if sibling is not None:
        return (
            f"{head} `{sibling}` has the same number: a merge leftover? Delete it, or journal it."
        )
    return f"{head} Add it to the journal, or delete it if it is not a migration."


def _fix(
    ctx: FolderContext, journal: Journal, journal_path: Path, tag: str, sibling: str | None
) -> Fix | None:
    # a journal with a key written twice in one entry is ambiguous: no rewrite (J006)
    if not is_rewritable(journal):
        return None
    edits = append_entry(journal, journal_path, tag, ctx.now_ms)
    why = f"a leftover of {sibling}" if sibling is not None else "left out on purpose"
    return Fix(
        fit_title(
            f"Add {tag} to the journal (unsafe: runs at the next deploy)",
            f"Add {tag} to the journal (unsafe)",
            "Add this file to the journal (unsafe: runs at next deploy)",
        ),
        edits,
        Applicability.UNSAFE,
        rewrite_isolation(journal_path),
        (f"{tag}.sql runs on every database at the next deploy: check it is not {why}",),
    )
