"""`python -m drizzle_lsp` runs the same entry point as the `drizzle-lsp` script."""

from drizzle_lsp.cli import run

if __name__ == "__main__":
    run()
