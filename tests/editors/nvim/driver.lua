-- Drives a real headless Neovim with the editors/neovim plugin for tests/editors/test_neovim.py.
-- Inputs (environment): DRIZZLE_PLUGIN (editors/neovim), DRIZZLE_SCENARIO, DRIZZLE_MIGRATIONS (a
-- copy of the fixture folder), DRIZZLE_SERVER_CMD (JSON list), DRIZZLE_RESULT (JSON file written at
-- the end). Every step records what it saw; the Python side asserts.
local uv = vim.uv or vim.loop
local env = vim.env
local result = { steps = {}, errors = {} }

local function now_ms()
  return uv.hrtime() / 1e6
end

local function finish()
  local file = assert(io.open(env.DRIZZLE_RESULT, 'w'))
  file:write(vim.json.encode(result))
  file:close()
  vim.cmd('qall!')
end

local function fail(message)
  table.insert(result.errors, message)
  finish()
end

local function diagnostics(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(out, {
      file = vim.fs.basename(vim.api.nvim_buf_get_name(d.bufnr)),
      code = d.code,
      source = d.source,
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      severity = d.severity,
      message = d.message,
    })
  end
  return out
end

local function has_diagnostic(bufnr, file, code)
  for _, d in ipairs(diagnostics(bufnr)) do
    if d.file == file and d.code == code then
      return true
    end
  end
  return false
end

local function buffer_lines(bufnr)
  return vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
end

vim.opt.rtp:prepend(env.DRIZZLE_PLUGIN)
vim.opt.swapfile = false
-- what the plugin tells the user
result.notifications = {}
vim.notify = function(message, level)
  table.insert(result.notifications, { message = message, level = level })
end
local drizzle = require('drizzle_lsp')
drizzle.setup({
  cmd = (env.DRIZZLE_SERVER_CMD or '') ~= '' and vim.json.decode(env.DRIZZLE_SERVER_CMD) or nil,
  settings = env.DRIZZLE_SETTINGS and vim.json.decode(env.DRIZZLE_SETTINGS) or nil,
  _start_with = env.DRIZZLE_START_WITH,
})
result.method = drizzle._method
local migrations = env.DRIZZLE_MIGRATIONS
result.nvim_version = tostring(vim.version())
result.dynamic_watch_registration =
  vim.lsp.protocol.make_client_capabilities().workspace.didChangeWatchedFiles.dynamicRegistration

-- The server reports its workspace scan as work-done progress; remember when one ended.
local scans_done = 0
vim.api.nvim_create_autocmd('LspProgress', {
  callback = function(args)
    local value = args.data and args.data.params and args.data.params.value
    if type(value) == 'table' and value.kind == 'end' then
      scans_done = scans_done + 1
    end
  end,
})

local function wait_client(bufnr)
  local ok = vim.wait(20000, function()
    return #drizzle.clients(bufnr) > 0 and drizzle.clients(bufnr)[1].initialized
  end, 10)
  if not ok then
    fail('no drizzle_lsp client attached to ' .. vim.api.nvim_buf_get_name(bufnr))
  end
  local client = drizzle.clients(bufnr)[1]
  result.offset_encoding = client.offset_encoding
  result.root_dir = client.root_dir or client.config.root_dir
  return client
end

--- Edit `name` in the migrations folder; wait for the client, for `code` on `file` and for the end of
--- the server's first scan. Returns the buffer and the ms from `:edit` to that diagnostic.
local function open_and_wait(name, file, code)
  local started = now_ms()
  local seen_ms
  vim.cmd.edit(vim.fn.fnameescape(migrations .. '/' .. name))
  local bufnr = vim.api.nvim_get_current_buf()
  wait_client(bufnr)
  local ok = vim.wait(30000, function()
    if not seen_ms and has_diagnostic(nil, file, code) then
      seen_ms = now_ms() - started
    end
    return seen_ms ~= nil and scans_done > 0
  end, 5)
  if not ok then
    fail(('no %s diagnostic for %s, or no end of the first scan'):format(code, file))
  end
  return bufnr, seen_ms
end

local scenarios = {}

--- Open a file, wait for its diagnostics, apply the ADD COLUMN IF NOT EXISTS quick fix.
function scenarios.diagnostics_and_fix()
  local bufnr, elapsed = open_and_wait('0002_add_email.sql', '0002_add_email.sql', 'S002')
  result.filetype = vim.bo[bufnr].filetype
  result.open_to_diagnostics_ms = elapsed
  result.buffer_diagnostics = diagnostics(bufnr)
  result.all_diagnostics = diagnostics(nil)

  -- The quick fix for the S002 on line 2 (0-based lnum 1), picked by title.
  local target
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == 'S002' and d.lnum == 1 then
      target = d
    end
  end
  if not target then
    fail('no S002 on line 2')
  end
  vim.api.nvim_win_set_cursor(0, { target.lnum + 1, target.col })
  local before = buffer_lines(bufnr)[2]
  local titles = {}
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      table.insert(titles, action.title)
      return action.title:find('ADD COLUMN IF NOT EXISTS', 1, true) ~= nil
    end,
  })
  local applied = vim.wait(10000, function()
    return buffer_lines(bufnr)[2] ~= before
  end, 10)
  result.code_action_titles = titles
  result.fixed_lines = buffer_lines(bufnr)
  if not applied then
    fail('the quick fix did not change line 2; actions seen: ' .. vim.inspect(titles))
  end
  -- The server re-checks the edited buffer: the S002 on line 2 goes away.
  local cleared = vim.wait(10000, function()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.code == 'S002' and d.lnum == 1 then
        return false
      end
    end
    return true
  end, 10)
  result.after_fix_diagnostics = diagnostics(bufnr)
  result.s002_line2_cleared = cleared

  -- Fix all in file (source.fixAll.drizzle-lsp) on what is left.
  local before_all = table.concat(buffer_lines(bufnr), '\n')
  drizzle.fix_all()
  vim.wait(10000, function()
    return table.concat(buffer_lines(bufnr), '\n') ~= before_all
  end, 10)
  result.fix_all_lines = buffer_lines(bufnr)

  -- The journal gets the same client; another JSON file gets none.
  local client_id = drizzle.clients(bufnr)[1].id
  vim.cmd.edit(vim.fn.fnameescape(migrations .. '/meta/_journal.json'))
  local journal = vim.api.nvim_get_current_buf()
  vim.wait(5000, function()
    return #drizzle.clients(journal) > 0
  end, 10)
  result.journal_clients = vim.tbl_map(function(c)
    return c.id
  end, drizzle.clients(journal))
  result.first_client = client_id
  -- A snapshot in meta/ too, and its J007 (this one lacks what drizzle-kit requires).
  local snapshot = migrations .. '/meta/0000_snapshot.json'
  local handle = assert(io.open(snapshot, 'w'))
  handle:write('{"id": "a", "prevId": "00000000-0000-0000-0000-000000000000"}\n')
  handle:close()
  vim.cmd.edit(vim.fn.fnameescape(snapshot))
  local snapshot_buf = vim.api.nvim_get_current_buf()
  vim.wait(5000, function()
    return #vim.diagnostic.get(snapshot_buf) > 0
  end, 10)
  result.snapshot_clients = vim.tbl_map(function(c)
    return c.id
  end, drizzle.clients(snapshot_buf))
  result.snapshot_diagnostics = diagnostics(snapshot_buf)
  local other = vim.fs.dirname(migrations) .. '/package.json'
  local file = assert(io.open(other, 'w'))
  file:write('{"name": "app"}\n')
  file:close()
  vim.cmd.edit(vim.fn.fnameescape(other))
  local package_json = vim.api.nvim_get_current_buf()
  vim.wait(500)
  result.package_json_filetype = vim.bo[package_json].filetype
  result.package_json_clients = #drizzle.clients(package_json)
  finish()
