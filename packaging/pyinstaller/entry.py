"""Entry point of the standalone ``drizzle-lsp`` executable: the same ``main`` as the
``drizzle-lsp`` console script of the wheel."""

from drizzle_lsp.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
