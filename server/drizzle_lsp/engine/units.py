"""The units the analyzer lints a file in: its chunks, and a long chunk in runs of statements.

SQL rules see one unit at a time, and the analyzer keeps each unit's results while an edit
leaves its text alone. A file of drizzle-kit's has a chunk per statement; a migration without
breakpoints, a plain `.sql` file or a big `0000_init.sql` is one chunk of hundreds or
thousands of statements, too many to lint again on every keystroke (see docs/performance.md,
a long chunk in the editor). Such a chunk (one that parses) is linted in runs of ``RUN``
statements instead, each starting right after the `;` that ends the run before it, and told
that it continues a chunk (``SqlContext.continues``): the rules find there what they find in
the whole chunk.
"""

from __future__ import annotations

from typing import NamedTuple

from drizzle_lsp.core.migration import BREAKPOINT, parse_chunk

RUN = 32  # statements per unit of a long chunk: a keystroke re-lints about this many
SPLIT_FROM = 2 * RUN  # a chunk of fewer statements is one unit
GAP = len(BREAKPOINT)


class Unit(NamedTuple):
    text: str
    offset: int  # where it starts in the text it was cut from
    continues: bool  # it continues the chunk of the unit before it (no breakpoint between)


def units(text: str, continues: bool = False, ends_run: bool = False) -> list[Unit] | None:
    """The units of ``text``, a stretch of a file that starts a chunk, or continues one when
    ``continues`` (right after a run's `;`), and that ends a chunk, or, when ``ends_run``, ends
    right before a run that continues its last chunk. None when the stretch cannot be cut so:
    where it continues or is continued, its chunk must parse, and end on a `;` it continues
    after; otherwise its whole chunk is to be linted again."""
    found: list[Unit] = []
    pieces = text.split(BREAKPOINT)
    offset = 0
    for number, piece in enumerate(pieces):
        joined = continues and number == 0
        last = ends_run and number == len(pieces) - 1
        runs = _runs(piece, joined or last, last)
        if runs is None:
            return None
        found.extend(Unit(run, offset + at, joined or at > 0) for run, at in runs)
        offset += len(piece) + GAP
    return found


def _runs(piece: str, must_parse: bool, ends_on_semicolon: bool) -> list[tuple[str, int]] | None:
    """``piece`` (part of one chunk) in runs of statements, each with where it starts."""
    if not must_parse and piece.count(";") + 1 < SPLIT_FROM:
        return [(piece, 0)]  # a short chunk (at most one statement per `;`, dollar quotes aside)
    parsed = parse_chunk(piece)
    if parsed.error is not None:
        return None if must_parse else [(piece, 0)]
    statements = parsed.statements
    if ends_on_semicolon and (not statements or statements[-1].terminator != len(piece) - 1):
        return None
    if len(statements) < SPLIT_FROM:
        return [(piece, 0)]
    cuts = [0]
    for s in statements[RUN - 1 : -1 : RUN]:
        if s.terminator is not None:
            cuts.append(s.terminator + 1)
    ends = [*cuts[1:], len(piece)]
    return [(piece[start:end], start) for start, end in zip(cuts, ends, strict=True)]
