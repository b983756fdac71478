"""stdio for the language server, with two costs of pygls' own taken out of each keystroke.

Reading: pygls reads stdin on a thread, one round trip to it for the header line, one for the
blank line and one for the body of every message (~0.5 ms each on a loaded machine). When stdin
is a pipe of its own, as an editor starts us, the event loop reads it directly instead.

Writing: a publish of thousands of diagnostics is ~1 MB, and every 1 MB buffer built on its
way out (joining the pieces, encoding, adding the header) costs up to a millisecond here. The
pieces are bytes already (see :class:`~drizzle_lsp.lsp.convert.DiagnosticsText`) and go to the
pipe with ``writev``, copied once, by the kernel.

Otherwise (stdin a file or a terminal, or on a platform without ``writev``) this is pygls'
``start_io``, unchanged.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import threading
from collections.abc import Sequence
from typing import BinaryIO

from pygls.io_ import run_async
from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

_IOV_MAX = 1024  # buffers per writev call (Linux's IOV_MAX)


class PipeWriter:
    """pygls' ``StdoutWriter`` with :meth:`write_pieces`."""

    def __init__(self, stdout: BinaryIO) -> None:
        self._stdout = stdout
        self._fd = stdout.fileno()

    def close(self) -> None:
        self._stdout.close()

    def write(self, data: bytes) -> None:
        self._stdout.write(data)
        self._stdout.flush()

    def write_pieces(self, pieces: Sequence[bytes]) -> None:
        """Write the concatenation of ``pieces`` without building it."""
        self._stdout.flush()
        for start in range(0, len(pieces), _IOV_MAX):
            batch = pieces[start : start + _IOV_MAX]
            written = os.writev(self._fd, batch)
            if written < sum(map(len, batch)):  # a signal came in the middle: finish by hand
                self._write_all(memoryview(b"".join(batch))[written:])

    def _write_all(self, data: memoryview) -> None:
        while data:
            data = data[os.write(self._fd, data) :]


def serve_stdio(server: LanguageServer, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Run ``server`` over stdio until the client exits it or closes stdin."""
    if not (_own_pipe(stdin, stdout) and hasattr(os, "writev")):
        server.start_io(stdin, stdout)
        return
    # as pygls' _start_io_async, with our reader and writer
    server._stop_event = stop = threading.Event()
    server.protocol.set_writer(PipeWriter(stdout))
    try:
        asyncio.run(_read_messages(server, stdin, stop))
    except BrokenPipeError:
        log.error("Connection to the client is lost! Shutting down the server.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()


async def _read_messages(server: LanguageServer, stdin: BinaryIO, stop: threading.Event) -> None:
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
    await run_async(
        stop_event=stop,
        reader=reader,
        protocol=server.protocol,
        logger=log,
        error_handler=server.report_server_error,
    )


def _own_pipe(stdin: BinaryIO, stdout: BinaryIO) -> bool:
    """Whether stdin is a pipe that stdout is not: the event loop makes what it reads
    non-blocking, which must not make our writes non-blocking too (a terminal is both)."""
    try:
        given, taken = os.fstat(stdin.fileno()), os.fstat(stdout.fileno())
    except (OSError, ValueError):
        return False
    same = (given.st_dev, given.st_ino) == (taken.st_dev, taken.st_ino)
    return stat.S_ISFIFO(given.st_mode) and not same
