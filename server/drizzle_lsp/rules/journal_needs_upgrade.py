"""J008 journal-needs-upgrade: a `meta/_journal.json` in a project on the v1 migrator.

## What it does
Reports the journal of a migrations folder whose project runs drizzle-orm's v1 migrator
(drizzle-orm 1.0.0-beta.14 or later, or `migrator = "v1"`; see "0.x or v1?" in the README). The
message says where the version was read (`node_modules`, a lockfile, `package.json`, or the
configuration), and, when `drizzle-kit up` (1.0.0-rc.5) will refuse the folder as it stands,
why: a missing snapshot or SQL file, a broken snapshot chain, or a late-dated entry of a merge
whose folder would sort before its parent's ("sorts before its parent ... No file was
changed"). `drizzle-lsp status` lists the folder `up` gives each entry.

This rule is about the v1 migrator only; on a 0.x project the journal is what the migrator reads,
and J001 to J007 check it.

## Why is this bad?
The v1 `migrate()` refuses a folder that still has a journal. Before it reads a single migration
or touches the database, it throws: "We detected that you have old drizzle-kit migration folders.
You must upgrade drizzle-kit and run "drizzle-kit up"". No migration runs on any database until
the folder is converted. This happens after upgrading drizzle-orm to 1.0 without running
`drizzle-kit up`, or when a branch still on 0.x brings its journal back in a merge.

## Example
```
drizzle/
  meta/_journal.json
  meta/0000_snapshot.json
  0000_init.sql
```
in a project whose `node_modules/drizzle-orm/package.json` says `1.0.0-rc.5`.

## Use instead
Convert the folder with drizzle-kit 1.0 (`npx drizzle-kit up`): each journal entry becomes a
`<YYYYMMDDHHMMSS>_<name>/migration.sql` folder named after its `when`, and the journal goes. If
the project is meant to stay on 0.x, pin `drizzle-orm` below 1.0.0-beta.14, or set
`migrator = "0.x"` when the version drizzle-lsp found is not the one that runs.

## Fix safety
No fix: the conversion renames every migration and rewrites its snapshot, which is
`drizzle-kit up`'s job.
"""

from __future__ import annotations

from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Severity, Span, Violation
from drizzle_lsp.core.migrator_choice import Migrator
from drizzle_lsp.core.upgrade_preview import preview_folder
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope

RULE = RuleInfo(
    code="J008",
    name="journal-needs-upgrade",
    severity=Severity.ERROR,
    fixability=Fixability.NONE,
    scope=Scope.FOLDER,
    summary="A journal in a project on the v1 migrator: migrate() throws until `drizzle-kit up`",
    migrator=Migrator.V1,
)


def check(ctx: FolderContext) -> Iterator[Violation]:
    folder = ctx.folder
    if folder.journal_path is None:
        return  # a v1 folder
    root = folder.journal.root_span if folder.journal is not None else None
    # the journal's opening brace (unreadable or empty: its start): the file as a whole
    span = Span(root.start, min(root.start + 1, root.end)) if root is not None else Span(0, 0)
    preview = preview_folder(folder)
    if preview is not None and preview.refusal is not None:
        remedy = f"`drizzle-kit up` will refuse to convert it as it stands: {preview.refusal}."
    else:
        remedy = "Convert the folder with `drizzle-kit up`."
    yield RULE.violation(
        folder.journal_path,
        span,
        f"migrate() throws while this journal exists: the project runs drizzle-orm's v1 "
        f"migrator ({ctx.migrator.reason}). {remedy}",
    )
