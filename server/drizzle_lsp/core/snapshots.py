"""drizzle-kit's schema snapshots: ``meta/NNNN_snapshot.json``, read as drizzle-kit reads them.

``drizzle-kit generate`` writes, beside each migration, a snapshot of the whole schema with an
``id`` and the ``prevId`` of the snapshot it was diffed against; the next ``generate`` diffs the
schema against the last snapshot by file name. Before that, ``generate`` and ``check`` read
every file of ``meta/`` whose name does not start with ``_`` (drizzle-kit 0.31.11,
``src/utils.ts``, ``prepareOutFolder`` and ``validateWithReport``), named as it names them or
not (a merge tool's ``0005_snapshot.json.orig`` is read too, and sorts last):

- ``JSON.parse`` of the text: invalid JSON (a merge conflict left in the file) throws;
- a ``version`` greater than 7 stops it ("snapshot is of unsupported version");
- the zod schema of a version 5, 6 or 7 PostgreSQL snapshot (``src/serializer/pgSchema.ts``)
  must accept the data, or the file is "malformed" and ``generate`` refuses to run. Its objects
  are strict (an unknown key is an error) except the top level and a few below it, as
  :data:`_V7` and its siblings spell out;
- the snapshots are grouped by ``prevId``: two in one group are "a collision".

This module finds what the rules need in one snapshot text: its ``id``, ``prevId`` and
``version``, and the first thing drizzle-kit would find malformed, located in the text. Offsets
are str indexes, as everywhere (:mod:`drizzle_lsp.core.text`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from drizzle_lsp.core.diagnostics import Span

SUFFIX = "_snapshot.json"
ROOT_ID = "00000000-0000-0000-0000-000000000000"  # the prevId of a first snapshot
LATEST_VERSION = 7


def is_snapshot_name(name: str) -> bool:
    """Whether drizzle-kit reads a file of ``meta/`` as a snapshot: every file whose name does
    not start with ``_`` (``_journal.json``, ``_journal.json.backup`` are not), so a merge tool's
    ``0005_snapshot.json.orig`` or a ``.DS_Store`` is one too."""
    return not name.startswith("_")


def is_named_snapshot(name: str) -> bool:
    """Whether a file of ``meta/`` is named as drizzle-kit names its snapshots."""
    return name.endswith(SUFFIX) and not name.startswith("_")


def snapshot_name(tag: str) -> str:
    """The snapshot file of a journal tag, as ``drizzle-kit generate`` and ``drop`` name it:
    the tag's prefix up to its first ``_`` (``0005_add_age`` -> ``0005_snapshot.json``)."""
    return f"{tag.split('_')[0]}{SUFFIX}"


def snapshot_paths(meta: Path) -> list[Path]:
    """The files drizzle-kit reads as snapshots in a ``meta/`` folder, in its order (names
    sorted: the last is what the next ``generate`` diffs against)."""
    try:
        with os.scandir(meta) as entries:
            names = sorted(e.name for e in entries if is_snapshot_name(e.name) and _is_file(e))
    except OSError:
        return []
    return [meta / name for name in names]


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return True  # listed, so that it is reported as unreadable


# ---- one snapshot ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Malformed:
    """Why drizzle-kit cannot read a snapshot, and where."""

    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class SnapshotFacts:
    id: str | None  # None: missing or not a string
    prev_id: str | None
    version: str | None
    malformed: Malformed | None
    supported: bool = True  # False: a version this drizzle-kit does not know (it stops)

    @property
    def valid(self) -> bool:
        """Whether drizzle-kit accepts it and groups it by ``prevId`` (its collision check)."""
        return self.supported and self.malformed is None


_CACHE: OrderedDict[bytes, SnapshotFacts] = OrderedDict()
_CACHE_SIZE = 4096


def snapshot_facts(text: str, bom: bool = False) -> SnapshotFacts:
    """What drizzle-kit makes of a snapshot whose text (BOM removed) is ``text``.

    Cached by a digest of the text, not the text: a folder's snapshots weigh tens of megabytes
    (27 MB for 186 in one real project), and each full analysis reads them again.
    """
    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    key += b"\1" if bom else b"\0"
    facts = _CACHE.get(key)
    if facts is None:
        facts = _CACHE[key] = _facts(text, bom)
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return facts


