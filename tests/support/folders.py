"""Migrations folders for tests: a journal as drizzle-kit writes it, and the files it lists.

    write_folder(tmp_path / "drizzle", entries(("0000_init", NOW - DAY)), {"0000_init.sql": sql})

drizzle-kit writes ``meta/_journal.json`` with ``JSON.stringify(journal, null, 2)``: two-space
indent, keys in the order below, non-ASCII as is, no newline at the end. The layout options
give the other shapes journals are found in (CRLF, other indents, one line, an entry a line).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

NOW = 1_767_225_600_000  # 2026-01-01T00:00:00Z
DAY = 86_400_000
JOURNAL = Path("meta") / "_journal.json"

Entry = dict[str, object]


def entry(idx: object, tag: object, when: object, **extra: object) -> Entry:
    """One entry of ``entries``; ``extra`` adds or replaces keys (``breakpoints=False``)."""
    return {"idx": idx, "version": "7", "when": when, "tag": tag, "breakpoints": True, **extra}


def entries(*tagged: tuple[str, object]) -> list[Entry]:
    """Entries numbered in order from ``(tag, when)`` pairs."""
    return [entry(i, tag, when) for i, (tag, when) in enumerate(tagged)]


def journal_text(
    items: Iterable[Mapping[str, object]],
    *,
    indent: int | None = 2,
    newline: str = "\n",
    end: str = "",
    entry_per_line: bool = False,
    dialect: str = "postgresql",
) -> str:
    """The journal's text. ``indent=None`` writes one line (``{"version":"7",...}``);
    ``entry_per_line`` writes each entry on its own line (short tests that count lines)."""
    data = {"version": "7", "dialect": dialect, "entries": [dict(e) for e in items]}
    if indent is None:
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    elif entry_per_line:
        body = ",\n".join(
            " " * (2 * indent) + json.dumps(e, separators=(", ", ": "), ensure_ascii=False)
            for e in data["entries"]
        )
        pad = " " * indent
        head = f'{{\n{pad}"version": "7",\n{pad}"dialect": {json.dumps(dialect)},\n'
        text = f'{head}{pad}"entries": [\n{body}\n{pad}]\n}}'
    else:
        text = json.dumps(data, indent=indent, ensure_ascii=False)
    return text.replace("\n", newline) + end


def write_folder(
    root: Path,
    items: Sequence[Mapping[str, object]] = (),
    sql: Mapping[str, str | bytes] | None = None,
    *,
    journal: str | bytes | None = None,
    bom: bool = False,
    newline: str = "\n",
) -> Path:
    """A migrations folder at ``root``: ``meta/_journal.json`` listing ``items`` (or the text
    ``journal``) and the ``sql`` files, by name; without ``sql``, one ``SELECT <idx>;`` file per
    entry. Returns ``root``."""
    (root / "meta").mkdir(parents=True, exist_ok=True)
    if journal is None:
        journal = journal_text(items, newline=newline)
    data = journal if isinstance(journal, bytes) else journal.encode()
    (root / JOURNAL).write_bytes(("\ufeff".encode() if bom else b"") + data)
    if sql is None:
        sql = {f"{e['tag']}.sql": f"SELECT {e['idx']};\n" for e in items}
    for name, content in sql.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    return root
