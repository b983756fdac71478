"""What a DO block's PL/pgSQL does around each of its SQL statements, as S002 reads it: the
``EXCEPTION WHEN ... THEN`` handlers that catch the errors of its second run, and the catalog
lookups of the IFs that guard it.

An error is caught by the innermost block with a matching handler; a handler that re-raises
(``RAISE;``, ``RAISE EXCEPTION``) catches nothing and lets it go on to the blocks around.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from drizzle_lsp.core import pgtree
from drizzle_lsp.core.pgtree import ParseError
from drizzle_lsp.rules._sqlstate import CONDITIONS

_NOT_CAUGHT_BY_OTHERS = frozenset({"57014", "P0004"})  # query_canceled, assert_failure


@dataclass(frozen=True, slots=True)
class Handler:
    """One ``WHEN a OR b THEN ...`` of an EXCEPTION block."""

    conditions: tuple[str, ...]  # condition names or SQLSTATEs, as written
    rethrows: bool

    def matches(self, code: str) -> bool:
        for condition in self.conditions:
            if condition == "others":
                if code not in _NOT_CAUGHT_BY_OTHERS:
                    return True
                continue
            state = CONDITIONS.get(condition, condition.upper())
            if state == code or (state.endswith("000") and code and code[:2] == state[:2]):
                return True
        return False


@dataclass(frozen=True, slots=True)
class Block:
    """One `BEGIN ... EXCEPTION ... END` block: the first handler matching an error takes it."""

    handlers: tuple[Handler, ...]
    owner: int = field(default=0, compare=False)  # which DO statement it belongs to

    def catches(self, code: str) -> bool:
        """True: handled here; False: re-raised or not matched (it goes on outward)."""
        for handler in self.handlers:
            if handler.matches(code):
                return not handler.rethrows
        return False

    def names(self) -> list[str]:
        return [c for h in self.handlers if not h.rethrows for c in h.conditions]


def caught(code: str, blocks: tuple[Block, ...]) -> bool:
    """Is ``code`` handled by the innermost block with a matching handler that does not
    re-raise? A re-raised error goes on to the blocks around."""
    return any(block.catches(code) for block in reversed(blocks))


Guard = frozenset[str] | None  # the strings the catalog lookups of the IFs around compare with


def walk(
    node: Any, blocks: tuple[Block, ...], guard: Guard, owner: int
) -> Iterator[tuple[dict[str, Any], tuple[Block, ...], Guard]]:
    """Every SQL statement of a PL/pgSQL tree, with the exception blocks and the catalog
    lookups (None: none) around it."""
    if isinstance(node, list):
        for item in node:
            if _branches(item):
                yield from walk(item, blocks, guard, owner)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if not _branches(value) or key == "datums":
            continue  # a scalar, or the variables (their defaults are expressions, no statements)
        if key == "PLpgSQL_stmt_execsql":
            yield value, blocks, guard
        elif key == "PLpgSQL_stmt_call":  # CALL and DO: the statement is in `expr`
            yield {"sqlstmt": value.get("expr"), "lineno": value.get("lineno")}, blocks, guard
        elif key == "PLpgSQL_stmt_dynexecute":
            continue  # EXECUTE '...': not checked
        elif key == "PLpgSQL_stmt_block":
            inner = blocks
            exceptions = (value.get("exceptions") or {}).get("PLpgSQL_exception_block")
            if exceptions:
                handlers = tuple(_handler(e) for e in exceptions.get("exc_list", []))
                inner = (*blocks, Block(handlers, owner))
                for e in exceptions.get("exc_list", []):
                    yield from walk(
                        e.get("PLpgSQL_exception", {}).get("action"), blocks, guard, owner
                    )
            yield from walk(value.get("body"), inner, guard, owner)
        elif key == "PLpgSQL_stmt_if":
            conditions = [value.get("cond")] + [
                e.get("PLpgSQL_if_elsif", {}).get("cond") for e in value.get("elsif_list", [])
            ]
            yield from walk(value, blocks, _guard(guard, conditions), owner)
        else:
            yield from walk(value, blocks, guard, owner)


def _branches(value: Any) -> bool:
    """Whether a value of a PL/pgSQL tree can hold statements (a JSON object or array)."""
    return isinstance(value, dict | list)


def _handler(exception: dict[str, Any]) -> Handler:
    spec = exception.get("PLpgSQL_exception", {})
    names = tuple(
        str(c.get("PLpgSQL_condition", {}).get("condname", "")).lower()
        for c in spec.get("conditions", [])
    )
    return Handler(names, _raises(spec.get("action")))


_ERROR_LEVEL = 21  # elog.h ERROR: `RAISE;` and `RAISE EXCEPTION`


def _raises(node: Any) -> bool:
    if isinstance(node, list):
        return any(_raises(item) for item in node)
    if not isinstance(node, dict):
        return False
    for key, value in node.items():
        if key == "PLpgSQL_stmt_raise" and value.get("elog_level", _ERROR_LEVEL) >= _ERROR_LEVEL:
            return True
        if _raises(value):
            return True
    return False


def _guard(guard: Guard, conditions: list[Any]) -> Guard:
    """``guard`` with the strings of those of an IF's conditions that look an object up."""
    looked_up = [found for c in conditions if (found := lookup_strings(c)) is not None]
    if not looked_up:
        return guard
    return frozenset().union(guard or (), *looked_up)


