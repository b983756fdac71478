"""Text helpers of the fixes: the common ends of two texts, compared a chunk at a time."""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from drizzle_lsp.core.diagnostics import Edit, Fix
from drizzle_lsp.core.fixes import common_ends, compatible_fixes


def _naive(old: str, new: str) -> tuple[int, int]:
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return head, tail


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30), st.text(max_size=30), st.integers(0, 3))
def test_common_ends_are_the_naive_ones(ends: str, old: str, new: str, repeat: int) -> None:
    # long common ends (more than a chunk of 4,096) around a short difference
    prefix, suffix = ends * 300 * repeat, (ends + "é☕") * 200 * repeat
    before, after = prefix + old + suffix, prefix + new + suffix
    assert common_ends(before, after) == _naive(before, after)
    assert common_ends(after, after) == (len(after), 0)
    assert common_ends("", after) == (0, 0)


def test_an_insertion_at_the_edge_of_a_replacement_waits_for_the_next_pass():
    """Applied together, a DO block's head inserted where another fix replaces the text would
    wrap that fix's text: the second fix waits for the next pass, which recomputes it."""
    path = Path("/m/0001_x.sql")
    guard = Fix("guard", (Edit.replace(path, 0, 10, "DO ... 0123456789 ..."),))
    wrap = Fix("wrap", (Edit.insert(path, 0, "DO $$ BEGIN\n"), Edit.insert(path, 10, "\nEND $$;")))
    inside = Fix("inside", (Edit.insert(path, 5, " IF NOT EXISTS"),))
    after = Fix("after", (Edit.insert(path, 11, ";"),))
    assert compatible_fixes([guard, wrap, inside, after]) == [guard, after]


def _naive_compatible(fixes: list[Fix]) -> list[Fix]:
    """compatible_fixes as a comparison of each fix's edits with every chosen edit."""
    from drizzle_lsp.core.fixes import _overlaps

    chosen: list[Fix] = []
    for fix in dict.fromkeys(fixes):
        taken = [e for f in chosen for e in f.edits]
        pairs = ((a, b) for a in fix.edits for b in taken)
        if not any(a.path == b.path and _overlaps(a.span, b.span) for a, b in pairs):
            chosen.append(fix)
    return chosen


_EDIT = st.builds(
    lambda path, start, length, text: Edit.replace(Path(path), start, start + length, text),
    st.sampled_from(["/m/a.sql", "/m/b.sql"]),
    st.integers(0, 40),
    st.integers(0, 4),
    st.sampled_from(["", "x"]),
)


@example(  # a fix whose own edits overlap, then an insertion at the edge of the first
    [
        [Edit.replace(Path("/m/a.sql"), 0, 2, ""), Edit.insert(Path("/m/a.sql"), 1, "")],
        [Edit.insert(Path("/m/a.sql"), 2, "")],
    ]
)
@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_EDIT, min_size=1, max_size=3), max_size=25))
def test_compatible_fixes_are_those_that_overlap_no_earlier_choice(edits: list[list[Edit]]):
    """Fixes come in any order, with insertions, touching and nested spans: the choice is the
    first-come one of comparing every pair."""
    fixes = [Fix(f"fix {i}", tuple(e)) for i, e in enumerate(edits)]
    assert compatible_fixes(fixes) == _naive_compatible(fixes)
