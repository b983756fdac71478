"""The driver that runs a project's migrations, and what follows from it for the rules.

drizzle-orm has a ``migrate()`` per driver. Most run every pending migration in one transaction
(``PgDialect.migrate``); ``neon-http`` and ``xata-http`` run each chunk as its own request, with
no transaction around them, and record the rows at the end. Whether a chunk may hold several
statements depends on how the driver sends a query (one simple-protocol query, or a prepared
statement). ``driver = "auto"`` (the default) reads the project's ``drizzle.config.*`` and
``package.json`` where they name one driver, and otherwise leaves it unknown.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from functools import lru_cache
from pathlib import Path


class Driver(StrEnum):
    """drizzle-orm's PostgreSQL drivers, by the name of their module (``drizzle-orm/<name>``)."""

    AUTO = "auto"
    NODE_POSTGRES = "node-postgres"
    POSTGRES_JS = "postgres-js"
    PGLITE = "pglite"
    NEON_HTTP = "neon-http"
    NEON_SERVERLESS = "neon-serverless"
    VERCEL_POSTGRES = "vercel-postgres"
    XATA_HTTP = "xata-http"
    AWS_DATA_API = "aws-data-api"
    PG_PROXY = "pg-proxy"
    BUN_SQL = "bun-sql"


# the drivers whose migrate() runs the chunks without a transaction around them
WITHOUT_TRANSACTION = frozenset({Driver.NEON_HTTP, Driver.XATA_HTTP})

# whether a chunk of several statements runs, as found by running the real driver on a real
# PostgreSQL (tests/oracle/test_oracle_drivers.py); a driver not here was not run (unverified)
RUNS_SEVERAL_STATEMENTS: dict[Driver, bool] = {
    Driver.NODE_POSTGRES: True,
    Driver.POSTGRES_JS: True,
    Driver.PGLITE: False,
}

# npm packages that name one driver (``@neondatabase/serverless`` serves two: not clear)
_PACKAGES = {
    "pg": Driver.NODE_POSTGRES,
    "postgres": Driver.POSTGRES_JS,
    "@electric-sql/pglite": Driver.PGLITE,
    "@vercel/postgres": Driver.VERCEL_POSTGRES,
    "@xata.io/client": Driver.XATA_HTTP,
    "@aws-sdk/client-rds-data": Driver.AWS_DATA_API,
}
_AMBIGUOUS_PACKAGES = frozenset({"@neondatabase/serverless"})
# drizzle-kit's own `driver` key (what drizzle-kit connects with; the app uses the same)
_CONFIG_DRIVER = re.compile(r"""\bdriver\s*:\s*["'](pglite|aws-data-api)["']""")
_CONFIG_NAMES = tuple(f"drizzle.config.{ext}" for ext in ("ts", "js", "mjs", "cjs", "mts", "cts"))


def parse_driver(value: str) -> Driver:
    """A setting's value (``pg`` and ``postgres`` name their drivers too); ValueError if none."""
    aliases = {"pg": Driver.NODE_POSTGRES, "postgres": Driver.POSTGRES_JS}
    return aliases.get(value) or Driver(value)


def in_transaction(driver: Driver | None) -> bool:
    """Whether migrate() runs the pending migrations in one transaction (unknown: yes, as
    every driver but two does)."""
    return driver not in WITHOUT_TRANSACTION


def runs_several_statements(driver: Driver | None) -> bool:
    """Whether the driver was seen to run a chunk of several statements (unknown: no)."""
    return driver is not None and RUNS_SEVERAL_STATEMENTS.get(driver, False)


def resolve_driver(setting: Driver, folder: Path) -> Driver | None:
    """The driver of the migrations ``folder``: the setting, or with ``auto`` what the nearest
    project above the folder says (None: it does not say, or names several)."""
    if setting is not Driver.AUTO:
        return setting
    project = _project_of(folder)
    if project is None:
        return None
    files = [project / name for name in ("package.json", *_CONFIG_NAMES)]
    return _detected(tuple((f, *_stamp(f)) for f in files))


def _project_of(folder: Path) -> Path | None:
    """The nearest folder at or above ``folder`` with a ``package.json``."""
    for candidate in (folder, *folder.parents):
        if (candidate / "package.json").is_file():
            return candidate
        if (candidate / ".git").exists():
            return None
    return None


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _detected(files: tuple[tuple[Path, int, int], ...]) -> Driver | None:
    """The driver the project's files name (cached by their paths, times and sizes)."""
    package = files[0][0] if files[0][2] >= 0 else None
    configs = [path for path, _, size in files[1:] if size >= 0]
    for config in configs:
        match = _CONFIG_DRIVER.search(_read(config))
        if match is not None:
            return Driver(match[1])
    if package is None:
        return None
    try:
        data = json.loads(_read(package))
    except ValueError:
        return None
    names: set[str] = set()
    for key in ("dependencies", "devDependencies"):
        section = data.get(key) if isinstance(data, dict) else None
        if isinstance(section, dict):
            names.update(str(name) for name in section)
    if names & _AMBIGUOUS_PACKAGES:
        return None
    found = {_PACKAGES[name] for name in names if name in _PACKAGES}
    return found.pop() if len(found) == 1 else None


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8", errors="replace")
    except OSError:
        return ""
