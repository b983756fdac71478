"""The journal: ``meta/_journal.json`` read into a model with the exact range of every key and
value (:mod:`.model`).

A journal as drizzle-kit writes it takes the fast reader (:mod:`.fast`); any other text (broken
JSON, conflict markers, a key twice) the tolerant one (:mod:`.tolerant`), through tree-sitter.
Both give the same model of the same text. Parses are cached by text (fix verification and undo
parse the same text again), and the fast reader starts from the closest recent parse.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from functools import lru_cache

from drizzle_lsp.core.fixes import common_ends
from drizzle_lsp.core.journal.fast import _parse_plain
from drizzle_lsp.core.journal.model import (
    MAX_SAFE_WHEN,
    Field,
    Journal,
    JournalEntry,
    JSONValue,
    SyntaxProblem,
    bounded_int,
    format_when,
    is_unicode,
)
from drizzle_lsp.core.journal.tolerant import _parse_tolerant

__all__ = [
    "MAX_SAFE_WHEN",
    "Field",
    "JSONValue",
    "Journal",
    "JournalEntry",
    "SyntaxProblem",
    "bounded_int",
    "format_when",
    "is_unicode",
    "parse_journal",
]


def parse_journal(text: str) -> Journal:
    """The journal model of ``text`` (cached: the same text gives the same object)."""
    return _parse_cached(text)


@lru_cache(maxsize=4)
def _parse_cached(text: str) -> Journal:
    plain = _parse_plain(text, _closest(_recent_plain, text))
    if plain is None:
        return _parse_tolerant(text)
    _recent_plain.append(plain)
    return plain


# the last fast-path parses: an edit in the editor makes a text close to the one before it, a
# fix one close to the text it fixes (appended from two threads at most: deque is thread-safe)
_recent_plain: deque[Journal] = deque(maxlen=4)


def _closest(journals: Iterable[Journal], text: str) -> Journal | None:
    """The journal whose text shares the most leading and trailing characters with ``text``."""
    best, best_shared = None, 0
    for journal in list(journals):
        head, tail = common_ends(journal.text, text)
        if head + tail > best_shared:
            best, best_shared = journal, head + tail
    return best
