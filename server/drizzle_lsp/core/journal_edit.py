"""Rewriting ``meta/_journal.json`` with minimal text edits that keep its formatting.

The journal fixes (J001 re-date, J003 append, J004 renumber, J005 re-stamp) all come down
to one operation: lay out the elements of ``entries`` in a new order, change some of their values,
maybe append new elements. :func:`rewrite_entries` does that on the text: every element keeps its
own text (indentation, key order, line endings), only the values that change are replaced, the
separators between elements stay in their slots, and only the inside of the ``entries`` array is
touched. The result is returned as the smallest edit(s) that turn the old text into the new one.

Values are written as drizzle-kit writes them (``JSON.stringify``): integers in decimal, strings
with non-ASCII characters as they are, ``true``/``false``.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from drizzle_lsp.core.diagnostics import Edit
from drizzle_lsp.core.fixes import minimal_edit
from drizzle_lsp.core.journal import Journal, JournalEntry
from drizzle_lsp.core.text import newline_of

Scalar = int | str | bool
ENTRY_KEYS = ("idx", "version", "when", "tag", "breakpoints")  # drizzle-kit's order

# drizzle-kit's default `prefix: "index"` numbers files 0000_, 0001_, ... (other modes use
# 10- or 14-digit timestamps, which say nothing about idx)
_INDEX_PREFIX = re.compile(r"^(\d{1,6})_")


def literal(value: Scalar) -> str:
    """``value`` as JSON text, the way ``JSON.stringify`` writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An element to append: its values, laid out like ``template`` (an existing element)."""

    values: Mapping[str, Scalar]
    template: JournalEntry | None = None


@dataclass(slots=True)
class EntriesPlan:
    """The new ``entries``: existing elements (by position) in ``order``, then ``appended``."""

    order: list[int]
    values: dict[int, dict[str, Scalar]] = field(default_factory=dict)
    appended: list[NewEntry] = field(default_factory=list)

    def set(self, position: int, key: str, value: Scalar) -> None:
        self.values.setdefault(position, {})[key] = value


def max_when(journal: Journal, excluding: Iterable[int] = ()) -> int | None:
    """The largest integer ``when`` of the journal's entries (None if there is none)."""
    skip = set(excluding)
    whens = [e.when for e in journal.entries if e.when is not None and e.position not in skip]
    return max(whens) if whens else None


def next_when(journal: Journal, now_ms: int, excluding: Iterable[int] = ()) -> int:
    """A ``when`` after every entry's and not before now: max(now, max ``when`` + 1)."""
    latest = max_when(journal, excluding)
    return now_ms if latest is None else max(now_ms, latest + 1)


def rewrite_isolation(path: Path) -> str:
    """The isolation key of every fix that rewrites the journal at ``path``: each computes
    ``idx`` and ``when`` from the journal as it is, so two never apply in one pass."""
    return f"journal-rewrite:{path}"


def is_rewritable(journal: Journal) -> bool:
    """Whether the journal's ``entries`` can be rewritten: valid JSON with an ``entries`` array
    and no key written twice in one object (what such an object means is ambiguous)."""
    return (
        not journal.syntax_errors
        and journal.entries_array is not None
        and not journal.root_shadowed
        and not any(e.shadowed for e in journal.entries)
    )


# more changed entries than that are rewritten as one edit of the array, from cached element
# texts, not as an edit per value (see docs/performance.md, J001's many values as one edit)
_FEW_VALUES = 16


def rewrite_entries(journal: Journal, path: Path, plan: EntriesPlan) -> tuple[Edit, ...]:
    """Edits that turn ``journal``'s ``entries`` into ``plan``; empty if nothing changes."""
    if journal.entries_array is None:
        raise ValueError("the journal has no `entries` array")
    if sorted(plan.order) != list(range(len(journal.entries))):
        raise ValueError("the plan must keep every existing entry exactly once")
    moved = plan.order != list(range(len(journal.entries)))
    if not moved and not plan.appended and len(plan.values) <= _FEW_VALUES:
        return _value_edits(journal, path, plan.values)
    start, end = journal.entries_array.start + 1, journal.entries_array.end - 1
    interior = _interior(journal, plan)
    return _minimal_edit(journal.text, start, end, interior, path)


def move_to_end(
    journal: Journal, path: Path, positions: Sequence[int], now_ms: int
) -> tuple[Edit, ...]:
    """J001's rewrite: ``positions`` go to the end in their order with new, strictly increasing
    ``when`` values from :func:`next_when` on, and every integer ``idx`` is renumbered."""
    moving = set(positions)
    late = [p for p in range(len(journal.entries)) if p in moving]
    plan = EntriesPlan([p for p in range(len(journal.entries)) if p not in moving] + late)
    first = next_when(journal, now_ms)
    for offset, position in enumerate(late):
        plan.set(position, "when", first + offset)
    _renumber(journal, plan)
    return rewrite_entries(journal, path, plan)


