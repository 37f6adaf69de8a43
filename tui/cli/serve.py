"""``liqwatch serve``: the TUI in a browser, through textual-serve.

Each browser tab gets its own ``liqwatch`` process (textual-serve runs the
command per session and relays the terminal over a WebSocket), and that
process is a viewer of the desk's bus (``liqwatch --bus URL``) or the demo:
a tab never opens venue connections of its own, however many there are.

It listens on localhost unless told otherwise; listening anywhere else
needs a password (HTTP basic auth, any user name), from ``[serve] password``
or ``$LIQWATCH_SERVE_PASSWORD``, never from the command line, where ``ps``
and the shell history would show it.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import sys

from tui.cli.common import add_config, bus_settings, load_config

HELP = "the TUI in a browser: each tab a viewer of the desk's bus (or the demo)"
PASSWORD_ENV = "LIQWATCH_SERVE_PASSWORD"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
REALM = "liqwatch"


def add_arguments(p: argparse.ArgumentParser) -> None:
    source = p.add_mutually_exclusive_group()
    source.add_argument("--bus", metavar="URL", help="the desk's NATS server (default: [bus] url in the config)")
    source.add_argument("--demo", action="store_true", help="each tab plays the bundled demo (no network)")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")
    p.add_argument("--public-url", metavar="URL",
                   help="the address browsers use, when it is not http://HOST:PORT (a proxy, a hostname)")
    add_config(p)


def is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def session_command(args: argparse.Namespace, bus_url: str | None) -> str:
    """What textual-serve runs for each tab (a shell line): this Python's
    liqwatch on the bus or the demo.  It holds no secret: credentials reach
    the session through the config file and the environment."""
    argv = [sys.executable, "-m", "tui"]
    argv += ["--demo"] if bus_url is None else ["--bus", bus_url]
    if args.config:
        argv += ["--config", os.path.abspath(args.config)]
    return shlex.join(argv)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    cfg = load_config(args.config)
    if not 0 < args.port < 65536:
        parser.error("--port must be 1 to 65535")
    password = cfg.serve.password or os.environ.get(PASSWORD_ENV, "")
    if not is_local(args.host) and not password:
        parser.error(f"listening on {args.host} needs a password: set [serve] password in the config or "
                     f"${PASSWORD_ENV} (never on the command line)")
    url = None if args.demo else bus_settings(cfg, args.bus, parser).url
    if url is not None:
        from tui.runtime.desk import check_bus

        check_bus(cfg.bus.with_url(url))
    server = guarded_server(session_command(args, url), args.host, args.port, args.public_url, password)
    server.serve()
    return 0


def guarded_server(command: str, host: str, port: int, public_url: str | None, password: str):  # noqa: ANN201
    """textual-serve's server, behind basic auth when ``password`` is set."""
    import base64
    import binascii
    import hmac

    from aiohttp import web
    from textual_serve.server import Server

    @web.middleware
    async def guard(request: web.Request, handler):  # noqa: ANN001, ANN202
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                given = base64.b64decode(token, validate=True).decode("utf-8").partition(":")[2]
            except (binascii.Error, UnicodeDecodeError):
                given = ""
            if given and hmac.compare_digest(given.encode(), password.encode()):
                return await handler(request)
        raise web.HTTPUnauthorized(headers={"WWW-Authenticate": f'Basic realm="{REALM}"'})

    class GuardedServer(Server):
        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            if password:
                app.middlewares.append(guard)
            return app

    return GuardedServer(command, host=host, port=port, title="liqwatch", public_url=public_url)
