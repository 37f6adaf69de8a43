"""Round-trip of the recording format: plain and gzip, with bad lines."""

from __future__ import annotations

import gzip
import json

import pytest

from feeds.events import (
    Candle,
    FeedStatus,
    Liquidation,
    MarketCap,
    OpenInterest,
    Price,
    Volume,
    from_dict,
    to_dict,
)
from feeds.recording import ReadStats, RecordingWriter, dumps, read_events, write_events

EVENTS = [
    Liquidation(1_700_000_000_000, "binance", "BTC/USDT:USDT", "long", 64000.5, 0.25, 16000.125),
    Liquidation(1_700_000_000_500, "okx", "ETH/USDT:USDT", "short", 3100.0, 10.0, 31000.0),
    Volume(1_700_000_001_000, "bybit", "*", 12.5e9),
    OpenInterest(1_700_000_002_000, "okx", "BTC/USDT:USDT", 8.1e9),
    Candle(1_699_999_200_000, "binance", "ZEC/USDT:USDT", "1h", 10.0, 11.0, 9.5, 10.5, 1.2e6),
    Price(1_700_000_003_000, "binance", "ZEC/USDT:USDT", 10.7),
    MarketCap(1_700_000_004_000, "coingecko", 3.5e12),
    FeedStatus(1_700_000_005_000, "binance", "live", ""),
]


@pytest.mark.parametrize("name", ["rec.jsonl", "rec.jsonl.gz"])
def test_round_trip(tmp_path, name):
    path = tmp_path / name
    assert write_events(path, EVENTS) == len(EVENTS)
    assert list(read_events(path)) == EVENTS
    # The same objects, not just equal tuples: the type survives the trip.
    assert [type(e) for e in read_events(path)] == [type(e) for e in EVENTS]


def test_every_line_carries_its_type_first():
    for ev in EVENTS:
        d = json.loads(dumps(ev))
        assert next(iter(d)) == "type"
        assert d["type"] == ev.KIND
        assert from_dict(d) == ev


@pytest.mark.parametrize("gz", [False, True])
def test_bad_lines_are_skipped_with_their_line_numbers(tmp_path, gz):
    lines = [
        dumps(EVENTS[0]),
        "{not json",
        json.dumps({"type": "liquidation", "ts": 1, "exchange": "x"}),  # missing fields
        json.dumps({"type": "liquidation", **to_dict(EVENTS[0]), "side": "up"}),  # bad side
        json.dumps({"type": "funding_rate", "ts": 1, "rate": 0.01}),  # unknown type: ignored
        "",
        json.dumps({**to_dict(EVENTS[1]), "extra_field": 42}),  # unknown field: ignored
        "[1, 2]",
    ]
    text = "\n".join(lines) + "\n"
    path = tmp_path / ("r.jsonl.gz" if gz else "r.jsonl")
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    seen: list[tuple[int, str]] = []
    stats = ReadStats()
    got = list(read_events(path, on_bad_line=lambda n, why: seen.append((n, why)), stats=stats))
    assert got == [EVENTS[0], EVENTS[1]]
    assert [n for n, _ in seen] == [2, 3, 4, 8]
    assert "missing field" in seen[1][1]
    assert "side" in seen[2][1]
    assert stats.unknown == 1 and stats.events == 2 and stats.lines == 8


def test_default_handler_logs_the_line_number(tmp_path, caplog):
    path = tmp_path / "r.jsonl"
    path.write_text(dumps(EVENTS[0]) + "\ngarbage\n")
    with caplog.at_level("WARNING"):
        assert list(read_events(path)) == [EVENTS[0]]
    assert "line 2" in caplog.text


def test_cut_gzip_yields_every_flushed_line(tmp_path):
    """A recorder killed mid-write: every line before its last flush is readable."""
    path = tmp_path / "cut.jsonl.gz"
    w = RecordingWriter(path)
    w.write_many(EVENTS[:5])
    w.flush()
    size = path.stat().st_size
    w.write_many(EVENTS[5:])  # never flushed: lost with the process
    cut = tmp_path / "cut2.jsonl.gz"
    cut.write_bytes(path.read_bytes()[:size])
    stats = ReadStats()
    assert list(read_events(cut, stats=stats)) == EVENTS[:5]
    assert stats.truncated


def test_torn_last_line_of_plain_file(tmp_path):
    path = tmp_path / "torn.jsonl"
    path.write_text(dumps(EVENTS[0]) + "\n" + dumps(EVENTS[1])[:20])
    seen = []
    assert list(read_events(path, on_bad_line=lambda n, w: seen.append(n))) == [EVENTS[0]]
    assert seen == [2]


def test_non_finite_and_boolean_numbers_are_rejected():
    d = to_dict(EVENTS[0])
    for bad in ({"usd": float("nan")}, {"price": True}, {"ts": False}, {"usd": -5}):
        with pytest.raises(ValueError):
            from_dict({**d, **bad})


from hypothesis import given
from hypothesis import strategies as st

from feeds.events import BadEvent, _liquidation_checked

_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**12), 10**12),
    st.booleans(),
    st.text(max_size=3),
    st.none(),
)


@given(
    ts=st.one_of(st.integers(0, 2**41), st.floats(0, 2**41), st.booleans()),
    side=st.sampled_from(["long", "short", "up", ""]),
    exchange=st.sampled_from(["binance", "", 3]),
    price=_values,
    qty=_values,
    usd=_values,
)
def test_fast_liquidation_path_agrees_with_the_checked_one(ts, side, exchange, price, qty, usd):
    d = {"type": "liquidation", "ts": ts, "exchange": exchange, "symbol": "BTC/USDT:USDT",
         "side": side, "price": price, "qty": qty, "usd": usd}  # fmt: skip
    try:
        expected = _liquidation_checked(d)
    except (BadEvent, TypeError, ValueError):
        with pytest.raises(BadEvent):
            from_dict(d)
        return
    got = from_dict(d)
    assert got == expected and type(got) is Liquidation
