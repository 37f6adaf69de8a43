"""Round-trip of the recording format: plain and gzip, with bad lines."""

from __future__ import annotations

import gzip
import io
import json

import pytest

from feeds import recording as R
from feeds.events import (
    Candle,
    FeedStatus,
    Liquidation,
    MarketCap,
    OpenInterest,
    Price,
    Volume,
)
from feeds.recording import BadEvent, ReadStats, RecordingWriter, dumps, from_dict, read_events, to_dict, write_events

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


_CANDLE = to_dict(EVENTS[4])


@pytest.mark.parametrize(("d", "reason"), [
    ({**to_dict(EVENTS[0]), "usd": "100"}, "usd: expected a number, got '100'"),
    ({**to_dict(EVENTS[0]), "price": -1.0}, "price must be in [0, 1e+15]"),
    ({**to_dict(EVENTS[0]), "qty": -0.5}, "qty must be in [0, 1e+18]"),
    ({**to_dict(EVENTS[0]), "usd": 1.7e308}, "usd must be in [0, 1e+15]"),
    ({**to_dict(EVENTS[3]), "usd": -5.0}, "usd must be in [0, 1e+15]"),
    ({**to_dict(EVENTS[6]), "usd": -3e12}, "usd must be in [0, 1e+15]"),
    ({**_CANDLE, "high": 9.0}, "high 9.0 is below low 9.5"),
    ({**_CANDLE, "open": 12.0}, "open and close must lie within [low, high]"),
    ({**to_dict(EVENTS[0]), "ts": 253402300800000}, "ts must be ms between 2009-01-01 and a day past now"),
    ({**to_dict(EVENTS[0]), "ts": 2**63 - 1}, "ts must be ms between 2009-01-01"),
    ({**to_dict(EVENTS[0]), "ts": -1}, "ts must be ms between 2009-01-01"),
    ({**to_dict(EVENTS[0]), "ts": 0}, "ts must be ms between 2009-01-01"),
    ({**to_dict(EVENTS[0]), "ts": 1_230_767_999_999}, "ts must be ms between 2009-01-01"),
    ({**to_dict(EVENTS[0]), "ts": 1_700_000_000}, "ts 1700000000 is in seconds"),
    ({**to_dict(EVENTS[0]), "ts": "1700000000000"}, "expected a timestamp in ms"),
])
def test_values_out_of_their_range_are_malformed_lines(tmp_path, d, reason):
    """Strings, negatives, overflowing sums, a bar upside down, a ts from no
    market's time: each line is reported with its number and skipped, by both paths."""
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join([dumps(EVENTS[1]), json.dumps(d), dumps(EVENTS[1])]) + "\n")
    seen: list[tuple[int, str]] = []
    assert list(read_events(path, on_bad_line=lambda n, why: seen.append((n, why)))) == [EVENTS[1]] * 2
    assert len(seen) == 1 and seen[0][0] == 2 and reason in seen[0][1], seen


def test_a_ts_past_tomorrow_is_malformed_and_the_bound_follows_the_clock():
    now = R.ts_ceiling() - R.DAY_MS
    assert from_dict({**to_dict(EVENTS[0]), "ts": now}).ts == now
    with pytest.raises(BadEvent, match="a day past now"):
        from_dict({**to_dict(EVENTS[0]), "ts": R.ts_ceiling() + 1})
    assert R.ts_ceiling(0) == R.HOUR_MS + R.DAY_MS



from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    "liquidation": (R._liquidation_checked, to_dict(EVENTS[0]), {"side": st.sampled_from(["long", "short", "up", ""])}),
    "volume": (R._volume_checked, to_dict(EVENTS[2]), {}),
    "open_interest": (R._open_interest_checked, to_dict(EVENTS[3]), {}),
    "candle": (R._candle_checked, to_dict(EVENTS[4]), {"tf": st.sampled_from(["1m", "1h", "1d", "2h", 1])}),
    "price": (R._price_checked, to_dict(EVENTS[5]), {}),
    "market_cap": (R._market_cap_checked, to_dict(EVENTS[6]), {}),
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


