"""The tolerant reader: any journal text, through tree-sitter-json.

tree-sitter-json is error tolerant: a half-typed journal, a trailing comma or git conflict
markers still yield every entry that can be read, plus the syntax errors with their positions
(reported by rule J006). The syntax errors are first repaired one at a time, where
``JSON.parse`` meets them (``journal_repair``): left to itself, tree-sitter may read one missing
comma as a cascade of misread entries. A journal cut off in the middle (where tree-sitter gives
up on the whole document) is parsed again with its missing closing brackets appended, so the
entries before the cut are still read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import tree_sitter
import tree_sitter_json

from drizzle_lsp.core.diagnostics import Span
from drizzle_lsp.core.journal.model import (
    Field,
    Journal,
    JournalEntry,
    JSONValue,
    SyntaxProblem,
    bounded_int,
)
from drizzle_lsp.core.journal_repair import Repaired, repair
from drizzle_lsp.core.text import TextIndex


@cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_json.language()))


def _parse_tolerant(text: str) -> Journal:
    """Any text, through tree-sitter: broken JSON, conflict markers, repeated keys."""
    index = TextIndex(text)
    # git conflict markers: parse both sides (markers blanked, offsets unchanged), report markers
    conflicts, left_out = _conflict_markers(index)
    source = _blank(text, left_out)
    # syntax errors repaired one by one, so that tree-sitter reads the entries as written
    repaired = repair(source)
    readable = repaired.text
    readable_index = TextIndex(readable) if readable != text else index
    data = readable.encode("utf-8", "surrogatepass")
    root = _parser().parse(data).root_node
    truncated: SyntaxProblem | None = None
    if _top_value(root) is None and root.has_error:
        # tree-sitter gives up on a document cut off mid-way: close what is open and retry
        closers = _closers(readable)
        completed = _parser().parse(data + closers.encode()).root_node if closers else None
        if completed is not None and _top_value(completed) is not None:
            root, truncated = completed, _truncation(source)

    def span(node: tree_sitter.Node) -> Span:
        start, end = min(node.start_byte, len(data)), min(node.end_byte, len(data))
        to_index = readable_index.byte_to_index
        if not repaired.added:  # the common case, every node of the text: skip the mapping
            return Span(to_index(start), to_index(end))
        return Span(repaired.original(to_index(start)), repaired.original(to_index(end)))

    def decode(node: tree_sitter.Node) -> JSONValue:
        if node.type in ("object", "array") or node.has_error or node.end_byte > len(data):
            return None
        raw = data[node.start_byte : node.end_byte].decode("utf-8", "replace")
        try:
            return json.loads(raw, parse_int=bounded_int)
        except (ValueError, RecursionError):
            return None

    stuck_at = repaired.stuck.span.start if repaired.stuck is not None else None

    def pairs(obj: tree_sitter.Node, shadowed: list[Field]) -> dict[str, Field]:
        found: dict[str, Field] = {}
        for pair in obj.named_children:
            if pair.type != "pair":
                continue
            key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if key is None or value is None or value.is_missing:
                continue
            name = decode(key)
            if not isinstance(name, str):
                continue
            if name in found:  # JSON.parse keeps the last one
                shadowed.append(found.pop(name))
            where = span(value)
            # a value glued to the text where reading stopped is part of a mangled token
            # (`17195x47174326`): what tree-sitter reads of it is not what was written
            decoded = decode(value) if where.end != stuck_at else None
            found[name] = Field(name, span(key), where, decoded, value.type)
        return found

    top = _top_value(root)
    root_shadowed: list[Field] = []
    is_object = top is not None and top.type == "object"
    root_fields = pairs(top, root_shadowed) if top is not None and is_object else {}
    entries: list[JournalEntry] = []
    array_span: Span | None = None
    entries_node = _value_node(top, "entries") if top is not None and is_object else None
    if entries_node is not None and entries_node.type == "array":
        array_span = span(entries_node)
        for position, element in enumerate(
            c
            for c in entries_node.named_children
            if c.type not in ("ERROR", "comment") and not c.is_missing
        ):
            entry = JournalEntry(position, span(element), is_object=element.type == "object")
            if entry.is_object:
                entry.fields = pairs(element, entry.shadowed)
            entries.append(entry)
    misread = _syntax_errors(root, span)  # where tree-sitter still could not follow
    if truncated is None and any(_at_end(e, source) for e in misread):
        truncated = _truncation(source)  # tree-sitter filled in what is missing at the end
    blocks = _conflict_blocks(conflicts, text)
    # the errors in and around a conflict are most likely its two sides not fitting together
    located = [
        e
        for e in _reported(repaired, misread, truncated, source)
        if not any(_near(e, block) for block in blocks)
    ]
    located += [_unresolved(block, text, index) for block in blocks]
    errors = [e.problem for e in sorted(located, key=lambda e: e.problem.span.start)]
    unread = [e.span.start for e in misread]
    if repaired.stuck is not None:
        unread.append(repaired.stuck.span.start)
    return Journal(
        text,
        index,
        root_fields,
        entries,
        errors,
        array_span,
        root_span=span(top) if top is not None else None,
        root_kind=top.type if top is not None else None,
        root_shadowed=root_shadowed,
        unread_from=min(unread, default=None),
        conflicts=[Span(block[0].start, block[-1].end) for block in blocks],
    )


def _reported(
    repaired: Repaired, misread: list[SyntaxProblem], truncated: SyntaxProblem | None, source: str
) -> list[_Located]:
    """One problem per syntax error: each one repaired, then the first one no repair got past
    (what follows it is not reported: tree-sitter's reading of it is guesswork)."""
    found = [_Located(SyntaxProblem(r.message, r.span), r.around) for r in repaired.repairs]
    stuck = repaired.stuck
    if stuck is None or not repaired.text.strip():  # (an empty journal is its own problem)
        # what the strict parser reads but tree-sitter (and JSON.parse) do not: NaN, Infinity
        return found + [_Located(e, e.span) for e in misread]
    if truncated is None and stuck.span.start >= len(source.rstrip()):
        truncated = _truncation(source)
    if truncated is not None and stuck.span.start >= truncated.span.start:
        return [*found, _Located(truncated, Span(stuck.around.start, truncated.span.end))]
    return [*found, _Located(SyntaxProblem(stuck.message, stuck.span), stuck.around)]


@dataclass(frozen=True, slots=True)
class _Located:
    """A syntax problem and the text it involves (from the end of the token before it)."""

    problem: SyntaxProblem
    around: Span


def _top_value(root: tree_sitter.Node) -> tree_sitter.Node | None:
    """The document's top-level value (None when tree-sitter could not make out a document)."""
    if root.type != "document":
        return None
    return next((c for c in root.named_children if c.type not in ("ERROR", "comment")), None)


def _closers(text: str) -> str:
    """What a cut-off JSON text needs appended to close its open string, objects and arrays."""
    stack: list[str] = []
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            stack.append("]" if ch == "[" else "}")
        elif ch in "]}" and stack:
            stack.pop()
    return ('"' if in_string else "") + "".join(reversed(stack))


_MARKER = re.compile(r"^(?:<{7}(?: .*)?|={7}|>{7}(?: .*)?|\|{7}(?: .*)?)$")


def _conflict_markers(index: TextIndex) -> tuple[list[Span], list[Span]]:
    """The lines of git conflict markers, and those plus the base section of a diff3-style
    conflict (the lines to leave out when reading both sides)."""
    markers: list[Span] = []
    blanked: list[Span] = []
    in_base = False
    for line in range(index.line_count):
        text = index.line_text(line)
        start = index.line_starts[line]
        if _MARKER.match(text) is not None:
            in_base = text.startswith("|||||||")
            markers.append(Span(start, start + len(text)))
        elif not in_base:
            continue
        blanked.append(Span(start, start + len(text)))
    return markers, blanked


def _conflict_blocks(markers: list[Span], text: str) -> list[list[Span]]:
    """The markers grouped by conflict: from ``<<<<<<<`` (or the first marker left without
    it) to ``>>>>>>>``."""
    blocks: list[list[Span]] = []
    is_open = False
    for marker in markers:
        if text.startswith("<<<<<<<", marker.start) or not is_open:
            blocks.append([])
        blocks[-1].append(marker)
        is_open = not text.startswith(">>>>>>>", marker.start)
    return blocks


def _near(located: _Located, block: list[Span]) -> bool:
    """Whether the text of ``located`` overlaps the conflict ``block``."""
    around = located.around
    return around.start <= block[-1].end and block[0].start <= around.end


def _unresolved(block: list[Span], text: str, index: TextIndex) -> _Located:
    """The problem of one conflict, at its first marker."""
    first, last = block[0], block[-1]
    opening, closing = (_excerpt_text(text[m.start : m.end]) for m in (first, last))
    if len(block) == 1:
        message = (
            f"git conflict marker `{opening}` left by a merge: finish resolving the conflict and "
            "delete the line"
        )
    else:
        message = (
            f"unresolved merge conflict from `{opening}` to `{closing}` (line "
            f"{index.line_of(last.start) + 1}): keep the entries of both sides, in order, and "
            "delete the marker lines"
        )
    return _Located(SyntaxProblem(message, first), Span(first.start, last.end))


def _blank(text: str, spans: list[Span]) -> str:
    """``text`` with the conflict lines ``spans`` replaced by spaces (str indexes unchanged).

    Where a marker now separates two values (``}`` of our side, ``{`` of theirs), its first
    character becomes a comma, so that both sides read as elements of one array.
    """
    if not spans:
        return text
    chars = list(text)
    for span in spans:
        chars[span.start : span.end] = " " * (span.end - span.start)
    for span in spans:
        if span.end == span.start:
            continue
        before = "".join(chars[: span.start]).rstrip()[-1:]
        after = "".join(chars[span.end :]).lstrip()[:1]
        if before and before in _VALUE_END and after and after in _VALUE_START:
            chars[span.start] = ","
    return "".join(chars)


_VALUE_END = frozenset('}]"0123456789el')  # last character of a JSON value (true/false/null)
_VALUE_START = frozenset('{["-0123456789tfn')


def _excerpt_text(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


def _at_end(problem: SyntaxProblem, text: str) -> bool:
    """Whether ``problem`` is only that the text stops (something missing after its end)."""
    if not text.strip():
        return False  # an empty journal is its own problem
    missing = problem.message.startswith("invalid JSON: missing")
    return (missing and problem.span.end >= len(text.rstrip())) or problem.span.start >= len(text)


def _truncation(text: str) -> SyntaxProblem:
    """The problem of a cut-off journal, at its last non-blank line."""
    body = text.rstrip()
    line_start = max(body.rfind("\n"), body.rfind("\r")) + 1
    start = line_start + len(body[line_start:]) - len(body[line_start:].lstrip())
    return SyntaxProblem(
        "invalid JSON: unexpected end of the journal (it is cut off here)", Span(start, len(body))
    )


def _value_node(obj: tree_sitter.Node, key: str) -> tree_sitter.Node | None:
    found = None  # the last occurrence wins, as in JSON.parse
    for pair in obj.named_children:
        k = pair.child_by_field_name("key") if pair.type == "pair" else None
        if k is not None and k.text is not None and k.text.decode("utf-8", "replace") == f'"{key}"':
            found = pair.child_by_field_name("value")
    return found


def _syntax_errors(root: tree_sitter.Node, span: Any) -> list[SyntaxProblem]:
    problems: list[SyntaxProblem] = []
    if root.named_child_count == 0 or all(c.type == "comment" for c in root.named_children):
        return [SyntaxProblem("the journal is empty: expected a JSON object", Span(0, 0))]

    def visit(node: tree_sitter.Node) -> None:
        if node.type == "ERROR":
            text = (node.text or b"").decode("utf-8", "replace").strip()
            after = node.next_sibling
            if text.startswith(("<<<<<<<", "=======", ">>>>>>>")):
                message = "git conflict markers left by a merge: resolve the conflict"
            elif text == "," and after is not None and after.type in ("}", "]"):
                message = "invalid JSON: trailing comma"
            else:
                message = f"invalid JSON: unexpected {_excerpt(text)}"
            problems.append(SyntaxProblem(message, span(node)))
            return
        if node.is_missing:
            before = node.prev_sibling
            if before is not None and before.type == ",":  # `[1, 2,]`
                problems.append(SyntaxProblem("invalid JSON: trailing comma", span(before)))
                return
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
