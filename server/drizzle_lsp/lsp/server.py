"""The drizzle-lsp language server: pygls wiring only.

Each handler gets what it needs from :class:`~drizzle_lsp.lsp.state.ServerState` and hands the
work to ``state`` (analysis, scheduling), ``actions`` (code actions), ``navigation`` (hover,
inlay hints, links, definition) or ``watch`` (file watching). Positions are converted with the
server's own line index in the negotiated encoding: utf-8 when the client offers it, else utf-16.
Logs go to ``window/logMessage``; stdout carries the protocol and nothing else.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import threading
from collections.abc import Generator
from pathlib import Path
from typing import Any, ClassVar, NoReturn

from lsprotocol import types
from pygls.exceptions import JsonRpcServerNotInitialized
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from drizzle_lsp import version
from drizzle_lsp.core.settings import S002Scope
from drizzle_lsp.core.text import Encoding
from drizzle_lsp.lsp import actions, convert, navigation, transport, watch
from drizzle_lsp.lsp.editor_settings import SETTINGS_SECTION
from drizzle_lsp.lsp.state import DEFAULT_DEBOUNCE, ServerState

log = logging.getLogger("drizzle_lsp")

EDITOR_POLL_S = 1.0  # how often the editor's process is looked for
CHECK_WORKSPACE = "drizzle-lsp.checkWorkspace"
REFRESH_DATABASE = "drizzle-lsp.refreshDatabase"
SET_S002_SCOPE = actions.SET_S002_SCOPE


def choose_encoding(capabilities: types.ClientCapabilities) -> Encoding:
    """utf-8 when the client offers it (no conversion for us or Neovim), else utf-16."""
    general = capabilities.general
    offered = (general.position_encodings if general else None) or []
    return Encoding.UTF8 if types.PositionEncodingKind.Utf8 in offered else Encoding.UTF16


class DrizzleProtocol(LanguageServerProtocol):
    """pygls' protocol, except that documents live in our state (with our own line index)."""

    def __init__(self, server: Any, converter: Any) -> None:
        super().__init__(server, converter)
        self._writes: set[asyncio.Future[Any]] = set()
        self.initialize_received = False

    def _execute_handler(
        self,
        msg_id: Any,
        handler: Any,
        callback: Any,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        """pygls' handler call, forgetting each future once done: pygls keeps the futures of
        generator and coroutine handlers in ``_request_futures`` and removes only those of
        requests, so every notification (a keystroke: ~2 KB) stayed there for good."""

        def done(future: Any) -> None:
            # (a cancelled one is popped by whoever cancelled it, or at shutdown, which
            # cancels while iterating over the dict)
            if not future.cancelled() and self._request_futures.get(msg_id) is future:
                del self._request_futures[msg_id]
            callback(future)

        super()._execute_handler(msg_id, handler, done, args, kwargs)

    def _handle_request(self, msg_id: Any, method_name: str, params: Any) -> None:
        """Before ``initialize``, a request gets -32002 (ServerNotInitialized), as LSP says."""
        if not self.initialize_received and method_name != types.INITIALIZE:
            self._send_response(msg_id, error=JsonRpcServerNotInitialized().to_response_error())
            return
        super()._handle_request(msg_id, method_name, params)

    def _handle_notification(self, method_name: str, params: Any) -> None:
        """Before ``initialize``, notifications other than ``exit`` are dropped (LSP)."""
        if self.initialize_received or method_name == types.EXIT:
            super()._handle_notification(method_name, params)

    def _send_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        """A response, without the traceback pygls puts in an internal error's ``data``: the
        editor shows it to the user; the log has the error."""
        if error is not None and isinstance(error.data, dict) and "traceback" in error.data:
            error = types.ResponseError(code=error.code, message=error.message)
        super()._send_response(msg_id, result, error)

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(
        self, params: types.InitializeParams
    ) -> Generator[Any, Any, types.InitializeResult]:
        self.initialize_received = True
        # pygls takes the client's first preference; we take utf-8 whenever offered
        if params.capabilities.general is not None:
            chosen = choose_encoding(params.capabilities)
            params.capabilities.general.position_encodings = [chosen.value]
        return (yield from super().lsp_initialize(params))

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(
        self, params: types.DidOpenTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(
        self, params: types.DidCloseTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    def notify_text(self, method: str, params: list[bytes]) -> None:
        """Send a notification whose params are JSON text already, in pieces (see
        convert.DiagnosticsText)."""
        if self.writer is None:
            return
        result = transport.write_notification(self.writer, method, params, self._include_headers)
        if result is not None:  # a websocket writer; stdio writes synchronously
            self._writes.add(task := asyncio.ensure_future(result))
            task.add_done_callback(self._writes.discard)


def debounce_from_env(value: str | None) -> float:
    """``DRIZZLE_LSP_DEBOUNCE_MS`` in seconds: the default when unset or not a number of
    milliseconds from 0 to 10,000 (a typo must not keep the server from starting)."""
    if not value:
        return DEFAULT_DEBOUNCE
    try:
        ms = float(value)
    except ValueError:
        ms = -1.0
    if not 0 <= ms <= 10_000:
        print(
            f"drizzle-lsp: DRIZZLE_LSP_DEBOUNCE_MS={value!r} is not a number of milliseconds "
            f"from 0 to 10000; using {DEFAULT_DEBOUNCE * 1000:.0f}",
            file=sys.stderr,
        )
        return DEFAULT_DEBOUNCE
    return ms / 1000


class DrizzleLanguageServer(LanguageServer):
    protocol: DrizzleProtocol

    def __init__(self) -> None:
        super().__init__(
            "drizzle-lsp",
            version(),
            protocol_cls=DrizzleProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.state = ServerState(self, debounce_from_env(os.environ.get("DRIZZLE_LSP_DEBOUNCE_MS")))
        self.file_watcher = watch.FileWatcher(self.state)
        self.state.folders_changed = self.file_watcher.sync
        self.state.scanned = self.file_watcher.search_workspace
        self.loop: asyncio.AbstractEventLoop | None = None
        self._progress_token: str | None = None
        self._progress_count = 0
        self.can_resolve_actions = False
        self.shut_down = False
        self.editor_watch: asyncio.Future[None] | None = None

    # ---- the Client protocol of ServerState ------------------------------------------------------

    def publish(self, uri: str, version: int | None, diagnostics: convert.DiagnosticsText) -> None:
        self.protocol.notify_text(
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, convert.publish_text(uri, version, diagnostics)
        )

    def show_warning(self, message: str) -> None:
        self.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=message)
        )

    async def ask(self, message: str, actions: list[str]) -> str | None:
        try:
            chosen = await self.window_show_message_request_async(
                types.ShowMessageRequestParams(
                    type=types.MessageType.Warning,
                    message=message,
                    actions=[types.MessageActionItem(title=action) for action in actions],
                )
            )
        except Exception as error:  # the client cannot ask: the log says what to run
            log.warning("could not ask the user: %s", error)
            return None
        return chosen.title if chosen is not None else None

    def report_progress(self, message: str, percentage: int) -> None:
        if self._progress_token is not None:
            self.work_done_progress.report(
                self._progress_token,
                types.WorkDoneProgressReport(message=message, percentage=percentage),
            )

    async def with_progress(self, title: str, work: Any) -> Any:
        """Run the coroutine ``work`` inside a work-done progress (when the client shows them).

        The work starts at once: the progress bar is asked of the client meanwhile (a round
        trip), and what the work reports before the client answers is not shown."""
        window = self.client_capabilities.window
        if not (window and window.work_done_progress) or self._progress_token is not None:
            return await work
        self._progress_count += 1
        token = f"drizzle-lsp-{self._progress_count}"
        work = asyncio.ensure_future(work)
        try:
            await self.work_done_progress.create_async(token)
        except Exception:  # the client refused: work without a progress bar
            return await work
        self._progress_token = token
        self.work_done_progress.begin(
            token, types.WorkDoneProgressBegin(title=title, percentage=0, cancellable=False)
        )
        try:
            return await work
        finally:
            self._progress_token = None
            self.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))

    # ---- configuration ---------------------------------------------------------------------------

    async def pull_configuration(self) -> None:
        """Ask the client for ``drizzleLsp`` settings, globally and per workspace folder."""
        workspace = self.client_capabilities.workspace
        if not (workspace and workspace.configuration):
            return
        folders = list(self.state.workspace_folders)
        items = [types.ConfigurationItem(section=SETTINGS_SECTION)] + [
            types.ConfigurationItem(scope_uri=convert.uri_of(f), section=SETTINGS_SECTION)
            for f in folders
        ]
        try:
            values = await self.workspace_configuration_async(
                types.ConfigurationParams(items=items)
            )
        except Exception as error:
            log.warning("workspace/configuration failed: %s", error)
            return
        for folder, value in zip([None, *folders], values, strict=False):
            if value is not None:
                self.state.set_editor_settings(folder, value)


