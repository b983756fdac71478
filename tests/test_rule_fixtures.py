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
import re
import shutil
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from folders import entries, entry, journal_text, write_folder

from drizzle_lsp.core.diagnostics import Fix, Violation
from drizzle_lsp.core.fixes import apply_fix, fixable
from drizzle_lsp.core.folder import MigrationFolder, folder_texts, with_texts
from drizzle_lsp.core.settings import Settings, settings_from_mapping
from drizzle_lsp.core.source import BOM
from drizzle_lsp.core.text import Encoding
from drizzle_lsp.core.workspace import TextIndexes, discover, load_target
from drizzle_lsp.engine.analyze import analyze, fix_folder

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
CASE_FILES = {"expected.txt", "case.toml", "fixed"}
DEFAULT_NOW = 1_767_225_600_000  # 2026-01-01T00:00:00Z
TABLE_WHEN = 1_718_000_000_000  # the `when` of a table case's first migration
UPDATE = bool(os.environ.get("UPDATE_FIXTURES"))
CONTEXT = 2  # unchanged lines shown around a change
SYNTAX_CODES = {"S001", "J006"}
TABLE_KEYS = {"pass", "fail", "fix", "before", "newline", "breakpoints", "now", "settings"}
TABLE_KEYS |= {"unsafe-fixes"}


@dataclass
class Case:
    """One case: how to build its project and where its expectations are kept."""

    code: str
    name: str
    now: int
    settings: Settings
    unsafe: bool
    should_fire: bool
    build: Callable[[Path], Path]  # writes the project under a directory, returns its root
    read_expected: Callable[[], str]
    write_expected: Callable[[str], None]
    read_fixed: Callable[[], dict[str, str]]
    write_fixed: Callable[[dict[str, str]], None]

    @property
    def id(self) -> str:
        return f"{self.code}/{self.name}"


# ---- case folders ------------------------------------------------------------------------------


