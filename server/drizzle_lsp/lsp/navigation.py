"""Navigation and context in the journal: hover and inlay hints on ``when``, links from ``tag``.

Everything is read from the core's journal model of the open buffer; what the rules say about an
entry (J001's colliding entry, J005's future date) comes from the violations of the last analysis,
never from re-deriving a rule here. Likewise the database state of an entry comes from the
database status that analysis saw.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from lsprotocol import types

from drizzle_lsp.core.database import EntryStatus, State
from drizzle_lsp.core.diagnostics import Span
from drizzle_lsp.core.journal import Field, Journal, JournalEntry, format_when, parse_journal
from drizzle_lsp.lsp import convert
from drizzle_lsp.lsp.state import FolderState, OpenDocument, Result, ServerState


@lru_cache(maxsize=8)
def _journal(text: str) -> Journal:
    return parse_journal(text)


def _journal_of(state: ServerState, document: OpenDocument) -> tuple[FolderState, Journal] | None:
    folder = state.folder_of(document.path)
    if folder is None or document.path != folder.journal_path:
        return None
    return folder, _journal(document.text)


def _field_at(journal: Journal, offset: int, key: str) -> tuple[JournalEntry, Field] | None:
    """The entry and its ``key`` field at ``offset``: on the key (`"when"`), its value, or
    between them (editors hover wherever the cursor rests)."""
    for entry in journal.entries:
        if not entry.span.start <= offset <= entry.span.end:
            continue
        f = entry.fields.get(key)
        if f is not None and f.key_span.start <= offset <= f.value_span.end:
            return entry, f
    return None


def iso_date(when: int, precise: bool = True) -> str | None:
    """``when`` (epoch milliseconds) in ISO 8601 UTC; None when out of range."""
    try:
        moment = datetime.fromtimestamp(when / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if precise and when % 1000:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when % 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def hover(
    state: ServerState, document: OpenDocument, position: types.Position
) -> types.Hover | None:
    found = _journal_of(state, document)
    if found is None:
        return None
    _, journal = found
    at = convert.offset(document.index, position, state.encoding)
    hit = _field_at(journal, at, "when")
    if hit is None:
        return None
    entry, when = hit
    if entry.when is None or (date := iso_date(entry.when)) is None:
        return None
    # what the diagnostics on `when` do not say (the editor shows them beside this): the date,
    # the place in applied order, the neighbours' dates and the database's state
    total = len(journal.entries)
    lines = [f"**{date}** (UTC) · migration {entry.position + 1} of {total} in applied order"]
    dated = sorted(e.when for e in journal.entries if e.when is not None)
    rank = dated.index(entry.when) + 1
    if rank != entry.position + 1:
        lines.append(f"By date it is the {_ordinal(rank)}.")
    lines += _neighbours(journal, entry)
    result = state.current_result(document.path)
    if result is not None:
        database = database_line(result, entry.position)
        if database:
            lines += ["", database]
    span = Span(when.key_span.start, when.value_span.end)
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n".join(lines)),
        range=convert.to_range(document.index, span, state.encoding),
    )


def _neighbours(journal: Journal, entry: JournalEntry) -> list[str]:
    """The dates of the entries before and after ``entry`` in the journal."""
    lines = []
    for label, at in (("after", entry.position - 1), ("before", entry.position + 1)):
        if not 0 <= at < len(journal.entries):
            continue
        other = journal.entries[at]
        date = iso_date(other.when) if other.when is not None else None
        if date is not None:
            lines.append(f"- {label} {other.quoted}: {date}")
    return ["", *lines] if lines else []


def database_line(result: Result, position: int) -> str | None:
    """What the configured database says of the journal entry at ``position`` (Markdown).

    The migrations table stores ``created_at = when``, not the time a migration ran, so no date
    of application is claimed.
    """
    database = result.snapshot.database
    if database is None:
        return None
    label = f"`{database.label}`"
    if database.error is not None:
        return f"**Database** {label}: status unavailable ({database.error})."
    view = result.view
    if view is None:
        if database.applied is None:
            return f"**Database** {label}: reading the migrations table…"
        return None  # the journal has syntax errors: no status until it parses
    if position >= len(view.status.entries):
        return None
    return f"**Database** {describe(view.status.entries[position], label, result)}"


def describe(entry: EntryStatus, label: str, result: Result) -> str:
    row = entry.row
    said = {
        State.APPLIED: f"applied on {label} (row {row.id if row else '?'}).",
        State.APPLIED_FILE_CHANGED: (
            f"applied on {label} (row {row.id if row else '?'}), file changed since: "
            f"`{entry.tag}.sql` no longer has the hash the row recorded, and migrate() never "
            "runs it there again."
        ),
        State.PENDING: f"pending on {label}: the next migrate() runs it.",
        State.WILL_BE_SKIPPED: f"will be skipped on {label}: never applied there, and "
        f"{_blocker(entry, result)}; migrate() never runs it.",
        State.INVALID: f"{label}: this entry has no usable `tag` or `when`.",
    }[entry.state]
    if entry.reruns and row is not None:
        said = (
            f"pending on {label}: the next migrate() runs it again although row {row.id} "
            "recorded it (a row with `created_at` NULL makes migrate() re-run every entry)."
        )
    if entry.file_missing and entry.state is not State.INVALID:
        said += f" `{entry.tag}.sql` is missing: migrate() throws before running anything."
    return said


def _blocker(entry: EntryStatus, result: Result) -> str:
    blocker = entry.blocker
    if blocker is None or blocker.created_at is None:
        return "its `when` is not after the newest migration there"
    entries = result.view.status.entries if result.view is not None else ()
    tag = next((e.tag for e in entries if e.row == blocker and e.tag), None)
    by = f"`{tag}`" if tag else f"row {blocker.id}"
    return f"its `when` is not after {by} (`when` {format_when(blocker.created_at)})"


def inlay_hints(
    state: ServerState, document: OpenDocument, rng: types.Range
) -> list[types.InlayHint]:
    found = _journal_of(state, document)
    if found is None:
        return []
    _, journal = found
    index = document.index
    wanted = convert.to_span(index, rng, state.encoding)
    hints = []
    for entry in journal.entries:
        when = entry.fields.get("when")
        if entry.when is None or when is None:
            continue
        if not wanted.start <= when.value_span.end <= wanted.end:
            continue
        date = iso_date(entry.when, precise=False)
        if date is None:
            continue
        hints.append(
            types.InlayHint(
                position=convert.position(index, when.value_span.end, state.encoding),
                label=date,
                padding_left=True,
                tooltip=iso_date(entry.when),
            )
        )
    return hints


def _tag_targets(state: ServerState, document: OpenDocument) -> list[tuple[Span, Path]]:
    """The string span (quotes excluded) of every entry's ``tag`` and its existing .sql file."""
    found = _journal_of(state, document)
    if found is None:
        return []
    folder, journal = found
    targets = []
    for entry in journal.entries:
        tag = entry.fields.get("tag")
        if entry.tag is None or tag is None:
            continue
        path = folder.root / f"{entry.tag}.sql"
        if path not in folder.listing and path not in state.documents:
            continue
        span = tag.value_span
        targets.append((Span(span.start + 1, max(span.start + 1, span.end - 1)), path))
    return targets


def document_links(
    state: ServerState, document: OpenDocument, tooltips: bool
) -> list[types.DocumentLink]:
    return [
        types.DocumentLink(
            range=convert.to_range(document.index, span, state.encoding),
            target=state.uri_for(path),
            tooltip=f"Open {path.name}" if tooltips else None,
        )
        for span, path in _tag_targets(state, document)
    ]


def definition(
    state: ServerState, document: OpenDocument, position: types.Position
) -> types.Location | None:
    at = convert.offset(document.index, position, state.encoding)
    for span, path in _tag_targets(state, document):
        if span.start <= at <= span.end:
            start = types.Position(line=0, character=0)
            return types.Location(
                uri=state.uri_for(path), range=types.Range(start=start, end=start)
            )
    return None