server = DrizzleLanguageServer()


# ---- lifecycle -----------------------------------------------------------------------------------


@server.feature(types.INITIALIZE)
def initialize(ls: DrizzleLanguageServer, params: types.InitializeParams) -> None:
    ls.loop = asyncio.get_running_loop()
    state = ls.state
    state.encoding = choose_encoding(params.capabilities)
    folders = [convert.path_of(f.uri) for f in params.workspace_folders or []]
    if not folders and (params.root_uri or params.root_path):
        folders = [
            convert.path_of(params.root_uri) if params.root_uri else Path(params.root_path or "")
        ]
    state.workspace_folders = [f for f in folders if f is not None]
    if params.initialization_options is not None:
        state.set_editor_settings(None, params.initialization_options)
    capabilities = params.capabilities
    edit = capabilities.workspace.workspace_edit if capabilities.workspace else None
    state.document_changes = bool(edit and edit.document_changes)
    code_action = capabilities.text_document.code_action if capabilities.text_document else None
    resolve = code_action.resolve_support if code_action else None
    ls.can_resolve_actions = bool(resolve and "edit" in resolve.properties)
    if params.process_id is not None and os.name == "posix":
        ls.editor_watch = asyncio.ensure_future(_exit_when_gone(ls, params.process_id))
    log.info("drizzle-lsp %s, positions in %s", version(), state.encoding.value)


