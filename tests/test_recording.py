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


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds import events as E
from feeds.events import BadEvent

_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**12), 10**12),
    st.booleans(),
    st.text(max_size=3),
    st.none(),
)
_MISSING = object()

# kind -> (the careful decoder, a well-formed line, strategies for its fields)
_KINDS = {
    "liquidation": (E._liquidation_checked, to_dict(EVENTS[0]), {"side": st.sampled_from(["long", "short", "up", ""])}),
    "volume": (E._volume_checked, to_dict(EVENTS[2]), {}),
    "open_interest": (E._open_interest_checked, to_dict(EVENTS[3]), {}),
    "candle": (E._candle_checked, to_dict(EVENTS[4]), {"tf": st.sampled_from(["1m", "1h", "1d", "2h", 1])}),
    "price": (E._price_checked, to_dict(EVENTS[5]), {}),
    "market_cap": (E._market_cap_checked, to_dict(EVENTS[6]), {}),
}
_FIELD = {
    "ts": st.one_of(st.integers(0, 2**41), st.floats(0, 2**41), st.booleans(), st.text(max_size=2)),
    "exchange": st.sampled_from(["binance", "", 3, None]),
    "symbol": st.sampled_from(["BTC/USDT:USDT", "", 3]),
    "source": st.sampled_from(["coingecko", "", 3]),
}


def _careful(kind: str, d: dict) -> object:
    """What the careful path makes of a line: the event, or the error from_dict words from it."""
    try:
        return _KINDS[kind][0](d)
    except KeyError as exc:
        return f"{kind}: missing field {exc.args[0]!r}"
    except (TypeError, ValueError) as exc:
        return f"{kind}: {exc}"


@pytest.mark.parametrize("kind", sorted(_KINDS))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_fast_path_agrees_with_the_careful_one(kind, data):
    """Same event (same types: an int price becomes a float) or the same error, word for word."""
    _, good, special = _KINDS[kind]
    d = dict(good)
    # One or two fields off at a time, so each check of a fast path gets its turn.
    fields = [k for k in d if k != "type"]
    for key in data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=2, unique=True)):
        value = data.draw(st.one_of(st.just(_MISSING), special.get(key, _FIELD.get(key, _values))))
        if value is _MISSING:
            del d[key]
        else:
            d[key] = value
    expected = _careful(kind, d)
    if isinstance(expected, str):
        with pytest.raises(BadEvent) as err:
            from_dict(d)
        assert str(err.value) == expected
    else:
        got = from_dict(d)
        assert got == expected and type(got) is type(expected)
        assert [type(v) for v in got] == [type(v) for v in expected]


@pytest.mark.parametrize("d, expected", [
    ([1, 2], "not a JSON object"),
    ("liquidation", "not a JSON object"),
    (None, "not a JSON object"),
    ({"ts": 1}, "no 'type' field"),
    ({"type": ["liquidation"]}, "no 'type' field"),
    ({"type": 3}, "no 'type' field"),
])
def test_objects_that_are_not_events_are_worded(d, expected):
    with pytest.raises(BadEvent, match=expected):
        from_dict(d)


def test_an_unknown_type_is_none():
    assert from_dict({"type": "funding_rate", "ts": 1}) is None
