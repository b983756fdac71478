"""Which migrator runs a folder, as the editor shows it: the diagnostics that follow it (J008
instead of J001 under v1), the server log when a folder is first analysed, and the hover on the
journal and on a v1 `migration.sql`."""

from __future__ import annotations

import json
from pathlib import Path

from lsp_harness import Session, Starter, journal_text, make_folder
from lsprotocol import types

JOURNAL = "drizzle/meta/_journal.json"
LATE = [("0000_init", 1_718_000_000_000), ("0001_late", 1_717_000_000_000)]  # J001 under 0.x
FILES = {"0000_init.sql": "SELECT 1;\n", "0001_late.sql": "SELECT 2;\n"}
V1_REASON = "drizzle-orm ^1.0.0-rc.5 from package.json, at least 1.0.0-rc.5"


def depends_on(root: Path, drizzle_orm: str) -> None:
    package = {"name": "app", "private": True, "dependencies": {"drizzle-orm": drizzle_orm}}
    (root / "package.json").write_text(json.dumps(package))


async def hover(s: Session, uri: str, line: int, character: int) -> str | None:
    found = await s.client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
        )
    )
    if found is None:
        return None
    assert isinstance(found.contents, types.MarkupContent)
    return found.contents.value


def logged(s: Session, text: str) -> bool:
    return any(text in m.message for m in s.client.log_messages)


async def test_a_journal_in_a_v1_project(tmp_path: Path, start: Starter) -> None:
    depends_on(tmp_path, "^1.0.0-rc.5")
    make_folder(tmp_path, FILES, LATE)
    s = await start(tmp_path)
    await s.wait_for(lambda: s.codes(JOURNAL, "J") == ["J008"], what="J008 and no J001")
    await s.wait_for(
        lambda: logged(s, f"drizzle: drizzle-orm v1 migrator ({V1_REASON})"), what="the log line"
    )

    uri = s.open(JOURNAL)
    lines = journal_text(LATE).splitlines()
    when = await hover(s, uri, 5, lines[5].index("1717000000000") + 2)
    assert when is not None and "2024-05-29T16:26:40Z" in when
    assert f"**Migrator** drizzle-orm v1 ({V1_REASON})" in when
    assert "`drizzle-kit up` (J008)" in when
    key = await hover(s, uri, 1, lines[1].index('"version"') + 2)
    assert key is not None and key.startswith(f"**Migrator** drizzle-orm v1 ({V1_REASON})")
    assert await hover(s, uri, 1, 0) is None  # whitespace


async def test_the_same_journal_in_a_0x_project(tmp_path: Path, start: Starter) -> None:
    depends_on(tmp_path, "0.45.4")
    make_folder(tmp_path, FILES, LATE)
    s = await start(tmp_path)
    await s.wait_for(lambda: s.codes(JOURNAL, "J") == ["J001"], what="J001 and no J008")
    reason = "drizzle-orm 0.45.4 from package.json, at least 0.45.4"
    await s.wait_for(
        lambda: logged(s, f"drizzle: drizzle-orm 0.x migrator ({reason})"), what="the log line"
    )
    uri = s.open(JOURNAL)
    key = await hover(s, uri, 2, journal_text(LATE).splitlines()[2].index('"dialect"') + 1)
    assert key == (
        f"**Migrator** drizzle-orm 0.x ({reason}): migrate() runs the migrations dated after "
        "the newest applied one."
    )


async def test_the_editor_setting_overrides_the_project(tmp_path: Path, start: Starter) -> None:
    depends_on(tmp_path, "^1.0.0-rc.5")
    make_folder(tmp_path, FILES, LATE)
    s = await start(tmp_path, configuration={"drizzleLsp": {"migrator": "0.x"}})
    await s.wait_for(lambda: s.codes(JOURNAL, "J") == ["J001"], what="J001 once 0.x is set")
    assert logged(s, "drizzle: drizzle-orm 0.x migrator (configured)")


async def test_hover_on_a_v1_migration(tmp_path: Path, start: Starter) -> None:
    depends_on(tmp_path, "1.0.0-rc.5")
    migration = tmp_path / "drizzle" / "20250110090000_users" / "migration.sql"
    migration.parent.mkdir(parents=True)
    migration.write_text('CREATE TABLE "users" ("id" serial PRIMARY KEY);\n')
    s = await start(tmp_path)
    reason = "drizzle-orm 1.0.0-rc.5 from package.json, at least 1.0.0-rc.5"
    await s.wait_for(lambda: logged(s, f"drizzle-orm v1 migrator ({reason})"), what="the log")

    uri = s.open(migration)
    said = await hover(s, uri, 0, 5)
    assert said == (
        f"**20250110090000_users**\n\n**Migrator** drizzle-orm v1 ({reason}): migrate() runs "
        "every folder whose name has no row, in name order."
    )
