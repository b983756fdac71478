"""What the statements of one migration tell S002 about each other.

A statement that fails when its migration runs again may be made idempotent by another statement
of the migration, and one that runs twice without error may fail because of a later one:

- ``DROP POLICY IF EXISTS "p" ON "t"`` before ``CREATE POLICY "p" ON "t" ...``: the pair runs
  twice;
- ``UPDATE "t" SET "a" = "b"`` before ``ALTER TABLE "t" DROP COLUMN "b"``: the second run of the
  UPDATE finds no column ``b``;
- ``INSERT INTO "t"`` where the migration creates ``t`` or declares its PRIMARY KEY or UNIQUE
  columns: the second run finds the rows there, or adds them again.

A :class:`Summary` holds what one SQL text (a chunk of a migration file) declares and what its
statements need to know; :func:`arounds` tells each chunk of a file what the other chunks declare
about what it needs (an :class:`Around`); a :class:`Sight` answers S002's questions from both.

Names are compared as PostgreSQL stores them (the parser folds unquoted identifiers to lower
case). An object's schema counts only when both statements write one (an unqualified name finds
the object through the search path); tables are compared by name alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

from pglast.enums import ConstrType, FunctionParameterMode, ObjectType

from drizzle_lsp.core.pgtree import Node

ROUTINES = frozenset({"function", "procedure"})
_ANY_ARGS = ("*",)  # every DROP of a routine is also kept under these arguments


class Obj(NamedTuple):
    """An object that a ``DROP ... IF EXISTS`` and a ``CREATE`` can both name."""

    kind: str  # "view", "index", "function", "policy", ...
    name: str
    parent: str | None = None  # the table of a policy, a trigger or a constraint
    # a routine's input argument types; None: not written, or not comparable (`%TYPE`)
    args: tuple[str, ...] | None = None


Named = tuple[Obj, str | None]  # an object and the schema written before its name (None: none)
Position = tuple[int, int]  # (statement, command of an ALTER TABLE); (chunk, 0) across chunks
Column = tuple[str, str]  # (table, column)
KeyTable = tuple[str, frozenset[frozenset[str]], bool]  # (table, its unique keys, created?)


# ---- what one text declares and needs -----------------------------------------------------------


_NO_MAP: Mapping[Any, Any] = MappingProxyType({})


class Summary:
    """What one SQL text declares that other statements of its migration depend on, and what its
    own statements need to know of the others. Read-only once made (summaries are cached, one
    per chunk text: a container is made when the first thing goes in, most stay empty).
    """

    __slots__ = (
        "created_tables",
        "creates",
        "dropped_columns",
        "drops",
        "fills",
        "keys",
        "pivotal",
        "uses",
    )

    def __init__(self) -> None:
        # DROP ... IF EXISTS: object -> schema written -> where first dropped
        self.drops: Mapping[Obj, Mapping[str | None, Position]] = _NO_MAP
        self.dropped_columns: Mapping[Column, Position] = _NO_MAP  # where last dropped
        # table -> the columns of each of its PRIMARY KEY and UNIQUE constraints, unique indexes
        self.keys: Mapping[str, Sequence[frozenset[str]]] = _NO_MAP
        self.created_tables: AbstractSet[str] = frozenset()
        self.creates: Sequence[Named] = ()  # objects a DROP IF EXISTS could pair with
        self.uses: AbstractSet[Column] = frozenset()  # columns UPDATEs read or write
        self.fills: AbstractSet[str] = frozenset()  # tables INSERTs fill without ON CONFLICT
        # it drops or fills something: the other texts' creates, UPDATEs and keys are worth a
        # look (set once made: `arounds` asks every chunk's summary on every edit of a file)
        self.pivotal = False

    def __bool__(self) -> bool:
        return bool(self.pivotal or self.keys or self.created_tables or self.creates or self.uses)

    def __getstate__(self) -> dict[str, Any]:
        # pickled by a forked linter (``lint_in_parallel``); the shared empty map is not
        return {k: v for k in self.__slots__ if (v := getattr(self, k)) is not _NO_MAP}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]
        for k, v in state.items():
            setattr(self, k, v)

    def drop(self, named: Named, at: Position) -> None:
        obj, schema = named
        drops = self.drops if isinstance(self.drops, dict) else {}
        self.drops = drops
        for key in (obj, obj._replace(args=_ANY_ARGS)) if obj.kind in ROUTINES else (obj,):
            drops.setdefault(key, {}).setdefault(schema, at)

    def drop_column(self, column: Column, at: Position) -> None:
        dropped = self.dropped_columns if isinstance(self.dropped_columns, dict) else {}
        self.dropped_columns = dropped
        dropped[column] = at

    def key(self, table: str, keys: list[frozenset[str]]) -> None:
        if not keys:
            return
        known = self.keys if isinstance(self.keys, dict) else {}
        self.keys = known
        known.setdefault(table, []).extend(keys)

    def created_table(self, table: str) -> None:
        tables = self.created_tables if isinstance(self.created_tables, set) else set()
        self.created_tables = tables
        tables.add(table)

    def create(self, named: Named) -> None:
        creates = self.creates if isinstance(self.creates, list) else []
        self.creates = creates
        creates.append(named)

    def use(self, columns: Iterable[Column]) -> None:
        uses = self.uses if isinstance(self.uses, set) else set()
        self.uses = uses
        uses.update(columns)

    def fill(self, table: str) -> None:
        fills = self.fills if isinstance(self.fills, set) else set()
        self.fills = fills
        fills.add(table)


def summarize(statements: Iterable[Node]) -> Summary | None:
    """The summary of a text's statements (their trees, in order); None when it holds nothing."""
    summary = Summary()
    for number, node in enumerate(statements):
        note = _NOTES.get(node.type_name)
        if note is not None:
            note(summary, node, number)
        elif node.type_name in _CREATED:
            _note_created(summary, node, number)
    summary.pivotal = bool(summary.drops or summary.dropped_columns or summary.fills)
    return summary if summary else None


