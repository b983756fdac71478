"""The journal model: ``meta/_journal.json`` with the exact range of every key and value.

Parsed with tree-sitter-json, which is error tolerant: a half-typed journal, a trailing comma or
git conflict markers still yield every entry that can be read, plus the syntax errors with their
positions (reported by rule J006).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import tree_sitter
import tree_sitter_json

from drizzle_lsp.core.diagnostics import Span
from drizzle_lsp.core.text import TextIndex

JSONValue = Any


@cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_json.language()))


@dataclass(frozen=True, slots=True)
class Field:
    """A ``"key": value`` pair; ``value`` is the decoded JSON value (None if undecodable)."""

    key: str
    key_span: Span
    value_span: Span
    value: JSONValue
    kind: str  # tree-sitter node type: number, string, true, false, null, object, array


@dataclass(slots=True)
class JournalEntry:
    """One element of ``entries``, in array order (``position``)."""

    position: int
    span: Span
    fields: dict[str, Field] = field(default_factory=dict)
    is_object: bool = True

    def _typed(self, key: str, kind: type) -> Any:
        f = self.fields.get(key)
        if f is None or type(f.value) is not kind:
            return None
        return f.value

    @property
    def idx(self) -> int | None:
        return self._typed("idx", int)

    @property
    def when(self) -> int | None:
        return self._typed("when", int)

    @property
    def tag(self) -> str | None:
        return self._typed("tag", str)

    @property
    def breakpoints(self) -> bool | None:
        return self._typed("breakpoints", bool)

    @property
    def version(self) -> str | None:
        return self._typed("version", str)


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    message: str
    span: Span


@dataclass(slots=True)
class Journal:
    text: str
    index: TextIndex
    root_fields: dict[str, Field]
    entries: list[JournalEntry]
    syntax_errors: list[SyntaxProblem]
    entries_array: Span | None  # the ``[...]`` of ``entries`` (or its ``[`` when cut short)
    root_type: str | None = None  # "object" for a journal; "array", "null"... for a wrong one

    @property
    def dialect(self) -> str | None:
        f = self.root_fields.get("dialect")
        return f.value if f is not None and isinstance(f.value, str) else None

    @property
    def breakpoints(self) -> bool:
        """Whether the migrator splits this folder's files (true unless every entry says false)."""
        flags = [e.breakpoints for e in self.entries if e.breakpoints is not None]
        return any(flags) if flags else True

    def by_tag(self) -> dict[str, JournalEntry]:
        return {e.tag: e for e in self.entries if e.tag is not None}


def parse_journal(text: str) -> Journal:
    index = TextIndex(text)
    data = text.encode("utf-8", "surrogatepass")
    tree = _parser().parse(data)

    def span(node: tree_sitter.Node) -> Span:
        return Span(index.byte_to_index(node.start_byte), index.byte_to_index(node.end_byte))

    def decode(node: tree_sitter.Node) -> JSONValue:
        raw = data[node.start_byte : node.end_byte].decode("utf-8", "replace")
        if node.type in ("object", "array") or node.has_error:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def fields_of(pairs: Iterable[tree_sitter.Node]) -> dict[str, Field]:
        found: dict[str, Field] = {}
        for pair in pairs:
            key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if key is None or value is None or value.is_missing:
                continue
            name = decode(key)
            if isinstance(name, str) and name not in found:
                found[name] = Field(name, span(key), span(value), decode(value), value.type)
        return found

    root = tree.root_node
    top = root if root.type == "ERROR" else _first_object(root)
    layout = _read_root(top, decode) if top is not None else _RootLayout([], None, [])
    entries = [
        JournalEntry(position, Span(span(first).start, span(last).end), fields_of(pairs), is_obj)
        for position, (first, last, pairs, is_obj) in enumerate(layout.elements)
    ]
    array_span = span(layout.array) if layout.array is not None else None
    root_fields = fields_of(layout.root_pairs)
    errors = _syntax_errors(root, span)
    first = root.named_children[0] if root.named_children else None
    root_type = "object" if top is not None else (first.type if first is not None else None)
    return Journal(text, index, root_fields, entries, errors, array_span, root_type)


def _first_object(root: tree_sitter.Node) -> tree_sitter.Node | None:
    return next((c for c in root.named_children if c.type in ("object", "ERROR")), None)


