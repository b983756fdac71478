"""The ``start`` fixture: a server process per call, shut down cleanly after the test."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest_asyncio
from lsp_harness import SERVER, Session, Starter, capabilities, test_client
from lsprotocol import types
from pytest_lsp import ClientServerConfig
from unprivileged import unprivileged


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
        log_level: str = "info",
        env: dict[str, str] | None = None,
        answer: Callable[[types.ShowMessageRequestParams], str | None] = lambda params: None,
        as_nobody: bool = False,
    ) -> Session:
        """``env``: more environment for the server; ``answer``: the action the user picks
        when the server asks (``window/showMessageRequest``; every request is recorded);
        ``as_nobody``: run the server as nobody when we are root (see ``unprivileged``)."""
        env = dict(
            os.environ,
            PYTHONPATH=str(SERVER),
            DRIZZLE_LSP_DEBOUNCE_MS=str(debounce_ms),
            DRIZZLE_LSP_LOG=log_level,
            **(env or {}),
        )
        command_argv = [sys.executable, "-m", "drizzle_lsp.lsp"]
        command = unprivileged(command_argv)
        config = ClientServerConfig(
            server_command=command if as_nobody else command_argv,
            server_env=env,
            client_factory=test_client,
        )
        client = await config.start()
        session = Session(client, root)
        if configuration is not None:
            client.set_configuration(configuration)

        @client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params: types.RegistrationParams) -> None:
            session.registrations.extend(params.registrations)

        @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
        def ask(params: types.ShowMessageRequestParams) -> types.MessageActionItem | None:
            session.questions.append(params)
            chosen = answer(params)
            return types.MessageActionItem(title=chosen) if chosen is not None else None

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: types.PublishDiagnosticsParams) -> None:
            client.diagnostics[params.uri] = params.diagnostics
            session.published.append(params)

        session.initialize_result = await client.initialize_session(
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
        server = session.client._server
        assert server is None or server.returncode == 0, "the server did not exit cleanly"
