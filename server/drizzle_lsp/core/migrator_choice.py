"""Which drizzle-orm migrator runs a migrations folder: the 0.x one or the v1 one.

drizzle-orm 0.x reads ``meta/_journal.json`` and runs the entries dated after the newest applied
row (timestamps decide). From 1.0.0-beta.14 on, ``migrate()`` runs every ``<name>/migration.sql``
whose name is not in the migrations table (names decide), and throws while a
``meta/_journal.json`` exists. The tags 1.0.0-beta.2 to beta.13 read the v1 folders but still
compared timestamps: they count as 0.x here.

``migrator = "auto"`` (the default) takes the drizzle-orm version the project resolves: the
installed ``node_modules/drizzle-orm/package.json`` (searched upwards from the folder, as node
does), else the lockfile's entry, else the lowest version the ``package.json`` range allows; with
none of them, the folder's layout decides. The answer is cached per folder and read again only
when one of the files it came from, or a directory on the way up, changes (looked at no more
than once a second).
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from drizzle_lsp.core.folder import Layout


class Migrator(StrEnum):
    AUTO = "auto"  # a setting only: decide from the project
    ZERO_X = "0.x"  # the journal and timestamps (also 1.0.0-beta.2 to beta.13)
    V1 = "v1"  # folder names (1.0.0-beta.14 and later)


@dataclass(frozen=True, slots=True)
class MigratorChoice:
    """The migrator of one folder and why (``drizzle-orm 1.0.0-rc.5 from node_modules``)."""

    kind: Migrator
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "reason": self.reason}

    def describe(self) -> str:
        return f"drizzle-orm {self.kind.value} migrator ({self.reason})"


# ---- versions -----------------------------------------------------------------------------------

_VERSION = re.compile(
    r"^v?(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)


@dataclass(frozen=True, slots=True)
class Version:
    """A semver version, ordered by semver precedence (``1.0.0-beta.2 < 1.0.0-beta.13 <
    1.0.0-rc.5 < 1.0.0``): numeric pre-release identifiers compare as numbers, and below
    alphanumeric ones; a release is above its pre-releases."""

    text: str
    major: int
    minor: int
    patch: int
    pre: tuple[str, ...] = ()

    def key(self) -> tuple[Any, ...]:
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.pre)
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre)

    def __lt__(self, other: Version) -> bool:
        return self.key() < other.key()

    def __ge__(self, other: Version) -> bool:
        return self.key() >= other.key()


def parse_version(text: str) -> Version | None:
    """A version (``1.0.0-rc.5``; missing or ``x`` parts are 0, build metadata is dropped);
    None if it is not one."""
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    major, minor, patch, pre = match.groups()

    def number(part: str | None) -> int:
        return int(part) if part and part.isdigit() else 0

    numbers = (int(major), number(minor), number(patch))
    canonical = ".".join(map(str, numbers)) + (f"-{pre}" if pre else "")
    return Version(canonical, *numbers, tuple(pre.split(".")) if pre else ())


FIRST_V1 = Version("1.0.0-beta.14", 1, 0, 0, ("beta", "14"))


def migrator_of(version: Version) -> Migrator:
    return Migrator.V1 if version >= FIRST_V1 else Migrator.ZERO_X


def range_minimum(spec: str) -> Version | None:
    """The lowest version an npm range allows (``^1.0.0-rc.5``, ``>=0.44 <1``, ``a || b``);
    None for what names no version (``latest``, ``workspace:*``, a git or file URL)."""
    spec = spec.strip()
    if spec.startswith("npm:"):  # an alias: npm:drizzle-orm@^1.0.0-rc.5
        spec = spec.rpartition("@")[2]
    if spec in ("", "*", "x", "X"):
        return parse_version("0.0.0")
    lowest: Version | None = None
    for alternative in spec.split("||"):
        found = _set_minimum(alternative)
        if found is not None and (lowest is None or found < lowest):
            lowest = found
    return lowest


def _set_minimum(comparators: str) -> Version | None:
    """The lower bound of one comparator set (the first version of a hyphen range)."""
    parts = comparators.replace(" - ", " ").split()
    for part in parts:
        if part.startswith("<"):
            continue  # an upper bound
        found = parse_version(part.lstrip("^~>="))
        if found is not None:
            return found
    return None


# ---- the project's drizzle-orm ------------------------------------------------------------------

PACKAGE = "drizzle-orm"
LOCKFILES = ("package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock")
_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")


@dataclass(frozen=True, slots=True)
class Resolved:
    """The drizzle-orm version a project resolves, and where it was read."""

    version: Version
    source: str  # "node_modules", "package-lock.json", ..., "package.json"
    spec: str | None = None  # the package.json range, when that is the source

    def reason(self) -> str:
        if self.spec is not None:
            return f"drizzle-orm {self.spec} from package.json, at least {self.version.text}"
        return f"drizzle-orm {self.version.text} from {self.source}"


def choose_migrator(setting: Migrator, folder: Path, layout: Layout) -> MigratorChoice:
    """The migrator of the migrations ``folder``: the setting, or with ``auto`` the project's
    drizzle-orm version, or its layout when no version is found."""
    if setting is not Migrator.AUTO:
        return MigratorChoice(setting, "configured")
    resolved = resolve_drizzle_orm(folder)
    if resolved is not None:
        return MigratorChoice(migrator_of(resolved.version), resolved.reason())
    if layout is Layout.V1:
        return MigratorChoice(Migrator.V1, "v1 layout, no drizzle-orm version found")
    return MigratorChoice(Migrator.ZERO_X, "journal layout, no drizzle-orm version found")


@dataclass(slots=True)
class _Decided:
    """A folder's answer and the paths it rests on, with their (mtime, size) when last seen."""

    watched: tuple[str, ...]
    stamps: tuple[tuple[int, int], ...]
    resolved: Resolved | None
    checked_at: float  # time.monotonic() of the last look at the stamps


