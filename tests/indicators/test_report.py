"""``report`` on a small hand-made recording, with every total computed by hand."""

from __future__ import annotations

import gc
import io
import json
from datetime import timezone

import pytest

from feeds.events import Candle, FeedStatus, Liquidation, MarketCap, OpenInterest, Volume
from feeds.recording import dumps
from indicators.params import IndicatorParams
from indicators.report import build_report
from tui.cli.report import run_report

H = 3_600_000
T0 = 1_762_214_400_000  # 2025-11-04 00:00 UTC, an hour boundary
END = T0 + 5 * H + 30_000  # 05:00:30

EVENTS = [
    FeedStatus(T0, "binance", "live"),
    Volume(T0, "binance", "*", 2e9),
    Volume(T0, "okx", "BTC/USDT:USDT", 1e9),
    Volume(T0, "okx", "ETH/USDT:USDT", 1e9),
    OpenInterest(T0, "binance", "BTC/USDT:USDT", 4e9),
    MarketCap(T0, "coingecko", 3.4e12),
    MarketCap(T0 + H, "coingecko", 3.6e12),
    Liquidation(T0 + 1_000, "binance", "BTC/USDT:USDT", "long", 100_000, 1, 100_000.0),  # 00:00:01
    Liquidation(T0 + H + 5, "okx", "BTC/USDT:USDT", "short", 100_000, 2, 200_000.0),  # 01:00
    Liquidation(T0 + 2 * H, "binance", "ETH/USDT:USDT", "long", 3_000, 100, 300_000.0),  # 02:00
    Liquidation(T0 + 4 * H + 30_000, "okx", "SOL/USDT:USDT", "long", 150, 100, 15_000.0),  # 04:00:30, no okx SOL volume
    MarketCap(T0 + 4 * H, "coingecko", 3.5e12),
    Liquidation(T0 + 4 * H + 30_001, "binance", "BTC/USDT:USDT", "short", 100_000, 4, 400_000.0),  # exactly END - 1h + 1
    Liquidation(END, "bybit", "BTC/USDT:USDT", "long", 100_000, 0.5, 50_000.0),  # the last event
]


def write(tmp_path, lines):
    path = tmp_path / "rec.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_report_json_matches_hand_computed_totals(tmp_path):
    lines = [dumps(e) for e in EVENTS]
    lines.insert(3, "{not json")  # line 4
    lines.insert(6, '{"type": "liquidation", "ts": 1}')  # line 7: missing fields
    path = write(tmp_path, lines)
    out, err = io.StringIO(), io.StringIO()
    # A range from hours of samples (the default waits for 7 days of them).
    params = IndicatorParams(cap_range_min_days=0)
    assert run_report(str(path), True, params, out=out, err=err) == 0
    assert ":4: not valid JSON" in err.getvalue() and ":7: liquidation: missing field" in err.getvalue()
    r = json.loads(out.getvalue())

    assert r["events"] == len(EVENTS)
    assert r["start_ts"] == T0 and r["end_ts"] == END
    liq = r["liquidations"]
    assert liq["count"] == 6
    assert liq["usd"] == 1_065_000.0
    assert liq["long_usd"] == 100_000 + 300_000 + 15_000 + 50_000
    assert liq["short_usd"] == 200_000 + 400_000
    assert liq["largest"] == {"ts": T0 + 4 * H + 30_001, "exchange": "binance", "symbol": "BTC/USDT:USDT",
                              "side": "short", "usd": 400_000.0}
    assert {ex: (v["long_usd"], v["short_usd"]) for ex, v in liq["by_exchange"].items()} == {
        "binance": (400_000.0, 400_000.0), "bybit": (50_000.0, 0.0), "okx": (15_000.0, 200_000.0)}
    # (END - W, END]: the 04:00:30 liquidation is exactly at END - 1h, so outside the 1h window.
    assert liq["windows"]["1h"] == {"long_usd": 50_000.0, "short_usd": 400_000.0, "count": 2}
    assert liq["windows"]["4h"] == {"long_usd": 365_000.0, "short_usd": 400_000.0, "count": 4}
    assert liq["windows"]["12h"] == {"long_usd": 465_000.0, "short_usd": 600_000.0, "count": 6}
    assert liq["windows"]["24h"] == liq["windows"]["12h"]
    hourly = [(h["start"], h["long_usd"], h["short_usd"]) for h in liq["hourly"]]
    assert hourly == [
        (T0, 100_000.0, 0.0),
        (T0 + H, 0.0, 200_000.0),
        (T0 + 2 * H, 300_000.0, 0.0),
        (T0 + 3 * H, 0.0, 0.0),
        (T0 + 4 * H, 15_000.0, 400_000.0),
        (T0 + 5 * H, 50_000.0, 0.0),
    ]
    assert liq["storms"] == []  # far under storm_min_usd
    assert [t["usd"] for t in liq["top"]] == [400_000.0, 300_000.0, 200_000.0, 100_000.0, 50_000.0, 15_000.0]

    cap = r["market_cap"]
    # The range is of the samples before the last: [3.4T, 3.6T]; 3.5T sits in the middle.
    assert (cap["usd"], cap["low"], cap["high"], cap["state"]) == (3.5e12, 3.4e12, 3.6e12, "inside")
    assert abs(cap["position"] - 0.5) < 1e-9
    # LVR over 24 h, on the venues/symbols with volume: binance by its venue
    # total (100k + 300k + 400k) and okx BTC (200k); okx SOL and bybit have no
    # volume, so their liquidations are left out: 1.0M over 2B + 1B + 1B traded.
    assert r["leverage"]["lvr_24h"] == 1_000_000 / 4e9 * 1e9
    assert r["anxiety"] == {"TOTAL": r["anxiety"]["TOTAL"]}
    assert set(r["anxiety"]["TOTAL"]) >= {"bai", "euphoria", "floor"}


