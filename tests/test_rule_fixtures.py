"""Rules as data: every case folder under ``tests/fixtures/rules/<CODE>/`` is linted and fixed.

A case folder holds a project tree (one or more migrations folders), ``expected.txt`` (the
diagnostics, one per line, with the title of each fix), optionally ``case.toml`` (``now`` in epoch
ms and ``[settings]`` in config-file keys, plus ``unsafe-fixes = true``) and ``fixed/``: every file
that ``check --fix`` changes, as it must read afterwards. Cases named ``ok-*`` must be clean for
their rule. ``UPDATE_FIXTURES=1 pytest`` rewrites the expectations; review the diff.
"""

from __future__ import annotations

import os
import shutil
import tomllib
from pathlib import Path

import pytest
from folders import entries, write_folder

from drizzle_lsp.core.diagnostics import Violation
from drizzle_lsp.core.folder import MigrationFolder
from drizzle_lsp.core.settings import Settings, settings_from_mapping
from drizzle_lsp.core.source import BOM
from drizzle_lsp.core.text import Encoding
from drizzle_lsp.core.workspace import TextIndexes, discover, load_target
from drizzle_lsp.engine.analyze import analyze, fix_folder

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
CASE_FILES = {"expected.txt", "case.toml", "fixed"}
DEFAULT_NOW = 1_767_225_600_000  # 2026-01-01T00:00:00Z
UPDATE = bool(os.environ.get("UPDATE_FIXTURES"))


def _cases() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*/*") if p.is_dir())


def _options(case: Path) -> tuple[int, Settings, bool]:
    config = case / "case.toml"
    data = tomllib.loads(config.read_text()) if config.exists() else {}
    settings = settings_from_mapping(data.get("settings", {}))
    return int(data.get("now", DEFAULT_NOW)), settings, bool(data.get("unsafe-fixes", False))


def _copy_project(case: Path, into: Path) -> Path:
    project = into / "project"
    shutil.copytree(
        case,
        project,
        ignore=lambda d, names: [n for n in names if n in CASE_FILES and Path(d) == case],
    )
    return project


def _render(project: Path, now: int, settings: Settings) -> str:
    blocks: list[tuple[tuple[str, int, int, str], list[str]]] = []
    for target in discover([project]):
        folder = load_target(target)
        indexes = TextIndexes(folder)
        for v in analyze(folder, settings, clock=lambda: now):
            start = indexes.locate(v, Encoding.UTF32).start
            rel = v.path.relative_to(project).as_posix()
            lines = [
                f"{rel}:{start.line + 1}:{start.character + 1}: {v.code} [{v.name}] {v.message}"
            ]
            for fix in [f for f in (v.fix, *v.alternatives) if f is not None]:
                lines.append(f"    fix ({fix.applicability.value}): {fix.title}")
            blocks.append(((rel, start.line, start.character, v.code), lines))
    # each diagnostic followed by its fixes, in file and position order
    return "".join(line + "\n" for _, lines in sorted(blocks) for line in lines)


def _fix(project: Path, now: int, settings: Settings, unsafe: bool) -> dict[str, str]:
    changed: dict[str, str] = {}
    for target in discover([project]):
        outcome = fix_folder(load_target(target), settings, clock=lambda: now, unsafe=unsafe)
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


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_rule_fixture(case: Path, tmp_path: Path) -> None:
    now, settings, unsafe = _options(case)
    project = _copy_project(case, tmp_path)
    rendered = _render(project, now, settings)
    expected_file = case / "expected.txt"
    if UPDATE:
        expected_file.write_text(rendered)
    assert rendered == expected_file.read_text()
    code = case.parent.name
    if case.name.startswith("ok"):
        assert f" {code} [" not in rendered, f"{case.name} must be clean for {code}"
    else:
        assert f" {code} [" in rendered, f"{case.name} must trigger {code}"

    changed = _fix(project, now, settings, unsafe)
    fixed_dir = case / "fixed"
    if UPDATE:
        shutil.rmtree(fixed_dir, ignore_errors=True)
        for rel, text in changed.items():
            (fixed_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (fixed_dir / rel).write_text(text, newline="")
    expected_fixed = (
        {
            p.relative_to(fixed_dir).as_posix(): p.read_bytes().decode("utf-8")
            for p in fixed_dir.rglob("*")
            if p.is_file()
        }
        if fixed_dir.exists()
        else {}
    )
    assert changed == expected_fixed


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_violations_come_in_file_and_position_order(case: Path) -> None:
    """``analyze`` merges per-file results without sorting them all again: the order holds."""
    now, settings, _ = _options(case)
    for target in discover([case]):
        found = analyze(load_target(target), settings, clock=lambda: now)
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
