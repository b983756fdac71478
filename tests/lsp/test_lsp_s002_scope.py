"""S002's scope in the editor: new migrations by default (a real git clone), the code actions
that switch it (``drizzle-lsp.setS002Scope``), and "Fix all S002 in this folder"."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from git_repos import git, origin_and_clone, write_migrations
from lsp_harness import Session, Starter, apply_edits, edits_by_uri
from lsprotocol import types
from test_lsp_actions import actions

TAGS = ["0000_a", "0001_b", "0002_c"]


def with_s002(s: Session) -> list[str]:
    """Names of the files that have S002 diagnostics."""
    return sorted(
        uri.rsplit("/", 1)[-1]
        for uri, found in s.client.diagnostics.items()
        if any(d.code == "S002" for d in found)
    )


async def scope_actions(
    s: Session, uri: str, diagnostic: types.Diagnostic
) -> dict[str, tuple[str, list[str]]]:
    """The code actions that run a command: title -> (command, arguments). Read from the raw
    response: lsprotocol's client-side hook turns any action with a ``command`` into a
    ``Command``, dropping its kind and diagnostics (editors read them as code actions)."""
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic]),
    )
    raw = await s.client.protocol.send_request_async(
        types.TEXT_DOCUMENT_CODE_ACTION, params, msg_id=None
    )
    found = {}
    for item in raw or ():
        if isinstance(item, types.Command):  # the CodeAction, its `command` object as a str
            command = ast.literal_eval(item.command)
            found[item.title] = (command["command"], command["arguments"])
        elif item.command is not None:
            found[item.title] = (item.command.command, list(item.command.arguments or ()))
    return found


def git_listings(s: Session) -> int:
    return sum(1 for m in s.client.log_messages if m.message.startswith("git: base of "))


async def test_only_new_migrations_and_the_scope_actions(tmp_path: Path, start: Starter) -> None:
    _, clone = origin_and_clone(tmp_path, TAGS)
    write_migrations(clone, [*TAGS, "0003_d"])  # 0003_d: new, untracked
    s = await start(clone, log_level="debug")
    await s.wait_for(lambda: with_s002(s) == ["0003_d.sql"], what="S002 on the new file only")
    (diagnostic,) = s.diagnostics("drizzle/0003_d.sql")
    uri = s.open("drizzle/0003_d.sql")
    found = await scope_actions(s, uri, diagnostic)
    assert list(found) == ["Report S002 on every migration"]
    assert found["Report S002 on every migration"] == ("drizzle-lsp.setS002Scope", ["all"])
    result = await s.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="drizzle-lsp.setS002Scope", arguments=["all"])
    )
    assert result == {"scope": "all", "folders": 1}
    await s.wait_for(lambda: len(with_s002(s)) == 4, what="S002 on every migration")
    (diagnostic,) = s.diagnostics("drizzle/0003_d.sql")
    found = await scope_actions(s, uri, diagnostic)
    assert found == {"Report S002 only on new migrations": ("drizzle-lsp.setS002Scope", ["new"])}
    await s.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="drizzle-lsp.setS002Scope", arguments=["new"])
    )
    await s.wait_for(lambda: with_s002(s) == ["0003_d.sql"], what="back to the new file only")
    assert git_listings(s) == 1  # one git listing for the folder, on the first scan


async def test_editing_an_old_migration_makes_it_new_without_running_git(
    tmp_path: Path, start: Starter
) -> None:
    _, clone = origin_and_clone(tmp_path, TAGS)
    s = await start(clone, log_level="debug")
    await s.wait_for(lambda: git_listings(s) == 1, what="the base listed")
    assert with_s002(s) == []  # everything is on main
    uri = s.open("drizzle/0001_b.sql")
    text = (clone / "drizzle" / "0001_b.sql").read_text()
    for n in range(5):  # keystrokes
        s.edit(uri, (0, 0), (0, 0), f"-- {n}\n")
        text = f"-- {n}\n{text}"
    await s.wait_for(lambda: with_s002(s) == ["0001_b.sql"], what="S002 on the edited file")
    assert git_listings(s) == 1
    # a commit moves the index and HEAD: the next analysis lists the base again
    (clone / "drizzle" / "0001_b.sql").write_text(text)
    git(clone, "commit", "-q", "-am", "edit b")
    s.edit(uri, (0, 0), (0, 0), " ")
    await s.wait_for(lambda: git_listings(s) == 2, what="a second listing after the commit")
    assert with_s002(s) == ["0001_b.sql"]  # still not on main


async def test_fix_all_s002_in_this_folder(tmp_path: Path, start: Starter) -> None:
    write_migrations(tmp_path, TAGS)  # outside git
    (tmp_path / "drizzle-lsp.toml").write_text('s002-scope = "all"\n')
    s = await start(tmp_path)
    await s.wait_for(lambda: len(with_s002(s)) == 3, what="S002 in each file")
    uri = s.open("drizzle/0002_c.sql")
    (diagnostic,) = s.diagnostics("drizzle/0002_c.sql")
    fix = next(
        a for a in await actions(s, uri, [diagnostic]) if a.title == "Fix all S002 in this folder"
    )
    if fix.edit is None:
        fix = await s.client.code_action_resolve_async(fix)
    edits = edits_by_uri(fix.edit)
    assert len(edits) == 3
    for tag in TAGS:
        path = tmp_path / "drizzle" / f"{tag}.sql"
        fixed = apply_edits(path.read_text(), edits[path.as_uri()])
        assert fixed.startswith("CREATE TABLE IF NOT EXISTS ")
        path.write_text(fixed)
        if path.as_uri() == uri:  # the open one: the editor applies it to its buffer
            s.replace_all(uri, fixed)
    s.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(
                    uri=(tmp_path / "drizzle" / f"{t}.sql").as_uri(),
                    type=types.FileChangeType.Changed,
                )
                for t in TAGS
            ]
        )
    )
    await s.wait_for(lambda: with_s002(s) == [], what="no S002 left in the folder")


async def test_each_check_of_a_folder_is_logged_with_counts_and_time(
    tmp_path: Path, start: Starter
) -> None:
    write_migrations(tmp_path, TAGS)  # outside git: S002 on the newest, 0002_c
    (tmp_path / "drizzle" / "0000_a.sql").unlink()  # J002, an error
    s = await start(tmp_path)

    def checked() -> list[str]:
        return [
            m.message
            for m in s.client.log_messages
            if m.type == types.MessageType.Info and m.message.startswith("checked drizzle: ")
        ]

    first = await s.wait_for(checked, what="the first scan's line")
    assert re.fullmatch(r"checked drizzle: 2 problems \(1 errors, 1 warnings\) in \d+ ms", first[0])
    uri = s.open("drizzle/0002_c.sql")
    s.edit(uri, (0, 0), (0, 0), "-- drizzle-lsp-ignore: S002\n")
    # (opening the file is a re-check too, with the same counts: wait for the edit's)
    line = r"checked drizzle: 1 problems \(1 errors, 0 warnings\) in \d+ ms"
    await s.wait_for(
        lambda: any(re.fullmatch(line, m) for m in checked()[1:]), what="the re-check's line"
    )


async def test_a_changed_scope_setting_wins_over_the_code_action(
    tmp_path: Path, start: Starter
) -> None:
    write_migrations(tmp_path, TAGS)  # outside git: S002 on the newest only
    s = await start(tmp_path, configuration={"drizzleLsp": {}})
    await s.wait_for(lambda: with_s002(s) == ["0002_c.sql"], what="S002 on the newest")
    await s.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="drizzle-lsp.setS002Scope", arguments=["all"])
    )
    await s.wait_for(lambda: len(with_s002(s)) == 3, what="S002 everywhere")
    # the status bar's menu of the VS Code extension changes the setting: it takes over
    s.client.set_configuration({"drizzleLsp": {"s002Scope": "at-risk"}})
    s.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await s.wait_for(lambda: with_s002(s) == [], what="S002 on at-risk migrations only")
