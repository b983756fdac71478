"""What each statement of a folder's migrations does to the schema, for the rules that follow the
schema from one migration to the next (S004, S007).

A chunk's :class:`Event` s are worked out once per chunk text (cached) from libpg_query's JSON
tree; a rule then replays the chunks of the folder's migrations in the migrator's order. Names
are compared as PostgreSQL stores them (the parser folds unquoted identifiers to lower case); a
name written without a schema is taken to be in ``public``, where drizzle-kit puts it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, Generic, NamedTuple, TypeVar

from drizzle_lsp.core import pgtree
from drizzle_lsp.core.folder import Layout, MigrationFolder, SqlDocument, v1_order_key
from drizzle_lsp.core.migration import parse_chunk
from drizzle_lsp.rules._api import FolderContext

Name = tuple[str, str]  # (schema, name)
Pieces = Callable[[SqlDocument], Sequence[tuple[int, str]]]  # FolderContext.units_of
T = TypeVar("T")


class Event(NamedTuple):
    """One thing a statement does. ``kind`` says which, and what the other fields hold:

    - ``create``: ``what`` ("table" or "type") ``name`` was created (``guarded``: IF NOT EXISTS);
    - ``drop``: ``what`` ``name`` was dropped;
    - ``rename``: ``what`` ``name`` is now called ``detail`` (a Name);
    - ``enum``: enum type ``name`` was created with the values ``detail`` (a tuple);
    - ``add-value``: enum type ``name`` got the value ``detail``;
    - ``column``: column ``detail`` of table ``name`` now has type ``type`` (None: not an enum
      candidate, an array or a built-in type);
    - ``rename-column``: column ``detail[0]`` of table ``name`` is now ``detail[1]``;
    - ``use``: the string ``detail`` is read as a value of type ``type``, or, when ``type`` is
      None, of column ``column`` of table ``name`` (or, when ``name`` is None, of one of the
      ``tables`` the statement reads).

    ``start``/``end``: what to point at, as str indexes into the chunk (the statement's first
    line, or the string literal of a ``use``).
    """

    kind: str
    start: int
    end: int
    what: str = ""
    name: Name | None = None
    detail: Any = None
    type: Name | None = None
    column: str | None = None
    tables: tuple[Name, ...] = ()
    guarded: bool = False


def in_order(folder: MigrationFolder) -> Iterator[SqlDocument]:
    """The folder's readable migrations as the migrator runs them on an empty database: the
    journal's entries in array order (the v1 layout: by folder name)."""
    if folder.layout is Layout.JOURNAL:
        if folder.journal is None:
            return
        tags = dict.fromkeys(e.tag for e in folder.journal.entries if e.tag is not None)
        documents = (folder.document_for_tag(tag) for tag in tags)
    elif folder.layout is Layout.V1:
        documents = (d for d in sorted(folder.sql.values(), key=lambda d: v1_order_key(d.tag)))
    else:
        return
    for document in documents:
        if document is not None and document.source is not None:
            yield document


def events_of(pieces: Iterable[tuple[int, str]]) -> Iterator[tuple[int, Event]]:
    """The events of a migration file given in pieces of whole statements (its chunks, or runs
    of a long chunk's statements: ``FolderContext.units_of``), in order, each with where its
    piece starts."""
    for start, text in pieces:
        for event in chunk_events(text):
            yield start, event


Located = tuple[tuple[int, Event], ...]  # a file's events, each with where its piece starts


class Replay(Generic[T]):
    """A rule's last replay of a folder's migrations (``run`` gets them in the migrator's order,
    each with its events of the ``kinds`` kept), kept while their texts and order stay the same.
    Each file's kept events are kept by its text too: after an edit, only the edited file is
    read again (its unchanged pieces from the cache of :func:`chunk_events`)."""

    def __init__(
        self,
        run: Callable[[list[SqlDocument], list[Located]], T],
        kinds: frozenset[str] | None = None,  # the kinds of event kept (None: every event)
    ) -> None:
        self._run, self._kinds = run, kinds
        self._last: tuple[tuple[Any, ...], T] | None = None
        self._events: dict[str, Located] = {}  # by file text, for the last replay's files

    def __call__(self, ctx: FolderContext) -> tuple[list[SqlDocument], T]:
        order, key = _order_of(ctx.folder)
        documents = list(order)
        last = self._last
        if last is None or last[0] != key:
            events = [self._events_of(d, ctx.units_of) for d in documents]
            texts = [d.source.text if d.source else "" for d in documents]
            self._events = dict(zip(texts, events, strict=True))
            last = self._last = (key, self._run(documents, events))
        return documents, last[1]

    def _events_of(self, document: SqlDocument, pieces: Pieces) -> Located:
        text = document.source.text if document.source else ""
        found = self._events.get(text)
        if found is None:
            found = _located(document, text, pieces)
            if self._kinds is not None:
                kinds = self._kinds  # a set, not a function: thousands of events a keystroke
                found = tuple(e for e in found if e[1].kind in kinds)
        return found


