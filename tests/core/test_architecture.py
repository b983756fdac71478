"""The core and the rules stay editor-independent: no LSP library may be imported by them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SERVER = Path(__file__).resolve().parents[2] / "server"


def test_core_and_rules_do_not_load_lsp_libraries() -> None:
    code = (
        "import sys, pkgutil, importlib\n"
        "import drizzle_lsp.core, drizzle_lsp.rules\n"
        "for pkg in (drizzle_lsp.core, drizzle_lsp.rules):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(pkg.__name__ + '.' + m.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SERVER)},
        check=True,
    )
    assert result.stdout.strip() == ""
