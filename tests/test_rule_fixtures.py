"""Rules as data: every case under ``tests/fixtures/rules/`` is linted and fixed.

Two kinds of case (the format is in ``tests/fixtures/rules/README.md``):

- a case folder ``<CODE>/<case>/``: a project tree, ``expected.txt``, optionally ``case.toml``
  and ``fixed/`` (every file that ``check --fix`` changes, as it must read afterwards);
- a case table in ``<CODE>.toml``: the SQL of one migration that passes or fails, and what
  ``check --fix`` makes of it; the runner writes the journal. Its expectations are the section
  ``## <case>`` of ``<CODE>.expected.txt``.

The expectations list the diagnostics in file and position order, each fix under its diagnostic
with the change it makes as a numbered diff (ruff's snapshots). Each fix shown is applied alone
and the folder linted again: the fix must lower its rule's count without a new syntax error.
``UPDATE_FIXTURES=1 pytest tests/test_rule_fixtures.py`` rewrites the expectations (and the
tables' ``fix``); review the diff.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from folders import entries, journal_text, write_folder
from rule_cases import (
    DEFAULT_NOW,
    FIXTURES,
    TABLE_WHEN,
    Case,
    all_cases,
    sections,
    set_fix,
    table_case,
    write_sections,
)

from drizzle_lsp.core.diagnostics import Fix, Violation
from drizzle_lsp.core.fixes import apply_fix, fixable
from drizzle_lsp.core.folder import MigrationFolder, folder_texts, with_texts
from drizzle_lsp.core.settings import Settings
from drizzle_lsp.core.source import BOM
from drizzle_lsp.core.text import Encoding
from drizzle_lsp.core.workspace import TextIndexes, discover, load_target
from drizzle_lsp.engine.analyze import analyze, fix_folder

UPDATE = bool(os.environ.get("UPDATE_FIXTURES"))
CONTEXT = 2  # unchanged lines shown around a change
SYNTAX_CODES = {"S001", "J006"}
CASES = all_cases()


def test_table_expectations_have_a_case_each() -> None:
    for file in sorted(FIXTURES.glob("*.toml")):
        snapshot = file.with_suffix(".expected.txt")
        names = list(tomllib.loads(file.read_text()))
        stale = set(sections(snapshot)) - set(names)
        if UPDATE and stale:
            write_sections(snapshot, sections(snapshot), names)
            stale = set()
        assert not stale, f"{snapshot.name}: sections of no case: {sorted(stale)}"


# ---- rendering -----------------------------------------------------------------------------------


def _targets(project: Path) -> Iterator[MigrationFolder]:
    for target in discover([project]):
        yield load_target(target)


def _render(project: Path, case: Case) -> str:
    blocks: list[tuple[tuple[str, int, int, str], list[str]]] = []
    for folder in _targets(project):
        indexes = TextIndexes(folder)
        texts = folder_texts(folder)
        shown: dict[Fix, str] = {}
        found = analyze(folder, case.settings, clock=lambda: case.now)
        for v in found:
            start = indexes.locate(v, Encoding.UTF32).start
            rel = v.path.relative_to(project).as_posix()
            where = f"{rel}:{start.line + 1}:{start.character + 1}"
            lines = [f"{where}: {v.code} [{v.name}] {v.message}"]
            for fix in [f for f in (v.fix, *v.alternatives) if f is not None]:
                lines.append(f"    fix ({fix.applicability.value}): {fix.title}")
                if fix in shown:
                    lines.append(f"      (the fix shown at {shown[fix]})")
                    continue
                shown[fix] = where
                _assert_fix_holds(folder, case, v, fix, found)
                changed = apply_fix(texts, fix)
                for path in sorted(changed, key=str):
                    lines.append(f"      --- {path.relative_to(project).as_posix()}")
                    lines.extend(
                        f"      {line}".rstrip() for line in _diff(texts[path], changed[path])
                    )
            blocks.append(((rel, start.line, start.character, v.code), lines))
    # each diagnostic followed by its fixes, in file and position order
    return "".join(line + "\n" for _, lines in sorted(blocks) for line in lines)


def _diff(before: str, after: str) -> list[str]:
    """``after`` against ``before``, ruff's way: old and new line numbers, ``-`` and ``+``."""
    old, new = before.splitlines(), after.splitlines()
    width = len(str(max(len(old), len(new), 1)))
    blank = " " * width
    lines: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for n, group in enumerate(matcher.get_grouped_opcodes(CONTEXT)):
        if n:
            lines.append(f"{blank} {blank} ...")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(
                    f"{i + 1:>{width}} {j + 1:>{width}} | {old[i]}"
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                )
                continue
            lines.extend(f"{i + 1:>{width}} {blank} |-{old[i]}" for i in range(i1, i2))
            lines.extend(f"{blank} {j + 1:>{width}} |+{new[j]}" for j in range(j1, j2))
    return lines


