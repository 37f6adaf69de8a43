"""``liqwatch serve --demo`` in a real browser: headless Chromium loads the
page, the WebSocket brings a liqwatch session, and the panes' text is read
from the terminal's own buffer (xterm.js) through the DevTools protocol.

A blank page, a closed socket or a screen without the panes fails.  The
session is a real ``liqwatch --demo`` process started by textual-serve; the
browser is driven with aiohttp's WebSocket client (no Playwright download).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.loopback.nats import free_port

ROOT = Path(__file__).resolve().parents[2]
BOUND_S = 60
# Chromium on a machine whose network reaches nothing: no background traffic.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1280,900", "--remote-debugging-port=0"]
# Words that only a drawn liqwatch screen holds: pane titles and the mode badge.
PANE_WORDS = ("1 Tape", "2 Liquidations", "5 Market cap", "DEMO: synthetic data")
# Before the page's own script runs: keep the terminal client textual-serve
# builds (it sets ``fitAddon`` in its constructor) where the test can read it.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "fitAddon", {
  configurable: true,
  set(value) {
    window.__liqwatchClient = this;
    Object.defineProperty(this, "fitAddon", {value, writable: true, configurable: true, enumerable: true});
  },
});
"""
SCREEN_TEXT = """
(() => {
  const client = window.__liqwatchClient;
  if (!client) return null;
  const buf = client.terminal.buffer.active, rows = [];
  for (let i = 0; i < client.terminal.rows; i++) {
    const line = buf.getLine(i);
    rows.push(line ? line.translateToString(true) : "");
  }
  return JSON.stringify({rows, closed: document.body.classList.contains("-closed"),
                         connected: client.element.classList.contains("-connected")});
})()
"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it (apt-get install -y chromium)")
        pytest.skip("no chromium here (apt-get install -y chromium)")
    return found


class DevTools:
    """One page's DevTools protocol over aiohttp's WebSocket client."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    async def call(self, method: str, **params) -> dict:
        msg_id = next(self.ids)
        await self.ws.send_json({"id": msg_id, "method": method, "params": params})
        async for msg in self.ws:
            data = json.loads(msg.data)
            if data.get("id") == msg_id:
                if "error" in data:
                    raise RuntimeError(f"{method}: {data['error']}")
                return data["result"]
        raise RuntimeError("DevTools connection closed")


def wait_for_http(url: str, proc: subprocess.Popen) -> None:
    import urllib.request

    deadline = time.monotonic() + BOUND_S
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode(errors="replace") if proc.stderr else "exited"
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


def devtools_port(profile: Path, browser: subprocess.Popen) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + BOUND_S
    while not marker.exists() or not marker.read_text().strip():
        assert browser.poll() is None, "chromium exited"
        assert time.monotonic() < deadline, "chromium never opened DevTools"
        time.sleep(0.05)
    return int(marker.read_text().split()[0])


async def screen_of(page_url: str, port: int) -> dict:
    """Load the page and wait until the terminal shows the panes; the last screen read."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/json/list") as resp:
            targets = await resp.json()
        target = next(t for t in targets if t.get("type") == "page")
        async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            tools = DevTools(ws)
            await tools.call("Page.enable")
            await tools.call("Page.addScriptToEvaluateOnNewDocument", source=CATCH_TERMINAL)
            await tools.call("Page.navigate", url=page_url)
            deadline = time.monotonic() + BOUND_S
            screen: dict = {}
            while time.monotonic() < deadline:
                result = await tools.call("Runtime.evaluate", expression=SCREEN_TEXT, returnByValue=True)
                value = result["result"].get("value")
                if value:
                    screen = json.loads(value)
                    text = "\n".join(screen["rows"])
                    if screen["closed"] or (all(word in text for word in PANE_WORDS)):
                        return screen
                await asyncio.sleep(0.25)
            return screen


def test_serve_demo_shows_the_panes_in_a_real_browser(tmp_path):
    browser_bin = chromium()
    port = free_port()
    env = {**os.environ, "LIQWATCH_STATE_DIR": str(tmp_path / "state"), "LIQWATCH_CONFIG": "",
           "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    serve = subprocess.Popen([sys.executable, "-m", "tui", "serve", "--demo", "--port", str(port)], cwd=ROOT,
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    browser = None
    try:
        page = f"http://127.0.0.1:{port}/"
        wait_for_http(page, serve)
        browser = subprocess.Popen([browser_bin, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        screen = asyncio.run(screen_of(page, devtools_port(profile, browser)))
        text = "\n".join(screen.get("rows", []))
        assert screen, "the page never built its terminal"
        assert screen["connected"] and not screen["closed"], "the session's socket closed"
        for pane in PANE_WORDS:
            assert pane in text, f"{pane!r} not on the browser's screen:\n{text}"
    finally:
        for proc in (browser, serve):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
