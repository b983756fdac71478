"""drizzle-lsp: keeps Drizzle ORM PostgreSQL migration folders safe."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("drizzle-lsp")
except PackageNotFoundError:  # running from a source checkout without install
    __version__ = "0.1.0"
