"""Rule docs: every rule documents itself, and docs/rules/ is generated from those docstrings."""

from __future__ import annotations

from pathlib import Path

import pytest

from drizzle_lsp.docs import expected_pages
from drizzle_lsp.rules import ALL_RULES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules"
SECTIONS = (
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Fix safety",
)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_docstring_has_every_section(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.doc.startswith(f"{rule.code} {rule.name}:")
    for section in SECTIONS:
        assert section in rule.doc, f"{rule.code} lacks {section}"


def test_generated_docs_are_fresh() -> None:
    for name, text in expected_pages().items():
        page = DOCS / name
        assert page.exists() and page.read_text("utf-8") == text, (
            f"docs/rules/{name} is stale: run `python -m drizzle_lsp.docs`"
        )