# the migrations of the folder last replayed, in order, and their key (paths and texts): S004
# and S007 replay the same folder object one after the other, and a folder has a thousand files
_ORDER: list[tuple[MigrationFolder, tuple[SqlDocument, ...], tuple[Any, ...]]] = []


def _order_of(folder: MigrationFolder) -> tuple[tuple[SqlDocument, ...], tuple[Any, ...]]:
    if _ORDER and _ORDER[0][0] is folder:
        return _ORDER[0][1], _ORDER[0][2]
    documents = tuple(in_order(folder))
    key = tuple((d.path, d.source.text if d.source else None) for d in documents)
    _ORDER[:] = [(folder, documents, key)]
    return documents, key


# the events of the files last read, by text: S004 and S007 read an edited file once between
# them (a few: each keystroke in a long file makes a new text, and its events are big)
_LOCATED: dict[str, Located] = {}
_LOCATED_KEPT = 4


def _located(document: SqlDocument, text: str, pieces: Pieces) -> Located:
    found = _LOCATED.get(text)
    if found is None:
        if len(_LOCATED) >= _LOCATED_KEPT:
            del _LOCATED[next(iter(_LOCATED))]
        found = _LOCATED[text] = tuple(events_of(pieces(document)))
    return found


def ignored(document: SqlDocument, offset: int, code: str) -> bool:
    """Whether a `-- drizzle-lsp-ignore` comment turns ``code`` off at ``offset``."""
    migration = document.migration
    codes = migration.ignored_codes(offset) if migration is not None else None
    return codes is not None and (not codes or code in codes)


@lru_cache(maxsize=65536)
def chunk_events(text: str) -> tuple[Event, ...]:
    """The events of one chunk (none when it does not parse)."""
    parsed = parse_chunk(text)
    if parsed.error is not None or not parsed.statements or not _may_matter(text):
        return ()
    try:
        tree = pgtree.sql_json(text)
    except pgtree.ParseError:
        return ()
    raw = tree.get("stmts", ())
    if len(raw) != len(parsed.statements):
        return ()
    offsets = _offsets(text)
    found: list[Event] = []
    for statement, item in zip(parsed.statements, raw, strict=True):
        ((kind, data),) = item["stmt"].items()
        line_end = text.find("\n", statement.start)
        head = (statement.start, min(statement.end, len(text) if line_end < 0 else line_end))
        found.extend(_statement(kind, data, head, offsets))
    # a literal found twice (a cast in a column's DEFAULT): once
    uses = {e.start: e for e in reversed(found) if e.kind == "use"}
    return tuple(e for e in found if e.kind != "use" or uses[e.start] is e)


_KEYWORDS = ("create", "drop", "rename", "alter", "insert", "update", "delete", "select", "'")


def _may_matter(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in _KEYWORDS)


def _offsets(text: str) -> Callable[[int], int]:
    if text.isascii():
        return lambda offset: offset
    encoded = text.encode("utf-8", "surrogatepass")
    return lambda offset: len(encoded[:offset].decode("utf-8", "ignore"))


def _name(names: Any) -> Name | None:
    """A qualified name from a list of String nodes."""
    parts = [n["String"].get("sval", "") for n in names or () if "String" in n]
    if not parts:
        return None
    return ("public", parts[-1]) if len(parts) == 1 else (parts[-2], parts[-1])


def _relation(rangevar: Any) -> Name | None:
    if not isinstance(rangevar, dict) or "relname" not in rangevar:
        return None
    return (rangevar.get("schemaname") or "public", rangevar["relname"])


def _type_of(type_name: Any) -> Name | None:
    """A column's type, when it may be an enum: not an array, not a built-in."""
    if not isinstance(type_name, dict) or type_name.get("arrayBounds"):
        return None
    name = _name(type_name.get("names"))
    return None if name is None or name[0] == "pg_catalog" else name


