"""Text helpers of the fixes: the common ends of two texts, compared a chunk at a time."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from drizzle_lsp.core.fixes import common_ends


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
