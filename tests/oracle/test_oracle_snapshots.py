"""J007 against the real drizzle-kit: folders built by `drizzle-kit generate` on git branches.

Each test writes a schema, runs the pinned drizzle-kit (``package.json``) to generate migrations
on a base and on two branches of it, merges the branches with git as a team would, and runs
`drizzle-kit check` on the result. Our verdicts must agree with it: a collision drizzle-kit
reports is a J007 collision on the same snapshots and the other way round, and a snapshot it
cannot read (``data is malformed``, or `JSON.parse` throwing) is a malformed one for J007.

What drizzle-kit 0.31.11 does (``node_modules/drizzle-kit/bin.cjs``, ``src/cli/commands/check.ts``
and ``src/utils.ts``): it lists every file of ``meta/`` not starting with ``_``, sorts them,
`JSON.parse`s each, checks it with the zod schema of its version (5, 6 or 7), prints
``<file> data is malformed`` for those that fail, groups the others by ``prevId`` and prints
``[a, b] are pointing to a parent snapshot: a/snapshot.json which is a collision.`` for each
group of two or more; it exits 1 after either.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from oracle_support import ORACLE, unavailable

from drizzle_lsp.core.diagnostics import Violation
from drizzle_lsp.core.settings import settings_from_mapping
from drizzle_lsp.core.workspace import discover, load_target
from drizzle_lsp.engine.analyze import analyze

KIT = ORACLE / "node_modules" / "drizzle-kit" / "bin.cjs"
BASE = 'id: serial("id").primaryKey(), name: text("name")'
_COLLISION = re.compile(r"\[([^\]]+)\] are pointing to a parent snapshot")
_MALFORMED = re.compile(r"^(\S+) data is malformed$", re.MULTILINE)


@pytest.fixture(scope="module")
def kit() -> None:
    """node, the pinned drizzle-kit and git."""
    if shutil.which("node") is None:
        unavailable("node is not installed: install Node.js 18+, then `cd tests/oracle && npm ci`")
    if not KIT.is_file():
        unavailable("drizzle-kit is missing: run `cd tests/oracle && npm ci`")
    if shutil.which("git") is None:
        unavailable("git is not installed")


# ---- drizzle-kit and git -----------------------------------------------------------------------


def _schema(columns: str) -> str:
    return (
        "import { integer, pgEnum, pgTable, serial, text, uniqueIndex }"
        ' from "drizzle-orm/pg-core";\n'
        'export const mood = pgEnum("mood", ["sad", "ok", "happy"]);\n'
        f'export const users = pgTable("users", {{ {columns} }},\n'
        '  (t) => [uniqueIndex("users_name_idx").on(t.name)]);\n'
    )


def _kit(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NODE_PATH": str(ORACLE / "node_modules")}
    return subprocess.run(
        ["node", str(KIT), *args],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def generate(project: Path, columns: str, name: str, prefix: str = "index") -> None:
    """Write the schema and run `drizzle-kit generate` on it, as a developer does."""
    (project / "schema.ts").write_text(_schema(columns))
    done = _kit(
        project,
        "generate",
        "--dialect=postgresql",
        "--schema=./schema.ts",
        "--out=./drizzle",
        f"--name={name}",
        f"--prefix={prefix}",
    )
    assert done.returncode == 0 and "Your SQL migration file" in done.stdout, done


@dataclass
class KitCheck:
    returncode: int
    output: str
    collisions: set[frozenset[str]]  # file names of each group of snapshots that collide
    malformed: set[str]  # file names it cannot read (malformed data, or JSON.parse throws)


def kit_check(project: Path) -> KitCheck:
    done = _kit(project, "check", "--dialect=postgresql", "--out=./drizzle")
    output = done.stdout + done.stderr
    collisions = {
        frozenset(Path(p.strip()).name for p in group.split(","))
        for group in _COLLISION.findall(output)
    }
    malformed = {Path(p).name for p in _MALFORMED.findall(output)}
    if " in JSON at position " in output or "is not valid JSON" in output:
        # JSON.parse threw on a file of meta/ (its name is not printed)
        meta = project / "drizzle" / "meta"
        malformed |= {p.name for p in meta.iterdir() if _read_by_kit(p) and _unparsable(p)}
    return KitCheck(done.returncode, output, collisions, malformed)


def _read_by_kit(path: Path) -> bool:
    return path.is_file() and not path.name.startswith("_")


def _unparsable(path: Path) -> bool:
    done = subprocess.run(
        ["node", "-e", "JSON.parse(require('fs').readFileSync(process.argv[1]).toString())", path],
        capture_output=True,
        check=False,
    )
    return done.returncode != 0


def git(project: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["git", "-c", "user.name=dev", "-c", "user.email=dev@example.com", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    if ok:
        assert done.returncode == 0, done
    return done


def branches(tmp_path: Path, prefix: str) -> Path:
    """A project whose base generated one migration, then branches `a` (a column `age`) and
    `b` (a column `email`) that each generated one from that base. `main` is at `a`, `b` not
    merged yet."""
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q", "-b", "main")
    generate(project, BASE, "init", prefix)
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    git(project, "checkout", "-q", "-b", "b")
    if prefix != "index":
        # timestamp prefixes count seconds: two generates in one second write one snapshot
        time.sleep(1.1)
    generate(project, f'{BASE}, email: text("email")', "add_email", prefix)
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "b")
    git(project, "checkout", "-q", "main")
    if prefix != "index":
        time.sleep(1.1)
    generate(project, f'{BASE}, age: integer("age")', "add_age", prefix)
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "a")
    return project


def merge_b(
    project: Path, columns: str = f'{BASE}, age: integer("age"), email: text("email")'
) -> None:
    """`git merge b` into main; the journal and schema conflicts resolved as a developer does
    (both entries kept, in merge order; both columns kept). Conflicts in snapshots are left
    as git leaves them. ``columns``: the merged schema's."""
    done = git(project, "merge", "-q", "b", ok=False)
    if done.returncode == 0:
        return
    (project / "schema.ts").write_text(_schema(columns))
    journal = project / "drizzle" / "meta" / "_journal.json"
    ours = json.loads(git(project, "show", ":2:drizzle/meta/_journal.json").stdout)
    theirs = json.loads(git(project, "show", ":3:drizzle/meta/_journal.json").stdout)
    known = {e["tag"] for e in ours["entries"]}
    ours["entries"] += [e for e in theirs["entries"] if e["tag"] not in known]
    for idx, entry in enumerate(ours["entries"]):
        entry["idx"] = idx
    journal.write_text(json.dumps(ours, indent=2))


