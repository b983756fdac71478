"""The engine: runs the rules over a folder, checks their fixes and applies them.

It sits above :mod:`drizzle_lsp.rules` (which sit above :mod:`drizzle_lsp.core`, the journal,
folder and SQL models) and below the adapters, the CLI and the language server, which only
translate. Its caches live here too: the results of each file's last lint and of each unit.
"""
