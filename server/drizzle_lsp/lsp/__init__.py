"""The language server: a thin LSP adapter over the core (see :mod:`drizzle_lsp.lsp.server`)."""