# What tree-sitter recovered: a well-formed object, or (for a broken journal) an ERROR node whose
# children are the loose tokens of the root object. Both are read the same way, token by token.
Element = tuple[tree_sitter.Node, tree_sitter.Node, list[tree_sitter.Node], bool]


@dataclass(slots=True)
class _RootLayout:
    root_pairs: list[tree_sitter.Node]
    array: tree_sitter.Node | None  # the entries array node, or its "[" token when broken
    elements: list[Element]  # (first node, last node, pairs, is an object)


def _flatten(node: tree_sitter.Node) -> list[tree_sitter.Node]:
    out: list[tree_sitter.Node] = []
    for child in node.children:
        if child.type == "ERROR":
            out.extend(_flatten(child))
        elif child.type != "comment":
            out.append(child)
    return out


def _read_root(top: tree_sitter.Node, decode: Any) -> _RootLayout:
    layout = _RootLayout([], None, [])
    tokens = _flatten(top)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "pair":
            key, value = token.child_by_field_name("key"), token.child_by_field_name("value")
            is_entries = key is not None and decode(key) == "entries"
            if is_entries and value is not None and value.type == "array" and not layout.array:
                layout.array = value
                layout.elements = _read_array(_flatten(value)[1:])
            layout.root_pairs.append(token)
        elif _is_loose_entries(tokens, i, decode):
            layout.array = tokens[i + 2]
            elements, consumed = _read_array_tokens(tokens[i + 3 :])
            layout.elements = elements
            i += 3 + consumed
            continue
        i += 1
    return layout


def _is_loose_entries(tokens: list[tree_sitter.Node], i: int, decode: Any) -> bool:
    return (
        tokens[i].type == "string"
        and decode(tokens[i]) == "entries"
        and [t.type for t in tokens[i + 1 : i + 3]] == [":", "["]
    )


def _read_array(tokens: list[tree_sitter.Node]) -> list[Element]:
    return _read_array_tokens(tokens)[0]


def _read_array_tokens(tokens: list[tree_sitter.Node]) -> tuple[list[Element], int]:
    """Elements of an array from its tokens after "[": objects, and objects cut short."""
    elements: list[Element] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "]":
            return elements, i + 1
        if token.type == "object":
            pairs = [c for c in _flatten(token) if c.type == "pair"]
            elements.append((token, token, pairs, True))
        elif token.type == "{":
            pairs = []
            j = i + 1
            while j < len(tokens) and tokens[j].type in ("pair", ","):
                if tokens[j].type == "pair":
                    pairs.append(tokens[j])
                j += 1
            last = pairs[-1] if pairs else token
            if j < len(tokens) and tokens[j].type == "}":
                last = tokens[j]
                j += 1
            elements.append((token, last, pairs, True))
            i = j
            continue
        elif token.type not in (",",) and token.is_named:
            elements.append((token, token, [], False))
        elif token.type == "pair":
            break
        i += 1
    return elements, i


def _syntax_errors(root: tree_sitter.Node, span: Any) -> list[SyntaxProblem]:
    problems: list[SyntaxProblem] = []
    if root.named_child_count == 0 or all(c.type == "comment" for c in root.named_children):
        return [SyntaxProblem("the journal is empty: expected a JSON object", Span(0, 0))]

    end_of_input = len((root.text or b"").rstrip())

    def visit(node: tree_sitter.Node) -> None:
        if node.type == "ERROR":
            text = (node.text or b"").decode("utf-8", "replace").strip()
            if "<<<<<<<" in text or ">>>>>>>" in text:
                message = "git conflict markers left by a merge: resolve the conflict"
            elif node.end_byte >= end_of_input:
                message = "invalid JSON: the journal ends too early (truncated?)"
                problems.append(
                    SyntaxProblem(message, span(node.children[-1] if node.children else node))
                )
                return
            else:
                message = f"invalid JSON: unexpected {_excerpt(text)}"
            problems.append(SyntaxProblem(message, span(node)))
            return
        if node.is_missing:
            problems.append(SyntaxProblem(f"invalid JSON: missing {node.type!r}", span(node)))
            return
        if node.has_error:
            for child in node.children:
                visit(child)

    visit(root)
    return problems


def _excerpt(text: str) -> str:
    first = text.splitlines()[0] if text else ""
    return repr(first[:30] + ("…" if len(first) > 30 else "")) if first else "end of input"
