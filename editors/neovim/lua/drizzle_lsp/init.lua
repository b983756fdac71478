--- drizzle-lsp for Neovim: starts the `drizzle-lsp` language server for Drizzle ORM migration
--- folders (a folder holding `meta/_journal.json`) and passes the `drizzleLsp` settings through.
---
--- Neovim >= 0.11: `require('drizzle_lsp').setup(opts)` calls `vim.lsp.config` + `vim.lsp.enable`
--- (or skip setup and call `vim.lsp.enable('drizzle_lsp')`: `lsp/drizzle_lsp.lua` is on the
--- runtimepath). Neovim 0.10: setup() starts the server from a FileType autocommand with
--- `vim.lsp.start`. Older versions are not supported: setup() says so and does nothing.
local M = {}

M.name = 'drizzle_lsp'

--- Filetypes the client attaches to. `json` only for `meta/_journal.json` and the snapshots
--- `meta/NNNN_snapshot.json` (see M.root).
M.filetypes = { 'sql', 'pgsql', 'json' }

---@class drizzle_lsp.Opts
---@field cmd? string[] command that starts the server over stdio (default: M.default_cmd())
---@field settings? table the `drizzleLsp` settings: select, ignore, perFileIgnores, migrations,
---                      s002Scope, databaseUrl, migrationsSchema, migrationsTable, driver,
---                      migrator
---@field filetypes? string[]
---@field on_attach? fun(client: vim.lsp.Client, bufnr: integer)
---@field capabilities? table
---@field cmd_env? table<string, string> extra environment for the server process
---@field commands? boolean define :DrizzleLsp* user commands (default true)

local uv = vim.uv or vim.loop

local function is_file(path)
  local stat = uv.fs_stat(path)
  return stat ~= nil and stat.type == 'file'
end

--- The command that starts the server: `drizzle-lsp serve` when it is on PATH, else
--- `python3 -m drizzle_lsp serve`.
---@return string[]
function M.default_cmd()
  if vim.fn.executable('drizzle-lsp') == 1 then
    return { 'drizzle-lsp', 'serve' }
  end
  local python = vim.fn.executable('python3') == 1 and 'python3' or 'python'
  return { python, '-m', 'drizzle_lsp', 'serve' }
end

