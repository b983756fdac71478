"""A broken journal read the way ``JSON.parse`` meets its errors: one at a time, each repaired.

tree-sitter recovers from a syntax error by guessing, and a wrong guess spreads: after a comma
missing between two entries it may read the keys of the next entry as elements of ``entries``
(each one more error, and not an object) and every later entry one position off. A strict
parser (``json``) stops where ``JSON.parse`` stops instead. There a few small edits are tried,
the slips a merge or a hand edit makes: a comma added or removed, a closing bracket added, a
comment removed. The edit with which the strict parser reads furthest repairs that error (the
first one with which it reads the whole text, if any), and the search goes on from there. Each
repair is one syntax error, reported where the strict parser stopped; tree-sitter then reads the
repaired text, whose entries are the ones the author wrote.

An error no such edit gets well past (a mangled value, text cut off) ends the search: it is
reported as it is, and what follows it is read as tree-sitter can. An edit after which the
strict parser stops again a few tokens on is no repair: it would report one mangled spot as a
series of errors.

Removed characters become spaces and added ones are tracked, so that every index of the
repaired text maps back to an index of the journal's own text.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from drizzle_lsp.core.diagnostics import Span

# more errors than that: not a journal being edited by hand (each costs up to ten strict parses,
# which stop at the next error)
MAX_REPAIRS = 20
# a repair after which the strict parser stops again within that many tokens is not believed:
# the text there is mangled (`"when": 1715564,774423`), and repairing it bit by bit would report
# each bit as an error of its own
BELIEVABLE = 8
BLANKS = " \t\r\n"
_BLANK_RUN = re.compile(r"[ \t\r\n]*")
# one token of (maybe broken) JSON: a string up to the end of its line, a number, a word, a
# comment, or any other single character
_TOKEN = re.compile(
    r'"(?:[^"\\\n]|\\.)*"?|-?[0-9][0-9.eE+-]*|[A-Za-z_]\w*|//[^\n]*|/\*(?:[^*]|\*(?!/))*(?:\*/)?|.',
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Repair:
    """One syntax error (the journal's indexes), repaired or not."""

    message: str
    span: Span  # where it is reported: the token where the strict parser stopped, or the culprit
    around: Span  # from the end of the token before the error to the end of ``span``


@dataclass(frozen=True, slots=True)
class _Text:
    """A text being repaired, and the indexes in it of the characters the repairs added."""

    text: str
    added: tuple[int, ...] = ()

    def original(self, index: int) -> int:
        """The journal's index for ``index`` (an added character: where it was added)."""
        return _original(self.added, index)

    def original_span(self, span: Span) -> Span:
        return Span(self.original(span.start), self.original(span.end))

    def blanked(self, span: Span) -> _Text:
        blanks = " " * (span.end - span.start)
        return _Text(self.text[: span.start] + blanks + self.text[span.end :], self.added)

    def inserted(self, at: int, chars: str) -> _Text:
        shifted = (i if i < at else i + len(chars) for i in self.added)
        added = tuple(sorted((*shifted, *range(at, at + len(chars)))))
        return _Text(self.text[:at] + chars + self.text[at:], added)


@dataclass(frozen=True, slots=True)
class Repaired:
    """The repaired text, the errors repaired, and the first error no repair got past."""

    text: str
    repairs: tuple[Repair, ...]
    stuck: Repair | None
    added: tuple[int, ...]  # the indexes in ``text`` of the characters the repairs added

    def original(self, index: int) -> int:
        """The journal's index for ``index`` of the repaired text."""
        return _original(self.added, index)


def _original(added: tuple[int, ...], index: int) -> int:
    return index - bisect.bisect_left(added, index)


def repair(text: str) -> Repaired:
    """``text`` with its syntax errors repaired in order, as far as small edits can."""
    current, repairs = _Text(text), list[Repair]()
    error = _first_error(text)
    while error is not None and len(repairs) < MAX_REPAIRS and not _at_end(current.text, error):
        found = _best_repair(current, error)
        if found is None:
            break
        current, repaired = found
        repairs.append(repaired)
        error = _first_error(current.text)
    stuck = None if error is None else _unexpected(current, error)
    return Repaired(current.text, tuple(repairs), stuck, current.added)


def _first_error(text: str) -> int | None:
    """Where ``JSON.parse`` stops reading ``text`` (None: it reads all of it, or cannot tell)."""
    try:
        json.loads(text, parse_int=len)  # the values do not matter here, only where it stops
    except json.JSONDecodeError as error:
        return error.pos
    except RecursionError:  # nesting deeper than json's recursion: leave it to tree-sitter
        return None
    return None


def _at_end(text: str, error: int) -> bool:
    # what is missing after the last token is the text cut off, not a slip to repair
    return error >= len(text.rstrip(BLANKS))


def _best_repair(current: _Text, error: int) -> tuple[_Text, Repair] | None:
    """The candidate edit with which the strict parser reads all of the text, or else furthest
    past ``error`` (and at least ``BELIEVABLE`` tokens past it)."""
    best, furthest = None, current.original(error)  # an edit must get past the error
    for candidate, repaired in _candidates(current, error):
        after = _first_error(candidate.text)
        if after is None:
            return candidate, repaired  # the first in order of preference that reads it all
        # every edit is at or before the error: the error moved by the change in length
        moved = error + len(candidate.text) - len(current.text)
        reach = candidate.original(after)
        if reach > furthest and _believable(candidate.text, moved, after):
            best, furthest = (candidate, repaired), reach
    return best


def _believable(text: str, error: int, after: int) -> bool:
    """Whether the strict parser reads ``BELIEVABLE`` tokens from ``error`` before ``after``."""
    at = error
    for _ in range(BELIEVABLE):
        at = _BLANK_RUN.match(text, at).end()  # type: ignore[union-attr]  # always matches
        if at >= after:
            return False
        at = _TOKEN.match(text, at).end()  # type: ignore[union-attr]  # `.` matches any
    return True


def _candidates(current: _Text, error: int) -> Iterator[tuple[_Text, Repair]]:
    """Each small edit that may repair the error at ``error``, the likeliest slips first."""
    text = current.text
    before = len(text[:error].rstrip(BLANKS))  # the end of the token before the error
    token = _token(text, error)
    shown = _shown(text, token)

    def report(message: str, span: Span = token) -> Repair:
        return _repair(current, message, span, before)

    if text.startswith(("//", "/*"), error):
        yield current.blanked(token), report("comments are not allowed (`JSON.parse` rejects them)")
    yield current.inserted(before, ","), report(f"missing `,` before {shown}")
    if text.startswith((",", "}", "]"), error):  # `,,`, or a line `},` twice
        yield current.blanked(token), report(f"unexpected {shown}")
    previous = Span(before - 1, before) if before else None  # the last character before
    comma = previous if previous is not None and text[before - 1] == "," else None
    if comma is not None:
        yield current.blanked(comma), report("trailing comma", comma)
    elif previous is not None and text[before - 1] in "}]":  # `{}` typed over `{`
        yield current.blanked(previous), report(f"unexpected `{text[before - 1]}`", previous)
    for closer in ("}", "]"):
        # a line `},` lost in a merge, or only its bracket
        yield current.inserted(before, closer + ","), report(f"missing `{closer},` before {shown}")
        yield current.inserted(before, closer), report(f"missing `{closer}` before {shown}")
        if comma is not None:
            missing = f"missing `{closer}` before `,`"
            yield current.inserted(comma.start, closer), report(missing, comma)
    yield current.inserted(before, ":"), report(f"missing `:` before {shown}")


def _unexpected(current: _Text, error: int) -> Repair:
    text = current.text
    token = _token(text, error)
    before = len(text[:error].rstrip(BLANKS))
    return _repair(current, f"unexpected {_shown(text, token)}", token, before)


def _repair(current: _Text, message: str, span: Span, before: int) -> Repair:
    """The error at ``span`` of ``current``, whose token before it ends at ``before``."""
    around = Span(min(before, span.start), span.end)
    return Repair(
        f"invalid JSON: {message}", current.original_span(span), current.original_span(around)
    )


def _token(text: str, at: int) -> Span:
    found = _TOKEN.match(text, at)
    return Span(at, found.end() if found is not None else at)


def _shown(text: str, token: Span) -> str:
    raw = text[token.start : token.end]
    if not raw:
        return "the end of the journal"
    if len(raw) == 1 and not raw.isprintable():  # a control character inside a string
        return f'`{json.dumps(raw)}` inside a string (is its closing `"` missing?)'
    raw = raw.split("\n", 1)[0]  # a string left open: up to the end of its line
    return f"`{raw if len(raw) <= 30 else raw[:29] + '…'}`"
