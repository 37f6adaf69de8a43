"""Desk mode end to end: ``liqwatch collect`` into a real nats-server, viewers
reading it back, and the faults of the issue (server restart, collector
SIGKILL, a cluster node lost, bad input).

Every process is started as a user starts it (``python -m tui ...``,
``nats-server -js``), each test on its own ports and store (pytest-xdist).
The recordings are small and paced fast, so each test takes seconds.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nats
import nats.js.errors
import pytest

from feeds.bus.connection import BusDown
from feeds.bus.feed import BusFeed, Start
from feeds.bus.settings import BusSettings
from feeds.data import DEMO_RECORDING
from feeds.events import FeedStatus, Liquidation
from feeds.recording import read_events, write_events
from tests.loopback.nats import NatsServer, cluster, free_port
from tui.cli import main

ROOT = Path(__file__).resolve().parents[2]
BOUND_S = 60
# A recording for the fault tests: N liquidations 10 ms of data time apart,
# played at SPEED x, so the collector publishes for about N / 100 / SPEED s.
N = 3000
SPEED = 8.0


_STARTED: list[subprocess.Popen] = []


def liqwatch(*args: str, env: dict[str, str], **kw) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "tui", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)
    _STARTED.append(proc)
    return proc


@pytest.fixture(autouse=True)
def _no_process_left():
    """Whatever a test started is gone after it, passed or failed."""
    yield
    while _STARTED:
        proc = _STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def finish(proc: subprocess.Popen, timeout: float = BOUND_S) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {**os.environ, "LIQWATCH_STATE_DIR": str(tmp_path / "state"), "LIQWATCH_CONFIG": "",
            "XDG_CONFIG_HOME": str(tmp_path / "xdg")}


@pytest.fixture
def recording(tmp_path) -> tuple[Path, list[Liquidation]]:
    t0 = 1_762_000_000_000
    events = [Liquidation(t0 + 10 * i, ("binance", "bybit", "okx")[i % 3], "BTC/USDT:USDT",
                          "long" if i % 4 else "short", 60_000.0 + i, 0.001 * (1 + i % 7),
                          round((60_000.0 + i) * 0.001 * (1 + i % 7), 6)) for i in range(N)]
    path = tmp_path / "faults.jsonl"
    write_events(path, events)
    return path, events


def stream_events(url: str, **kw) -> list:
    async def read() -> list:
        got: list = []

        async def emit(batch):
            got.extend(batch)

        await asyncio.wait_for(BusFeed(BusSettings(url=url, **kw), Start(from_start=True), to_tail=True,
                                       watch_collector=False).run(emit), BOUND_S)
        return got

    # A cluster that just lost a node answers again once it has a new leader.
    deadline = time.monotonic() + BOUND_S
    while True:
        try:
            return asyncio.run(read())
        except BusDown:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def stream_count(url: str) -> int:
    async def count() -> int:
        nc = await nats.connect(url.split(",")[0], connect_timeout=1, max_reconnect_attempts=1)
        try:
            return (await nc.jetstream().stream_info("LIQWATCH")).state.messages
        finally:
            await nc.close()

    try:
        return asyncio.run(count())
    except Exception:
        return 0


def wait_until(check, timeout: float = BOUND_S, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(every)


def liquidations_in(path: Path) -> list:
    return [ev for ev in read_events(path) if isinstance(ev, Liquidation)] if path.exists() else []


def test_collect_a_replay_then_report_over_the_bus_equals_report_over_the_file(tmp_path, env, capsys, monkeypatch):
    # Every fifth line of the demo: each event type, its 30 days, a fifth of the time.
    sample = tmp_path / "sample.jsonl"
    write_events(sample, list(read_events(DEMO_RECORDING))[::5])
    server = NatsServer(tmp_path / "nats").start()
    try:
        proc = liqwatch("collect", "--bus", server.url, "--replay", str(sample), "--speed", "1e7", env=env)
        code, _, err = finish(proc)
        assert code == 0, err
        assert "published 17483 events" in err
        # The two reports in this process: the same code as the command, two interpreter starts fewer.
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        assert main(["report", "--bus", server.url, "--json"]) == 0
        over_bus = capsys.readouterr().out
        assert main(["report", str(sample), "--json"]) == 0
        over_file = capsys.readouterr().out
        assert over_bus == over_file
        report = json.loads(over_bus)
        assert report["events"] == 17483 and report["liquidations"] and report["anxiety"]
    finally:
        server.stop()


def test_a_server_restart_loses_and_doubles_nothing(tmp_path, env, recording):
    """nats-server is killed mid-stream and started again on the same store:
    the collector buffers and resumes, the viewer resumes."""
    path, events = recording
    server = NatsServer(tmp_path / "nats").start()
    copy = tmp_path / "viewer.jsonl"
    collector = liqwatch("collect", "--bus", server.url, "--replay", str(path), "--speed", str(SPEED), env=env)
    try:
        wait_until(lambda: stream_count(server.url) > 0)
        viewer = liqwatch("record", str(copy), "--bus", server.url, env=env)
        wait_until(lambda: stream_count(server.url) > N // 4)
        server.kill()
        time.sleep(1.5)
        assert collector.poll() is None, "the collector must ride out the outage"
        server.start()
        code, _, err = finish(collector)
        assert code == 0, err
        wait_until(lambda: len(liquidations_in(copy)) >= N)
        viewer.send_signal(signal.SIGTERM)
        vcode, _, verr = finish(viewer)
        assert vcode == 0, verr
        assert stream_events(server.url) == events
        assert liquidations_in(copy) == events
        # The viewer saw the bus go down and come back, and recorded it.
        states = [ev.state for ev in read_events(copy) if isinstance(ev, FeedStatus) and ev.feed == "bus"]
        assert "down" in states and states[-1] == "live"
    finally:
        server.stop()


async def kill_after_a_heartbeat(url: str, collector: subprocess.Popen) -> tuple[dict, int]:
    """SIGKILL the collector once a third of the recording is in, right after
    a heartbeat; that heartbeat and the wall time of the kill."""
    nc = await nats.connect(url)
    beats: list[dict] = []

    async def on_beat(msg):
        beats.append(json.loads(msg.data))

    await nc.subscribe("liqwatch.heartbeat", cb=on_beat)
    js = nc.jetstream()
    deadline = time.monotonic() + BOUND_S
    while True:
        assert time.monotonic() < deadline
        try:
            if (await js.stream_info("LIQWATCH")).state.messages > N // 3 and beats:
                break
        except nats.js.errors.NotFoundError:
            pass
        await asyncio.sleep(0.05)
    seen = len(beats)
    while len(beats) == seen:
        await asyncio.sleep(0.005)
    collector.send_signal(signal.SIGKILL)
    killed = int(time.time() * 1000)
    await nc.close()
    return beats[-1], killed


def test_a_collector_killed_loses_at_most_the_last_second_and_a_restart_doubles_nothing(tmp_path, env, recording):
    path, events = recording
    server = NatsServer(tmp_path / "nats").start()
    try:
        collector = liqwatch("collect", "--bus", server.url, "--replay", str(path), "--speed", str(SPEED), env=env)
        beat, killed_wall_ms = asyncio.run(kill_after_a_heartbeat(server.url, collector))
        collector.wait(10)
        held = stream_events(server.url)
        assert held == events[:len(held)], "the stream holds the recording's first events, in order, once each"
        # The replay's data clock at the kill, from the collector's last
        # heartbeat: every event it emitted up to a second before is in.
        data_at_kill = beat["data_ms"] + (killed_wall_ms - beat["ts"]) * beat["speed"]
        due = [ev for ev in events if ev.ts <= data_at_kill - 1000 * SPEED]
        assert len(due) > N // 4 and held[:len(due)] == due
        again = liqwatch("collect", "--bus", server.url, "--replay", str(path), "--speed", "1000", env=env)
        code, _, err = finish(again)
        assert code == 0, err
        assert f"({len(held)} already there)" in err
        assert stream_events(server.url) == events
    finally:
        server.stop()


def test_a_three_node_cluster_carries_on_without_one_node(tmp_path, env, recording):
    path, events = recording
    nodes = cluster(tmp_path / "cluster")
    url = ",".join(n.url for n in nodes)
    cfg = tmp_path / "desk.toml"
    cfg.write_text("[bus]\nreplicas = 3\n")
    copy = tmp_path / "viewer.jsonl"
    try:
        collector = liqwatch("collect", "--bus", url, "--replay", str(path), "--speed", str(SPEED),
                             "--config", str(cfg), env=env)
        wait_until(lambda: stream_count(nodes[1].url) > 0)
        viewer = liqwatch("record", str(copy), "--bus", url, "--config", str(cfg), env=env)
        wait_until(lambda: stream_count(nodes[1].url) > N // 4)
        nodes[0].kill()
        code, _, err = finish(collector)
        assert code == 0, err
        wait_until(lambda: len(liquidations_in(copy)) >= N)
        viewer.send_signal(signal.SIGTERM)
        finish(viewer)
        assert stream_events(",".join(n.url for n in nodes[1:])) == events
        assert liquidations_in(copy) == events
    finally:
        for node in nodes:
            node.stop()


def test_bad_urls_and_refused_credentials_exit_2(tmp_path, env):
    for args in (["collect", "--bus", "http://127.0.0.1:4222", "--demo"], ["tape", "--bus", "nats://nowhere"],
                 ["report", "--bus", "nats://127.0.0.1:4222/x"], ["report", "--since", "1h", "--demo"]):
        out = subprocess.run([sys.executable, "-m", "tui", *args], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=BOUND_S)
        assert out.returncode == 2, (args, out.stderr)
        assert "Traceback" not in out.stderr
    server = NatsServer(tmp_path / "nats", config="authorization { user: desk, password: s3cret }").start()
    try:
        cfg = tmp_path / "desk.toml"
        cfg.write_text('[bus]\nuser = "desk"\npassword = "wrong"\n')
        for args in (["collect", "--demo"], ["tape"], ["report"]):
            out = subprocess.run([sys.executable, "-m", "tui", *args, "--bus", server.url, "--config", str(cfg)],
                                 cwd=ROOT, env=env, capture_output=True, text=True, timeout=BOUND_S)
            assert out.returncode == 2, (args, out.stderr)
            assert "refused the credentials" in out.stderr and "wrong" not in out.stderr
    finally:
        server.stop()


def test_an_unreachable_bus_is_said_and_retried(tmp_path, env):
    url = f"nats://127.0.0.1:{free_port()}"
    viewer = liqwatch("tape", "--bus", url, env=env)
    time.sleep(3)
    viewer.send_signal(signal.SIGINT)
    _, _, err = finish(viewer)
    assert "cannot reach the bus at " + url in err
    assert err.count("retry in") >= 2, err  # retried, with backoff
    report = subprocess.run([sys.executable, "-m", "tui", "report", "--bus", url], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=BOUND_S)
    assert report.returncode == 1 and "cannot reach the bus" in report.stderr
