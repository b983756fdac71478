"""The journal model: ``meta/_journal.json`` with the exact range of every key and value.

Parsed with tree-sitter-json, which is error tolerant: a half-typed journal, a trailing comma or
git conflict markers still yield every entry that can be read, plus the syntax errors with their
positions (reported by rule J006).
"""

from __future__ import annotations

import json
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
    entries_array: Span | None  # the ``[...]`` of ``entries``, when present

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

    def pairs(obj: tree_sitter.Node) -> dict[str, Field]:
        found: dict[str, Field] = {}
        for pair in obj.named_children:
            if pair.type != "pair":
                continue
            key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if key is None or value is None or value.is_missing:
                continue
            name = decode(key)
            if isinstance(name, str) and name not in found:
                found[name] = Field(name, span(key), span(value), decode(value), value.type)
        return found

    root = tree.root_node
    top = next((c for c in root.named_children if c.type == "object"), None)
    root_fields = pairs(top) if top is not None else {}
    entries: list[JournalEntry] = []
    array_span: Span | None = None
    entries_node = _value_node(top, "entries") if top is not None else None
    if entries_node is not None and entries_node.type == "array":
        array_span = span(entries_node)
        for position, element in enumerate(
            c for c in entries_node.named_children if c.type not in ("ERROR", "comment")
        ):
            is_object = element.type == "object"
            fields = pairs(element) if is_object else {}
            entries.append(JournalEntry(position, span(element), fields, is_object))
    return Journal(text, index, root_fields, entries, _syntax_errors(root, span), array_span)


def _value_node(obj: tree_sitter.Node, key: str) -> tree_sitter.Node | None:
    for pair in obj.named_children:
        k = pair.child_by_field_name("key") if pair.type == "pair" else None
        if k is not None and k.text is not None and k.text.decode("utf-8", "replace") == f'"{key}"':
            return pair.child_by_field_name("value")
    return None


def _syntax_errors(root: tree_sitter.Node, span: Any) -> list[SyntaxProblem]:
    problems: list[SyntaxProblem] = []
    if root.named_child_count == 0 or all(c.type == "comment" for c in root.named_children):
        return [SyntaxProblem("the journal is empty: expected a JSON object", Span(0, 0))]

    def visit(node: tree_sitter.Node) -> None:
        if node.type == "ERROR":
            text = (node.text or b"").decode("utf-8", "replace").strip()
            if text.startswith(("<<<<<<<", "=======", ">>>>>>>")):
                message = "git conflict markers left by a merge: resolve the conflict"
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