async def _exit_when_gone(ls: DrizzleLanguageServer, pid: int) -> None:
    """Exit once the editor's process is gone: an editor that crashed or was killed never
    sends ``exit``, and stdin may stay open (a wrapper script, a shared terminal)."""
    while not ls.shut_down:
        await asyncio.sleep(EDITOR_POLL_S)
        if not process_alive(pid):
            log.warning("the editor (process %d) is gone: exiting", pid)
            ls.state.close()
            sys.stderr.flush()
            os._exit(1)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, another user's
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): kill() said it exists
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


@server.feature(types.INITIALIZED)
async def initialized(ls: DrizzleLanguageServer, params: types.InitializedParams) -> None:
    await ls.pull_configuration()  # the settings the scan needs
    registering = asyncio.ensure_future(_register_watchers(ls))  # answered during the scan
    # the scan allocates a lot and frees little (it fills caches): no cyclic GC passes meanwhile
    # (see docs/performance.md, no cyclic GC)
    gc.disable()
    try:
        await ls.with_progress("drizzle-lsp: checking migrations", ls.state.scan())
    finally:
        gc.enable()
    if not await registering:
        ls.file_watcher.start()
    log.info("checked %d migrations folders", len(ls.state.folders))
    freeze_memory()


async def _register_watchers(ls: DrizzleLanguageServer) -> bool:
    """Ask the client to report file changes (dynamic registration); whether it will."""
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if not (watched and watched.dynamic_registration):
        return False
    try:
        await ls.client_register_capability_async(watch.registration())
    except Exception as error:
        log.warning("could not register file watchers: %s; watching files ourselves", error)
        return False
    log.info("file changes reported by the client (dynamic registration)")
    return True


def freeze_memory() -> None:
    """Move what the scan built (parse caches: long-lived) out of the cyclic GC's sight.

    Full collections otherwise walk every cached result now and then, adding 100+ ms to an edit
    that happens to trigger one; frozen objects are still freed by reference counting.
    """
    gc.collect()
    gc.freeze()


