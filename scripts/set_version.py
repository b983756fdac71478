"""Sets the version: in pyproject.toml, where it lives, and in the package.json files that npm and
vsce read it from (tests/distribution/test_version.py checks that they agree).

    python scripts/set_version.py 0.2.0
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args()
    version: str = args.version

    pyproject = args.repo / "pyproject.toml"
    text, count = re.subn(
        r'^version = "[^"]*"$', f'version = "{version}"', pyproject.read_text(), count=1, flags=re.M
    )
    if count != 1:
        raise SystemExit(f"no `version = ...` line in {pyproject}")
    pyproject.write_text(text)

    for path in ("editors/vscode/package.json", "npm/drizzle-lsp/package.json"):
        file = args.repo / path
        data = json.loads(file.read_text())
        data["version"] = version
        for name in data.get("optionalDependencies", {}):
            data["optionalDependencies"][name] = version
        file.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(f"version {version}")


if __name__ == "__main__":
    main()
