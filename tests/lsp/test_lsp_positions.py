"""Position encodings: utf-16 by default, utf-8 when offered; non-ASCII text before a range."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_harness import Starter, capabilities
from lsprotocol import types

TAG = "0000_café_☕😀"
JOURNAL = (
    '{"version": "7", "dialect": "postgresql", "entries": ['
    f'{{"idx": 0, "version": "7", "when": 1718000000000, "tag": "{TAG}", "breakpoints": true}}, '
    '{"idx": 1, "version": "7", "when": 1718000001000, "tag": "0001_gone", "breakpoints": true}'
    "]}\n"
)


def columns(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
async def test_ranges_and_edits_in_the_negotiated_encoding(
    tmp_path: Path, start: Starter, encoding: str
) -> None:
    folder = tmp_path / "drizzle"
    (folder / "meta").mkdir(parents=True)
    (folder / "meta" / "_journal.json").write_text(JOURNAL, encoding="utf-8")
    (folder / f"{TAG}.sql").write_text("SELECT 1;\n", encoding="utf-8")
    s = await start(tmp_path, caps=capabilities(utf8=encoding == "utf-8"))
    assert s.initialize_result is not None
    assert s.initialize_result.capabilities.position_encoding == encoding
    journal = "drizzle/meta/_journal.json"
    await s.wait_for(lambda: s.codes(journal, "J002") == ["J002"], what="J002")
    (diagnostic,) = s.diagnostics(journal)
    before = JOURNAL[: JOURNAL.index('"0001_gone"')]
    start_col = columns(before, encoding)
    assert diagnostic.range.start == types.Position(line=0, character=start_col)
    assert diagnostic.range.end == types.Position(line=0, character=start_col + 11)
    # an incremental edit placed in the same units lands on the right characters
    uri = s.open(journal)
    s.edit(uri, (0, start_col + 1), (0, start_col + 10), TAG)
    await s.wait_for(lambda: s.codes(journal, "J002") == [], what="J002 fixed by a utf edit")
    # and the buffer now names the existing file twice; a second edit after non-ASCII text
    second = JOURNAL.replace("0001_gone", TAG)
    end_of_tag = columns(second[: second.rindex(TAG) + len(TAG)], encoding)
    s.edit(uri, (0, end_of_tag - columns("😀", encoding)), (0, end_of_tag), "")  # drop the emoji
    await s.wait_for(
        lambda: s.codes(journal, "J002") == ["J002"], what="J002 after cutting the emoji"
    )
