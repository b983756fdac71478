"""SQL tokens from PostgreSQL's own scanner, for rules that need to know where to splice.

``pglast.parser.scan`` reports each token's start and its *inclusive* end as str indexes (pglast
8.8); :class:`Token` turns that into a half-open ``[start, end)`` range, offset by ``base`` so the
tokens of a piece of text can be placed in the file that holds it. Comments are tokens too
(``SQL_COMMENT``, ``C_COMMENT``); :func:`code_tokens` leaves them out.
"""

from __future__ import annotations

from functools import lru_cache
from sys import intern
from typing import NamedTuple

from pglast import parser

COMMENTS = frozenset({"SQL_COMMENT", "C_COMMENT"})


class Token(NamedTuple):
    """A token (a named tuple: a statement has dozens, and a tuple is built in a third of the
    time of a frozen dataclass)."""

    start: int
    end: int  # exclusive
    name: str  # pglast's token name: "CREATE", "IDENT", "SCONST", "ASCII_59" (``;``), ...
    kind: str  # "RESERVED_KEYWORD", "UNRESERVED_KEYWORD", ..., "NO_KEYWORD"

    def text(self, source: str) -> str:
        return source[self.start : self.end]


# Small: rules run once per chunk text (the analyzer caches their results), so a statement is
# scanned again mostly while its fixes are verified (see docs/performance.md, token cache).
@lru_cache(maxsize=1024)
def _scan(text: str, base: int, code_only: bool) -> tuple[Token, ...] | None:
    """The tokens of ``text`` at ``base``, built in one pass over pglast's (a statement of a
    chunk starts after the breakpoint's newline: its tokens are placed, and most are code)."""
    try:
        raw = parser.scan(text)
    except parser.ParseError:
        return None  # an unterminated string or comment
    # pglast makes two new strings per token: share them (a few hundred distinct names);
    # ``tuple.__new__`` skips the named tuple's own ``__new__`` (a Python call per token).
    # pglast's ends are inclusive: ``last + past`` is the end after the token, placed
    new, past, left_out = tuple.__new__, base + 1, COMMENTS if code_only else frozenset()
    return tuple(
        [
            new(Token, (start + base, last + past, intern(name), intern(kind)))
            for start, last, name, kind in raw
            if name not in left_out
        ]
    )


def scan(text: str, base: int = 0) -> tuple[Token, ...] | None:
    """All tokens of ``text``, comments included, placed at ``base``; None if it does not scan."""
    return _scan(text, base, False)


def code_tokens(text: str, base: int = 0) -> tuple[Token, ...] | None:
    """The tokens of ``text`` without comments, placed at ``base``; None if it does not scan."""
    return _scan(text, base, True)


def code_token_bounds(text: str, base: int = 0) -> list[tuple[int, int]] | None:
    """``(start, end)`` of each code token of ``text``, placed at ``base``, without building
    tokens or caching them: for one look-up in a long text (where a syntax error stands)."""
    try:
        raw = parser.scan(text)
    except parser.ParseError:
        return None
    past = base + 1  # pglast's ends are inclusive
    return [(start + base, last + past) for start, last, name, _ in raw if name not in COMMENTS]
