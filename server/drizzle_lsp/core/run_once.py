"""Run-once guards: a migration's SQL made to run only where it has not been applied before.

Re-dating a journal entry (J001's fix) makes the migrator run it again on every database that
applied it under its old date. A guard wraps each chunk of the migration, untouched, in a ``DO``
block that ``EXECUTE``s it only when the migrations table holds no row for the migration's
previous identity (its old ``when`` as ``created_at``, or the sha256 of its old text as
``hash``): databases that applied it skip its statements, the others (an empty one, or one that
skipped it) run them, in journal order. A guard that is guarded again gets the new identity added
to its condition instead of a second wrapper.

Only the text between a chunk's first and last non-blank characters moves inside the guard: the
breakpoints, blank lines and comments around it stay where they were.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from drizzle_lsp.core import pgtree
from drizzle_lsp.core.diagnostics import Edit
from drizzle_lsp.core.fixes import apply_edits
from drizzle_lsp.core.folder import SqlDocument
from drizzle_lsp.core.migration import Chunk, MigrationFile, drizzle_hash, parse_chunk
from drizzle_lsp.core.source import SourceText

GUARD_COMMENT = "-- drizzle-lsp run-once guard (generated): skipped where this migration ran"
# the words a transaction statement starts with (BEGIN, COMMIT, ROLLBACK, ...)
_TRANSACTION_WORD = re.compile(
    r"\b(begin|start|commit|end|rollback|abort|savepoint|release|prepare)\b", re.IGNORECASE
)
_OUTER = "drizzle_lsp"
_INNER = "drizzle_lsp_sql"

# the head of a guard as :func:`_wrap` writes it; the condition is what a new identity extends
_GUARD = re.compile(
    r"-- drizzle-lsp run-once guard[^\r\n]*\r?\n"
    r"DO \$(?P<outer>drizzle_lsp\w*)\$ BEGIN IF NOT EXISTS \(SELECT 1 FROM (?P<table>.+?)\r?\n"
    r"  WHERE (?P<condition>.+?)\) THEN EXECUTE \$(?P<inner>drizzle_lsp\w*)\$\r?\n"
)


@dataclass(frozen=True, slots=True)
class Identity:
    """A row of the migrations table that means a migration ran: its ``created_at`` and its
    ``hash``, each compared unless None. One term of a guard's condition."""

    when: int | None
    hash: str | None

    def matches(self, created_at: int | None, digest: str) -> bool:
        return (self.when is None or created_at == self.when) and (
            self.hash is None or digest == self.hash
        )

    def sql(self) -> str:
        if self.hash is None:
            return f"created_at = {self.when}"
        if self.when is None:
            return f"hash = '{self.hash}'"
        return f"(created_at = {self.when} AND hash = '{self.hash}')"


@dataclass(frozen=True, slots=True)
class Guarded:
    """The edits that guard one file, or why it cannot be guarded (``edits`` then empty)."""

    edits: tuple[Edit, ...]
    problem: str | None = None


# a term as Identity.sql writes it
_TERM = re.compile(
    r"\(created_at = (?P<both_when>\d+) AND hash = '(?P<both_hash>[0-9a-f]+)'\)"
    r"|created_at = (?P<when>\d+)|hash = '(?P<hash>[0-9a-f]+)'"
)


def _terms(condition: str) -> list[Identity]:
    found = []
    for term in _TERM.finditer(condition):
        if term["both_when"] is not None:
            found.append(Identity(int(term["both_when"]), term["both_hash"]))
        elif term["when"] is not None:
            found.append(Identity(int(term["when"]), None))
        else:
            found.append(Identity(None, term["hash"]))
    return found


def former_identities(text: str) -> tuple[Identity, ...]:
    """The identities the guards of a migration's ``text`` name: the rows that mean it ran
    before it was re-dated."""
    if GUARD_COMMENT not in text:
        return ()  # most files: no guard to read
    found = (term for guard in _GUARD.finditer(text) for term in _terms(guard["condition"]))
    return tuple(dict.fromkeys(found))


def migration_hash(document: SqlDocument) -> str | None:
    """The ``hash`` drizzle stores for ``document`` as it is now (its BOM included)."""
    if document.source is None:
        return None
    return _hash(document.source.text, document.source.bom)


@lru_cache(maxsize=16384)
def _hash(text: str, bom: bool) -> str:
    # cached: J001's fix hashes every file of the folder on each analysis of a late journal
    return drizzle_hash(("\ufeff" if bom else "") + text)


