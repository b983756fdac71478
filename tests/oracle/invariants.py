"""The fix invariants of DESIGN.md, checked with the real migrator on real PostgreSQL.

A folder's history is a list of folder states (journal prefixes, or a repository's commits), as
databases deployed them one after the other. At a state, ``check --fix`` must keep:

- I1 fresh install: if the original migrates an empty database, the fixed folder does too, to
  the same schema and data;
- I2 applied everywhere: a database that applied every entry of the original migrates the fixed
  folder without error, and nothing it had applied runs again (schema and data unchanged);
- I3 rescue: a database that deployed the history state by state (skipping what the migrator
  skipped, stopping at the first failed deploy) migrates the fixed folder without error and ends
  with every entry applied once: the schema and data of a fresh install;
- I4 convergence: after one ``check --fix`` nothing is left that ``--fix`` could fix.

"The same schema and data" is :func:`fingerprint`: tables and their columns (in any order),
constraints, indexes, enum values, views, functions, triggers, policies, extensions and the row
count of every table, outside the migrator's own schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from oracle_support import (
    copy_folder,
    prefix_folder,
    read_entries,
    run_cli,
    run_migrations,
    run_migrator,
)

IGNORED_SCHEMAS = "('pg_catalog', 'information_schema', 'drizzle', 'pg_toast')"

CATALOG = {
    "columns": f"""
        SELECT table_schema, table_name, column_name, data_type, udt_name, is_nullable,
               coalesce(column_default, '')
        FROM information_schema.columns WHERE table_schema NOT IN {IGNORED_SCHEMAS}""",
    "constraints": f"""
        SELECT n.nspname, c.conname, c.conrelid::regclass::text, pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname NOT IN {IGNORED_SCHEMAS}""",
    "indexes": f"""
        SELECT schemaname, indexname, indexdef FROM pg_indexes
        WHERE schemaname NOT IN {IGNORED_SCHEMAS}""",
    "enums": f"""
        SELECT n.nspname, t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
        FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
        JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname NOT IN {IGNORED_SCHEMAS} GROUP BY 1, 2""",
    "views": f"""
        SELECT schemaname, viewname, definition FROM pg_views
        WHERE schemaname NOT IN {IGNORED_SCHEMAS}""",
    "functions": f"""
        SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), md5(p.prosrc)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname NOT IN {IGNORED_SCHEMAS}
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')""",
    "triggers": f"""
        SELECT t.tgname, t.tgrelid::regclass::text FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND n.nspname NOT IN {IGNORED_SCHEMAS}""",
    "policies": f"""
        SELECT schemaname, tablename, policyname, coalesce(qual, ''), coalesce(with_check, '')
        FROM pg_policies WHERE schemaname NOT IN {IGNORED_SCHEMAS}""",
    "extensions": "SELECT extname FROM pg_extension",
}

TABLES = f"""
    SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables
    WHERE table_type = 'BASE TABLE' AND table_schema NOT IN {IGNORED_SCHEMAS}"""


def fingerprint(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """The schema and row counts of the database at ``url``, each part sorted."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for part, query in CATALOG.items():
            found[part] = sorted(tuple(map(str, row)) for row in conn.execute(query))
        tables = [row[0] for row in conn.execute(TABLES)]
        counts = [(t, conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables]
        found["rows"] = sorted((t, str(n)) for t, n in counts)
    return found


def differences(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    """What differs between two fingerprints, readably."""
    lines = []
    for part in before:
        gone = sorted(set(before[part]) - set(after[part]))
        new = sorted(set(after[part]) - set(before[part]))
        lines += [f"{part}: only before: {row}" for row in gone]
        lines += [f"{part}: only after: {row}" for row in new]
    return lines


def deploy_history(states: Sequence[Path], url: str) -> list[str | None]:
    """Migrate ``url`` with each state in turn, as deploys do, until one fails; each run's
    error (None when it succeeded). A failed deploy stops the history there."""
    errors: list[str | None] = []
    for result in run_migrations([(state, url) for state in states]):
        errors.append(result.error)
        if result.error is not None:
            break
    return errors


def journal_prefixes(folder: Path, into: Path) -> list[Path]:
    """``folder``'s history as its journal grew: one state per entry added."""
    count = len(read_entries(folder))
    return [prefix_folder(folder, n, into / f"prefix{n}") for n in range(1, count + 1)]


@dataclass
class FixOutcome:
    """What one invariant check saw, for the test's messages and the report."""

    folder: Path
    fresh_original_ok: bool
    redated: set[str]
    remaining_safe_fixes: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def fix_with_cli(folder: Path, env: dict[str, str] | None = None) -> tuple[set[str], str]:
    """``check --fix`` on ``folder``: the tags whose ``when`` changed, and what it printed."""
    before = {e["tag"]: e["when"] for e in read_entries(folder)}
    done = run_cli("check", "--fix", "--exit-zero", folder, env=env)
    assert done.returncode == 0, done.stderr
    after = {e["tag"]: e["when"] for e in read_entries(folder)}
    assert list(after) == list(before), "the fix must keep every entry, in order"
    return {tag for tag in before if after[tag] != before[tag]}, done.stdout


def safe_fixes_left(folder: Path, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    done = run_cli("check", "--format", "json", "--exit-zero", folder, env=env)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    return [d for d in found if d["fix"] and d["fix"]["applicability"] == "safe"]


def check_invariants(
    history: Sequence[Path],
    work: Path,
    new_database: Callable[[], str],
    env: dict[str, str] | None = None,
) -> FixOutcome:
    """Fix the last state of ``history`` (a copy of it) and check I1-I4 against databases that
    deployed the history. Returns what failed, rather than asserting, so that a test can say
    which invariant broke on which folder."""
    original = history[-1]
    fixed = copy_folder(original, work / "fixed")

    fresh = new_database()
    fresh_result = run_migrator(original, fresh)
    baseline = fingerprint(fresh) if fresh_result.ok else None
    rescue = new_database()
    deploy_history(history, rescue)

    redated, _ = fix_with_cli(fixed, env)
    outcome = FixOutcome(fixed, fresh_result.ok, redated)
    outcome.remaining_safe_fixes = safe_fixes_left(fixed, env)
    if outcome.remaining_safe_fixes:
        left = [(d["code"], d["path"], d["message"]) for d in outcome.remaining_safe_fixes]
        outcome.failures.append(f"I4: safe fixes left after one --fix: {left}")
    if baseline is None:
        return outcome  # I1-I3 promise nothing for a folder that cannot be installed

    installed = new_database()
    _check_run(outcome, "I1 fresh install", fixed, installed, baseline)

    applied = run_migrator(fixed, fresh)
    if not applied.ok:
        outcome.failures.append(f"I2: the fixed folder fails: {applied.error}")
    else:
        outcome.failures += [f"I2: {d}" for d in differences(baseline, fingerprint(fresh))]
        if set(applied.applied_tags) - redated:
            outcome.failures.append(f"I2: ran {set(applied.applied_tags) - redated} again")
    _check_rescue(outcome, fixed, rescue, baseline)
    return outcome


def _check_run(
    outcome: FixOutcome, name: str, folder: Path, url: str, baseline: dict[str, Any]
) -> None:
    result = run_migrator(folder, url)
    if not result.ok:
        outcome.failures.append(f"{name}: the fixed folder fails: {result.error}")
        return
    outcome.failures += [f"{name}: {d}" for d in differences(baseline, fingerprint(url))]


def _check_rescue(outcome: FixOutcome, folder: Path, url: str, baseline: dict[str, Any]) -> None:
    _check_run(outcome, "I3 rescue", folder, url, baseline)
