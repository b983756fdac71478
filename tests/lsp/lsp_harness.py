"""End-to-end harness: the real server process over stdio, driven by pytest-lsp's client.

The ``start`` fixture (conftest.py) launches ``python -m drizzle_lsp.lsp`` with a workspace folder,
chosen client capabilities, initialization options and ``workspace/configuration`` answers; a
:class:`Session` records what the server publishes and registers, and ``wait_for`` polls it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import folders
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

SERVER = Path(__file__).resolve().parents[2] / "server"


def journal_text(entries: list[tuple[str, int]]) -> str:
    """A journal listing ``(tag, when)`` pairs, one entry per line (to keep tests short)."""
    return folders.journal_text(folders.entries(*entries), entry_per_line=True, end="\n")


def make_folder(root: Path, files: dict[str, str], entries: list[tuple[str, int]]) -> Path:
    """``root/drizzle`` with the ``files`` and a journal of the ``(tag, when)`` pairs."""
    return folders.write_folder(root / "drizzle", sql=files, journal=journal_text(entries))


def capabilities(
    *,
    dynamic_watch: bool = True,
    utf8: bool = False,
    configuration: bool = True,
    resolve: bool = True,
) -> types.ClientCapabilities:
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(
            position_encodings=[types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16]
            if utf8
            else [types.PositionEncodingKind.Utf16]
        ),
        workspace=types.WorkspaceClientCapabilities(
            configuration=configuration,
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=dynamic_watch
            ),
            workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
        ),
        text_document=types.TextDocumentClientCapabilities(
            code_action=types.CodeActionClientCapabilities(
                resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"])
                if resolve
                else None
            ),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
        ),
        window=types.WindowClientCapabilities(work_done_progress=True),
    )


class Session:
    """One client connected to one server process, plus what it observed."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        self.client = client
        self.root = root
        self.registrations: list[types.Registration] = []
        self.published: list[types.PublishDiagnosticsParams] = []
        self.questions: list[types.ShowMessageRequestParams] = []
        self.versions: dict[str, int] = {}
        self.initialize_result: types.InitializeResult | None = None

    def uri(self, path: Path | str) -> str:
        return (self.root / path).as_uri() if isinstance(path, str) else path.as_uri()

    def diagnostics(self, path: Path | str) -> list[types.Diagnostic]:
        return list(self.client.diagnostics.get(self.uri(path), []))

    def codes(self, path: Path | str, *only: str) -> list[str]:
        """Codes of the diagnostics of ``path`` (only those starting with ``only``, if given)."""
        codes = (str(d.code) for d in self.diagnostics(path))
        return sorted(c for c in codes if not only or c.startswith(only))

    async def wait_for(
        self, condition: Callable[[], Any], timeout: float = 5.0, what: str = "condition"
    ) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            await asyncio.sleep(0.01)
        raise AssertionError(f"timed out waiting for {what}; diagnostics: {self.summary()}")

    def summary(self) -> dict[str, list[str]]:
        return {
            uri.rsplit("/", 2)[-1]: [str(d.code) for d in diags]
            for uri, diags in self.client.diagnostics.items()
        }

    def open(self, path: Path | str, text: str | None = None) -> str:
        uri = self.uri(path)
        file = Path(self.root / path) if isinstance(path, str) else path
        text = file.read_text(encoding="utf-8") if text is None else text
        self.versions[uri] = 1
        language = "json" if file.suffix == ".json" else "sql"
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id=language, version=1, text=text
                )
            )
        )
        return uri

    def edit(self, uri: str, start: tuple[int, int], end: tuple[int, int], text: str) -> int:
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(
                            start=types.Position(line=start[0], character=start[1]),
                            end=types.Position(line=end[0], character=end[1]),
                        ),
                        text=text,
                    )
                ],
            )
        )
        return self.versions[uri]

    def replace_all(self, uri: str, text: str) -> int:
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        return self.versions[uri]


Starter = Callable[..., Awaitable[Session]]


def test_client() -> LanguageClient:
    # pytest-lsp's default client already handles publishDiagnostics; ours records every one
    client = LanguageClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    del features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]
    register_lsp_features(client, features)
    return client


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (utf-16 columns, as a client does) to ``text``."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        line = lines[position.line]
        units = 0
        for i, ch in enumerate(line):
            if units >= position.character:
                return starts[position.line] + i
            units += 2 if ord(ch) > 0xFFFF else 1
        return starts[position.line] + len(line)

    spans = sorted(
        ((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits),
        key=lambda s: s[0],
        reverse=True,
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def edits_by_uri(edit: types.WorkspaceEdit | None) -> dict[str, list[types.TextEdit]]:
    """The text edits of a WorkspaceEdit per URI (documentChanges or changes)."""
    assert edit is not None
    found: dict[str, list[types.TextEdit]] = {}
    for change in edit.document_changes or []:
        assert isinstance(change, types.TextDocumentEdit)
        found.setdefault(change.text_document.uri, []).extend(
            e for e in change.edits if isinstance(e, types.TextEdit)
        )
    for uri, edits in (edit.changes or {}).items():
        found.setdefault(uri, []).extend(edits)
    return found
