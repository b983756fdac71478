"""Each migrations folder's settings: its config file (``drizzle-lsp.toml``, ``pyproject.toml``)
under the ``drizzleLsp`` settings the editor sends, per workspace folder.

Keys the editor sets win over the file ("editor first", as ruff's default). A database URL read
from a config file is left out until the user approves it (:class:`~.database.Approvals`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drizzle_lsp.core.settings import (
    S002Scope,
    Settings,
    SettingsError,
    find_config,
    kebab_case,
    load_settings,
    settings_from_mapping,
)
from drizzle_lsp.lsp.database import MIN_INTERVAL_S

log = logging.getLogger(__name__)

SETTINGS_SECTION = "drizzleLsp"
# keys an editor sends under drizzleLsp that are not settings of the analysis (VS Code's trace)
LSP_ONLY_KEYS = frozenset({"trace", "server-path", "enable"})
_SETTING_FIELDS = frozenset(f.name for f in dataclasses.fields(Settings)) - {
    "root",
    "database_url_from",
}


@dataclass(frozen=True, slots=True)
class ServerOptions:
    """The editor settings that are the server's own (None: not sent)."""

    debounce: float | None = None  # seconds, from ``debounceMs``
    # seconds between background reads of the databases (0: none)
    database_interval: float | None = None


class EditorSettings:
    """The editor's settings per workspace folder (None: for all), and the settings they make
    with each folder's config file, kept until something changes."""

    def __init__(self, usable: Callable[[Settings], Settings]) -> None:
        self._usable = usable  # the settings without a database URL that waits for approval
        self._editor: dict[Path | None, Mapping[str, Any]] = {}
        self._folders: dict[Path, Settings] = {}
        # S002's scope as the user last chose it with a code action, over every other setting
        # for the rest of the server's life (``drizzle-lsp.setS002Scope``), until the editor
        # sends another ``s002Scope`` setting
        self.s002_override: S002Scope | None = None

    def update(self, workspace: Path | None, data: Any) -> ServerOptions:
        """The ``drizzleLsp`` settings the editor sent for a workspace folder (None: global).

        Keys are the config file's, in camelCase or kebab-case; ``debounceMs`` and
        ``databaseRefreshSeconds`` are the server's own, returned. A bad value or unknown key is
        logged and left out; the other keys still apply.
        """
        if isinstance(data, Mapping) and SETTINGS_SECTION in data:
            data = data[SETTINGS_SECTION]
        sent = data if isinstance(data, Mapping) else {}
        mapping = {kebab_case(str(k)): v for k, v in sent.items()}
        debounce = interval = None
        ms = mapping.pop("debounce-ms", None)
        if isinstance(ms, int | float) and not isinstance(ms, bool):
            debounce = max(0.0, float(ms) / 1000)
        seconds = mapping.pop("database-refresh-seconds", None)
        if isinstance(seconds, int | float) and not isinstance(seconds, bool):
            interval = max(MIN_INTERVAL_S, float(seconds)) if seconds > 0 else 0.0
        valid: dict[str, Any] = {}
        for key, value in mapping.items():
            if key in LSP_ONLY_KEYS or value is None:
                continue
            if key.replace("-", "_") not in _SETTING_FIELDS:
                log.warning("drizzleLsp settings: unknown key `%s` ignored", key)
                continue
            try:
                settings_from_mapping({key: value})
            except SettingsError as error:
                log.error("drizzleLsp settings: %s (ignored)", error)
                continue
            valid[key] = value
        before = self._editor.get(workspace, {}).get("s002-scope")
        if "s002-scope" in valid and valid["s002-scope"] != before:
            self.s002_override = None  # a scope set since the code action's: the setting wins
        self._editor[workspace] = valid
        self._folders.clear()
        return ServerOptions(debounce, interval)

    def override_s002_scope(self, scope: S002Scope) -> None:
        self.s002_override = scope
        self._folders.clear()

    def clear(self) -> None:
        """Read the config files again when next asked (one changed, or an approval did)."""
        self._folders.clear()

    def for_folder(self, root: Path, workspace: Path | None) -> Settings:
        """The settings of the migrations folder ``root``, found in ``workspace``."""
        if root in self._folders:
            return self._folders[root]
        settings = Settings(root=workspace)
        config = find_config(root)
        if config is not None:
            try:
                settings = load_settings(config)
            except SettingsError as error:
                log.error("%s", error)
        scoped = self._editor.get(workspace, {}) if workspace is not None else {}
        editor = {**self._editor.get(None, {}), **scoped}
        if editor:  # every key was checked on arrival
            override = settings_from_mapping(editor, root=settings.root)
            fields = {k.replace("-", "_") for k in editor}
            settings = dataclasses.replace(settings, **{f: getattr(override, f) for f in fields})
            if "database_url" in fields:  # the user's own setting
                settings = dataclasses.replace(settings, database_url_from=None)
        if self.s002_override is not None:
            settings = dataclasses.replace(settings, s002_scope=self.s002_override)
        settings = self._usable(settings)
        self._folders[root] = settings
        return settings
