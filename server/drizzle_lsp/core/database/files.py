"""A migrations folder on disk against the applied rows: each file hashed as the migrator hashes
it, the bytes on disk (BOM and CRLF kept), not an editor's unsaved buffer, since that is what
``migrate()`` will read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from drizzle_lsp.core.database.migrator import (
    AppliedRow,
    DatabaseView,
    FolderStatus,
    status_from_digests,
)
from drizzle_lsp.core.database.migrator_v1 import (
    LocalMigration,
    TableShape,
    v1_status,
)
from drizzle_lsp.core.folder import Layout, v1_created_at
from drizzle_lsp.core.migration import drizzle_hash
from drizzle_lsp.core.run_once import Identity, former_identities
from drizzle_lsp.core.source import SourceError, read_bytes

if TYPE_CHECKING:
    from drizzle_lsp.core.folder import MigrationFolder
    from drizzle_lsp.core.journal import Journal


def read_migration_text(path: Path) -> str | None:
    """A migration file's text exactly as the migrator sees it, or None when it is missing or
    cannot be read (not a regular file, too large: see :func:`read_bytes`)."""
    try:
        return read_bytes(path).decode("utf-8", "replace")
    except (FileNotFoundError, SourceError):
        return None


def file_digest(path: Path) -> str | None:
    """The hash the migrator would store for ``path`` now (None: no such file)."""
    text = read_migration_text(path)
    return None if text is None else drizzle_hash(text)


class FileDigests:
    """:func:`file_digest` per path, kept until the file changes.

    An editor re-checks a folder on every keystroke; re-hashing every migration each time is
    wasted work. With ``verify`` (the default) a file is stat'ed on each call and re-read when
    its size or mtime changed; without it (the language server, whose watcher reports every
    change, as for its other cached file texts) only ``invalidate`` and ``clear`` make it
    re-read: a stat is ~25 us, 25 ms per keystroke in a 1,000-file folder. Thread-safe.
    """

    def __init__(self, verify: bool = True) -> None:
        self.verify = verify
        self._known: dict[Path, tuple[tuple[int, int], str]] = {}
        self._lock = threading.Lock()

    def __call__(self, path: Path) -> str | None:
        with self._lock:
            known = self._known.get(path)
        if known is not None and not self.verify:
            return known[1]
        try:
            stat = path.stat()
        except OSError:
            self.invalidate(path)
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if known is not None and known[0] == stamp:
            return known[1]
        digest = file_digest(path)
        if digest is not None:
            with self._lock:
                self._known[path] = (stamp, digest)
        return digest

    def invalidate(self, path: Path) -> None:
        with self._lock:
            self._known.pop(path, None)

    def clear(self) -> None:
        with self._lock:
            self._known.clear()


def folder_status(
    folder: Path,
    journal: Journal,
    rows: Sequence[AppliedRow],
    digest_of: Callable[[Path], str | None] = file_digest,
    former: Mapping[str, tuple[Identity, ...]] | None = None,
) -> FolderStatus:
    """The status of ``journal`` (of the migrations folder ``folder``) against ``rows``.

    Each ``<tag>.sql`` is hashed as the migrator hashes it: the bytes on disk (BOM and CRLF
    kept), not an editor's unsaved buffer, since that is what ``migrate()`` will read.
    """
    digests = {e.tag: digest_of(folder / f"{e.tag}.sql") for e in journal.entries if e.tag}
    return status_from_digests(journal, digests, rows, former)


def database_view(
    folder: MigrationFolder,
    rows: Sequence[AppliedRow],
    label: str,
    digest_of: Callable[[Path], str | None] = file_digest,
    shape: TableShape = TableShape.V0,
) -> DatabaseView | None:
    """``folder`` (its journal as loaded, its files as on disk) against ``rows``, for the D rules;
    a v1 folder (no journal) against a table of ``shape``, as drizzle-orm v1 sees it.

    None without a journal ``migrate()`` can read: with syntax errors (or a BOM) every row would
    look unknown and every entry pending, while the user is half-way through an edit.
    """
    if folder.layout is Layout.V1:
        # the folders on disk: one open only in an editor is not there for the migrator
        digests = {doc.tag: digest_of(doc.path) for doc in folder.sql.values()}
        local = [
            LocalMigration(tag, digest, v1_created_at(tag))
            for tag, digest in digests.items()
            if digest is not None
        ]
        return DatabaseView(FolderStatus((), ()), label, v1_status(local, rows, shape))
    journal = folder.journal
    if journal is None or journal.syntax_errors:
        return None
    if folder.journal_source is not None and folder.journal_source.bom:
        return None
    former = {
        document.tag: former_identities(document.source.text)
        for document in folder.sql.values()
        if document.source is not None
    }
    return DatabaseView(folder_status(folder.root, journal, rows, digest_of, former), label)