--- The migrations folder of a buffer: for `<dir>/meta/_journal.json`, `<dir>`; for a snapshot
--- `<dir>/meta/NNNN_snapshot.json`, `<dir>` when it holds the journal; for a `.sql` file, the
--- nearest folder above it that holds `meta/_journal.json`. nil for anything else.
---@param source integer|string buffer number or file path
---@return string|nil
function M.root(source)
  local name = source
  if type(source) == 'number' then
    if not vim.api.nvim_buf_is_valid(source) or vim.bo[source].buftype ~= '' then
      return nil
    end
    name = vim.api.nvim_buf_get_name(source)
  end
  if type(name) ~= 'string' or name == '' or name:match('^%a[%w+.-]*://') then
    return nil -- unnamed, or not a file (fugitive://, oil://, ...)
  end
  local path = vim.fs.normalize(vim.fn.fnamemodify(name, ':p'))
  local dir = vim.fs.dirname(path)
  if vim.fs.basename(path) == '_journal.json' then
    if vim.fs.basename(dir) == 'meta' then
      return vim.fs.dirname(dir)
    end
    return nil
  end
  local base = vim.fs.basename(path)
  if base:match('_snapshot%.json$') and not base:match('^_') then
    if vim.fs.basename(dir) == 'meta' and is_file(dir .. '/_journal.json') then
      return vim.fs.dirname(dir)
    end
    return nil
  end
  if not path:lower():match('%.sql$') then
    return nil
  end
  for parent in vim.fs.parents(path) do
    if is_file(parent .. '/meta/_journal.json') then
      return parent
    end
  end
  return nil
end

--- The vim.lsp config table for these options (used by setup, and by lsp/drizzle_lsp.lua).
---@param opts? drizzle_lsp.Opts
---@return table
function M.config(opts)
  opts = opts or {}
  local settings = opts.settings or {}
  local config = {
    name = M.name,
    cmd = opts.cmd or M.default_cmd(),
    cmd_env = opts.cmd_env,
    filetypes = opts.filetypes or M.filetypes,
    -- Neovim >= 0.11 signature; setup() adapts it for 0.10.
    root_dir = function(bufnr, on_dir)
      local root = M.root(bufnr)
      if root then
        on_dir(root)
      end
    end,
    settings = { drizzleLsp = settings },
    init_options = { drizzleLsp = settings },
    on_attach = opts.on_attach,
    capabilities = opts.capabilities,
  }
  return config
end

local function notify(message, level)
  vim.notify('drizzle-lsp: ' .. message, level or vim.log.levels.INFO)
end

--- Clients of this plugin attached to a buffer (all of them when bufnr is nil).
---@param bufnr? integer
---@return vim.lsp.Client[]
function M.clients(bufnr)
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients
  return get({ name = M.name, bufnr = bufnr })
end

--- Apply `source.fixAll.drizzle-lsp` to the current buffer.
function M.fix_all()
  vim.lsp.buf.code_action({
    context = { only = { 'source.fixAll.drizzle-lsp' }, diagnostics = {} },
    apply = true,
  })
end

--- Run a server command (`drizzle-lsp.checkWorkspace`, `drizzle-lsp.refreshDatabase`).
---@param command string
function M.execute(command)
  local clients = M.clients(vim.api.nvim_get_current_buf())
  if #clients == 0 then
    clients = M.clients()
  end
  if #clients == 0 then
    notify('no drizzle-lsp client is running', vim.log.levels.WARN)
    return
  end
  local params = { command = command, arguments = {} }
  local function handler(err)
    if err then
      notify(command .. ' failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    end
  end
  for _, client in ipairs(clients) do
    if vim.fn.has('nvim-0.11') == 1 then
      client:request('workspace/executeCommand', params, handler)
    else
      client.request('workspace/executeCommand', params, handler)
    end
  end
end

local function define_commands()
  local command = vim.api.nvim_create_user_command
  command('DrizzleLspFixAll', M.fix_all, { desc = 'drizzle-lsp: fix all in file' })
  command('DrizzleLspCheckWorkspace', function()
    M.execute('drizzle-lsp.checkWorkspace')
  end, { desc = 'drizzle-lsp: check workspace' })
  command('DrizzleLspRefreshDatabase', function()
    M.execute('drizzle-lsp.refreshDatabase')
  end, { desc = 'drizzle-lsp: re-read the applied migrations from the database' })
  command('DrizzleLspRestart', function()
    for _, client in ipairs(M.clients()) do
      if vim.fn.has('nvim-0.11') == 1 then
        client:stop()
      else
        client.stop()
      end
    end
    vim.defer_fn(function()
      -- re-run only the autocommands that start clients, not every FileType plugin
      if M._method == 'vim.lsp.enable' then
        vim.cmd.doautoall('nvim.lsp.enable FileType')
      else
        vim.cmd.doautoall('drizzle_lsp FileType')
      end
    end, 500)
  end, { desc = 'drizzle-lsp: restart the server' })
end

--- Neovim 0.10: start (or reuse) a client for one buffer.
local function start_010(bufnr, config)
  local root = M.root(bufnr)
  if not root then
    return
  end
  local start_config = vim.deepcopy(config)
  start_config.root_dir = root
  start_config.workspace_folders = { { uri = vim.uri_from_fname(root), name = root } }
  vim.lsp.start(start_config, { bufnr = bufnr })
end

---@param opts? drizzle_lsp.Opts
function M.setup(opts)
  opts = opts or {}
  if vim.fn.has('nvim-0.10') ~= 1 then
    notify('needs Neovim 0.10 or later; not started', vim.log.levels.WARN)
    return
  end
  local config = M.config(opts)
  if opts.commands ~= false then
    define_commands()
  end
  -- `_start_with = 'vim.lsp.start'` forces the 0.10 path on 0.11 (the tests use it).
  if vim.fn.has('nvim-0.11') == 1 and opts._start_with ~= 'vim.lsp.start' then
    M._method = 'vim.lsp.enable'
    vim.lsp.config(M.name, config)
    vim.lsp.enable(M.name)
    return
  end
  M._method = 'vim.lsp.start'
  local group = vim.api.nvim_create_augroup('drizzle_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = config.filetypes,
    callback = function(args)
      start_010(args.buf, config)
    end,
  })
  -- buffers opened before setup()
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(config.filetypes, vim.bo[bufnr].filetype) then
      start_010(bufnr, config)
    end
  end
end

return M