def _note_drop(summary: Summary, node: Node, number: int) -> None:
    if node.missing_ok:
        for named in dropped_objects(node):
            summary.drop(named, (number, 0))


def _note_drop_role(summary: Summary, node: Node, number: int) -> None:
    if node.missing_ok:
        for role in node.roles or ():
            if role.rolename:
                summary.drop((Obj("role", role.rolename), None), (number, 0))


def _note_alter_table(summary: Summary, node: Node, number: int) -> None:
    raw = node.json  # read as JSON: a migration is mostly ALTER TABLEs
    if raw.get("objtype") not in _TABLES:
        return  # ALTER TYPE ... ADD ATTRIBUTE parses as ALTER TABLE too
    table = raw.get("relation", {}).get("relname", "")
    for n, cmd in enumerate(raw.get("cmds", ())):
        command = cmd.get("AlterTableCmd", {})
        subtype = command.get("subtype")
        if subtype == "AT_DropColumn":
            summary.drop_column((table, command.get("name", "")), (number, n))
        elif subtype == "AT_DropConstraint" and command.get("missing_ok"):
            summary.drop((Obj("constraint", command.get("name", ""), table), None), (number, n))
        elif subtype == "AT_AddConstraint":
            _note_constraint(summary, table, command.get("def", {}).get("Constraint", {}))
        elif subtype == "AT_AddColumn":
            summary.key(table, _column_keys(command.get("def", {}).get("ColumnDef", {})))


_TABLES = frozenset({ObjectType.OBJECT_TABLE.name, ObjectType.OBJECT_FOREIGN_TABLE.name})


def _note_constraint(summary: Summary, table: str, constraint: dict[str, Any]) -> None:
    key = _constraint_key(constraint)
    summary.key(table, [key] if key is not None else [])
    if constraint.get("conname"):
        summary.create(constraint_object(table, constraint["conname"]))


def _note_create_table(summary: Summary, node: Node, number: int) -> None:
    relation = node.json.get("relation", {})
    if relation.get("relpersistence") == "t":
        return  # a temporary table lives for one session
    table = relation.get("relname", "")
    summary.created_table(table)
    keys: list[frozenset[str]] = []
    for element in node.json.get("tableElts", ()):
        if "ColumnDef" in element:
            keys.extend(_column_keys(element["ColumnDef"]))
        elif (key := _constraint_key(element.get("Constraint", {}))) is not None:
            keys.append(key)
    summary.key(table, keys)