def _facts(text: str, bom: bool) -> SnapshotFacts:
    if bom:
        return SnapshotFacts(
            None, None, None, Malformed(Span(0, 0), "it starts with a byte order mark (BOM)")
        )
    try:
        data = _loads(text)
    except RecursionError:
        return SnapshotFacts(None, None, None, Malformed(Span(0, 0), "it is nested too deeply"))
    except ValueError as error:
        return SnapshotFacts(None, None, None, _syntax_error(text, error))
    if not isinstance(data, dict):
        return SnapshotFacts(
            None,
            None,
            None,
            Malformed(_value_span(text, ()), f"it is {_kind(data)}, not an object"),
        )
    ids = [data.get(k) if isinstance(data.get(k), str) else None for k in ("id", "prevId")]
    version = data.get("version")
    if version and _number(version) > LATEST_VERSION:  # JS: raw.version && Number(...) > 7
        return SnapshotFacts(ids[0], ids[1], str(version), None, supported=False)
    schema = _SCHEMAS.get(version, _V7) if isinstance(version, str) else _V7
    malformed = None
    if not _CHECKS[id(schema)](data):  # the fast check, then the slow one that says where
        problem = _validate(data, schema, ())
        malformed = _locate(text, problem) if problem is not None else None
    return SnapshotFacts(ids[0], ids[1], version if isinstance(version, str) else None, malformed)


def _loads(text: str) -> Any:
    """``JSON.parse``: orjson (ten times as fast), or, for what it refuses and JavaScript
    reads (an integer beyond 64 bits, an escaped lone surrogate), the standard library."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _number(value: Any) -> float:
    """JavaScript's ``Number(value)`` for the JSON values a ``version`` may hold."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip() or 0)
        except ValueError:
            return float("nan")
    return float("nan")


_CONFLICT = re.compile(r"^(?:<{7}|={7}|>{7})(?= |$)", re.MULTILINE)


def _syntax_error(text: str, error: ValueError) -> Malformed:
    conflict = _CONFLICT.search(text)
    if conflict is not None:
        return Malformed(
            Span(conflict.start(), conflict.end()), "it holds an unresolved merge conflict"
        )
    at = min(getattr(error, "pos", 0), len(text))
    reason = getattr(error, "msg", str(error))
    return Malformed(Span(at, min(at + 1, len(text))), f"it is not valid JSON ({reason})")


def field_span(text: str, key: str) -> Span | None:
    """The value of the top-level ``key`` of a snapshot that is valid JSON (its last one, as
    ``JSON.parse`` keeps), None when it has none."""
    located = _find(text, (key,))
    return located[0] if located is not None else None


# ---- the zod schemas of drizzle-kit 0.31.11 (src/serializer/pgSchema.ts) ------------------------


class _Str:
    expected = "a string"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str)


class _Bool:
    expected = "true or false"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool)


class _Num:
    expected = "a number"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)


class _Any:
    expected = "anything"

    def accepts(self, value: Any) -> bool:
        return True


@dataclass(frozen=True)
class _Literal:
    values: tuple[str, ...]

    @property
    def expected(self) -> str:
        return " or ".join(json.dumps(v) for v in self.values)

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.values


@dataclass(frozen=True)
class _Optional:  # zod's .optional() and .default(...): the key may be missing
    inner: Any


@dataclass(frozen=True)
class _Record:
    values: Any
    expected = "an object"


@dataclass(frozen=True)
class _Array:
    items: Any
    expected = "an array"


@dataclass(frozen=True)
class _Object:
    fields: Mapping[str, Any]
    strict: bool = True  # zod's .strict(): a key it does not list is an error
    expected = "an object"

    def merge(self, other: _Object, strict: bool) -> _Object:
        return _Object({**self.fields, **other.fields}, strict)


_S, _B, _N, _ANY = _Str(), _Bool(), _Num(), _Any()


def _opt(inner: Any) -> _Optional:
    return _Optional(inner)


def _enum(*values: str) -> _Literal:
    return _Literal(values)