# ---- our side ------------------------------------------------------------------------------


def j007(project: Path) -> list[Violation]:
    settings = settings_from_mapping({"select": ["J007"]})
    (target,) = discover([project / "drizzle"])
    return analyze(load_target(target), settings)


def our_collisions(found: list[Violation]) -> set[frozenset[str]]:
    """Each group of colliding snapshots: a snapshot's violation names the others."""
    groups = set()
    for v in found:
        if "collision" in v.message:
            named = set(re.findall(r"`([^`]+)`", v.message.split(" follow ")[0]))
            groups.add(frozenset(named | {v.path.name}))
    return groups


def our_malformed(found: list[Violation]) -> set[str]:
    return {
        v.path.name for v in found if "is malformed" in v.message or "cannot be read" in v.message
    }


def agree(project: Path) -> tuple[KitCheck, list[Violation]]:
    kit_result, found = kit_check(project), j007(project)
    assert our_collisions(found) == kit_result.collisions, (kit_result.output, found)
    assert our_malformed(found) == kit_result.malformed, (kit_result.output, found)
    assert (kit_result.returncode != 0) == bool(kit_result.collisions or kit_result.malformed)
    return kit_result, found


# ---- the tests --------------------------------------------------------------------------------


@pytest.mark.usefixtures("kit")
def test_a_linear_history_is_one_chain(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    generate(project, BASE, "init")
    generate(project, f'{BASE}, age: integer("age")', "add_age")
    kit_result, found = agree(project)
    assert kit_result.returncode == 0 and "Everything's fine" in kit_result.output
    assert found == []


@pytest.mark.usefixtures("kit")
def test_branches_with_timestamp_prefixes_merge_cleanly_into_a_collision(tmp_path: Path) -> None:
    project = branches(tmp_path, "timestamp")
    merge_b(project)
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "merge b")
    kit_result, found = agree(project)
    (group,) = kit_result.collisions
    assert len(group) == 2
    assert {v.path.name for v in found} == set(group)
    assert all(v.code == "J007" and "collision" in v.message for v in found)