_cache: dict[Path, _Decided] = {}
_CACHE_MAX = 256
# how long an answer is used without looking at the files again: the server analyses on each
# keystroke, and a stat costs 1-20 µs (a project on a network disk, more), ten to twenty a look
RECHECK_AFTER_S = 1.0


def resolve_drizzle_orm(folder: Path) -> Resolved | None:
    """The drizzle-orm version the project of ``folder`` resolves (None: none found).

    Cached per folder, and looked at again at most once every :data:`RECHECK_AFTER_S`: then
    each directory from the folder up to the installed package (a file added or removed there
    changes its time) and its ``node_modules`` are stat'ed, and the files read; up to the file
    system's root when nothing is installed, since a ``node_modules`` anywhere above would
    win. Only a change among them reads the project again."""
    folder = folder.absolute()
    cached = _cache.get(folder)
    now = time.monotonic()
    if cached is not None:
        if now - cached.checked_at < RECHECK_AFTER_S:
            return cached.resolved
        if _stamps(cached.watched) == cached.stamps:
            cached.checked_at = now
            return cached.resolved
    read: list[Path] = []
    resolved = _resolve(folder, read)
    watched = _watched(folder, resolved, read)
    if len(_cache) >= _CACHE_MAX:
        _cache.clear()
    _cache[folder] = _Decided(watched, _stamps(watched), resolved, now)
    return resolved


def _watched(folder: Path, resolved: Resolved | None, read: list[Path]) -> tuple[str, ...]:
    levels = [folder, *folder.parents]
    if resolved is not None and resolved.source == "node_modules":
        installed_at = read[0].parent.parent.parent  # <level>/node_modules/drizzle-orm/...
        levels = levels[: levels.index(installed_at) + 1]
    directories = (str(p) for level in levels for p in (level, level / "node_modules"))
    return (*directories, *map(str, read))


