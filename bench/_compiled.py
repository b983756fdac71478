"""Byte-compile drizzle-lsp before a bench, as installing it does.

``pip install`` of a wheel writes every module's ``.pyc``, and the released binary holds its
bytecode; an editable install run with ``PYTHONDONTWRITEBYTECODE`` set compiles every module on
each start instead (~0.1-0.3 s here), which a bench would count as drizzle-lsp's own time.
"""

from __future__ import annotations

import compileall
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "server" / "drizzle_lsp"


def compile_package() -> None:
    if not compileall.compile_dir(PACKAGE, quiet=1):
        raise SystemExit(f"bench: could not byte-compile {PACKAGE}")