def _off(kind: str, data) -> dict:
    """A good line of ``kind`` with one or two fields off (missing or drawn),
    so each check of a fast path gets its turn."""
    _, good, special = _KINDS[kind]
    d = dict(good)
    fields = [k for k in d if k != "type"]
    for key in data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=2, unique=True)):
        value = data.draw(st.one_of(st.just(_MISSING), special.get(key, _FIELD.get(key, _values))))
        if value is _MISSING:
            del d[key]
        else:
            d[key] = value
    return d


@pytest.mark.parametrize("kind", sorted(_KINDS))
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_fast_path_agrees_with_the_careful_one(kind, data):
    """Same event (same types: an int price becomes a float) or the same error, word for word."""
    d = _off(kind, data)
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


# -- the fast path (msgspec) against the careful one (orjson + from_dict) ----


def _both_ways(lines: list[bytes]) -> tuple[str, str]:
    """What a chunk decode and a line-by-line careful decode make of the same lines.

    Compared as repr: bit for bit (repr tells -0.0 from 0.0 and every float
    apart), type for type (an int price must come out a float), the bad lines
    with their numbers and wording, and the unknown count.
    """
    fast_stats, slow_stats = ReadStats(), ReadStats()
    fast, _ = R._decode_lines(lines, 10, None, fast_stats)
    slow = R._decode_carefully(lines, 10, None, slow_stats)
    def show(evs, st):
        return repr([(type(e).__name__, [(type(v).__name__, v) for v in e]) for e in evs]) + repr((st.bad, st.unknown))
    return show(fast, fast_stats), show(slow, slow_stats)


def test_the_fast_path_takes_the_common_lines():
    """Not a speed test: a fast path that refused every line would still be correct, only slow."""
    for ev in EVENTS:
        line = dumps(ev).encode()
        if isinstance(ev, FeedStatus):
            with pytest.raises(R._REFUSED):
                R._fast()[0](line)
        else:
            s = R._fast()[0](line)
            assert R._fast()[1][type(s)] is type(ev) and R._astuple(s) == tuple(ev)


_json_numbers = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-(2**70), 2**70).map(str),
    st.from_regex(r"\A-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,30})?([eE][-+]?[0-9]{1,3})?\Z"),
    st.sampled_from(["-0", "-0.0", "0e0", "1e308", "1.8e308", "2.2250738585072011e-308", "4.9e-324", "2e-324",
                     "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                     "-9223372036854775809", "18446744073709551615", "18446744073709551616", "1e400", "true",
                     "null", '"1.5"', '""', "[1]", "{}"]),
)


@given(number=_json_numbers, kind=st.sampled_from([0, 2, 3, 4, 5, 6]), data=st.data())
def test_numbers_read_the_same_both_ways(number, kind, data):
    """Any JSON number, in any numeric field (ts included), bit for bit the same event or the same error."""
    d = to_dict(EVENTS[kind])
    key = data.draw(st.sampled_from([k for k, v in d.items() if isinstance(v, (int, float)) and k != "type"]))
    text = json.dumps(d, separators=(",", ":")).replace(json.dumps(d[key]), number, 1)
    fast, slow = _both_ways([text.encode()])
    assert fast == slow


# Values an unknown field may hold that orjson refuses: a fast path that
# skipped unknown fields unread would take these lines.
_UNKNOWN_FIELDS = [b',"x":1e400', b',"x":"\\ud800"', b',"x":"\xff"', b',"x":[1,]', b',"x":' + b"[" * 3000 + b"]" * 3000]


_EXTRAS = [b"", b',"extra":1', b',"type":"price"', b',"ts":1', *_UNKNOWN_FIELDS]
# Every value each field is tried with: the specials of _KINDS, and these.
_TRIED = [_MISSING, True, False, None, 0, 1, -1, 2**63, 2**64 + 1, -(2**63) - 1, 2**70 + 1, 1.5, -0.0, -1.0, 1e308, "", "x", "1.5",
          [1], {}, "long", "1h"]


def _line(d: dict, extra: bytes = b"", type_last: bool = False, ascii: bool = True) -> bytes:
    line = json.dumps(d, separators=(",", ":"), ensure_ascii=ascii).encode()
    if type_last:
        first, _, rest = line[1:-1].partition(b",")
        return b"{" + rest + b"," + first + extra + b"}"
    return line[:-1] + extra + b"}"


