"""Desk mode under load: one collector, 1, 5 and 20 viewers, a real nats-server.

    python -m bench.bus [--seconds S] [--viewers 1,5,20] [--rate 1000] [--quick]

For each viewer count, a nats-server with JetStream starts on loopback with
a fresh store; the viewers (each its own process: ``BusFeed`` into an
``Engine``, what a ``liqwatch --bus`` runs short of drawing) connect and wait
for new events; then the collector (its own process: ``BusSink`` fed
``--rate`` synthetic liquidations a second, in 50 ms batches as a busy venue
delivers them) publishes.  Over ``S`` seconds after a warm-up:

* CPU of the collector, of each viewer and of nats-server, from
  ``/proc/<pid>/stat``, as a share of one core;
* event-to-viewer latency: each liquidation's ``ts`` is the wall time the
  collector emitted it; a viewer notes ``now - ts`` for every one it
  receives (p50 and p99 over all viewers' events);
* whether every viewer received every event, once.

The three processes share this machine's cores, so with 20 viewers the
figures include the contention a single desk server would see.  Target
(issue 17): p99 <= 200 ms on loopback at 1,000 events/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
VIEWER_COUNTS = (1, 5, 20)
RATE = 1000
BATCH_S = 0.05
WARMUP_S = 2.0
TARGET_P99_MS = 200.0
# A viewer still short of the collector's events this long after it finished reports what it has.
GIVE_UP_S = 30.0


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


# -- the two children ------------------------------------------------------------

async def _collector(url: str, rate: int, seconds: float) -> None:
    from feeds.bus.settings import BusSettings
    from feeds.bus.sink import BusSink
    from feeds.events import Liquidation

    sink = BusSink(BusSettings(url=url))
    per_batch = max(1, round(rate * BATCH_S))
    seq = 0
    start = time.monotonic()
    tick = 0
    while time.monotonic() - start < seconds:
        now = int(time.time() * 1000)
        batch = []
        for _ in range(per_batch):
            seq += 1
            # A distinct price per event: distinct lines, distinct message ids.
            batch.append(Liquidation(now, "binance", "BTC/USDT:USDT", "long" if seq % 2 else "short",
                                     60_000.0 + seq / 1000, 0.01, 600.0))
        await sink.write(batch)
        tick += 1
        await asyncio.sleep(max(0.0, start + tick * BATCH_S - time.monotonic()))
    await sink.close()
    print(json.dumps({"published": sink.published, "emitted": seq}), flush=True)


async def _viewer(url: str) -> None:
    from feeds.bus.feed import BusFeed, Start
    from feeds.bus.settings import BusSettings
    from feeds.events import Liquidation
    from indicators.engine import Engine

    engine = Engine()
    latencies: list[int] = []
    prices: set[float] = set()

    async def emit(batch: Any) -> None:
        if not batch:
            if not ready:  # the first (empty) batch: subscribed, waiting for new events
                ready.append(True)
                print("ready", flush=True)
            return
        now = int(time.time() * 1000)
        engine.apply_many(batch)
        for ev in batch:
            if type(ev) is Liquidation:
                latencies.append(now - ev.ts)
                prices.add(ev.price)

    ready: list[bool] = []
    feed = BusFeed(BusSettings(url=url), Start(), watch_collector=False)
    task = asyncio.create_task(feed.run(emit))
    # The parent writes how many events the collector published once it is
    # done; the viewer reads until it has them all (or gives up).
    expected = int(await asyncio.to_thread(sys.stdin.readline))
    give_up = time.monotonic() + GIVE_UP_S
    while len(latencies) < expected and time.monotonic() < give_up:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    print(json.dumps({"latencies": latencies, "distinct": len(prices)}), flush=True)


# -- one run -------------------------------------------------------------------

def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bench.bus", *args], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def run_one(viewers: int, rate: int, seconds: float) -> dict[str, Any]:
    from tests.loopback.nats import NatsServer

    with tempfile.TemporaryDirectory() as store:
        server = NatsServer(Path(store)).start()
        procs: list[subprocess.Popen] = []
        try:
            # The stream must exist before viewers subscribe: one event does it.
            subprocess.run([sys.executable, "-m", "bench.bus", "collector", server.url, "1", "0.01"], cwd=ROOT,
                           check=True, capture_output=True, timeout=60)
            total = WARMUP_S + seconds
            views = [_spawn("viewer", server.url) for _ in range(viewers)]
            procs += views
            for v in views:
                assert v.stdout is not None and v.stdout.readline().strip() == "ready"
            collector = _spawn("collector", server.url, str(rate), str(total))
            procs.append(collector)
            time.sleep(WARMUP_S)
            pids = {"collector": collector.pid, "nats-server": server.proc.pid,
                    **{f"viewer{i}": v.pid for i, v in enumerate(views)}}
            cpu0 = {name: _cpu_s(pid) for name, pid in pids.items()}
            t0 = time.monotonic()
            time.sleep(seconds)
            cpu = {name: (_cpu_s(pid) - cpu0[name]) / (time.monotonic() - t0) * 100 for name, pid in pids.items()}
            out, _ = collector.communicate(timeout=120)
            published = json.loads(out.strip().splitlines()[-1])
            lat: list[int] = []
            complete = True
            for v in views:
                vout, _ = v.communicate(f"{published['emitted']}\n", timeout=120)
                got = json.loads(vout.strip().splitlines()[-1])
                lat += got["latencies"]
                complete &= got["distinct"] == published["emitted"] == len(got["latencies"])
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
            server.stop()
    lat.sort()
    viewer_cpu = [cpu[k] for k in cpu if k.startswith("viewer")]
    return {
        "viewers": viewers,
        "rate": rate,
        "seconds": seconds,
        "events": published["emitted"],
        "every_viewer_got_every_event_once": complete,
        "collector_cpu_pct": round(cpu["collector"], 1),
        "nats_server_cpu_pct": round(cpu["nats-server"], 1),
        "viewer_cpu_pct_mean": round(statistics.fmean(viewer_cpu), 1),
        "viewer_cpu_pct_max": round(max(viewer_cpu), 1),
        "latency_ms_p50": lat[len(lat) // 2] if lat else None,
        "latency_ms_p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else None,
        # The machine is shared: its load says how much of the latency is waiting for a core.
        "load_average_1min": round(os.getloadavg()[0], 1),
    }


def run(seconds: float = 10.0, viewer_counts: tuple[int, ...] = VIEWER_COUNTS, rate: int = RATE) -> dict[str, Any]:
    return {"runs": [run_one(n, rate, seconds) for n in viewer_counts]}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["collector"]:
        asyncio.run(_collector(argv[1], int(argv[2]), float(argv[3])))
        return 0
    if argv[:1] == ["viewer"]:
        asyncio.run(_viewer(argv[1]))
        return 0
    ap = argparse.ArgumentParser(prog="python -m bench.bus", description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--viewers", default=",".join(map(str, VIEWER_COUNTS)))
    ap.add_argument("--rate", type=int, default=RATE)
    ap.add_argument("--quick", action="store_true", help="2 s, 1 and 5 viewers")
    args = ap.parse_args(argv)
    counts = (1, 5) if args.quick else tuple(int(x) for x in args.viewers.split(","))
    print(json.dumps(run(2.0 if args.quick else args.seconds, counts, args.rate), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
