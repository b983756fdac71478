"""The README's rules table, from the rule registry.

``python scripts/readme_rules.py`` rewrites the table between the markers in README.md; the
test suite fails while it is out of date (after a rule's summary, severity or fixability
changed).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))

from drizzle_lsp.rules import ALL_RULES  # noqa: E402

README = ROOT / "README.md"
START = "<!-- rules-table:start (python scripts/readme_rules.py) -->"
END = "<!-- rules-table:end -->"


def rules_table() -> str:
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
    """``readme`` with the text between the markers replaced by the current table."""
    start, end = readme.index(START), readme.index(END)
    return readme[: start + len(START)] + "\n" + rules_table() + readme[end:]


def main() -> int:
    text = README.read_text("utf-8")
    updated = with_rules_table(text)
    if updated != text:
        README.write_text(updated, "utf-8")
        print(f"updated {README}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