def _note_index(summary: Summary, node: Node, number: int) -> None:
    raw = node.json
    if raw.get("unique") and "whereClause" not in raw:
        columns = [p.get("IndexElem", {}).get("name") for p in raw.get("indexParams", ())]
        if columns and all(columns):  # an expression's values are not the columns'
            table = raw.get("relation", {}).get("relname", "")
            summary.key(table, [frozenset(c for c in columns if c)])
    _note_created(summary, node, number)


def _note_update(summary: Summary, node: Node, number: int) -> None:
    table, columns = update_columns(node)
    summary.use((table, column) for column in columns)


def _note_insert(summary: Summary, node: Node, number: int) -> None:
    table = filled_table(node.json)
    if table is not None:
        summary.fill(table)


def _note_created(summary: Summary, node: Node, number: int) -> None:
    named = created(node)
    if named is not None:
        summary.create(named)


_NOTES = {
    "DropStmt": _note_drop,
    "DropRoleStmt": _note_drop_role,
    "AlterTableStmt": _note_alter_table,
    "CreateStmt": _note_create_table,
    "IndexStmt": _note_index,
    "UpdateStmt": _note_update,
    "InsertStmt": _note_insert,
}
_KEY_TYPES = frozenset({ConstrType.CONSTR_PRIMARY.name, ConstrType.CONSTR_UNIQUE.name})


def _column_keys(column: dict[str, Any]) -> list[frozenset[str]]:
    """A column's own PRIMARY KEY or UNIQUE (JSON of a ColumnDef)."""
    for constraint in column.get("constraints", ()):
        if constraint.get("Constraint", {}).get("contype") in _KEY_TYPES:
            return [frozenset({column.get("colname", "")})]
    return []


def _constraint_key(constraint: dict[str, Any]) -> frozenset[str] | None:
    """The columns of a PRIMARY KEY or UNIQUE table constraint (JSON); None for another kind,
    or one made from an index (`USING INDEX`: its columns are not written)."""
    if constraint.get("contype") not in _KEY_TYPES:
        return None
    columns = frozenset(_strings(constraint.get("keys", ())))
    return columns or None


def _strings(items: Iterable[dict[str, Any]]) -> Iterator[str]:
    for item in items:
        if "String" in item:
            yield item["String"].get("sval", "")


# ---- objects --------------------------------------------------------------------------------

_DROPPED_KINDS: dict[ObjectType, tuple[str, ...]] = {
    ObjectType.OBJECT_VIEW: ("view",),
    ObjectType.OBJECT_MATVIEW: ("materialized view",),
    ObjectType.OBJECT_INDEX: ("index",),
    ObjectType.OBJECT_FUNCTION: ("function",),
    ObjectType.OBJECT_PROCEDURE: ("procedure",),
    ObjectType.OBJECT_ROUTINE: ("function", "procedure"),
    ObjectType.OBJECT_TRIGGER: ("trigger",),
    ObjectType.OBJECT_POLICY: ("policy",),
    ObjectType.OBJECT_TYPE: ("type", "domain"),  # DROP TYPE drops a domain too
    ObjectType.OBJECT_DOMAIN: ("domain",),
}
_ON_TABLE = frozenset({"trigger", "policy"})  # named `table.name` in a DROP
_INPUT_MODES = frozenset(
    {
        FunctionParameterMode.FUNC_PARAM_IN,
        FunctionParameterMode.FUNC_PARAM_INOUT,
        FunctionParameterMode.FUNC_PARAM_VARIADIC,
        FunctionParameterMode.FUNC_PARAM_DEFAULT,
    }
)


def dropped_objects(node: Node) -> Iterator[Named]:
    """The objects a DropStmt names that a CREATE could make again."""
    for kind in _DROPPED_KINDS.get(node.removeType, ()):
        for item in node.objects or ():
            named = _dropped_object(kind, item)
            if named is not None:
                yield named


