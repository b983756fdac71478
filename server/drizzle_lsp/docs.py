"""Rule documentation, taken from the rule modules' docstrings (the only place it is written).

Used by ``drizzle-lsp rule``, the SARIF output and the README's rules table. ``python -m
drizzle_lsp.docs`` rewrites that table in README.md from the registry; a test checks it is current.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from drizzle_lsp.rules import ALL_RULES, Rule
from drizzle_lsp.rules._api import Fixability, Scope

# Where the sources are published; rule pages link to the rule module holding the docstring.
HOMEPAGE = "https://github.com/drizzle-lsp/drizzle-lsp"

FIX_AVAILABILITY = {
    Fixability.ALWAYS: "Fix is always available.",
    Fixability.SOMETIMES: "Fix is sometimes available.",
    Fixability.NONE: "Fix is not available.",
}
SCOPE = {Scope.FOLDER: "journal", Scope.SQL: "SQL"}

TABLE_START = "<!-- rules-table:start (python -m drizzle_lsp.docs) -->"
TABLE_END = "<!-- rules-table:end -->"


def rule_url(rule: Rule) -> str:
    """A page documenting ``rule``: the source of its module, whose docstring is the doc."""
    module = rule.check.__module__.rsplit(".", 1)[-1]
    return f"{HOMEPAGE}/blob/main/server/drizzle_lsp/rules/{module}.py"


def headline(rule: Rule) -> str:
    """The docstring's first line without its ``CODE name:`` prefix."""
    first = rule.doc.splitlines()[0] if rule.doc else rule.info.summary
    return first.split(":", 1)[1].strip() if first.startswith(rule.code) else first


def section(rule: Rule, title: str) -> str | None:
    """The text under ``## <title>`` in the docstring, if there is such a section."""
    pattern = rf"^##\s+{re.escape(title)}\s*$(.*?)(?=^##\s|\Z)"
    match = re.search(pattern, rule.doc, re.MULTILINE | re.DOTALL)
    text = match.group(1).strip() if match else ""
    return text or None


def explain(rule: Rule) -> str:
    """What ``drizzle-lsp rule CODE`` prints: a header, the metadata, the docstring."""
    info = rule.info
    return (
        f"# {info.name} ({info.code})\n\n"
        f"Severity: {info.severity.value}. Checks the {SCOPE[info.scope]}. "
        f"{FIX_AVAILABILITY[info.fixability]}\n\n"
        f"{rule.doc}\n"
    )


def rules_table() -> str:
    """The README's rules table, one row per registered rule."""
    rows = [
        "| code | name | severity | fix | what it reports |",
        "| --- | --- | --- | --- | --- |",
    ]
    for rule in ALL_RULES:
        info = rule.info
        summary = info.summary.replace("|", "\\|")
        rows.append(
            f"| {info.code} | {info.name} | {info.severity.value} | {info.fixability.value} "
            f"| {summary} |"
        )
    return "\n".join(rows) + "\n"


def with_rules_table(readme: str) -> str:
    """``readme`` with the text between the table markers replaced by :func:`rules_table`."""
    start, end = readme.index(TABLE_START), readme.index(TABLE_END)
    return readme[: start + len(TABLE_START)] + "\n" + rules_table() + readme[end:]


def main() -> int:
    readme = Path(__file__).resolve().parents[2] / "README.md"
    text = readme.read_text("utf-8")
    updated = with_rules_table(text)
    if updated != text:
        readme.write_text(updated, "utf-8")
        print(f"updated {readme}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
