"""Work for a second core: ``function`` mapped over items by this process from the front and by
a forked child from the back, until the two meet.

The child is a copy of this process made by ``fork``, so it needs no start-up and no copy of its
inputs. It sends its results back pickled through a pipe, a batch every few milliseconds, and
this process reads what has arrived before each item it takes: where the child's results begin,
its own work ends. Neither waits for the other, so the split follows the speed of each core (the
other one may be busy with something else) and a child that fails, hangs or sends garbage
only leaves this process more to do: it never waits for it. At the meeting point both may have
done an item; at most a batch's worth of the child's work is thrown away. The child is killed
then, and leaves without any clean-up of its own (``os._exit``). Where ``fork`` does not exist,
or on a single core, this process does it all.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

_BATCH_SECONDS = 0.005  # how much work the child sends at a time
_LENGTH = struct.Struct("<Q")  # each batch is framed by its length


def map_from_both_ends(
    function: Callable[[Any], Any], items: Sequence[Any]
) -> tuple[list[Any], int]:
    """``[function(item) for item in items]`` on two cores, and where the child's share
    begins: ``results[i]`` for ``i`` from there on is the child's, the rest were computed
    here. The results are the same whichever process computed them (``function`` must be
    pure, and its results picklable)."""
    results: list[Any] = [None] * len(items)
    front, back = 0, len(items)  # we compute items[front]; the child delivered items[back:]
    child = _Child.start(function, items) if len(items) > 1 else None
    try:
        while front < back:
            if child is not None:
                for low, batch in child.received():
                    start = max(low, front)  # not those we did meanwhile: ours stay ours
                    results[start : low + len(batch)] = batch[start - low :]
                    back = low
                if front >= back:
                    break
            results[front] = function(items[front])
            front += 1
    finally:
        if child is not None:
            child.stop()
    return results, max(front, back)


class _Child:
    """A forked process computing ``function`` over ``items`` from the last one down."""

    def __init__(self, pid: int, pipe: int) -> None:
        self._pid, self._pipe = pid, pipe
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._failed = False  # it sent something we cannot read: nothing more is taken
        # the pipe is drained as batches arrive, not only between our items: a pipe holds
        # 64 KiB, and a child that fills it waits until we finish an item (a whole file)
        self._reader = threading.Thread(target=self._drain, name="forked-results", daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            while chunk := os.read(self._pipe, 1 << 20):
                with self._lock:
                    self._buffer += chunk

    @classmethod
    def start(cls, function: Callable[[Any], Any], items: Sequence[Any]) -> _Child | None:
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

    def received(self) -> Iterator[tuple[int, list[Any]]]:
        """The batches that have arrived since last asked, without waiting: (index of the
        batch's first item, results in item order)."""
        if self._failed:
            return
        with self._lock:  # what has arrived is taken as it is, not copied (called per item)
            arrived, self._buffer = self._buffer, bytearray()
        at = 0
        try:
            with memoryview(arrived) as view:
                while len(arrived) - at >= _LENGTH.size:
                    (size,) = _LENGTH.unpack_from(view, at)
                    end = at + _LENGTH.size + size
                    if len(arrived) < end:
                        break  # the rest of this batch is on its way
                    try:
                        low, batch = pickle.loads(view[at + _LENGTH.size : end])
                    except Exception:
                        self._failed = True  # not a batch of ours: do without the child
                        return
                    at = end
                    yield low, batch
        finally:
            if at < len(arrived) and not self._failed:
                with self._lock:
                    self._buffer[:0] = arrived[at:]  # kept, before what arrived since

    def stop(self) -> None:
        """Kill the child (done, or doing what this process did already) and reap it."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._pid, 0)
        self._reader.join()  # the child's end of the pipe is closed: the reader is done
        os.close(self._pipe)


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
        batch: list[Any] = []
        sent = time.monotonic()
        for i in range(len(items) - 1, -1, -1):
            batch.append(function(items[i]))
            if i == 0 or time.monotonic() - sent >= _BATCH_SECONDS:
                _send(pipe, i, batch[::-1])
                batch, sent = [], time.monotonic()
        code = 0
    finally:
        os._exit(code)


def _send(pipe: int, low: int, batch: list[Any]) -> None:
    data = pickle.dumps((low, batch), pickle.HIGHEST_PROTOCOL)
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(pipe, view) :]