end

--- Open a file with the settings of DRIZZLE_SETTINGS and report its diagnostics.
function scenarios.settings()
  local bufnr = open_and_wait('0002_add_email.sql', '0002_add_email.sql', 'S002')
  result.buffer_diagnostics = diagnostics(bufnr)
  finish()
end

--- A file created on disk outside the editor gets diagnostics (the server's own watcher: Neovim
--- does not offer dynamic registration of file watches on Linux), and loses them when deleted.
function scenarios.watcher()
  open_and_wait('0000_init.sql', '_journal.json', 'J001')
  -- no pause: files created before the server's watcher is up must be seen too
  local path = migrations .. '/0003_orphan.sql'
  local file = assert(io.open(path, 'w'))
  file:write('ALTER TABLE "users" ADD COLUMN "orphan" text;\n')
  file:close()
  local started = now_ms()
  local seen = vim.wait(15000, function()
    return has_diagnostic(nil, '0003_orphan.sql', 'J003')
  end, 10)
  result.created_to_diagnostics_ms = now_ms() - started
  result.created_diagnostics = vim.tbl_filter(function(d)
    return d.file == '0003_orphan.sql'
  end, diagnostics(nil))
  if not seen then
    result.all_diagnostics = diagnostics(nil)
    fail('no J003 for 0003_orphan.sql created on disk')
  end
  os.remove(path)
  started = now_ms()
  local cleared = vim.wait(15000, function()
    for _, d in ipairs(diagnostics(nil)) do
      if d.file == '0003_orphan.sql' then
        return false
      end
    end
    return true
  end, 10)
  result.deleted_to_cleared_ms = now_ms() - started
  result.deleted_cleared = cleared
  finish()