def _statement(
    kind: str, data: dict[str, Any], head: tuple[int, int], offsets: Callable[[int], int]
) -> Iterator[Event]:
    start, end = head
    if kind == "CreateStmt":
        table = _relation(data.get("relation"))
        if table is None or data["relation"].get("relpersistence") == "t":
            return
        yield Event("create", start, end, "table", table, guarded=bool(data.get("if_not_exists")))
        for element in data.get("tableElts", ()):
            column = element.get("ColumnDef")
            if column is not None:
                yield from _column(table, column, start, end, offsets)
    elif kind == "CreateEnumStmt":
        name = _name(data.get("typeName"))
        if name is not None:
            yield Event("create", start, end, "type", name)
            values = tuple(v["String"].get("sval", "") for v in data.get("vals", ()))
            yield Event("enum", start, end, "type", name, values)
    elif kind in ("CompositeTypeStmt", "CreateRangeStmt", "CreateDomainStmt"):
        name = (
            _relation(data.get("typevar"))
            if kind == "CompositeTypeStmt"
            else _name(data.get("typeName" if kind == "CreateRangeStmt" else "domainname"))
        )
        if name is not None:
            yield Event("create", start, end, "type", name)
    elif kind == "DropStmt":
        yield from _drop(data, start, end)
    elif kind == "RenameStmt":
        yield from _rename(data, start, end)
    elif kind == "AlterEnumStmt":
        name = _name(data.get("typeName"))
        if name is not None and data.get("newVal") is not None and data.get("oldVal") is None:
            yield Event("add-value", start, end, "type", name, data["newVal"])
    elif kind == "AlterTableStmt":
        yield from _alter_table(data, start, end, offsets)
    if kind in _READS_VALUES:
        yield from _uses(kind, data, offsets)


_READS_VALUES = frozenset(
    {"InsertStmt", "UpdateStmt", "DeleteStmt", "SelectStmt", "AlterTableStmt", "CreateStmt"}
)


def _column(
    table: Name, column: dict[str, Any], start: int, end: int, offsets: Callable[[int], int]
) -> Iterator[Event]:
    name = column.get("colname")
    if name is None:
        return
    type_ = _type_of(column.get("typeName"))
    yield Event("column", start, end, "table", table, name, type_)
    if type_ is None:
        return
    for constraint in column.get("constraints", ()):
        default = constraint.get("Constraint", {})
        if default.get("contype") == "CONSTR_DEFAULT":
            yield from _values(default.get("raw_expr"), offsets, type_=type_)


def _drop(data: dict[str, Any], start: int, end: int) -> Iterator[Event]:
    remove = data.get("removeType")
    for item in data.get("objects", ()):
        if remove == "OBJECT_TABLE" and "List" in item:
            name = _name(item["List"].get("items"))
            if name is not None:
                yield Event("drop", start, end, "table", name)
        elif remove in ("OBJECT_TYPE", "OBJECT_DOMAIN") and "TypeName" in item:
            name = _name(item["TypeName"].get("names"))
            if name is not None:
                yield Event("drop", start, end, "type", name)


def _rename(data: dict[str, Any], start: int, end: int) -> Iterator[Event]:
    kind, new = data.get("renameType"), data.get("newname")
    if new is None:
        return
    if kind == "OBJECT_TABLE":
        table = _relation(data.get("relation"))
        if table is not None:
            yield Event("rename", start, end, "table", table, (table[0], new))
    elif kind in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
        name = _name(data.get("object", {}).get("List", {}).get("items"))
        if name is not None:
            yield Event("rename", start, end, "type", name, (name[0], new))
    elif kind == "OBJECT_COLUMN" and data.get("subname") is not None:
        table = _relation(data.get("relation"))
        if table is not None:
            yield Event("rename-column", start, end, "table", table, (data["subname"], new))


def _alter_table(
    data: dict[str, Any], start: int, end: int, offsets: Callable[[int], int]
) -> Iterator[Event]:
    table = _relation(data.get("relation"))
    if table is None:
        return
    for item in data.get("cmds", ()):
        cmd = item.get("AlterTableCmd", {})
        subtype = cmd.get("subtype")
        definition = cmd.get("def", {})
        if subtype == "AT_AddColumn" and "ColumnDef" in definition:
            yield from _column(table, definition["ColumnDef"], start, end, offsets)
        elif subtype == "AT_AlterColumnType" and cmd.get("name") and "ColumnDef" in definition:
            type_ = _type_of(definition["ColumnDef"].get("typeName"))
            yield Event("column", start, end, "table", table, cmd["name"], type_)
        elif subtype == "AT_DropColumn" and cmd.get("name"):
            yield Event("column", start, end, "table", table, cmd["name"], None)
        elif subtype == "AT_ColumnDefault" and cmd.get("name") and definition:
            yield from _values(definition, offsets, table=table, column=cmd["name"])


