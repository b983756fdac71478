"""The pre-commit hook (``.pre-commit-hooks.yaml``): ``python -m drizzle_lsp.precommit``.

pre-commit passes the hook's ``args`` followed by the changed files that match
``(\\.sql|_journal\\.json|_snapshot\\.json)$``. Journal rules span the whole folder (a
changed ``.sql`` file can break the journal and the other way round), so this checks the whole
migrations folder of each changed file with ``drizzle-lsp check``. Changed ``.sql`` files
outside any migrations folder (seeds, ad-hoc scripts) are not migrations and are left alone.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from drizzle_lsp.core.folder import owning_folder

_CHANGED_FILE_SUFFIXES = (".sql", "_journal.json", "_snapshot.json")


def split_arguments(argv: Sequence[str]) -> tuple[list[str], list[Path]]:
    """``(check options, changed files)``: the files are the arguments pre-commit appended."""
    options: list[str] = []
    files: list[Path] = []
    for argument in argv:
        path = Path(argument)
        if argument.endswith(_CHANGED_FILE_SUFFIXES) and path.is_file():
            files.append(path)
        else:
            options.append(argument)
    return options, files


def folders_of(files: Sequence[Path]) -> list[Path]:
    """The migrations folders of ``files``, each once, in order; relative when the file was."""
    folders: dict[Path, Path] = {}
    for file in files:
        owner = owning_folder(file)
        if owner is None:
            continue
        root = owner[0]
        shown = root
        if not file.is_absolute():
            try:
                shown = root.relative_to(Path.cwd())
            except ValueError:
                shown = root
        folders.setdefault(root, shown)
    return list(folders.values())


def main(argv: Sequence[str] | None = None) -> int:
    options, files = split_arguments(sys.argv[1:] if argv is None else argv)
    folders = folders_of(files)
    if not folders:
        return 0
    from drizzle_lsp.cli import main as cli_main

    return cli_main(["check", *options, *(str(folder) for folder in folders)])


if __name__ == "__main__":
    raise SystemExit(main())
