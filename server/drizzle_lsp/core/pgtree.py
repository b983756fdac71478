"""PostgreSQL parse trees from libpg_query's JSON, read the way pglast's AST reads.

``pglast.parse_sql`` builds its AST through ``pglast.ast``'s validating ``__setattr__``, which
costs many times the parse itself (see docs/performance.md, parse trees). The rules read a
handful of attributes of a handful of nodes, so :class:`Node` wraps the JSON and
converts an attribute only when it is read, to what pglast would have built: the same names
(``def_``), enum members, tuples for lists, ``False``/``0`` for what the JSON leaves out, and
locations as ``str`` indexes (the JSON counts UTF-8 bytes; ``-1`` becomes None, as in pglast).
The conversions follow ``pglast.ast``'s own slot types, so they track the pinned pglast. One
difference: the JSON leaves out empty strings, so an empty ``char*`` reads as None, except
``String.sval`` (never NULL), which reads as "" as in pglast.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson
from pglast import ast, enums
from pglast.parser import ParseError, parse_plpgsql_json, parse_sql_json, split

__all__ = ["Node", "ParseError", "RawStatement", "bounds", "parse", "plpgsql_json", "sql_json"]

Offsets = Callable[[int], int]  # UTF-8 byte offset -> str index


@dataclass(frozen=True, slots=True)
class RawStatement:
    """One statement of a parsed text: its bounds as ``str`` indexes and its tree."""

    start: int
    end: int
    node: Node


def sql_json(text: str) -> Any:
    """libpg_query's parse tree of ``text`` as plain JSON values; raises :class:`ParseError`."""
    return _loads(parse_sql_json(text))


def plpgsql_json(text: str) -> Any:
    """libpg_query's PL/pgSQL tree of ``text`` (a ``CREATE FUNCTION``) as plain JSON values, as
    ``pglast.parse_plpgsql`` returns it; raises :class:`ParseError`."""
    return _loads(parse_plpgsql_json(text))


def _loads(data: str) -> Any:
    """orjson decodes a tree faster than ``json`` (one is read for every statement linted);
    ``json`` takes what orjson refuses (an integer beyond 64 bits; libpg_query writes none)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def parse(text: str) -> list[RawStatement]:
    """The statements of ``text``; raises :class:`ParseError` (message, str index) as pglast.

    Each statement's tree is decoded from the JSON when first read: most rules look at the
    type of most statements only (a query), and decoding is most of a parse's cost."""
    data = parse_sql_json(text)
    offsets = _identity if text.isascii() else _ByteOffsets(text)
    statements = []
    for piece in _statement_pieces(data):
        start = _field(piece, _LOCATION)
        length = _field(piece, _LENGTH)  # 0: up to the end of the text
        end = offsets(start + length) if length else len(text)
        kind = piece[len(_STATEMENT) : piece.index('"', len(_STATEMENT))]
        node = Node.undecoded(kind, piece, offsets)
        statements.append(RawStatement(offsets(start), end, node))
    return statements


# libpg_query's JSON of a parse: {"version":N,"stmts":[{"stmt":{"SelectStmt":{...}},
# "stmt_location":L,"stmt_len":K},...]}. Inside a JSON string every `"` is escaped, and only a
# RawStmt has the fields `stmt`, `stmt_location` and `stmt_len`: these markers are found
# nowhere else.
_STATEMENT = '{"stmt":{"'
_LOCATION = ',"stmt_location":'
_LENGTH = ',"stmt_len":'


def _statement_pieces(data: str) -> list[str]:
    """Each statement's JSON object in the parse's JSON ``data``, undecoded."""
    starts = []
    at = data.find(_STATEMENT)
    while at != -1:
        starts.append(at)
        at = data.find(_STATEMENT, at + len(_STATEMENT))
    if not starts:
        return []
    ends = [start - 1 for start in starts[1:]]  # before the comma between two
    ends.append(data.rindex("]"))
    return [data[start:end] for start, end in zip(starts, ends, strict=True)]


def _field(piece: str, marker: str) -> int:
    """An integer field of a statement's JSON object (0 where the JSON leaves it out)."""
    at = piece.rfind(marker)
    if at == -1:
        return 0
    digits = at + len(marker)
    end = digits
    while piece[end].isdigit():
        end += 1
    return int(piece[digits:end])


def bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) str indexes of the statements of ``text``, trailing blanks left out; raises
    :class:`ParseError` as :func:`parse` does. The same parser and locations as :func:`parse`
    without building the tree as JSON and decoding it: a sixth of the time."""
    return [(s.start, s.stop) for s in split(text, with_parser=True, only_slices=True)]


def _identity(offset: int) -> int:
    return offset


class _Moved:
    """Byte offset -> str index, ``delta`` further on than ``offsets`` says."""

    __slots__ = ("_delta", "_offsets")

    def __init__(self, offsets: Offsets, delta: int) -> None:
        self._offsets, self._delta = offsets, delta

    def __call__(self, offset: int) -> int:
        return self._offsets(offset) + self._delta


class _ByteOffsets:
    """Byte offset -> str index for a non-ASCII text (decoding the prefix: texts are chunks)."""

    __slots__ = ("_utf8",)

    def __init__(self, text: str) -> None:
        self._utf8 = text.encode("utf-8", "surrogatepass")

    def __call__(self, offset: int) -> int:
        return len(self._utf8[:offset].decode("utf-8", "ignore"))


class Node:
    """A node of the tree: ``type_name`` is pglast's class name, attributes are its slots."""

    __slots__ = ("_data", "_offsets", "_piece", "type_name")
    type_name: str
    _data: dict[str, Any]
    _offsets: Offsets
    _piece: str  # set only while a statement's node is not decoded (see `undecoded`)

    def __init__(self, type_name: str, data: dict[str, Any], offsets: Offsets) -> None:
        self.type_name = type_name
        self._data = data
        self._offsets = offsets

    @classmethod
    def undecoded(cls, type_name: str, piece: str, offsets: Offsets) -> Node:
        """A statement's node whose fields are decoded from ``piece``, its RawStmt's JSON, when
        first read (reading ``type_name`` decodes nothing)."""
        node = cls.__new__(cls)
        node.type_name, node._piece, node._offsets = type_name, piece, offsets
        return node

    def __getattr__(self, name: str) -> Any:
        reader = _reader(self.type_name, name)
        if reader is None:
            if name == "_data":  # an undecoded statement's (the slot is not set): decode it
                data = self._data = _loads(self._piece)["stmt"][self.type_name]
                del self._piece  # decoded: `_piece` set means undecoded (see `moved`)
                return data
            raise AttributeError(f"{self.type_name} has no attribute {name!r}")
        key, convert = reader
        return convert(self, self._data.get(key))

    def __repr__(self) -> str:
        return f"<{self.type_name} {self._data!r}>"

    def moved(self, delta: int) -> Node:
        """This node with its locations ``delta`` further on (its statement moved in the text)."""
        if delta == 0:
            return self
        moved = _Moved(self._offsets, delta)
        if hasattr(self, "_piece"):  # not decoded yet: it stays so
            return Node.undecoded(self.type_name, self._piece, moved)
        return Node(self.type_name, self._data, moved)

    @property
    def json(self) -> dict[str, Any]:
        """The node's fields as libpg_query's JSON holds them, unconverted (locations count
        UTF-8 bytes, empty values are left out): for a walk over a whole subtree, or a few
        fields of many nodes, without wrapping each one."""
        return self._data

    def _constant(self) -> Node | None:
        for key, type_name in _CONSTANTS.items():
            if key in self._data:
                return Node(type_name, self._data[key], self._offsets)
        return None

    def _wrap(self, item: Any) -> Any:
        """A list item or a ``Node*`` value: ``{"TypeName": {...}}`` becomes a Node."""
        if item == {}:
            return None  # a NULL in a list
        if isinstance(item, dict) and len(item) == 1:
            ((kind, data),) = item.items()
            if isinstance(data, dict) and _is_concrete(kind):
                return Node(kind, data, self._offsets)
            if kind == "List" and isinstance(data, dict):
                return tuple(self._wrap(i) for i in data.get("items", ()))
        return item


Convert = Callable[[Node, Any], Any]  # a JSON value of an attribute -> what pglast reads


@cache
def _reader(type_name: str, name: str) -> tuple[str, Convert] | None:
    """The JSON key and the conversion of attribute ``name`` of ``type_name`` nodes (decided
    once per attribute: nodes are read by the tens of thousands)."""
    ctype = _slots(type_name).get(name)
    if ctype is None:
        return None
    key = name.removesuffix("_") if name.endswith("_") else name
    if ctype == "char*" and type_name == "String":
        # the JSON leaves out empty strings too: a String value is never NULL
        return key, _string
    return key, _converter(ctype)


def _converter(ctype: str) -> Convert:
    simple = _SIMPLE.get(ctype)
    if simple is not None:
        return simple
    if ctype.endswith("*"):
        name = ctype[:-1]
        if _is_concrete(name):
            return lambda node, raw: None if raw is None else Node(name, raw, node._offsets)
        return lambda node, raw: None if raw is None else node._wrap(raw)
    if _is_concrete(ctype):  # a struct embedded by value (CreateForeignTableStmt.base)
        return lambda node, raw: Node(ctype, raw or {}, node._offsets)
    enum = _enum(ctype)
    if enum is not None:
        return lambda node, raw: enum[raw] if isinstance(raw, str) else enum(raw or 0)
    return lambda node, raw: raw if raw is not None else 0


def _location(node: Node, raw: Any) -> int | None:
    if raw is None:
        return 0
    return None if raw < 0 else node._offsets(raw)


def _string(node: Node, raw: Any) -> Any:
    return "" if raw is None else raw


_SIMPLE: dict[str, Convert] = {
    "ParseLoc": _location,
    "bool": lambda node, raw: bool(raw),
    "char": lambda node, raw: raw if raw is not None else "\x00",
    "char*": lambda node, raw: raw,
    "List*": lambda node, raw: None if raw is None else tuple(node._wrap(item) for item in raw),
    "ValUnion": lambda node, raw: node._constant(),  # A_Const's value: {"sval": {"sval": "x"}}
}


_CONSTANTS = {
    "ival": "Integer",
    "fval": "Float",
    "boolval": "Boolean",
    "sval": "String",
    "bsval": "BitString",
}


@cache
def _slots(type_name: str) -> dict[str, str]:
    """pglast's attribute -> C type of a node class (empty for one pglast does not know)."""
    slots = getattr(getattr(ast, type_name, None), "__slots__", None)
    if not isinstance(slots, dict):
        return {}
    return {name: str(getattr(info, "c_type", info)) for name, info in slots.items()}


@cache
def _is_concrete(type_name: str) -> bool:
    """Whether pglast has a node class of that name (with its slots, maybe none: ``A_Star``)."""
    return isinstance(getattr(getattr(ast, type_name, None), "__slots__", None), dict)


@cache
def _enum(ctype: str) -> Any:
    return getattr(enums, ctype, None)