# ---- strings read as a value of a column or a type ----------------------------------------------


def _uses(kind: str, data: dict[str, Any], offsets: Callable[[int], int]) -> Iterator[Event]:
    """The string literals of a statement that PostgreSQL reads as a value of an enum: cast to
    a type, compared with or assigned to a column (INSERT, UPDATE SET, `=`, `<>`, `IN`)."""
    tables = tuple(_tables(data))
    target = _relation(data.get("relation")) if kind in ("InsertStmt", "UpdateStmt") else None
    if kind == "InsertStmt":
        columns = [c.get("ResTarget", {}).get("name") for c in data.get("cols", ())]
        select = data.get("selectStmt", {}).get("SelectStmt", {})
        for row in select.get("valuesLists", ()):
            items = row.get("List", {}).get("items", ())
            for column, value in zip(columns, items, strict=False):
                if column is not None:
                    yield from _values(value, offsets, table=target, column=column)
    if kind == "UpdateStmt":
        for item in data.get("targetList", ()):
            res = item.get("ResTarget", {})
            if res.get("name") is not None:
                yield from _values(res.get("val"), offsets, table=target, column=res["name"])
    yield from _walk(data, offsets, tables)


def _values(
    node: Any,
    offsets: Callable[[int], int],
    type_: Name | None = None,
    table: Name | None = None,
    column: str | None = None,
    tables: tuple[Name, ...] = (),
) -> Iterator[Event]:
    """The string constants of ``node`` (a constant, a cast of one, or a list of them), read as
    values of ``type_`` or of ``column``."""
    if not isinstance(node, dict):
        return
    if "List" in node:
        for item in node["List"].get("items", ()):
            yield from _values(item, offsets, type_, table, column, tables)
        return
    if "TypeCast" in node:
        node = node["TypeCast"].get("arg", {})  # its own type is found by _walk
    constant = node.get("A_Const", {})
    value = constant.get("sval", {}).get("sval") if "sval" in constant else None
    if value is None or constant.get("location") is None:
        return
    at = offsets(constant["location"])
    end = at + len(value) + 2 + value.count("'")  # the quotes, and each doubled quote
    yield Event("use", at, end, "", table, value, type_, column, tables)


def _walk(node: Any, offsets: Callable[[int], int], tables: tuple[Name, ...]) -> Iterator[Event]:
    """Casts (`'v'::t`) and comparisons (`c = 'v'`, `c IN ('v')`) anywhere in ``node``."""
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, offsets, tables)
        return
    if not isinstance(node, dict):
        return
    cast = node.get("TypeCast")
    if cast is not None:
        type_ = _type_of(cast.get("typeName"))
        if type_ is not None:
            yield from _values(cast.get("arg"), offsets, type_=type_)
    expression = node.get("A_Expr")
    if expression is not None and expression.get("kind") in ("AEXPR_OP", "AEXPR_IN"):
        for this, other in (("lexpr", "rexpr"), ("rexpr", "lexpr")):
            column = _column_ref(expression.get(this))
            if column is not None:
                yield from _values(expression.get(other), offsets, column=column, tables=tables)
    for value in node.values():
        if isinstance(value, dict | list):
            yield from _walk(value, offsets, tables)


def _column_ref(node: Any) -> str | None:
    if not isinstance(node, dict) or "ColumnRef" not in node:
        return None
    fields = node["ColumnRef"].get("fields", ())
    last = fields[-1] if fields else {}
    return last.get("String", {}).get("sval") if isinstance(last, dict) else None


def _tables(node: Any) -> Iterator[Name]:
    """The tables a statement names (every RangeVar)."""
    if isinstance(node, list):
        for item in node:
            yield from _tables(item)
        return
    if not isinstance(node, dict):
        return
    if "relname" in node:
        name = _relation(node)
        if name is not None:
            yield name
    for value in node.values():
        if isinstance(value, dict | list):
            yield from _tables(value)
