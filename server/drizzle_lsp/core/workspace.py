"""From paths the user named to analysed folders: discovery, loading and 1-based locations.

Shared by the CLI and tests; the language server keeps its own live state but uses the same
discovery and loading functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from drizzle_lsp.core.diagnostics import Span, Violation
from drizzle_lsp.core.folder import (
    Layout,
    MigrationFolder,
    find_folders,
    folder_layout,
    folder_texts,
    load_folder,
    owning_folder,
)
from drizzle_lsp.core.text import Encoding, Position, TextIndex


class PathNotFound(Exception):
    pass


@dataclass(slots=True)
class Target:
    """A folder to analyse, and the files the user named in it (None: report the whole folder)."""

    root: Path
    layout: Layout
    only: set[Path] | None = None
    loose: list[Path] = field(default_factory=list)  # .sql files outside any migrations folder

    def wants(self, violation: Violation) -> bool:
        return self.only is None or violation.path in self.only


def discover(paths: Iterable[Path]) -> list[Target]:
    """Targets for ``paths``: folders and trees are searched, files map to their folder."""
    targets: dict[tuple[Path, Layout], Target] = {}
    for raw in paths:
        path = raw.absolute()
        if not path.exists():
            raise PathNotFound(f"{raw}: no such file or directory")
        if path.is_dir():
            layout = folder_layout(path)
            found = [(path, layout)] if layout is not None else list(find_folders(path))
            for root, kind in found:
                target = targets.setdefault((root, kind), Target(root, kind))
                target.only = None
            continue
        owner = owning_folder(path)
        if owner is None:
            if path.suffix == ".sql":
                loose = targets.setdefault(
                    (path.parent, Layout.LOOSE), Target(path.parent, Layout.LOOSE)
                )
                loose.loose.append(path)
            continue
        target = targets.setdefault(owner, Target(*owner, only=set()))
        if target.only is not None:
            target.only.add(path)
    return list(targets.values())


def load_target(target: Target) -> MigrationFolder:
    return load_folder(target.root, target.layout, extra_sql=target.loose)


@dataclass(frozen=True, slots=True)
class Location:
    """Where a violation starts and ends, 0-based line, column in ``encoding`` units."""

    start: Position
    end: Position


class TextIndexes:
    """Lazily built line indexes for the files of one folder."""

    def __init__(self, folder: MigrationFolder) -> None:
        self._texts = folder_texts(folder)
        self._indexes: dict[Path, TextIndex] = {}
        self._last: tuple[Path, TextIndex] | None = None

    def index(self, path: Path) -> TextIndex:
        last = self._last
        if last is not None and last[0] is path:  # a file's violations share its path object
            return last[1]
        if path not in self._indexes:
            self._indexes[path] = TextIndex(self._texts.get(path, ""))
        self._last = (path, self._indexes[path])
        return self._last[1]

    def locate(self, violation: Violation, encoding: Encoding = Encoding.UTF16) -> Location:
        return self.span_location(violation.path, violation.span, encoding)

    def span_location(
        self, path: Path, span: Span, encoding: Encoding = Encoding.UTF16
    ) -> Location:
        """Where ``span`` of ``path`` starts and ends (a fix's edit, say)."""
        index = self.index(path)
        return Location(index.position(span.start, encoding), index.position(span.end, encoding))
