"""S004 and S007 follow the schema through every migration of a folder: an edit reads again
only what it touched, and a change elsewhere (the journal's dates) reads nothing again."""

from __future__ import annotations

from pathlib import Path

import pytest
from folders import DAY, NOW, entry, write_folder

from drizzle_lsp.core.folder import Layout, load_folder, with_texts
from drizzle_lsp.core.settings import Settings
from drizzle_lsp.engine import analyze
from drizzle_lsp.engine.units import RUN
from drizzle_lsp.rules import _schema_events

CREATE_USERS = 'CREATE TABLE "users" ("id" integer);\n'


def _long_migration(statements: int) -> str:
    """One chunk (``breakpoints: false``): tables, then ``users`` created again at the end."""
    body = [f'CREATE TABLE "t{i}" ("id" integer, "name" text);' for i in range(statements)]
    return "\n".join([*body, CREATE_USERS])


def _project(root: Path, statements: int) -> Path:
    return write_folder(
        root / "drizzle",
        [
            entry(0, "0000_init", NOW - 2 * DAY),
            entry(1, "0001_long", NOW - DAY, breakpoints=False),
        ],
        {"0000_init.sql": CREATE_USERS, "0001_long.sql": _long_migration(statements)},
    )


def _s004(violations: list[object]) -> list[tuple[str, int]]:
    return [(v.path.name, v.span.start) for v in violations if v.code == "S004"]  # type: ignore[attr-defined]


def _reading(monkeypatch: pytest.MonkeyPatch, looked_up: bool = False) -> list[str]:
    """The texts whose schema events are worked out from now on (``looked_up``: or looked up
    in their cache)."""
    read: list[str] = []
    events = _schema_events.chunk_events

    def counting(text: str) -> object:
        before = events.cache_info().misses
        found = events(text)
        if looked_up or events.cache_info().misses > before:
            read.append(text)
        return found

    monkeypatch.setattr(_schema_events, "chunk_events", counting)
    return read


def test_an_edit_in_a_long_chunk_reads_one_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder_path = _project(tmp_path, 300)
    folder = load_folder(folder_path, Layout.JOURNAL)
    first = analyze.analyze(folder, Settings())
    long_sql = folder_path / "0001_long.sql"
    text = long_sql.read_text()
    assert _s004(first) == [("0001_long.sql", text.index(CREATE_USERS))]

    read = _reading(monkeypatch)
    edited = text.replace('"t150" ("id" integer,', '"t150" ("id" bigint,')
    after = analyze.analyze(with_texts(folder, {long_sql: edited}), Settings())
    assert read, "the edited statement is read again"
    assert max(t.count(";") for t in read) <= RUN  # one run, not the 301-statement chunk
    assert _s004(after) == [("0001_long.sql", edited.index(CREATE_USERS))]

    # the same as a first look at the edited folder
    analyze.file_units.clear()
    long_sql.write_text(edited)
    assert _s004(analyze.analyze(load_folder(folder_path, Layout.JOURNAL), Settings())) == _s004(
        after
    )


def test_a_journal_edit_reads_no_migration_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder_path = _project(tmp_path, 10)
    folder = load_folder(folder_path, Layout.JOURNAL)
    analyze.analyze(folder, Settings())
    read = _reading(monkeypatch, looked_up=True)
    journal = folder_path / "meta" / "_journal.json"
    redated = journal.read_text().replace(str(NOW - DAY), str(NOW - DAY + 60_000))
    assert _s004(analyze.analyze(with_texts(folder, {journal: redated}), Settings()))
    assert read == []
