"""Benchmark: normalising raw liquidation frames vs a bare ``json.loads``.

Generates realistic raw frames for every venue of ``FEEDS`` (the documented
formats; frames of the venues that batch carry 1-3 entries), then times, side by side in one run and on one core:

* ``json.loads`` of every frame's JSON text (the baseline);
* the feed path: the frame as it arrives (gzip for HTX), decoded the way the
  hook does (gunzip where the venue compresses, then the parser ccxt's client
  uses, orjson) and handed to the feed's hook (``_on_frame``: frame
  recognition, normalisation, de-duplication, queueing);
* the hook alone on pre-decoded frames (normalisation cost by itself).

Targets (issue 3): >= 100k frames/s, and the feed path <= 3x ``json.loads``.
Run ``python -m bench.normalise``; ``run()`` returns the figures as a dict.
"""

from __future__ import annotations

import gzip
import json
import random
import time
import zlib
from collections.abc import Callable
from typing import Any

# The parser the feed path uses (ccxt_hook: orjson, a ccxt dependency).
from orjson import loads as fast_loads

from feeds.settings import ExchangeSettings
from feeds.venues import liquidation_feed
from feeds.venues.bitmex import BitmexContract
from feeds.venues.markets import Contract
from feeds.venues.stream import StreamLiquidationFeed

DECODER = "orjson"

BASES = {"BTC": 60000.0, "ETH": 3000.0, "SOL": 150.0, "XRP": 0.5, "DOGE": 0.1, "ADA": 0.4, "LINK": 15.0}
OKX_CT_VAL = {"BTC": 0.01, "ETH": 0.1, "SOL": 1.0, "XRP": 100.0, "DOGE": 1000.0, "ADA": 100.0, "LINK": 1.0}


GATE_MULTIPLIER = {"BTC": 0.0001, "ETH": 0.01, "SOL": 1.0, "XRP": 10.0, "DOGE": 10.0, "ADA": 10.0, "LINK": 1.0}
HTX_SIZE = {"BTC": 0.001, "ETH": 0.01, "SOL": 1.0, "XRP": 10.0, "DOGE": 100.0, "ADA": 10.0, "LINK": 0.1}


def contracts(venue: str) -> dict[str, Contract]:
    if venue in TABLES:
        return TABLES[venue]()
    if venue == "binance":
        return {f"{b}USDT": Contract(f"{b}/USDT:USDT", 1.0, False) for b in BASES}
    if venue == "bybit":
        table = {f"{b}USDT": Contract(f"{b}/USDT:USDT", 1.0, False) for b in BASES}
        table.update({f"{b}USD": Contract(f"{b}/USD:{b}", 1.0, True) for b in ("BTC", "ETH")})
        return table
    table = {f"{b}-USDT-SWAP": Contract(f"{b}/USDT:USDT", OKX_CT_VAL[b], False) for b in BASES}
    table.update({"BTC-USD-SWAP": Contract("BTC/USD:BTC", 100.0, True), "ETH-USD-SWAP": Contract("ETH/USD:ETH", 10.0, True)})
    return table


#: venue -> its contract table, for the venues added after the first three
TABLES: dict[str, Callable[[], dict[str, Any]]] = {
    "gate": lambda: {
        **{f"{b}_USDT": Contract(f"{b}/USDT:USDT", GATE_MULTIPLIER[b], False) for b in BASES},
        "BTC_USD": Contract("BTC/USD:BTC", 1.0, True),
    },
    "htx": lambda: {
        **{f"{b}-USDT": Contract(f"{b}/USDT:USDT", HTX_SIZE[b], False) for b in BASES},
        "BTC-USD": Contract("BTC/USD:BTC", 100.0, True),
        "ETH-USD": Contract("ETH/USD:ETH", 10.0, True),
    },
    "bitget": lambda: {f"{b}USDT": Contract(f"{b}/USDT:USDT", 1.0, False) for b in BASES},
    "deribit": lambda: {
        **{f"{b}-PERPETUAL": Contract(f"{b}/USD:{b}", 10.0 if b == "BTC" else 1.0, True) for b in ("BTC", "ETH")},
        **{f"{b}_USDC-PERPETUAL": Contract(f"{b}/USDC:USDC", 1.0, False) for b in BASES},
    },
    "bitfinex": lambda: {f"t{b}F0:USTF0": Contract(f"{b}/USDT:USDT", 1.0, False) for b in BASES},
    "bitmex": lambda: {
        "XBTUSD": BitmexContract("BTC/USD:BTC", "inverse", 1.0),
        **{f"{b}USDT": BitmexContract(f"{b}/USDT:USDT", "linear", 1e-4) for b in BASES},
    },
    "dydx": lambda: {f"{b}-USD": Contract(f"{b}/USDC:USDC", 1.0, False) for b in BASES},
    "krakenfutures": lambda: {
        **{f"PF_{b}USD": Contract(f"{b}/USD:USD", 1.0, False) for b in BASES},
        **{f"PI_{b}USD": Contract(f"{b}/USD:{b}", 1.0, True) for b in ("BTC", "ETH")},
    },
}


def _px(rng: random.Random, base: str) -> float:
    return round(BASES[base] * rng.uniform(0.95, 1.05), 6)


def binance_frames(n: int, rng: random.Random, t0: int) -> list[str]:
    out = []
    for i in range(n):
        base = rng.choice(list(BASES))
        px = _px(rng, base)
        qty = round(rng.uniform(0.001, 50.0), 3)
        o = {
            "s": f"{base}USDT", "S": rng.choice(("SELL", "BUY")), "o": "LIMIT", "f": "IOC",
            "q": f"{qty}", "p": f"{px * 0.99:.6f}", "ap": f"{px}", "X": "FILLED",
            "l": f"{qty}", "z": f"{qty}", "T": t0 + i,
        }
        out.append(json.dumps({"e": "forceOrder", "E": t0 + i + 3, "o": o}, separators=(",", ":")))
    return out


def bybit_frames(n: int, rng: random.Random, t0: int) -> list[str]:
    out = []
    for i in range(n):
        if rng.random() < 0.1:
            base = rng.choice(("BTC", "ETH"))
            sym, size = f"{base}USD", lambda: f"{rng.randint(1, 50000)}"
        else:
            base = rng.choice(list(BASES))
            sym, size = f"{base}USDT", lambda: f"{round(rng.uniform(0.001, 50.0), 3)}"
        data = [
            {"T": t0 + i * 3 + k, "s": sym, "S": rng.choice(("Buy", "Sell")), "v": size(), "p": f"{_px(rng, base)}"}
            for k in range(rng.choice((1, 1, 1, 2, 3)))
        ]
        out.append(json.dumps({"topic": f"allLiquidation.{sym}", "type": "snapshot", "ts": t0 + i * 3 + 5, "data": data}, separators=(",", ":")))
    return out


def okx_frames(n: int, rng: random.Random, t0: int) -> list[str]:
    out = []
    for i in range(n):
        if rng.random() < 0.1:
            base = rng.choice(("BTC", "ETH"))
            inst = f"{base}-USD-SWAP"
        else:
            base = rng.choice(list(BASES))
            inst = f"{base}-USDT-SWAP"
        details = []
        for k in range(rng.choice((1, 1, 2, 3))):
            side = rng.choice(("sell", "buy"))
            details.append(
                {"bkLoss": "0", "bkPx": f"{_px(rng, base)}", "ccy": "", "posSide": "long" if side == "sell" else "short",
                 "side": side, "sz": f"{rng.randint(1, 500)}", "ts": str(t0 + i * 3 + k)}
            )
        family = inst.rsplit("-", 1)[0]
        frame = {"arg": {"channel": "liquidation-orders", "instType": "SWAP"},
                 "data": [{"details": details, "instFamily": family, "instId": inst, "instType": "SWAP", "uly": family}]}
        out.append(json.dumps(frame, separators=(",", ":")))
    return out


def gate_frames(n: int, rng: random.Random, t0: int) -> list[str]:
    out = []
    for i in range(n):
        base = rng.choice(list(BASES))
        result = [
            {"price": _px(rng, base), "size": f"{rng.randint(1, 5000) * rng.choice((1, -1))}", "time_ms": t0 + i * 3 + k,
             "contract": f"{base}_USDT"}
            for k in range(rng.choice((1, 1, 1, 2, 3)))
        ]
        frame = {"channel": "futures.public_liquidates", "event": "update", "time": (t0 + i * 3) // 1000,
                 "time_ms": t0 + i * 3 + 5, "result": result}
        out.append(json.dumps(frame, separators=(",", ":")))
    return out


def htx_frames(n: int, rng: random.Random, t0: int) -> list[str]:
    out = []
    for i in range(n):
        base = rng.choice(list(BASES))
        code = f"{base}-USDT"
        data = []
        for k in range(rng.choice((1, 1, 1, 2))):
            vol, px = rng.randint(1, 2000), _px(rng, base)
            data.append({"symbol": base, "contract_code": code, "direction": rng.choice(("sell", "buy")), "offset": "close",
                         "volume": vol, "price": px, "created_at": t0 + i * 3 + k, "amount": vol * HTX_SIZE[base],
                         "trade_turnover": vol * HTX_SIZE[base] * px, "business_type": "swap", "pair": code})
        frame = {"op": "notify", "topic": f"public.{code}.liquidation_orders", "ts": t0 + i * 3 + 5, "data": data}
        out.append(json.dumps(frame, separators=(",", ":")))
    return out


def bitget_frames(n: int, rng: random.Random, t0: int) -> list[str]:
    out = []
    for i in range(n):
        data = []
        for k in range(rng.choice((1, 1, 2, 3))):
            base = rng.choice(list(BASES))
            data.append({"symbol": f"{base}USDT", "side": rng.choice(("buy", "sell")), "price": f"{_px(rng, base)}",
                         "amount": f"{rng.uniform(5, 50000):.6f}", "ts": str(t0 + i * 3 + k)})
        frame = {"action": "update", "arg": {"instType": "usdt-futures", "topic": "liquidation"}, "data": data,
                 "ts": t0 + i * 3 + 5}
        out.append(json.dumps(frame, separators=(",", ":")))
    return out


def deribit_frames(n: int, rng: random.Random, t0: int) -> list[str]:
    """The whole futures trade stream: most trades are ordinary, one in five
    carries a ``liquidation`` flag (M, T or MT)."""
    out = []
    for i in range(n):
        trades = []
        for k in range(rng.choice((1, 1, 2, 3))):
            if rng.random() < 0.3:
                base = rng.choice(("BTC", "ETH"))
                name, amount = f"{base}-PERPETUAL", float(10 * rng.randint(1, 5000))
            else:
                base = rng.choice(list(BASES))
                name, amount = f"{base}_USDC-PERPETUAL", round(rng.uniform(0.001, 50.0), 3)
            px = _px(rng, base)
            t = {"trade_seq": i * 3 + k, "trade_id": str(i * 3 + k), "timestamp": t0 + i, "tick_direction": 1,
                 "price": px, "mark_price": px, "instrument_name": name, "index_price": px,
                 "direction": rng.choice(("buy", "sell")), "amount": amount}
            if rng.random() < 0.2:
                t["liquidation"] = rng.choice(("M", "T", "MT"))
            trades.append(t)
        frame = {"jsonrpc": "2.0", "method": "subscription", "params": {"channel": "trades.future.any.100ms", "data": trades}}
        out.append(json.dumps(frame, separators=(",", ":")))
    return out


def bitfinex_frames(n: int, rng: random.Random, t0: int) -> list[str]:
    """``liq:global``: a liquidation announced (IS_MATCH 0), sometimes with its fills."""
    out = []
    for i in range(n):
        base = rng.choice(list(BASES))
        px = _px(rng, base)
        amount = round(rng.uniform(0.001, 50.0), 3) * rng.choice((1, -1))
        entries = [["pos", 1000 + i, t0 + i, None, f"t{base}F0:USTF0", amount, px * 1.02, None, 0, 1, None, px]]
        entries += [["pos", 1000 + i, t0 + i, None, f"t{base}F0:USTF0", amount / 2, px * 1.02, None, 1, 1, None, None]
                    for _ in range(rng.choice((0, 0, 1, 2)))]
        out.append(json.dumps([386841, entries], separators=(",", ":")))
    return out


