"""S005 transaction-incompatible: A statement PostgreSQL refuses inside a transaction block.

## What it does
Reports the statements PostgreSQL will not run inside a transaction block
(`active_sql_transaction`, 25001):

- `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX ... CONCURRENTLY`;
- `ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY`;
- `VACUUM`, `CLUSTER` without a table, `REINDEX SCHEMA` / `DATABASE` / `SYSTEM`, `DISCARD ALL`;
- `CREATE DATABASE`, `DROP DATABASE`, `ALTER DATABASE ... SET TABLESPACE`;
- `CREATE TABLESPACE`, `DROP TABLESPACE`, `ALTER SYSTEM`;
- `CREATE SUBSCRIPTION` that creates its replication slot (the default).

## Why is this bad?
drizzle-orm's `migrate()` runs every pending migration in one transaction. The statement fails
with `... cannot run inside a transaction block`, the transaction rolls back, and the whole
deploy fails: no migration of it is applied, on every database. On an empty database that is
every migration of the folder.

The `neon-http` and `xata-http` drivers run migrations without a transaction: with the `driver`
setting naming one of them, this rule does not apply.

## Example
```sql
CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email");
```

## Use instead
```sql
CREATE INDEX "users_email_idx" ON "users" ("email");
```
or build the index outside the migrations (a script run after `migrate()`), where it can be
concurrent.

## Fix safety
Unsafe: the fix removes `CONCURRENTLY`, so the statement runs in the migrator's transaction, but
it then takes the lock that `CONCURRENTLY` avoids, until the deploy commits:
`CREATE INDEX` and `REINDEX` take a SHARE lock on the table, which blocks INSERT, UPDATE and
DELETE while the index is built; `DROP INDEX` and `DETACH PARTITION` take an ACCESS EXCLUSIVE
lock, which blocks every read and write. On a large, busy table that is an outage; there, build
the index outside the migrations instead. The other statements have no fix, nor have
`REINDEX (CONCURRENTLY) ...` written with an option list and `REINDEX SCHEMA` / `DATABASE` /
`SYSTEM CONCURRENTLY` (refused in a transaction without `CONCURRENTLY` too).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from drizzle_lsp.core.diagnostics import Applicability, Edit, Fix, Severity, Span, Violation
from drizzle_lsp.core.migration import MigrationFile, Statement
from drizzle_lsp.core.tokens import code_tokens
from drizzle_lsp.rules._api import CHUNK_PATH, Fixability, RuleInfo, Scope, SqlContext

RULE = RuleInfo(
    code="S005",
    name="transaction-incompatible",
    severity=Severity.ERROR,
    fixability=Fixability.SOMETIMES,
    scope=Scope.SQL,
    summary="A statement PostgreSQL refuses inside migrate()'s transaction",
    reads_trees=True,
)

# what each CONCURRENTLY statement locks once the keyword is gone
_LOCKS = {
    "CREATE INDEX": "a SHARE lock on the table: INSERT, UPDATE and DELETE wait until the deploy "
    "commits",
    "DROP INDEX": "an ACCESS EXCLUSIVE lock on the table: every read and write waits until the "
    "deploy commits",
    "REINDEX": "a SHARE lock on the table: INSERT, UPDATE and DELETE wait until the deploy commits",
    "ALTER TABLE ... DETACH PARTITION": "an ACCESS EXCLUSIVE lock on the parent table: every "
    "read and write waits until the deploy commits",
}


def check(ctx: SqlContext) -> Iterator[Violation]:
    file = ctx.file
    for statement in file.statements:
        node = file.tree(statement)
        if node.type_name not in _CANDIDATES:
            continue  # most statements: the tree is not even decoded
        what = _refused(node.type_name, node.json)
        if what is None:
            continue
        yield RULE.violation(
            ctx.path,
            _first_line(file, statement),
            f"PostgreSQL refuses {what} inside a transaction block (25001), and migrate() runs "
            "every pending migration in one: the whole deploy fails and rolls back.",
            _fix(file, statement, what) if what in _LOCKS and _only_concurrently(node) else None,
        )


def _refused(kind: str, data: dict[str, Any]) -> str | None:
    """What the statement is, when PostgreSQL refuses it in a transaction block (else None)."""
    if kind == "IndexStmt" and data.get("concurrent"):
        return "CREATE INDEX"
    if kind == "DropStmt" and data.get("concurrent"):
        return "DROP INDEX"
    if kind == "ReindexStmt":
        if any(_defname(p) == "concurrently" for p in data.get("params", ())):
            return "REINDEX"
        kind = data.get("kind", "")
        if kind in _REINDEX_WHOLE:
            return f"REINDEX {_REINDEX_WHOLE[kind]}"
        return None
    if kind == "AlterTableStmt":
        for cmd in data.get("cmds", ()):
            command = cmd.get("AlterTableCmd", {})
            partition = command.get("def", {}).get("PartitionCmd", {})
            if command.get("subtype") == "AT_DetachPartition" and partition.get("concurrent"):
                return "ALTER TABLE ... DETACH PARTITION"
        return None
    if kind == "VacuumStmt":
        return "VACUUM" if data.get("is_vacuumcmd") else None
    if kind == "ClusterStmt":
        return None if data.get("relation") else "CLUSTER without a table"
    if kind == "DiscardStmt":
        return "DISCARD ALL" if data.get("target") == "DISCARD_ALL" else None
    if kind == "AlterDatabaseStmt":
        options = data.get("options", ())
        return (
            "ALTER DATABASE ... SET TABLESPACE"
            if any(_defname(o) == "tablespace" for o in options)
            else None
        )
    if kind == "CreateSubscriptionStmt":
        options = {_defname(o): _defvalue(o) for o in data.get("options", ())}
        if options.get("connect") == "false" or options.get("create_slot") == "false":
            return None
        return "CREATE SUBSCRIPTION with create_slot"
    return _ALWAYS.get(kind)


_REINDEX_WHOLE = {
    "REINDEX_OBJECT_SCHEMA": "SCHEMA",
    "REINDEX_OBJECT_DATABASE": "DATABASE",
    "REINDEX_OBJECT_SYSTEM": "SYSTEM",
}
_ALWAYS = {
    "CreatedbStmt": "CREATE DATABASE",
    "DropdbStmt": "DROP DATABASE",
    "CreateTableSpaceStmt": "CREATE TABLESPACE",
    "DropTableSpaceStmt": "DROP TABLESPACE",
    "AlterSystemStmt": "ALTER SYSTEM",
}


# the kinds of statement `_refused` may refuse
_CANDIDATES = frozenset(
    {
        "IndexStmt",
        "DropStmt",
        "ReindexStmt",
        "AlterTableStmt",
        "VacuumStmt",
        "ClusterStmt",
        "DiscardStmt",
        "AlterDatabaseStmt",
        "CreateSubscriptionStmt",
        *_ALWAYS,
    }
)


def _only_concurrently(node: Any) -> bool:
    """Whether the statement runs in a transaction without its CONCURRENTLY (not REINDEX of a
    whole schema, database or system)."""
    return node.type_name != "ReindexStmt" or node.json.get("kind") not in _REINDEX_WHOLE


def _defname(item: Any) -> str | None:
    return item.get("DefElem", {}).get("defname") if isinstance(item, dict) else None


def _defvalue(item: Any) -> str | None:
    arg = item.get("DefElem", {}).get("arg", {}) if isinstance(item, dict) else {}
    if "String" in arg:
        return str(arg["String"].get("sval", "")).lower()
    if "Boolean" in arg:
        return "true" if arg["Boolean"].get("boolval") else "false"
    if "Integer" in arg:
        return "true" if arg["Integer"].get("ival") else "false"
    return None


def _first_line(file: MigrationFile, statement: Statement) -> Span:
    line_end = file.index.line_end(file.index.line_of(statement.span.start))
    return Span(statement.span.start, max(statement.span.start, min(line_end, statement.span.end)))


def _fix(file: MigrationFile, statement: Statement, what: str) -> Fix | None:
    """Remove the ``CONCURRENTLY`` keyword and the blank before it."""
    text = file.text[statement.span.start : statement.span.end]
    tokens = code_tokens(text, statement.span.start)
    if tokens is None:
        return None
    at = next((i for i, t in enumerate(tokens) if t.name == "CONCURRENTLY"), None)
    if at is None or tokens[at - 1].text(file.text) in ("(", ","):
        return None  # an option list: `REINDEX (CONCURRENTLY) ...`
    keyword = tokens[at]
    start = keyword.start
    while start > statement.span.start and file.text[start - 1] in " \t":
        start -= 1
    return Fix(
        "Remove `CONCURRENTLY` (takes a blocking lock)",
        (Edit.replace(CHUNK_PATH, start, keyword.end, ""),),
        Applicability.UNSAFE,
        notes=(f"without CONCURRENTLY the statement takes {_LOCKS[what]}",),
    )
