"""S004's journal rewrite: one entry leaves ``entries`` and the later ``idx`` close the gap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drizzle_lsp.core.fixes import apply_edits
from drizzle_lsp.core.journal import parse_journal
from drizzle_lsp.core.journal_edit import remove_entry

PATH = Path("meta/_journal.json")


def _journal(count: int, newline: str = "\n", indent: int | None = 2) -> str:
    entries = [
        {
            "idx": i,
            "version": "7",
            "when": 1_718_000_000_000 + i,
            "tag": f"{i:04d}_m",
            "breakpoints": True,
        }
        for i in range(count)
    ]
    text = json.dumps({"version": "7", "dialect": "postgresql", "entries": entries}, indent=indent)
    return text.replace("\n", newline)


@pytest.mark.parametrize("position", [0, 1, 2])
@pytest.mark.parametrize(("newline", "indent"), [("\n", 2), ("\r\n", 2), ("\n", None)])
def test_one_entry_leaves_and_the_rest_is_renumbered(
    position: int, newline: str, indent: int | None
) -> None:
    text = _journal(3, newline, indent)
    fixed = apply_edits(text, remove_entry(parse_journal(text), PATH, position))
    entries = json.loads(fixed)["entries"]
    tags = [f"{i:04d}_m" for i in range(3) if i != position]
    assert [e["tag"] for e in entries] == tags
    assert [e["idx"] for e in entries] == [0, 1]
    assert ("\r\n" in fixed) is (newline == "\r\n")
    # the entries that stay keep their text, but for a renumbered idx
    kept = json.loads(text)["entries"]
    assert [e["when"] for e in entries] == [kept[i]["when"] for i in range(3) if i != position]


def test_the_only_entry_leaves_an_empty_array() -> None:
    text = _journal(1)
    fixed = apply_edits(text, remove_entry(parse_journal(text), PATH, 0))
    assert json.loads(fixed)["entries"] == []
