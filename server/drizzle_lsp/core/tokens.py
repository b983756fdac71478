"""SQL tokens from PostgreSQL's own scanner, for rules that need to know where to splice.

``pglast.parser.scan`` reports each token's start and its *inclusive* end as str indexes (pglast
8.8); :class:`Token` turns that into a half-open ``[start, end)`` range, offset by ``base`` so the
tokens of a piece of text can be placed in the file that holds it. Comments are tokens too
(``SQL_COMMENT``, ``C_COMMENT``); :func:`code_tokens` leaves them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pglast import parser

COMMENTS = frozenset({"SQL_COMMENT", "C_COMMENT"})


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int  # exclusive
    name: str  # pglast's token name: "CREATE", "IDENT", "SCONST", "ASCII_59" (``;``), ...
    kind: str  # "RESERVED_KEYWORD", "UNRESERVED_KEYWORD", ..., "NO_KEYWORD"

    def text(self, source: str) -> str:
        return source[self.start : self.end]


@lru_cache(maxsize=65536)
def _scan(text: str) -> tuple[Token, ...] | None:
    try:
        raw = parser.scan(text)
    except parser.ParseError:
        return None  # an unterminated string or comment
    return tuple(Token(t.start, t.end + 1, t.name, t.kind) for t in raw)


def scan(text: str, base: int = 0) -> tuple[Token, ...] | None:
    """All tokens of ``text``, comments included, placed at ``base``; None if it does not scan."""
    tokens = _scan(text)
    if tokens is None or base == 0:
        return tokens
    return tuple(Token(t.start + base, t.end + base, t.name, t.kind) for t in tokens)


def code_tokens(text: str, base: int = 0) -> tuple[Token, ...] | None:
    """The tokens of ``text`` without comments, placed at ``base``; None if it does not scan."""
    tokens = scan(text, base)
    return None if tokens is None else tuple(t for t in tokens if t.name not in COMMENTS)
