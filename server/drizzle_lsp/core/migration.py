"""The SQL model: a migration file split into chunks as the migrator splits it, each chunk parsed
by libpg_query (through pglast) into statements with exact ranges.

The drizzle-orm migrator splits a file on the literal text ``--> statement-breakpoint`` wherever it
stands and sends each chunk as one query, so a chunk is our unit of parsing too. Chunk parses are
cached by their text: re-analysing an edited file re-parses only the chunks whose text changed
(and a 5 MB file with non-ASCII text stays fast, since pglast is quadratic on one big text).
The cache keeps statement bounds and syntax errors only, found without building a tree; the parse
trees, which only the rules read, are parsed when asked for (:meth:`MigrationFile.tree`) rather
than kept for every chunk ever seen.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from drizzle_lsp.core import pgtree
from drizzle_lsp.core.diagnostics import Span
from drizzle_lsp.core.text import TextIndex, newline_of

BREAKPOINT = "--> statement-breakpoint"

# `-- drizzle-lsp-ignore` or `-- drizzle-lsp-ignore: S002, S003`
IGNORE_DIRECTIVE = re.compile(r"--\s*drizzle-lsp-ignore\b(?::\s*(?P<codes>[A-Za-z0-9_\-,\s]*))?")


@dataclass(frozen=True, slots=True)
class ParsedStatement:
    """A statement relative to its chunk: start/end str indexes, terminator = index of its ``;``."""

    start: int
    end: int
    terminator: int | None


@dataclass(frozen=True, slots=True)
class ChunkParse:
    statements: tuple[ParsedStatement, ...]
    error: tuple[str, int] | None  # (message, str index in the chunk)


# PostgreSQL reads a query up to its first NUL and refuses the message (08P01); libpg_query
# would silently parse only what comes before it
NUL_MESSAGE = "a NUL character (PostgreSQL refuses it: protocol_violation, 08P01)"


@lru_cache(maxsize=65536)
def parse_chunk(text: str) -> ChunkParse:
    """Parse one chunk; cached by text so unchanged chunks are never parsed twice."""
    if "\x00" in text:
        return ChunkParse((), (NUL_MESSAGE, text.index("\x00")))
    try:
        found = pgtree.bounds(text)
    except pgtree.ParseError as error:
        return _failed(text, error)
    return _chunk_parse(text, found)


def parse_chunk_and_trees(text: str) -> tuple[ChunkParse, list[pgtree.RawStatement]]:
    """:func:`parse_chunk` and the statements' trees from one parse, for a chunk whose trees
    will be read (one about to be linted): the parser runs once instead of twice. Not cached:
    trees are big, and the analyzer caches what the rules find in the chunk."""
    if "\x00" in text:
        return parse_chunk(text), []
    try:
        raw = pgtree.parse(text)
    except pgtree.ParseError as error:
        return _failed(text, error), []
    return _chunk_parse(text, [_trimmed(text, r.start, r.end) for r in raw]), raw


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` without its leading and trailing blanks, as ``pgtree.bounds`` gives it."""
    piece = text[start:end]
    return start + len(piece) - len(piece.lstrip()), start + len(piece.rstrip())


def _chunk_parse(text: str, bounds: list[tuple[int, int]]) -> ChunkParse:
    statements = tuple(ParsedStatement(start, end, _terminator(text, end)) for start, end in bounds)
    return ChunkParse(statements, None)


def _failed(text: str, error: pgtree.ParseError) -> ChunkParse:
    message, where = ((*error.args, None))[:2]
    # "syntax error at end of input" carries no index: the error is at the end
    at = len(text) if where is None else min(int(where), len(text))
    return ChunkParse((), (str(message), at))


