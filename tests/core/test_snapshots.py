"""Reading drizzle-kit snapshots: ids, what drizzle-kit finds malformed, and where.

Whether drizzle-kit itself agrees is checked against the real drizzle-kit in
``tests/oracle/test_oracle_snapshots.py``; these pin the model's details.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drizzle_lsp.core.snapshots import (
    ROOT_ID,
    dotted,
    field_span,
    is_named_snapshot,
    is_snapshot_name,
    snapshot_facts,
    snapshot_name,
    snapshot_paths,
)


def _snapshot(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "b515bfc9-8ce1-47cd-b9e6-c0a8a55c29a7",
        "prevId": ROOT_ID,
        "version": "7",
        "dialect": "postgresql",
        "tables": {
            "public.café ☕": {
                "name": "café ☕",
                "schema": "",
                "columns": {
                    "id": {"name": "id", "type": "serial", "primaryKey": True, "notNull": True}
                },
                "indexes": {},
                "foreignKeys": {},
                "compositePrimaryKeys": {},
                "uniqueConstraints": {},
                "policies": {},
                "checkConstraints": {},
                "isRLSEnabled": False,
            }
        },
        "enums": {},
        "schemas": {},
        "sequences": {},
        "roles": {},
        "policies": {},
        "views": {},
        "_meta": {"columns": {}, "schemas": {}, "tables": {}},
    }
    data.update(changes)
    return data


def _text(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def test_a_generated_snapshot_is_read_with_its_ids() -> None:
    facts = snapshot_facts(_text(_snapshot()))
    assert (facts.id, facts.prev_id, facts.version) == (
        "b515bfc9-8ce1-47cd-b9e6-c0a8a55c29a7",
        ROOT_ID,
        "7",
    )
    assert facts.malformed is None and facts.valid


def test_a_missing_key_is_reported_at_its_object_after_non_ascii_text() -> None:
    data = _snapshot()
    del data["tables"]["public.café ☕"]["columns"]["id"]["notNull"]
    text = _text(data)
    facts = snapshot_facts(text)
    assert facts.malformed is not None
    assert facts.malformed.message == '`tables["public.café ☕"].columns.id.notNull` is missing'
    span = facts.malformed.span
    assert text[span.start : span.end] == "{"
    assert text[: span.start].endswith('"id": ')


def test_a_value_of_the_wrong_type_is_reported_at_the_value() -> None:
    text = _text(_snapshot(id=5))
    facts = snapshot_facts(text)
    assert facts.malformed is not None and facts.id is None
    assert facts.malformed.message == "`id` must be a string, not 5"
    assert text[facts.malformed.span.start : facts.malformed.span.end] == "5"


def test_an_unknown_key_is_reported_in_strict_objects_only() -> None:
    data = _snapshot(extra=1)  # the top level strips unknown keys (a zod merge)
    assert snapshot_facts(_text(data)).malformed is None
    data["tables"]["public.café ☕"]["comment"] = "x"
    text = _text(data)
    malformed = snapshot_facts(text).malformed
    assert malformed is not None
    assert text[malformed.span.start : malformed.span.end] == '"comment"'


def test_older_versions_follow_their_own_schema_and_newer_ones_are_left_alone() -> None:
    v6 = _snapshot(version="6")
    for key in ("views", "sequences", "roles", "policies"):
        del v6[key]
    for key in ("policies", "checkConstraints", "isRLSEnabled"):
        del v6["tables"]["public.café ☕"][key]
    assert snapshot_facts(_text(v6)).malformed is None
    assert snapshot_facts(_text(_snapshot(version=7))).malformed is not None  # a number
    newer = snapshot_facts(_text({"version": "8", "id": "x", "prevId": "y"}))
    assert not newer.supported and newer.malformed is None and not newer.valid


def test_not_json_a_conflict_and_a_bom_are_malformed() -> None:
    text = _text(_snapshot())
    cut = snapshot_facts(text[:40])
    assert cut.malformed is not None and "not valid JSON" in cut.malformed.message
    conflicted = text.replace('  "prevId"', '<<<<<<< HEAD\n  "prevId"', 1)
    malformed = snapshot_facts(conflicted).malformed
    assert malformed is not None and malformed.message == "it holds an unresolved merge conflict"
    assert conflicted[malformed.span.start : malformed.span.end] == "<<<<<<<"
    bom = snapshot_facts(text, bom=True).malformed
    assert bom is not None and "byte order mark" in bom.message
    array = snapshot_facts("[]").malformed
    assert array is not None and array.message == "it is an array, not an object"


def test_a_key_written_twice_counts_at_its_last_occurrence() -> None:
    text = '{"id": "a", "prevId": "x", "id": "b"}'
    assert snapshot_facts(text).id == "b"
    span = field_span(text, "id")
    assert span is not None and text[span.start : span.end] == '"b"'
    assert field_span(text, "missing") is None


def test_names_and_listing(tmp_path: Path) -> None:
    assert snapshot_name("0005_add_age") == "0005_snapshot.json"
    assert snapshot_name("20250508083758_SetupTables") == "20250508083758_snapshot.json"
    assert is_named_snapshot("0005_snapshot.json") and not is_named_snapshot("0005.json.orig")
    # drizzle-kit reads every file of meta/ whose name does not start with `_`
    assert is_snapshot_name("0005_snapshot.json") and is_snapshot_name("0005_snapshot.json.orig")
    assert not is_snapshot_name("_journal.json") and not is_snapshot_name("_0001_snapshot.json")
    meta = tmp_path / "meta"
    meta.mkdir()
    (meta / "sub").mkdir()
    for name in ("0010_snapshot.json", "0002_snapshot.json", "_journal.json", "notes.md"):
        (meta / name).write_text("{}")
    assert [p.name for p in snapshot_paths(meta)] == [
        "0002_snapshot.json",
        "0010_snapshot.json",
        "notes.md",
    ]
    assert snapshot_paths(tmp_path / "absent") == []


@pytest.mark.parametrize(
    ("path", "written"),
    [
        ((), "the top level"),
        (("tables", "public.users", "columns"), 'tables["public.users"].columns'),
        (("views", 0), "views[0]"),
    ],
)
def test_paths_are_written_as_javascript_would(path: tuple[str | int, ...], written: str) -> None:
    assert dotted(path) == written