def _dropped_object(kind: str, item: Any) -> Named | None:
    args = None
    if isinstance(item, tuple):  # a qualified name
        parts = [s.sval for s in item]
    elif item.type_name == "TypeName":
        parts = [s.sval for s in item.names or ()]
    elif item.type_name == "ObjectWithArgs":
        parts = [s.sval for s in item.objname or ()]
        args = None if item.args_unspecified else _signature(item.objargs or ())
    else:
        return None
    if not parts:
        return None
    if kind in _ON_TABLE:
        return (Obj(kind, parts[-1], parts[-2]), None) if len(parts) > 1 else None
    return Obj(kind, parts[-1], None, args), _schema(parts)


def _schema(parts: Sequence[str]) -> str | None:
    return parts[-2] if len(parts) > 1 else None


def _signature(types: Iterable[Node | None]) -> tuple[str, ...] | None:
    """Argument types as comparable names (`integer` and `int4` are both `int4`); None when one
    is written as `%TYPE` (its type is another object's)."""
    names = []
    for t in types:
        if t is None or t.pct_type or not t.names:
            return None
        names.append(t.names[-1].sval + "[]" * len(t.arrayBounds or ()))
    return tuple(names)


def constraint_object(table: str, name: str) -> Named:
    return Obj("constraint", name, table), None


def created(node: Node) -> Named | None:
    """The object a CREATE makes that a ``DROP ... IF EXISTS`` before it can make idempotent:
    views, indexes, routines, triggers, policies, types, domains and roles. Not tables,
    sequences, schemas or extensions: dropping them again on a second run loses what they hold.
    None too for a CREATE that is idempotent by itself (`OR REPLACE`, `IF NOT EXISTS`)."""
    make = _CREATED.get(node.type_name)
    return make(node) if make is not None else None


def _created_view(node: Node) -> Named | None:
    view = node.view
    if node.replace or view.relpersistence == "t":
        return None
    return Obj("view", view.relname), view.schemaname


def _created_matview(node: Node) -> Named | None:
    if node.if_not_exists or node.objtype != ObjectType.OBJECT_MATVIEW or node.into is None:
        return None
    rel = node.into.rel
    return Obj("materialized view", rel.relname), rel.schemaname


def _created_index(node: Node) -> Named | None:
    raw = node.json  # read as JSON: a migration has many
    name = raw.get("idxname")
    if raw.get("if_not_exists") or not name:
        return None
    return Obj("index", name), raw.get("relation", {}).get("schemaname")


def _created_routine(node: Node) -> Named | None:
    if node.replace:
        return None
    parts = [s.sval for s in node.funcname or ()]
    kind = "procedure" if node.is_procedure else "function"
    types = [p.argType for p in node.parameters or () if p.mode in _INPUT_MODES]
    return Obj(kind, parts[-1], None, _signature(types)), _schema(parts)


def _created_trigger(node: Node) -> Named | None:
    if node.replace:
        return None
    return Obj("trigger", node.trigname, node.relation.relname), None


def _created_policy(node: Node) -> Named | None:
    return Obj("policy", node.policy_name, node.table.relname), None


def _created_type(node: Node) -> Named | None:
    parts = [s.sval for s in node.typeName or ()]
    return (Obj("type", parts[-1]), _schema(parts)) if parts else None


def _created_composite(node: Node) -> Named | None:
    return Obj("type", node.typevar.relname), node.typevar.schemaname


def _created_domain(node: Node) -> Named | None:
    parts = [s.sval for s in node.domainname or ()]
    return (Obj("domain", parts[-1]), _schema(parts)) if parts else None


def _created_role(node: Node) -> Named | None:
    return Obj("role", node.role), None


_CREATED = {
    "ViewStmt": _created_view,
    "CreateTableAsStmt": _created_matview,
    "IndexStmt": _created_index,
    "CreateFunctionStmt": _created_routine,
    "CreateTrigStmt": _created_trigger,
    "CreatePolicyStmt": _created_policy,
    "CreateEnumStmt": _created_type,
    "CreateRangeStmt": _created_type,
    "CompositeTypeStmt": _created_composite,
    "CreateDomainStmt": _created_domain,
    "CreateRoleStmt": _created_role,
}