def _assert_fix_holds(
    folder: MigrationFolder, case: Case, v: Violation, fix: Fix, found: list[Violation]
) -> None:
    """Applied alone, ``fix`` lowers the count of its rule and adds no syntax error."""
    fixed = with_texts(folder, apply_fix(folder_texts(folder), fix))
    after = analyze(fixed, case.settings, clock=lambda: case.now)

    def count(violations: list[Violation], codes: set[str]) -> int:
        return sum(1 for x in violations if x.code in codes)

    assert count(after, {v.code}) < count(found, {v.code}), f"{fix.title!r} fixes nothing"
    assert count(after, SYNTAX_CODES) <= count(found, SYNTAX_CODES), f"{fix.title!r} breaks"


# ---- the tests -----------------------------------------------------------------------------------


def _fix(project: Path, case: Case) -> dict[str, str]:
    changed: dict[str, str] = {}
    for folder in _targets(project):
        outcome = fix_folder(folder, case.settings, clock=lambda: case.now, unsafe=case.unsafe)
        # the fixes converge: nothing that --fix would apply is left
        assert fixable(outcome.remaining, case.unsafe) == []
        for path, text in outcome.changed.items():
            # as the file is written: with its BOM back
            bom = BOM if _has_bom(outcome.folder, path) else ""
            changed[path.relative_to(project).as_posix()] = bom + text
    return changed


def _has_bom(folder: MigrationFolder, path: Path) -> bool:
    if path == folder.journal_path:
        return folder.journal_source is not None and folder.journal_source.bom
    document = folder.sql.get(path)
    return document is not None and document.source is not None and document.source.bom


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule_fixture(case: Case, tmp_path: Path) -> None:
    project = case.build(tmp_path)
    rendered = _render(project, case)
    if UPDATE:
        case.write_expected(rendered)
    assert rendered == case.read_expected()
    if case.should_fire:
        assert f" {case.code} [" in rendered, f"{case.name} must trigger {case.code}"
    else:
        assert f" {case.code} [" not in rendered, f"{case.name} must be clean for {case.code}"

    changed = _fix(project, case)
    if UPDATE:
        case.write_fixed(changed)
    assert changed == case.read_fixed()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_violations_come_in_file_and_position_order(case: Case, tmp_path: Path) -> None:
    """``analyze`` merges per-file results without sorting them all again: the order holds."""
    for folder in _targets(case.build(tmp_path)):
        found = analyze(folder, case.settings, clock=lambda: case.now)
        assert found == sorted(found, key=Violation.sort_key)
        assert [v.path for v in found] == sorted((v.path for v in found), key=str)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_fix_titles_fit_a_quick_fix_menu(case: Case, tmp_path: Path) -> None:
    """Every fix and alternative of every case: a title under 60 characters (what an editor's
    quick fix menu shows), whatever names it holds (timestamp tags are long)."""
    for folder in _targets(case.build(tmp_path)):
        for v in analyze(folder, case.settings, clock=lambda: case.now):
            for fix in (v.fix, *v.alternatives):
                if fix is not None:
                    assert len(fix.title) < 60, f"{v.code}: {fix.title!r} ({len(fix.title)})"


def test_order_holds_within_a_statement_chunk(tmp_path: Path) -> None:
    """Two statements without a breakpoint between them: S002 on each and S003 on the second
    come from different rules, in rule order, and are returned in position order."""
    sql = 'ALTER TABLE "a" ADD COLUMN "b" int;\nALTER TABLE "a" ADD COLUMN "c" int;\n'
    folder = write_folder(tmp_path / "drizzle", entries(("0000_a", 1)), {"0000_a.sql": sql})
    (target,) = discover([folder])
    found = analyze(load_target(target), Settings(), clock=lambda: DEFAULT_NOW)
    assert [v.code for v in found] == ["S002", "S003", "S002"]
    assert found == sorted(found, key=Violation.sort_key)


def test_a_table_case_gets_a_journal_as_drizzle_kit_writes_it(tmp_path: Path) -> None:
    file = tmp_path / "S009.toml"
    file.write_text('[late]\nbefore = ["SELECT 1;"]\nfail = "SELECT 2;\\n"\nbreakpoints = false\n')
    case = table_case(file, "late", tomllib.loads(file.read_text())["late"])
    root = case.build(tmp_path) / "drizzle"
    expected = entries(("0000_before", TABLE_WHEN), ("0001_late", TABLE_WHEN + 60_000))
    for e in expected:
        e["breakpoints"] = False
    assert (root / "meta" / "_journal.json").read_text() == journal_text(expected)
    assert (root / "0001_late.sql").read_text() == "SELECT 2;\n"


@pytest.mark.parametrize(
    "before",
    [
        "[a]\nfail = 'x'\n\n[b]\nfail = 'y'\n",
        "[a]\nfail = 'x'\nfix = '''\nold\n'''\nnow = 1\n\n[b]\nfail = 'y'\n",
        "[a]\nfail = 'x'\nfix = \"old\"\n",
    ],
)
@pytest.mark.parametrize("fixed", [None, "new\n", "it'''s\r\n", 'say """hi"""\\n\n'])
def test_writing_a_tables_fix_keeps_the_rest(
    tmp_path: Path, before: str, fixed: str | None
) -> None:
    file = tmp_path / "S009.toml"
    file.write_text(before)
    set_fix(file, "a", fixed)
    after = tomllib.loads(file.read_text())
    wanted = tomllib.loads(before)
    wanted["a"].pop("fix", None)
    if fixed is not None:
        wanted["a"]["fix"] = fixed
    assert after == wanted
