"""Navigation and context in the journal: hover and inlay hints on ``when``, links from ``tag``;
and which migrator runs the folder, in the hover on a journal and on the first line of a v1
``migration.sql`` (with the configured database's state of that migration).

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

from drizzle_lsp.core.database import Detail, EntryStatus, State, V1EntryStatus
from drizzle_lsp.core.diagnostics import Span
from drizzle_lsp.core.folder import V1_FILE, Layout
from drizzle_lsp.core.journal import Field, Journal, JournalEntry, format_when, parse_journal
from drizzle_lsp.core.migrator_choice import Migrator, MigratorChoice
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
    folder = state.folder_of(document.path)
    if folder is not None and folder.layout is Layout.V1 and document.path.name == V1_FILE:
        return _v1_file_hover(state, folder, document, position)
    found = _journal_of(state, document)
    if found is None:
        return None
    folder, journal = found
    at = convert.offset(document.index, position, state.encoding)
    hit = _field_at(journal, at, "when")
    if hit is None:
        return _journal_key_hover(state, folder, document, journal, at)
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
    migrator = _migrator_of(folder)
    if migrator is not None:
        lines += ["", migrator_line(migrator, Layout.JOURNAL)]
    return _markdown(lines, document, Span(when.key_span.start, when.value_span.end), state)


def _markdown(
    lines: list[str], document: OpenDocument, span: Span, state: ServerState
) -> types.Hover:
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n".join(lines)),
        range=convert.to_range(document.index, span, state.encoding),
    )


def _migrator_of(folder: FolderState) -> MigratorChoice | None:
    """The migrator the folder's last analysis followed (a project's, not a text's: any
    published analysis tells it)."""
    return folder.result.migrator if folder.result is not None else None


def migrator_line(choice: MigratorChoice, layout: Layout) -> str:
    """Which migrator runs the folder, why, and what that means for this file (Markdown)."""
    said = f"**Migrator** drizzle-orm {choice.kind.value} ({choice.reason})"
    if choice.kind is Migrator.ZERO_X:
        return f"{said}: migrate() runs the migrations dated after the newest applied one."
    if layout is Layout.JOURNAL:
        return f"{said}: migrate() throws while this journal exists; run `drizzle-kit up` (J008)."
    return f"{said}: migrate() runs every folder whose name has no row, in name order."


def _journal_key_hover(
    state: ServerState, folder: FolderState, document: OpenDocument, journal: Journal, at: int
) -> types.Hover | None:
    """The migrator, on a key of the journal's top-level object (``version``, ``entries``...)."""
    key = next((f for f in journal.root_fields.values() if _within(at, f.key_span)), None)
    migrator = _migrator_of(folder)
    if key is None or migrator is None:
        return None
    return _markdown([migrator_line(migrator, Layout.JOURNAL)], document, key.key_span, state)


def _within(offset: int, span: Span) -> bool:
    return span.start <= offset <= span.end


def _v1_file_hover(
    state: ServerState, folder: FolderState, document: OpenDocument, position: types.Position
) -> types.Hover | None:
    """On the first line of a v1 ``migration.sql``: its folder's name, the migrator, and what the
    configured database will do with the migration, as v1's migrate() sees it."""
    migrator = _migrator_of(folder)
    if position.line != 0 or migrator is None:
        return None
    end = document.text.find("\n")
    first_line = Span(0, len(document.text) if end < 0 else end)
    name = document.path.parent.name
    lines = [f"**{name}**", "", migrator_line(migrator, Layout.V1)]
    result = state.current_result(document.path)
    database = v1_database_line(result, name) if result else None
    if database is not None:
        lines += ["", database]
    return _markdown(lines, document, first_line, state)


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


def v1_database_line(result: Result, name: str) -> str | None:
    """What the configured database says of the v1 migration ``name`` (Markdown)."""
    database = result.snapshot.database
    if database is None:
        return None
    label = f"`{database.label}`"
    if database.error is not None:
        return f"**Database** {label}: status unavailable ({database.error})."
    status = result.view.v1 if result.view is not None else None
    entry = status.of_name(name) if status is not None else None
    if status is None or entry is None:
        return None
    row = entry.row
    if entry.state is State.APPLIED:
        return f"**Database** applied on {label} (row {row.id if row else '?'})."
    if entry.state is State.APPLIED_FILE_CHANGED:
        return (
            f"**Database** applied on {label} (row {row.id if row else '?'}), file changed "
            "since: `migration.sql` no longer has the hash the row recorded, and migrate() "
            "never runs it there again."
        )
    if status.upgrade_throws:
        ids = [str(r.id) for r in status.unknown_rows]
        rows = f"rows {', '.join(ids)} match" if len(ids) > 1 else f"row {ids[0]} matches"
        return (
            f"**Database** pending on {label}, but the first v1 migrate() will throw while "
            f"upgrading its 0.x migrations table: {rows} no folder (D004)."
        )
    return f"**Database** pending on {label}: the next migrate() runs it{_v1_detail(entry)}."


def _v1_detail(entry: V1EntryStatus) -> str:
    renamed = entry.renamed_from
    if Detail.SKIPPED_UNDER_0X in entry.details:
        return "; 0.x had skipped it, and the upgrade of the 0.x table leaves it to run"
    if renamed is not None:
        return f" again: row {renamed.id} applied it as `{renamed.name}` (D005)"
    if Detail.RUNS_AFTER_NEWER in entry.details:
        return ", after newer ones (an empty database runs it in name order)"
    return ""


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
