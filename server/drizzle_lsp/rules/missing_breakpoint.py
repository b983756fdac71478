"""S003 missing-breakpoint: Two statements in one chunk of a `breakpoints: true` migration.

## What it does
When the journal says `"breakpoints": true` (drizzle-kit's default, and always for the v1
layout), reports every statement that shares its chunk with the statement before it, that is,
that is not separated from it by a `--> statement-breakpoint` line.

## Why is this bad?
The migrator sends each chunk as one query. A driver that sends it as a prepared statement
(the extended query protocol) rejects a query holding more than one statement:
`cannot insert multiple commands into a prepared statement`, and the deploy fails. Run with
drizzle-orm 0.45.4's own `migrate()` of each driver on a two-statement chunk:

| driver (`driver` setting) | several statements in one chunk |
| --- | --- |
| `node-postgres` (`pg` 8.23.1) | run |
| `postgres-js` (`postgres` 3.4.9) | run |
| `pglite` (`@electric-sql/pglite` 0.5.17) | rejected |
| `neon-http`, `neon-serverless`, `vercel-postgres`, `xata-http` | unverified |
| `aws-data-api`, `pg-proxy`, `bun-sql` | unverified |

The rule is silent when the `driver` setting (or, with `auto`, the project's `package.json` or
`drizzle.config.*`) names a driver that runs them, and reports otherwise: for the drivers that
reject them, those not verified, and when the driver is not known. On a driver that runs them
the chunk works until the project switches drivers.

## Example
```sql
CREATE TABLE "users" ("id" serial PRIMARY KEY);
CREATE INDEX "users_id_idx" ON "users" ("id");
```

## Use instead
```sql
CREATE TABLE "users" ("id" serial PRIMARY KEY);
--> statement-breakpoint
CREATE INDEX "users_id_idx" ON "users" ("id");
```

## Fix safety
Safe: the fix inserts a `--> statement-breakpoint` line after the first statement's `;` (at the
end of its line, after any comment there), keeping the file's line endings, so each statement
runs as its own query, as drizzle-kit would have written it. Statements that must share one query
do not exist in PostgreSQL (a `DO` block or function body is one statement).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Edit, Fix, Severity, Span, Violation
from drizzle_lsp.core.migration import BREAKPOINT, MigrationFile, Statement
from drizzle_lsp.core.tokens import COMMENTS, scan
from drizzle_lsp.rules._api import CHUNK_PATH, Fixability, RuleInfo, Scope, SqlContext

RULE = RuleInfo(
    code="S003",
    name="missing-breakpoint",
    severity=Severity.WARNING,
    fixability=Fixability.ALWAYS,
    scope=Scope.SQL,
    summary="Two statements in one chunk of a breakpoints journal",
)


def check(ctx: SqlContext) -> Iterator[Violation]:
    if not ctx.breakpoints:
        return
    file = ctx.file
    for chunk in file.chunks:
        statements = file.statements_in(chunk.number)
        if ctx.continues and chunk.number == 0 and statements:
            # the text starts right after the `;` of the chunk's statement before it
            yield _violation(ctx, file, 0, statements[0])
        for previous, statement in itertools.pairwise(statements):
            after = previous.terminator + 1 if previous.terminator is not None else None
            yield _violation(ctx, file, after, statement)


def _violation(
    ctx: SqlContext, file: MigrationFile, after: int | None, statement: Statement
) -> Violation:
    line = file.index.line_of(statement.span.start)
    end = min(file.index.line_end(line), statement.span.end)
    return RULE.violation(
        ctx.path,
        Span(statement.span.start, max(end, statement.span.start)),
        "Rejected by drivers that run a chunk as one prepared statement (pglite, maybe "
        "neon-http): no breakpoint before it.",
        _fix(file, after, statement) if after is not None else None,
    )


def _fix(file: MigrationFile, after: int, statement: Statement) -> Fix:
    """Insert the marker ``after`` the previous statement's `;`: at the end of its line when
    only blanks or a comment follow there, else in place of the blanks between the two
    statements."""
    text, nl = file.text, file.newline
    line_end = file.index.line_end(file.index.line_of(max(after - 1, 0)))
    # what follows the `;` on its line, when the next statement starts on a later line
    rest = scan(text[after:line_end]) if line_end <= statement.span.start else None
    if rest is not None and all(t.name in COMMENTS for t in rest):
        edit = Edit.insert(CHUNK_PATH, line_end, nl + BREAKPOINT)
    elif not text[after : statement.span.start].strip(" \t"):
        edit = Edit.replace(CHUNK_PATH, after, statement.span.start, nl + BREAKPOINT + nl)
    else:
        edit = Edit.insert(CHUNK_PATH, after, nl + BREAKPOINT + nl)
    return Fix("Insert `--> statement-breakpoint` before it", (edit,))


# what PostgreSQL's scanner skips between tokens (str.isspace also takes U+00A0, an identifier
# character to PostgreSQL)
_PG_BLANKS = " \t\n\r\f\v"


def fix_holds(ctx: SqlContext, violation: Violation) -> bool | None:
    """Whether the fix of ``violation`` holds, decided on the text between the two statements.

    In a chunk that parses, the fix puts the marker between the previous statement's `;` and
    the statement, where only blanks and whole comments lie on either side of it. The migrator
    splits the chunk there: the text before the marker holds the same statements followed by
    blanks and comments, the text after it the same statements preceded by them, so both parse
    as they did; the statement now starts a chunk and is no longer reported, and nothing else is
    reported anew. None (undecided: check it by parsing) for any other shape.
    """
    file, fix = ctx.file, violation.fix
    if fix is None or len(fix.edits) != 1 or file.syntax_errors:
        return None
    gap = _gap_before(ctx, violation.span.start)
    if gap is None:
        return None
    (edit,) = fix.edits
    gap_start, gap_end = gap
    if not (gap_start <= edit.span.start and edit.span.end <= gap_end):
        return None
    text = file.text
    holds = (
        edit.new_text.strip(_PG_BLANKS) == BREAKPOINT
        and not text[edit.span.start : edit.span.end].strip(_PG_BLANKS)
        and _only_comments(text[gap_start : edit.span.start])
        and _only_comments(text[edit.span.end : gap_end])
    )
    return holds or None


def _gap_before(ctx: SqlContext, start: int) -> tuple[int, int] | None:
    """The text between the `;` of the statement before the one at ``start`` and that one (the
    start of a text that continues a chunk right after a `;`)."""
    file = ctx.file
    statement = file.statement_at(start)
    if statement is None or statement.span.start != start:
        return None
    previous = file.statement_before(statement)
    if previous is None:
        return (0, start) if ctx.continues and statement.chunk == 0 else None
    if previous.terminator is None or previous.chunk != statement.chunk:
        return None
    return previous.terminator + 1, start


def _only_comments(text: str) -> bool:
    """Whether ``text`` is blanks and whole comments only (no unterminated one)."""
    if not text.strip(_PG_BLANKS):
        return True
    tokens = scan(text)
    return tokens is not None and all(t.name in COMMENTS for t in tokens)
