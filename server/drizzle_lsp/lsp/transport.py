"""stdio for the language server, with two costs of pygls' own taken out of each keystroke.

Reading: pygls reads stdin on a thread, with a round trip to it for the header line, the blank
line and the body of every message. When stdin is a pipe of its own, as an editor starts us, the
event loop reads it directly instead.

Writing: a publish of thousands of diagnostics is about a megabyte, and pygls builds it into new
buffers several times on its way out (joining, encoding, adding the header). The pieces are
bytes already (see :class:`~drizzle_lsp.lsp.convert.DiagnosticsText`) and go to the pipe with
``writev``, copied once, by the kernel.

Otherwise (stdin a file or a terminal, or on a platform without ``writev``) stdin is read on a
thread, as pygls does.

Either way the messages go through :func:`read_messages`, which, unlike pygls' loop, outlives
hostile input: a header line too long to buffer is skipped, a body that is not JSON is
answered with -32700, and a request whose params do not fit its method with -32602, without
a traceback (pygls sends none of those answers, logs tracebacks and, for a long line, dies).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import re
import stat
import sys
import threading
from collections.abc import Awaitable, Sequence
from typing import Any, BinaryIO, Protocol

import cattrs
from lsprotocol import types
from pygls.io_ import StdinAsyncReader, StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCProtocol
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage

log = logging.getLogger(__name__)

_IOV_MAX = 1024  # buffers per writev call (Linux's IOV_MAX)
_CONTENT_LENGTH = re.compile(rb"^Content-Length: *(\d{1,10}) *\r?\n$", re.IGNORECASE)
PARSE_ERROR = -32700
INVALID_PARAMS = -32602


class Reader(Protocol):
    async def readline(self) -> bytes: ...

    async def readexactly(self, n: int) -> bytes: ...


class PipeWriter:
    """pygls' ``StdoutWriter`` with :meth:`write_pieces`.

    Once the editor's end of the pipe is gone, writes are dropped: each failed send would be
    logged, and a log message is itself sent to the editor. The server leaves at the end of its
    stdin, which the same editor held.
    """

    def __init__(self, stdout: BinaryIO) -> None:
        self._stdout = stdout
        self._fd = stdout.fileno()
        self._gone = False

    def close(self) -> None:
        self._stdout.close()

    def write(self, data: bytes) -> None:
        if self._gone:
            return
        try:
            self._stdout.write(data)
            self._stdout.flush()
        except (BrokenPipeError, ConnectionResetError):
            self._editor_gone()

    def write_pieces(self, pieces: Sequence[bytes]) -> None:
        """Write the concatenation of ``pieces`` without building it."""
        if self._gone:
            return
        try:
            self._stdout.flush()
            for start in range(0, len(pieces), _IOV_MAX):
                batch = pieces[start : start + _IOV_MAX]
                written = os.writev(self._fd, batch)
                if written < sum(map(len, batch)):  # a signal came in the middle: finish by hand
                    self._write_all(memoryview(b"".join(batch))[written:])
        except (BrokenPipeError, ConnectionResetError):
            self._editor_gone()

    def _editor_gone(self) -> None:
        self._gone = True
        # stderr, not the log: the log's handler sends to the editor
        sys.stderr.write("drizzle-lsp: the editor closed the connection; nothing more is sent\n")

    def _write_all(self, data: memoryview) -> None:
        while data:
            data = data[os.write(self._fd, data) :]


def write_notification(
    writer: Any, method: str, params: Sequence[bytes], headers: bool
) -> Awaitable[Any] | None:
    """Write a notification whose params are JSON text already, in pieces: to a
    :class:`PipeWriter` as they are, to another writer joined. Framed as pygls frames its own
    messages (``_send_data``), minus the serialization; returns what an asynchronous writer (a
    websocket's) gives to await."""
    pieces = [b'{"jsonrpc":"2.0","method":%s,"params":' % json.dumps(method).encode(), *params]
    pieces.append(b"}")
    if headers:
        pieces.insert(0, f"Content-Length: {sum(map(len, pieces))}\r\n\r\n".encode())
    if isinstance(writer, PipeWriter):
        writer.write_pieces(pieces)
        return None
    result = writer.write(b"".join(pieces))
    return result if inspect.isawaitable(result) else None


def widen_pipe(stream: BinaryIO) -> None:
    """Make room in the pipe to the editor for a whole publish of thousands of diagnostics
    (~1 MB): with Linux's default 64 KB the server waits for the editor to read each 64 KB."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError, ValueError):
        pass  # not Linux, not a pipe, or above /proc/sys/fs/pipe-max-size: the default it is


def serve_stdio(server: LanguageServer, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Run ``server`` over stdio until the client exits it or closes stdin."""
    widen_pipe(stdout)
    server._stop_event = stop = threading.Event()
    piped = _own_pipe(stdin, stdout) and hasattr(os, "writev")
    server.protocol.set_writer(PipeWriter(stdout) if piped else StdoutWriter(stdout))
    try:
        asyncio.run(_serve(server, stdin, stop, piped))
    except BrokenPipeError:
        log.error("Connection to the client is lost! Shutting down the server.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()


async def _serve(
    server: LanguageServer, stdin: BinaryIO, stop: threading.Event, piped: bool
) -> None:
    reader: Any
    if piped:
        reader = asyncio.StreamReader()  # lines beyond its 64 KB limit raise ValueError
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
    else:
        reader = StdinAsyncReader(stdin, server.thread_pool)
    await read_messages(reader, server.protocol, stop)


async def read_messages(reader: Reader, protocol: JsonRPCProtocol, stop: threading.Event) -> None:
    """Hand every message ``reader`` frames to ``protocol``, until end of input or ``stop``."""
    while not stop.is_set():
        body = await _next_body(reader)
        if body is None:
            return
        dispatch(protocol, body)


async def _next_body(reader: Reader) -> bytes | None:
    """The body of the next message (None: end of input). Headers other than Content-Length
    are ignored, and so is a line too long for the reader to buffer."""
    length = 0
    skipping = False
    while True:
        try:
            line = await reader.readline()
        except ValueError:  # asyncio.StreamReader: longer than its limit; the rest follows
            if not skipping:
                log.warning("ignored a header line longer than 64 KB")
            skipping = True
            continue
        if not line:
            return None
        if skipping:  # the end of that line
            skipping = False
            continue
        if (match := _CONTENT_LENGTH.match(line)) is not None:
            length = int(match.group(1))
        elif not line.strip() and length:
            try:
                return await reader.readexactly(length)
            except asyncio.IncompleteReadError:
                return None


def dispatch(protocol: JsonRPCProtocol, body: bytes) -> None:
    """Structure one message and hand it to ``protocol``; answer what cannot be."""
    try:
        data = json.loads(body)
    except ValueError as error:
        log.warning("ignored a message that is not JSON: %s", error)
        _refuse(protocol, None, PARSE_ERROR, f"not JSON: {error}")
        return
    if not isinstance(data, dict):
        log.warning("ignored a message that is not a JSON object")
        return
    try:
        message = _structure(protocol, data)
    except Exception as error:
        _invalid(protocol, data, error)
        return
    protocol.handle_message(message)


def _structure(protocol: JsonRPCProtocol, data: dict[str, Any]) -> Any:
    """As pygls' ``structure_message``, without its traceback in the log."""
    method = data.get("method")
    if "jsonrpc" not in data or not isinstance(method, str):
        return protocol.structure_message(data)  # responses, and what pygls itself ignores
    default = JsonRPCRequestMessage if "id" in data else JsonRPCNotification
    return protocol._converter.structure(data, protocol.get_message_type(method) or default)


def _invalid(protocol: JsonRPCProtocol, data: dict[str, Any], error: Exception) -> None:
    method = data.get("method")
    detail = _describe(error)
    if "id" in data and isinstance(data["id"], int | str) and method is not None:
        log.warning("invalid params for %s: %s", method, detail)
        _refuse(protocol, data["id"], INVALID_PARAMS, f"invalid params for {method}: {detail}")
    else:
        log.warning("ignored an invalid %s message: %s", method or "JSON-RPC", detail)


def _describe(error: Exception) -> str:
    if isinstance(error, cattrs.BaseValidationError):
        return "; ".join(cattrs.transform_error(error)[:3])
    return f"{type(error).__name__}: {error}"


def _refuse(protocol: JsonRPCProtocol, msg_id: int | str | None, code: int, message: str) -> None:
    protocol._send_response(msg_id, error=types.ResponseError(code=code, message=message))  # type: ignore[arg-type]


def _own_pipe(stdin: BinaryIO, stdout: BinaryIO) -> bool:
    """Whether stdin is a pipe that stdout is not: the event loop makes what it reads
    non-blocking, which must not make our writes non-blocking too (a terminal is both)."""
    try:
        given, taken = os.fstat(stdin.fileno()), os.fstat(stdout.fileno())
    except (OSError, ValueError):
        return False
    same = (given.st_dev, given.st_ino) == (taken.st_dev, taken.st_ino)
    return stat.S_ISFIFO(given.st_mode) and not same
