"""The bundled example shows the problems it claims to, and the README stays true."""

from __future__ import annotations

import re
import runpy
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from cli_helpers import REPO

from drizzle_lsp.rules import ALL_RULES

EXAMPLE = REPO / "examples" / "drizzle"

# rule -> the files of examples/drizzle it must report (see examples/README.md); every other
# rule must report nothing there
EXPECTED = {
    "J001": {"meta/_journal.json"},
    "J003": {"0002_loud_hulk.sql"},
    "S002": {
        "0000_init.sql",
        "0002_book_isbn.sql",
        "0003_drop_favorites.sql",
        "0004_wishlists.sql",
    },
    "S003": {"0002_book_isbn.sql"},
}


def test_example_shows_each_problem(run) -> None:
    result = run("check", "--format", "json", str(EXAMPLE), cwd=REPO)
    found: dict[str, set[str]] = defaultdict(set)
    for d in result.json():
        found[d["code"]].add(Path(d["path"]).relative_to("examples/drizzle").as_posix())
    for rule in ALL_RULES:
        assert found.get(rule.code, set()) == EXPECTED.get(rule.code, set()), rule.code
    assert result.code == (1 if found else 0)
    assert len([d for d in result.json() if d["code"] == "J001"]) == 2


def test_fixing_the_example_leaves_nothing_fixable(run, tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "drizzle")
    fixed = run("check", "--fix", cwd=tmp_path)
    assert fixed.code in (0, 1)
    assert fixed.err == ""
    again = run("check", cwd=tmp_path)
    assert "fixable with --fix" not in again.out


@pytest.fixture
def readme() -> str:
    return (REPO / "README.md").read_text("utf-8")


def test_readme_starts_with_the_two_setup_commands(readme: str) -> None:
    fence, install, tests, close = readme.splitlines()[:4]
    assert (fence, close) == ("```sh", "```")
    assert install.startswith("python3 -m venv .venv && .venv/bin/pip install . && ")
    assert "drizzle-lsp check" in install and "examples/drizzle" in install
    assert tests == "bash scripts/test.sh"
    assert (REPO / "scripts" / "test.sh").is_file()


def test_readme_rules_table_matches_the_registry(readme: str) -> None:
    script = runpy.run_path(str(REPO / "scripts" / "readme_rules.py"))
    assert script["with_rules_table"](readme) == readme, "run `python scripts/readme_rules.py`"


def test_ci_runs_the_test_script() -> None:
    assert "exec bash scripts/test.sh" in (REPO / ".ci" / "run").read_text()


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors for the headings of ``page``."""
    headings = re.findall(r"(?m)^#+ (.+)$", _without_code(page.read_text("utf-8")))
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def _without_code(text: str) -> str:
    return re.sub(r"(?s)```.*?```", "", text)


def test_readme_and_docs_links_resolve() -> None:
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for link in re.findall(r"\]\(([^)\s]+)\)", _without_code(page.read_text("utf-8"))):
            if re.match(r"[a-z]+:", link):
                continue  # https: and the like
            path, _, anchor = link.partition("#")
            target = (page.parent / path).resolve() if path else page
            if not target.exists() or (anchor and anchor not in _anchors(target)):
                broken.append(f"{page.relative_to(REPO)}: {link}")
    assert broken == []