def object_names(node: Node) -> frozenset[str]:
    """The names a statement creates, drops or renames, as the catalog holds them: what an IF
    around it must look up to make it idempotent (empty: none known)."""
    raw = node.json
    kind = node.type_name
    if kind == "AlterTableStmt":
        names = [_command_name(cmd.get("AlterTableCmd", {})) for cmd in raw.get("cmds", ())]
    elif kind == "AlterEnumStmt":
        names = [raw.get("newVal"), raw.get("oldVal")]
    elif kind == "DropStmt":
        names = [_last_name(item) for item in raw.get("objects", ())]
    elif kind == "DropRoleStmt":
        names = [r.get("RoleSpec", {}).get("rolename") for r in raw.get("roles", ())]
    elif kind == "RenameStmt":
        names = [raw.get("subname"), raw.get("newname")]
        if not raw.get("subname"):  # the object itself is renamed
            names += [raw.get("relation", {}).get("relname"), _last_name(raw.get("object"))]
    elif kind == "AlterObjectSchemaStmt":
        names = [raw.get("relation", {}).get("relname"), _last_name(raw.get("object"))]
    else:
        names = [_created_name(raw, _NAME_KEYS.get(kind, ()))]
    return frozenset(n for n in names if n)


# where a CREATE statement's JSON holds the name of what it makes (a list: a qualified name)
_NAME_KEYS: dict[str, tuple[str, ...]] = {
    "CreateStmt": ("relation", "relname"),
    "CreateSeqStmt": ("sequence", "relname"),
    "CreateTableAsStmt": ("into", "rel", "relname"),
    "ViewStmt": ("view", "relname"),
    "CompositeTypeStmt": ("typevar", "relname"),
    "IndexStmt": ("idxname",),
    "CreateSchemaStmt": ("schemaname",),
    "CreateExtensionStmt": ("extname",),
    "CreateTrigStmt": ("trigname",),
    "CreatePolicyStmt": ("policy_name",),
    "CreateRoleStmt": ("role",),
    "CreateFunctionStmt": ("funcname",),
    "CreateEnumStmt": ("typeName",),
    "CreateRangeStmt": ("typeName",),
    "CreateDomainStmt": ("domainname",),
}


