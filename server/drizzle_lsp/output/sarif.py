"""``--format sarif``: a SARIF 2.1.0 log (GitHub code scanning and other viewers read it).

One run: ``tool.driver`` lists every rule (short and full description, help and help URI from
the rule's documentation page, the default level); each result points at its rule, with a physical
location whose region is 1-based and counted in code points (``columnKind``), and the problem's
fix when there is one. Files under the working directory are given relative to ``%SRCROOT%``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from drizzle_lsp import version
from drizzle_lsp.core.diagnostics import Severity
from drizzle_lsp.core.workspace import Location
from drizzle_lsp.docs import docs_url, rule_page
from drizzle_lsp.output.report import Diagnostic, LocatedFix, Report
from drizzle_lsp.rules import ALL_RULES, Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.HINT: "note",
}
SRCROOT = "%SRCROOT%"


def render(report: Report) -> str:
    index = {rule.code: i for i, rule in enumerate(ALL_RULES)}
    run = {
        "tool": {
            "driver": {
                "name": "drizzle-lsp",
                "version": version(),
                "semanticVersion": version(),
                "rules": [_rule(rule) for rule in ALL_RULES],
            }
        },
        "originalUriBaseIds": {SRCROOT: {"uri": report.cwd.as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(report, d, index) for d in report.diagnostics],
    }
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rule(rule: Rule) -> dict[str, Any]:
    info = rule.info
    full = _section(rule.doc, "Why is this bad?") or _section(rule.doc, "What it does")
    page = rule_page(rule)
    return {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": full or info.summary},
        "help": {"text": page, "markdown": page},
        "helpUri": docs_url(info.code),
        "defaultConfiguration": {"level": LEVEL[info.severity]},
        "properties": {"fixability": info.fixability.value, "scope": info.scope.value},
    }


def _section(doc: str, title: str) -> str | None:
    """The text under ``## <title>`` in a rule's docstring, if it has one."""
    match = re.search(rf"^##\s+{re.escape(title)}\s*$(.*?)(?=^##\s|\Z)", doc, re.M | re.S)
    return match.group(1).strip() or None if match else None


def _result(report: Report, d: Diagnostic, index: dict[str, int]) -> dict[str, Any]:
    v = d.violation
    result: dict[str, Any] = {
        "ruleId": v.code,
        "ruleIndex": index[v.code],
        "level": LEVEL[v.severity],
        "message": {"text": v.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(report, v.path),
                    "region": _region(d.chars),
                }
            }
        ],
    }
    if d.fix is not None:
        result["fixes"] = [_fix(report, d.fix)]
    return result


def _fix(report: Report, fix: LocatedFix) -> dict[str, Any]:
    by_path: dict[Path, list[dict[str, Any]]] = {}
    for edit in fix.edits:
        by_path.setdefault(edit.path, []).append(
            {"deletedRegion": _region(edit.chars), "insertedContent": {"text": edit.new_text}}
        )
    # SARIF has no deletion of a file: the description names the files the fix deletes
    deletes = "".join(f"; deletes {report.display_path(p)}" for p in fix.deletes)
    return {
        "description": {"text": f"{fix.title} ({fix.applicability.value}{deletes})"},
        "artifactChanges": [
            {"artifactLocation": _artifact(report, path), "replacements": replacements}
            for path, replacements in by_path.items()
        ],
    }


def _artifact(report: Report, path: Path) -> dict[str, str]:
    if not path.is_relative_to(report.cwd):
        return {"uri": path.as_uri()}
    return {"uri": quote(report.display_path(path)), "uriBaseId": SRCROOT}


def _region(location: Location) -> dict[str, int]:
    return {
        "startLine": location.start.line + 1,
        "startColumn": location.start.character + 1,
        "endLine": location.end.line + 1,
        "endColumn": location.end.character + 1,
    }
