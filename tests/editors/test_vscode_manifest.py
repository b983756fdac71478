"""The extension's manifest (editors/vscode/package.json) against its code and the server: every
command it declares is registered by src/extension.ts and the other way round, and
``drizzleLsp.s002Scope`` offers every scope the server accepts, ``new`` first and by default."""

from __future__ import annotations

import json
import re

from editor_support import REPO

from drizzle_lsp.core.settings import S002Scope

EXTENSION = REPO / "editors" / "vscode"


def _manifest() -> dict:
    return json.loads((EXTENSION / "package.json").read_text())


def test_declared_commands_are_the_registered_ones() -> None:
    declared = {c["command"] for c in _manifest()["contributes"]["commands"]}
    source = (EXTENSION / "src" / "extension.ts").read_text()
    registered = set(re.findall(r"registerCommand\('([\w.]+)'", source))
    assert declared == registered
    assert "drizzleLsp.showMenu" in registered
    assert "command = 'drizzleLsp.showMenu'" in source  # the status bar item opens the menu


def test_s002_scope_setting_offers_what_the_server_accepts() -> None:
    setting = _manifest()["contributes"]["configuration"]["properties"]["drizzleLsp.s002Scope"]
    assert setting["enum"] == ["new", "at-risk", "all"]
    assert setting["default"] == "new"
    assert len(setting["enumDescriptions"]) == len(setting["enum"])
    assert {scope.value for scope in S002Scope} <= set(setting["enum"])
