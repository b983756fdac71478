"""Settings: from ``drizzle-lsp.toml``, ``[tool.drizzle-lsp]`` in ``pyproject.toml``, or the editor.

Config files use kebab-case keys (as ruff does); the editor sends the same keys in camelCase under
``drizzleLsp``. Both go through :func:`settings_from_mapping`.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any

from drizzle_lsp.core.driver import Driver, parse_driver
from drizzle_lsp.core.migrator_choice import Migrator

CONFIG_FILES = ("drizzle-lsp.toml", "pyproject.toml")


class SettingsError(ValueError):
    """A configuration value is wrong; the message names the key."""


class S002Scope(StrEnum):
    # the at-risk ones and those not yet on the base branch (git; else the newest entry): the
    # default, since history every database applied long ago buries the problems that matter
    NEW = "new"
    ALL = "all"  # every migration
    AT_RISK = "at-risk"  # only migrations that may run twice (J001/J005, or not yet applied)


@dataclass(frozen=True)
class Settings:
    select: frozenset[str] | None = None  # None: all rules; else code prefixes ("S", "J001")
    ignore: frozenset[str] = frozenset()
    per_file_ignores: Mapping[str, frozenset[str]] = field(default_factory=dict)
    migrations: tuple[str, ...] = ()  # migrations folders relative to the config root
    s002_scope: S002Scope = S002Scope.NEW
    database_url: str | None = None
    # the config file database_url was read from (None: the user's own setting, or none): such
    # a URL is used only once approved (see core.trust)
    database_url_from: Path | None = None
    migrations_schema: str = "drizzle"
    migrations_table: str = "__drizzle_migrations"
    # the driver the project's migrate() uses (see core.driver); auto: read from the project
    driver: Driver = Driver.AUTO
    # the drizzle-orm migrator (see core.migrator_choice); auto: from the project's drizzle-orm
    migrator: Migrator = Migrator.AUTO
    root: Path | None = None  # folder of the config file that produced these settings

    def enabled(self, code: str) -> bool:
        if self.select is not None and not any(code.startswith(p) for p in self.select):
            return False
        return not any(code.startswith(p) for p in self.ignore)

    def enabled_for(self, code: str, path: Path, tag: str | None = None) -> bool:
        """Whether ``code`` applies to ``path`` (per-file ignores match a glob or a tag)."""
        if not self.enabled(code):
            return False
        if not self.per_file_ignores:
            return True  # (resolving the path costs ~30 µs: 60 ms for 2,000 violations)
        return not _ignored(code, self.file_ignores(path, tag))

    def enabled_codes(self, codes: frozenset[str], path: Path, tag: str | None) -> frozenset[str]:
        """Those of ``codes`` that apply to ``path`` (its per-file ignores looked up once)."""
        codes = frozenset(c for c in codes if self.enabled(c))
        ignores = self.file_ignores(path, tag) if self.per_file_ignores else ()
        return frozenset(c for c in codes if not _ignored(c, ignores)) if ignores else codes

    def file_ignores(self, path: Path, tag: str | None) -> list[frozenset[str]]:
        """The code prefixes of each per-file-ignores entry matching ``path`` or ``tag``
        (an empty set: every code)."""
        relative = _relative(path, self.root)
        return [
            codes
            for pattern, codes in self.per_file_ignores.items()
            if pattern == tag
            or fnmatch.fnmatch(relative, pattern)
            or fnmatch.fnmatch(path.name, pattern)
        ]

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _ignored(code: str, ignores: Iterable[frozenset[str]]) -> bool:
    return any(not codes or any(code.startswith(c) for c in codes) for codes in ignores)


def _relative(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


_CODE = re.compile(r"^[A-Z]\d{0,3}$")


def _codes(key: str, value: Any) -> frozenset[str]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f'`{key}` must be a list of rule codes, e.g. ["J001", "S"]')
    codes = {v.strip().upper() for v in value}
    for code in codes:
        if code != "ALL" and not _CODE.match(code):
            raise SettingsError(f"`{key}`: {code!r} is not a rule code or prefix (like J001 or S)")
    return frozenset("" if c == "ALL" else c for c in codes)


def kebab_case(key: str) -> str:
    """A config key in kebab-case: ``databaseUrl`` and ``database_url`` are ``database-url``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", key).lower().replace("_", "-")


