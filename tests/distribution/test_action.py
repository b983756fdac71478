"""The GitHub Action (action.yml): its step run as GitHub runs it, on a fixture repository, with
the npm packages of dist/ installed offline and no Python on PATH."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from dist_build import REPO, TARGET, path_without_python, project_version

pytestmark = pytest.mark.node

NOW = "2026-01-01T00:00:00Z"
DAY = 86_400_000
NOW_MS = 1_767_225_600_000


def _journal(tags: list[str]) -> str:
    entries = [
        {"idx": i, "version": "7", "when": NOW_MS - (10 - i) * DAY, "tag": tag, "breakpoints": True}
        for i, tag in enumerate(tags)
    ]
    return json.dumps({"version": "7", "dialect": "postgresql", "entries": entries}, indent=2)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _git(repo: Path, *argv: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *argv]
    return subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two migrations folders on `main`; a branch adds a non-idempotent migration to `api/`.
    `web/` had a problem before the branch: a SQL file its journal does not list (J003; not
    S002, which by default reports only the migrations a branch adds)."""
    repo = tmp_path_factory.mktemp("fixture-repository")
    _git(repo, "init", "-q", "-b", "main")
    _write(
        repo,
        {
            "api/drizzle/meta/_journal.json": _journal(["0000_init"]),
            "api/drizzle/0000_init.sql": 'CREATE TABLE IF NOT EXISTS "users" ("id" integer);\n',
            "web/drizzle/meta/_journal.json": _journal(["0000_init"]),
            "web/drizzle/0000_init.sql": 'CREATE TABLE "pages" ("id" integer);\n',
            "web/drizzle/0001_orphan.sql": 'CREATE TABLE "orphans" ("id" integer);\n',
            "README.md": "fixture\n",
        },
    )
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "init")
    _git(repo, "checkout", "-q", "-b", "feature")
    _write(
        repo,
        {
            "api/drizzle/meta/_journal.json": _journal(["0000_init", "0001_email"]),
            "api/drizzle/0001_email.sql": 'ALTER TABLE "users" ADD COLUMN "email" text;\n',
        },
    )
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "email")
    return repo


def _step_env(inputs: dict[str, str]) -> dict[str, str]:
    """The step's `env:` from action.yml, with `${{ inputs.x }}` replaced as GitHub does."""
    action = yaml.safe_load((REPO / "action.yml").read_text())
    declared = action["inputs"]
    assert set(inputs) <= set(declared)
    values = {name: inputs.get(name, spec.get("default", "")) for name, spec in declared.items()}
    (step,) = action["runs"]["steps"]
    assert action["runs"]["using"] == "composite"
    assert step["run"] == 'bash "$GITHUB_ACTION_PATH/action/check.sh"'
    env = {}
    for key, value in step["env"].items():
        name = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", value)
        assert name, value
        env[key] = values[name[1]]
    return env


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """RUNNER_TEMP, shared: the first run installs drizzle-lsp there, the others find it."""
    return tmp_path_factory.mktemp("runner-temp")


def _run_action(
    dist: Path, repo: Path, runner_temp: Path, tmp_path: Path, **inputs: str
) -> tuple[int, str, str, str]:
    version = project_version()
    output = tmp_path / "github-output"
    output.touch()
    tools = (
        "bash",
        "node",
        "npm",
        "git",
        "dirname",
        "basename",
        "sort",
        "sed",
        "mktemp",
        "rmdir",
        "mkdir",
    )
    env = {
        **_step_env(inputs),
        "PATH": path_without_python(tmp_path / "bin", *tools),
        "HOME": str(tmp_path / "home"),
        "GITHUB_ACTION_PATH": str(REPO),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_WORKSPACE": str(repo),
        "RUNNER_TEMP": str(runner_temp),
        "npm_config_cache": str(tmp_path / "npm-cache"),
        "DRIZZLE_LSP_NPM_PACKAGES": " ".join(
            str(dist / "npm" / name)
            for name in (f"drizzle-lsp-{version}.tgz", f"drizzle-lsp-{TARGET}-{version}.tgz")
        ),
        "DRIZZLE_LSP_NOW": NOW,
    }
    done = subprocess.run(
        ["bash", str(REPO / "action" / "check.sh")],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, done.stdout, done.stderr, output.read_text()


def _annotated_files(stdout: str) -> set[str]:
    return set(re.findall(r"^::(?:error|warning) file=([^,]+),", stdout, re.MULTILINE))


def test_checks_every_folder_by_default(
    dist: Path, repository: Path, runner_temp: Path, tmp_path: Path
) -> None:
    code, out, err, _ = _run_action(dist, repository, runner_temp, tmp_path)
    assert code == 1, err
    assert _annotated_files(out) == {"api/drizzle/0001_email.sql", "web/drizzle/0001_orphan.sql"}
    assert f"drizzle-lsp {project_version()} for {TARGET}" in err


def test_since_checks_only_the_changed_folders_and_writes_sarif(
    dist: Path, repository: Path, runner_temp: Path, tmp_path: Path
) -> None:
    sarif = tmp_path / "results.sarif"
    code, out, err, outputs = _run_action(
        dist, repository, runner_temp, tmp_path, since="main", sarif=str(sarif)
    )
    assert code == 1, err
    assert _annotated_files(out) == {"api/drizzle/0001_email.sql"}
    assert "checking what changed since main: api/drizzle" in err
    report = json.loads(sarif.read_text())
    results = report["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"S002"}
    assert f"sarif={sarif}\n" in outputs


def test_since_with_nothing_changed_passes(
    dist: Path, repository: Path, runner_temp: Path, tmp_path: Path
) -> None:
    sarif = tmp_path / "results.sarif"
    code, out, err, _ = _run_action(
        dist, repository, runner_temp, tmp_path, since="HEAD", sarif=str(sarif)
    )
    assert (code, out) == (0, ""), err
    assert "no migration changed since HEAD: nothing to check" in err
    assert json.loads(sarif.read_text())["runs"][0]["results"] == []


def test_args_and_paths(dist: Path, repository: Path, runner_temp: Path, tmp_path: Path) -> None:
    code, out, err, _ = _run_action(
        dist, repository, runner_temp, tmp_path, paths="web/drizzle", args="--ignore J003"
    )
    assert (code, out) == (0, ""), err


def test_docs_describe_every_input() -> None:
    doc = (REPO / "docs" / "ci.md").read_text()
    section = doc[doc.index("## The GitHub Action") : doc.index("## npx in a Node project")]
    documented = set(re.findall(r"^\| `([\w-]+)` \|", section, re.MULTILINE))
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert documented == set(action["inputs"])
    assert "uses: <owner>/drizzle-lsp@v" in section