def lookup_strings(cond: Any) -> frozenset[str] | None:
    """The string constants of an IF condition that looks an object up (`EXISTS (SELECT ...)`,
    `to_regclass(...)`), as the catalog would hold the names they spell; None for another
    condition."""
    query = (cond or {}).get("PLpgSQL_expr", {}).get("query")
    if not query:
        return None
    try:
        tree = pgtree.sql_json(f"SELECT {query}")
    except (ParseError, ValueError):
        return None
    if not _looks_up(tree):
        return None
    found: set[str] = set()
    _string_constants(tree, found, False)
    return frozenset(found)


def _string_constants(node: Any, found: set[str], object_name: bool) -> None:
    """Collect the string constants of a condition's tree; those given to a `to_reg...()`
    function or cast to a `reg...` type are object names (`'public."Users"'` is `Users`)."""
    if isinstance(node, list):
        for item in node:
            _string_constants(item, found, object_name)
        return
    if not isinstance(node, dict):
        return
    constant = node.get("A_Const")
    if isinstance(constant, dict):
        value = constant.get("sval", {}).get("sval")
        if isinstance(value, str):
            found.add(catalog_name(value) if object_name else value)
        return
    if "FuncCall" in node:
        object_name = _last_string(node["FuncCall"].get("funcname")).startswith("to_reg")
    elif "TypeCast" in node:
        type_names = node["TypeCast"].get("typeName", {}).get("names")
        object_name = _last_string(type_names).startswith("reg")
    for value in node.values():
        if _branches(value):
            _string_constants(value, found, object_name)


def _last_string(names: Any) -> str:
    strings = [n.get("String", {}).get("sval", "") for n in names or () if isinstance(n, dict)]
    return str(strings[-1]).lower() if strings else ""


def catalog_name(text: str) -> str:
    """The last name of a qualified name written as text (`'public.users'`, `'f(int)'`), as the
    catalog holds it: folded to lower case unless double-quoted."""
    name: list[str] = []
    quoted, i = False, 0
    while i < len(text):
        char = text[i]
        if char == '"' and quoted and text.startswith('"', i + 1):
            name.append('"')  # a doubled quote inside quotes
            i += 1
        elif char == '"':
            quoted = not quoted
        elif quoted:
            name.append(char)
        elif char == ".":
            name = []
        elif char == "(":
            break
        elif not char.isspace():
            name.append(char.lower())
        i += 1
    return "".join(name)


def _looks_up(node: Any) -> bool:
    if isinstance(node, list):
        return any(_looks_up(item) for item in node)
    if not isinstance(node, dict):
        return False
    sublink = node.get("SubLink")
    if isinstance(sublink, dict) and sublink.get("subLinkType") == "EXISTS_SUBLINK":
        return True
    call = node.get("FuncCall")
    if isinstance(call, dict):
        names = call.get("funcname") or [{}]
        last = names[-1].get("String", {}).get("sval", "")
        if str(last).lower().startswith("to_reg"):
            return True
    return any(_looks_up(value) for value in node.values())
