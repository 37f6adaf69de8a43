"""The process ``bench/tui.py`` runs in a pseudo-terminal: the real app with a
synthetic liquidation feed.

    python -m bench.tui_child --rate 1000 --emit-log FILE

BENCHMARK CODE ONLY: ``SyntheticLiquidations`` is a load generator for
measuring the TUI, never a data source of the product (the product's feeds
live under ``feeds/``).  Every liquidation it makes carries its sequence
number in its price (1,000,000 + n, shown on the tape as ``@ 1,000,123.0``),
so the parent can tell from the terminal output when event ``n`` reached the
screen; the wall time of each batch is written to ``--emit-log`` at exit.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import random
import time
from typing import Sequence

from feeds.base import Emit, Feed
from feeds.events import Liquidation

MARKER_BASE = 1_000_000
BATCH_S = 0.02  # a batch every 20 ms: about what a busy venue socket delivers per wake
SYMBOLS = [f"{b}/USDT:USDT" for b in ("BTC", "ETH", "SOL", "XRP", "DOGE", "ADA", "AVAX", "LINK", "DOT", "LTC", "BCH", "TRX")]
VENUES = ("binance", "bybit", "okx", "gate", "htx", "binancecoinm")


class SyntheticLiquidations(Feed):
    """BENCH ONLY: ``rate`` liquidations per second, paced by the wall clock."""

    name = "bench-synthetic"

    def __init__(self, rate: float, seed: int = 5) -> None:
        self.rate = rate
        self.rng = random.Random(seed)
        self.seq = 0
        #: (last sequence number of the batch, wall time when it was emitted)
        self.log: list[tuple[int, float]] = []

    async def run(self, emit: Emit) -> None:
        if self.rate <= 0:
            await emit([])  # the supervisor counts the feed live; then silence
            await asyncio.Event().wait()
        start = time.monotonic()
        rng = self.rng
        while True:
            await asyncio.sleep(BATCH_S)
            due = int((time.monotonic() - start) * self.rate) - self.seq
            if due <= 0:
                continue
            now = time.time()
            batch: Sequence[Liquidation] = [
                Liquidation(
                    int(now * 1000), rng.choice(VENUES), rng.choice(SYMBOLS), "long" if rng.random() < 0.55 else "short",
                    float(MARKER_BASE + self.seq + i + 1), 0.001, min(5e7, 200 * rng.paretovariate(1.3)),
                )
                for i in range(due)
            ]
            self.seq += due
            await emit(batch)
            self.log.append((self.seq, now))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.tui_child")
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--emit-log", required=True)
    args = ap.parse_args(argv)
    from tui.app import AppOptions, make_app
    from tui.runtime.config import Config
    from tui.format import LIVE

    feed = SyntheticLiquidations(args.rate)

    def dump() -> None:
        with open(args.emit_log, "w") as fh:
            json.dump(feed.log, fh)

    atexit.register(dump)
    app = make_app(AppOptions(LIVE, [feed], Config(), label="BENCH: synthetic liquidations"))
    app.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
