"""Work for a second core: ``function`` mapped over items in a forked child process.

The child is a copy of this process made by ``fork``, so it needs no start-up and no copy of its
inputs: it computes, sends its results back pickled through a pipe, and exits without running
any clean-up (``os._exit``). Anything going wrong in it (a crash, an exception, a result that
cannot be pickled, no result within ``timeout``) makes :meth:`Child.results` return None, and
the caller does the work itself. Where ``fork`` does not exist, or on a single core, nothing is
started.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import time
from collections.abc import Callable, Sequence
from typing import Any


class Child:
    """A forked process computing ``[function(item) for item in items]``."""

    def __init__(self, pid: int, pipe: int) -> None:
        self._pid, self._pipe = pid, pipe

    @classmethod
    def start(cls, function: Callable[[Any], Any], items: Sequence[Any]) -> Child | None:
        """The child, started; None where it would not help (no ``fork``, a single core)."""
        if not hasattr(os, "fork") or _cores() < 2:
            return None
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return None
        if pid == 0:  # the child: never returns
            os.close(read)
            _compute_and_exit(function, items, write)
        os.close(write)
        return cls(pid, read)

    def results(self, timeout: float) -> list[Any] | None:
        """The child's results (waiting up to ``timeout`` seconds), or None if it failed."""
        deadline = time.monotonic() + timeout
        chunks: list[bytes] = []
        try:
            while (left := deadline - time.monotonic()) > 0:
                if not select.select([self._pipe], [], [], left)[0]:
                    break
                chunk = os.read(self._pipe, 1 << 20)
                if not chunk:  # the child is done
                    return self._unpickled(b"".join(chunks))
                chunks.append(chunk)
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)  # too slow: we do the work ourselves
            return None
        finally:
            os.close(self._pipe)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)

    @staticmethod
    def _unpickled(data: bytes) -> list[Any] | None:
        try:
            results = pickle.loads(data)
        except Exception:
            return None  # it died halfway (or sent nothing)
        return results if isinstance(results, list) else None


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _compute_and_exit(function: Callable[[Any], Any], items: Sequence[Any], pipe: int) -> None:
    code = 1
    try:
        # stdin and stdout may be the editor's pipes: nothing of the child's may reach them
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        data = pickle.dumps([function(item) for item in items], pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(pipe, view) :]
        code = 0
    finally:
        os._exit(code)
