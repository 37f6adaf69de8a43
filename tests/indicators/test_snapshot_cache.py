"""The snapshot's caches: what an event changes shows in the next snapshot,
and what it does not change is handed out again as the very same object.

Each cache is checked both ways: after an event that changes its part, the
part is new and right (compared with a fresh computation); after one that does
not, the part is the previous snapshot's object (or, at least, equal to it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from statistics import median

from hypothesis import given
from hypothesis import strategies as st

from feeds.events import Candle, Liquidation, Price
from indicators.engine import Engine
from indicators.leverage import MIN_TREND_SAMPLES, Leverage
from indicators.params import IndicatorParams
from indicators.windows import LiquidationWindows

H = 3_600_000
T0 = 1_700_000_000_000 - 1_700_000_000_000 % H


def _bars(e: Engine, symbol: str, n: int, low: float) -> None:
    for i in range(n):
        e.apply(Candle(T0 + i * H, "binance", symbol, "1h", 1.0, 1.05, low + 0.001 * i, 1.0, 1e6))


def _moods_engine() -> Engine:
    e = Engine(watchlist=["W/USDT:USDT"])
    _bars(e, "A/USDT:USDT", 48, 0.95)
    _bars(e, "B/USDT:USDT", 48, 0.95)
    e.apply(Price(T0 + 48 * H, "okx", "P/USDT:USDT", 2.0))  # a price, no bars yet
    return e


def test_moods_unchanged_are_the_same_tuple():
    e = _moods_engine()
    first = e.snapshot().moods
    assert e.snapshot().moods is first
    e.apply(Liquidation(T0 + 48 * H + 5, "binance", "A/USDT:USDT", "long", 1.0, 1.0, 10.0))
    assert e.snapshot().moods is first  # a liquidation moves no mood
    assert [m.symbol for m in first][-2:] == ["P/USDT:USDT", "W/USDT:USDT"]


def test_a_price_tick_reorders_the_moods():
    e = _moods_engine()
    before = e.snapshot().moods
    assert before[0].bai == before[1].bai and before[0].symbol == "A/USDT:USDT"  # a tie: by symbol
    e.apply(Price(T0 + 48 * H + 10, "binance", "B/USDT:USDT", 0.9))  # B breaks its floor
    after = e.snapshot().moods
    assert after is not before
    assert after[0].symbol == "B/USDT:USDT" and after[0].bai > 0 and after[0].price == 0.9
    assert after == tuple(sorted(after, key=lambda m: (-m.bai, m.symbol)))
    assert after[1] is before[0]  # A's mood did not change: the same object


def test_a_price_only_symbol_shows_its_new_price():
    e = _moods_engine()
    (p,) = [m for m in e.snapshot().moods if m.symbol == "P/USDT:USDT"]
    assert p.price == 2.0
    e.apply(Price(T0 + 48 * H + 20, "okx", "P/USDT:USDT", 2.5))
    (p,) = [m for m in e.snapshot().moods if m.symbol == "P/USDT:USDT"]
    assert p.price == 2.5


def _liq(ts: int, usd: float) -> Liquidation:
    return Liquidation(ts, "binance", "BTC/USDT:USDT", "long", 1.0, 1.0, usd)


def _hourly_engine() -> Engine:
    e = Engine()
    for i in range(30):
        e.apply(_liq(T0 + i * H + 60_000, 1000.0 + i))
    return e


def test_hourly_bars_kept_until_an_event_changes_them():
    e = _hourly_engine()
    now_h = T0 + 29 * H
    first = e.snapshot().liquidations.hourly
    assert first[-1].start == now_h and first[-1].long_usd == 1029.0
    assert e.snapshot().liquidations.hourly is first
    # In the current hour: its bar is new, the closed ones are the same objects.
    e.apply(_liq(now_h + 120_000, 5.0))
    second = e.snapshot().liquidations.hourly
    assert second[-1].long_usd == 1034.0 and second[-1].count == 2
    assert all(a is b for a, b in zip(first[:-1], second[:-1]))
    # Late, into a closed hour: that bar and the current baseline see it.
    e.apply(_liq(T0 + 10 * H + 5, 1e6))  # below the baseline's median, now above it
    third = e.snapshot().liquidations.hourly
    assert third[-20].start == T0 + 10 * H and third[-20].long_usd == 1e6 + 1010.0
    assert third[-1] == e.hours.bar(now_h)  # the same verdict as a fresh computation
    assert third[-1].multiple != second[-1].multiple  # the baseline moved with the late hour
    # The next hour: the bars shift by one.
    e.apply(_liq(now_h + H + 1, 7.0))
    fourth = e.snapshot().liquidations.hourly
    assert fourth[-1].start == now_h + H and fourth[-2].start == now_h and fourth[-2].long_usd == 1034.0


def test_hourly_bars_at_a_clock_past_the_newest_liquidation():
    e = _hourly_engine()
    later = T0 + 31 * H + 1
    bars = e.snapshot(later).liquidations.hourly
    assert bars[-1].start == T0 + 31 * H and bars[-1].count == 0
    assert bars[-3].long_usd == 1029.0
    assert bars == tuple(e.hours.bar(T0 + 31 * H - i * H) for i in range(47, -1, -1))


# -- the windows' per-exchange / per-symbol copies, patched from query to query

SMALL = (("5s", 5), ("20s", 20), ("60s", 60))  # short windows: every edge is near
SLACK = 30
EXCHANGES = ("binance", "bybit", "okx")
SYMBOLS = ("BTC/USDT:USDT", "ETH/USDT:USDT", "PEPE/USDT:USDT", "SOL/USDT:USDT")

# ("add", ms after the clock or before it: a straggler, a late one past the
# tail, one behind every window, exchange, symbol, side, usd) or ("query", ms).
_op = st.one_of(
    st.tuples(st.just("add"), st.one_of(st.integers(0, 3_000), st.integers(-3_000, 0), st.integers(-40_000, 0),
                                        st.integers(-200_000, 0)),
              st.sampled_from(EXCHANGES), st.sampled_from(SYMBOLS), st.sampled_from(("long", "short")),
              st.integers(1, 10**6).map(float)),
    st.tuples(st.just("query"),
              st.one_of(st.integers(0, 4_000), st.integers(0, 400_000), st.integers(-SLACK * 1000, 0))),
)


def _expected(events, t_ms, seconds):
    ex: dict = {}
    sym: dict = {}
    for e in events:
        if t_ms - seconds * 1000 < e.ts <= t_ms:
            for m, k in ((ex, e.exchange), (sym, e.symbol)):
                lg, sh = m.get(k, (0.0, 0.0))
                m[k] = (lg + e.usd, sh) if e.side == "long" else (lg, sh + e.usd)
    return ex, sym


@given(ops=st.lists(_op, max_size=120))
def test_window_copies_follow_every_event_and_stay_as_handed_out(ops):
    """Each query's splits equal a brute force over the events; what an
    earlier query returned is never changed by later events and queries."""
    w = LiquidationWindows(SMALL, slack_seconds=SLACK)
    clock = T0
    events: list[Liquidation] = []
    handed_out = []  # (the dicts as returned, a copy made at once)
    for op in ops:
        if op[0] == "add":
            _, dt, ex, sym, side, usd = op
            ev = Liquidation(clock + dt, ex, sym, side, 1.0, 1.0, usd)
            clock = max(clock, ev.ts)
            w.add(ev)
            events.append(ev)
            continue
        newest = max((e.ts for e in events), default=clock)
        t_ms = -(-max(clock + op[1], T0) // 1000) * 1000
        if op[1] >= 0:
            clock = max(clock, t_ms)
        views = w.views(t_ms)
        if w.head is not None and t_ms < w.head * 1000:
            t_ms = max(t_ms, (w.head - SLACK) * 1000)  # behind the head: answered within the slack
        for v, (_label, seconds) in zip(views, SMALL):
            assert (v.by_exchange, v.by_symbol) == _expected(events, t_ms, seconds), (v.label, newest)
            handed_out.append(((v.by_exchange, v.by_symbol), (dict(v.by_exchange), dict(v.by_symbol))))
    for (by_ex, by_sym), (ex_copy, sym_copy) in handed_out:
        assert by_ex == ex_copy and by_sym == sym_copy


def test_window_copies_unchanged_are_the_same_objects():
    w = LiquidationWindows(SMALL, slack_seconds=SLACK)
    w.add(Liquidation(T0 + 500, "binance", "BTC/USDT:USDT", "long", 1.0, 1.0, 10.0))
    w.add(Liquidation(T0 + 900, "okx", "ETH/USDT:USDT", "short", 1.0, 1.0, 20.0))
    first = w.views(T0 + 1000)
    again = w.views(T0 + 1000)
    assert all(a.by_symbol is b.by_symbol and a.by_exchange is b.by_exchange for a, b in zip(first, again))
    w.add(Liquidation(T0 + 1500, "okx", "ETH/USDT:USDT", "short", 1.0, 1.0, 5.0))
    later = w.views(T0 + 2000)
    assert all(v.by_symbol == {"BTC/USDT:USDT": (10.0, 0.0), "ETH/USDT:USDT": (0.0, 25.0)} for v in later)
    assert all(v.by_symbol is not a.by_symbol for v, a in zip(later, first))
    assert first[0].by_symbol == {"BTC/USDT:USDT": (10.0, 0.0), "ETH/USDT:USDT": (0.0, 20.0)}  # as handed out
    gone = w.views(T0 + 7000)  # the 5 s window lost both seconds, the others kept them
    assert gone[0].by_symbol == {} and gone[0].by_exchange == {}
    assert gone[1].by_symbol is later[1].by_symbol


def test_the_snapshot_lvr_does_not_depend_on_the_hash_seed():
    """Three venues whose sum depends on its order (1e16 + 1 + 1): the
    snapshot's LVR sums whole venues in a fixed order, whatever the seed."""
    code = (
        "from indicators.leverage import lvr\n"
        "by_ex = {'binance': (1e16, 0.0), 'bybit': (1.0, 0.0), 'okx': (1.0, 0.0)}\n"
        "vol = {('okx', '*'): 1e9, ('bybit', '*'): 1e9, ('binance', '*'): 1e9}\n"
        "print(lvr({}, vol, by_exchange=by_ex).hex())\n"
    )
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in range(6)}
    assert len(outs) == 1


