"""Whether an SQL rule's fixes hold: applied, the chunk parses no worse and the rule fires less
often. Checked on the statements a fix touches, in their context, so that a chunk's fixes are
checked in time linear in its size whatever their number.

- **A window.** A fix is checked on its statements and one statement either side of them (a
  statement owns the text up to the next one), parsed alone; on the whole chunk when the window
  would be half of it or more. The rule runs on the window before
  and after the fix, with what it knows of the whole chunk (``SqlContext.memo``, ``around``,
  ``first_statement``). The statements outside are the same text before and after, and a chunk
  that parses splits into statements the same way in any window of whole statements.
- **By shape.** A rule may prove a fix from its shape in the text it touches
  (``Rule.fix_holds``: S003's breakpoint between two statements); those are not parsed again.
- **Alone.** A rule whose findings in a statement depend on nothing but the statement, its
  number and what it keeps in the memo (``RuleInfo.statement_local``: S002) has a fix checked on
  the statements it touches, up to the last one's ``;``, parsed alone: the fixed text must parse
  into as many statements, still ending at that ``;`` (so the text after it splits as before).
  Most of a chunk is then never parsed again. A fix of another shape (past the ``;``) is
  checked in a window, as below.
- **Together.** A rule's fixes that do not overlap are first checked all at once, in the window
  around them all: they hold together when the fixed window parses, the rule fires exactly as
  many times fewer as there were violations to fix, and on none of their statements. Fixes that
  fail that are halved and each half checked again, down to single fixes, which are checked
  alone: a chunk costs one parse and one rule run when its fixes hold, as they almost always do,
  and a few more per level (at most ~log2 of the fixes) around those that do not.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from drizzle_lsp.core.diagnostics import CHUNK_PATH, Edit, Fix, Violation
from drizzle_lsp.core.fixes import apply_edits
from drizzle_lsp.core.migration import MigrationFile
from drizzle_lsp.rules import Rule
from drizzle_lsp.rules._api import SqlContext


@dataclass(slots=True)
class _Group:
    """One fix and the violations it is offered for (a DO block around a statement fixes all of
    the statement's findings)."""

    fix: Fix
    violations: list[Violation]
    start: int  # where its first edit starts
    end: int  # where its last edit ends


class SqlFixCheck:
    """Decides, for each fix of ``rule``'s violations ``raw`` in ``ctx``'s chunk, whether it
    holds. Called with a fix; the violations' own fixes are settled together up front."""

    def __init__(self, rule: Rule, ctx: SqlContext, raw: Sequence[Violation]) -> None:
        self.rule, self.ctx, self.before = rule, ctx, len(raw)
        file = ctx.file
        # a chunk that does not parse has no statements to window: it is checked whole
        self.windowed = bool(file.statements) and not file.syntax_errors
        self.starts = [s.span.start for s in file.statements]
        self.alone = self.windowed and rule.info.statement_local
        # the statement of each violation, in order: the findings of a few statements, counted
        self._found_in = sorted(self._statement_of(v.span.start) for v in raw)
        # by the fix object (its violations' fixes are alive as long as this check is)
        self.verdicts: dict[int, bool] = {}
        self._counts: dict[tuple[int, int], int] = {}  # the rule's findings in each window
        undecided = self._proven(raw)
        if self.windowed and sum(1 for v in undecided if v.fix is not None) > 1:
            self._settle(_groups(undecided))

    def __call__(self, fix: Fix) -> bool:
        if any(e.path is not CHUNK_PATH and e.path != CHUNK_PATH for e in fix.edits):
            return True  # edits outside the chunk are checked by the rule that made them
        verdict = self.verdicts.get(id(fix))
        if verdict is None:
            verdict = self.verdicts[id(fix)] = self._holds_alone(fix)
        return verdict

    def _proven(self, raw: Sequence[Violation]) -> Sequence[Violation]:
        """Decide the fixes the rule proves by their shape (``Rule.fix_holds``); the others."""
        proves = self.rule.fix_holds
        if proves is None:
            return raw
        undecided: list[Violation] = []
        for v in raw:
            verdict = proves(self.ctx, v) if v.fix is not None else None
            if verdict is None:
                undecided.append(v)
            else:
                self.verdicts[id(v.fix)] = verdict
        return undecided

    # ---- one fix ----------------------------------------------------------------------------

    def _holds_alone(self, fix: Fix) -> bool:
        file = self.ctx.file
        if self.alone:
            fixed = self._statements_fixed(fix.edits, _positions(fix.edits))
            if fixed is not None:
                return len(fixed.after) < self._found_between(fixed.first, fixed.last)
        if not self.windowed:
            after = self._findings_fixed(file.text, fix.edits, 0, len(file.syntax_errors))
            return after is not None and len(after) < self.before
        first, last = self._window(_positions(fix.edits))
        start, text, before = self._before(first, last)
        after = self._findings_fixed(text, _moved(fix.edits, -start), first, 0)
        return after is not None and len(after) < before

    def _before(self, first: int, last: int) -> tuple[int, str, int]:
        """Where the window of statements ``first``..``last`` starts, its text, and the rule's
        findings in it as the chunk stands (the whole chunk's are known: a chunk of
        drizzle-kit's has one statement)."""
        start, end = self._bounds(first, last)
        file = self.ctx.file
        text = file.text[start:end]
        if end - start == len(file.text):
            return start, text, self.before
        count = self._counts.get((first, last))
        if count is None:
            window = MigrationFile(text, self._trees, like=file)
            count = self._counts[first, last] = len(self._check(window, first))
        return start, text, count

    def _findings_fixed(
        self, text: str, edits: Iterable[Edit], first: int, errors: int
    ) -> list[Violation] | None:
        """The rule's findings in ``text`` with ``edits`` applied (its first statement is the
        chunk's ``first``); None when the edits add to its ``errors`` syntax errors."""
        fixed = MigrationFile(apply_edits(text, edits), self._trees, like=self.ctx.file)
        if len(fixed.syntax_errors) > errors:
            return None
        return self._check(fixed, first)

    # ---- fixes together ---------------------------------------------------------------------

    def _settle(self, groups: list[_Group]) -> None:
        if self.alone:
            groups = self._settle_alone(groups)
        self._settle_in_windows(groups)

    def _settle_alone(self, groups: list[_Group]) -> list[_Group]:
        """Decide the groups that hold on their statements alone, island by island (groups
        that share a statement are checked together); those left are checked in windows."""
        left: list[_Group] = []
        for island in _islands(groups, self._statement_of):
            if self._island_holds(island):
                for group in island:
                    self._decide(group, True)
            else:
                left.extend(island)
        return left

    def _island_holds(self, island: list[_Group]) -> bool:
        targeted = [v for g in island for v in g.violations]
        edits = [e for g in island for e in g.fix.edits]
        positions = _positions(edits) + [v.span.start for v in targeted]
        fixed = self._statements_fixed(edits, positions)
        if fixed is None:
            return False
        if len(fixed.after) != self._found_between(fixed.first, fixed.last) - len(targeted):
            return False
        # none of them may be left where one was fixed
        fixed_at = {self._statement_of(v.span.start) for v in targeted}
        return not any(fixed.statement_of(v.span.start) in fixed_at for v in fixed.after)

    def _statements_fixed(
        self, edits: Sequence[Edit], positions: Sequence[int]
    ) -> _FixedStatements | None:
        """The rule's findings in the statements around ``positions``, from the first one's
        start to the last one's ``;``, with ``edits`` applied and parsed alone; None when the
        edits reach past that ``;`` or the fixed text does not split into as many statements
        ending there (then only a window in the chunk tells)."""
        file = self.ctx.file
        first = self._statement_of(min(positions))
        last = self._statement_of(max(positions))
        start = file.statements[first].span.start
        terminator = file.statements[last].terminator
        # without a `;`, the chunk's last statement: nothing after it to split
        end = terminator + 1 if terminator is not None else self._bounds(first, last)[1]
        if any(e.span.start < start or e.span.end > end for e in edits):
            return None  # an edit of the text after the `;`
        text = apply_edits(file.text[start:end], _moved(edits, -start))
        fixed = MigrationFile(text, self._trees)
        statements = fixed.statements
        if fixed.syntax_errors or len(statements) != last - first + 1:
            return None
        if terminator is not None and statements[-1].terminator != len(text) - 1:
            return None  # the text no longer ends with a `;` that ends its last statement
        after = self._check(fixed, first)
        return _FixedStatements(first, last, after, [s.span.start for s in statements])

    def _found_between(self, first: int, last: int) -> int:
        """The rule's findings in statements ``first``..``last`` as the chunk stands."""
        found = self._found_in
        return bisect.bisect_right(found, last) - bisect.bisect_left(found, first)

    def _settle_in_windows(self, groups: list[_Group]) -> None:
        if not groups:
            return
        if len(groups) > 1 and self._hold_together(groups):
            for group in groups:
                self._decide(group, True)
            return
        if len(groups) == 1:
            self._decide(groups[0], self._holds_alone(groups[0].fix))
            return
        middle = len(groups) // 2
        self._settle_in_windows(groups[:middle])
        self._settle_in_windows(groups[middle:])

    def _decide(self, group: _Group, holds: bool) -> None:
        """The verdict of the group's fix, for each of its violations' (equal) fix objects."""
        self.verdicts[id(group.fix)] = holds
        for v in group.violations:
            self.verdicts[id(v.fix)] = holds

    def _hold_together(self, groups: list[_Group]) -> bool:
        positions = [p for g in groups for p in (g.start, g.end)]
        positions += [v.span.start for g in groups for v in g.violations]
        first, last = self._window(positions)
        start, text, before = self._before(first, last)
        edits = _moved([e for g in groups for e in g.fix.edits], -start)
        after = self._findings_fixed(text, edits, first, 0)
        if after is None:
            return False
        targeted = [v for g in groups for v in g.violations]
        if len(after) != before - len(targeted):
            return False
        # none of them may be left where one was fixed
        fixed_at = {self._statement_of(v.span.start) for v in targeted}
        back = _PositionMap(edits)
        return not any(
            self._statement_of(back.before(v.span.start) + start) in fixed_at for v in after
        )

    # ---- windows ----------------------------------------------------------------------------

    @property
    def _trees(self) -> bool:
        return self.rule.info.reads_trees

    def _check(self, file: MigrationFile, first: int) -> list[Violation]:
        ctx = self.ctx
        window = SqlContext(
            file,
            ctx.breakpoints,
            memo=ctx.memo,
            around=ctx.around,
            first_statement=first,
            continues=ctx.continues and first == 0,
        )
        return list(self.rule.check(window))

    def _statement_of(self, offset: int) -> int:
        """The statement whose text (up to the next statement) holds ``offset``."""
        return max(bisect.bisect_right(self.starts, offset) - 1, 0)

    def _window(self, positions: Iterable[int]) -> tuple[int, int]:
        """The first and last statement of the window around ``positions``: their statements
        and one more either side; the whole chunk when that is at least half of it (its
        findings before the fix are known, and checking it costs at most twice the window)."""
        low, high = min(positions), max(positions)
        first = max(bisect.bisect_right(self.starts, low) - 2, 0)
        last = min(bisect.bisect_right(self.starts, high), len(self.starts) - 1)
        start, end = self._bounds(first, last)
        if 2 * (end - start) >= len(self.ctx.file.text):
            return 0, len(self.starts) - 1
        return first, last

    def _bounds(self, first: int, last: int) -> tuple[int, int]:
        start = self.starts[first] if first else 0
        end = self.starts[last + 1] if last + 1 < len(self.starts) else len(self.ctx.file.text)
        return start, end


@dataclass(slots=True)
class _FixedStatements:
    """Statements ``first``..``last`` of a chunk with fixes applied, parsed alone: the rule's
    findings in them (offsets from the first one's start) and where each statement starts."""

    first: int
    last: int
    after: list[Violation]
    starts: list[int]

    def statement_of(self, offset: int) -> int:
        """The chunk's number of the fixed statement holding ``offset``."""
        return self.first + max(bisect.bisect_right(self.starts, offset) - 1, 0)


def _islands(groups: list[_Group], statement_of: Callable[[int], int]) -> list[list[_Group]]:
    """``groups`` (in order) in runs that share a statement: each run is checked together."""
    islands: list[list[_Group]] = []
    last = -1
    for group in groups:
        starts = [group.start, *(v.span.start for v in group.violations)]
        first = statement_of(min(starts))
        if islands and first <= last:
            islands[-1].append(group)
        else:
            islands.append([group])
        last = max(last, statement_of(group.end))
    return islands


def _groups(raw: Iterable[Violation]) -> list[_Group]:
    """The violations' own fixes in the chunk, in order, each with the violations it fixes;
    those that overlap an earlier one are left to be checked alone."""
    by_fix: dict[Fix, _Group] = {}
    for v in raw:
        fix = v.fix
        if fix is None or not fix.edits or any(e.path != CHUNK_PATH for e in fix.edits):
            continue
        group = by_fix.get(fix)
        if group is None:
            start = min(e.span.start for e in fix.edits)
            group = by_fix[fix] = _Group(fix, [], start, max(e.span.end for e in fix.edits))
        group.violations.append(v)
    groups: list[_Group] = []
    end = -1
    for group in sorted(by_fix.values(), key=lambda g: (g.start, g.end)):
        # an insertion at another edit's edge overlaps it (see ``fixes._overlaps``)
        if group.start > end and not _edits_overlap(group.fix.edits):
            groups.append(group)
            end = group.end
    return groups


def _edits_overlap(edits: Sequence[Edit]) -> bool:
    spans = sorted((e.span.start, e.span.end) for e in edits)
    return any(b[0] <= a[1] for a, b in itertools.pairwise(spans))


def _positions(edits: Iterable[Edit]) -> list[int]:
    return [p for e in edits for p in (e.span.start, e.span.end)]


def _moved(edits: Iterable[Edit], delta: int) -> list[Edit]:
    return [Edit(e.path, e.span.shifted(delta), e.new_text) for e in edits]


class _PositionMap:
    """Maps an offset of a text after ``edits`` back to the text before them (an offset inside
    inserted text goes to where the insertion was made)."""

    def __init__(self, edits: Iterable[Edit]) -> None:
        self._old_starts: list[int] = []
        self._old_ends: list[int] = []
        self._new_starts: list[int] = []
        self._new_ends: list[int] = []
        delta = 0
        for e in sorted(edits, key=lambda e: e.span.start):
            self._old_starts.append(e.span.start)
            self._old_ends.append(e.span.end)
            self._new_starts.append(e.span.start + delta)
            self._new_ends.append(e.span.start + delta + len(e.new_text))
            delta += len(e.new_text) - (e.span.end - e.span.start)

    def before(self, offset: int) -> int:
        i = bisect.bisect_right(self._new_starts, offset) - 1
        if i < 0:
            return offset
        if offset < self._new_ends[i]:
            return self._old_starts[i]
        return offset - self._new_ends[i] + self._old_ends[i]