def _created_name(raw: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    if not keys:
        return None
    value: Any = raw
    for key in keys:
        value = value.get(key, {}) if isinstance(value, dict) else {}
    if isinstance(value, list):
        names = list(_strings(value))
        return names[-1] if names else None
    return value if isinstance(value, str) else None


def _command_name(command: dict[str, Any]) -> str | None:
    if "name" in command:
        return str(command["name"])  # DROP COLUMN, DROP CONSTRAINT
    definition = command.get("def", {})
    if "ColumnDef" in definition:
        return definition["ColumnDef"].get("colname")
    return definition.get("Constraint", {}).get("conname")


def _last_name(item: Any) -> str | None:
    """The last identifier of a name in JSON: a String, a qualified name, a type, a routine."""
    if not isinstance(item, dict) or len(item) != 1:
        return None
    ((kind, value),) = item.items()
    if kind == "String":
        return value.get("sval")
    parts = value.get("items") or value.get("names") or value.get("objname") or ()
    names = list(_strings(parts))
    return names[-1] if names else None


# ---- UPDATE and INSERT ------------------------------------------------------------------------

_SUBQUERIES = frozenset({"subselect", "RangeSubselect"})


def update_columns(node: Node) -> tuple[str, frozenset[str]]:
    """The table an UPDATE changes and the columns of it that it sets or reads (an unqualified
    column inside a subquery may be the subquery's own: left out)."""
    raw = node.json
    relation = raw.get("relation", {})
    table = relation.get("relname", "")
    qualifiers = {table, relation.get("alias", {}).get("aliasname", table)}
    found = {t["ResTarget"]["name"] for t in raw.get("targetList", ()) if "name" in t["ResTarget"]}
    for key in ("targetList", "whereClause", "fromClause"):
        _column_refs(raw.get(key), qualifiers, found, outer=True)
    return table, frozenset(found)


def _column_refs(value: Any, qualifiers: set[str], found: set[str], outer: bool) -> None:
    if isinstance(value, list):
        for item in value:
            _column_refs(item, qualifiers, found, outer)
        return
    if not isinstance(value, dict):
        return
    ref = value.get("ColumnRef")
    if ref is not None:
        fields = ref.get("fields", ())
        names = list(_strings(fields))
        if len(names) != len(fields):
            return  # `t.*`
        if (len(names) == 1 and outer) or (len(names) > 1 and names[-2] in qualifiers):
            found.add(names[-1])
        return
    for key, inner in value.items():
        if isinstance(inner, dict | list):
            _column_refs(inner, qualifiers, found, outer and key not in _SUBQUERIES)


def insert_target(node: Node) -> tuple[str, tuple[str, ...] | None] | None:
    """The table an INSERT fills and the columns it gives the same values on every run (None:
    all of them, in order, unnamed), unless a second run cannot add its rows again: it has ON
    CONFLICT, or it reads the table it fills (`WHERE NOT EXISTS (SELECT ... FROM t ...)`, an
    anti-join), or the table is temporary."""
    raw = node.json
    table = filled_table(raw)
    select = raw.get("selectStmt")
    if table is None or _reads(select, table) or _reads(raw.get("withClause"), table):
        return None
    if select is None:
        return table, ()  # DEFAULT VALUES
    cols = raw.get("cols")
    if cols is None:
        return table, None
    rows = _value_rows(select.get("SelectStmt", {}))
    return table, tuple(
        c["ResTarget"].get("name", "")
        for i, c in enumerate(cols)
        if not any(i < len(row) and _fresh(row[i]) for row in rows)
    )


def filled_table(insert: dict[str, Any]) -> str | None:
    """The table an INSERT (JSON) fills, unless it has ON CONFLICT or the table is temporary."""
    relation = insert.get("relation", {})
    if "onConflictClause" in insert or relation.get("relpersistence") == "t":
        return None
    table = relation.get("relname")
    return table if isinstance(table, str) else None


def _value_rows(select: dict[str, Any]) -> list[list[Any]]:
    """The value expressions of each row an INSERT's VALUES or SELECT list writes."""
    if "valuesLists" in select:
        return [v.get("List", {}).get("items", []) for v in select["valuesLists"]]
    return [[t.get("ResTarget", {}).get("val") for t in select.get("targetList", ())]]


# functions that give another value on each run: a key made of them never conflicts
_FRESH_FUNCTIONS = frozenset(
    {
        "gen_random_uuid",
        "uuidv4",
        "uuidv7",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "nextval",
        "random",
        "now",
        "clock_timestamp",
        "statement_timestamp",
        "transaction_timestamp",
        "timeofday",
    }
)


def _fresh(value: Any) -> bool:
    """Whether an inserted value is made anew on each run: a volatile function, a time of day,
    or the column's DEFAULT (a serial's `nextval()`)."""
    if isinstance(value, list):
        return any(_fresh(item) for item in value)
    if not isinstance(value, dict):
        return False
    if "SetToDefault" in value or "SQLValueFunction" in value:
        return True
    call = value.get("FuncCall")
    if isinstance(call, dict):
        names = list(_strings(call.get("funcname", ())))
        if names and names[-1].lower() in _FRESH_FUNCTIONS:
            return True
    return any(_fresh(inner) for inner in value.values() if isinstance(inner, dict | list))


def _reads(value: Any, table: str) -> bool:
    """Whether a query (JSON) reads ``table``; VALUES lists are not looked into (a seed's
    thousands of rows, and a subquery in one is rare)."""
    if isinstance(value, list):
        return any(_reads(item, table) for item in value)
    if not isinstance(value, dict):
        return False
    if value.get("RangeVar", {}).get("relname") == table:
        return True
    return any(
        _reads(inner, table)
        for key, inner in value.items()
        if key != "valuesLists" and isinstance(inner, dict | list)
    )


# ---- across the chunks of a file ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Around:
    """What the other chunks of a migration file tell one chunk about what it needs."""

    dropped_before: frozenset[Named] = frozenset()  # objects it creates, dropped IF EXISTS before
    dropped_after: frozenset[Column] = frozenset()  # columns its UPDATEs use, dropped after
    tables: frozenset[KeyTable] = frozenset()  # tables it fills: keys declared, created there?
    # routines it creates that the file creates with other argument types too
    crowded: frozenset[tuple[str, str]] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.dropped_before or self.dropped_after or self.tables or self.crowded)