@server.feature(types.SHUTDOWN)
async def shutdown(ls: DrizzleLanguageServer, params: None) -> None:
    ls.shut_down = True
    await ls.file_watcher.stop()
    ls.state.close()


# ---- documents and files -------------------------------------------------------------------------


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: DrizzleLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    doc = params.text_document
    ls.state.open(doc.uri, doc.text, doc.version)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: DrizzleLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    doc = params.text_document
    ls.state.change(doc.uri, doc.version, params.content_changes)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: DrizzleLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.state.close_document(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: DrizzleLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.state.saved(params.text_document.uri)


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(
    ls: DrizzleLanguageServer, params: types.DidChangeWatchedFilesParams
) -> None:
    watch.lsp_events(ls.state, params)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(
    ls: DrizzleLanguageServer, params: types.DidChangeConfigurationParams
) -> None:
    workspace = ls.client_capabilities.workspace
    if workspace and workspace.configuration:
        await ls.pull_configuration()
    elif params.settings is not None:
        ls.state.set_editor_settings(None, params.settings)
    await ls.state.scan()  # `migrations` may name other folders now


@server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
async def did_change_workspace_folders(
    ls: DrizzleLanguageServer, params: types.DidChangeWorkspaceFoldersParams
) -> None:
    removed = {convert.path_of(f.uri) for f in params.event.removed}
    added = [p for f in params.event.added if (p := convert.path_of(f.uri)) is not None]
    ls.state.workspace_folders = [f for f in ls.state.workspace_folders if f not in removed] + added
    await ls.pull_configuration()
    await ls.with_progress("drizzle-lsp: checking migrations", ls.state.scan())


# ---- code actions --------------------------------------------------------------------------------


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=actions.KINDS, resolve_provider=True),
)
async def code_action(
    ls: DrizzleLanguageServer, params: types.CodeActionParams
) -> list[types.CodeAction]:
    return await actions.code_actions(ls.state, params, ls.can_resolve_actions)


@server.feature(types.CODE_ACTION_RESOLVE)
async def code_action_resolve(
    ls: DrizzleLanguageServer, params: types.CodeAction
) -> types.CodeAction:
    return await actions.resolve(ls.state, params)


# ---- navigation ----------------------------------------------------------------------------------


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: DrizzleLanguageServer, params: types.HoverParams) -> types.Hover | None:
    document = ls.state.document(params.text_document.uri)
    return navigation.hover(ls.state, document, params.position) if document else None


@server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
def inlay_hint(ls: DrizzleLanguageServer, params: types.InlayHintParams) -> list[types.InlayHint]:
    document = ls.state.document(params.text_document.uri)
    return navigation.inlay_hints(ls.state, document, params.range) if document else []


@server.feature(
    types.TEXT_DOCUMENT_DOCUMENT_LINK, types.DocumentLinkOptions(resolve_provider=False)
)
def document_link(
    ls: DrizzleLanguageServer, params: types.DocumentLinkParams
) -> list[types.DocumentLink]:
    document = ls.state.document(params.text_document.uri)
    if document is None:
        return []
    text_document = ls.client_capabilities.text_document
    link = text_document.document_link if text_document else None
    return navigation.document_links(ls.state, document, bool(link and link.tooltip_support))


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
def definition(ls: DrizzleLanguageServer, params: types.DefinitionParams) -> types.Location | None:
    document = ls.state.document(params.text_document.uri)
    return navigation.definition(ls.state, document, params.position) if document else None


# ---- commands ------------------------------------------------------------------------------------


@server.command(CHECK_WORKSPACE)
async def check_workspace(ls: DrizzleLanguageServer, *args: Any) -> dict[str, int]:
    """Re-scan every workspace folder from disk and re-check all migrations folders."""
    await ls.with_progress("drizzle-lsp: checking migrations", ls.state.scan())
    freeze_memory()
    return {"folders": len(ls.state.folders)}