@pytest.mark.usefixtures("kit")
def test_branches_with_index_prefixes_conflict_then_collide(tmp_path: Path) -> None:
    project = branches(tmp_path, "index")
    merge_b(project)
    # git leaves both sides of meta/0001_snapshot.json in the file: JSON.parse throws there
    snapshot = project / "drizzle" / "meta" / "0001_snapshot.json"
    conflicted = snapshot.read_text()
    assert conflicted.startswith("{\n<<<<<<< HEAD\n")
    kit_result, found = agree(project)
    assert kit_result.malformed == {"0001_snapshot.json"} and kit_result.returncode != 0
    assert [v.path.name for v in found] == ["0001_snapshot.json", "_journal.json"]
    assert found[0].span.start == 2 and "unresolved merge conflict" in found[0].message
    assert "shares its snapshot" in found[1].message  # whichever side the conflict keeps

    # the usual resolution: keep both, theirs renumbered after ours. Now they collide
    snapshot.write_text(git(project, "show", ":2:drizzle/meta/0001_snapshot.json").stdout)
    (snapshot.parent / "0002_snapshot.json").write_text(
        git(project, "show", ":3:drizzle/meta/0001_snapshot.json").stdout
    )
    sql = project / "drizzle" / "0001_add_email.sql"
    sql.rename(sql.with_name("0002_add_email.sql"))
    journal = project / "drizzle" / "meta" / "_journal.json"
    journal.write_text(journal.read_text().replace('"0001_add_email"', '"0002_add_email"'))
    kit_result, found = agree(project)
    assert kit_result.collisions == {frozenset({"0001_snapshot.json", "0002_snapshot.json"})}

    # what the message advises: drop the other branch's migration, generate it again
    (snapshot.parent / "0002_snapshot.json").unlink()
    (project / "drizzle" / "0002_add_email.sql").unlink()
    data = json.loads(journal.read_text())
    data["entries"] = data["entries"][:2]
    journal.write_text(json.dumps(data, indent=2))
    generate(project, f'{BASE}, age: integer("age"), email: text("email")', "add_email")
    kit_result, found = agree(project)
    assert kit_result.returncode == 0 and found == []
    assert 'ADD COLUMN "email"' in (project / "drizzle" / "0002_add_email.sql").read_text()


@pytest.mark.usefixtures("kit")
def test_a_conflict_resolved_with_one_side_leaves_a_shared_snapshot(tmp_path: Path) -> None:
    """Both branches generated 0001; the merge keeps our side of `0001_snapshot.json`. drizzle-kit
    sees nothing wrong, and its next generate writes their change again."""
    project = branches(tmp_path, "index")
    merge_b(project)
    git(project, "checkout", "--ours", "--", "drizzle/meta/0001_snapshot.json")
    kit_result, found = agree(project)
    assert kit_result.returncode == 0
    assert [(v.path.name, v.tag, "shares its snapshot" in v.message) for v in found] == [
        ("_journal.json", "0001_add_email", True)
    ]
    generate(project, f'{BASE}, age: integer("age"), email: text("email")', "again")
    again = (project / "drizzle" / "0003_again.sql").read_text()  # after idx 0, 1, 2
    assert 'ALTER TABLE "users" ADD COLUMN "email" text' in again


@pytest.mark.usefixtures("kit")
def test_a_copied_snapshot_is_a_duplicate_id_and_a_collision(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    generate(project, BASE, "init")
    generate(project, f'{BASE}, age: integer("age")', "add_age")
    meta = project / "drizzle" / "meta"
    shutil.copyfile(meta / "0001_snapshot.json", meta / "0002_snapshot.json")
    kit_result, found = agree(project)
    assert kit_result.collisions == {frozenset({"0001_snapshot.json", "0002_snapshot.json"})}
    duplicates = [v for v in found if "has the `id` of" in v.message]
    assert [v.path.name for v in duplicates] == ["0002_snapshot.json"]


@pytest.mark.usefixtures("kit")
def test_drizzle_kit_reads_every_file_of_meta(tmp_path: Path) -> None:
    """A merge tool's `.orig` copy collides with its original and sorts last (the next generate
    diffs against it); a `.DS_Store` makes JSON.parse throw."""
    project = tmp_path / "project"
    project.mkdir()
    generate(project, BASE, "init")
    generate(project, f'{BASE}, age: integer("age")', "add_age")
    meta = project / "drizzle" / "meta"
    shutil.copyfile(meta / "0001_snapshot.json", meta / "0001_snapshot.json.orig")
    kit_result, found = agree(project)
    assert kit_result.collisions == {frozenset({"0001_snapshot.json", "0001_snapshot.json.orig"})}
    assert all("is not a snapshot drizzle-kit wrote" in v.message for v in found), found
    (meta / "0001_snapshot.json.orig").unlink()
    (meta / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1\x00\xff")
    kit_result, found = agree(project)
    assert kit_result.malformed == {".DS_Store"} and kit_result.returncode != 0
    assert [v.path.name for v in found] == [".DS_Store"]


@pytest.mark.usefixtures("kit")
def test_a_regenerated_migration_leaves_the_next_branch_dangling(tmp_path: Path) -> None:
    """Branch `b` generated 0002 on 0001; meanwhile 0001 was dropped and generated again on
    main (a new id). After the merge drizzle-kit sees nothing wrong; J007 says 0002 follows a
    snapshot that is gone."""
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q", "-b", "main")
    generate(project, BASE, "init")
    generate(project, f'{BASE}, email: text("email")', "add_email")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    git(project, "checkout", "-q", "-b", "b")
    generate(project, f'{BASE}, email: text("email"), bio: text("bio")', "add_bio")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "b")
    git(project, "checkout", "-q", "main")
    # `drizzle-kit drop` of 0001 (its file, snapshot and entry), then generate it again
    meta = project / "drizzle" / "meta"
    (meta / "0001_snapshot.json").unlink()
    (project / "drizzle" / "0001_add_email.sql").unlink()
    journal = meta / "_journal.json"
    data = json.loads(journal.read_text())
    data["entries"] = data["entries"][:1]
    journal.write_text(json.dumps(data, indent=2))
    generate(project, f'{BASE}, email: text("email")', "add_email")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "regenerate 0001")
    merge_b(project, f'{BASE}, email: text("email"), bio: text("bio")')
    kit_result, found = agree(project)
    assert kit_result.returncode == 0 and not kit_result.collisions
    assert [(v.path.name, "not in `meta/`" in v.message) for v in found] == [
        ("0002_snapshot.json", True)
    ]


