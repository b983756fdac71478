"""J006 invalid-journal: the journal is not valid JSON or not a PostgreSQL Drizzle journal.

## What it does
Reports, at the offending token, everything in `meta/_journal.json` that the migrator or
drizzle-kit cannot read as a journal:
- a file that cannot be read, or is not UTF-8;
- invalid JSON: a syntax error (a comma missing or one too many, a missing `}`, a comment), a
  file cut off in the middle, an unresolved merge conflict (git's `<<<<<<<`, `=======`,
  `>>>>>>>` lines);
- a top level that is not an object with `version` (string), `dialect` (string) and `entries`
  (array of objects);
- a `dialect` other than `postgresql` or `pg` (this tool checks PostgreSQL migrations);
- an entry without `idx` (integer), `version` (string), `when` (integer, epoch milliseconds),
  `tag` (non-empty string, valid Unicode) or `breakpoints` (boolean), or with a value of the wrong
  type;
- a key written twice in one object (`JSON.parse` keeps the last one, silently);
- a `when` beyond 2^53 - 1 (JavaScript's largest exact integer): `JSON.parse` reads another
  number, and PostgreSQL's `bigint` may not hold it. The order rules leave such an entry out.

Each syntax error is reported once, where `JSON.parse` stops reading, and the journal is read
on as if it were repaired (the comma added or removed, the bracket closed): a comma missing
between two entries is one diagnostic, and the entries on both sides are read as written. An
unresolved merge conflict is one diagnostic, at its `<<<<<<<` line, and both of its sides are
read. After an error no such repair explains (a mangled value, say) the rest of the journal is
read as well as it can be, but no further syntax error is reported until that one is fixed.

The other journal rules still check the rest of the journal: they skip the values reported here.

About both migrators: the 0.x migrator reads the journal, and on a v1 project (J008) `drizzle-kit
up` must parse it to convert the folder.

## Why is this bad?
`migrate()` starts with `JSON.parse` of the journal: invalid JSON makes it throw, so no migration
runs on any database until the file is repaired. A missing or mistyped value fails later and
less clearly: without `tag` the migrator looks for `undefined.sql` and throws; a missing or
non-numeric `when` never compares greater than the last applied migration, so the entry is
skipped; `idx`, `version` and `breakpoints` are read by drizzle-kit (to number new migrations,
to upgrade the folder, to decide whether to write `--> statement-breakpoint`). A key repeated in
one entry, typically from a merge that joined two entries into one object, silently hides one of
the two migrations.

## Example
```json
{
  "version": "7",
  "dialect": "postgresql",
  "entries": [
<<<<<<< HEAD
    {"idx": 5, "version": "7", "when": 1718000100000, "tag": "0005_orders", "breakpoints": true}
=======
    {"idx": 5, "version": "7", "when": 1718000200000, "tag": "0005_invoices", "breakpoints": true}
>>>>>>> feature
  ]
}
```

## Use instead
Resolve the conflict by keeping both entries, in the order they should run, each with its own
`when` (J001 then checks the order, J004 the numbering):
```json
    {"idx": 5, "version": "7", "when": 1718000100000, "tag": "0005_orders", "breakpoints": true},
    {"idx": 6, "version": "7", "when": 1718000200000, "tag": "0005_invoices", "breakpoints": true}
```

## Fix safety
No fix: what the journal should say is for you to decide.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import cast

from drizzle_lsp.core.diagnostics import Severity, Span, Violation
from drizzle_lsp.core.journal import MAX_SAFE_WHEN, Field, Journal, JournalEntry, is_unicode
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope

RULE = RuleInfo(
    code="J006",
    name="invalid-journal",
    severity=Severity.ERROR,
    fixability=Fixability.NONE,
    scope=Scope.FOLDER,
    summary="The journal is not valid JSON or not a PostgreSQL Drizzle journal",
)

DIALECTS = ("postgresql", "pg")
UNREADABLE = "the migrator cannot read the journal, so no migration runs until it is fixed"

# key -> (python type, what the message calls it, what goes wrong without it)
ROOT_KEYS: dict[str, tuple[type, str, str]] = {
    "version": (str, "a string", "drizzle-kit reads it to upgrade the folder"),
    "dialect": (str, "a string", "drizzle-kit reads it to know the database"),
    "entries": (list, "an array", "the migrator reads the migrations from it"),
}
ENTRY_KEYS: dict[str, tuple[type, str, str]] = {
    "idx": (int, "an integer", "drizzle-kit numbers new migrations from it"),
    "version": (str, "a string", "drizzle-kit reads it"),
    "when": (
        int,
        "an integer (epoch milliseconds)",
        "the migrator runs an entry only when its `when` is a number later than the last "
        "applied one",
    ),
    "tag": (str, "a string", "the migrator loads `<tag>.sql`"),
    "breakpoints": (
        bool,
        "true or false",
        "drizzle-kit reads it to decide whether to write `--> statement-breakpoint`",
    ),
}
JSON_KINDS = {
    "number": "a number",
    "string": "a string",
    "true": "true",
    "false": "false",
    "null": "null",
    "object": "an object",
    "array": "an array",
}


def check(ctx: FolderContext) -> Iterator[Violation]:
    folder, path = ctx.folder, ctx.folder.journal_path
    # only journal folders have a journal
    if path is None:
        return
    if folder.journal_error is not None:
        yield _unreadable(path, folder.journal_error)
        return
    journal = folder.journal
    if journal is None:
        return
    for problem in journal.syntax_errors:
        yield RULE.violation(path, problem.span, f"{problem.message}; {UNREADABLE}.")
    # after a syntax error a key may sit in the part that could not be read: no "missing" then
    complete = not journal.syntax_errors
    yield from _root(path, journal, complete)
    for entry in journal.entries:
        if not _conforms(entry):  # the common case, decided without building the entry's fields
            yield from _entry(path, journal, entry, complete)


def _unreadable(path: Path, error: str) -> Violation:
    reason = error.removeprefix(f"{path}: ")
    return RULE.violation(path, Span(0, 0), f"the journal cannot be read: {reason}.")


def _root(path: Path, journal: Journal, complete: bool) -> Iterator[Violation]:
    root = journal.root_span
    # an empty or unparsable document is already a syntax error
    if root is None:
        return
    if journal.root_kind != "object":
        yield RULE.violation(
            path,
            root,
            f"the journal is {JSON_KINDS.get(journal.root_kind or '', 'not JSON')}, not an object "
            f"with `version`, `dialect` and `entries`: {UNREADABLE}.",
        )
        return
    opening = Span(root.start, min(root.start + 1, root.end))
    for key, (kind, expected, why) in ROOT_KEYS.items():
        found = journal.root_fields.get(key)
        if found is None:
            if complete:
                yield RULE.violation(
                    path, opening, f"the journal has no `{key}` ({expected}; {why})."
                )
            continue
        if not _is(found, kind):
            yield from _wrong_type(path, journal, found, expected, why, None)
            continue
        if key == "dialect" and found.value not in DIALECTS:
            yield RULE.violation(
                path,
                found.value_span,
                f"`dialect` is {json.dumps(found.value)}: drizzle-lsp checks PostgreSQL "
                "migrations only (`postgresql`, or `pg` in older journals); its rules do not apply "
                "to this folder.",
            )
    yield from _shadowed(path, journal, journal.root_shadowed, None)


def _entry(
    path: Path, journal: Journal, entry: JournalEntry, complete: bool
) -> Iterator[Violation]:
    if not entry.is_object:
        if _misread(journal, entry.span):
            return  # not an element anyone wrote: reported as the syntax error it comes from
        yield RULE.violation(
            path,
            entry.span,
            f"entry {entry.position} of `entries` is not an object: the migrator cannot read it.",
        )
        return
    opening = Span(entry.span.start, min(entry.span.start + 1, entry.span.end))
    for key, (kind, expected, why) in ENTRY_KEYS.items():
        found = entry.fields.get(key)
        if found is None:
            if complete:
                yield RULE.violation(
                    path,
                    opening,
                    f"{entry.quoted} has no `{key}` ({expected}; {why}).",
                    tag=entry.tag,
                )
            continue
        if not _is(found, kind):
            yield from _wrong_type(path, journal, found, expected, why, entry)
            continue
        if key == "when" and abs(cast(int, found.value)) > MAX_SAFE_WHEN:
            yield RULE.violation(
                path,
                found.value_span,
                f"`when` of {entry.quoted} is beyond 2^53 - 1: the migrator (JSON.parse) reads "
                "it as another number, and PostgreSQL's bigint may not hold it. Use epoch "
                "milliseconds.",
                tag=entry.tag,
            )
            continue
        if key == "tag" and not is_unicode(cast(str, found.value)):
            yield RULE.violation(
                path,
                found.value_span,
                f"`tag` of entry {entry.position} holds an escape of half a character "
                "(a lone surrogate such as `\\ud800`): it names no file, and the migrator "
                "cannot load it.",
            )
            continue
        if key == "tag" and not found.value:
            yield RULE.violation(
                path,
                found.value_span,
                "`tag` is empty: the migrator loads `.sql`, which is not a migration.",
            )
    yield from _shadowed(path, journal, entry.shadowed, entry)


def _misread(journal: Journal, span: Span) -> bool:
    """Whether ``span`` is read from a merge conflict, or past the syntax error where reading
    became guesswork."""
    if journal.unread_from is not None and span.end > journal.unread_from:
        return True
    return any(c.start <= span.start and span.end <= c.end for c in journal.conflicts)


def _conforms(entry: JournalEntry) -> bool:
    """Whether the entry has every key with its type, a non-empty tag and no key twice."""
    # the entry keeps the value of each of ENTRY_KEYS typed: None if missing or of another type
    typed = (entry.idx, entry.version, entry.when, entry.tag, entry.breakpoints)
    return entry.is_object and not entry.shadowed and None not in typed and bool(entry.tag)


# the keys and types _conforms reads through the entry
_TYPED = {"idx": int, "version": str, "when": int, "tag": str, "breakpoints": bool}
assert {key: kind for key, (kind, *_) in ENTRY_KEYS.items()} == _TYPED


def _is(found: Field, kind: type) -> bool:
    if kind is list:
        return found.kind == "array"
    return type(found.value) is kind  # bool is not an int here, nor an int a bool


def _wrong_type(
    path: Path, journal: Journal, found: Field, expected: str, why: str, entry: JournalEntry | None
) -> Iterator[Violation]:
    # a value that does not decode is a syntax error, reported as such
    if found.value is None and found.kind not in ("null", "object", "array"):
        return
    raw = journal.text[found.value_span.start : found.value_span.end]
    actual = JSON_KINDS[found.kind] if found.kind in ("object", "array") else _excerpt(raw)
    owner = f" of {entry.quoted}" if entry is not None else ""
    yield RULE.violation(
        path,
        found.value_span,
        f"`{found.key}`{owner} must be {expected}, not {actual} ({why}).",
        tag=entry.tag if entry is not None else None,
    )


def _excerpt(raw: str) -> str:
    return raw if len(raw) <= 40 else raw[:39] + "…"


def _shadowed(
    path: Path, journal: Journal, shadowed: list[Field], entry: JournalEntry | None
) -> Iterator[Violation]:
    owner = f"{entry.quoted}" if entry is not None else "the journal"
    for found in shadowed:
        if _misread(journal, found.key_span):
            continue  # both sides of a conflict read as one object: the conflict is reported
        yield RULE.violation(
            path,
            found.key_span,
            f"`{found.key}` appears twice in {owner}: `JSON.parse` keeps the last one and ignores "
            "this one (a merge that joined two entries into one object?). Split or remove it.",
            tag=entry.tag if entry is not None else None,
        )