def _terminator(text: str, end: int) -> int | None:
    i = end
    while i < len(text) and text[i].isspace():
        i += 1
    return i if i < len(text) and text[i] == ";" else None


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement of a file: absolute span (without the ``;``), its chunk and its place in it."""

    span: Span
    terminator: int | None
    chunk: int
    ordinal: int  # 0 for the chunk's first statement


@dataclass(frozen=True, slots=True)
class Chunk:
    number: int
    span: Span
    text: str


@dataclass(frozen=True, slots=True)
class SqlSyntaxError:
    message: str
    offset: int
    chunk: int


class MigrationFile:
    """One ``.sql`` migration: its chunks, statements, syntax errors and ignore comments."""

    def __init__(self, text: str, trees: bool = False, like: MigrationFile | None = None) -> None:
        """``trees``: parse the statements' trees now, with their bounds (the rules will read
        them); else each chunk's trees are parsed when first read. ``like``: a file this text
        was made from by a few edits (a fix): a statement of the same text takes its tree from
        there, and only the others are parsed, one by one."""
        self.text = text
        self.chunks = tuple(_split(text))
        self._like = like
        statements: list[Statement] = []
        errors: list[SqlSyntaxError] = []
        self._trees: dict[int, list[pgtree.RawStatement]] = {}
        for chunk in self.chunks:
            if trees and like is None:
                parsed, self._trees[chunk.number] = parse_chunk_and_trees(chunk.text)
            else:
                parsed = parse_chunk(chunk.text)
            base = chunk.span.start
            if parsed.error is not None:
                message, where = parsed.error
                errors.append(SqlSyntaxError(message, base + where, chunk.number))
            for ordinal, s in enumerate(parsed.statements):
                term = base + s.terminator if s.terminator is not None else None
                statements.append(
                    Statement(Span(base + s.start, base + s.end), term, chunk.number, ordinal)
                )
        self.statements = tuple(statements)
        self.syntax_errors = tuple(errors)

    def tree(self, statement: Statement) -> pgtree.Node:
        """The parse tree of one of this file's statements (its chunk parsed once per file)."""
        trees = self._trees.get(statement.chunk)
        if trees is None:
            if self._like is not None:
                return self._tree_like(statement)
            trees = self._trees[statement.chunk] = pgtree.parse(self.chunks[statement.chunk].text)
        return trees[statement.ordinal].node

    def _tree_like(self, statement: Statement) -> pgtree.Node:
        """The tree of ``statement``, from the file this one was made from when it has the same
        statement, else parsed alone (a statement parses the same wherever it stands)."""
        assert self._like is not None
        text = self.text[statement.span.start : statement.span.end]
        here = statement.span.start - self.chunks[statement.chunk].span.start
        known = self._like._by_text.get(text)
        if known is not None:
            there = known.span.start - self._like.chunks[known.chunk].span.start
            return self._like.tree(known).moved(here - there)
        parsed = pgtree.parse(text)
        if len(parsed) != 1:  # not one statement alone: read it in its chunk
            self._like = None
            return self.tree(statement)
        return parsed[0].node.moved(here)

    @cached_property
    def _by_text(self) -> dict[str, Statement]:
        return {self.text[s.span.start : s.span.end]: s for s in self.statements}

    @cached_property
    def index(self) -> TextIndex:
        return TextIndex(self.text)

    @cached_property
    def newline(self) -> str:
        """The line break a fix writes: the file's own."""
        return newline_of(self.text)

    def statements_in(self, chunk: int) -> list[Statement]:
        return self._by_chunk.get(chunk, [])

    @cached_property
    def _by_chunk(self) -> dict[int, list[Statement]]:
        by_chunk: dict[int, list[Statement]] = {}
        for statement in self.statements:
            by_chunk.setdefault(statement.chunk, []).append(statement)
        return by_chunk

    @cached_property
    def _statement_starts(self) -> list[int]:
        return [s.span.start for s in self.statements]

    def statement_at(self, offset: int) -> Statement | None:
        """The statement whose span holds ``offset`` (its ``;`` included)."""
        i = bisect.bisect_right(self._statement_starts, offset) - 1
        if i < 0:
            return None
        statement = self.statements[i]
        end = statement.terminator + 1 if statement.terminator is not None else statement.span.end
        return statement if offset <= end else None

    def statement_before(self, statement: Statement) -> Statement | None:
        """The statement before ``statement`` in the file, if any (in the same chunk or not)."""
        i = bisect.bisect_left(self._statement_starts, statement.span.start)
        return self.statements[i - 1] if i > 0 else None

    def ignored_codes(self, offset: int) -> frozenset[str] | None:
        """Codes suppressed at ``offset``; an empty set means all codes; None means none.

        A directive counts on the line above the statement holding ``offset`` or at the end of
        that statement's first line (the offset's own line when no statement holds it).
        """
        index = self.index
        statement = self.statement_at(offset)
        line = index.line_of(statement.span.start if statement else offset)
        candidates = [index.line_text(line)]
        if line > 0:
            above = index.line_text(line - 1).strip()
            if above.startswith("--"):
                candidates.append(above)
        found: set[str] | None = None
        for text in candidates:
            match = IGNORE_DIRECTIVE.search(text)
            if match is None:
                continue
            codes = {c.strip().upper() for c in (match["codes"] or "").split(",") if c.strip()}
            if not codes:
                return frozenset()
            found = (found or set()) | codes
        return frozenset(found) if found is not None else None


def _split(text: str) -> list[Chunk]:
    chunks: list[Chunk] = []
    start = 0
    for number, piece in enumerate(text.split(BREAKPOINT)):
        chunks.append(Chunk(number, Span(start, start + len(piece)), piece))
        start += len(piece) + len(BREAKPOINT)
    return chunks


def drizzle_hash(text: str) -> str:
    """The hash drizzle stores: sha256 of the file text re-encoded as UTF-8.

    The migrator hashes ``fs.readFileSync(path).toString()``: BOM and CRLF kept, invalid UTF-8
    replaced by U+FFFD; :func:`read_migration_text` decodes the same way.
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