def _stamps(paths: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    return tuple(_stat(path) for path in paths)


def _stat(path: str) -> tuple[int, int]:
    try:
        stat = os.stat(path)
    except OSError:
        return (-1, -1)
    return (stat.st_mtime_ns, stat.st_size)


def _resolve(folder: Path, read: list[Path]) -> Resolved | None:
    levels = (folder, *folder.parents)
    for level in levels:  # node's lookup: the nearest node_modules/drizzle-orm
        installed = level / "node_modules" / PACKAGE / "package.json"
        version = parse_version(str(_json(installed).get("version", "")))
        if version is not None:
            read.append(installed)
            return Resolved(version, "node_modules")
    project, spec = _declaring_project(levels, read)
    for level in levels:
        present = [name for name in LOCKFILES if (level / name).is_file()]
        for name in present:
            read.append(level / name)
            found = _from_lockfile(level / name, _relative(project, level), spec)
            version = parse_version(found) if found else None
            if version is not None:
                return Resolved(version, name)
        if present:
            break  # the nearest lockfile is the project's
    if spec is not None and (minimum := range_minimum(spec)) is not None:
        return Resolved(minimum, "package.json", spec)
    return None


def _declaring_project(
    levels: tuple[Path, ...], read: list[Path]
) -> tuple[Path | None, str | None]:
    """The nearest folder whose ``package.json`` depends on drizzle-orm, and its range."""
    nearest: Path | None = None
    for level in levels:
        package = level / "package.json"
        if not package.is_file():
            continue
        read.append(package)
        nearest = nearest or level
        spec = _dependency(_json(package))
        if spec is not None:
            return level, spec
    return nearest, None


def _dependency(package: dict[str, Any]) -> str | None:
    for section in _SECTIONS:
        found = package.get(section)
        if isinstance(found, dict) and isinstance(found.get(PACKAGE), str):
            return str(found[PACKAGE])
    return None


def _relative(project: Path | None, root: Path) -> str:
    """The project's folder relative to the lockfile's ("" for the same folder)."""
    if project is None:
        return ""
    try:
        relative = project.relative_to(root).as_posix()
    except ValueError:
        return ""
    return "" if relative == "." else relative


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _text(path: Path) -> str:
    try:
        return path.read_text("utf-8", errors="replace")
    except OSError:
        return ""


def _from_lockfile(path: Path, project: str, spec: str | None) -> str | None:
    text = _text(path)
    if path.name == "package-lock.json":
        return package_lock_version(text, project)
    if path.name == "pnpm-lock.yaml":
        return pnpm_lock_version(text, project)
    if path.name == "yarn.lock":
        return yarn_lock_version(text, spec)
    return bun_lock_version(text, project)


# ---- lockfiles ----------------------------------------------------------------------------------


def package_lock_version(text: str, project: str = "") -> str | None:
    """drizzle-orm's version in an npm ``package-lock.json`` for the workspace ``project``
    (lockfileVersion 2 and 3: ``packages``, looked up as node would; 1: ``dependencies``)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    packages = data.get("packages") if isinstance(data, dict) else None
    if isinstance(packages, dict):
        parts = project.split("/") if project else []
        for depth in range(len(parts), -1, -1):
            prefix = "/".join(parts[:depth])
            entry = packages.get(
                f"{prefix}/node_modules/{PACKAGE}" if prefix else f"node_modules/{PACKAGE}"
            )
            if isinstance(entry, dict) and isinstance(entry.get("version"), str):
                return str(entry["version"])
        return None
    dependencies = data.get("dependencies") if isinstance(data, dict) else None
    entry = dependencies.get(PACKAGE) if isinstance(dependencies, dict) else None
    return str(entry["version"]) if isinstance(entry, dict) and "version" in entry else None


def pnpm_lock_version(text: str, project: str = "") -> str | None:
    """drizzle-orm's version in a ``pnpm-lock.yaml`` for the importer ``project``: lockfile
    versions 6 and 9 (``importers`` or top-level ``dependencies``, with ``version:``) and 5
    (``drizzle-orm: 0.29.0_pg@8.11.0``). The peer suffix, ``(pg@8.13.1)`` or ``_pg@...``, is
    dropped. An importer without drizzle-orm (a migrations folder at a workspace's root) takes
    the one version its packages use, if they use one."""
    tree = _yaml_mappings(text)
    importers = tree.get("importers")
    if not isinstance(importers, dict):
        return _pnpm_dependency(tree)
    found = _pnpm_dependency(importers.get(project or "."))
    if found is not None:
        return found
    versions = {v for scope in importers.values() if (v := _pnpm_dependency(scope))}
    return versions.pop() if len(versions) == 1 else None


def _pnpm_dependency(scope: Any) -> str | None:
    for section in ("dependencies", "devDependencies", "optionalDependencies"):
        group = scope.get(section) if isinstance(scope, dict) else None
        found = group.get(PACKAGE) if isinstance(group, dict) else None
        if isinstance(found, dict):
            found = found.get("version")
        if isinstance(found, str) and not found.startswith(("link:", "file:")):
            return re.split(r"[(_]", found, maxsplit=1)[0]
    return None


def _yaml_mappings(text: str) -> dict[str, Any]:
    """The nested mappings of a YAML file of ``key: value`` lines (as pnpm writes its lockfile);
    lists and flow values are kept as their text."""
    root: dict[str, Any] = {}
    stack: list[tuple[int, dict[str, Any]]] = [(-1, root)]
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "- ")):
            continue
        indent = len(line) - len(line.lstrip(" "))
        key, colon, value = _yaml_pair(stripped)
        if not colon:
            continue
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        if value:
            parent[key] = value.strip("'\"")
        else:
            child: dict[str, Any] = {}
            parent[key] = child
            stack.append((indent, child))
    return root


def _yaml_pair(line: str) -> tuple[str, bool, str]:
    """A line's key, whether it has one, and its value ("" when a mapping follows)."""
    if line[0] in "'\"":  # a quoted key may hold ':' ('@scope/name@1.0.0')
        end = line.find(line[0], 1)
        _, colon, value = line[end + 1 :].partition(":")
        return line[1:end], bool(colon), value.strip()
    if line.endswith(":"):
        return line[:-1], True, ""
    key, colon, value = line.partition(": ")
    return key, bool(colon), value.strip()


def yarn_lock_version(text: str, spec: str | None = None) -> str | None:
    """drizzle-orm's version in a ``yarn.lock`` (v1, ``version "0.45.4"``, and berry,
    ``version: 0.45.4``): the entry resolving the ``package.json`` range ``spec``, or the only
    version listed."""
    versions: dict[str, str] = {}  # descriptor range -> version
    ranges: list[str] = []
    for line in text.splitlines():
        if line and not line[0].isspace() and line.rstrip().endswith(":"):
            ranges = [
                descriptor.split("@", 2)[-1].removeprefix("npm:")
                for descriptor in (d.strip().strip("\"'") for d in line.rstrip()[:-1].split(","))
                if descriptor.startswith(f"{PACKAGE}@")
            ]
            continue
        match = re.match(r'^\s+version:?\s+"?([^"\s]+)"?', line)
        if match and ranges:
            versions.update((r, match[1]) for r in ranges)
            ranges = []
    if spec is not None and spec.removeprefix("npm:") in versions:
        return versions[spec.removeprefix("npm:")]
    distinct = set(versions.values())
    return distinct.pop() if len(distinct) == 1 else None


def bun_lock_version(text: str, project: str = "") -> str | None:
    """drizzle-orm's version in a text ``bun.lock`` (JSON with trailing commas): the workspace
    package's own entry (``<name>/drizzle-orm``) if it has one, else the hoisted one."""
    try:
        data = json.loads(re.sub(r",(\s*[}\]])", r"\1", text))
    except ValueError:
        return None
    packages = data.get("packages") if isinstance(data, dict) else None
    if not isinstance(packages, dict):
        return None
    workspaces = data.get("workspaces")
    workspace = workspaces.get(project) if isinstance(workspaces, dict) else None
    name = workspace.get("name") if isinstance(workspace, dict) else None
    for key in ([f"{name}/{PACKAGE}"] if project and name else []) + [PACKAGE]:
        entry = packages.get(key)
        if isinstance(entry, list) and entry and isinstance(entry[0], str):
            return entry[0].rpartition("@")[2]
    return None
