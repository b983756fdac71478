"""What a migration's statements write and read in the schema, to tell whether two migrations
give the same result in either order (V001).

Keys name objects as PostgreSQL stores them (the parser folds unquoted identifiers), schema left
out: ``("obj", name)`` a whole table, type, index, view, function...; ``("col", table, column)``
one column; ``("con", table, name)`` one constraint, policy or trigger of a table. Two migrations
commute when neither writes what the other writes or reads. The catalog's own types
(``pg_catalog.int4``) are nobody's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, NamedTuple

from drizzle_lsp.core import pgtree
from drizzle_lsp.core.migration import MigrationFile
from drizzle_lsp.rules._migration_facts import object_names

Key = tuple[str, ...]


class Touched(NamedTuple):
    writes: frozenset[Key]
    reads: frozenset[Key]


def migration_touches(migration: MigrationFile) -> Touched | None:
    """What a migration file touches; None when a chunk does not parse (not known)."""
    writes: set[Key] = set()
    reads: set[Key] = set()
    for chunk in migration.chunks:
        touched = chunk_touches(chunk.text)
        if touched is None:
            return None
        writes |= touched.writes
        reads |= touched.reads
    return Touched(frozenset(writes), frozenset(reads))


@lru_cache(maxsize=8192)
def chunk_touches(text: str) -> Touched | None:
    try:
        tree = pgtree.sql_json(text)
    except pgtree.ParseError:
        return None
    writes: set[Key] = set()
    reads: set[Key] = set()
    for item in tree.get("stmts", ()):
        ((kind, data),) = item["stmt"].items()
        own = _statement_writes(kind, data)
        writes |= own
        target = _target(data)
        reads.update(k for k in _reads(data) if k != ("obj", target) or kind in _DML_READS)
        if target and kind not in _DML_READS:
            # DDL on a table (an index, a constraint): the columns it names, not the whole table
            reads.update(("col", target, column) for column in _columns(data))
    return Touched(frozenset(writes), frozenset(reads - writes))


def conflicts(a: Touched, b: Touched) -> frozenset[Key]:
    """The keys on which ``a`` and ``b`` do not commute: one writes what the other writes or
    reads (a whole object and its columns overlap)."""
    found: set[Key] = set()
    for writes, others in ((a.writes, b.writes | b.reads), (b.writes, a.writes | a.reads)):
        for written in writes:
            found.update(_shown(written, o) for o in others if _overlap(written, o))
    return frozenset(found)


def _shown(a: Key, b: Key) -> Key:
    """Of two overlapping keys, the wider one (a whole table over one of its columns)."""
    return a if len(a) <= len(b) else b


def _overlap(a: Key, b: Key) -> bool:
    if a == b:
        return True
    if a[0] == "obj" and b[0] != "obj":
        return a[1] == b[1]
    if b[0] == "obj" and a[0] != "obj":
        return b[1] == a[1]
    return False


_DML_READS = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "SelectStmt", "MergeStmt"})
_DML = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"})
# ALTER TABLE commands that change one column
_COLUMN_COMMANDS = frozenset(
    {
        "AT_AddColumn",
        "AT_DropColumn",
        "AT_AlterColumnType",
        "AT_SetNotNull",
        "AT_DropNotNull",
        "AT_ColumnDefault",
        "AT_AddIdentity",
        "AT_DropIdentity",
        "AT_SetIdentity",
        "AT_DropExpression",
        "AT_SetStatistics",
        "AT_SetStorage",
        "AT_SetCompression",
    }
)
_CONSTRAINT_COMMANDS = frozenset({"AT_AddConstraint", "AT_DropConstraint", "AT_ValidateConstraint"})


def _target(data: dict[str, Any]) -> str | None:
    relation = data.get("relation")
    return relation.get("relname") if isinstance(relation, dict) else None


def _statement_writes(kind: str, data: dict[str, Any]) -> set[Key]:
    table = _target(data)
    if kind in _DML:
        return {("obj", table)} if table else set()
    if kind == "AlterTableStmt" and table:
        return set(_alter_table(table, data.get("cmds", ())))
    if kind == "IndexStmt" and table:
        return {("obj", data["idxname"])} if data.get("idxname") else {("obj", table)}
    if kind == "RenameStmt" and table and data.get("subname"):
        renamed = {data["subname"], data.get("newname", "")}
        part = "col" if data.get("renameType") == "OBJECT_COLUMN" else "con"
        return {(part, table, name) for name in renamed}
    if kind in ("CreatePolicyStmt", "CreateTrigStmt") and data.get("table", data.get("relation")):
        name = data.get("policy_name") or data.get("trigname") or ""
        return {("con", _relname(data.get("table") or data.get("relation")), name)}
    if kind == "AlterEnumStmt":  # a value added or renamed: the type's order of values
        parts = [n.get("String", {}).get("sval") for n in data.get("typeName", ())]
        return {("obj", parts[-1])} if parts and parts[-1] else set()
    if kind in ("SelectStmt", "VariableSetStmt", "TransactionStmt", "DoStmt"):
        return set()
    names = object_names(pgtree.Node(kind, data, _same))
    if names:
        return {("obj", name) for name in names}
    return {("obj", name) for name in _relnames(data)}  # unknown DDL: all it names


def _alter_table(table: str, commands: Iterable[Any]) -> Iterator[Key]:
    for item in commands:
        command = item.get("AlterTableCmd", {})
        subtype = command.get("subtype")
        if subtype in _COLUMN_COMMANDS:
            column = command.get("name") or command.get("def", {}).get("ColumnDef", {}).get(
                "colname"
            )
            yield ("col", table, column) if column else ("obj", table)
        elif subtype in _CONSTRAINT_COMMANDS:
            name = command.get("name") or command.get("def", {}).get("Constraint", {}).get(
                "conname"
            )
            yield ("con", table, name) if name else ("obj", table)
        else:
            yield ("obj", table)  # row level security, owner, a table-wide change


def _reads(data: Any) -> Iterator[Key]:
    """Every relation and user type a statement names, anywhere in it."""
    if isinstance(data, dict):
        if "relname" in data:
            yield ("obj", data["relname"])
        names = data.get("names")
        if "typemod" in data and isinstance(names, list):
            parts = [n.get("String", {}).get("sval") for n in names if isinstance(n, dict)]
            if parts and parts[0] != "pg_catalog" and parts[-1]:
                yield ("obj", parts[-1])
        for value in data.values():
            yield from _reads(value)
    elif isinstance(data, list):
        for value in data:
            yield from _reads(value)


def _columns(data: Any) -> Iterator[str]:
    """The column names a statement names anywhere in it: index elements, column references,
    a constraint's key columns."""
    if isinstance(data, dict):
        if "IndexElem" in data and data["IndexElem"].get("name"):
            yield data["IndexElem"]["name"]
        if "ColumnRef" in data:
            fields = data["ColumnRef"].get("fields", ())
            last = fields[-1].get("String", {}).get("sval") if fields else None
            if last:
                yield last
        for key in ("keys", "fk_attrs", "including"):
            for item in data.get(key, ()) if isinstance(data.get(key), list) else ():
                if isinstance(item, dict) and item.get("String", {}).get("sval"):
                    yield item["String"]["sval"]
        for value in data.values():
            yield from _columns(value)
    elif isinstance(data, list):
        for value in data:
            yield from _columns(value)


def _relnames(data: Any) -> Iterator[str]:
    return (key[1] for key in _reads(data))


def _relname(relation: Any) -> str:
    return relation.get("relname", "") if isinstance(relation, dict) else ""


def _same(offset: int) -> int:
    return offset