def identities(
    whens: Sequence[int | None], hashes: Sequence[str | None]
) -> list[tuple[Identity, ...]]:
    """Each migration's identities among those of one folder, given every entry's ``when``
    and file hash: its ``when`` and its hash where no other entry shares them, else both
    together; none without a ``when`` or a hash."""
    when_count = Counter(whens)
    hash_count = Counter(hashes)
    found = []
    for when, digest in zip(whens, hashes, strict=True):
        alone = [
            *([Identity(when, None)] if when is not None and when_count[when] == 1 else []),
            *([Identity(None, digest)] if digest is not None and hash_count[digest] == 1 else []),
        ]
        if not alone and when is not None and digest is not None:
            alone = [Identity(when, digest)]
        found.append(tuple(alone))
    return found


def guard_file(
    document: SqlDocument,
    known_as: Sequence[Identity],
    table: str,
    inside: Sequence[Edit] = (),
) -> Guarded:
    """Edits that make every chunk of ``document`` with statements run only where no row of
    ``table`` (a quoted, schema-qualified name) is one of ``known_as``; ``inside`` are edits
    of the statements (that do not overlap) to make as they go inside the guard."""
    if document.source is None:
        return Guarded((), f"{document.path.name} cannot be read ({document.error})")
    return _guarded(document.path, document.source, tuple(known_as), table, tuple(inside))


@lru_cache(maxsize=8192)
def _guarded(
    path: Path,
    source: SourceText,
    known_as: tuple[Identity, ...],
    table: str,
    inside: tuple[Edit, ...],
) -> Guarded:
    # cached: while a journal is out of order, every analysis (each keystroke in the editor)
    # guards every migration from the first late one on, and the files do not change
    migration = MigrationFile(source.text)
    if migration.syntax_errors:
        return Guarded((), f"{path.name} has a syntax error")
    edits: list[Edit] = []
    for chunk in migration.chunks:
        if _holds_transaction_statement(chunk):
            # inside a DO block it would fail instead of ending the migrator's transaction
            problem = "a transaction statement cannot run inside a guard"
            return Guarded((), f"{path.name}: {problem}")
        edits.extend(_guard_chunk(path, chunk, known_as, table, source.newline, inside))
    return Guarded(tuple(edits))


def _holds_transaction_statement(chunk: Chunk) -> bool:
    if not _TRANSACTION_WORD.search(chunk.text):
        return False  # no statement can be one: spare the parse
    return any(s.node.type_name == "TransactionStmt" for s in pgtree.parse(chunk.text))


def _guard_chunk(
    path: Path,
    chunk: Chunk,
    known_as: tuple[Identity, ...],
    table: str,
    newline: str,
    inside: Sequence[Edit],
) -> Iterator[Edit]:
    text = chunk.text
    body = text.strip()
    if not body or not _has_statements(chunk):
        return
    start = chunk.span.start + text.index(body[0])
    end = start + len(body)
    existing = _GUARD.match(body)
    if existing is not None and body.endswith(f"$; END IF; END ${existing['outer']}$;"):
        # guarded before: the new identities join its condition
        old = _terms(existing["condition"])
        if any(term not in old for term in known_as):
            at, to = start + existing.start("condition"), start + existing.end("condition")
            yield Edit.replace(path, at, to, condition([*old, *known_as]))
        return
    mine = [e for e in inside if start <= e.span.start and e.span.end <= end]
    body = apply_edits(body, [Edit(e.path, e.span.shifted(-start), e.new_text) for e in mine])
    head, tail = _wrap(body, condition(known_as), table, newline)
    yield Edit.replace(path, start, end, head + body + tail)


def condition(known_as: Sequence[Identity]) -> str:
    """The SQL of a guard's condition: any of ``known_as``, each once."""
    return " OR ".join(term.sql() for term in dict.fromkeys(known_as))


def _has_statements(chunk: Chunk) -> bool:
    return bool(parse_chunk(chunk.text).statements)


def _wrap(body: str, condition: str, table: str, newline: str) -> tuple[str, str]:
    outer = _free_tag(body, _OUTER)
    inner = _free_tag(body, _INNER)
    head = (
        f"{GUARD_COMMENT}{newline}"
        f"DO ${outer}$ BEGIN IF NOT EXISTS (SELECT 1 FROM {table}{newline}"
        f"  WHERE {condition}) THEN EXECUTE ${inner}${newline}"
    )
    tail = f"{newline}${inner}$; END IF; END ${outer}$;"
    return head, tail


def _free_tag(text: str, base: str) -> str:
    """A dollar-quote tag starting with ``base`` whose ``$tag$`` does not occur in ``text``."""
    tag, n = base, 0
    while f"${tag}$" in text:
        n += 1
        tag = f"{base}_{n}"
    return tag


def quoted_table(schema: str, table: str) -> str:
    return f"{_ident(schema)}.{_ident(table)}"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
