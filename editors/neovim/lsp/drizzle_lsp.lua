-- Neovim >= 0.11 config for `vim.lsp.enable('drizzle_lsp')`: the drizzle-lsp server for Drizzle ORM
-- migration folders. Root: the nearest folder holding `meta/_journal.json`; attaches to the `.sql`
-- files there and to `meta/_journal.json`. Override anything with
-- `vim.lsp.config('drizzle_lsp', { settings = { drizzleLsp = { ignore = { 'S003' } } } })`,
-- or call `require('drizzle_lsp').setup(opts)`, which does both.
return require('drizzle_lsp').config()
