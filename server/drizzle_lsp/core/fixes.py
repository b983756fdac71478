"""Applying fixes: text edits spliced back to front, overlapping fixes deferred to a later pass."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from pathlib import Path

from drizzle_lsp.core.diagnostics import Edit, Fix, Span, Violation


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply edits of one file; they must not overlap (insertions at one point keep their order)."""
    ordered = sorted(enumerate(edits), key=lambda pair: (pair[1].span.start, pair[0]))
    parts: list[str] = []
    cursor = 0
    for _, edit in ordered:
        if edit.span.start < cursor:
            raise ValueError(f"overlapping edits at {edit.span.start} in {edit.path}")
        parts.append(text[cursor : edit.span.start])
        parts.append(edit.new_text)
        cursor = edit.span.end
    parts.append(text[cursor:])
    return "".join(parts)


def edits_by_path(edits: Iterable[Edit]) -> dict[Path, list[Edit]]:
    grouped: dict[Path, list[Edit]] = {}
    for edit in edits:
        grouped.setdefault(edit.path, []).append(edit)
    return grouped


def apply_fix(texts: dict[Path, str], fix: Fix) -> dict[Path, str]:
    """New texts of the files ``fix`` touches (a missing file counts as empty)."""
    return {
        path: apply_edits(texts.get(path, ""), edits)
        for path, edits in edits_by_path(fix.edits).items()
    }


def _overlaps(a: Span, b: Span) -> bool:
    if a.start == a.end or b.start == b.end:
        # an insertion at the edge of another edit (or at the same point as another insertion)
        # lands inside or outside it depending on their order: a DO block's head inserted where
        # J001's guard replaces the text would wrap the guard
        return a.start <= b.end and b.start <= a.end
    return a.start < b.end and b.start < a.end


def compatible_fixes(fixes: Iterable[Fix]) -> list[Fix]:
    """Fixes that can be applied together: duplicates once, then first come among overlapping
    ones and among those sharing an isolation key."""
    chosen: list[Fix] = []
    taken: dict[Path, _Taken] = {}
    isolated: set[str] = set()
    seen: set[Fix] = set()
    for fix in fixes:
        if fix in seen:
            continue
        seen.add(fix)
        if fix.isolation is not None and fix.isolation in isolated:
            continue
        if any(e.path in taken and taken[e.path].overlaps(e.span) for e in fix.edits):
            continue
        chosen.append(fix)
        if fix.isolation is not None:
            isolated.add(fix.isolation)
        for edit in fix.edits:
            taken.setdefault(edit.path, _Taken()).add(edit.span)
    return chosen


class _Taken:
    """The spans of one file that chosen fixes edit, sorted by start: a new span is compared
    with its neighbours only (fixes come in file order, so adding one is an append)."""

    def __init__(self) -> None:
        self._spans: list[tuple[int, int]] = []  # none overlaps another
        self._odd: list[Span] = []  # those that overlap a taken one (edits of one fix), if any

    def overlaps(self, span: Span) -> bool:
        return self._overlaps_sorted(span) or any(_overlaps(span, odd) for odd in self._odd)

    def _overlaps_sorted(self, span: Span) -> bool:
        spans = self._spans
        # every taken span starting at or before ``span``'s end, from the nearest back, until one
        # ends before it starts; taken spans do not overlap one another, so their ends rise too
        i = bisect.bisect_right(spans, (span.end, _MAX))
        while i > 0:
            i -= 1
            start, end = spans[i]
            if _overlaps(span, Span(start, end)):
                return True
            if end < span.start:
                return False
        return False

    def add(self, span: Span) -> None:
        if self.overlaps(span):
            self._odd.append(span)  # keeps the sorted spans apart, whose ends then rise too
        else:
            bisect.insort(self._spans, (span.start, span.end))


_MAX = 2**63


def fixable(violations: Iterable[Violation], unsafe: bool) -> list[Violation]:
    """Violations whose fix ``check --fix`` applies (unsafe ones only with ``--unsafe-fixes``)."""
    return [v for v in violations if v.fix is not None and v.fix.applies(unsafe)]


def minimal_edit(path: Path, before: str, after: str) -> Edit:
    """One edit turning ``before`` into ``after``: the differing middle, common ends kept."""
    start, end = differing_middle(before, after)
    return Edit(path, Span(start, len(before) - end), after[start : len(after) - end])


def differing_middle(before: str, after: str) -> tuple[int, int]:
    """Lengths of the common prefix and suffix of ``before`` and ``after`` around what differs,
    shortened so that neither ends inside a "\r\n" (a position between its characters has no
    line/column)."""
    start, end = common_ends(before, after)
    if 0 < start < len(before) and before[start - 1] == "\r" and before[start] == "\n":
        start -= 1
    tail = len(before) - end
    if end > 0 and tail > 0 and before[tail] == "\n" and before[tail - 1] == "\r":
        end -= 1
    return start, end


_CHUNK = 4096


def common_ends(old: str, new: str) -> tuple[int, int]:
    """Lengths of the common prefix of ``old`` and ``new`` and of their common suffix after it.

    Compared a chunk at a time from each end, then by :func:`common_length` in the chunk that
    differs: comparing whole prefixes copies them, which costs more the longer the texts.
    """
    limit = min(len(old), len(new))
    head = 0
    while head + _CHUNK <= limit and old[head : head + _CHUNK] == new[head : head + _CHUNK]:
        head += _CHUNK
    rest = min(_CHUNK, limit - head)
    head += common_length(lambda n: old[head : head + n] == new[head : head + n], rest)
    limit -= head
    old_end, new_end, tail = len(old), len(new), 0
    while (
        tail + _CHUNK <= limit
        and old[old_end - _CHUNK : old_end] == new[new_end - _CHUNK : new_end]
    ):
        tail, old_end, new_end = tail + _CHUNK, old_end - _CHUNK, new_end - _CHUNK
    rest = min(_CHUNK, limit - tail)
    tail += common_length(lambda n: old[old_end - n : old_end] == new[new_end - n : new_end], rest)
    return head, tail


def common_length(same: Callable[[int], bool], limit: int) -> int:
    """Largest n <= limit with same(n) (same is monotonic): a binary search of slice compares,
    which run in C; a journal's interior is 100 KB for 1,000 entries."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if same(middle):
            low = middle
        else:
            high = middle - 1
    return low
