"""Applying fixes: text edits spliced back to front, overlapping fixes deferred to a later pass."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from drizzle_lsp.core.diagnostics import Edit, Fix, Span


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
    if a.start == a.end == b.start == b.end:
        return True  # two insertions at one point: their order would be arbitrary
    return a.start < b.end and b.start < a.end


def compatible_fixes(fixes: Iterable[Fix]) -> list[Fix]:
    """Fixes that can be applied together: duplicates once, then first come among overlapping
    ones and among those sharing an isolation key."""
    chosen: list[Fix] = []
    taken: dict[Path, list[Span]] = {}
    isolated: set[str] = set()
    seen: set[Fix] = set()
    for fix in fixes:
        if fix in seen:
            continue
        seen.add(fix)
        if fix.isolation is not None and fix.isolation in isolated:
            continue
        if any(_overlaps(e.span, s) for e in fix.edits for s in taken.get(e.path, [])):
            continue
        chosen.append(fix)
        if fix.isolation is not None:
            isolated.add(fix.isolation)
        for edit in fix.edits:
            taken.setdefault(edit.path, []).append(edit.span)
    return chosen