_INDEX_COLUMN = _Object(
    {
        "expression": _S,
        "isExpression": _B,
        "asc": _B,
        "nulls": _opt(_S),
        "opclass": _opt(_S),
    },
    strict=False,
)
_INDEX = _Object(
    {
        "name": _S,
        "columns": _Array(_INDEX_COLUMN),
        "isUnique": _B,
        "with": _opt(_Record(_ANY)),
        "method": _opt(_S),
        "where": _opt(_S),
        "concurrently": _opt(_B),
    }
)
_INDEX_V5 = _Object(
    {
        "name": _S,
        "columns": _Array(_S),
        "isUnique": _B,
        "with": _opt(_Record(_S)),
        "method": _opt(_S),
        "where": _opt(_S),
        "concurrently": _opt(_B),
    }
)
_FOREIGN_KEY = _Object(
    {
        "name": _S,
        "tableFrom": _S,
        "columnsFrom": _Array(_S),
        "tableTo": _S,
        "schemaTo": _opt(_S),
        "columnsTo": _Array(_S),
        "onUpdate": _opt(_S),
        "onDelete": _opt(_S),
    }
)
_SEQUENCE = _Object(
    {
        "name": _S,
        "increment": _opt(_S),
        "minValue": _opt(_S),
        "maxValue": _opt(_S),
        "startWith": _opt(_S),
        "cache": _opt(_S),
        "cycle": _opt(_B),
        "schema": _S,
    }
)
_ROLE = _Object({"name": _S, "createDb": _opt(_B), "createRole": _opt(_B), "inherit": _opt(_B)})
# sequenceSchema.merge(objectType({type})): a merge takes the second object's policy (strip)
_IDENTITY = _SEQUENCE.merge(_Object({"type": _enum("always", "byDefault")}), strict=False)
_COLUMN = _Object(
    {
        "name": _S,
        "type": _S,
        "typeSchema": _opt(_S),
        "primaryKey": _B,
        "notNull": _B,
        "default": _opt(_ANY),
        "isUnique": _opt(_ANY),
        "uniqueName": _opt(_S),
        "nullsNotDistinct": _opt(_B),
        "generated": _opt(_Object({"type": _enum("stored"), "as": _S}, strict=False)),
        "identity": _opt(_IDENTITY),
    }
)
_CHECK = _Object({"name": _S, "value": _S})
_COMPOSITE_PK = _Object({"name": _S, "columns": _Array(_S)})
_UNIQUE = _Object({"name": _S, "columns": _Array(_S), "nullsNotDistinct": _B})
_POLICY = _Object(
    {
        "name": _S,
        "as": _opt(_enum("PERMISSIVE", "RESTRICTIVE")),
        "for": _opt(_enum("ALL", "SELECT", "INSERT", "UPDATE", "DELETE")),
        "to": _opt(_Array(_S)),
        "using": _opt(_S),
        "withCheck": _opt(_S),
        "on": _opt(_S),
        "schema": _opt(_S),
    }
)
_VIEW_WITH = _Object(
    {
        "checkOption": _opt(_enum("local", "cascaded")),
        "securityBarrier": _opt(_B),
        "securityInvoker": _opt(_B),
        **{
            key: _opt(_N)
            for key in (
                "fillfactor",
                "toastTupleTarget",
                "parallelWorkers",
                "autovacuumVacuumThreshold",
                "autovacuumVacuumScaleFactor",
                "autovacuumVacuumCostDelay",
                "autovacuumVacuumCostLimit",
                "autovacuumFreezeMinAge",
                "autovacuumFreezeMaxAge",
                "autovacuumFreezeTableAge",
                "autovacuumMultixactFreezeMinAge",
                "autovacuumMultixactFreezeMaxAge",
                "autovacuumMultixactFreezeTableAge",
                "logAutovacuumMinDuration",
            )
        },
        "autovacuumEnabled": _opt(_B),
        "vacuumIndexCleanup": _opt(_enum("auto", "off", "on")),
        "vacuumTruncate": _opt(_B),
        "userCatalogTable": _opt(_B),
    }
)
_VIEW = _Object(
    {
        "name": _S,
        "schema": _S,
        "columns": _Record(_COLUMN),
        "definition": _opt(_S),
        "materialized": _B,
        "with": _opt(_VIEW_WITH),
        "isExisting": _B,
        "withNoData": _opt(_B),
        "using": _opt(_S),
        "tablespace": _opt(_S),
    }
)
_TABLE = _Object(
    {
        "name": _S,
        "schema": _S,
        "columns": _Record(_COLUMN),
        "indexes": _Record(_INDEX),
        "foreignKeys": _Record(_FOREIGN_KEY),
        "compositePrimaryKeys": _Record(_COMPOSITE_PK),
        "uniqueConstraints": _opt(_Record(_UNIQUE)),
        "policies": _opt(_Record(_POLICY)),
        "checkConstraints": _opt(_Record(_CHECK)),
        "isRLSEnabled": _opt(_B),
    }
)
_TABLE_V5 = _Object(  # tableV5 and tableV6 are the same
    {
        "name": _S,
        "schema": _S,
        "columns": _Record(_COLUMN),
        "indexes": _Record(_INDEX_V5),
        "foreignKeys": _Record(_FOREIGN_KEY),
        "compositePrimaryKeys": _Record(_COMPOSITE_PK),
        "uniqueConstraints": _opt(_Record(_UNIQUE)),
    }
)
_META = _Object(
    {"schemas": _Record(_S), "tables": _Record(_S), "columns": _Record(_S)}, strict=False
)
_INTERNALS = _opt(
    _Object(
        {
            "tables": _Record(
                _Object(
                    {
                        "columns": _Record(
                            _Object(
                                {
                                    "isArray": _opt(_B),
                                    "dimensions": _opt(_N),
                                    "rawType": _opt(_S),
                                    "isDefaultAnExpression": _opt(_B),
                                },
                                strict=False,
                            )
                        )
                    },
                    strict=False,
                )
            )
        },
        strict=False,
    )
)
# the top level is `<schema>.merge(schemaHash)`: schemaHash's policy, so unknown keys pass
_HASH = {"id": _S, "prevId": _S}
_V5 = _Object(
    {
        "version": _Literal(("5",)),
        "dialect": _Literal(("pg",)),
        "tables": _Record(_TABLE_V5),
        "enums": _Record(_Object({"name": _S, "values": _Record(_S)})),
        "schemas": _Record(_S),
        "_meta": _META,
        "internal": _INTERNALS,
        **_HASH,
    },
    strict=False,
)
_ENUM = _Object({"name": _S, "schema": _S, "values": _Array(_S)})
_V6 = _Object(
    {
        "version": _Literal(("6",)),
        "dialect": _Literal(("postgresql",)),
        "tables": _Record(_TABLE_V5),
        "enums": _Record(_ENUM),
        "schemas": _Record(_S),
        "_meta": _META,
        "internal": _INTERNALS,
        **_HASH,
    },
    strict=False,
)
_V7 = _Object(
    {
        "version": _Literal(("7",)),
        "dialect": _Literal(("postgresql",)),
        "tables": _Record(_TABLE),
        "enums": _Record(_ENUM),
        "schemas": _Record(_S),
        "views": _opt(_Record(_VIEW)),
        "sequences": _opt(_Record(_SEQUENCE)),
        "roles": _opt(_Record(_ROLE)),
        "policies": _opt(_Record(_POLICY)),
        "_meta": _META,
        "internal": _INTERNALS,
        **_HASH,
    },
    strict=False,
)
# zod tries the union's members in turn; the one a snapshot's `version` names explains it best
_SCHEMAS: dict[Any, _Object] = {"5": _V5, "6": _V6, "7": _V7}

