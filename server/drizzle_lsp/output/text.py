"""``--format text``: one line per problem, ruff style, then a summary.

``path:line:col: CODE [name] message`` with a 1-based line and a 1-based column counted in
characters (code points); the path is relative to the working directory when under it.
"""

from __future__ import annotations

import re

from drizzle_lsp.core.diagnostics import Severity
from drizzle_lsp.output.report import Diagnostic, Report, plural

BOLD, DIM, RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
CYAN = "\x1b[36m"
SEVERITY_COLOR = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARNING: "\x1b[1;33m",
    Severity.INFO: "\x1b[1;34m",
    Severity.HINT: "\x1b[1;34m",
}


def render(report: Report) -> str:
    shown: dict[str, str] = {}  # printable() of each path and message, once (they repeat)
    lines = []
    path, where = None, ""
    for d in report.diagnostics:  # a file's problems are together: its path worked out once
        v = d.violation
        if v.path is not path:
            path, where = v.path, _printable_once(report.display_path(v.path), shown)
        lines.append(_line(report, d, where, shown))
    return "".join(f"{line}\n" for line in [*lines, *summary(report)])


# C0 and C1 control characters (ESC among them): a tag or a file name holding them would drive
# the terminal (move the cursor, rewrite earlier lines, change the title)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with its control characters written as escapes (``\\x1b``), tabs kept."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text).replace("\n", "\\n")


def _printable_once(text: str, shown: dict[str, str]) -> str:
    found = shown.get(text)
    if found is None:
        found = shown[text] = printable(text)
    return found


def _line(report: Report, d: Diagnostic, path: str, shown: dict[str, str]) -> str:
    v = d.violation
    line, column = d.start_chars()
    message = _printable_once(v.message, shown)
    where = f"{line + 1}:{column + 1}"
    if not report.color:
        return f"{path}:{where}: {v.code} [{v.name}] {message}"
    colon = f"{CYAN}:{RESET}"
    code = f"{SEVERITY_COLOR[v.severity]}{v.code}{RESET}"
    return (
        f"{BOLD}{path}{RESET}{colon}{where.replace(':', colon)}{colon} "
        f"{code} {DIM}[{v.name}]{RESET} {message}"
    )


def summary(report: Report) -> list[str]:
    """The closing lines: what was fixed, what remains, which fixes are available."""
    lines = [fixed_summary(report.fixed, report.fixed_files)] if report.fixed else []
    lines += [f"  {printable(note)}" for note in report.fix_notes]
    found = len(report.diagnostics)
    if found == 0:
        lines.append("All checks passed!")
        return lines
    hints = []
    if report.fixable:
        hints.append(f"{report.fixable} fixable with --fix")
    if report.hidden_fixes:
        hidden = plural(report.hidden_fixes, "hidden fix", "hidden fixes")
        hints.append(f"{hidden} can be enabled with --unsafe-fixes")
    details = f" ({'; '.join(hints)})" if hints else ""
    lines.append(f"Found {plural(found, 'problem')}{details}.")
    return lines


def fixed_summary(fixed: int, files: int) -> str:
    return f"Fixed {plural(fixed, 'problem')} in {plural(files, 'file')}."
