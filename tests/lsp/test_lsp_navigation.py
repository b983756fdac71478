"""Hover and inlay hints on `when`, document links and go-to-definition from `tag`."""

from __future__ import annotations

from pathlib import Path

from lsp_harness import Starter, journal_text, make_folder
from lsprotocol import types

JOURNAL = "drizzle/meta/_journal.json"
ENTRIES = [("0000_init", 1_718_000_000_000), ("0001_next", 1_718_000_100_123)]


async def test_when_and_tag(tmp_path: Path, start: Starter) -> None:
    folder = make_folder(tmp_path, {"0000_init.sql": "SELECT 1;\n"}, ENTRIES)  # 0001 missing
    s = await start(tmp_path)
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == ["J002"], what="J002")
    uri = s.open(JOURNAL)
    lines = journal_text(ENTRIES).splitlines()
    when_col = lines[5].index("1718000100123")
    hover = await s.client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=5, character=when_col + 3),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "2024-06-10T06:15:00.123Z" in hover.contents.value
    assert "2 of 2" in hover.contents.value
    assert "- after `0000_init`: 2024-06-10T06:13:20Z" in hover.contents.value
    key_col = lines[5].index('"when"')
    assert hover.range == types.Range(  # from the key to the end of the value
        start=types.Position(line=5, character=key_col),
        end=types.Position(line=5, character=when_col + 13),
    )
    # on the key `"when"` (where the cursor rests after moving to the line): the same hover
    on_key = await s.client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=5, character=key_col + 2),
        )
    )
    assert on_key is not None and on_key.contents == hover.contents
    nothing = await s.client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=1, character=0),  # whitespace
        )
    )
    assert nothing is None

    hints = await s.client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(
                start=types.Position(line=0, character=0),
                end=types.Position(line=len(lines), character=0),
            ),
        )
    )
    assert [(h.position.line, h.label) for h in hints] == [
        (4, "2024-06-10T06:13:20Z"),
        (5, "2024-06-10T06:15:00Z"),
    ]
    assert hints[1].position.character == when_col + 13

    links = await s.client.text_document_document_link_async(
        types.DocumentLinkParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    tag_col = lines[4].index("0000_init")
    assert [(link.range.start.line, link.target) for link in links] == [
        (4, (folder / "0000_init.sql").as_uri())  # no link to the missing file
    ]
    assert links[0].range.start.character == tag_col
    assert links[0].range.end.character == tag_col + len("0000_init")

    location = await s.client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=4, character=tag_col + 2),
        )
    )
    assert isinstance(location, types.Location)
    assert location.uri == (folder / "0000_init.sql").as_uri()
