"""Fixtures of the distribution tests: ``dist/`` as ``scripts/dist.sh`` builds it."""

from __future__ import annotations

from pathlib import Path

import pytest
from dist_build import built_dist


@pytest.fixture(scope="session")
def dist() -> Path:
    return built_dist()
