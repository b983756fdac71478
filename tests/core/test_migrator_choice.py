"""Which migrator a project runs: semver precedence, npm ranges, real lockfiles, node_modules,
the configuration and the layout (``core.migrator_choice``)."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from drizzle_lsp.core.folder import Layout
from drizzle_lsp.core.migrator_choice import (
    RECHECK_AFTER_S,
    Migrator,
    choose_migrator,
    migrator_of,
    parse_version,
    range_minimum,
    resolve_drizzle_orm,
)
from drizzle_lsp.core.settings import SettingsError, settings_from_mapping

LOCKFILES = Path(__file__).parent / "lockfiles"


def version(text: str):  # type: ignore[no-untyped-def]
    found = parse_version(text)
    assert found is not None, text
    return found


# ---- versions ------------------------------------------------------------------------------------


def test_semver_precedence_of_drizzle_orm_releases() -> None:
    published = [
        "0.45.4",
        "1.0.0-beta.2",
        "1.0.0-beta.9",
        "1.0.0-beta.13",
        "1.0.0-beta.14",
        "1.0.0-rc.1",
        "1.0.0-rc.5",
        "1.0.0-rc.5-169397b",  # preview builds: alphanumeric, above the numeric `5`
        "1.0.0-rc.5-5935859",
        "1.0.0-rc.5-ab785fc",  # what pnpm, yarn 4 and bun resolve ^1.0.0-rc.5 to
        "1.0.0",
        "1.0.1",
        "1.10.0",
    ]
    shuffled = published[::2] + published[1::2]
    assert [v.text for v in sorted(map(version, shuffled))] == published


def test_the_v1_migrator_starts_at_beta_14() -> None:
    assert migrator_of(version("1.0.0-beta.13")) is Migrator.ZERO_X
    assert migrator_of(version("1.0.0-beta.2")) is Migrator.ZERO_X
    assert migrator_of(version("0.45.4")) is Migrator.ZERO_X
    assert migrator_of(version("1.0.0-beta.14")) is Migrator.V1
    assert migrator_of(version("1.0.0-rc.5")) is Migrator.V1
    assert migrator_of(version("1.0.0-rc.5-ab785fc")) is Migrator.V1
    assert migrator_of(version("1.2.0")) is Migrator.V1


def test_not_versions() -> None:
    assert parse_version("latest") is None
    assert parse_version("link:../orm") is None
    assert version("v1.0.0+build.7").text == "1.0.0"


@pytest.mark.parametrize(
    ("spec", "minimum"),
    [
        ("^1.0.0-rc.5", "1.0.0-rc.5"),
        ("~0.45.0", "0.45.0"),
        ("0.45.x", "0.45.0"),
        (">=1.0.0-beta.14 <2", "1.0.0-beta.14"),
        ("<2 >=1.0.0-beta.2", "1.0.0-beta.2"),
        ("^0.45.0 || ^1.0.0-rc.5", "0.45.0"),
        ("1.0.0-beta.13 - 1.0.0-rc.5", "1.0.0-beta.13"),
        ("npm:drizzle-orm@^1.0.0-rc.5", "1.0.0-rc.5"),
        ("*", "0.0.0"),
    ],
)
def test_the_minimum_of_a_range(spec: str, minimum: str) -> None:
    found = range_minimum(spec)
    assert found is not None and found.text == minimum


@pytest.mark.parametrize("spec", ["latest", "beta", "workspace:*", "file:../orm"])
def test_ranges_that_name_no_version(spec: str) -> None:
    assert range_minimum(spec) is None


# ---- real lockfiles ------------------------------------------------------------------------------


def copy(name: str, into: Path) -> Path:
    return Path(shutil.copytree(LOCKFILES / name, into / name))


def with_folder(project: Path) -> Path:
    folder = project / "drizzle"
    (folder / "meta").mkdir(parents=True)
    (folder / "meta" / "_journal.json").write_text('{"version": "7", "entries": []}')
    return folder


@pytest.mark.parametrize(
    ("tree", "package", "reason", "kind"),
    [
        ("npm11", "", "drizzle-orm 1.0.0-rc.5 from package-lock.json", Migrator.V1),
        ("npm11-workspace", "packages/new", "drizzle-orm 1.0.0-rc.5 from package-lock.json", "v1"),
        ("npm11-workspace", "packages/old", "drizzle-orm 0.45.4 from package-lock.json", "0.x"),
        ("pnpm7", "", "drizzle-orm 0.45.4 from pnpm-lock.yaml", "0.x"),
        ("pnpm8", "", "drizzle-orm 0.45.4 from pnpm-lock.yaml", "0.x"),
        (
            "pnpm9-workspace",
            "packages/api",
            "drizzle-orm 1.0.0-rc.5-ab785fc from pnpm-lock.yaml",
            "v1",
        ),
        ("pnpm9-workspace", "packages/legacy", "drizzle-orm 0.45.4 from pnpm-lock.yaml", "0.x"),
        ("pnpm9-one-package", "", "drizzle-orm 1.0.0-rc.5 from pnpm-lock.yaml", "v1"),
        ("pnpm9-workspace", "", "journal layout, no drizzle-orm version found", "0.x"),
        ("yarn1", "", "drizzle-orm 0.45.4 from yarn.lock", "0.x"),
        ("yarn4", "", "drizzle-orm 1.0.0-rc.5-ab785fc from yarn.lock", "v1"),
        ("bun-workspace", "packages/api", "drizzle-orm 1.0.0-rc.5-ab785fc from bun.lock", "v1"),
        ("bun-workspace", "packages/legacy", "drizzle-orm 0.45.4 from bun.lock", "0.x"),
    ],
)
def test_the_version_a_real_lockfile_resolves(
    tmp_path: Path, tree: str, package: str, reason: str, kind: str
) -> None:
    folder = with_folder(copy(tree, tmp_path) / package)
    choice = choose_migrator(Migrator.AUTO, folder, Layout.JOURNAL)
    assert (choice.kind, choice.reason) == (Migrator(kind), reason)


def test_a_yarn_lock_with_two_versions_takes_the_one_package_json_asks_for(tmp_path: Path) -> None:
    project = copy("yarn4", tmp_path)
    lock = (project / "yarn.lock").read_text()
    older = '"drizzle-orm@npm:0.45.4":\n  version: 0.45.4\n  resolution: "drizzle-orm@npm:0.45.4"\n'
    (project / "yarn.lock").write_text(f"{lock}\n{older}")
    resolved = resolve_drizzle_orm(with_folder(project))
    assert resolved is not None and resolved.version.text == "1.0.0-rc.5-ab785fc"


# ---- node_modules, package.json, layout, configuration ---------------------------------------


def install(root: Path, drizzle_orm: str) -> Path:
    package = root / "node_modules" / "drizzle-orm" / "package.json"
    package.parent.mkdir(parents=True, exist_ok=True)
    package.write_text(json.dumps({"name": "drizzle-orm", "version": drizzle_orm}))
    return package


def test_the_installed_package_wins_over_the_lockfile(tmp_path: Path) -> None:
    project = copy("pnpm8", tmp_path)  # the lockfile says 0.45.4
    install(project, "1.0.0-rc.5")
    choice = choose_migrator(Migrator.AUTO, with_folder(project), Layout.JOURNAL)
    assert (choice.kind, choice.reason) == (Migrator.V1, "drizzle-orm 1.0.0-rc.5 from node_modules")


def test_the_nearest_node_modules_wins_as_node_resolves_it(tmp_path: Path) -> None:
    install(tmp_path, "0.45.4")  # a workspace root's hoisted copy
    app = tmp_path / "packages" / "app"
    install(app, "1.0.0-beta.14")
    assert choose_migrator(Migrator.AUTO, with_folder(app), Layout.JOURNAL).kind is Migrator.V1
    other = tmp_path / "packages" / "other"
    assert (
        choose_migrator(Migrator.AUTO, with_folder(other), Layout.JOURNAL).kind is Migrator.ZERO_X
    )


def test_package_json_range_when_nothing_is_installed_or_locked(tmp_path: Path) -> None:
    package = {"devDependencies": {"drizzle-orm": ">=1.0.0-beta.14 <2"}}
    (tmp_path / "package.json").write_text(json.dumps(package))
    choice = choose_migrator(Migrator.AUTO, with_folder(tmp_path), Layout.JOURNAL)
    assert choice.kind is Migrator.V1
    assert (
        choice.reason == "drizzle-orm >=1.0.0-beta.14 <2 from package.json, at least 1.0.0-beta.14"
    )


def test_without_a_version_the_layout_decides(tmp_path: Path) -> None:
    journal = choose_migrator(Migrator.AUTO, with_folder(tmp_path / "a"), Layout.JOURNAL)
    v1 = choose_migrator(Migrator.AUTO, tmp_path / "b", Layout.V1)
    assert journal.kind is Migrator.ZERO_X and "journal layout" in journal.reason
    assert v1.kind is Migrator.V1 and "v1 layout" in v1.reason


def test_the_setting_overrides_the_project(tmp_path: Path) -> None:
    install(tmp_path, "1.0.0-rc.5")
    folder = with_folder(tmp_path)
    choice = choose_migrator(Migrator.ZERO_X, folder, Layout.JOURNAL)
    assert (choice.kind, choice.reason) == (Migrator.ZERO_X, "configured")
    assert settings_from_mapping({"migrator": "v1"}).migrator is Migrator.V1
    with pytest.raises(SettingsError, match=r'`migrator` must be "auto", "0\.x" or "v1"'):
        settings_from_mapping({"migrator": "1.0"})


# ---- the cache -----------------------------------------------------------------------------------


def test_an_unchanged_project_is_not_read_again(tmp_path: Path) -> None:
    install(tmp_path, "1.0.0-rc.5")
    folder = with_folder(tmp_path)
    assert resolve_drizzle_orm(folder) is resolve_drizzle_orm(folder)


def test_an_upgrade_is_seen(tmp_path: Path) -> None:
    package = install(tmp_path, "0.45.4")
    folder = with_folder(tmp_path)
    assert choose_migrator(Migrator.AUTO, folder, Layout.JOURNAL).kind is Migrator.ZERO_X
    package.write_text(json.dumps({"name": "drizzle-orm", "version": "1.0.0-rc.5"}))
    os.utime(package, ns=(1, 1))  # another time, even on a coarse clock
    time.sleep(RECHECK_AFTER_S)  # the answer is used that long without a look
    assert choose_migrator(Migrator.AUTO, folder, Layout.JOURNAL).kind is Migrator.V1


def test_a_lockfile_added_later_is_seen(tmp_path: Path) -> None:
    project = copy("npm11", tmp_path)
    (project / "package-lock.json").rename(tmp_path / "kept.json")
    folder = with_folder(project)
    before = choose_migrator(Migrator.AUTO, folder, Layout.JOURNAL)
    assert before.reason.endswith("from package.json, at least 1.0.0-rc.5")
    (tmp_path / "kept.json").rename(project / "package-lock.json")
    time.sleep(RECHECK_AFTER_S)
    after = choose_migrator(Migrator.AUTO, folder, Layout.JOURNAL)
    assert after.reason == "drizzle-orm 1.0.0-rc.5 from package-lock.json"
