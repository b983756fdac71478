"""Where the shared test data is, and what a test does without it.

The corpora sit beside the project (``../shared``), or where ``DRIZZLE_LSP_SHARED`` says. A test
that needs them skips on a developer's machine that has none, and fails under ``CI``: a CI run
that skips them proves nothing (the same policy as the PostgreSQL and oracle tests).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("DRIZZLE_LSP_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus" / "drizzle"
PG_REGRESSION = SHARED / "corpus" / "pg-regression"


def unavailable(reason: str) -> None:
    """Skip locally, fail in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {reason}", pytrace=False)
    pytest.skip(reason)


def require(*paths: Path) -> None:
    """Go on only if every one of ``paths`` exists (see :func:`unavailable`)."""
    for path in paths:
        if not path.exists():
            unavailable(f"{path} is missing (the shared data: ../shared or DRIZZLE_LSP_SHARED)")


@pytest.fixture
def shared_corpus() -> Path:
    require(CORPUS)
    return CORPUS


# for a test or module that reads the drizzle corpus
needs_corpus = pytest.mark.usefixtures("shared_corpus")