def redate_from(
    journal: Journal, path: Path, position: int, now_ms: int
) -> tuple[tuple[Edit, ...], int]:
    """J001's rewrite: the entry at ``position`` and every one after it get new, strictly
    increasing ``when`` values from :func:`next_when` on, in array order; the edits and the
    first new ``when``."""
    plan = EntriesPlan(list(range(len(journal.entries))))
    first = next_when(journal, now_ms)
    for offset, p in enumerate(range(position, len(plan.order))):
        plan.set(p, "when", first + offset)
    return rewrite_entries(journal, path, plan), first


def renumber(journal: Journal, path: Path) -> tuple[Edit, ...]:
    """J004's rewrite: every integer ``idx`` becomes its position in ``entries``."""
    plan = EntriesPlan(list(range(len(journal.entries))))
    _renumber(journal, plan)
    return rewrite_entries(journal, path, plan)


def remove_entry(journal: Journal, path: Path, position: int) -> tuple[Edit, ...]:
    """S004's rewrite: the entry at ``position`` leaves ``entries``, and every integer ``idx``
    after it is renumbered."""
    if journal.entries_array is None:
        raise ValueError("the journal has no `entries` array")
    plan = EntriesPlan([p for p in range(len(journal.entries)) if p != position])
    _renumber(journal, plan)
    start, end = journal.entries_array.start + 1, journal.entries_array.end - 1
    return _minimal_edit(journal.text, start, end, _interior(journal, plan), path)


def set_value(
    journal: Journal, path: Path, position: int, key: str, value: Scalar
) -> tuple[Edit, ...]:
    """Replace one value of one entry (J005's re-stamp)."""
    plan = EntriesPlan(list(range(len(journal.entries))))
    plan.set(position, key, value)
    return rewrite_entries(journal, path, plan)


def append_entry(journal: Journal, path: Path, tag: str, now_ms: int) -> tuple[Edit, ...]:
    """J003's rewrite: a new last entry for ``tag``, laid out like the last entry.

    ``idx`` follows the last entry's (as drizzle-kit numbers), ``when`` is :func:`next_when`,
    ``version`` and ``breakpoints`` are the last entry's (or the journal's version and true).
    """
    entries = journal.entries
    last = entries[-1] if entries else None
    template = next((e for e in reversed(entries) if _is_complete(e)), None)
    version = _first_str(
        last and last.version, template and template.version, _root_version(journal)
    )
    breakpoints = _first_bool(last and last.breakpoints, template and template.breakpoints)
    idx = last.idx + 1 if last is not None and last.idx is not None else len(entries)
    values: dict[str, Scalar] = {
        "idx": idx,
        "version": version,
        "when": next_when(journal, now_ms),
        "tag": tag,
        "breakpoints": breakpoints,
    }
    plan = EntriesPlan(list(range(len(entries))), appended=[NewEntry(values, template)])
    return rewrite_entries(journal, path, plan)


def renumber_hazard(journal: Journal, new_last_idx: int | None) -> str | None:
    """Why lowering the last ``idx`` to ``new_last_idx`` is risky, or None.

    drizzle-kit names the next migration ``<last idx + 1>_...`` (and its snapshot
    ``<last idx + 1>_snapshot.json``). When the files are numbered that way and the new last
    ``idx`` + 1 is a number that is already used, the next ``drizzle-kit generate`` reuses it
    and overwrites that snapshot.
    """
    old_last = journal.entries[-1].idx if journal.entries else None
    if new_last_idx is None or old_last is None or new_last_idx >= old_last:
        return None  # the next number is not lowered (decided first: reading the tags costs)
    upcoming = new_last_idx + 1
    numbers = [int(m[1]) for e in journal.entries if e.tag and (m := _INDEX_PREFIX.match(e.tag))]
    if not numbers or upcoming > max(numbers):
        return None
    return (
        f"drizzle-kit will number the next migration {upcoming:04d}, a number already used by "
        "the files here, and overwrite its snapshot"
    )


# ---- internals ------------------------------------------------------------------------------


def _renumber(journal: Journal, plan: EntriesPlan) -> None:
    for new_position, position in enumerate(plan.order):
        entry = journal.entries[position]
        if entry.idx is not None and entry.idx != new_position:
            plan.set(position, "idx", new_position)


def _is_complete(entry: JournalEntry) -> bool:
    return entry.is_object and all(k in entry.fields for k in ENTRY_KEYS)


def _root_version(journal: Journal) -> str | None:
    f = journal.root_fields.get("version")
    return f.value if f is not None and isinstance(f.value, str) else None


def _first_str(*values: object) -> str:
    return next((v for v in values if isinstance(v, str)), "7")


def _first_bool(*values: object) -> bool:
    return next((v for v in values if isinstance(v, bool)), True)


def _value_edits(
    journal: Journal, path: Path, values: Mapping[int, Mapping[str, Scalar]]
) -> tuple[Edit, ...]:
    edits = []
    for position, changes in sorted(values.items()):
        entry = journal.entries[position]
        for key, value in changes.items():
            span = entry.value_span(key)
            text = literal(value)
            if span is None or journal.text[span[0] : span[1]] == text:
                continue
            edits.append(Edit.replace(path, *span, text))
    return tuple(sorted(edits, key=lambda e: e.span.start))