end

local function s002_files()
  local files = {}
  for _, d in ipairs(diagnostics(nil)) do
    if d.code == 'S002' and not vim.tbl_contains(files, d.file) then
      table.insert(files, d.file)
    end
  end
  table.sort(files)
  return files
end

--- S002 by default on the new and at-risk migrations only; the code action on an S002
--- diagnostic reports it on every migration (drizzle-lsp.setS002Scope).
function scenarios.scope()
  local bufnr = open_and_wait('0002_add_email.sql', '0002_add_email.sql', 'S002')
  result.s002_files_before = s002_files()
  local target
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == 'S002' then
      target = d
    end
  end
  vim.api.nvim_win_set_cursor(0, { target.lnum + 1, target.col })
  local titles = {}
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      table.insert(titles, action.title)
      return action.title == 'Report S002 on every migration'
    end,
  })
  result.code_action_titles = titles
  vim.wait(10000, function()
    return vim.tbl_contains(s002_files(), '0000_init.sql')
  end, 10)
  result.s002_files_after = s002_files()
  finish()
end

--- J001's quick fixes as Neovim gets them (which one is preferred), and the hover on the
--- `"when"` key of the late entry.
function scenarios.journal_fix_and_hover()
  local bufnr = open_and_wait('meta/_journal.json', '_journal.json', 'J001')
  local j001
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == 'J001' then
      j001 = d
    end
  end
  local client = drizzle.clients(bufnr)[1]
  local position = { line = j001.lnum, character = j001.col }
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = position, ['end'] = position },
    context = {
      diagnostics = { j001.user_data.lsp }, -- the diagnostic as the server sent it
      only = { 'quickfix' },
    },
  }
  local answer = client:request_sync('textDocument/codeAction', params, 10000, bufnr)
  result.j001_actions = {}
  for _, action in ipairs(answer and answer.result or {}) do
    table.insert(result.j001_actions, { title = action.title, preferred = action.isPreferred })
  end
  local line = vim.api.nvim_buf_get_lines(bufnr, j001.lnum, j001.lnum + 1, false)[1]
  local key = line:find('"when"', 1, true)
  local hover = client:request_sync('textDocument/hover', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = j001.lnum, character = key }, -- on the `w` of "when" (0-based: key)
  }, 10000, bufnr)
  result.hover_on_key = hover and hover.result and hover.result.contents.value or vim.NIL
  result.j001_message = j001.message
  finish()
end

--- A server that cannot start: the plugin shows its stderr (and where it looked for it).
function scenarios.server_fails()
  vim.cmd.edit(vim.fn.fnameescape(migrations .. '/0000_init.sql'))
  vim.wait(20000, function()
    for _, n in ipairs(result.notifications) do
      if n.message:find('exited with code', 1, true) then
        return true
      end
    end
    return false
  end, 20)
  finish()
end

local scenario = scenarios[env.DRIZZLE_SCENARIO]
if not scenario then
  fail('unknown scenario ' .. tostring(env.DRIZZLE_SCENARIO))
end
local ok, err = pcall(scenario)
if not ok then
  fail(tostring(err))
end
