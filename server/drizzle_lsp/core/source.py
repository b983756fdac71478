"""Reading and writing migration files without losing anything: BOM, line endings, bytes.

Files are decoded as UTF-8 (what drizzle-kit writes and the migrator reads). A BOM is removed for
analysis, as editors do, and written back. Writes are atomic: a temp file in the same folder,
fsync, then rename over the original, keeping its permissions.

Temp files are named ``.<name>.drizzle-lsp-<pid>-<random>.tmp``: one a killed run left behind
(its process is gone) is removed by the next write to that folder.

Symlinks are written through: a linked ``.sql`` file, journal or ``meta/`` stays a link and its
target gets the new content (the temp file is made beside the target, so the rename stays on
one file system).
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

BOM = "\ufeff"
TEMP_MARK = "drizzle-lsp"
_TEMP_NAME = re.compile(r"^\..+\." + TEMP_MARK + r"-(?P<pid>\d+)-[^.]+\.tmp$")


class SourceError(Exception):
    """A file cannot be read as UTF-8 text, or written; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class SourceText:
    text: str  # without BOM
    bom: bool = False

    @property
    def newline(self) -> str:
        """The file's own line ending, for text that fixes insert."""
        crlf, lf = self.text.count("\r\n"), self.text.count("\n")
        return "\r\n" if crlf and crlf * 2 >= lf else "\n"


def decode(data: bytes, path: Path) -> SourceText:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SourceError(
            f"{path}: not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start});"
            " migrations must be UTF-8"
        ) from None
    if text.startswith(BOM):
        return SourceText(text[1:], bom=True)
    return SourceText(text)


# no migration or journal is this big; a bound keeps a link to /dev/zero or a huge file from
# taking all memory
MAX_BYTES = 256 * 1024 * 1024


def read_bytes(path: Path) -> bytes:
    """The bytes of ``path``, a regular file (through links) of at most ``MAX_BYTES``.

    A FIFO would block the read forever and a device never ends: both are refused before
    they are opened. Raises :class:`FileNotFoundError` for a missing file, :class:`SourceError`
    for anything else that cannot be read.
    """
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            raise SourceError(f"{path}: cannot read: not a regular file")
        if status.st_size > MAX_BYTES:
            raise SourceError(f"{path}: cannot read: larger than {MAX_BYTES // 2**20} MB")
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise SourceError(f"{path}: cannot read: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise SourceError(f"{path}: cannot read: larger than {MAX_BYTES // 2**20} MB")
    return data


def read_source(path: Path) -> SourceText:
    try:
        data = read_bytes(path)
    except FileNotFoundError as error:
        raise SourceError(f"{path}: cannot read: {error.strerror or error}") from None
    return decode(data, path)


def write_source(path: Path, source: SourceText) -> None:
    """Atomically replace ``path`` with ``source`` (temp file + rename)."""
    write_sources({path: source})


def write_sources(
    files: Mapping[Path, SourceText], read_as: Mapping[Path, SourceText] | None = None
) -> None:
    """Replace several files, all or none as far as the file system allows.

    Every new content is first written and fsynced to a temp file beside its target; only when
    all of them are on disk are they renamed over the originals. Given ``read_as`` (each
    file's text when it was read), a file that no longer holds it, edited by someone else in
    the meantime, stops the write before anything is replaced. A failure leaves every original
    untouched and no temp file behind; it raises :class:`SourceError` naming the file.
    """
    staged: list[tuple[str, Path]] = []
    path = None
    targets = {path: path.resolve() for path in files}  # through symlinks
    for folder in {target.parent for target in targets.values()}:
        remove_stale_temps(folder)
    try:
        for path, source in files.items():
            staged.append((_stage(targets[path], source), targets[path]))
        for path, source in (read_as or {}).items():
            if path in files and _bytes_of(source) != _current(path):
                raise SourceError(f"{path}: changed since it was read")
        for tmp, path in staged:
            os.replace(tmp, path)
    except SourceError:
        _unstage(staged)
        raise
    except OSError as error:
        _unstage(staged)
        raise SourceError(f"{path}: cannot write: {error.strerror or error}") from error
    except BaseException:
        _unstage(staged)
        raise


def _bytes_of(source: SourceText) -> bytes:
    return ((BOM if source.bom else "") + source.text).encode("utf-8")


def _current(path: Path) -> bytes | None:
    try:
        return read_bytes(path)
    except (FileNotFoundError, SourceError):
        return None


def remove_stale_temps(folder: Path) -> list[Path]:
    """Remove the temp files of writes whose process is gone (killed mid-write); the removed."""
    removed: list[Path] = []
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.name.endswith(".tmp")]
    except OSError:
        return removed
    for name in names:
        match = _TEMP_NAME.match(name)
        if match is None or _process_alive(int(match["pid"])):
            continue
        try:
            (folder / name).unlink()
            removed.append(folder / name)
        except OSError:
            pass
    return removed


def _process_alive(pid: int) -> bool:
    if os.name != "posix":  # os.kill would end it: keep the file
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # EPERM: another user's, alive
        return True
    return True


def _unstage(staged: list[tuple[str, Path]]) -> None:
    for tmp, _ in staged:
        Path(tmp).unlink(missing_ok=True)


def _stage(path: Path, source: SourceText) -> str:
    """Write ``source`` to a temp file in ``path``'s folder, with ``path``'s permissions."""
    data = _bytes_of(source)
    prefix = f".{path.name}.{TEMP_MARK}-{os.getpid()}-"
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp
