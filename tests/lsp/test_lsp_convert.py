"""Conversion to LSP values, in process: the JSON text is valid LSP, edits are minimal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.protocol import default_converter

from drizzle_lsp.core.diagnostics import Applicability, Edit, Fix, Severity, Span, Violation
from drizzle_lsp.core.fixes import minimal_edit
from drizzle_lsp.core.folder import SqlDocument
from drizzle_lsp.core.source import SourceText
from drizzle_lsp.core.text import Encoding, TextIndex
from drizzle_lsp.engine.analyze import lint_sql
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
    data = json.loads(
        b"".join(convert.publish_text(writer.document.uri, 7, writer.diagnostics([v])))
    )
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
    assert [f.get("preferred", True) for f in fixes] == [True, False]
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


def _lint(text: str) -> list[Violation]:
    """The file's SQL-rule violations as the analyzer places them (each with its ``origin``)."""
    return lint_sql(SqlDocument(SQL, "0001_a", SourceText(text)), breakpoints=True)


def _written(text: str, violations: list[Violation], version: int) -> list[str]:
    def document_of(path: Path) -> convert.Document:
        return convert.Document(convert.uri_of(path), version, TextIndex(text))

    written = convert.DiagnosticWriter(SQL, document_of, Encoding.UTF16).diagnostics(violations)
    return [body + written.ending for body in written.bodies]


BREAK = "\n--> statement-breakpoint\n"
CHUNKS = [
    'CREATE TABLE "a" ("id" int);',
    "SELECT 1;",  # no diagnostic: an edit here leaves every violation object as it was
    '-- café ☕\r\nALTER TABLE "a" ADD COLUMN "b" int;',
    'ALTER TABLE "a" ADD COLUMN "c" int;\r\nALTER TABLE "a" ADD COLUMN "d" int;',
    'CREATE INDEX "i" ON "a" ("b");',
]
# the last statement starts on the marker's line, after the previous statement's last line
BEFORE = BREAK.join(CHUNKS[:4]) + " --> statement-breakpoint " + CHUNKS[4] + "\n"


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace('"i"', '"i2"'),  # in the last chunk: the others are kept
        lambda t: t.replace('"b" int', '"bb" int'),  # the chunks after it move along the line
        lambda t: t.replace('"a" ADD COLUMN "c"', '"a"\nADD COLUMN "c"'),  # a line added
        lambda t: t.replace("SELECT 1", "SELECT\n1"),  # a line added, the same length
        lambda t: t.replace("café ☕", "cafe ☕☕"),  # wider in UTF-16, the same length in str
        lambda t: t.replace("\r\nALTER", "\rALTER"),  # a CRLF becomes CR: the same line count
        lambda t: t.replace('"d" int', '"dd" int'),  # the last chunk starts a column later
        lambda t: "😀" + t,  # before everything
        lambda t: t + BREAK + CHUNKS[2],  # a copy of a chunk: the same origin, elsewhere
        lambda t: t,  # nothing
    ],
)
def test_json_written_again_only_where_positions_change(edit: object) -> None:
    """A diagnostic published before is reused only where its chunk's text and start position
    are the same: whatever the edit, the JSON equals what a fresh writer makes."""
    before = BEFORE
    _written(before, _lint(before), 1)
    after = edit(before)  # type: ignore[operator]
    violations = _lint(after)
    again = _written(after, violations, 2)
    convert._WRITTEN.clear()
    assert again == _written(after, violations, 2)
    assert len(violations) >= 5 and all(v.origin is not None for v in violations)


def test_diagnostics_of_unchanged_chunks_are_not_encoded_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Typing in the last statement re-encodes only its diagnostic, not the file's others."""
    before = BEFORE
    _written(before, _lint(before), 1)
    encoded: list[str] = []
    body = convert.DiagnosticWriter._body

    def counting(self: convert.DiagnosticWriter, v: Violation) -> str:
        encoded.append(v.message)
        return body(self, v)

    monkeypatch.setattr(convert.DiagnosticWriter, "_body", counting)
    after = before.replace('"i"', '"i2"')
    _written(after, _lint(after), 2)
    assert len(encoded) == 1 and '"i2"' in encoded[0]
