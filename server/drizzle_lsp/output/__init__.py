"""Output of ``drizzle-lsp check``: one module per ``--format``, each a ``render(report)``.

The check command locates every violation once (:func:`locate`: 0-based lines, columns in
UTF-16 code units as LSP counts them and in code points as people count them) and hands a
:class:`Report` to the formatter. Formatters only print; they decide nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from drizzle_lsp.core.diagnostics import Applicability, Edit, Fix, Span, Violation
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


@dataclass(frozen=True, slots=True)
class Diagnostic:
    violation: Violation
    lsp: Location
    chars: Location
    fix: LocatedFix | None


@dataclass(slots=True)
class Report:
    diagnostics: list[Diagnostic]
    cwd: Path
    unsafe_fixes: bool = False  # --unsafe-fixes: unsafe fixes count as fixable
    fixed: int | None = None  # --fix: how many problems were fixed
    fixed_files: int = 0
    color: bool = False
    notes: list[str] = field(default_factory=list)  # extra lines for the text summary

    def display_path(self, path: Path) -> str:
        """``path`` relative to the working directory when under it, else absolute."""
        try:
            return path.relative_to(self.cwd).as_posix()
        except ValueError:
            return path.as_posix()

    @property
    def fixable(self) -> int:
        return sum(1 for d in self.diagnostics if d.fix is not None and self._enabled(d.fix))

    @property
    def hidden_fixes(self) -> int:
        """Unsafe fixes that ``--unsafe-fixes`` would enable."""
        return sum(1 for d in self.diagnostics if d.fix is not None and not self._enabled(d.fix))

    def _enabled(self, fix: LocatedFix) -> bool:
        return self.unsafe_fixes or fix.applicability is Applicability.SAFE


def locate(violations: Iterable[Violation], indexes: TextIndexes) -> list[Diagnostic]:
    """Positions of ``violations`` (and of their fixes' edits) in the texts of ``indexes``."""
    return [
        Diagnostic(
            v,
            indexes.locate(v, Encoding.UTF16),
            indexes.locate(v, Encoding.UTF32),
            None if v.fix is None else _locate_fix(v.fix, indexes),
        )
        for v in violations
    ]


def _locate_fix(fix: Fix, indexes: TextIndexes) -> LocatedFix:
    def edit(e: Edit) -> LocatedEdit:
        return LocatedEdit(
            e.path,
            _location(indexes, e.path, e.span, Encoding.UTF16),
            _location(indexes, e.path, e.span, Encoding.UTF32),
            e.new_text,
        )

    return LocatedFix(fix.title, fix.applicability, tuple(edit(e) for e in fix.edits))


def _location(indexes: TextIndexes, path: Path, span: Span, encoding: Encoding) -> Location:
    index = indexes.index(path)
    return Location(index.position(span.start, encoding), index.position(span.end, encoding))


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else words or word + 's'}"


Formatter = Callable[[Report], str]


def formatters() -> dict[str, Formatter]:
    from drizzle_lsp.output import github, json_format, sarif, text

    return {
        "text": text.render,
        "json": json_format.render,
        "github": github.render,
        "sarif": sarif.render,
    }


FORMATS = ("text", "json", "github", "sarif")
