"""Whole-workspace diagnostics, cross-file truth, freshness: rule-independent behaviour (J002)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsp_harness import Starter, journal_text, make_folder
from lsprotocol import types

JOURNAL = "drizzle/meta/_journal.json"
T0 = 1_718_000_000_000
INIT = 'CREATE TABLE IF NOT EXISTS "users" ("id" serial PRIMARY KEY);\n'


def project(root: Path, missing: bool = True) -> Path:
    entries = [("0000_init", T0), ("0001_gone", T0 + 1000)] if missing else [("0000_init", T0)]
    return make_folder(root, {"0000_init.sql": INIT}, entries)


async def test_workspace_diagnostics_without_opening_files(tmp_path: Path, start: Starter) -> None:
    project(tmp_path / "a")
    project(tmp_path / "packages" / "db", missing=False)
    (tmp_path / "node_modules" / "x" / "drizzle" / "meta").mkdir(parents=True)
    (tmp_path / "node_modules/x/drizzle/meta/_journal.json").write_text("{")  # never searched
    s = await start(tmp_path)
    await s.wait_for(lambda: s.codes(f"a/{JOURNAL}"), what="J002 on a closed journal")
    (diagnostic,) = s.diagnostics(f"a/{JOURNAL}")
    assert diagnostic.code == "J002"
    assert diagnostic.source == "drizzle-lsp"
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href.endswith("/docs/rules/J002.md")
    line = journal_text([("0000_init", T0), ("0001_gone", T0 + 1000)]).splitlines()[5]
    column = line.index('"0001_gone"')
    assert diagnostic.range == types.Range(
        start=types.Position(line=5, character=column),
        end=types.Position(line=5, character=column + len('"0001_gone"')),
    )
    assert s.uri(f"packages/db/{JOURNAL}") not in s.client.diagnostics  # clean: nothing sent
    assert not any("node_modules" in uri for uri in s.client.diagnostics)

    # the scan ran inside a work-done progress that began and ended
    def kinds() -> list[str]:
        return [type(r).__name__ for rs in s.client.progress_reports.values() for r in rs]

    await s.wait_for(lambda: "WorkDoneProgressEnd" in kinds(), what="the end of the progress")
    assert kinds()[0] == "WorkDoneProgressBegin" and kinds()[-1] == "WorkDoneProgressEnd"


async def test_open_buffer_wins_over_disk_and_close_falls_back(
    tmp_path: Path, start: Starter
) -> None:
    project(tmp_path)
    s = await start(tmp_path)
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == ["J002"], what="J002")
    # a .sql buffer that exists only in the editor counts: the journal's diagnostic clears
    uri = s.open("drizzle/0001_gone.sql", "SELECT 1;\n")
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == [], what="J002 cleared by the open buffer")
    s.client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == ["J002"], what="J002 back after close")


async def test_journal_edit_rediagnoses(tmp_path: Path, start: Starter) -> None:
    project(tmp_path)
    s = await start(tmp_path)
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == ["J002"], what="J002")
    uri = s.open(JOURNAL)
    # rename the missing entry's tag to the existing file: J002 goes, with the buffer's version
    line = journal_text([("0000_init", T0), ("0001_gone", T0 + 1000)]).splitlines()[5]
    col = line.index("0001_gone")
    version = s.edit(uri, (5, col), (5, col + len("0001_gone")), "0000_init")
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == [], what="J002 cleared")
    assert s.published[-1].version == version
    s.edit(uri, (5, col), (5, col + len("0000_init")), "0009_nope")
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == ["J002"], what="J002 again")


async def test_rapid_edits_never_publish_stale_results(tmp_path: Path, start: Starter) -> None:
    # enough files that an analysis takes a few ms, so edits land while one runs
    files = {
        f"{i:04d}_m.sql": f"CREATE TABLE IF NOT EXISTS t{i} (id int);\n" for i in range(2, 400)
    }
    entries = [("0000_init", T0), ("0001_gone", T0 + 1000)]
    entries += [(name[:-4], T0 + 2000 + i) for i, name in enumerate(files)]
    make_folder(tmp_path, {"0000_init.sql": INIT, **files}, entries)
    s = await start(tmp_path, debounce_ms=30)
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == ["J002"], what="J002")
    uri = s.open(JOURNAL)
    await s.wait_for(lambda: any(p.version == 1 for p in s.published), what="version 1")
    col = journal_text(entries).splitlines()[5].index("0001_gone")
    # version 1 names the missing file; each edit flips the tag: even versions fix it
    tags = ["0000_init", "0001_gone"]
    last = 0
    for i in range(40):
        last = s.edit(uri, (5, col), (5, col + 9), tags[i % 2])
        await asyncio.sleep(0.004)
    await s.wait_for(
        lambda: any(p.uri == uri and p.version == last for p in s.published),
        what="the last version's diagnostics",
    )
    publishes = [p for p in s.published if p.uri == uri and p.version is not None]
    versions = [p.version for p in publishes]
    assert versions == sorted(versions), f"an older result was published after a newer: {versions}"
    for p in publishes:  # each result is the one of the text of the version it carries
        j002 = [str(d.code) for d in p.diagnostics if d.code == "J002"]
        assert j002 == ([] if p.version % 2 == 0 else ["J002"])
    assert len(publishes) < 20, "edits in quick succession are coalesced"


async def test_deleted_journal_clears_its_diagnostics(tmp_path: Path, start: Starter) -> None:
    folder = project(tmp_path)
    s = await start(tmp_path)
    await s.wait_for(lambda: s.codes(JOURNAL, "J002") == ["J002"], what="J002")
    journal = folder / "meta" / "_journal.json"
    journal.unlink()
    s.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=journal.as_uri(), type=types.FileChangeType.Deleted)]
        )
    )
    await s.wait_for(lambda: s.diagnostics(JOURNAL) == [], what="an empty publish")
    assert s.published[-1].uri == journal.as_uri() and list(s.published[-1].diagnostics) == []


async def test_a_large_workspace_is_checked_on_two_cores_over_a_clean_protocol(
    tmp_path: Path, start: Starter
) -> None:
    """450 statements not linted yet: a forked child lints half of them (on a machine with two
    cores). Every file still gets its diagnostics, and nothing of the child's reaches the
    protocol stream (the session goes on: a later edit is diagnosed)."""
    files = {
        f"{i:04d}_m{i}.sql": (
            f'CREATE TABLE "t{i}" ("id" integer);\n--> statement-breakpoint\n'
            f'ALTER TABLE "t{i}" ADD COLUMN "c" text;\n--> statement-breakpoint\n'
            f'CREATE INDEX "t{i}_c" ON "t{i}" ("c");\n'
        )
        for i in range(150)
    }
    make_folder(tmp_path, files, [(name[:-4], T0 + i) for i, name in enumerate(files)])
    (tmp_path / "drizzle-lsp.toml").write_text('s002-scope = "all"\n')  # S002 in every file
    s = await start(tmp_path)
    names = sorted(files)
    await s.wait_for(
        lambda: all(s.codes(f"drizzle/{n}") == ["S002"] * 3 for n in names),
        what="three S002 in each of 150 files",
    )
    s.open(f"drizzle/{names[0]}", 'CREATE TABLE IF NOT EXISTS "t0" ("id" integer);\n')
    await s.wait_for(lambda: s.codes(f"drizzle/{names[0]}") == [], what="the edited file clean")
