"""Rule documentation pages, generated from each rule module's docstring.

``python -m drizzle_lsp.docs`` writes ``docs/rules/<CODE>.md``; a test fails when they are stale,
so the docs the editor links to (``codeDescription``) are always the rule's own text.
"""

from __future__ import annotations

import sys
from pathlib import Path

from drizzle_lsp.rules import ALL_RULES, Rule

DOCS_URL = "https://github.com/drizzle-lsp/drizzle-lsp/blob/main/docs/rules/{code}.md"


def docs_url(code: str) -> str:
    return DOCS_URL.format(code=code)


def rule_page(rule: Rule) -> str:
    info = rule.info
    head, _, body = rule.doc.partition("\n")
    fix = {"none": "no", "sometimes": "sometimes", "always": "yes"}[info.fixability.value]
    migrator = f" · Migrator: {info.migrator.value}" if info.migrator is not None else ""
    return (
        f"# {info.code} {info.name}\n\n"
        f"{head.split(':', 1)[-1].strip()}\n\n"
        f"Severity: {info.severity.value} · Fix available: {fix} · Scope: {info.scope.value}"
        f"{migrator}\n"
        f"{body.rstrip()}\n"
    )


def index_page() -> str:
    rows = "".join(
        f"| [{r.code}]({r.code}.md) | {r.name} | {r.info.severity.value} | {r.info.summary} |\n"
        for r in ALL_RULES
    )
    return "# Rules\n\n| code | name | severity | what |\n| --- | --- | --- | --- |\n" + rows


def expected_pages() -> dict[str, str]:
    pages = {f"{r.code}.md": rule_page(r) for r in ALL_RULES}
    pages["README.md"] = index_page()
    return pages


def write_docs(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in expected_pages().items():
        (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write_docs(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/rules"))
