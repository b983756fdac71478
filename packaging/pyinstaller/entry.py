"""Entry point of the standalone ``drizzle-lsp`` executable: the same ``run`` as the
``drizzle-lsp`` console script of the wheel."""

from drizzle_lsp.cli import run

if __name__ == "__main__":
    run()
