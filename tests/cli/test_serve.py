"""``liqwatch serve``: localhost by default, a password (never a flag) to listen
elsewhere, basic auth in front of every page and the WebSocket, and session
commands that carry no secret."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tui.cli import build_parser
from tui.cli.serve import guarded_server, is_local, session_command

ROOT = Path(__file__).resolve().parents[2]


def test_listening_beyond_localhost_needs_a_password_from_config_or_environment(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "LIQWATCH_STATE_DIR": str(tmp_path), "LIQWATCH_CONFIG": "",
           "XDG_CONFIG_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "tui", "serve", "--demo", "--host", "0.0.0.0"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "needs a password" in out.stderr and "LIQWATCH_SERVE_PASSWORD" in out.stderr
    assert is_local("127.0.0.1") and is_local("localhost") and is_local("::1") and not is_local("0.0.0.0")
    with pytest.raises(SystemExit):  # no such flag: a password is never given on the command line
        build_parser().parse_args(["serve", "--password", "x"])


def test_a_session_is_a_bus_viewer_or_the_demo_and_holds_no_secret(tmp_path):
    args = build_parser().parse_args(["serve", "--bus", "nats://desk:4222", "--config", "desk.toml"])
    line = session_command(args, "nats://desk:4222")
    assert "-m tui --bus nats://desk:4222 --config" in line and line.endswith("desk.toml")
    assert session_command(build_parser().parse_args(["serve", "--demo"]), None).endswith("-m tui --demo")


async def test_every_request_needs_the_password_when_one_is_set():
    server = guarded_server("true", "127.0.0.1", 8000, None, "s3cret")
    client = TestClient(TestServer(await server._make_app()))
    await client.start_server()
    try:
        def auth(password: str) -> dict:
            return {"Authorization": "Basic " + base64.b64encode(f"anyone:{password}".encode()).decode()}

        for path in ("/", "/ws", "/static/js/textual.js"):
            refused = await client.get(path)
            assert refused.status == 401 and "Basic" in refused.headers["WWW-Authenticate"]
            assert (await client.get(path, headers=auth("wrong"))).status == 401
        assert (await client.get("/", headers=auth("s3cret"))).status == 200
        assert (await client.get("/static/js/textual.js", headers=auth("s3cret"))).status == 200
    finally:
        await client.close()
