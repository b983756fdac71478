"""The command line: ``drizzle-lsp`` (the language server), ``check``, ``rule``, ``status`` and
``trust``. Each command is a module that translates arguments for the core and the engine;
their errors are :class:`~drizzle_lsp.cli.errors.CliError`."""

from __future__ import annotations

from drizzle_lsp.cli.app import main, run
from drizzle_lsp.cli.errors import PROG, CliError

__all__ = ["PROG", "CliError", "main", "run"]
