"""Migrations folders: finding them and loading their journal and SQL files.

A migrations folder is a folder holding ``meta/_journal.json`` (its ``*.sql`` files sit beside
``meta/``), or the Drizzle v1 layout, ``<YYYYMMDDHHMMSS>_<name>/migration.sql`` with no journal.
A v1 folder's migrations are, as drizzle-orm 1.0's migrator reads them, every subfolder holding a
``migration.sql`` whatever its name, in the order of JavaScript's ``localeCompare`` on the names
(:func:`v1_order_key`), each with the ``created_at`` its name gives (:func:`v1_created_at`).
Loading goes through a ``reader`` so the language server can pass the text of open editor buffers
instead of the disk.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from drizzle_lsp.core.journal import Journal, parse_journal
from drizzle_lsp.core.migration import MigrationFile
from drizzle_lsp.core.snapshots import (
    SnapshotFacts,
    is_snapshot_name,
    snapshot_facts,
    snapshot_paths,
)
from drizzle_lsp.core.source import SourceError, SourceText, read_source

JOURNAL = Path("meta") / "_journal.json"
V1_DIR = re.compile(r"^\d{14}_.+$")  # as drizzle-kit names a v1 migration's folder
V1_FILE = "migration.sql"
V1_SNAPSHOT = "snapshot.json"
SKIPPED_DIRS = frozenset({"node_modules", ".git"})

Reader = Callable[[Path], SourceText]


class Layout(StrEnum):
    JOURNAL = "journal"  # meta/_journal.json + <tag>.sql
    V1 = "v1"  # <timestamp>_<name>/migration.sql, no journal
    LOOSE = "loose"  # .sql files named on the command line outside any migrations folder


@dataclass(slots=True)
class SqlDocument:
    path: Path
    tag: str
    source: SourceText | None
    error: str | None = None  # why it could not be read

    @property
    def migration(self) -> MigrationFile | None:
        return None if self.source is None else _migration(self.source.text)


@lru_cache(maxsize=4096)
def _migration(text: str) -> MigrationFile:
    # one model per distinct text; chunk parses underneath are cached too
    return MigrationFile(text)


def migration_of(text: str) -> MigrationFile:
    """The model of a migration's ``text``, as :attr:`SqlDocument.migration` has it (cached)."""
    return _migration(text)


@dataclass(slots=True)
class SnapshotDocument:
    """A drizzle-kit schema snapshot: ``meta/NNNN_snapshot.json`` of a journal folder, or a v1
    migration's ``<name>/snapshot.json`` (:attr:`facts` reads the former only)."""

    path: Path
    source: SourceText | None
    error: str | None = None  # why it could not be read
    # kept: the rules run on every keystroke, and a folder's snapshots weigh megabytes
    _facts: SnapshotFacts | None = field(default=None, repr=False, compare=False)

    @property
    def facts(self) -> SnapshotFacts | None:
        if self.source is None:
            return None
        if self._facts is None:
            self._facts = snapshot_facts(self.source.text, self.source.bom)
        return self._facts


