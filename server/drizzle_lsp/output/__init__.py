"""Output of ``drizzle-lsp check``: one module per ``--format``, each a ``render(report)``.

The check command locates every violation once (:mod:`drizzle_lsp.output.report`) and hands the
:class:`~drizzle_lsp.output.report.Report` to the formatter. Formatters only print; they decide
nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from drizzle_lsp.output.report import Report

Formatter = Callable[[Report], str]

# --format name -> its module (imported only when chosen: start-up stays cheap)
_MODULES = {"text": "text", "json": "json_format", "github": "github", "sarif": "sarif"}
FORMATS = tuple(_MODULES)


def formatter(name: str) -> Formatter:
    """The ``render`` of the ``--format`` called ``name``."""
    module = importlib.import_module(f"drizzle_lsp.output.{_MODULES[name]}")
    render: Formatter = module.render
    return render