@pytest.mark.parametrize("kind, key", [(kind, key) for kind in sorted(_KINDS) for key in _KINDS[kind][1] if key != "type"])
def test_each_field_reads_the_same_both_ways(kind, key):
    """Each field missing, mistyped, empty or out of range, with extra fields or the type last: same events, same errors."""
    _, good, special = _KINDS[kind]
    values = _TRIED + (list(special[key].elements) if key in special else [])  # type: ignore[attr-defined]
    lines = []
    for value in values:
        d = dict(good)
        if value is _MISSING:
            del d[key]
        else:
            d[key] = value
        lines += [_line(d, extra, type_last) for extra in _EXTRAS for type_last in (False, True)]
    for line in lines:
        fast, slow = _both_ways([line])
        assert fast == slow, line


@pytest.mark.parametrize("kind", sorted(_KINDS))
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fields_read_the_same_both_ways(kind, data):
    """Two fields off at a time, any values, unicode escaped or not."""
    d = _off(kind, data)
    line = _line(d, data.draw(st.sampled_from(_EXTRAS)), data.draw(st.booleans()), data.draw(st.booleans()))
    fast, slow = _both_ways([line])
    assert fast == slow


@given(text=st.text(st.characters(exclude_categories=()), max_size=6), key=st.sampled_from(["exchange", "symbol", "side", "type"]),
       ascii=st.booleans())
def test_strings_read_the_same_both_ways(text, key, ascii):
    """Any text in a string field, escaped or raw, lone surrogates and control characters too."""
    d = to_dict(EVENTS[0])
    d[key] = text
    line = json.dumps(d, separators=(",", ":"), ensure_ascii=ascii).encode("utf-8", "surrogatepass")
    fast, slow = _both_ways([line])
    assert fast == slow


@given(picks=st.lists(st.integers(0, 11), max_size=12))
def test_a_chunk_of_mixed_lines_reads_as_line_by_line(picks):
    """Bad, blank and unknown lines among good ones: the fast runs and the careful lines interleave in order."""
    pool = [dumps(ev).encode() for ev in EVENTS] + [b"", b"{not json", b'{"type":"funding_rate","ts":1}', b"  "]
    fast, slow = _both_ways([pool[i] for i in picks])
    assert fast == slow


@given(text=st.lists(st.sampled_from([b"a", b"{}", b"\r", b"\n", b" ", "\u00e9".encode()]), max_size=30).map(b"".join),
       chunk=st.integers(1, 9))
