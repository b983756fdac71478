"""Reading and writing migration files without losing anything: BOM, line endings, bytes.

Files are decoded as UTF-8 (what drizzle-kit writes and the migrator reads). A BOM is removed for
analysis, as editors do, and written back. Writes are atomic: a temp file in the same folder,
fsync, then rename over the original, keeping its permissions.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

BOM = "\ufeff"


class SourceError(Exception):
    """A file cannot be read as UTF-8 text; the message is one line for the user."""


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


def read_source(path: Path) -> SourceText:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(f"{path}: cannot read: {error.strerror or error}") from None
    return decode(data, path)


def write_source(path: Path, source: SourceText) -> None:
    """Atomically replace ``path`` with ``source`` (temp file + rename)."""
    data = ((BOM if source.bom else "") + source.text).encode("utf-8")
    folder = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