def krakenfutures_frames(n: int, rng: random.Random, t0: int) -> list[str]:
    """The trade feed of every product: one trade a frame, one in five a liquidation."""
    out = []
    for i in range(n):
        if rng.random() < 0.2:
            base = rng.choice(("BTC", "ETH"))
            product, qty = f"PI_{base}USD", float(rng.randint(1, 50000))
        else:
            base = rng.choice(list(BASES))
            product, qty = f"PF_{base}USD", round(rng.uniform(0.001, 50.0), 3)
        kind = "liquidation" if rng.random() < 0.2 else "fill"
        trade = {"feed": "trade", "product_id": product, "uid": f"u{i}", "side": rng.choice(("buy", "sell")),
                 "type": kind, "seq": i, "time": t0 + i, "qty": qty, "price": _px(rng, base)}
        out.append(json.dumps(trade, separators=(",", ":")))
    return out


def dydx_frames(n: int, rng: random.Random, t0: int) -> list[str]:
    """``v4_trades`` of every market: 1-3 trades a frame, one in five liquidated."""
    out = []
    for i in range(n):
        base = rng.choice(list(BASES))
        trades = []
        for k in range(rng.choice((1, 1, 2, 3))):
            ms = t0 + i * 3 + k
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"
            kind = "LIQUIDATED" if rng.random() < 0.2 else "LIMIT"
            trades.append({"id": f"{i:016x}{k:08x}", "side": rng.choice(("BUY", "SELL")),
                           "size": f"{round(rng.uniform(0.001, 50.0), 3)}", "price": f"{_px(rng, base)}",
                           "type": kind, "createdAt": stamp, "createdAtHeight": str(40_000_000 + i)})
        frame = {"type": "channel_data", "connection_id": "c", "message_id": i, "id": f"{base}-USD",
                 "channel": "v4_trades", "version": "2.1.0", "contents": {"trades": trades}}
        out.append(json.dumps(frame, separators=(",", ":")))
    return out


def bitmex_frames(n: int, rng: random.Random, t0: int) -> list[str]:
    """The ``liquidation`` table: inserts of new orders, updates and deletes of resting ones."""
    out, resting = [], []
    for i in range(n):
        if resting and rng.random() < 0.4:
            order_id, symbol = resting.pop(rng.randrange(len(resting)))
            row, action = {"orderID": order_id, "symbol": symbol}, "delete"
            if rng.random() < 0.5:
                row["leavesQty"], action = rng.randint(1, 100), "update"
                resting.append((order_id, symbol))
        else:
            base = rng.choice(list(BASES))
            symbol = "XBTUSD" if rng.random() < 0.3 else f"{base}USDT"
            order_id = f"{i:08x}-0000-0000-0000-{t0 % 10**12:012d}"
            row = {"orderID": order_id, "symbol": symbol, "side": rng.choice(("Buy", "Sell")),
                   "price": _px(rng, "BTC" if symbol == "XBTUSD" else base), "leavesQty": rng.randint(1, 100000)}
            action = "insert"
            resting.append((order_id, symbol))
        out.append(json.dumps({"table": "liquidation", "action": action, "data": [row]}, separators=(",", ":")))
    return out


#: venue -> its frame generator
FEEDS: dict[str, Callable[[int, random.Random, int], list[str]]] = {
    "binance": binance_frames,
    "bybit": bybit_frames,
    "okx": okx_frames,
    "gate": gate_frames,
    "htx": htx_frames,
    "bitget": bitget_frames,
    "deribit": deribit_frames,
    "bitfinex": bitfinex_frames,
    "krakenfutures": krakenfutures_frames,
    "dydx": dydx_frames,
    "bitmex": bitmex_frames,
}
#: venue -> (how its frames travel, how the hook decodes them), where not JSON text
WIRE: dict[str, tuple[Callable[[str], Any], Callable[[Any], Any]]] = {
    "htx": (lambda text: gzip.compress(text.encode()), lambda data: fast_loads(zlib.decompress(data, 16 + zlib.MAX_WBITS))),
}


