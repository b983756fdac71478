"""End-to-end harness: the real server process over stdio, driven by pytest-lsp's client.

``start(root, ...)`` launches ``python -m drizzle_lsp.lsp`` with a workspace folder, chosen client
capabilities, initialization options and ``workspace/configuration`` answers, and records what the
server registers dynamically. ``wait_for`` polls the client's received state.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest_asyncio
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

SERVER = Path(__file__).resolve().parents[2] / "server"

JOURNAL_ENTRY = '    {{"idx": {idx}, "version": "7", "when": {when}, "tag": "{tag}", "breakpoints": true}}'


def journal_text(entries: list[tuple[str, int]]) -> str:
    """A journal as drizzle-kit writes it (one entry per line here, to keep tests short)."""
    body = ",\n".join(
        JOURNAL_ENTRY.format(idx=i, when=when, tag=tag) for i, (tag, when) in enumerate(entries)
    )
    return (
        '{\n  "version": "7",\n  "dialect": "postgresql",\n  "entries": [\n' + body + "\n  ]\n}\n"
    )


def make_folder(root: Path, files: dict[str, str], entries: list[tuple[str, int]]) -> Path:
    folder = root / "drizzle"
    (folder / "meta").mkdir(parents=True)
    (folder / "meta" / "_journal.json").write_text(journal_text(entries), encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


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
        self.versions: dict[str, int] = {}

    def uri(self, path: Path | str) -> str:
        return (self.root / path).as_uri() if isinstance(path, str) else path.as_uri()

    def diagnostics(self, path: Path | str) -> list[types.Diagnostic]:
        return list(self.client.diagnostics.get(self.uri(path), []))

    def codes(self, path: Path | str) -> list[str]:
        return sorted(str(d.code) for d in self.diagnostics(path))

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


def _client_without_publish_handler() -> LanguageClient:
    # pytest-lsp's default client already handles publishDiagnostics; ours records every one
    client = LanguageClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    del features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]
    register_lsp_features(client, features)
    return client


@pytest_asyncio.fixture
async def start() -> AsyncIterator[Starter]:
    sessions: list[Session] = []

    async def starter(
        root: Path,
        *,
        caps: types.ClientCapabilities | None = None,
        init_options: Any = None,
        configuration: dict[str, Any] | None = None,
        debounce_ms: int = 20,
    ) -> Session:
        env = dict(os.environ, PYTHONPATH=str(SERVER), DRIZZLE_LSP_DEBOUNCE_MS=str(debounce_ms))
        config = ClientServerConfig(
            server_command=[sys.executable, "-m", "drizzle_lsp.lsp"],
            server_env=env,
            client_factory=_client_without_publish_handler,
        )
        client = await config.start()
        session = Session(client, root)
        if configuration is not None:
            client.set_configuration(configuration)

        @client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params: types.RegistrationParams) -> None:
            session.registrations.extend(params.registrations)

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: types.PublishDiagnosticsParams) -> None:
            client.diagnostics[params.uri] = params.diagnostics
            session.published.append(params)

        await client.initialize_session(
            types.InitializeParams(
                capabilities=caps or capabilities(),
                workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="project")],
                initialization_options=init_options,
            )
        )
        sessions.append(session)
        return session

    yield starter
    for session in sessions:
        await session.client.shutdown_session()
        await session.client.stop()


def dump(value: Any) -> str:
    return json.dumps(value, indent=2, default=str)
