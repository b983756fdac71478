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

local function notify(message, level)
  vim.notify('drizzle-lsp: ' .. message, level or vim.log.levels.INFO)
end

local function is_file(path)
  local stat = uv.fs_stat(path)
  return stat ~= nil and stat.type == 'file'
end

--- Where `drizzle-lsp` is looked for after PATH: where `pip install --user`, pipx and
--- `uv tool install` put it, and the project's `.venv` (an editor started from the desktop may
--- have a PATH without them).
---@return string[]
function M.search_paths()
  local home = uv.os_homedir() or vim.env.HOME or ''
  local bin = vim.fn.has('win32') == 1 and 'Scripts/drizzle-lsp.exe' or 'bin/drizzle-lsp'
  return {
    home .. '/.local/bin/drizzle-lsp',
    (vim.env.PIPX_BIN_DIR or (home .. '/.local/bin')) .. '/drizzle-lsp',
    home .. '/.local/pipx/venvs/drizzle-lsp/' .. bin,
    (vim.env.UV_TOOL_DIR or (home .. '/.local/share/uv/tools')) .. '/drizzle-lsp/' .. bin,
    vim.fn.getcwd() .. '/.venv/' .. bin,
  }
end

--- The command that starts the server: `drizzle-lsp serve` from PATH or one of
--- M.search_paths(), else `python3 -m drizzle_lsp serve`. What was looked at is kept for the
--- message shown when the server cannot start (M.searched).
---@return string[]
function M.default_cmd()
  M.searched = { 'drizzle-lsp on PATH' }
  if vim.fn.executable('drizzle-lsp') == 1 then
    return { 'drizzle-lsp', 'serve' }
  end
  for _, path in ipairs(M.search_paths()) do
    table.insert(M.searched, path)
    if vim.fn.executable(path) == 1 then
      return { path, 'serve' }
    end
  end
  local python = vim.fn.executable('python3') == 1 and 'python3' or 'python'
  table.insert(M.searched, python .. ' -m drizzle_lsp')
  return { python, '-m', 'drizzle_lsp', 'serve' }
end

--- The last of each server's stderr (by executable): Neovim only writes it to its LSP log, and
--- a server that cannot start says why there (a missing module, a bad setting).
local stderr_tail = {}
local STDERR_KEPT = 4000

--- Keep a copy of the servers' stderr: the transport hands each chunk to `vim.lsp.log.error`
--- ('rpc', cmd, 'stderr', chunk), whatever the log level; the log still gets it.
local function keep_stderr()
  local log = require('vim.lsp.log')
  if log._drizzle_lsp_stderr then
    return
  end
  local log_error = log.error
  log.error = function(...)
    local kind, cmd, what, chunk = ...
    if kind == 'rpc' and what == 'stderr' and type(chunk) == 'string' then
      local key = type(cmd) == 'table' and cmd[1] or tostring(cmd)
      stderr_tail[key] = ((stderr_tail[key] or '') .. chunk):sub(-STDERR_KEPT)
    end
    return log_error(...)
  end
  log._drizzle_lsp_stderr = true
end

--- What to tell the user when the server exits with an error: its stderr, and where the server
--- was looked for when it was not found.
---@param cmd string[]
---@param code integer
---@return string
function M.exit_message(cmd, code)
  local said = vim.trim(stderr_tail[cmd[1]] or '')
  local lines = { ('the server (%s) exited with code %d'):format(table.concat(cmd, ' '), code) }
  if said ~= '' then
    table.insert(lines, said)
  end
  if said:find('No module named', 1, true) or said == '' then
    table.insert(lines, 'drizzle-lsp was looked for in: ' .. table.concat(M.searched or {}, ', '))
    table.insert(lines, 'Install it (pipx install /path/to/drizzle-lsp) or pass `cmd` to setup().')
  end
  return table.concat(lines, '\n')
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
  local cmd = opts.cmd or M.default_cmd()
  keep_stderr()
  local config = {
    name = M.name,
    cmd = cmd,
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
    -- a server that quits with an error says why (Neovim alone shows "quit with exit code 1")
    on_exit = function(code, signal)
      -- (stderr may still be arriving: read it on the main loop, then forget it)
      vim.schedule(function()
        if code ~= 0 and signal ~= 15 then
          notify(M.exit_message(cmd, code), vim.log.levels.ERROR)
        end
        stderr_tail[cmd[1]] = nil
      end)
    end,
  }
  return config
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
---@param arguments? any[]
function M.execute(command, arguments)
  local clients = M.clients(vim.api.nvim_get_current_buf())
  if #clients == 0 then
    clients = M.clients()
  end
  if #clients == 0 then
    notify('no drizzle-lsp client is running', vim.log.levels.WARN)
    return
  end
  local params = { command = command, arguments = arguments or {} }
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
  command('DrizzleLspS002Scope', function(args)
    M.execute('drizzle-lsp.setS002Scope', { args.args })
  end, {
    nargs = 1,
    complete = function()
      return { 'new', 'at-risk', 'all' }
    end,
    desc = 'drizzle-lsp: S002 on new and at-risk migrations, at-risk ones only, or all',
  })
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