def _fresh_feed(venue: str) -> StreamLiquidationFeed:
    feed = liquidation_feed(venue, ExchangeSettings())
    assert isinstance(feed, StreamLiquidationFeed)
    if venue == "bitfinex":
        feed.chan_id = 386841  # learnt from the ``subscribed`` answer when live
    feed._normalise = feed.make_normaliser(contracts(venue))
    return feed


def _best_interleaved(fns: list[Callable[[], None]], repeat: int) -> list[float]:
    """Best time of each function, measured in turns so that a load change on
    a shared machine hits all of them alike (the ratio is what to trust)."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t)
    return best


def run(frames_per_venue: int = 20_000, repeat: int = 7, seed: int = 7) -> dict[str, Any]:
    """Time the three paths per venue and overall; returns the figures."""
    rng = random.Random(seed)
    t0 = 1_700_000_000_000
    results: dict[str, Any] = {"decoder": DECODER, "frames_per_venue": frames_per_venue, "venues": {}}
    totals = {"json_s": 0.0, "feed_s": 0.0, "hook_s": 0.0, "frames": 0, "events": 0}
    for venue, make_frames in FEEDS.items():
        frames = make_frames(frames_per_venue, rng, t0)
        decoded = [json.loads(f) for f in frames]
        json_loads = json.loads
        encode, decode = WIRE.get(venue, (str, fast_loads))
        wire = [encode(f) for f in frames]

        def baseline() -> None:
            for f in frames:
                json_loads(f)

        counts: list[int] = []

        def feed_path() -> None:
            feed = _fresh_feed(venue)
            sink = feed._on_frame
            for f in wire:
                sink(decode(f))
            counts.append(len(feed._pending))

        def hook_only() -> None:
            feed = _fresh_feed(venue)
            sink = feed._on_frame
            for m in decoded:
                sink(m)

        json_s, feed_s, hook_s = _best_interleaved([baseline, feed_path, hook_only], repeat)
        n = len(frames)
        results["venues"][venue] = {
            "frames": n,
            "events": counts[-1],
            "json_loads_fps": n / json_s,
            "feed_fps": n / feed_s,
            "hook_only_fps": n / hook_s,
            "ratio_feed_vs_json": feed_s / json_s,
        }
        totals["json_s"] += json_s
        totals["feed_s"] += feed_s
        totals["hook_s"] += hook_s
        totals["frames"] += n
        totals["events"] += counts[-1]
    results["all"] = {
        "frames": totals["frames"],
        "events": totals["events"],
        "json_loads_fps": totals["frames"] / totals["json_s"],
        "feed_fps": totals["frames"] / totals["feed_s"],
        "hook_only_fps": totals["frames"] / totals["hook_s"],
        "ratio_feed_vs_json": totals["feed_s"] / totals["json_s"],
    }
    results["targets_met"] = results["all"]["feed_fps"] >= 100_000 and results["all"]["ratio_feed_vs_json"] <= 3.0
    return results


def main() -> None:
    r = run()
    print(f"liquidation frame normalisation, one core, decoder={r['decoder']}")
    print(f"{'venue':13} {'frames':>7} {'events':>7} {'json.loads/s':>13} {'feed path/s':>12} {'hook only/s':>12} {'feed/json':>9}")
    for name, v in [*r["venues"].items(), ("all", r["all"])]:
        print(
            f"{name:13} {v['frames']:7d} {v['events']:7d} {v['json_loads_fps']:13,.0f} {v['feed_fps']:12,.0f} "
            f"{v['hook_only_fps']:12,.0f} {v['ratio_feed_vs_json']:8.2f}x"
        )
    print(f"targets (>= 100k frames/s, <= 3x json.loads): {'met' if r['targets_met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