def test_report_stable_keys(tmp_path):
    path = write(tmp_path, [dumps(e) for e in EVENTS])
    out = io.StringIO()
    run_report(str(path), True, IndicatorParams(), out=out, err=io.StringIO())
    r = json.loads(out.getvalue())
    assert {"events", "start_ts", "end_ts", "liquidations", "market_cap", "anxiety", "leverage"} <= set(r)
    assert {"count", "usd", "long_usd", "short_usd", "largest", "by_exchange", "windows", "hourly"} <= set(
        r["liquidations"])
    assert set(r["liquidations"]["windows"]) == {"1h", "4h", "12h", "24h"}
    assert {"usd", "low", "high", "position", "state"} <= set(r["market_cap"])
    assert "lvr_24h" in r["leverage"]


def test_report_for_people_needs_no_terminal(tmp_path):
    path = write(tmp_path, [dumps(e) for e in EVENTS])
    out = io.StringIO()
    assert run_report(str(path), False, IndicatorParams(), tz=timezone.utc, out=out, err=io.StringIO()) == 0
    text = out.getvalue()
    assert "observed" in text and "whole recording" in text and "$3.50T" in text
    # Four hours of market-cap samples are not a range: the report says so, and places the cap nowhere.
    assert "its range still forming (4h of samples, $3.40T - $3.60T so far)" in text
    assert "position" not in text


def test_report_json_says_a_young_cap_range_is_forming():
    cap = build_report(EVENTS, IndicatorParams())["market_cap"]
    assert (cap["state"], cap["position"], cap["covered_days"]) == ("forming", None, 4 / 24)


def test_report_of_an_empty_recording(tmp_path):
    path = write(tmp_path, [])
    assert build_report([], IndicatorParams())["events"] == 0
    out = io.StringIO()
    assert run_report(str(path), True, IndicatorParams(), out=out, err=io.StringIO()) == 0
    assert json.loads(out.getvalue())["liquidations"]["count"] == 0


def test_unreadable_path(tmp_path):
    err = io.StringIO()
    assert run_report(str(tmp_path / "nope.jsonl"), True, IndicatorParams(), out=io.StringIO(), err=err) == 1
    assert "cannot read" in err.getvalue()


def test_candle_symbols_get_an_anxiety_entry():
    evs = [Candle(T0 + i * H, "binance", "X/USDT:USDT", "1h", 1, 1.1, 0.9, 1.0, 1e6) for i in range(30)]
    r = build_report(evs, IndicatorParams())
    assert r["anxiety"]["X/USDT:USDT"]["floor"] == 0.9


def test_a_late_event_older_than_a_day_is_counted_but_not_in_the_windows():
    evs = EVENTS + [Liquidation(T0 - 30 * H, "okx", "BTC/USDT:USDT", "long", 1, 1, 1_000.0)]
    r = build_report(evs, IndicatorParams())
    liq = r["liquidations"]
    assert liq["count"] == 7 and liq["usd"] == 1_066_000.0
    assert liq["windows"]["24h"]["count"] == 6
    assert r["start_ts"] == T0 - 30 * H


def test_the_hourly_trim_keeps_a_liquidation_on_the_last_day_edge():
    """The collector lets go of liquidations older than a day at each hour; one
    that is just inside the final 24 h window must survive every trim."""
    edge = Liquidation(T0 + 30_000, "okx", "BTC/USDT:USDT", "long", 1, 1, 7.0)
    hourly = [Liquidation(T0 + i * H + 1, "okx", "ETH/USDT:USDT", "short", 1, 1, 1.0) for i in range(1, 25)]
    last = Liquidation(edge.ts + 24 * H - 1, "okx", "ETH/USDT:USDT", "short", 1, 1, 1.0)
    r = build_report([edge, *hourly, last], IndicatorParams())
    assert r["liquidations"]["windows"]["24h"] == {"long_usd": 7.0, "short_usd": 25.0, "count": 26}


def test_the_replay_leaves_the_cycle_collector_as_it_found_it():
    """build_report pauses the collector for the replay only, even when the
    events raise; a caller that had it off keeps it off."""
    def failing():
        yield from EVENTS
        raise OSError("disk gone")

    assert gc.isenabled()
    with pytest.raises(OSError):
        build_report(failing(), IndicatorParams())
    assert gc.isenabled()
    gc.disable()
    try:
        build_report(iter(EVENTS), IndicatorParams())
        assert not gc.isenabled()
    finally:
        gc.enable()
