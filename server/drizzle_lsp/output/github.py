"""``--format github``: GitHub Actions workflow commands, one annotation per problem.

``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=CODE name::message``; errors become
``error``, warnings ``warning``, the rest ``notice``. Lines and columns are 1-based, columns in
characters; the end column is exclusive (the character after the range).
"""

from __future__ import annotations

from drizzle_lsp.core.diagnostics import Severity
from drizzle_lsp.output.report import Diagnostic, Report

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning"}


def render(report: Report) -> str:
    return "".join(_annotation(report, d) + "\n" for d in report.diagnostics)


def _annotation(report: Report, d: Diagnostic) -> str:
    v, (start, end) = d.violation, (d.chars.start, d.chars.end)
    properties = ",".join(
        f"{key}={_property(str(value))}"
        for key, value in (
            ("file", report.display_path(v.path)),
            ("line", start.line + 1),
            ("col", start.character + 1),
            ("endLine", end.line + 1),
            ("endColumn", end.character + 1),
            ("title", f"{v.code} {v.name}"),
        )
    )
    return f"::{LEVEL.get(v.severity, 'notice')} {properties}::{_data(v.message)}"


def _data(text: str) -> str:
    """Escape a command's message (as @actions/core does)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """Escape a command property value (as @actions/core does)."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")
