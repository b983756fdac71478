"""J006 on a real journal broken the way merges break it: one diagnostic per syntax error, at the
error, and the entries on both sides of it still read and checked by the other rules.

Each case edits Dokploy's 186-entry journal (drizzle-kit's layout: one key per line, entries
closed by a `    },` line) and lints the folder; positions are LSP ones (0-based, UTF-16).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from shared import CORPUS, needs_corpus

from drizzle_lsp.core.folder import Layout, load_folder
from drizzle_lsp.core.settings import Settings
from drizzle_lsp.core.workspace import TextIndexes
from drizzle_lsp.engine.analyze import analyze

DOKPLOY = CORPUS / "Dokploy__dokploy"
AFTER_CORPUS = 1_795_737_600_000  # 2026-11-27T00:00:00Z, later than every corpus entry
UNREADABLE = "; the migrator cannot read the journal, so no migration runs until it is fixed."

pytestmark = needs_corpus

Found = tuple[str, int, int, str]  # code, line, character, message


@pytest.fixture
def lines() -> list[str]:
    return (DOKPLOY / "meta" / "_journal.json").read_text("utf-8").split("\n")


def _idx_line(lines: list[str], idx: int) -> int:
    """The line of `"idx": <idx>,`: the entry's `{` is the line before, the `},` closing the
    entry before it the one before that."""
    return lines.index(f'      "idx": {idx},')


def _lint(tmp_path: Path, lines: list[str], added: tuple[str, ...] = ()) -> list[Found]:
    """The diagnostics in the journal (those of the SQL files are S002's, not broken here);
    ``added`` are the tags of new migrations, whose files are created."""
    root = tmp_path / "drizzle"
    shutil.copytree(DOKPLOY, root)
    for tag in added:
        (root / f"{tag}.sql").write_text('ALTER TABLE "user" ADD COLUMN IF NOT EXISTS "x" text;\n')
    journal = root / "meta" / "_journal.json"
    journal.write_text("\n".join(lines), "utf-8")
    folder = load_folder(root, Layout.JOURNAL)
    indexes = TextIndexes(folder)
    found = []
    for v in analyze(folder, Settings(), clock=lambda: AFTER_CORPUS):
        if v.path != journal:
            continue
        start = indexes.locate(v).start
        found.append((v.code, start.line, start.character, v.message))
    return sorted(found, key=lambda f: f[1:3])


def _where(found: list[Found]) -> list[tuple[str, int, int]]:
    return [(code, line, character) for code, line, character, _ in found]


def test_the_journal_as_it_is_has_no_j006(tmp_path: Path, lines: list[str]) -> None:
    assert [f for f in _lint(tmp_path, lines) if f[0] == "J006"] == []


def test_missing_comma_between_entries_is_one_diagnostic(tmp_path: Path, lines: list[str]) -> None:
    opening = _idx_line(lines, 17) - 1
    assert lines[opening - 1] == "    },"
    lines[opening - 1] = "    }"

    found = _lint(tmp_path, lines)

    # at the `{` where JSON.parse stops; no entry misread, so no J004 for the 169 after it
    assert found == [("J006", opening, 4, "invalid JSON: missing `,` before `{`" + UNREADABLE)]


def test_trailing_comma_after_the_last_entry(tmp_path: Path, lines: list[str]) -> None:
    last = len(lines) - 3
    assert lines[last:] == ["    }", "  ]", "}"]
    lines[last] = "    },"

    assert _where(_lint(tmp_path, lines)) == [("J006", last, 5)]


def test_missing_closing_brace_between_entries(tmp_path: Path, lines: list[str]) -> None:
    # the line `    },` lost while resolving a conflict by hand
    opening = _idx_line(lines, 17) - 1
    del lines[opening - 1]

    found = _lint(tmp_path, lines)

    assert found == [("J006", opening - 1, 4, "invalid JSON: missing `},` before `{`" + UNREADABLE)]


def test_missing_closing_brace_of_the_last_entry(tmp_path: Path, lines: list[str]) -> None:
    last = len(lines) - 3
    del lines[last]  # `    }`: now `"breakpoints": true` is followed by `  ]`

    found = _lint(tmp_path, lines)

    assert found == [("J006", last, 2, "invalid JSON: missing `}` before `]`" + UNREADABLE)]


def test_two_adjacent_broken_spots_are_two_diagnostics(tmp_path: Path, lines: list[str]) -> None:
    idx = _idx_line(lines, 17)
    lines[idx - 2] = "    }"  # no comma before entry 17
    breakpoints = idx + 4
    assert lines[breakpoints] == '      "breakpoints": true'
    lines[breakpoints] += ","  # and one too many at the end of it

    found = _lint(tmp_path, lines)

    assert _where(found) == [("J006", idx - 1, 4), ("J006", breakpoints, 25)]
    assert [message.split(";")[0] for *_, message in found] == [
        "invalid JSON: missing `,` before `{`",
        "invalid JSON: trailing comma",
    ]


def test_two_missing_commas_far_apart(tmp_path: Path, lines: list[str]) -> None:
    openings = [_idx_line(lines, 17) - 1, _idx_line(lines, 40) - 1]
    for opening in openings:
        lines[opening - 1] = "    }"

    assert _where(_lint(tmp_path, lines)) == [("J006", line, 4) for line in openings]


def _conflict_in_the_last_entry(lines: list[str]) -> tuple[list[str], int]:
    """Two branches that each added entry 186, as git leaves them: the lines both sides share
    outside the conflict (git trims them), the differing `when` and `tag` inside it."""
    last = len(lines) - 3
    added = [
        "    },",
        "    {",
        '      "idx": 186,',
        '      "version": "7",',
        "<<<<<<< HEAD",
        '      "when": 1790000000000,',
        '      "tag": "0186_ours",',
        "=======",
        '      "when": 1790000000001,',
        '      "tag": "0186_theirs",',
        ">>>>>>> feature/theirs",
        '      "breakpoints": true',
        "    }",
    ]
    return [*lines[:last], *added, *lines[last + 1 :]], last + 4


def test_conflict_block_is_one_diagnostic(tmp_path: Path, lines: list[str]) -> None:
    lines, marker = _conflict_in_the_last_entry(lines)

    found = _lint(tmp_path, lines, added=("0186_ours", "0186_theirs"))

    # not also `when` and `tag` "appear twice": both sides read as one entry, for the conflict
    assert found == [
        (
            "J006",
            marker,
            0,
            "unresolved merge conflict from `<<<<<<< HEAD` to `>>>>>>> feature/theirs` "
            f"(line {marker + 7}): keep the entries of both sides, in order, and delete the "
            "marker lines" + UNREADABLE,
        )
    ]


def test_conflict_of_whole_entries_reads_both_sides(tmp_path: Path, lines: list[str]) -> None:
    # each side closes entry 185 with its own `},` line: read as one `}` too many, in the block
    last = len(lines) - 3

    def entry(tag: str, when: int) -> list[str]:
        keys = ['"idx": 186,', '"version": "7",', f'"when": {when},', f'"tag": "{tag}",']
        return ["    },", "    {", *(f"      {key}" for key in keys), '      "breakpoints": true']

    block = [
        "<<<<<<< HEAD",
        *entry("0186_ours", 1790000000000),
        "=======",
        *entry("0186_theirs", 1790000000001),
        ">>>>>>> feature/theirs",
    ]
    lines[last:last] = block

    found = _lint(tmp_path, lines, added=("0186_ours", "0186_theirs"))

    assert _where(found) == [
        ("J006", last, 0),
        # both sides are entries: the second `idx` 186 is a duplicate
        ("J004", last + 1 + len(entry("", 0)) + 1 + 2, 13),
    ]


def test_later_entries_are_still_checked(tmp_path: Path, lines: list[str]) -> None:
    idx = _idx_line(lines, 17)
    lines[idx - 2] = "    }"
    when = _idx_line(lines, 30) + 2
    lines[when] = '      "when": 1713262741219,'  # before entry 29's: out of order
    tag = _idx_line(lines, 31) + 3
    lines[tag] = '      "tag": 31,'  # of the wrong type

    found = _lint(tmp_path, lines)

    assert _where(found) == [("J006", idx - 1, 4), ("J001", when, 14), ("J006", tag, 13)]
    assert "past `0029_colossal_zodiak`" in found[1][3]  # the entry it comes after
    assert found[2][3].startswith("`tag` of entry 31 must be a string, not 31")


def test_an_error_no_repair_explains_is_one_diagnostic(tmp_path: Path, lines: list[str]) -> None:
    when = _idx_line(lines, 17) + 2
    lines[when] = '      "when": 17195x47174326,'

    found = _lint(tmp_path, lines)

    # and no entry after it is "not an object", whatever tree-sitter makes of the rest
    assert found == [("J006", when, 19, "invalid JSON: unexpected `x47174326`" + UNREADABLE)]
