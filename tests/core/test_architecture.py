"""The layers: the core and the rules stay editor-independent, and imports run one way."""

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


# each package imports only from the packages below it: core <- rules <- engine <- adapters
LAYERS = {"core": 0, "rules": 1, "docs": 1, "engine": 2, "output": 3, "lsp": 4}  # docs: rule pages
ADAPTER = 4  # cli*.py, docs.py, precommit.py and the package's own modules


def _layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return ADAPTER  # drizzle_lsp/__init__.py itself
    if parts[1] in LAYERS:
        return LAYERS[parts[1]]
    # a module of the package's own (cli, docs, ...), else a name its __init__ defines (version)
    own = SERVER / "drizzle_lsp" / parts[1]
    return ADAPTER if own.is_dir() or own.with_suffix(".py").exists() else 0


def _imports(path: Path) -> list[str]:
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names]
    return [m for m in found if m.startswith("drizzle_lsp.")]


def test_imports_run_one_way() -> None:
    package = SERVER / "drizzle_lsp"
    upward = []
    for path in sorted(package.rglob("*.py")):
        module = ".".join(path.relative_to(SERVER).with_suffix("").parts)
        for imported in _imports(path):
            # `from drizzle_lsp.core import pgtree` names a module of the package it imports from
            if imported.count(".") >= 1 and _layer(imported) > _layer(module):
                upward.append(f"{module} -> {imported}")
    assert upward == []