@dataclass(slots=True)
class MigrationFolder:
    root: Path
    layout: Layout
    journal_path: Path | None = None
    journal_source: SourceText | None = None
    journal: Journal | None = None
    journal_error: str | None = None
    sql: dict[Path, SqlDocument] = field(default_factory=dict)
    snapshots: dict[Path, SnapshotDocument] = field(default_factory=dict)  # in file name order
    # v1 folders: the subfolders the migrator passes over (no ``migration.sql``), as listed
    ignored: tuple[IgnoredFolder, ...] = ()
    # tag -> document, built on the first lookup by tag (``sql`` is complete by then: a folder
    # is built whole, by load_folder, with_texts or with_buffers); for this very ``sql`` dict
    _by_tag: tuple[dict[Path, SqlDocument], dict[str, SqlDocument]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def document_for_tag(self, tag: str) -> SqlDocument | None:
        # by tag, a str: the rules that replay a folder, and J001's fix, look up every entry on
        # each analysis, and a Path's hash and equality are Python code
        index = self._by_tag
        if index is None or index[0] is not self.sql:
            index = self._by_tag = (self.sql, self._tag_index())
        return index[1].get(tag)

    def _tag_index(self) -> dict[str, SqlDocument]:
        """The documents at their tag's path (a loose file named on the command line has a tag
        too, but is not where the journal's entry of that tag would be)."""
        found = {}
        for path, document in self.sql.items():
            at = self.sql_path(document.tag)
            if path is at or path == at:
                found[document.tag] = document
        return found

    def sql_path(self, tag: str) -> Path:
        return _sql_path(self.root, self.layout, tag)


@dataclass(frozen=True, slots=True)
class IgnoredFolder:
    """A subfolder of a v1 folder without a ``migration.sql``, and the names of the files in it
    (sorted; subfolders of its own left out)."""

    path: Path
    files: tuple[str, ...]


@lru_cache(maxsize=16384)
def _sql_path(root: Path, layout: Layout, tag: str) -> Path:
    # cached: J002 asks for every entry's file on every analysis, and joining paths costs ~3 µs
    if layout is Layout.V1:
        return root / tag / V1_FILE
    return root / f"{tag}.sql"


def is_journal_folder(folder: Path) -> bool:
    """Whether ``folder`` has a journal, or a ``meta/`` we may not look into (reported as an
    unreadable journal rather than passed over: it may well hold one)."""
    return _file_or_unreadable(folder / JOURNAL)


def _file_or_unreadable(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # EACCES: Path.is_file only swallows "no such file" kinds of errors
        return True


def is_v1_folder(folder: Path) -> bool:
    """Whether ``folder`` is a v1 migrations folder: one of its subfolders is named as drizzle-kit
    names a v1 migration and holds its ``migration.sql`` (once it is, every subfolder holding a
    ``migration.sql`` is one of its migrations, whatever its name)."""
    try:
        return any(
            V1_DIR.match(child.name) and (child / V1_FILE).is_file()
            for child in folder.iterdir()
            if child.is_dir()
        )
    except OSError:
        return False


@lru_cache(maxsize=16384)  # every analysis asks for every name
def v1_created_at(name: str) -> int | None:
    """The ``created_at`` drizzle-orm 1.0's migrator computes from a folder name (epoch ms), or
    None where it computes NaN (and its insert into the migrations table fails).

    As ``formatToMillis``: ``Date.UTC`` of ``parseInt`` of the name's first 14 characters taken
    2 or 4 at a time, which reads the leading digits of each piece (``"0a"`` is 0) and is NaN
    for a piece that does not start with one.
    """
    pieces = [_parse_int(name[a:b]) for a, b in _DATE_PIECES]
    if any(p is None for p in pieces):
        return None
    year, month, day, hour, minute, second = (p for p in pieces if p is not None)
    if 0 <= year <= 99:
        year += 1900  # Date.UTC reads a two-digit year as 19xx
    # Date.UTC takes months from 0 and carries an out-of-range month, day, hour... over
    month -= 1
    days = _days_from_civil(year + month // 12, month % 12 + 1, 1) + day - 1
    millis = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000
    return millis if abs(millis) <= _DATE_RANGE_MS else None


_DATE_RANGE_MS = 8_640_000_000_000_000  # a JavaScript Date's range: NaN beyond


_DATE_PIECES = ((0, 4), (4, 6), (6, 8), (8, 10), (10, 12), (12, 14))
_LEADING_INT = re.compile(r"^[\t\n\v\f\r \u00a0\ufeff]*([+-]?)(\d+)")


def _parse_int(piece: str) -> int | None:
    """JavaScript's ``parseInt(piece, 10)``, None for NaN (Unicode spaces other than the usual
    ones are not skipped: folder names do not hold them)."""
    found = _LEADING_INT.match(piece)
    if found is None:
        return None
    value = int(found[2])
    return -value if found[1] == "-" else value


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to a proleptic Gregorian date (any year, negative ones too)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


@lru_cache(maxsize=16384)
def v1_order_key(name: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """A sort key giving folder names the order drizzle-orm 1.0's migrator runs them in:
    ``a.localeCompare(b)``, ICU's root collation. Its primary level compares characters with
    letters case-blind, punctuation before digits before letters (``_`` before ``-``); then
    accents (an accented letter after its base letter); ties go to lower case first. Exact for
    ASCII names; other characters follow the letters, by code point."""
    decomposed = [unicodedata.normalize("NFD", c) for c in name]
    primary = tuple(_PRIMARY.get(d[0].lower(), _BEYOND + ord(d[0])) for d in decomposed)
    secondary = tuple(sum(map(ord, d[1:])) for d in decomposed)
    tertiary = tuple(int(c.isupper()) for c in name)
    return primary, secondary, tertiary


# printable ASCII as ICU's root collation orders it (node: sort with localeCompare)
_ICU_ASCII = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz"
_PRIMARY = {c: rank for rank, c in enumerate(_ICU_ASCII)}
_BEYOND = len(_ICU_ASCII)


def folder_layout(folder: Path) -> Layout | None:
    if is_journal_folder(folder):
        return Layout.JOURNAL
    if is_v1_folder(folder):
        return Layout.V1
    return None


def owning_folder(path: Path) -> tuple[Path, Layout] | None:
    """The migrations folder a file belongs to (its journal, a .sql beside meta/, a v1
    migration's ``migration.sql``, or a file of a v1 subfolder the migrator passes over)."""
    path = path.absolute()
    if path.name == JOURNAL.name and path.parent.name == "meta":
        return (path.parent.parent, Layout.JOURNAL)
    if path.name == V1_FILE and V1_DIR.match(path.parent.name):
        return (path.parent.parent, Layout.V1)
    if path.suffix == ".sql" and is_journal_folder(path.parent):
        return (path.parent, Layout.JOURNAL)
    if is_snapshot_path(path) and is_journal_folder(path.parent.parent):
        return (path.parent.parent, Layout.JOURNAL)
    if is_v1_folder(path.parent.parent) and (
        path.name == V1_FILE or not _exists(path.parent / V1_FILE)
    ):
        return (path.parent.parent, Layout.V1)
    return None


def _exists(path: Path) -> bool:
    """``fs.existsSync``: a file or a directory, through links."""
    try:
        return path.exists()
    except OSError:
        return False


def is_snapshot_path(path: Path) -> bool:
    """Whether ``path`` names a drizzle-kit snapshot, ``<folder>/meta/NNNN_snapshot.json``."""
    return path.parent.name == "meta" and is_snapshot_name(path.name)


def find_folders(tree: Path) -> Iterator[tuple[Path, Layout]]:
    """Every migrations folder under ``tree`` (skipping node_modules, .git and hidden folders)."""
    return ((path, layout) for path, layout in search_tree(tree) if layout is not None)


def search_tree(tree: Path) -> Iterator[tuple[Path, Layout | None]]:
    """Every directory the search for migrations folders visits under ``tree``, ``tree`` first,
    with its layout (None: not a migrations folder, searched further)."""
    for dirpath, dirnames, _ in os.walk(tree):
        here = Path(dirpath)
        layout = folder_layout(here)
        yield here, layout
        if layout is not None:
            dirnames[:] = []  # a migrations folder does not nest another
            continue
        dirnames[:] = sorted(d for d in dirnames if searched(d))


def searched(name: str) -> bool:
    """Whether the search descends into a directory of this name."""
    return name not in SKIPPED_DIRS and not name.startswith(".")


def search_paths(paths: Iterable[Path]) -> Iterator[tuple[Path, Layout | None]]:
    """As :func:`search_tree` for folders named explicitly (the config's ``migrations``): each
    one that is a migrations folder and the directory holding it, or, for one that is not (yet),
    the directories where it would become one: its own tree, or its nearest existing parent."""
    for path in paths:
        layout = folder_layout(path)
        if layout is not None:
            yield path.parent, None
            yield path, layout
        elif _is_dir(path):
            yield from ((p, kind) for p, kind in search_tree(path) if kind is None)
        else:
            yield next(p for p in path.parents if _is_dir(p)), None


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def sql_paths(root: Path, layout: Layout) -> list[Path]:
    if layout is Layout.V1:
        return [root / name / V1_FILE for name in v1_names(root)]
    # names sorted as strings, then made paths: as ``sorted(root.glob("*.sql"))`` with its
    # is_file() stats, in a third of the time for a thousand files (the scan's first step)
    with os.scandir(root) as entries:
        names = sorted(e.name for e in entries if e.name.endswith(".sql") and _listed(e))
    return [root / name for name in names]


def _listed(entry: os.DirEntry[str]) -> bool:
    """A regular file, or one we cannot stat (a link into a directory we may not read): that
    one is listed, so that it is reported as unreadable, not as missing (J002)."""
    try:
        return entry.is_file()
    except OSError:
        return True


@lru_cache(maxsize=16384)
def v1_snapshot_path(migration: Path) -> Path:
    """The ``snapshot.json`` beside a v1 migration's ``migration.sql`` (cached: joining paths
    costs microseconds, and V001 asks for every one on every analysis)."""
    return migration.parent / V1_SNAPSHOT


def v1_names(root: Path) -> list[str]:
    """The names of a v1 folder's migrations, in the migrator's order: every entry of the folder
    with a ``migration.sql`` inside (``readdirSync`` + ``existsSync``), whatever its name."""
    with os.scandir(root) as entries:
        names = [e.name for e in entries if _exists(Path(e.path) / V1_FILE)]
    return sorted(names, key=v1_order_key)


def v1_ignored(root: Path) -> list[IgnoredFolder]:
    """The subfolders of a v1 folder that the migrator passes over without a word: those without
    a ``migration.sql`` (hidden ones aside: ``.git``, an editor's state), in the migrator's
    order."""
    with os.scandir(root) as entries:
        found = [
            Path(e.path)
            for e in entries
            if not e.name.startswith(".")
            and _is_dir_entry(e)
            and not _exists(Path(e.path) / V1_FILE)
        ]
    return [
        IgnoredFolder(path, _file_names(path))
        for path in sorted(found, key=lambda p: v1_order_key(p.name))
    ]


def _file_names(folder: Path) -> tuple[str, ...]:
    try:
        with os.scandir(folder) as entries:
            return tuple(sorted(e.name for e in entries if not _is_dir_entry(e)))
    except OSError:
        return ()


def _is_dir_entry(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


@lru_cache(maxsize=16384)
def tag_of(path: Path, layout: Layout) -> str:
    # cached: every analysis loads every file of the folder again
    return path.parent.name if layout is Layout.V1 else path.stem


def load_folder(
    root: Path,
    layout: Layout,
    reader: Reader = read_source,
    extra_sql: Iterable[Path] = (),
    sql_files: Iterable[Path] | None = None,
    snapshot_files: Iterable[Path] | None = None,
) -> MigrationFolder:
    """Read a folder's journal, SQL files and snapshots through ``reader``.

    ``sql_files`` and ``snapshot_files`` override the listings (the server knows files that
    exist only in the editor).
    """
    folder = MigrationFolder(root, layout)
    if layout is Layout.JOURNAL:
        folder.journal_path = root / JOURNAL
        try:
            folder.journal_source = reader(folder.journal_path)
            folder.journal = parse_journal(folder.journal_source.text)
        except SourceError as error:
            folder.journal_error = str(error)
        if snapshot_files is None:
            snapshot_files = snapshot_paths(folder.journal_path.parent)
        for path in sorted(snapshot_files, key=lambda p: p.name):
            folder.snapshots[path] = _load_snapshot(path, reader)
    if layout is Layout.V1:
        folder.ignored = _ignored_or_none(root)
        if snapshot_files is None:
            snapshot_files = _v1_snapshot_paths(root)
        for path in snapshot_files:
            folder.snapshots[path] = _load_snapshot(path, reader)
    paths = list(sql_files) if sql_files is not None else []
    if sql_files is None and layout is not Layout.LOOSE:
        paths = sql_paths(root, layout)
    for path in [*paths, *extra_sql]:
        # the very path object ``document_for_tag`` looks up (``sql_path`` is cached), as the
        # key and the document's path: lookups by tag, and by the paths of a fix's edits, then
        # match by identity instead of comparing two paths part by part (the rules that replay
        # a folder, and J001's fix, look up every entry on each analysis)
        canonical = folder.sql_path(tag_of(path, layout))
        path = canonical if canonical == path else path
        folder.sql[path] = _load_sql(path, layout, reader)
    return folder


def _v1_snapshot_paths(root: Path) -> list[Path]:
    """Each v1 migration's ``snapshot.json`` (drizzle-kit writes it beside ``migration.sql``)."""
    try:
        names = v1_names(root)
    except OSError:
        return []
    return [path for name in names if (path := root / name / V1_SNAPSHOT).is_file()]


def _ignored_or_none(root: Path) -> tuple[IgnoredFolder, ...]:
    try:
        return tuple(v1_ignored(root))
    except OSError:
        return ()


def _load_sql(path: Path, layout: Layout, reader: Reader) -> SqlDocument:
    tag = tag_of(path, layout)
    try:
        return SqlDocument(path, tag, reader(path))
    except SourceError as error:
        return SqlDocument(path, tag, None, str(error))


def _load_snapshot(path: Path, reader: Reader) -> SnapshotDocument:
    try:
        return SnapshotDocument(path, reader(path))
    except SourceError as error:
        return SnapshotDocument(path, None, str(error))


def with_texts(
    folder: MigrationFolder, texts: dict[Path, str], deleted: Iterable[Path] = ()
) -> MigrationFolder:
    """A copy of ``folder`` whose files in ``texts`` have new text (BOMs kept), without the
    ``deleted`` ones.

    What ``load_folder`` would read back through a reader serving ``texts`` over the folder's
    own sources, built without reloading the files that did not change: fixes are verified on
    such copies, and a folder has a thousand files of which a fix touches one or two.
    """
    fixed = MigrationFolder(folder.root, folder.layout, ignored=folder.ignored)
    if folder.layout is Layout.JOURNAL:
        fixed.journal_path = path = folder.root / JOURNAL
        original = source_of(folder, path)
        if path in texts:
            fixed.journal_source = SourceText(texts[path], original.bom if original else False)
            fixed.journal = parse_journal(texts[path])
        elif original is None:
            fixed.journal_error = _unreadable(path)
        else:
            fixed.journal_source = original
            same = original is folder.journal_source and folder.journal is not None
            fixed.journal = folder.journal if same else parse_journal(original.text)
    fixed.snapshots = dict(folder.snapshots)  # no fix edits a snapshot
    fixed.sql = dict(folder.sql)  # the documents that do not change are shared
    for path, document in folder.sql.items():
        if document.source is None and path not in texts:
            fixed.sql[path] = SqlDocument(path, document.tag, None, _unreadable(path))
    for path in texts.keys() & folder.sql.keys():
        document = folder.sql[path]
        bom = document.source.bom if document.source else False
        fixed.sql[path] = SqlDocument(path, document.tag, SourceText(texts[path], bom))
    for path in deleted:
        fixed.sql.pop(path, None)
    return fixed


def with_buffers(folder: MigrationFolder, texts: Mapping[Path, str]) -> MigrationFolder:
    """``folder`` as ``load_folder`` would read it again if only the files in ``texts``, editor
    buffers read before too, had changed: their new text, every other file's document shared.
    (Reading a thousand files back from a cache costs milliseconds per keystroke.)"""
    fresh = replace(folder, sql=dict(folder.sql), snapshots=dict(folder.snapshots))
    index = folder._by_tag
    # the tag index carried over, the changed documents put in: building it again looks up
    # every file's path on each keystroke
    by_tag = dict(index[1]) if index is not None and index[0] is folder.sql else None
    for path, text in texts.items():
        if path == folder.journal_path:
            fresh.journal_source, fresh.journal = SourceText(text), parse_journal(text)
        elif path in folder.snapshots:
            fresh.snapshots[path] = SnapshotDocument(path, SourceText(text))
        else:
            old = folder.sql[path]
            new = fresh.sql[path] = SqlDocument(path, old.tag, SourceText(text))
            if by_tag is not None and by_tag.get(old.tag) is old:
                by_tag[old.tag] = new
    if by_tag is not None:
        fresh._by_tag = (fresh.sql, by_tag)
    return fresh


def _unreadable(path: Path) -> str:
    return f"{path}: cannot read"  # what load_folder records when the reader has no text


def source_of(folder: MigrationFolder, path: Path) -> SourceText | None:
    """The source (text and BOM) of one of the folder's files, as loaded."""
    # the SQL files first: found by identity (see load_folder), where a comparison with the
    # journal's path compares them part by part
    document: SqlDocument | SnapshotDocument | None = folder.sql.get(path)
    if document is None and path == folder.journal_path:
        return folder.journal_source
    document = document or folder.snapshots.get(path)
    return document.source if document else None


def folder_texts(folder: MigrationFolder) -> dict[Path, str]:
    """The current text of every readable file of the folder."""
    texts = {p: d.source.text for p, d in folder.sql.items() if d.source is not None}
    texts.update((p, d.source.text) for p, d in folder.snapshots.items() if d.source is not None)
    if folder.journal_path is not None and folder.journal_source is not None:
        texts[folder.journal_path] = folder.journal_source.text
    return texts
