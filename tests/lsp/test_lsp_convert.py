"""Conversion to LSP values, in process: the JSON text is valid LSP, edits are minimal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.protocol import default_converter

from drizzle_lsp.core.diagnostics import Applicability, Edit, Fix, Severity, Span, Violation
from drizzle_lsp.core.fixes import minimal_edit
from drizzle_lsp.core.text import Encoding, TextIndex
from drizzle_lsp.lsp import convert

SQL = Path("/p/drizzle/0001_a.sql")
JOURNAL = Path("/p/drizzle/meta/_journal.json")
TEXT = '-- café ☕ 😀\nALTER TABLE "a" ADD COLUMN "b" int;\n'
JOURNAL_TEXT = '{"entries": []}\n'


def documents(path: Path) -> convert.Document:
    text = TEXT if path == SQL else JOURNAL_TEXT
    return convert.Document(convert.uri_of(path), 7 if path == SQL else None, TextIndex(text))


def test_diagnostic_json_is_a_valid_lsp_diagnostic() -> None:
    at = TEXT.index('"b"')
    fix = Fix("Use IF NOT EXISTS", (Edit.insert(SQL, at, "IF NOT EXISTS "),))
    both = Fix(
        "Both",
        (Edit.insert(SQL, at, "IF NOT EXISTS "), Edit.replace(JOURNAL, 1, 8, '"x"')),
        Applicability.UNSAFE,
    )
    v = Violation(
        "S002", "non-idempotent-ddl", Severity.WARNING, 'say "hi" ☕', SQL,
        Span(at, at + 3), fix, (both,),
    )  # fmt: skip
    writer = convert.DiagnosticWriter(SQL, documents, Encoding.UTF16)
    data = json.loads(convert.publish_text(writer.document.uri, 7, [writer.json(v)]))
    params = default_converter().structure(data, types.PublishDiagnosticsParams)
    (diagnostic,) = params.diagnostics
    assert diagnostic.range.start == types.Position(
        line=1, character=TEXT.split("\n")[1].index('"b"')
    )
    assert diagnostic.message == 'say "hi" ☕' and diagnostic.code == "S002"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href.endswith("/S002.md")
    fixes = diagnostic.data["fixes"]
    assert [f["preferred"] for f in fixes] == [True, False]
    edit = convert.workspace_edit(fixes[1]["edits"], True, writer.document.uri, 7)
    changes = {
        c.text_document.uri: c.text_document.version
        for c in edit.document_changes or []
        if isinstance(c, types.TextDocumentEdit)
    }
    assert changes == {convert.uri_of(SQL): 7, convert.uri_of(JOURNAL): None}
    plain = convert.workspace_edit(fixes[0]["edits"], False, writer.document.uri, 7)
    assert plain.changes is not None and list(plain.changes) == [convert.uri_of(SQL)]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("abc", "abc"),
        ("abc", "abXc"),
        ("a\r\nb", "a\r\nXb"),
        ("a\r\nb", "a\nb"),
        ("", "new"),
        ("old", ""),
        ("x☕y😀z", "x☕Y😀z"),
    ],
)
def test_minimal_edit(before: str, after: str) -> None:
    edit = minimal_edit(SQL, before, after)
    assert before[: edit.span.start] + edit.new_text + before[edit.span.end :] == after
    index = TextIndex(before)
    for offset in (edit.span.start, edit.span.end):
        position = index.position(offset)
        assert index.offset(position) == offset, "no position inside a line break"


def _violation(text: str, word: str) -> Violation:
    at = text.index(word)
    fix = Fix(f"Fix {word}", (Edit.insert(SQL, at + len(word), " IF NOT EXISTS"),))
    return Violation(
        "S002", "non-idempotent-ddl", Severity.WARNING, word, SQL, Span(at, at + len(word)), fix
    )


def _written(text: str, violations: list[Violation], version: int) -> list[str]:
    def document_of(path: Path) -> convert.Document:
        return convert.Document(convert.uri_of(path), version, TextIndex(text))

    writer = convert.DiagnosticWriter(SQL, document_of, Encoding.UTF16)
    return [writer.json(v) for v in violations]


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("-- tail", "-- tail ☕"),  # after every diagnostic
        lambda t: t.replace("-- mid", "-- m\nid"),  # a line added between them
        lambda t: t.replace("-- mid", "-- mi☕"),  # same length, wider in UTF-16
        lambda t: t.replace("\r\nB", "\rxB"),  # same length, the same line count
        lambda t: "😀" + t[1:],  # the first character
        lambda t: t,  # nothing
    ],
)
def test_json_written_again_only_where_positions_stay(edit: object) -> None:
    """A violation published before is written again unless its positions may have moved:
    whatever the edit, the JSON equals what a fresh writer makes."""
    before = "-- head\r\nA a;\r\n-- mid\r\nB b;\r\nC c;\r\n-- tail\r\n"
    violations = [_violation(before, word) for word in ("A", "B", "C")]
    _written(before, violations, 1)
    after = edit(before)  # type: ignore[operator]
    # the analyzer keeps a violation object where its chunk's text and offset did not change,
    # even when text before it changed (same length): here, where its word did not move
    kept = [v if after[v.span.start : v.span.end] == v.message else None for v in violations]
    current = [v or _violation(after, w) for v, w in zip(kept, "ABC", strict=True)]
    again = _written(after, current, 2)
    convert._WRITTEN.clear()
    assert again == _written(after, current, 2)
