"""Output of ``drizzle-lsp check``: one module per ``--format``, each a ``render(report)``.

The check command locates every violation once (:mod:`drizzle_lsp.output.report`) and hands the
:class:`~drizzle_lsp.output.report.Report` to the formatter. Formatters only print; they decide
nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from drizzle_lsp.output import github, json_format, sarif, text
from drizzle_lsp.output.report import Report

Formatter = Callable[[Report], str]

FORMATTERS: dict[str, Formatter] = {
    "text": text.render,
    "json": json_format.render,
    "github": github.render,
    "sarif": sarif.render,
}
