"""`python -m drizzle_lsp.lsp`: the language server over stdio."""

from drizzle_lsp.lsp.server import main

if __name__ == "__main__":
    main()