# -- the LVR trend: bisected spans and a numpy peak search, the same figures

DAY = 86_400_000


def _reference_trend(samples_in, t, p):
    """Leverage.trend as first written: filters and a Python loop."""
    samples = [s for s in samples_in if s[0] <= t]
    if len(samples) < 2 * MIN_TREND_SAMPLES:
        return "unknown", None, None, None, None
    span = p.lvr_median_days * DAY
    lag = p.lvr_trend_days * DAY
    covered = t - samples[0][0] + H
    if covered < span + lag:
        span = lag = covered / 2
    now_vals = [v for ts, v in samples if t - span < ts <= t]
    then_vals = [v for ts, v in samples if t - lag - span < ts <= t - lag]
    if len(now_vals) < MIN_TREND_SAMPLES or len(then_vals) < MIN_TREND_SAMPLES:
        return "unknown", None, None, None, None
    now_m, then_m = median(now_vals), median(then_vals)
    tol = p.lvr_flat_tolerance
    word = "falling" if now_m < then_m * (1 - tol) else "rising" if now_m > then_m * (1 + tol) else "flat"
    since = None
    if word == "falling":
        recent = [(ts, v) for ts, v in samples if ts > t - p.lvr_peak_days * DAY]
        if len(recent) >= 24:
            total = sum(v for _, v in recent[:24])
            best, since = total, recent[23][0]
            for i in range(24, len(recent)):
                total += recent[i][1] - recent[i - 24][1]
                if total >= best:
                    best, since = total, recent[i][0]
    return word, now_m, then_m, since, lag / DAY


