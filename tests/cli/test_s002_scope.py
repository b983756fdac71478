"""S002's default scope in ``check``: the migrations not yet on the base branch and those at
risk, in real git repositories; ``--since REF``; outside git, the newest entry."""

from __future__ import annotations

from pathlib import Path

from folders import DAY, NOW, entries, write_folder
from git_repos import CREATE, git, origin_and_clone, write_migrations


def s002_files(out: str) -> list[str]:
    return [line.split(":")[0] for line in out.splitlines() if " S002 " in line]


def test_a_clone_reports_only_what_its_branch_adds_or_changes(run, tmp_path: Path) -> None:
    _, clone = origin_and_clone(tmp_path, ["0000_a", "0001_b", "0002_c"])
    assert git(clone, "rev-parse", "--abbrev-ref", "origin/HEAD").strip() == "origin/main"
    assert run("check", cwd=clone).out == "All checks passed!\n"  # all of it is on main
    write_migrations(clone, ["0000_a", "0001_b", "0002_c", "0003_d", "0004_e"])
    git(clone, "checkout", "-q", "-b", "feature")
    git(clone, "add", "drizzle/0003_d.sql")
    git(clone, "commit", "-q", "-m", "d")  # committed on the branch
    # 0004_e: untracked; 0001_b: changed in the working tree only
    (clone / "drizzle" / "0001_b.sql").write_text('CREATE TABLE "changed" ("id" int);\n')
    result = run("check", cwd=clone)
    assert s002_files(result.out) == [
        "drizzle/0001_b.sql",
        "drizzle/0003_d.sql",
        "drizzle/0004_e.sql",
    ]
    assert result.code == 1


def test_at_risk_migrations_are_reported_even_on_the_base(run, tmp_path: Path) -> None:
    origin, clone = origin_and_clone(tmp_path, ["0000_a", "0001_b", "0002_c"])
    # on main: 0001_b dated before 0000_a, J001, so S002 matters there (its fix makes it run
    # again)
    items = entries(("0000_a", NOW - DAY), ("0001_b", NOW - 3 * DAY), ("0002_c", NOW))
    write_folder(origin / "drizzle", items, {})
    git(origin, "commit", "-q", "-am", "re-date")
    git(clone, "pull", "-q")
    assert git(clone, "status", "--porcelain") == ""
    result = run("check", cwd=clone)
    assert "J001" in result.out
    assert s002_files(result.out) == ["drizzle/0001_b.sql"]
    assert result.out.index("J001") < result.out.index("S002")  # the journal's problem first


def test_without_origin_main_is_the_base(run, tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    write_migrations(tmp_path, ["0000_a", "0001_b"])
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    write_migrations(tmp_path, ["0000_a", "0001_b", "0002_c"])
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "c")
    assert s002_files(run("check", cwd=tmp_path).out) == ["drizzle/0002_c.sql"]


def test_since_compares_with_the_ref_given(run, tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "trunk")  # neither main nor master: no default base
    write_migrations(tmp_path, ["0000_a"])
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "a")
    git(tmp_path, "tag", "release")
    write_migrations(tmp_path, ["0000_a", "0001_b", "0002_c"])
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "b c")
    # no base branch: the newest entry only
    assert s002_files(run("check", cwd=tmp_path).out) == ["drizzle/0002_c.sql"]
    since = run("check", "--since", "release", cwd=tmp_path)
    assert s002_files(since.out) == ["drizzle/0001_b.sql", "drizzle/0002_c.sql"]
    # --since wins over a configured scope
    (tmp_path / "drizzle-lsp.toml").write_text('s002-scope = "all"\n')
    assert len(s002_files(run("check", cwd=tmp_path).out)) == 3
    assert run("check", "--since", "HEAD", cwd=tmp_path).out == "All checks passed!\n"


def test_since_a_ref_git_does_not_know_is_a_usage_error(run, tmp_path: Path) -> None:
    write_migrations(tmp_path, ["0000_a"])
    outside = run("check", "--since", "main", cwd=tmp_path)
    assert (outside.code, outside.out) == (2, "")
    assert "is not in a git repository" in outside.err
    git(tmp_path, "init", "-q", "-b", "main")
    unknown = run("check", "--since", "no-such-ref", cwd=tmp_path)
    assert (unknown.code, unknown.out) == (2, "")
    assert "--since no-such-ref: not a commit git knows" in unknown.err
    assert "Traceback" not in unknown.err


def test_outside_git_the_newest_entry(run, tmp_path: Path) -> None:
    write_migrations(tmp_path, ["0000_a", "0001_b", "0002_c"])
    assert s002_files(run("check", cwd=tmp_path).out) == ["drizzle/0002_c.sql"]
    (tmp_path / "drizzle-lsp.toml").write_text('s002-scope = "at-risk"\n')
    assert s002_files(run("check", cwd=tmp_path).out) == []
    (tmp_path / "drizzle-lsp.toml").write_text('s002-scope = "all"\n')
    assert len(s002_files(run("check", cwd=tmp_path).out)) == 3
    assert CREATE.format(n=2) in (tmp_path / "drizzle" / "0002_c.sql").read_text()
