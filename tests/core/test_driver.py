"""The `driver` setting and what `auto` reads from the project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drizzle_lsp.core.driver import Driver, in_transaction, resolve_driver, runs_several_statements
from drizzle_lsp.core.settings import SettingsError, settings_from_mapping


def _project(root: Path, dependencies: dict[str, str], config: str | None = None) -> Path:
    (root / ".git").mkdir()
    (root / "package.json").write_text(json.dumps({"dependencies": dependencies}))
    if config is not None:
        (root / "drizzle.config.ts").write_text(config)
    folder = root / "src" / "db" / "migrations"
    folder.mkdir(parents=True)
    return folder


@pytest.mark.parametrize(
    ("dependencies", "driver"),
    [
        ({"drizzle-orm": "0.45.4", "pg": "8"}, Driver.NODE_POSTGRES),
        ({"drizzle-orm": "0.45.4", "postgres": "3"}, Driver.POSTGRES_JS),
        ({"@electric-sql/pglite": "0.5"}, Driver.PGLITE),
        ({"@xata.io/client": "0.30"}, Driver.XATA_HTTP),
        # two drivers, or a package that serves two (neon-http and neon-serverless): unknown
        ({"pg": "8", "postgres": "3"}, None),
        ({"@neondatabase/serverless": "1", "pg": "8"}, None),
        ({"drizzle-orm": "0.45.4"}, None),
    ],
)
def test_auto_reads_the_one_driver_package_json_names(
    tmp_path: Path, dependencies: dict[str, str], driver: Driver | None
) -> None:
    folder = _project(tmp_path, dependencies)
    assert resolve_driver(Driver.AUTO, folder) is driver


def test_drizzle_config_driver_comes_first(tmp_path: Path) -> None:
    config = 'export default defineConfig({ dialect: "postgresql", driver: "pglite" });\n'
    folder = _project(tmp_path, {"pg": "8"}, config)
    assert resolve_driver(Driver.AUTO, folder) is Driver.PGLITE


def test_the_setting_overrides_the_project(tmp_path: Path) -> None:
    folder = _project(tmp_path, {"pg": "8"})
    assert resolve_driver(Driver.NEON_HTTP, folder) is Driver.NEON_HTTP


def test_auto_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"pg": "8"}}))
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    folder = repo / "drizzle"
    folder.mkdir()
    assert resolve_driver(Driver.AUTO, folder) is None


def test_a_changed_package_json_is_read_again(tmp_path: Path) -> None:
    folder = _project(tmp_path, {"pg": "8"})
    assert resolve_driver(Driver.AUTO, folder) is Driver.NODE_POSTGRES
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"postgres": "3.4.9"}}))
    assert resolve_driver(Driver.AUTO, folder) is Driver.POSTGRES_JS


def test_what_follows_from_the_driver() -> None:
    assert not in_transaction(Driver.NEON_HTTP) and not in_transaction(Driver.XATA_HTTP)
    assert in_transaction(Driver.NODE_POSTGRES) and in_transaction(None)
    assert runs_several_statements(Driver.NODE_POSTGRES)
    assert runs_several_statements(Driver.POSTGRES_JS)
    assert not runs_several_statements(Driver.PGLITE)
    assert not runs_several_statements(Driver.NEON_HTTP)  # unverified
    assert not runs_several_statements(None)


def test_setting_values() -> None:
    assert settings_from_mapping({"driver": "pg"}).driver is Driver.NODE_POSTGRES
    assert settings_from_mapping({"driver": "neon-http"}).driver is Driver.NEON_HTTP
    assert settings_from_mapping({}).driver is Driver.AUTO
    with pytest.raises(SettingsError, match="`driver` must be one of"):
        settings_from_mapping({"driver": ["pg"]})