@server.command(REFRESH_DATABASE)
async def refresh_database(ls: DrizzleLanguageServer, *args: Any) -> dict[str, int]:
    """Re-read the migrations tables of the configured databases now and re-check their folders.

    Returns ``{"folders": N, "unavailable": M}``: folders that name a database, and how many of
    those could not read it (the log says why).
    """
    return await ls.state.refresh_database()


@server.command(SET_S002_SCOPE)
async def set_s002_scope(ls: DrizzleLanguageServer, *args: Any) -> dict[str, Any]:
    """S002's scope over the settings, until the server restarts or the editor sends another
    ``s002Scope`` setting: ``"new"``, ``"at-risk"`` or ``"all"`` (the code actions on an S002
    diagnostic send it); every folder is checked again.

    Returns ``{"scope": scope, "folders": N}``."""
    try:
        scope = S002Scope(str(args[0]) if args else "")
    except ValueError:
        raise ValueError(
            f'{SET_S002_SCOPE}: the argument must be "new", "at-risk" or "all", not {args!r}'
        ) from None
    await ls.state.set_s002_scope(scope)
    log.info("S002 scope: %s (until the server restarts)", scope.value)
    return {"scope": scope.value, "folders": len(ls.state.folders)}


# ---- logging and the entry point -----------------------------------------------------------------


class _OneLine(logging.Formatter):
    """A record's message, and of an exception only its type and text: a traceback means
    nothing to the user who reads the editor's log (``DRIZZLE_LSP_LOG=debug`` keeps them)."""

    def __init__(self, fmt: str, tracebacks: bool) -> None:
        super().__init__(fmt)
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if self.tracebacks or not record.exc_info:
            return super().format(record)
        error = record.exc_info[1]
        message = record.getMessage().splitlines()[0] if record.getMessage() else ""
        return f"{message}: {type(error).__name__}: {error}" if error else message


class _LogMessageHandler(logging.Handler):
    """``logging`` records of drizzle_lsp -> ``window/logMessage`` (sent on the loop thread)."""

    _TYPES: ClassVar[dict[int, types.MessageType]] = {
        logging.ERROR: types.MessageType.Error,
        logging.WARNING: types.MessageType.Warning,
        logging.INFO: types.MessageType.Info,
    }

    def __init__(self, ls: DrizzleLanguageServer) -> None:
        super().__init__()
        self.ls = ls
        self._loop_thread: int | None = None
        self._sending = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        loop = self.ls.loop
        # a record logged while one is being sent (sending it failed) goes to stderr: sent in
        # turn, it could fail and be logged again, without end
        if loop is None or loop.is_closed() or getattr(self._sending, "active", False):
            sys.stderr.write(self.format(record) + "\n")
            return
        kind = next((t for level, t in self._TYPES.items() if record.levelno >= level), None)
        params = types.LogMessageParams(
            type=kind or types.MessageType.Log, message=self.format(record)
        )
        if threading.current_thread() is threading.main_thread():
            self._send(params)
        else:
            loop.call_soon_threadsafe(self._send, params)

    def _send(self, params: types.LogMessageParams) -> None:
        self._sending.active = True
        try:
            self.ls.window_log_message(params)
        finally:
            self._sending.active = False


def main() -> NoReturn:
    """``drizzle-lsp`` / ``drizzle-lsp serve``: the language server over stdio."""
    freeze_memory()  # the modules' objects (lsprotocol's types: many) live as long as we do
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the protocol stream
    level = os.environ.get("DRIZZLE_LSP_LOG", "INFO").upper()
    handler = _LogMessageHandler(server)
    handler.setFormatter(_OneLine("%(message)s", tracebacks=level == "DEBUG"))
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(level)
    # pygls' own warnings and errors (a failed handler) go to the same log, one line each,
    # rather than as tracebacks on stderr (not its debug lines: it logs every message it sends)
    pygls_log = logging.getLogger("pygls")
    pygls_log.addHandler(handler)
    pygls_log.propagate = False
    pygls_log.setLevel(logging.WARNING)
    transport.serve_stdio(server, stdin, stdout)
    code = 0 if server.shut_down else 1  # LSP: exit without shutdown is an error
    # skip interpreter teardown (~0.4 s of freeing parse caches): nothing is left to flush
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