def arounds(summaries: Sequence[Summary | None]) -> dict[int, Around]:
    """What each chunk of a file (their summaries, in file order) is told by the others; chunks
    told nothing are left out. Linear in the number of chunks: dictionaries of what is dropped
    and declared, then a lookup for each thing a chunk needs."""
    drops, dropped, fills = _dropped_and_filled(summaries)
    if not (drops or dropped or fills):
        return {}
    file = _File(
        drops,
        dropped,
        _keys_by_chunk(summaries) if fills else {},
        _crowded(summaries) if any(o.kind in ROUTINES for o in drops) else frozenset(),
    )
    told = {}
    for number, summary in enumerate(summaries):
        if summary is None or not (
            (drops and summary.creates) or (dropped and summary.uses) or summary.fills
        ):
            continue  # needs nothing the others have (most chunks: looked at in a few steps)
        around = file.around(summary, number)
        if around is not None:
            told[number] = around
    return told


def _dropped_and_filled(
    summaries: Sequence[Summary | None],
) -> tuple[dict[Obj, dict[str | None, Position]], dict[Column, int], bool]:
    """What the file drops IF EXISTS (and where first), the columns it drops (and in which chunk
    last), and whether it fills a table."""
    drops: dict[Obj, dict[str | None, Position]] = {}
    dropped: dict[Column, int] = {}
    fills = False
    for number, summary in enumerate(summaries):
        if summary is None or not summary.pivotal:
            continue
        for obj, schemas in summary.drops.items():
            first = drops.setdefault(obj, {})
            for schema in schemas:
                first.setdefault(schema, (number, 0))
        dropped.update(dict.fromkeys(summary.dropped_columns, number))
        fills = fills or bool(summary.fills)
    return drops, dropped, fills


@dataclass(frozen=True, slots=True)
class _File:
    """What a migration file drops and declares, as its chunks' needs are looked up in it."""

    drops: dict[Obj, dict[str | None, Position]]
    dropped: dict[Column, int]
    keys: _TableKeys
    crowded: frozenset[tuple[str, str]]

    def around(self, summary: Summary, number: int) -> Around | None:
        """What the chunk ``number`` of this ``summary`` is told (None: nothing; most chunks,
        so nothing is built for them)."""
        creates, uses, fills = summary.creates, summary.uses, summary.fills
        paired = _paired(creates, self.drops, number, self.crowded) if self.drops else _NONE
        dropped = self.dropped
        used = [u for u in uses if dropped.get(u, -1) > number] if dropped else _NONE
        tables = _key_tables(fills, self.keys, number) if fills else _NONE
        crowded = self.crowded
        routines = (
            [k for o, _ in creates if (k := (o.kind, o.name)) in crowded] if crowded else _NONE
        )
        if not (paired or used or tables or routines):
            return None
        return Around(frozenset(paired), frozenset(used), frozenset(tables), frozenset(routines))


_NONE: list[Any] = []  # shared, never changed: what a chunk is told when it needs nothing


def _paired(
    creates: Iterable[Named],
    drops: Mapping[Obj, Mapping[str | None, Position]],
    number: int,
    crowded: frozenset[tuple[str, str]],
) -> list[Named]:
    paired = []
    for named in creates:
        obj = named[0]
        if obj.kind not in ROUTINES and obj not in drops:
            continue  # the common case, in one lookup
        if dropped_before(drops, named, (number, 0), (obj.kind, obj.name) not in crowded):
            paired.append(named)
    return paired


_TableKeys = dict[str, tuple[list[tuple[int, frozenset[str]]], set[int]]]


def _keys_by_chunk(summaries: Sequence[Summary | None]) -> _TableKeys:
    """table -> (chunk and columns of each of its keys, the chunks that create it)."""
    keys: _TableKeys = {}
    for number, summary in enumerate(summaries):
        if summary is None:
            continue
        for table, columns in summary.keys.items():
            keys.setdefault(table, ([], set()))[0].extend((number, c) for c in columns)
        for table in summary.created_tables:
            keys.setdefault(table, ([], set()))[1].add(number)
    return keys