def test_lines_end_where_text_mode_ends_them(text, chunk):
    """\\n, \\r\\n and \\r, a \\r\\n split between two chunks too: the same lines, so the same line numbers."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(R, "_CHUNK", chunk)
        got = [line for lines in R._line_chunks(io.BufferedReader(io.BytesIO(text))) for line in lines]
    want = [line.removesuffix("\n") for line in io.TextIOWrapper(io.BytesIO(text), encoding="utf-8", newline=None)]
    assert [line.decode() for line in got] == want


@pytest.mark.parametrize("gz", [False, True])
def test_a_line_that_is_not_utf8_is_reported_not_mended(tmp_path, gz):
    """A corrupt byte in a symbol must not make a new symbol (U+FFFD) nor stop the read."""
    good = dumps(EVENTS[0]).encode()
    corrupt = good.replace(b"BTC", b"B\xffC")
    data = b"\n".join([good, corrupt, dumps(EVENTS[1]).encode()]) + b"\n"
    path = tmp_path / ("r.jsonl.gz" if gz else "r.jsonl")
    path.write_bytes(gzip.compress(data) if gz else data)
    seen: list[tuple[int, str]] = []
    assert list(read_events(path, on_bad_line=lambda n, why: seen.append((n, why)))) == [EVENTS[0], EVENTS[1]]
    column = corrupt.index(b"\xff") + 1
    assert seen == [(2, f"not valid UTF-8 (invalid start byte at byte {column})")]


def test_windows_and_old_mac_line_ends_read_alike(tmp_path):
    lines = [dumps(ev) for ev in EVENTS]
    for sep in ("\r\n", "\r"):
        path = tmp_path / "r.jsonl"
        path.write_bytes((sep.join(lines) + sep).encode())
        stats = ReadStats()
        assert list(read_events(path, stats=stats)) == EVENTS and stats.lines == len(EVENTS) and not stats.bad


def test_a_line_of_unicode_spaces_is_blank(tmp_path):
    """Blank is what str.strip() says, as when the file was read as text: skipped without a word."""
    path = tmp_path / "r.jsonl"
    path.write_bytes(("\u3000\u00a0\n" + dumps(EVENTS[0]) + "\n").encode())
    stats = ReadStats()
    assert list(read_events(path, stats=stats)) == [EVENTS[0]] and stats.bad == [] and stats.lines == 2


def test_deep_nesting_is_a_bad_line_not_a_crash(tmp_path):
    path = tmp_path / "r.jsonl"
    deep = '{"ts":' + "[" * 100_000 + "]" * 100_000 + ',"type":"liquidation"}'
    path.write_text(deep + "\n" + dumps(EVENTS[0]) + "\n")
    stats = ReadStats()
    assert list(read_events(path, on_bad_line=None, stats=stats)) == [EVENTS[0]]
    assert [n for n, _ in stats.bad] == [1] and stats.bad[0][1].startswith("not valid JSON")


def test_many_chunks_with_bad_lines_keep_their_numbers(tmp_path):
    """Bad lines far into a file, past many chunks, with the right numbers; nothing lost at chunk seams."""
    events = [EVENTS[i % 7] for i in range(20_000)]
    lines = [dumps(ev) for ev in events]
    bad_at = {3, 4_999, 5_000, 12_345, 19_999}
    for i in bad_at:
        lines[i] = "{torn"
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(lines) + "\n")
    stats = ReadStats()
    got = list(read_events(path, on_bad_line=None, stats=stats))
    assert got == [ev for i, ev in enumerate(events) if i not in bad_at]
    assert [n for n, _ in stats.bad] == sorted(i + 1 for i in bad_at)
    assert stats.lines == 20_000 and stats.events == len(got)


def test_cut_gzip_of_many_chunks_yields_every_line_before_the_cut(tmp_path):
    """Every line a text-mode read (the reader of old) got before the cut, and no torn line reported."""
    path = tmp_path / "cut.jsonl.gz"
    events = [EVENTS[i % 7] for i in range(20_000)]
    w = RecordingWriter(path)
    w.write_many(events)
    w.flush()
    w.write_many(events[:1000])
    w.flush()
    cut = tmp_path / "cut2.jsonl.gz"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size - 100])
    before_cut: list[str] = []
    with gzip.open(cut, "rt") as fh, pytest.raises(EOFError):
        before_cut.extend(fh)
    stats = ReadStats()
    got = list(read_events(cut, stats=stats))
    assert len(got) == len(before_cut) > 20_000
    assert got == [from_dict(json.loads(line)) for line in before_cut]
    assert stats.truncated and stats.bad == []


def test_a_file_the_fast_path_refuses_is_read_carefully_then_fast_again(tmp_path, monkeypatch):
    """A stretch of lines with a field this liqwatch does not know (a newer one's file), then ordinary ones:
    the same events either way, and the fast path, paused over the stretch, takes the ordinary lines again."""
    events = [EVENTS[i % 7] for i in range(30_000)]
    lines = [dumps(ev) for ev in events]
    lines[:5_000] = [line[:-1] + ',"order_id":"x1"}' for line in lines[:5_000]]
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(lines) + "\n")
    tried: list[bytes] = []
    real, event_of = R._fast()

    def fast(line: bytes) -> object:
        tried.append(line)
        return real(line)

    monkeypatch.setattr(R, "_fast", lambda: (fast, event_of))
    stats = ReadStats()
    assert list(read_events(path, stats=stats)) == events and stats.bad == []
    assert sum(b"order_id" in line for line in tried) < 5_000 / 4
    assert tried[-1] == lines[-1].encode()
