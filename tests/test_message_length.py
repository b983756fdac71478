"""Messages say the consequence and what to do, briefly: the rule page (linked from each
diagnostic's code) holds the explanation. Measured over every finding of the real Drizzle
folders of the shared corpus."""

from __future__ import annotations

import statistics

import pytest
from shared import CORPUS, require

from drizzle_lsp.core.settings import S002Scope, Settings
from drizzle_lsp.core.workspace import discover, load_target
from drizzle_lsp.engine.analyze import analyze

pytestmark = pytest.mark.corpus

LATER_THAN_THE_CORPUS = 1_893_456_000_000  # 2030-01-01: no entry of it is in the future
MEDIAN_MAX = 140


@pytest.mark.parametrize("scope", [S002Scope.NEW, S002Scope.ALL])
def test_median_message_length_over_the_corpus(scope: S002Scope) -> None:
    require(CORPUS)
    settings = Settings(s002_scope=scope)
    lengths = [
        len(v.message)
        for target in discover([CORPUS])
        for v in analyze(load_target(target), settings, clock=lambda: LATER_THAN_THE_CORPUS)
    ]
    assert len(lengths) >= 50  # the corpus has findings of several rules
    assert statistics.median(lengths) < MEDIAN_MAX, statistics.median(lengths)
