"""``Engine.apply_many`` (one loop, state in locals) against ``apply`` on each event.

Random streams of every kind, out of order (late liquidations, some older
than the per-base and hourly horizons), with hour crossings and gaps, applied
in random chunks: every snapshot, every hour's verdict as the clock left it,
every mood and, in the report's shape, every report view must be exactly
equal (floats included: the same additions in the same order).  The report's
totals, windows and top list are checked against a brute-force reading of the
stream.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.events import DAY_MS, HOUR_MS, Candle, FeedStatus, Liquidation, MarketCap, OpenInterest, Price, Volume
from indicators.engine import Engine
from indicators.params import IndicatorParams
from indicators.report import build_report
from indicators.windows import TOP_LIQUIDATIONS, WINDOWS

T0 = 1_700_000_000_000 - 1_700_000_000_000 % HOUR_MS
EXCHANGES = ("binance", "bybit", "okx")
SYMBOLS = ("BTC/USDT:USDT", "ETH/USDT:USDT", "ETH/USD:ETH", "PEPE/USDT:USDT")
PRICES = {"BTC/USDT:USDT": 90_000.0, "ETH/USDT:USDT": 3_000.0, "ETH/USD:ETH": 3_000.0, "PEPE/USDT:USDT": 1e-5}

# A step of the data clock: mostly seconds to minutes, sometimes hours, now and
# then a gap of days; an event may also be stamped back from the clock (late),
# by up to three days (past the engine's 48-hour per-base horizon).
step = st.one_of(
    st.integers(0, 120_000),
    st.integers(0, 1_200_000),
    st.sampled_from([HOUR_MS, HOUR_MS - 1, 2 * HOUR_MS + 1, DAY_MS, 3 * DAY_MS]),
)
lateness = st.one_of(st.just(0), st.just(0), st.just(0), st.integers(1, 3 * DAY_MS))
usd = st.one_of(st.floats(0.0, 1e8, allow_nan=False), st.sampled_from([0.0, 1e3, 5e6]))
kind = st.sampled_from(
    ["liquidation"] * 8 + ["price"] * 3 + ["candle"] * 2 + ["open_interest", "volume", "market_cap", "feed_status"]
)


@st.composite
def streams(draw, max_size=120):
    t = T0
    out = []
    for _ in range(draw(st.integers(0, max_size))):
        t += draw(step)
        ts = t - draw(lateness)
        k = draw(kind)
        ex = draw(st.sampled_from(EXCHANGES))
        sym = draw(st.sampled_from(SYMBOLS))
        p = PRICES[sym] * draw(st.floats(0.5, 1.5))
        if k == "liquidation":
            out.append(Liquidation(ts, ex, sym, draw(st.sampled_from(["long", "short"])), p, 1.0, draw(usd)))
        elif k == "price":
            out.append(Price(ts, ex, sym, p))
        elif k == "candle":
            bar = ts - ts % HOUR_MS - HOUR_MS
            tf = draw(st.sampled_from(["1h", "1h", "1h", "1m"]))
            out.append(Candle(bar, ex, sym, tf, p, p * 1.02, p * 0.97, p * draw(st.floats(0.96, 1.02)), draw(usd)))
        elif k == "open_interest":
            out.append(OpenInterest(ts, ex, sym, draw(usd)))
        elif k == "volume":
            out.append(Volume(ts, ex, draw(st.sampled_from([sym, "*"])), draw(usd)))
        elif k == "market_cap":
            out.append(MarketCap(ts, "coingecko", 3.5e12 * draw(st.floats(0.9, 1.1))))
        else:
            out.append(FeedStatus(ts, ex, draw(st.sampled_from(["live", "stale", "down"]))))
    return out


def chunks(events, cuts):
    edges = [0, *sorted(c for c in set(cuts) if 0 < c < len(events)), len(events)]
    return [events[a:b] for a, b in zip(edges, edges[1:])]


def state(e: Engine) -> tuple:
    """What either path may have changed, beyond the snapshot."""
    series = {s: (m.peak_bai, m.peak_bai_ts, m.peak_euphoria, m.peak_euphoria_ts, m.bai, m.bai_ts, m.euphoria,
                  m.price, m.price_ts, m.floor, m.ceiling, m.down.anchor, m.up.anchor, m.days, m.live)
              for s, m in e.series.items()}
    liq, hours = e.liq, e.hours
    return (e.events, e.newest_ts, e.oldest_ts, e.health.last_data, e.health._status, e.health._since, series,
            liq.count, liq.usd, liq.long_usd, liq.short_usd, liq.by_exchange, liq.top,
            hours.first_ts, hours.newest_ts, hours.bars, hours.pairs_hour, hours.hour_pairs, hours._by_base,
            hours._base_cut, hours._left,
            list(e.leverage.lvr_samples), list(e.leverage.oi_samples), list(e.leverage.liq_oi_samples))


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(events=streams(), cuts=st.lists(st.integers(0, 120), max_size=20), rolling=st.booleans(),
       batch_min=st.sampled_from([1, 2, 10**9]))
def test_apply_many_in_any_chunks_equals_apply_on_each(events, cuts, rolling, batch_min):
    """``batch_min`` 1 folds every batch in bulk where it can, 10**9 never does."""
    one, many = (Engine(IndicatorParams(), watchlist=["BTC/USDT:USDT"], rolling=rolling) for _ in range(2))
    many.batch_min = batch_min
    done = 0
    for chunk in chunks(events, cuts):
        for ev in chunk:
            one.apply(ev)
        assert many.apply_many(chunk) == len(chunk)
        done += len(chunk)
        # Snapshots between chunks, as the UI takes them (they move the windows' head too).
        assert one.snapshot() == many.snapshot()
        assert state(one) == state(many)
        if not rolling:
            assert one.report_view() == many.report_view()
    assert done == len(events)
    if events:
        late = max(ev.ts for ev in events) + 3 * HOUR_MS
        assert one.snapshot(late) == many.snapshot(late)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(events=streams(max_size=150))
def test_report_totals_windows_and_top_match_the_stream_read_by_hand(events):
    r = build_report(iter(events), IndicatorParams())
    liqs = [ev for ev in events if type(ev) is Liquidation]
    # A feed_status never moves the data clock: the span is the data's.
    data = [ev.ts for ev in events if type(ev) is not FeedStatus]
    if not data:
        assert r["start_ts"] is None and r["liquidations"]["count"] == 0
        return
    assert r["events"] == len(events)
    assert r["start_ts"] == min(data) and r["end_ts"] == max(data)
    end = r["end_ts"]
    # Sums in file order, as the collector adds them.
    long_usd = short_usd = 0.0
    by_ex: dict[str, list] = {}
    for ev in liqs:
        cur = by_ex.setdefault(ev.exchange, [0.0, 0.0, 0])
        if ev.side == "long":
            long_usd += ev.usd
            cur[0] += ev.usd
        else:
            short_usd += ev.usd
            cur[1] += ev.usd
        cur[2] += 1
    out = r["liquidations"]
    assert (out["long_usd"], out["short_usd"]) == (long_usd, short_usd)
    assert out["by_exchange"] == {ex: {"long_usd": v[0], "short_usd": v[1], "count": v[2]}
                                  for ex, v in sorted(by_ex.items())}
    for label, seconds in WINDOWS:
        inside = [ev for ev in liqs if end - seconds * 1000 < ev.ts <= end]
        lg = sh = 0.0
        for ev in inside:
            if ev.side == "long":
                lg += ev.usd
            else:
                sh += ev.usd
        assert out["windows"][label] == {"long_usd": lg, "short_usd": sh, "count": len(inside)}
    # The largest first; of equal sizes, the earliest in the file.
    order = sorted(range(len(liqs)), key=lambda i: (-liqs[i].usd, i))[:TOP_LIQUIDATIONS]
    assert [(t["ts"], t["usd"]) for t in out["top"]] == [(liqs[i].ts, liqs[i].usd) for i in order]


def test_a_busy_replay_reports_the_same_with_and_without_bulk_folding(monkeypatch):
    """Hours of the benchmark's market (300 symbols, late events, candles):
    the report folded in bulk is the one folded event by event, to the bit."""
    import json

    from bench.workload import events as busy_market

    stream = list(busy_market(40_000))
    bulk = json.dumps(build_report(iter(stream), IndicatorParams()))
    monkeypatch.setattr(Engine, "batch_min", 10**9)
    one_by_one = json.dumps(build_report(iter(stream), IndicatorParams()))
    assert bulk == one_by_one
