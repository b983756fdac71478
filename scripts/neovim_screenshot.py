"""docs/images/neovim.png: a Neovim session with drizzle-lsp, rendered reproducibly.

    .venv/bin/python scripts/neovim_screenshot.py [--out docs/images/neovim.png]

Runs the real `nvim` of the dev extra in a pseudo-terminal (150x24, 24-bit colours) on a copy
of tests/editors/fixtures/drizzle, with the plugin of editors/neovim and the server of this
checkout. nvim opens the migration with an S002 and an S003, shows the messages as virtual text
and the journal's dates as inlay hints in a split, and signals when the diagnostics are there.
The terminal's screen, read by pyte (a VT100 emulator), becomes an HTML page that Chromium
(headless) saves as the PNG. Needs: the dev extra (nvim, pyte) and `chromium` on PATH.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import html
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

import pyte

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "editors" / "fixtures" / "drizzle"
COLUMNS, LINES = 150, 24
CELL_W, CELL_H = 9, 18  # px per character cell (DejaVu Sans Mono at 15 px)

# what nvim does: open the SQL file and the journal, show virtual text and inlay hints, then
# write DRIZZLE_READY once the diagnostics of both buffers are in
SESSION = r"""
vim.opt.rtp:prepend(vim.env.DRIZZLE_PLUGIN)
vim.cmd('filetype plugin indent on')
vim.cmd('syntax on')
vim.opt.termguicolors = true
vim.opt.swapfile = false
vim.opt.number = true
vim.opt.signcolumn = 'yes'
vim.opt.laststatus = 2
vim.opt.shortmess:append('I')
vim.cmd.colorscheme('default')
vim.diagnostic.config({ virtual_text = { spacing = 2 }, severity_sort = true })
require('drizzle_lsp').setup({ cmd = vim.json.decode(vim.env.DRIZZLE_SERVER_CMD) })
vim.api.nvim_create_autocmd('LspAttach', {
  callback = function(args)
    vim.lsp.inlay_hint.enable(true, { bufnr = args.buf })
  end,
})
local dir = vim.env.DRIZZLE_MIGRATIONS
vim.cmd.edit(dir .. '/0002_add_email.sql')
local sql = vim.api.nvim_get_current_buf()
vim.cmd('botright split ' .. vim.fn.fnameescape(dir .. '/meta/_journal.json'))
local journal = vim.api.nvim_get_current_buf()
vim.cmd('resize 13')
vim.api.nvim_win_set_cursor(0, { 22, 6 })
vim.cmd('normal! zz')
vim.wait(30000, function()
  return #vim.diagnostic.get(sql) >= 3 and #vim.diagnostic.get(journal) >= 1
end, 50)
vim.cmd('wincmd k')
vim.api.nvim_win_set_cursor(0, { 2, 0 })
vim.defer_fn(function()
  vim.cmd('redraw!')
  local ready = io.open(vim.env.DRIZZLE_READY, 'w')
  ready:write(('%d %d %d %s'):format(#vim.diagnostic.get(sql), #vim.diagnostic.get(journal),
    #vim.lsp.get_clients(), vim.bo[sql].filetype))
  ready:close()
end, 1500)
"""


def run_nvim(work: Path) -> pyte.Screen:
    migrations = work / "project" / "drizzle"
    shutil.copytree(FIXTURE, migrations)
    session = work / "session.lua"
    session.write_text(SESSION, encoding="utf-8")
    ready = work / "ready"
    nvim = Path(sys.executable).with_name("nvim")
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "DRIZZLE_PLUGIN": str(REPO / "editors" / "neovim"),
        "DRIZZLE_MIGRATIONS": str(migrations),
        "DRIZZLE_READY": str(ready),
        "DRIZZLE_SERVER_CMD": f'["{sys.executable}", "-m", "drizzle_lsp", "serve"]',
        "PYTHONPATH": str(REPO / "server"),
        "XDG_STATE_HOME": str(work / "state"),
        "XDG_DATA_HOME": str(work / "data"),
        "XDG_CONFIG_HOME": str(work / "config"),
    }
    screen = pyte.Screen(COLUMNS, LINES)
    stream = pyte.ByteStream(screen)
    pid, fd = pty.fork()
    if pid == 0:  # the child: nvim in the terminal
        os.chdir(migrations.parent)
        os.execve(str(nvim), [str(nvim), "--clean", "-u", str(session)], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    deadline = time.monotonic() + 60
    settled_at = None
    while time.monotonic() < deadline:
        readable, _, _ = select.select([fd], [], [], 0.1)
        if readable:
            try:
                stream.feed(os.read(fd, 65536))
            except OSError:
                break
            continue
        if ready.exists():
            settled_at = settled_at or time.monotonic()
            if time.monotonic() - settled_at > 0.5:  # quiet after the redraw
                break
    os.write(fd, b"\x1b:qa!\r")
    time.sleep(0.3)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, 9)
    os.waitpid(pid, 0)
    if not ready.exists():
        raise SystemExit("nvim did not show the diagnostics within 60 s")
    print("nvim saw (diagnostics sql, journal; clients; filetype):", ready.read_text())
    return screen


_NAMED = {
    "black": "#1e1e1e",
    "red": "#e06c75",
    "green": "#98c379",
    "brown": "#e5c07b",
    "blue": "#61afef",
    "magenta": "#c678dd",
    "cyan": "#56b6c2",
    "white": "#dcdfe4",
}


def _colour(value: str, default: str) -> str:
    if value == "default":
        return default
    if value in _NAMED:
        return _NAMED[value]
    if len(value) == 6 and all(c in "0123456789abcdefABCDEF" for c in value):
        return f"#{value}"
    return default


def screen_html(screen: pyte.Screen) -> str:
    fg0, bg0 = "#e0e2ea", "#14161b"  # Neovim's default dark scheme
    rows = []
    for y in range(screen.lines):
        line = screen.buffer[y]
        cells = []
        for x in range(screen.columns):
            char = line[x]
            if char.data == "":
                continue  # the right half of a wide character (an emoji)
            fg, bg = _colour(char.fg, fg0), _colour(char.bg, bg0)
            if char.reverse:
                fg, bg = bg, fg
            style = f"color:{fg};background:{bg}"
            if char.bold:
                style += ";font-weight:bold"
            if char.underscore:
                style += ";text-decoration:underline"
            cells.append(f'<span style="{style}">{html.escape(char.data or " ")}</span>')
        rows.append("".join(cells))
    return (
        "<!doctype html><meta charset=utf-8><style>"
        f"body{{margin:0;background:{bg0}}}"
        f"pre{{margin:0;font:15px/{CELL_H}px 'DejaVu Sans Mono',monospace;"
        f"letter-spacing:0}}</style><pre>" + "\n".join(rows) + "</pre>"
    )


def screenshot(page: Path, out: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium not found on PATH")
    width, height = COLUMNS * CELL_W + 24, LINES * CELL_H  # (glyphs are a little over 9 px)
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={width},{height}",
            f"--screenshot={out}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images" / "neovim.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="drizzle-lsp-nvim-shot-") as tmp:
        work = Path(tmp)
        screen = run_nvim(work)
        page = work / "screen.html"
        page.write_text(screen_html(screen), encoding="utf-8")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        screenshot(page, args.out)
    print(f"{args.out}: {args.out.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