def _key_tables(fills: Iterable[str], keys: _TableKeys, number: int) -> list[KeyTable]:
    told = []
    for table in fills:
        declared, creators = keys.get(table, ([], set()))
        columns = frozenset(c for chunk, c in declared if chunk != number)
        made = any(chunk != number for chunk in creators)
        if columns or made:
            told.append((table, columns, made))
    return told


def _crowded(summaries: Sequence[Summary | None]) -> frozenset[tuple[str, str]]:
    """Routines created with more than one list of argument types in the file."""
    signatures: dict[tuple[str, str], set[tuple[str, ...] | None]] = {}
    for summary in summaries:
        for obj, _ in summary.creates if summary is not None else ():
            if obj.kind in ROUTINES:
                signatures.setdefault((obj.kind, obj.name), set()).add(obj.args)
    return frozenset(k for k, s in signatures.items() if len(s) > 1)


def dropped_before(
    drops: Mapping[Obj, Mapping[str | None, Position]],
    named: Named,
    at: Position,
    one_signature: bool,
) -> bool:
    """Whether ``named`` is dropped IF EXISTS before ``at``. A routine is found by its argument
    types, or by its name alone when only the name can be compared and it names one routine
    in sight (``one_signature``)."""
    obj, schema = named
    for key in _drop_keys(obj, one_signature):
        for dropped_schema, where in drops.get(key, {}).items():
            if where < at and (
                dropped_schema is None or schema is None or dropped_schema == schema
            ):
                return True
    return False


def _drop_keys(obj: Obj, one_signature: bool) -> tuple[Obj, ...]:
    if obj.kind not in ROUTINES:
        return (obj,)
    if not one_signature:
        return (obj,) if obj.args is not None else ()
    if obj.args is None:
        return (obj._replace(args=_ANY_ARGS),)
    return obj, obj._replace(args=None)


class Sight:
    """What S002 knows of the rest of the migration at the statements of one text: the text's
    own summary, and what the analyzer told it of the file's other chunks."""

    __slots__ = ("_around", "_own")

    def __init__(self, own: Summary | None, around: Around | None) -> None:
        self._own = own or _NOTHING
        self._around = around or _TOLD_NOTHING

    @property
    def declares_tables(self) -> bool:
        """Whether the migration creates a table or declares a unique key."""
        return bool(self._own.keys or self._own.created_tables or self._around.tables)

    @property
    def drops_columns(self) -> bool:
        return bool(self._own.dropped_columns or self._around.dropped_after)

    def dropped_before(self, named: Named, at: Position) -> bool:
        if self._own.drops:
            return dropped_before(self._own.drops, named, at, self._one_signature(named[0])) or (
                named in self._around.dropped_before
            )
        return bool(self._around.dropped_before) and named in self._around.dropped_before

    def dropped_later(self, table: str, columns: Iterable[str], at: Position) -> str | None:
        """A column of ``columns`` that a later statement drops, if any."""
        for column in sorted(columns):
            key = (table, column)
            if key in self._around.dropped_after or self._own.dropped_columns.get(key, at) > at:
                return column
        return None

    def keys(self, table: str) -> tuple[list[frozenset[str]], bool]:
        """The unique keys of ``table`` the migration declares, and whether it creates it."""
        keys = list(self._own.keys.get(table, ()))
        made = table in self._own.created_tables
        for name, columns, created_there in self._around.tables:
            if name == table:
                keys.extend(columns)
                made = made or created_there
        return keys, made

    def _one_signature(self, obj: Obj) -> bool:
        if obj.kind not in ROUTINES:
            return True
        if (obj.kind, obj.name) in self._around.crowded:
            return False
        mine = {o.args for o, _ in self._own.creates if o.kind == obj.kind and o.name == obj.name}
        return len(mine) <= 1


_NOTHING = Summary()  # shared, never changed: a text that declares and needs nothing
_TOLD_NOTHING = Around()
