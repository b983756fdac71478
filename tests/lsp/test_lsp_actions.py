"""Code actions from Diagnostic.data: quick fixes, suppression, fix-all, J001's two actions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsp_harness import (
    Session,
    Starter,
    apply_edits,
    capabilities,
    edits_by_uri,
    journal_text,
    make_folder,
)
from lsprotocol import types

T0 = 1_718_000_000_000
SQL = (
    'CREATE TABLE "users" (\n'
    '\t"id" serial PRIMARY KEY NOT NULL,\n'
    "\t\"name\" text DEFAULT 'café ☕'\n"
    ");\n"
    "--> statement-breakpoint\n"
    '  ALTER TABLE "users" ADD COLUMN "age" integer;\n'
)


async def actions(
    s: Session, uri: str, diagnostics: list[types.Diagnostic], only: list[str] | None = None
) -> list[types.CodeAction]:
    rng = (
        diagnostics[0].range
        if diagnostics
        else types.Range(
            start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
        )
    )
    found = await s.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=rng,
            context=types.CodeActionContext(diagnostics=diagnostics, only=only),
        )
    )
    return [a for a in found or [] if isinstance(a, types.CodeAction)]


def s002(s: Session, path: str) -> list[types.Diagnostic]:
    return [d for d in s.diagnostics(path) if d.code == "S002"]


async def test_quick_fix_and_ignore_applied_to_the_text(tmp_path: Path, start: Starter) -> None:
    make_folder(tmp_path, {"0000_init.sql": SQL}, [("0000_init", T0)])
    s = await start(tmp_path)
    path = "drizzle/0000_init.sql"
    uri = s.open(path)
    await s.wait_for(lambda: len(s002(s, path)) == 2, what="two S002")
    add_column = next(d for d in s002(s, path) if d.range.start.line == 5)
    found = await actions(s, uri, [add_column])
    fix = next(a for a in found if a.is_preferred)
    assert fix.kind == types.CodeActionKind.QuickFix
    (edits,) = edits_by_uri(fix.edit).values()
    fixed = apply_edits(SQL, edits)
    assert '  ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "age" integer;\n' in fixed
    # a client without publishDiagnostics.dataSupport sends the diagnostic back without data
    stripped = types.Diagnostic(
        range=add_column.range, message=add_column.message, code="S002", source="drizzle-lsp"
    )
    again = next(a for a in await actions(s, uri, [stripped]) if a.is_preferred)
    assert edits_by_uri(again.edit) == edits_by_uri(fix.edit)
    ignore = next(a for a in found if a.title == "Ignore S002 for this statement")
    ignored = apply_edits(SQL, edits_by_uri(ignore.edit)[uri])
    assert (
        '--> statement-breakpoint\n  -- drizzle-lsp-ignore: S002\n  ALTER TABLE "users"' in ignored
    )
    # the server agrees: each applied text loses that diagnostic
    s.replace_all(uri, fixed)
    await s.wait_for(lambda: len(s002(s, path)) == 1, what="S002 fixed")
    s.replace_all(uri, ignored)
    await s.wait_for(
        lambda: [d.range.start.line for d in s002(s, path)] == [0], what="S002 suppressed"
    )


@pytest.mark.parametrize("resolve", [True, False], ids=["resolve", "eager"])
async def test_fix_all(tmp_path: Path, start: Starter, resolve: bool) -> None:
    make_folder(tmp_path, {"0000_init.sql": SQL}, [("0000_init", T0)])
    s = await start(tmp_path, caps=capabilities(resolve=resolve))
    path = "drizzle/0000_init.sql"
    uri = s.open(path)
    await s.wait_for(lambda: len(s002(s, path)) == 2, what="two S002")
    (fix_all,) = await actions(s, uri, [], only=["source.fixAll"])
    assert fix_all.kind == "source.fixAll.drizzle-lsp"
    if resolve:  # computed only when the client picks it
        assert fix_all.edit is None
        fix_all = await s.client.code_action_resolve_async(fix_all)
    fixed = apply_edits(SQL, edits_by_uri(fix_all.edit)[uri])
    assert 'CREATE TABLE IF NOT EXISTS "users"' in fixed
    assert 'ADD COLUMN IF NOT EXISTS "age"' in fixed
    assert "café ☕" in fixed
    s.replace_all(uri, fixed)
    await s.wait_for(lambda: s002(s, path) == [], what="no S002 after fix-all")
    assert await actions(s, uri, [], only=["source.fixAll"]) == []  # nothing left to fix


async def test_only_filters_kinds(tmp_path: Path, start: Starter) -> None:
    make_folder(tmp_path, {"0000_init.sql": SQL}, [("0000_init", T0)])
    s = await start(tmp_path)
    path = "drizzle/0000_init.sql"
    uri = s.open(path)
    await s.wait_for(lambda: len(s002(s, path)) == 2, what="two S002")
    diagnostics = s002(s, path)
    kinds = {a.kind for a in await actions(s, uri, diagnostics, only=["quickfix"])}
    assert kinds == {types.CodeActionKind.QuickFix}
    kinds = {a.kind for a in await actions(s, uri, diagnostics, only=["source"])}
    assert kinds == {"source.fixAll.drizzle-lsp"}
    kinds = {a.kind for a in await actions(s, uri, diagnostics)}
    assert kinds == {types.CodeActionKind.QuickFix, "source.fixAll.drizzle-lsp"}


async def test_j001_redate_and_guard_workspace_edit(tmp_path: Path, start: Starter) -> None:
    # two branches merged: 0002's `when` is older than 0001's, and its SQL is not idempotent
    folder = make_folder(
        tmp_path,
        {
            "0000_init.sql": 'CREATE TABLE IF NOT EXISTS "a" ("id" int);\n',
            "0001_users.sql": 'CREATE TABLE IF NOT EXISTS "users" ("id" int);\n',
            "0002_posts.sql": 'ALTER TABLE "users" ADD COLUMN "bio" text;\n',
            "0003_tags.sql": 'CREATE TABLE IF NOT EXISTS "tags" ("id" int);\n',
        },
        [
            ("0000_init", T0),
            ("0001_users", T0 + 2000),
            ("0002_posts", T0 + 1000),
            ("0003_tags", T0 + 3000),
        ],
    )
    s = await start(tmp_path)
    journal = "drizzle/meta/_journal.json"
    await s.wait_for(lambda: s.codes(journal, "J001") == ["J001"], what="J001")
    (j001,) = [d for d in s.diagnostics(journal) if d.code == "J001"]
    uri = s.open(journal)
    (fix,) = await actions(s, uri, [j001], only=["quickfix"])
    assert fix.title == "Re-date 0002_posts and 1 later, guarded"
    assert fix.is_preferred  # safe: the guards keep applied migrations from running twice
    texts = {
        p.as_uri(): p.read_text() for p in [folder / "meta/_journal.json", *folder.glob("*.sql")]
    }
    changes = edits_by_uri(fix.edit)
    sql_uris = [(folder / f"{tag}.sql").as_uri() for tag in ("0002_posts", "0003_tags")]
    assert set(changes) == {(folder / "meta/_journal.json").as_uri(), *sql_uris}
    new = {u: apply_edits(texts[u], e) for u, e in changes.items()}
    entries = json.loads(new[(folder / "meta/_journal.json").as_uri()])["entries"]
    assert [e["tag"] for e in entries] == ["0000_init", "0001_users", "0002_posts", "0003_tags"]
    assert entries[3]["when"] > entries[2]["when"] > T0 + 3000
    assert all("DO $drizzle_lsp$" in new[u] for u in sql_uris)
    # the journal buffer takes the edit; the .sql files are written as a client would save them
    s.replace_all(uri, new[(folder / "meta/_journal.json").as_uri()])
    for sql_uri, tag in zip(sql_uris, ("0002_posts", "0003_tags"), strict=True):
        (folder / f"{tag}.sql").write_text(new[sql_uri])
    s.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=u, type=types.FileChangeType.Changed) for u in sql_uris]
        )
    )
    await s.wait_for(lambda: s.codes(journal, "J") == [], what="J001 gone")
    await s.wait_for(lambda: s002(s, "drizzle/0002_posts.sql") == [], what="S002 gone")


@pytest.mark.parametrize("resolve", [True, False], ids=["resolve", "eager"])
async def test_fix_all_on_the_journal_guards_the_sql_files_too(
    tmp_path: Path, start: Starter, resolve: bool
) -> None:
    folder = make_folder(
        tmp_path,
        {
            "0000_init.sql": 'CREATE TABLE IF NOT EXISTS "users" ("id" int);\n',
            "0001_a.sql": 'CREATE TABLE IF NOT EXISTS "a" ("id" int);\n',
            "0002_b.sql": 'ALTER TABLE "users" ADD COLUMN "b" text;\n',
        },
        [("0000_init", T0), ("0001_a", T0 + 2000), ("0002_b", T0 + 1000)],
    )
    s = await start(tmp_path, caps=capabilities(resolve=resolve))
    journal = "drizzle/meta/_journal.json"
    await s.wait_for(lambda: s.codes(journal, "J001") == ["J001"], what="J001")
    uri = s.open(journal)
    (fix_all,) = await actions(s, uri, [], only=["source.fixAll"])
    if resolve:
        fix_all = await s.client.code_action_resolve_async(fix_all)
    changes = edits_by_uri(fix_all.edit)
    sql_uri = (folder / "0002_b.sql").as_uri()
    assert set(changes) == {uri, sql_uri}
    guarded = apply_edits((folder / "0002_b.sql").read_text(), changes[sql_uri])
    # the late migration is also made idempotent inside its guard
    assert (
        'EXECUTE $drizzle_lsp_sql$\nALTER TABLE "users" ADD COLUMN IF NOT EXISTS "b" text;\n'
        in guarded
    )


async def test_hover_adds_to_the_diagnostic_without_repeating_it(
    tmp_path: Path, start: Starter
) -> None:
    make_folder(
        tmp_path,
        {f"{t}.sql": "SELECT 1;\n" for t in ("0000_init", "0001_users", "0002_posts")},
        [("0000_init", T0), ("0001_users", T0 + 2000), ("0002_posts", T0 + 1000)],
    )
    s = await start(tmp_path)
    journal = "drizzle/meta/_journal.json"
    await s.wait_for(lambda: s.codes(journal, "J001") == ["J001"], what="J001")
    uri = s.open(journal)
    (j001,) = [d for d in s.diagnostics(journal) if d.code == "J001"]
    await s.wait_for(lambda: any(p.version == 1 for p in s.published), what="the buffer's check")
    hover = await s.client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=j001.range.start
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert "2024-06-10T06:13:21Z" in text  # its own date
    assert "migration 3 of 3 in applied order" in text and "By date it is the 2nd" in text
    assert "- after `0001_users`: 2024-06-10T06:13:22Z" in text  # the entry before it
    assert "J001" not in text and j001.message not in text  # the editor shows the diagnostic


async def test_journal_edit_rediagnoses_sql_files(tmp_path: Path, start: Starter) -> None:
    make_folder(
        tmp_path,
        {"0000_init.sql": "SELECT 1;\n", "0001_orphan.sql": "SELECT 2;\n"},
        [("0000_init", T0)],
    )
    s = await start(tmp_path)
    orphan = "drizzle/0001_orphan.sql"
    await s.wait_for(lambda: s.codes(orphan, "J003") == ["J003"], what="J003 on the orphan")
    journal = "drizzle/meta/_journal.json"
    uri = s.open(journal)
    s.replace_all(uri, journal_text([("0000_init", T0), ("0001_orphan", T0 + 1)]))
    await s.wait_for(lambda: s.codes(orphan, "J003") == [], what="J003 cleared by the journal")
    s.replace_all(uri, journal_text([("0000_init", T0)]))
    await s.wait_for(lambda: s.codes(orphan, "J003") == ["J003"], what="J003 back")


async def test_a_fix_over_many_files_is_sent_without_its_edits(
    tmp_path: Path, start: Starter
) -> None:
    """J001 re-dating 40 migrations guards 40 files: the publish carries the fix's title only,
    and the code action works its edits out."""
    files = {
        f"{i:04d}_t{i}.sql": f'CREATE TABLE IF NOT EXISTS "t{i}" ("id" int);\n' for i in range(42)
    }
    entries = [(f"{i:04d}_t{i}", T0 + 1000 * i) for i in range(42)]
    entries[1] = (entries[1][0], T0 - 1)  # the second entry is late: it and all after it move
    entries[0] = (entries[0][0], T0)
    folder = make_folder(tmp_path, files, entries)
    s = await start(tmp_path)
    journal = "drizzle/meta/_journal.json"
    await s.wait_for(lambda: s.codes(journal, "J001") == ["J001"], what="J001")
    (j001,) = [d for d in s.diagnostics(journal) if d.code == "J001"]
    assert isinstance(j001.data, dict)
    assert j001.data["fixes"][0].get("resolve") is True and "edits" not in j001.data["fixes"][0]
    uri = s.open(journal)
    (fix,) = await actions(s, uri, [j001], only=["quickfix"])
    changes = edits_by_uri(fix.edit)
    assert len(changes) == 1 + 41  # the journal and every re-dated migration
    assert (folder / "0041_t41.sql").as_uri() in changes


async def test_a_fix_that_deletes_files_sends_delete_operations(
    tmp_path: Path, start: Starter
) -> None:
    """S004's fix removes the journal entry and deletes the migration and its snapshot; the
    diagnostic can be suppressed on its statement."""
    again = 'CREATE TABLE "users" ("id" integer, "age" integer);\n'
    make_folder(
        tmp_path,
        {"0000_init.sql": SQL, "0001_regen.sql": again},
        [("0000_init", T0), ("0001_regen", T0 + 1)],
    )
    s = await start(tmp_path)
    path = "drizzle/0001_regen.sql"
    uri = s.open(path)
    await s.wait_for(lambda: any(d.code == "S004" for d in s.diagnostics(path)), what="S004")
    s004 = [d for d in s.diagnostics(path) if d.code == "S004"]
    found = await actions(s, uri, s004)
    (fix,) = [a for a in found if a.title.startswith("Delete 0001_regen")]
    # its diagnostics are on statements: a suppression comment silences them, as S002's
    assert any(a.title == "Ignore S004 for this statement" for a in found)
    assert fix.edit is not None and fix.edit.document_changes is not None
    deleted = [c.uri for c in fix.edit.document_changes if isinstance(c, types.DeleteFile)]
    assert deleted == [uri, (tmp_path / "drizzle" / "meta" / "0001_snapshot.json").as_uri()]
    changes = fix.edit.document_changes
    (journal,) = [c for c in changes if isinstance(c, types.TextDocumentEdit)]
    assert journal.text_document.uri.endswith("meta/_journal.json")
