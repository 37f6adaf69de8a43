"""The normalisation benchmark runs and every generated entry becomes an event
(no timing is asserted here: speed belongs to the benchmark's own report)."""

from __future__ import annotations

import json
import random
from typing import Any, Callable

from bench.normalise import FEEDS, run

#: venue -> the liquidations one generated frame holds, counted from the frame itself
ENTRIES: dict[str, Callable[[Any], int]] = {
    "binance": lambda f: 1,
    "bybit": lambda f: len(f["data"]),
    "okx": lambda f: sum(len(d["details"]) for d in f["data"]),
    "gate": lambda f: len(f["result"]),
    "htx": lambda f: len(f["data"]),
    "bitget": lambda f: len(f["data"]),
    "bitfinex": lambda f: sum(1 for e in f[1] if e[8] == 0),
    "bitmex": lambda f: len(f["data"]) if f["action"] == "insert" else 0,
    "dydx": lambda f: sum(t["type"] == "LIQUIDATED" for t in f["contents"]["trades"]),
    "krakenfutures": lambda f: int(f["type"] == "liquidation"),
    "deribit": lambda f: sum({"M": 1, "T": 1, "MT": 2}.get(t.get("liquidation"), 0) for t in f["params"]["data"]),
}


def test_bench_reports_every_venue_and_loses_no_entry() -> None:
    figures = run(frames_per_venue=300, repeat=1, seed=3)
    rng = random.Random(3)
    assert set(FEEDS) == set(ENTRIES)
    for venue, make_frames in FEEDS.items():
        frames = [json.loads(f) for f in make_frames(300, rng, 1_700_000_000_000)]
        assert figures["venues"][venue]["events"] == sum(map(ENTRIES[venue], frames)) > 0
    assert set(figures["all"]) >= {"feed_fps", "json_loads_fps", "ratio_feed_vs_json", "hook_only_fps"}