Path_ = tuple[str | int, ...]
Check = Callable[[Any], bool]


def _compile(schema: Any) -> Check:
    """A function that tells whether zod accepts a value: the common case, a valid snapshot,
    decided without building a path for every value (a third of the time of `_validate`)."""
    if isinstance(schema, _Optional):
        return _compile(schema.inner)
    if isinstance(schema, _Record):
        values = _compile(schema.values)
        return lambda v: type(v) is dict and all(map(values, v.values()))
    if isinstance(schema, _Array):
        items = _compile(schema.items)
        return lambda v: type(v) is list and all(map(items, v))
    if isinstance(schema, _Object):
        return _compile_object(schema)
    if isinstance(schema, _Str):
        return lambda v: type(v) is str
    if isinstance(schema, _Bool):
        return lambda v: type(v) is bool
    if isinstance(schema, _Num):
        return lambda v: type(v) is int or type(v) is float
    if isinstance(schema, _Literal):
        allowed = frozenset(schema.values)
        return lambda v: type(v) is str and v in allowed
    return lambda v: True


def _compile_object(schema: _Object) -> Check:
    fields = {key: _compile(inner) for key, inner in schema.fields.items()}
    required = frozenset(
        k for k, inner in schema.fields.items() if not isinstance(inner, _Optional)
    )
    known = frozenset(fields)

    def check(value: Any) -> bool:
        if type(value) is not dict or not required <= value.keys():
            return False
        if schema.strict and not value.keys() <= known:
            return False
        for key, inner in value.items():
            field = fields.get(key)
            if field is not None and not field(inner):
                return False
        return True

    return check


_CHECKS = {id(schema): _compile(schema) for schema in (_V5, _V6, _V7)}


@dataclass(frozen=True, slots=True)
class _Problem:
    path: Path_  # of the value (type) or the key (missing, unknown)
    kind: str  # "type", "missing", "unknown"
    expected: str = ""
    actual: str = ""


