"""What every command reports the same way: a problem is one line on stderr, exit status 2."""

from __future__ import annotations

PROG = "drizzle-lsp"


class CliError(Exception):
    """A usage, configuration or I/O problem: one line on stderr, exit status 2."""
