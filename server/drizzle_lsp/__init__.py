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
        return _source_version()


def _source_version() -> str:
    """The version in the checkout's ``pyproject.toml``: the one place it is written."""
    import tomllib
    from pathlib import Path

    try:
        with (Path(__file__).resolve().parents[2] / "pyproject.toml").open("rb") as file:
            return str(tomllib.load(file)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