def settings_from_mapping(data: Mapping[str, Any], root: Path | None = None) -> Settings:
    """Build settings from config-file keys (kebab-case) or editor keys (camelCase)."""
    values = {kebab_case(k): v for k, v in data.items() if v is not None}
    known = {
        "select", "ignore", "per-file-ignores", "migrations", "s002-scope", "database-url",
        "migrations-schema", "migrations-table", "driver", "migrator",
    }  # fmt: skip
    unknown = sorted(set(values) - known)
    if unknown:
        raise SettingsError(f"unknown setting `{unknown[0]}` (known: {', '.join(sorted(known))})")
    out: dict[str, Any] = {"root": root}
    if "select" in values:
        out["select"] = _codes("select", values["select"])
    if "ignore" in values:
        out["ignore"] = _codes("ignore", values["ignore"])
    if "per-file-ignores" in values:
        table = values["per-file-ignores"]
        if not isinstance(table, Mapping):
            raise SettingsError("`per-file-ignores` must be a table of glob or tag = [codes]")
        out["per_file_ignores"] = {
            str(k): _codes(f"per-file-ignores.{k}", v) for k, v in table.items()
        }
    if "migrations" in values:
        paths = values["migrations"]
        if isinstance(paths, str):
            paths = [paths]
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise SettingsError("`migrations` must be a list of folder paths")
        out["migrations"] = tuple(_within_project(p) for p in paths)
    if "s002-scope" in values:
        try:
            out["s002_scope"] = S002Scope(values["s002-scope"])
        except ValueError:
            raise SettingsError('`s002-scope` must be "new", "at-risk" or "all"') from None
    if "driver" in values:
        try:
            out["driver"] = parse_driver(values["driver"])
        except (ValueError, TypeError):
            names = ", ".join(f'"{d.value}"' for d in Driver)
            raise SettingsError(f"`driver` must be one of {names}") from None
    if "migrator" in values:
        try:
            out["migrator"] = Migrator(values["migrator"])
        except (ValueError, TypeError):
            raise SettingsError('`migrator` must be "auto", "0.x" or "v1"') from None
    for key in ("database-url", "migrations-schema", "migrations-table"):
        if key in values:
            if not isinstance(values[key], str):
                raise SettingsError(f"`{key}` must be a string")
            out[key.replace("-", "_")] = (
                values[key] or None if key == "database-url" else values[key]
            )
    return Settings(**out)


def _within_project(path: str) -> str:
    """A ``migrations`` entry, refused unless it stays inside the project: the folders named
    are searched whole, and ``"/"`` or ``"../.."`` would walk the whole file system."""
    parts = PurePosixPath(path.replace("\\", "/")).parts
    depth = 0
    for part in parts:
        depth += -1 if part == ".." else 0 if part == "." else 1
        if depth < 0 or part.startswith("/") or ":" in part:
            raise SettingsError(
                f"`migrations`: {path!r} is outside the project; name folders inside it, "
                'relative to the config file (e.g. "src/db/migrations")'
            )
    return path


def find_config(start: Path) -> Path | None:
    """The nearest ``drizzle-lsp.toml`` or ``pyproject.toml`` with ``[tool.drizzle-lsp]``."""
    start = start.resolve()
    for folder in (start, *start.parents) if start.is_dir() else start.parents:
        for name in CONFIG_FILES:
            candidate = folder / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_tool_table(candidate)):
                return candidate
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        return "drizzle-lsp" in tomllib.loads(pyproject.read_text("utf-8")).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def load_settings(config: Path) -> Settings:
    try:
        data = tomllib.loads(config.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"cannot read {config}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{config}: invalid TOML: {error}") from None
    if config.name == "pyproject.toml":
        data = data.get("tool", {}).get("drizzle-lsp", {})
    try:
        settings = settings_from_mapping(data, root=config.parent)
    except SettingsError as error:
        raise SettingsError(f"{config}: {error}") from None
    if settings.database_url:
        settings = replace(settings, database_url_from=config.absolute())
    return settings


def settings_for(paths: Iterable[Path]) -> Settings:
    """Settings of the first config file found above any of ``paths`` (defaults if none)."""
    for path in paths:
        config = find_config(path)
        if config is not None:
            return load_settings(config)
    return Settings()
