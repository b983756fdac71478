"""S007 enum-value-in-transaction: An enum value used in the transaction that added it.

## What it does
Follows the folder's migrations in the migrator's order and reports each string literal read as
a value of an enum type (a `DEFAULT`, an `INSERT` or `UPDATE` value, a comparison, an `IN` list,
a cast `'v'::t`, a `CHECK`) when the value was added to the type by an earlier
`ALTER TYPE t ADD VALUE 'v'`, and no migration in between created the type anew. The message
says which case applies:

- **within one migration:** it fails on every database;
- **across migrations:** it fails wherever both migrations run in the same `migrate()`: every
  empty database (CI, a new developer, a new environment), and any database where both are
  pending at once.

The column a literal is compared with or assigned to is looked up in the tables and columns
the folder's migrations created; a literal whose column is not known is not reported.

## Why is this bad?
PostgreSQL lets `ALTER TYPE ... ADD VALUE` run in a transaction, but refuses to use the new
value before that transaction commits: `unsafe use of new value "v" of enum type t` (55P04).
drizzle-orm's `migrate()` runs every pending migration in one transaction, so the deploy fails
and rolls back. On an empty database every migration of the folder is pending at once, so a
folder that added a value in one migration and used it in a later one cannot be installed from
scratch, although each of its deploys worked in production.

The `neon-http` and `xata-http` drivers run migrations without a transaction: with the `driver`
setting naming one of them, this rule does not apply.

## Example
```sql
ALTER TYPE "public"."status" ADD VALUE 'archived';
--> statement-breakpoint
ALTER TABLE "posts" ALTER COLUMN "status" SET DEFAULT 'archived';
```

## Use instead
Add the value in one migration and deploy it; use it in a later migration deployed after that.
Where a fresh install must work too, create the type with all its values instead
(`CREATE TYPE ... AS ENUM (...)` values are usable at once), or keep the use out of the
migrations (a script run after `migrate()`).

## Fix safety
No fix. Moving the use into a later migration does not help by itself: `migrate()` runs every
pending migration in one transaction, so wherever both migrations are pending the use still
fails; it only helps a database that is deployed between the two.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from drizzle_lsp.core.diagnostics import Severity, Span, Violation
from drizzle_lsp.core.driver import in_transaction, resolve_driver
from drizzle_lsp.core.folder import SqlDocument
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope
from drizzle_lsp.rules._schema_events import Event, Located, Name, Replay, ignored

RULE = RuleInfo(
    code="S007",
    name="enum-value-in-transaction",
    severity=Severity.ERROR,
    fixability=Fixability.NONE,
    scope=Scope.FOLDER,
    summary="A new enum value used in the transaction that added it (55P04)",
)


class _Found(NamedTuple):
    migration: int  # its place among the folder's migrations, in the migrator's order
    span: Span
    message: str


def check(ctx: FolderContext) -> Iterator[Violation]:
    if not in_transaction(resolve_driver(ctx.settings.driver, ctx.folder.root)):
        return
    documents, found = _replay(ctx)
    for f in found:
        document = documents[f.migration]
        yield RULE.violation(document.path, f.span, f.message, tag=document.tag)


def _uses(documents: list[SqlDocument], events: list[Located]) -> list[_Found]:
    if not any(e.kind == "add-value" for located in events for _, e in located):
        return []  # no value added anywhere: nothing to follow (most folders)
    columns: dict[Name, dict[str, Name | None]] = {}  # table -> column -> its enum type
    added: dict[tuple[Name, str], str] = {}  # (type, value) -> tag of the ADD VALUE
    found: list[_Found] = []
    for number, (document, located) in enumerate(zip(documents, events, strict=True)):
        for base, event in located:
            if event.kind != "use":
                _follow(event, document.tag, columns, added)
                continue
            type_ = _type_of_use(event, columns)
            tag = added.get((type_, event.detail)) if type_ is not None else None
            if tag is None or type_ is None:
                continue
            span = Span(base + event.start, base + event.end)
            if not ignored(document, span.start, RULE.code):
                message = _message(event.detail, type_, tag, tag == document.tag)
                found.append(_Found(number, span, message))
    return found


_replay = Replay(_uses)


def _follow(
    event: Event,
    tag: str,
    columns: dict[Name, dict[str, Name | None]],
    added: dict[tuple[Name, str], str],
) -> None:
    """What ``event`` of migration ``tag`` changes of the tables' columns and added values."""
    name = event.name
    if name is None:
        return
    if event.kind == "add-value":
        added[(name, event.detail)] = tag
    elif event.kind == "column":
        columns.setdefault(name, {})[event.detail] = event.type
    elif event.kind == "rename-column":
        old, new = event.detail
        table = columns.get(name, {})
        table[new] = table.pop(old, None)
    elif event.what == "type" and event.kind in ("create", "drop", "rename"):
        # a type created anew has every value from the start; one dropped has none
        for key in [k for k in added if k[0] == name]:
            del added[key]
    elif event.what == "table" and event.kind == "drop":
        columns.pop(name, None)
    elif event.what == "table" and event.kind == "rename":
        columns[event.detail] = columns.pop(name, {})


def _type_of_use(event: Event, columns: dict[Name, dict[str, Name | None]]) -> Name | None:
    """The enum type a literal is read as: its cast's or column's type, or the one type the
    columns of that name have among the statement's tables."""
    if event.type is not None:
        return event.type
    if event.column is None:
        return None
    if event.name is not None:
        return columns.get(event.name, {}).get(event.column)
    found = {columns.get(t, {}).get(event.column) for t in event.tables} - {None}
    return found.pop() if len(found) == 1 else None


def _message(value: str, type_: Name, tag: str, here: bool) -> str:
    shown = f'"{type_[1]}"' if type_[0] == "public" else f'"{type_[0]}"."{type_[1]}"'
    head = f"'{value}' was added to {shown} by `ALTER TYPE ... ADD VALUE`"
    refused = (
        "PostgreSQL refuses a new enum value before its transaction commits (unsafe use of "
        "new value, 55P04), and migrate() runs every pending migration in one"
    )
    if here:
        return (
            f"{head} earlier in this migration: {refused}, so this migration fails on every "
            "database. Use the value in a migration deployed after this one."
        )
    return (
        f"{head} in {tag}: {refused}, so this use fails wherever both migrations run in the "
        "same deploy: every empty database (CI, a new developer, a new environment). Create "
        "the type with the value instead, or keep the use out of the migrations."
    )