def _validate(value: Any, schema: Any, path: Path_) -> _Problem | None:
    """The first place where zod would reject ``value`` (depth first, in the schema's order)."""
    if isinstance(schema, _Optional):
        schema = schema.inner
    if isinstance(schema, _Object):
        if not isinstance(value, dict):
            return _Problem(path, "type", schema.expected, _kind(value))
        for key, inner in schema.fields.items():
            if key not in value:
                if isinstance(inner, _Optional):
                    continue
                return _Problem((*path, key), "missing", _expected(inner))
            problem = _validate(value[key], inner, (*path, key))
            if problem is not None:
                return problem
        if schema.strict:
            unknown = next((k for k in value if k not in schema.fields), None)
            if unknown is not None:
                return _Problem((*path, unknown), "unknown")
        return None
    if isinstance(schema, _Record):
        if not isinstance(value, dict):
            return _Problem(path, "type", schema.expected, _kind(value))
        for key, inner in value.items():
            problem = _validate(inner, schema.values, (*path, key))
            if problem is not None:
                return problem
        return None
    if isinstance(schema, _Array):
        if not isinstance(value, list):
            return _Problem(path, "type", schema.expected, _kind(value))
        for position, inner in enumerate(value):
            problem = _validate(inner, schema.items, (*path, position))
            if problem is not None:
                return problem
        return None
    if not schema.accepts(value):
        return _Problem(path, "type", schema.expected, _kind(value, literal=True))
    return None


def _expected(schema: Any) -> str:
    return str(schema.expected)


def _kind(value: Any, literal: bool = False) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if literal and isinstance(value, str | int | float):
        shown = json.dumps(value)
        return shown if len(shown) <= 40 else shown[:39] + "…"
    return "a string" if isinstance(value, str) else "a number"


def dotted(path: Path_) -> str:
    """A JSON path as JavaScript would write it: ``tables["public.users"].columns.id``."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", step):
            out += f".{step}" if out else step
        else:
            out += f"[{json.dumps(step, ensure_ascii=False)}]"
    return out or "the top level"


def _locate(text: str, problem: _Problem) -> Malformed:
    where = f"`{dotted(problem.path)}`"
    if problem.kind == "missing":
        parent = _find(text, problem.path[:-1])
        span = parent[0] if parent is not None else Span(0, 0)
        return Malformed(Span(span.start, min(span.start + 1, span.end)), f"{where} is missing")
    located = _find(text, problem.path)
    if located is None:  # cannot happen for a path read from the same text
        return Malformed(Span(0, 0), f"{where} is not what drizzle-kit expects")
    value, key = located
    if problem.kind == "unknown":
        return Malformed(key or value, f"{where} is a key drizzle-kit does not know there")
    return Malformed(value, f"{where} must be {problem.expected}, not {problem.actual}")


# ---- locating a value in the text ------------------------------------------------------------

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def _value_span(text: str, path: Path_) -> Span:
    located = _find(text, path)
    return located[0] if located is not None else Span(0, 0)


def _find(text: str, path: Path_) -> tuple[Span, Span | None] | None:
    """The span of the value at ``path`` in valid JSON ``text``, and of its key (None for the
    top level and array items); a key written twice is found at its last occurrence."""
    at = _SPACE.match(text, 0).end()  # type: ignore[union-attr]
    key_span: Span | None = None
    for step in path:
        found = _step(text, at, step)
        if found is None:
            return None
        at, key_span = found
    _, end = _DECODER.raw_decode(text, at)
    return Span(at, end), key_span


def _skip(text: str, at: int) -> int:
    return _SPACE.match(text, at).end()  # type: ignore[union-attr]


def _step(text: str, at: int, step: str | int) -> tuple[int, Span | None] | None:
    """Where the member ``step`` of the object or array at ``at`` starts (and its key)."""
    opening = text[at : at + 1]
    at = _skip(text, at + 1)
    found: tuple[int, Span | None] | None = None
    position = 0
    while at < len(text) and text[at] not in "}]":
        key_span = None
        if opening == "{":
            key, key_end = _DECODER.raw_decode(text, at)
            key_span = Span(at, key_end)
            at = _skip(text, _skip(text, key_end) + 1)  # past the colon
            if key == step:
                found = (at, key_span)
        elif position == step:
            return (at, None)
        _, end = _DECODER.raw_decode(text, at)
        at = _skip(text, end)
        if text[at : at + 1] == ",":
            at = _skip(text, at + 1)
        position += 1
    return found
