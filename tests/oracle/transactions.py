"""Helpers for the oracle tests of what fails inside migrate()'s one transaction (S003-S007):
folders built from SQL, our diagnostics of them, and the fix invariants of DESIGN.md checked
for a rule's fixes (unsafe ones included) through the real migrator.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from invariants import deploy_history, differences, fingerprint, journal_prefixes
from oracle_support import JOURNAL, copy_folder, read_entries, run_cli, run_migrator

DAY = 86_400_000
FIRST_WHEN = 1_718_000_000_000


def build(into: Path, migrations: Sequence[tuple[str, str]], breakpoints: bool = True) -> Path:
    """A migrations folder holding ``migrations`` ((tag, SQL) in journal order, a day apart)."""
    (into / "meta").mkdir(parents=True, exist_ok=True)
    entries = []
    for i, (tag, text) in enumerate(migrations):
        (into / f"{tag}.sql").write_text(text, "utf-8")
        when = FIRST_WHEN + i * DAY
        entries.append(
            {"idx": i, "version": "7", "when": when, "tag": tag, "breakpoints": breakpoints}
        )
    journal = {"version": "7", "dialect": "postgresql", "entries": entries}
    (into / JOURNAL).write_text(json.dumps(journal, indent=2) + "\n", "utf-8")
    return into


def diagnostics(folder: Path, code: str, *args: str) -> list[dict[str, Any]]:
    """``check --format json`` on ``folder``: the diagnostics of ``code``."""
    done = run_cli("check", "--format", "json", "--exit-zero", *args, folder)
    assert done.returncode == 0, done.stderr
    return [d for d in json.loads(done.stdout) if d["code"] == code]


def in_file(found: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [d for d in found if Path(d["path"]).name == name]


def fix_invariants(
    original: Path, work: Path, new_database: Callable[[], str], select: str
) -> tuple[Path, list[str]]:
    """``check --fix --unsafe-fixes --select <select>`` on a copy of ``original``, and what
    breaks of I1-I4 (DESIGN.md) against databases that deployed ``original``'s history entry by
    entry. The fixed folder must migrate an empty database (also when the original cannot: the
    fix is the rescue); where the original does, to the same schema and data."""
    history = journal_prefixes(original, work / "history")
    fixed = copy_folder(original, work / "fixed")
    for snapshot in (original / "meta").glob("*_snapshot.json"):
        shutil.copyfile(snapshot, fixed / "meta" / snapshot.name)
    done = run_cli("check", "--fix", "--unsafe-fixes", "--exit-zero", "--select", select, fixed)
    assert done.returncode == 0, done.stderr
    failures: list[str] = []
    codes = select.split(",")
    left = [d for d in _all(fixed) if d["code"] in codes and d["fix"] is not None]
    if left:
        failures.append(f"I4: fixes left after one --fix: {[d['message'] for d in left]}")

    installed = new_database()
    result = run_migrator(fixed, installed)
    if not result.ok:
        return fixed, [*failures, f"I1: the fixed folder fails on an empty database: {result}"]
    baseline = fingerprint(installed)

    everywhere = new_database()
    if run_migrator(original, everywhere).ok:
        failures += [f"I1: {d}" for d in differences(fingerprint(everywhere), baseline)]
        again = run_migrator(fixed, everywhere)
        if not again.ok:
            failures.append(f"I2: the fixed folder fails: {again.error}")
        elif again.applied_ids:
            failures.append(f"I2: ran {again.applied_tags} again")
        failures += [f"I2: {d}" for d in differences(baseline, fingerprint(everywhere))]

    rescue = new_database()
    deploy_history(history, rescue)
    rescued = run_migrator(fixed, rescue)
    if not rescued.ok:
        failures.append(f"I3: the fixed folder fails after the history: {rescued.error}")
    else:
        failures += [f"I3: {d}" for d in differences(baseline, fingerprint(rescue))]
        # every entry applied once (a deleted migration's row may stay: nothing reads it)
        dates = [row.created_at for row in rescued.rows]
        twice_or_never = [e["tag"] for e in read_entries(fixed) if dates.count(e["when"]) != 1]
        if twice_or_never:
            failures.append(f"I3: not applied exactly once: {twice_or_never}")
    return fixed, failures


def _all(folder: Path) -> list[dict[str, Any]]:
    done = run_cli("check", "--format", "json", "--exit-zero", folder)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))