def _element_text(journal: Journal, entry: JournalEntry, values: Mapping[str, Scalar]) -> str:
    """The element's own text with ``values`` put in place of its current ones."""
    text = journal.text[entry.span.start : entry.span.end]
    if not values:
        return text
    literals = tuple((key, literal(value)) for key, value in values.items())
    rewritten = _rewritten.get((text, literals))
    if rewritten is None:
        if len(_rewritten) >= _REWRITTEN_MAX:
            _rewritten.clear()
        rewritten = _rewritten[text, literals] = _put_values(text, entry, literals)
    return rewritten


# rewritten elements by (element text, new values): moving one entry of a long journal renumbers
# every entry after it, the same way on each analysis while the journal stays out of order
_rewritten: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
_REWRITTEN_MAX = 16_384


def _put_values(text: str, entry: JournalEntry, literals: tuple[tuple[str, str], ...]) -> str:
    """``text``, the entry's own, with each key's value replaced by the literal given."""
    replacements = sorted(
        (span, new) for key, new in literals if (span := entry.value_span(key)) is not None
    )
    for (start, end), new in reversed(replacements):
        start, end = start - entry.span.start, end - entry.span.start
        text = text[:start] + new + text[end:]
    return text


def _interior(journal: Journal, plan: EntriesPlan) -> str:
    """The new text between ``[`` and ``]``: elements in plan order, separators kept in place."""
    assert journal.entries_array is not None
    text, entries = journal.text, journal.entries
    open_end, close_start = journal.entries_array.start + 1, journal.entries_array.end - 1
    if not entries:
        return _fresh_interior(journal, plan.appended, text[open_end:close_start])
    leading = text[open_end : entries[0].span.start]
    trailing = text[entries[-1].span.end : close_start]
    separators = [text[a.span.end : b.span.start] for a, b in itertools.pairwise(entries)]
    elements = [_element_text(journal, entries[p], plan.values.get(p, {})) for p in plan.order]
    # a new element follows the last separator, or with one element: "," + the text after "["
    extra = separators[-1] if separators else ("," + leading if not leading.strip() else ",")
    pretty = "\n" in leading or "\r" in leading
    indent = _last_line(leading) if pretty else None
    for new in plan.appended:
        if new.template is not None:
            elements.append(_element_text(journal, new.template, new.values))
        else:
            elements.append(_fresh_entry(new.values, indent, *_layout(journal)))
        separators.append(extra)
    parts = [leading]
    for i, element in enumerate(elements):
        if i:
            parts.append(separators[i - 1])
        parts.append(element)
    parts.append(trailing)
    return "".join(parts)


def _fresh_interior(journal: Journal, appended: Sequence[NewEntry], old: str) -> str:
    """Elements for an empty ``entries``, laid out as ``JSON.stringify(journal, null, unit)``."""
    if not appended:
        return old
    unit, newline = _layout(journal)
    if not unit:  # a one-line journal: stay on one line
        return ",".join(_fresh_entry(n.values, None, unit, newline) for n in appended)
    base = _key_indent(journal)
    inner = base + unit
    items = [inner + _fresh_entry(n.values, inner, unit, newline) for n in appended]
    return newline + ("," + newline).join(items) + newline + base


def _fresh_entry(values: Mapping[str, Scalar], indent: str | None, unit: str, newline: str) -> str:
    """A new element: one line like ``JSON.stringify`` without ``indent``, else pretty."""
    keys = [k for k in ENTRY_KEYS if k in values] + [k for k in values if k not in ENTRY_KEYS]
    if indent is None or not unit:
        return "{" + ",".join(f"{json.dumps(k)}:{literal(values[k])}" for k in keys) + "}"
    lines = [f"{indent}{unit}{json.dumps(k)}: {literal(values[k])}" for k in keys]
    return "{" + newline + ("," + newline).join(lines) + newline + indent + "}"


def _layout(journal: Journal) -> tuple[str, str]:
    """The journal's indentation unit (the indentation of its top-level keys) and line break."""
    return _key_indent(journal), newline_of(journal.text)


def _key_indent(journal: Journal) -> str:
    f = journal.root_fields.get("entries")
    if f is None:
        return ""
    line = journal.index.line_text(journal.index.line_of(f.key_span.start))
    indent = line[: len(line) - len(line.lstrip())]
    return indent if line[len(indent) :].startswith('"entries"') else ""


def _last_line(text: str) -> str:
    """The blank text after the last line break of ``text`` (an element's indentation)."""
    last = text.replace("\r", "\n").rsplit("\n", 1)[-1]
    return last if last.strip() == "" else ""


def _minimal_edit(text: str, start: int, end: int, new: str, path: Path) -> tuple[Edit, ...]:
    """One edit replacing ``text[start:end]`` by ``new``, trimmed of their common ends."""
    old = text[start:end]
    if old == new:
        return ()
    trimmed = minimal_edit(path, old, new)
    span = trimmed.span
    return (Edit.replace(path, start + span.start, start + span.end, trimmed.new_text),)
