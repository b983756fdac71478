"""Rule fixture cases: case folders and case tables (the format: tests/fixtures/rules/README.md).

``all_cases()`` finds every case; each one builds its project in a directory, and reads and
writes its expectations.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from folders import entries, entry, write_folder

from drizzle_lsp.core.settings import Settings, settings_from_mapping

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
CASE_FILES = {"expected.txt", "case.toml", "fixed"}
DEFAULT_NOW = 1_767_225_600_000  # 2026-01-01T00:00:00Z
TABLE_WHEN = 1_718_000_000_000  # the `when` of a table case's first migration
TABLE_KEYS = {
    *("pass", "fail", "fix", "before"),
    *("newline", "breakpoints", "now", "settings", "unsafe-fixes"),
}


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


def folder_case(case: Path) -> Case:
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


def table_case(file: Path, name: str, data: dict[str, Any]) -> Case:
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
        set_fix(file, name, None if fixed is None else fixed.replace(newline, "\n"))

    return Case(
        code=code,
        name=name,
        now=int(data.get("now", DEFAULT_NOW)),
        settings=settings_from_mapping(data.get("settings", {})),
        unsafe=bool(data.get("unsafe-fixes", False)),
        should_fire="fail" in data,
        build=build,
        read_expected=lambda: sections(snapshot).get(name, ""),
        write_expected=lambda text: _write_section(file, name, text),
        read_fixed=read_fixed,
        write_fixed=write_fixed,
    )


def sections(snapshot: Path) -> dict[str, str]:
    """The ``## <case>`` sections of a table file's expectations."""
    if not snapshot.exists():
        return {}
    parts = re.split(r"^## (.+)\n", snapshot.read_text(), flags=re.MULTILINE)
    return {
        name: body.removesuffix("\n") for name, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def _write_section(file: Path, name: str, text: str) -> None:
    snapshot = file.with_suffix(".expected.txt")
    kept = sections(snapshot)
    kept[name] = text
    write_sections(snapshot, kept, list(tomllib.loads(file.read_text())))


def write_sections(snapshot: Path, texts: dict[str, str], order: list[str]) -> None:
    snapshot.write_text("".join(f"## {n}\n{texts[n]}\n" for n in order if n in texts))


def _toml_string(text: str) -> str:
    if "'''" not in text and "\r" not in text:
        return f"'''\n{text}'''"
    escaped = text.replace("\\", "\\\\").replace('"""', '""\\"').replace("\r", "\\r")
    return f'"""\n{escaped}"""'


def set_fix(file: Path, name: str, fixed: str | None) -> None:
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


def all_cases() -> list[Case]:
    """Every case: the folders, then the tables, each file in name order."""
    cases = [folder_case(p) for p in sorted(FIXTURES.glob("*/*")) if p.is_dir()]
    for file in sorted(FIXTURES.glob("*.toml")):
        for name, data in tomllib.loads(file.read_text()).items():
            cases.append(table_case(file, name, data))
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "a case is both a folder and a table"
    return cases