def _lvr_value(rnd, i: int, n: int, step: bool, odd: bool) -> float:
    """Falling samples: a drift down, or a step down in small integers (equal
    24-hour sums, so equal peaks, are common)."""
    if odd and rnd.random() < 0.02:
        return rnd.choice((float("nan"), float("inf")))
    if step:
        return float(rnd.randint(0, 3) + (6 if i < n // 2 else 0))
    return rnd.uniform(0, 1e4) * 0.99 ** i


@given(
    n=st.integers(0, 400),
    rnd=st.randoms(use_true_random=False),
    step=st.booleans(),
    odd=st.booleans(),
    shuffle=st.booleans(),
    twice=st.booleans(),
    t_off=st.one_of(st.integers(-30, 30).map(lambda k: k * H), st.integers(-30 * H, 30 * H)),
    days=st.sampled_from([(7.0, 7.0, 30.0), (2.0, 3.0, 5.0), (1.5, 0.7, 2.25)]),
    jitter=st.sampled_from([0, 1, H // 2]),
)
def test_trend_matches_the_first_formulation(n, rnd, step, odd, shuffle, twice, t_off, days, jitter):
    """Any samples, in or out of time order, ties, NaN and inf, at any clock
    (on the hour: span edges on a sample): the very same figures."""
    p = IndicatorParams(lvr_median_days=days[0], lvr_trend_days=days[1], lvr_peak_days=days[2])
    samples = [(T0 + i * H + (i % 3) * jitter, _lvr_value(rnd, i, n, step, odd)) for i in range(n)]
    if twice and samples:
        samples.insert(len(samples) // 2, samples[len(samples) // 2])  # a repeated hour
    if shuffle and len(samples) > 3:
        samples[1], samples[-2] = samples[-2], samples[1]  # out of time order
    lev = Leverage(p)
    lev.load_samples(samples, [])
    t = T0 + n * H + t_off
    got, want = lev.trend(t), _reference_trend(list(lev.lvr_samples), t, p)
    assert repr(got) == repr(want)  # repr: NaN medians compare equal too
