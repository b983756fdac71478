"""Running a command as a user who cannot read what the test locked away.

chmod 000 stops a normal user but not root, and tests may run as root: there the command runs
as ``nobody`` (uid 65534) instead, so that the operating system refuses the reads, as it would
for the user. The files it must reach live in a directory others may enter.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NOBODY = "65534"


def unprivileged(argv: list[str]) -> list[str]:
    """``argv``, run as nobody when we are root (with util-linux's setpriv)."""
    if os.geteuid() != 0:
        return argv
    setpriv = shutil.which("setpriv")
    assert setpriv is not None, "running as root: these tests need setpriv (util-linux)"
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *argv]


@contextmanager
def shared_directory() -> Iterator[Path]:
    """A fresh directory anyone may read (pytest's tmp_path is private to its user)."""
    path = Path(tempfile.mkdtemp(prefix="drizzle-lsp-test-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for locked in path.rglob("*"):
            if locked.is_dir() and not locked.is_symlink():
                locked.chmod(0o755)
        shutil.rmtree(path)


def lock(directory: Path) -> None:
    """Make ``directory`` unreadable (to the unprivileged user)."""
    directory.chmod(0o000)
