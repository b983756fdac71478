"""Helpers shared by every test directory (``tests/support``) are importable from all of them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "support"))

from shared import shared_corpus  # noqa: F401  (a fixture for every test directory)

# hypothesis: a few hundred examples by default (CI); DRIZZLE_LSP_HYPOTHESIS=thorough for
# 10,000 per property (on demand: about an hour)
try:
    from hypothesis import HealthCheck, settings
except ImportError:  # the dev extra is not installed: the property tests fail on import
    pass
else:
    settings.register_profile(
        "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    settings.register_profile(
        "thorough",
        max_examples=10_000,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile(os.environ.get("DRIZZLE_LSP_HYPOTHESIS", "ci"))