def _folder_case(case: Path) -> Case:
    config = case / "case.toml"
    data = tomllib.loads(config.read_text()) if config.exists() else {}
    expected_file, fixed_dir = case / "expected.txt", case / "fixed"

    def build(into: Path) -> Path:
        project = into / "project"
        shutil.copytree(
            case,
            project,
            ignore=lambda d, names: [n for n in names if n in CASE_FILES and Path(d) == case],
        )
        return project

    def read_fixed() -> dict[str, str]:
        if not fixed_dir.exists():
            return {}
        return {
            p.relative_to(fixed_dir).as_posix(): p.read_bytes().decode("utf-8")
            for p in fixed_dir.rglob("*")
            if p.is_file()
        }

    def write_fixed(changed: dict[str, str]) -> None:
        shutil.rmtree(fixed_dir, ignore_errors=True)
        for rel, text in changed.items():
            (fixed_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (fixed_dir / rel).write_text(text, newline="")

    return Case(
        code=case.parent.name,
        name=case.name,
        now=int(data.get("now", DEFAULT_NOW)),
        settings=settings_from_mapping(data.get("settings", {})),
        unsafe=bool(data.get("unsafe-fixes", False)),
        should_fire=not case.name.startswith("ok"),
        build=build,
        read_expected=expected_file.read_text,
        write_expected=expected_file.write_text,
        read_fixed=read_fixed,
        write_fixed=write_fixed,
    )


# ---- case tables ---------------------------------------------------------------------------------


def _table_case(file: Path, name: str, data: dict[str, Any]) -> Case:
    code = file.stem
    unknown = set(data) - TABLE_KEYS
    assert not unknown, f"{file.name} [{name}]: unknown keys {sorted(unknown)}"
    assert ("pass" in data) != ("fail" in data), f"{file.name} [{name}]: `pass` or `fail`"
    assert "fix" not in data or "fail" in data, f"{file.name} [{name}]: `fix` needs `fail`"
    newline = data.get("newline", "\n")
    texts = [*data.get("before", []), data.get("pass", data.get("fail"))]
    tags = [f"{i:04d}_before" for i in range(len(texts) - 1)] + [
        f"{len(texts) - 1:04d}_{name.replace('-', '_')}"
    ]
    tested = f"drizzle/{tags[-1]}.sql"
    snapshot = file.with_suffix(".expected.txt")

    def build(into: Path) -> Path:
        project = into / "project"
        listed = entries(*((tag, TABLE_WHEN + 60_000 * i) for i, tag in enumerate(tags)))
        if not data.get("breakpoints", True):
            listed = [entry(e["idx"], e["tag"], e["when"], breakpoints=False) for e in listed]
        sql = {f"{t}.sql": s.replace("\n", newline) for t, s in zip(tags, texts, strict=True)}
        write_folder(project / "drizzle", listed, sql)
        return project

    def read_fixed() -> dict[str, str]:
        return {tested: data["fix"].replace("\n", newline)} if "fix" in data else {}

    def write_fixed(changed: dict[str, str]) -> None:
        assert set(changed) <= {tested}, f"{name}: a table case's fix changes its migration only"
        fixed = changed.get(tested)
        _set_fix(file, name, None if fixed is None else fixed.replace(newline, "\n"))

    return Case(
        code=code,
        name=name,
        now=int(data.get("now", DEFAULT_NOW)),
        settings=settings_from_mapping(data.get("settings", {})),
        unsafe=bool(data.get("unsafe-fixes", False)),
        should_fire="fail" in data,
        build=build,
        read_expected=lambda: _sections(snapshot).get(name, ""),
        write_expected=lambda text: _write_section(file, name, text),
        read_fixed=read_fixed,
        write_fixed=write_fixed,
    )


def _sections(snapshot: Path) -> dict[str, str]:
    """The ``## <case>`` sections of a table file's expectations."""
    if not snapshot.exists():
        return {}
    parts = re.split(r"^## (.+)\n", snapshot.read_text(), flags=re.MULTILINE)
    return {
        name: body.removesuffix("\n") for name, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def _write_section(file: Path, name: str, text: str) -> None:
    snapshot = file.with_suffix(".expected.txt")
    sections = _sections(snapshot)
    sections[name] = text
    _write_sections(snapshot, sections, list(tomllib.loads(file.read_text())))


def _write_sections(snapshot: Path, sections: dict[str, str], order: list[str]) -> None:
    snapshot.write_text("".join(f"## {n}\n{sections[n]}\n" for n in order if n in sections))


def _toml_string(text: str) -> str:
    if "'''" not in text and "\r" not in text:
        return f"'''\n{text}'''"
    escaped = text.replace("\\", "\\\\").replace('"""', '""\\"').replace("\r", "\\r")
    return f'"""\n{escaped}"""'


def _set_fix(file: Path, name: str, fixed: str | None) -> None:
    """Write ``fix`` of case ``name`` into the table file, keeping everything else as it is."""
    text = file.read_text()
    start = re.search(rf"^\[{re.escape(name)}\]\n", text, flags=re.MULTILINE)
    assert start is not None, name
    following = re.search(r"^\[", text[start.end() :], flags=re.MULTILINE)
    end = start.end() + following.start() if following else len(text)
    body = re.sub(
        r"^fix = (?:'''.*?'''|\"\"\".*?(?<!\\)\"\"\"|'[^'\n]*'|\"[^\n]*\")\n",
        "",
        text[start.end() : end],
        flags=re.MULTILINE | re.DOTALL,
    )
    kept = body.rstrip("\n")
    if fixed is not None:
        kept += f"\nfix = {_toml_string(fixed)}"
    trailer = "\n\n" if following else "\n"
    file.write_text(text[: start.end()] + kept.lstrip("\n") + trailer + text[end:])
    assert tomllib.loads(file.read_text())[name].get("fix") == fixed, name


# ---- collecting ----------------------------------------------------------------------------------


def _cases() -> list[Case]:
    cases = [_folder_case(p) for p in sorted(FIXTURES.glob("*/*")) if p.is_dir()]
    for file in sorted(FIXTURES.glob("*.toml")):
        for name, data in tomllib.loads(file.read_text()).items():
            cases.append(_table_case(file, name, data))
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "a case is both a folder and a table"
    return cases


CASES = _cases()


def test_table_expectations_have_a_case_each() -> None:
    for file in sorted(FIXTURES.glob("*.toml")):
        snapshot = file.with_suffix(".expected.txt")
        names = list(tomllib.loads(file.read_text()))
        stale = set(_sections(snapshot)) - set(names)
        if UPDATE and stale:
            _write_sections(snapshot, _sections(snapshot), names)
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
    case = _table_case(file, "late", tomllib.loads(file.read_text())["late"])
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
    _set_fix(file, "a", fixed)
    after = tomllib.loads(file.read_text())
    wanted = tomllib.loads(before)
    wanted["a"].pop("fix", None)
    if fixed is not None:
        wanted["a"]["fix"] = fixed
    assert after == wanted
