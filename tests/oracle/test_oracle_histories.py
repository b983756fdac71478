"""The fix invariants on real repositories' histories (opt-in: they are not part of the repo).

``DRIZZLE_LSP_HISTORIES`` names a folder with one folder per repository, each holding
``manifest.json`` (``{"repo", "license", "commits": [{"dir", "sha", "j001": [tags]}]}``) and the
migrations folder as it stood at each commit that changed its journal (``history/NNN_sha/``,
oldest first). At the first state of each run of states with J001, and at the last, the
state is deployed entry by entry (its journal's prefixes, as DESIGN.md's I3 has it), fixed with
``check --fix``, and I1-I4 are checked (see ``invariants.py``). Without the variable there is
nothing to collect. With ``DRIZZLE_LSP_REPLAY=commits`` the databases deploy the repository's
commits instead, one after the other: stricter than I3, since a history may re-date an applied
entry, edit an applied file or restart its journal, which no journal-only fix can see.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from invariants import check_invariants, journal_prefixes

pytestmark = [pytest.mark.postgres, pytest.mark.node, pytest.mark.usefixtures("check_command")]

HISTORIES = Path(os.environ.get("DRIZZLE_LSP_HISTORIES", "/nonexistent"))
BY_COMMITS = os.environ.get("DRIZZLE_LSP_REPLAY") == "commits"


def _cases() -> list[pytest.param]:
    cases = []
    for manifest in sorted(HISTORIES.glob("*/manifest.json")):
        commits = json.loads(manifest.read_text("utf-8"))["commits"]
        late = [i for i, c in enumerate(commits) if c["j001"]]
        starts = [i for i in late if i - 1 not in late]
        for i in sorted({*starts, *late[-1:]}):
            cases.append(pytest.param(manifest.parent, i, id=f"{manifest.parent.name}-{i:03d}"))
    return cases


@pytest.mark.parametrize(("repo", "state"), _cases())
def test_fix_keeps_the_invariants_on_a_real_history(repo, state, new_database, tmp_path):
    commits = json.loads((repo / "manifest.json").read_text("utf-8"))["commits"]
    folder = repo / commits[state]["dir"]
    if BY_COMMITS:
        history = [repo / c["dir"] for c in commits[: state + 1]]
    else:
        history = journal_prefixes(folder, tmp_path)
    outcome = check_invariants(history, tmp_path, new_database)
    if not outcome.fresh_original_ok:
        pytest.skip("the original does not migrate an empty database here (I1-I3 are moot)")
    assert not outcome.failures, "\n".join(outcome.failures)
    assert outcome.redated, "J001 was flagged here: the fix must re-date"
