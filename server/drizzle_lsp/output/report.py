"""What every formatter gets: the problems, located once, and the counts of the summary.

:func:`locate` gives each violation (and each edit of its fix) 0-based lines with columns in
UTF-16 code units, as LSP counts them, and in code points, as people count them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drizzle_lsp.core.diagnostics import Applicability, Edit, Fix, Violation
from drizzle_lsp.core.text import Encoding
from drizzle_lsp.core.workspace import Location, TextIndexes


@dataclass(frozen=True, slots=True)
class LocatedEdit:
    path: Path
    lsp: Location  # 0-based, UTF-16 columns
    chars: Location  # 0-based, code point columns
    new_text: str


@dataclass(frozen=True, slots=True)
class LocatedFix:
    title: str
    applicability: Applicability
    edits: tuple[LocatedEdit, ...]
    deletes: tuple[Path, ...] = ()  # files the fix deletes


class Diagnostic:
    """A violation and where it is: its positions are worked out when first read (a format
    reads one kind of column, the text format no fix, and a large run has tens of thousands)."""

    __slots__ = ("_chars", "_fix", "_fix_located", "_indexes", "_lsp", "violation")

    def __init__(self, violation: Violation, indexes: TextIndexes | None) -> None:
        self.violation = violation
        self._indexes = indexes
        self._lsp: Location | None = None
        self._chars: Location | None = None
        self._fix: LocatedFix | None = None
        self._fix_located = False

    @property
    def lsp(self) -> Location:
        """0-based lines, UTF-16 columns."""
        if self._lsp is None:
            assert self._indexes is not None
            self._lsp = self._indexes.locate(self.violation, Encoding.UTF16)
        return self._lsp

    @property
    def chars(self) -> Location:
        """0-based lines, code point columns."""
        if self._chars is None:
            assert self._indexes is not None
            self._chars = self._indexes.locate(self.violation, Encoding.UTF32)
        return self._chars

    def start_chars(self) -> tuple[int, int]:
        """Where it starts: 0-based line and code point column (all the text format prints:
        the end is not worked out)."""
        if self._chars is not None:
            return self._chars.start.line, self._chars.start.character
        assert self._indexes is not None
        v = self.violation
        return self._indexes.index(v.path).line_column(v.start, Encoding.UTF32)

    @property
    def fix(self) -> LocatedFix | None:
        self.locate_fix()
        return self._fix

    def locate_fix(self) -> None:
        """Work out where the fix edits (before the diagnostic is pickled, for a format that
        prints them: the positions go with it, the texts do not)."""
        if not self._fix_located and self._indexes is not None and self.violation.fix:
            self._fix = _locate_fix(self.violation.fix, self._indexes)
        self._fix_located = True

    def __reduce__(self) -> tuple[Any, ...]:
        return (_located, (self.violation, self.lsp, self.chars, self._fix))


def _located(
    violation: Violation, lsp: Location, chars: Location, fix: LocatedFix | None
) -> Diagnostic:
    """A :class:`Diagnostic` as pickled: its positions, and its fix's if they were worked out."""
    diagnostic = Diagnostic(violation, None)
    diagnostic._lsp, diagnostic._chars = lsp, chars
    diagnostic._fix, diagnostic._fix_located = fix, True
    return diagnostic


@dataclass(slots=True)
class Report:
    diagnostics: list[Diagnostic]
    cwd: Path
    unsafe_fixes: bool = False  # --unsafe-fixes: unsafe fixes count as fixable
    fixed: int | None = None  # --fix: how many problems were fixed
    fixed_files: int = 0
    color: bool = False
    # what the applied fixes did beyond their titles, and what they could not make safe
    fix_notes: list[str] = field(default_factory=list)

    # each file's shown path, worked out once (a large run has tens of thousands of problems)
    _shown: dict[Path, str] = field(default_factory=dict, repr=False, init=False)
    _counted: tuple[int, int] | None = field(default=None, repr=False, init=False)

    def display_path(self, path: Path) -> str:
        shown = self._shown.get(path)
        if shown is None:
            shown = self._shown[path] = display_path(path, self.cwd)
        return shown

    @property
    def fixable(self) -> int:
        """Problems ``--fix`` would fix (with ``--unsafe-fixes``, the unsafe ones too)."""
        return self._fix_counts[0]

    @property
    def hidden_fixes(self) -> int:
        """Unsafe fixes that ``--unsafe-fixes`` would enable."""
        return self._fix_counts[1]

    @property
    def _fix_counts(self) -> tuple[int, int]:
        """(fixable, hidden), counted once from each fix's applicability (not placing fixes)."""
        if self._counted is None:
            counts = Counter(d.violation.fix_applicability for d in self.diagnostics)
            with_fix = counts.total() - counts[None]
            fixable = with_fix if self.unsafe_fixes else counts[Applicability.SAFE]
            self._counted = (fixable, with_fix - fixable)
        return self._counted


def locate(violations: Iterable[Violation], indexes: TextIndexes) -> list[Diagnostic]:
    """Positions of ``violations`` (and of their fixes' edits) in the texts of ``indexes``."""
    return [Diagnostic(v, indexes) for v in violations]


def _locate_fix(fix: Fix, indexes: TextIndexes) -> LocatedFix:
    def edit(e: Edit) -> LocatedEdit:
        return LocatedEdit(
            e.path,
            indexes.span_location(e.path, e.span, Encoding.UTF16),
            indexes.span_location(e.path, e.span, Encoding.UTF32),
            e.new_text,
        )

    edits = tuple(edit(e) for e in fix.edits)
    return LocatedFix(fix.title, fix.applicability, edits, fix.deletes)


def display_path(path: Path, cwd: Path) -> str:
    """``path`` relative to the working directory when under it, else absolute."""
    return path.relative_to(cwd).as_posix() if path.is_relative_to(cwd) else path.as_posix()


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else words or word + 's'}"