@pytest.mark.usefixtures("kit")
def test_without_the_newest_snapshot_generate_writes_the_change_again(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    generate(project, BASE, "init")
    generate(project, f'{BASE}, age: integer("age")', "add_age")
    (project / "drizzle" / "meta" / "0001_snapshot.json").unlink()
    kit_result, found = agree(project)
    assert kit_result.returncode == 0  # drizzle-kit check does not see it
    assert [(v.path.name, v.tag) for v in found] == [("_journal.json", "0001_add_age")]
    # the consequence the message names: the same schema, generated again, repeats the change
    generate(project, f'{BASE}, age: integer("age")', "again")
    again = (project / "drizzle" / "0002_again.sql").read_text()
    assert 'ALTER TABLE "users" ADD COLUMN "age" integer' in again


def _mutations() -> Iterator[tuple[str, Any]]:
    def drop(*path: str) -> Any:
        def apply(data: dict[str, Any]) -> None:
            *parents, last = path
            for step in parents:
                data = data[step]
            del data[last]

        return apply

    def put(value: Any, *path: str) -> Any:
        def apply(data: dict[str, Any]) -> None:
            *parents, last = path
            for step in parents:
                data = data[step]
            data[last] = value

        return apply

    table = ("tables", "public.users")
    yield "no id", drop("id")
    yield "no prevId", drop("prevId")
    yield "id not a string", put(7, "id")
    yield "unknown top-level key", put(1, "comment")
    yield "no views (a default)", drop("views")
    yield "internal with unknown keys", put({"tables": {}, "note": 1}, "internal")
    yield (
        "internal with a bad isArray",
        put({"tables": {"users": {"columns": {"name": {"isArray": "yes"}}}}}, "internal"),
    )
    yield "no _meta", drop("_meta")
    yield "version as a number", put(7, "version")
    yield "version 6 with a v7 body", put("6", "version")
    yield "version 9", put("9", "version")
    yield "dialect pg", put("pg", "dialect")
    yield "unknown key in a table", put(1, *table, "comment")
    yield "no notNull", drop(*table, "columns", "name", "notNull")
    yield "unknown key in a column", put("x", *table, "columns", "name", "comment")
    yield "default of any type", put({"a": [1]}, *table, "columns", "name", "default")
    yield (
        "index column not an object",
        put(["name"], *table, "indexes", "users_name_idx", "columns"),
    )
    yield "index without method (a default)", drop(*table, "indexes", "users_name_idx", "method")
    yield "enum values not an array", put({"0": "sad"}, "enums", "public.mood", "values")
    yield "enum without schema", drop("enums", "public.mood", "schema")
    yield "tables an array", put([], "tables")
    yield "policies with a bad value", put({"p": {"name": "p", "as": "LOOSE"}}, "policies")


@pytest.mark.usefixtures("kit")
def test_malformed_means_what_drizzle_kit_cannot_read(tmp_path: Path) -> None:
    """Each mutation of a generated snapshot: drizzle-kit's verdict and J007's agree."""
    origin = tmp_path / "origin"
    origin.mkdir()
    generate(origin, f'{BASE}, feeling: mood("feeling")', "init")
    snapshot = json.loads((origin / "drizzle" / "meta" / "0000_snapshot.json").read_text())
    verdicts = {}
    for name, mutate in _mutations():
        project = tmp_path / re.sub(r"\W+", "-", name)
        shutil.copytree(origin, project)
        data = json.loads(json.dumps(snapshot))
        mutate(data)
        (project / "drizzle" / "meta" / "0000_snapshot.json").write_text(json.dumps(data, indent=2))
        kit_result, _ = agree(project)
        verdicts[name] = bool(kit_result.malformed)
    # both verdicts occur: the mutations test the line between them
    assert verdicts["unknown top-level key"] is False and verdicts["no notNull"] is True
    assert verdicts["version 9"] is False  # drizzle-kit stops, but does not call it malformed
