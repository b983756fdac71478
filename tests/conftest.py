"""Helpers shared by every test directory (``tests/support``) are importable from all of them."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "support"))
