-- :checkhealth drizzle_lsp
local M = {}

function M.check()
  local health = vim.health
  health.start('drizzle-lsp')
  if vim.fn.has('nvim-0.10') ~= 1 then
    health.error('Neovim 0.10 or later is needed')
    return
  end
  health.ok(('Neovim %s'):format(tostring(vim.version())))
  local drizzle = require('drizzle_lsp')
  local cmd = drizzle.default_cmd()
  local active = drizzle.clients()
  if #active > 0 then
    cmd = active[1].config.cmd
  end
  if type(cmd) == 'table' and vim.fn.executable(cmd[1]) == 1 then
    local version_cmd = vim.list_extend(vim.list_slice(cmd, 1, #cmd - 1), { '--version' })
    local out = vim.fn.system(version_cmd)
    if vim.v.shell_error == 0 then
      health.ok(('server: %s (%s)'):format(table.concat(cmd, ' '), vim.trim(out)))
    else
      health.error(('`%s` failed: %s'):format(table.concat(version_cmd, ' '), vim.trim(out)), {
        'Install the server: pipx install drizzle-lsp (or uv tool install drizzle-lsp)',
      })
    end
  else
    health.error('drizzle-lsp is not on PATH', {
      'Install the server: pipx install drizzle-lsp (or uv tool install drizzle-lsp)',
      "or pass cmd = { '/path/to/drizzle-lsp', 'serve' } to require('drizzle_lsp').setup()",
    })
  end
  for _, client in ipairs(active) do
    health.info(('client %d: root %s, position encoding %s'):format(
      client.id,
      tostring(client.root_dir or (client.config and client.config.root_dir)),
      tostring(client.offset_encoding)
    ))
  end
end

return M
