"""S001 syntax-error: A chunk PostgreSQL cannot parse.

## What it does
Parses every chunk of a migration (the text between two `--> statement-breakpoint` markers,
exactly what the migrator sends as one query) with PostgreSQL's own parser (libpg_query, through
pglast) and reports where parsing stops, with PostgreSQL's message.

## Why is this bad?
PostgreSQL rejects the whole chunk: none of its statements run, the migration's transaction is
rolled back, and every migration after it is blocked on every database until the file is fixed.
A syntax error is also what a `--> statement-breakpoint` marker written inside a string, a
dollar-quoted function body or a comment produces, since the migrator splits on that text wherever
it stands.

## Example
```sql
ALTER TABLE "users" ADD COLUMN "age" integer DEFAULT;
```

## Use instead
```sql
ALTER TABLE "users" ADD COLUMN "age" integer DEFAULT 0;
```

## Fix safety
No fix: only you know what the statement should say.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator

from drizzle_lsp.core.diagnostics import Severity, Span, Violation
from drizzle_lsp.core.migration import SqlSyntaxError
from drizzle_lsp.core.tokens import code_token_bounds
from drizzle_lsp.rules._api import Fixability, RuleInfo, Scope, SqlContext

RULE = RuleInfo(
    code="S001",
    name="syntax-error",
    severity=Severity.ERROR,
    fixability=Fixability.NONE,
    scope=Scope.SQL,
    summary="A chunk PostgreSQL cannot parse",
)


def check(ctx: SqlContext) -> Iterator[Violation]:
    for error in ctx.file.syntax_errors:
        yield RULE.violation(
            ctx.path,
            _error_span(ctx, error),
            f"Syntax error: {_one_line(error.message)}. PostgreSQL rejects this whole chunk, so "
            "the migration fails here and no later migration runs. Correct the SQL.",
        )


def _one_line(message: str) -> str:
    """PostgreSQL quotes the rest of the input after an unterminated string: keep one line."""
    first, _, rest = message.partition("\n")
    return f'{first}…"' if rest else first


def _error_span(ctx: SqlContext, error: SqlSyntaxError) -> Span:
    """The token at the error; at the end of input, the chunk's last token."""
    chunk, index = ctx.file.chunks[error.chunk], ctx.file.index
    line_end = index.line_end(index.line_of(error.offset))
    # the chunk up to the end of the error's line: what comes later cannot hold its token
    tokens = code_token_bounds(chunk.text[: line_end - chunk.span.start], chunk.span.start)
    if tokens is None:
        # the scanner stops at an unterminated string or comment: mark the rest of its line
        return Span(error.offset, max(error.offset, line_end))
    # the last token starting at or before the error (tokens do not overlap)
    i = bisect.bisect_right(tokens, (error.offset, math.inf)) - 1
    if i >= 0:
        start, end = tokens[i]
        if error.offset < end:
            return Span(start, end)
        if error.offset >= chunk.span.end:
            return Span(start, end)
    return Span(error.offset, error.offset)
