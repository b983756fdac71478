"""``--format json``: one JSON array, one object per problem, ranges exactly as LSP sends them.

```
{"path", "code", "name", "severity", "message",
 "range": {"start": {"line", "character"}, "end": {...}},
 "fix": {"title", "applicability", "edits": [{"path", "range", "newText"}],
         ("deletes": [path, ...])} | null}
```
Lines are 0-based and characters are UTF-16 code units; paths are shown as in the text output
(relative to the working directory when under it). ``fix`` is the problem's fix whether or not
``--unsafe-fixes`` enables it (``applicability`` says which); ``deletes``, when there, names the
files it deletes after its edits.
"""

from __future__ import annotations

import json
from typing import Any

from drizzle_lsp.core.workspace import Location
from drizzle_lsp.output.report import Diagnostic, LocatedFix, Report


def render(report: Report) -> str:
    items = [_diagnostic(report, d) for d in report.diagnostics]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def _diagnostic(report: Report, d: Diagnostic) -> dict[str, Any]:
    v = d.violation
    return {
        "path": report.display_path(v.path),
        "code": v.code,
        "name": v.name,
        "severity": v.severity.value,
        "message": v.message,
        "range": lsp_range(d.lsp),
        "fix": None if d.fix is None else _fix(report, d.fix),
    }


def _fix(report: Report, fix: LocatedFix) -> dict[str, Any]:
    found: dict[str, Any] = {
        "title": fix.title,
        "applicability": fix.applicability.value,
        "edits": [
            {"path": report.display_path(e.path), "range": lsp_range(e.lsp), "newText": e.new_text}
            for e in fix.edits
        ],
    }
    if fix.deletes:
        found["deletes"] = [report.display_path(path) for path in fix.deletes]
    return found


def lsp_range(location: Location) -> dict[str, dict[str, int]]:
    return {
        "start": {"line": location.start.line, "character": location.start.character},
        "end": {"line": location.end.line, "character": location.end.character},
    }
