"""drizzle-lsp: keeps Drizzle ORM PostgreSQL migration folders safe."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def version() -> str:
    """The installed version (read when asked: ``importlib.metadata`` costs as much to import
    as checking a small folder)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("drizzle-lsp")
    except PackageNotFoundError:  # running from a source checkout without install
        return "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
