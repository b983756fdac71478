"""Turn rule fixture case folders into case tables: ``<CODE>/<case>/`` -> ``[<case>]`` of
``<CODE>.toml`` (the formats: tests/fixtures/rules/README.md).

    python scripts/fixture_table.py tests/fixtures/rules/S004/*
    UPDATE_FIXTURES=1 pytest tests/test_rule_fixtures.py   # then review the diff

A folder becomes a table when it is one journal folder ``drizzle/`` whose ``check --fix``
changes at most its last migration; its folder is then removed. Any other folder is kept, with
the reason printed. The table's migrations get new names (``0000_before``, ``0001_<case>``), so
the paths in its expectations change, and nothing else.
"""

from __future__ import annotations

import json
import shutil
import sys
import tomllib
from pathlib import Path

FOLDER_FILES = {"drizzle", "expected.txt", "fixed", "case.toml"}


def toml_string(text: str) -> str:
    """``text`` as a multi-line TOML string: literal when it can be."""
    if "'''" not in text and all(ord(c) >= 32 or c in "\n\t" for c in text):
        return f"'''\n{text}'''"
    escaped = text.replace("\\", "\\\\").replace('"""', '""\\"')
    escaped = "".join(c if ord(c) >= 32 or c in "\n\t" else f"\\u{ord(c):04x}" for c in escaped)
    return f'"""\n{escaped}"""'


def table(case: Path) -> str:
    """The table of the case folder ``case``; ``ValueError`` says why it cannot be one."""
    if extra := sorted({p.name for p in case.iterdir()} - FOLDER_FILES):
        raise ValueError(f"it has more than drizzle/: {extra}")
    folder = case / "drizzle"
    journal = folder / "meta" / "_journal.json"
    if not journal.exists():
        raise ValueError("drizzle/ has no journal")
    entries = json.loads(journal.read_text("utf-8"))["entries"]
    if {p.name for p in folder.glob("*.sql")} != {f"{e['tag']}.sql" for e in entries}:
        raise ValueError("its .sql files are not those of the journal")
    if len({e.get("breakpoints", True) for e in entries}) != 1:
        raise ValueError("its entries differ in `breakpoints`")
    texts = [(folder / f"{e['tag']}.sql").read_bytes().decode("utf-8") for e in entries]
    fixed_files = sorted(p for p in (case / "fixed").rglob("*") if p.is_file())
    last = case / "fixed" / "drizzle" / f"{entries[-1]['tag']}.sql"
    if fixed_files not in ([], [last]):
        raise ValueError("its fix changes more than its last migration")
    fix = last.read_bytes().decode("utf-8") if fixed_files else None
    every = [*texts, *([fix] if fix is not None else [])]
    newline = "\r\n" if any("\r\n" in t for t in every) else "\n"
    if any("\r" in t.replace(newline, "") for t in every) or (
        newline == "\r\n" and any("\n" in t.replace("\r\n", "") for t in every)
    ):
        raise ValueError("its line endings are mixed")
    texts = [t.replace(newline, "\n") for t in texts]
    config_file = case / "case.toml"
    config = tomllib.loads(config_file.read_text()) if config_file.exists() else {}

    lines = [f"[{case.name.replace('.', '-')}]"]
    if newline != "\n":
        lines.append('newline = "\\r\\n"')
    if not entries[0].get("breakpoints", True):
        lines.append("breakpoints = false")
    if "now" in config:
        lines.append(f"now = {config['now']}")
    if config.get("unsafe-fixes"):
        lines.append("unsafe-fixes = true")
    if settings := config.get("settings"):
        pairs = ", ".join(f"{key} = {json.dumps(value)}" for key, value in settings.items())
        lines.append(f"settings = {{ {pairs} }}")
    if texts[:-1]:
        lines.append("before = [" + ", ".join(toml_string(t) for t in texts[:-1]) + "]")
    lines.append(f"{'pass' if case.name.startswith('ok') else 'fail'} = {toml_string(texts[-1])}")
    if fix is not None:
        lines.append(f"fix = {toml_string(fix.replace(newline, chr(10)))}")
    return "\n".join(lines) + "\n"


def main(cases: list[str]) -> None:
    for case in map(Path, cases):
        try:
            text = table(case)
        except ValueError as why:
            print(f"kept {case}: {why}")
            continue
        target = case.parent.with_suffix(".toml")
        before = target.read_text() if target.exists() else ""
        target.write_text(before.rstrip("\n") + ("\n\n" if before else "") + text)
        tomllib.loads(target.read_text())  # still TOML
        shutil.rmtree(case)
        print(f"{case} -> {target}")
        if not any(case.parent.iterdir()):
            case.parent.rmdir()


if __name__ == "__main__":
    main(sys.argv[1:])
