"""Bottom anxiety and height euphoria: the article's cases and the rules of docs/indicators.md."""

from __future__ import annotations

import math

import pytest

from feeds.events import Candle, Price
from indicators.anxiety import beyond_ba, round_level
from indicators.engine import Engine
from indicators.params import IndicatorParams

H = 3_600_000
DAY = 24 * H
T0 = 1_760_000_400_000 - 1_760_000_400_000 % H
SYM = "FROG/USDT:USDT"


class Feed:
    """Hourly bars into an engine, with the mood read after every step."""

    def __init__(self) -> None:
        self.engine = Engine()
        self.t = T0
        self.scores: list[float] = []

    def bar(self, o: float, h: float, lo: float, c: float) -> None:
        self.engine.apply(Candle(self.t, "binance", SYM, "1h", o, h, lo, c, 1e6))
        self.t += H
        self.scores.append(self.mood().bai)

    def price(self, p: float, offset: int = H // 2) -> None:
        self.engine.apply(Price(self.t + offset, "binance", SYM, p))
        self.scores.append(self.mood().bai)

    def mood(self, now: int | None = None):
        return self.engine.series[SYM].mood(now)

    def flat(self, hours: int, lo: float, hi: float) -> None:
        """Quiet bars well inside [lo, hi], closing in the middle."""
        mid = (lo + hi) / 2
        for _ in range(hours):
            self.bar(mid, hi, lo, mid)


def slide(f: Feed, start: float, end: float, hours: int) -> None:
    """A steady slide with a new low every few bars and small bounces between."""
    prev = start
    for i in range(1, hours + 1):
        p = start * (end / start) ** (i / hours)
        close = p * (1.012 if i % 4 == 3 else 1.0)
        f.bar(prev, max(prev, close) * 1.004, min(prev, close) * 0.996, close)
        if i % 4 == 1:
            f.price(close * 0.995)  # live prices at the lows too
        prev = close


def mature_floor(f: Feed) -> None:
    """Slide to 0.1, then hold the floor for two weeks with three tests."""
    slide(f, 10.0, 0.105, 24 * 20)
    f.bar(0.105, 0.106, 0.1, 0.103)  # the bar that sets the floor at 0.1
    for day in range(14):
        f.flat(18, 0.112, 0.125)
        if day in (3, 7, 11):  # three tests: within eps of 0.1, closing above
            f.bar(0.112, 0.113, 0.1012, 0.109)
            f.flat(5, 0.112, 0.125)
        else:
            f.flat(6, 0.112, 0.125)


def test_round_levels():
    assert round_level(0.08, 0.1) == 1.0
    assert round_level(95_000, 101_000) == 1.0
    assert round_level(0.45, 0.55) == 0.5
    assert round_level(0.21, 0.19) == 0.5
    assert round_level(0.11, 0.13) == 0.0


def test_a_slide_from_10_to_0_1_stays_calm():
    f = Feed()
    slide(f, 10.0, 0.1, 24 * 30)
    assert max(f.scores) < 20
    assert f.mood().state in ("breached", "testing", "calm")


def test_a_mature_floor_broken_scores_going_to_zero():
    f = Feed()
    mature_floor(f)
    before = f.mood()
    assert before.floor == pytest.approx(0.1) and before.touches >= 3 and before.maturity == 1.0
    assert before.bai < 20
    f.price(0.08)
    (m,) = [m for m in f.engine.snapshot().moods if m.symbol == SYM]  # as the UI reads it
    assert m.bai >= 75 and m.bai_band == "going to zero"
    assert m.state == "breached" and m.breach_pct == pytest.approx(20.0)
    assert m.round_level == 1.0 and m.floor == pytest.approx(0.1)
    assert m.floor_age_days >= 14


def test_same_drop_scores_far_higher_after_a_mature_floor():
    sliding = Feed()
    slide(sliding, 10.0, 1.0, 24 * 20)
    low = sliding.mood().floor
    sliding.price(low * 0.8)  # 20 % under the slide's latest low
    mature = Feed()
    mature_floor(mature)
    mature.price(0.08)  # 20 % under the mature floor
    assert sliding.mood().bai < 20
    assert mature.mood().bai > 4 * sliding.mood().bai


def test_a_break_over_several_bars_reaches_its_full_score_and_keeps_its_anchor():
    f = Feed()
    mature_floor(f)
    for c in (0.097, 0.093, 0.088, 0.084, 0.08):
        f.bar(c * 1.03, c * 1.035, c * 0.995, c)
    m = f.mood()
    # The lowest low of the window is now under 0.08, but the anchor stays 0.1.
    assert m.floor == pytest.approx(0.1)
    assert m.state == "breached" and m.bai >= 75
    assert m.maturity == 1.0  # every bar a new low: the broken floor's maturity holds


def test_anchor_maturity_decays_with_a_three_day_half_life_and_then_a_new_floor_forms():
    f = Feed()
    mature_floor(f)
    f.bar(0.1, 0.1, 0.085, 0.09)  # closes below the floor: the anchor episode starts
    e0 = f.mood().maturity
    f.flat(72, 0.086, 0.095)  # three days under the old floor
    m = f.mood()
    assert m.floor == pytest.approx(0.1)
    assert m.maturity == pytest.approx(e0 / 2, rel=0.03)
    # Ten more days: the anchor's maturity falls under 0.1 and is forgotten; the
    # new floor comes from the bars after the break, its age from the new low.
    f.flat(24 * 10, 0.086, 0.095)
    m = f.mood()
    assert m.floor == pytest.approx(0.085)
    assert m.floor_age_days == pytest.approx(13.0, abs=0.1)


def test_a_floor_reclaimed_and_held_for_a_day_ends_the_episode_and_keeps_its_age():
    f = Feed()
    mature_floor(f)
    f.bar(0.1, 0.1, 0.09, 0.092)
    f.bar(0.092, 0.106, 0.092, 0.105)  # closes back above 0.1: not yet holding
    assert f.mood().broke_at is not None and f.mood().floor == pytest.approx(0.1)
    f.flat(24, 0.101, 0.11)  # a day wholly above it: reclaimed
    m = f.mood()
    assert m.broke_at is None
    # The wick's low is the floor now, as old as the floor it pierced, one test more.
    assert m.floor == pytest.approx(0.09) and m.maturity == 1.0
    assert m.floor_age_days >= 14 and m.touches >= 4


def test_the_score_decays_with_a_three_day_half_life():
    f = Feed()
    mature_floor(f)
    f.price(0.08)
    peak = f.mood().bai
    f.price(0.2)  # far above the floor: nothing to fear now
    t = f.t + H // 2
    assert f.mood(t).bai == pytest.approx(peak, rel=0.01)
    assert f.mood(t + 3 * DAY).bai == pytest.approx(peak / 2, rel=0.01)
    assert f.mood(t + 6 * DAY).bai == pytest.approx(peak / 4, rel=0.01)


def test_euphoria_rises_in_a_surge_to_a_new_high_and_falls_back():
    f = Feed()
    f.flat(24 * 30, 0.98, 1.02)
    calm = f.mood().euphoria
    p = 1.0
    for _ in range(48):  # two days, tripling
        q = p * 3 ** (1 / 48)
        f.bar(p, q * 1.002, p * 0.998, q)
        p = q
    high = f.mood()
    assert calm < 20 and high.euphoria >= 75 and high.euphoria_band == "euphoric"
    assert high.extension_pct > 50
    f.flat(24 * 12, 0.98, 1.02)  # back where it came from
    assert f.mood().euphoria < 20


def test_no_candles_no_score():
    e = Engine(watchlist=[SYM])
    e.apply(Price(T0, "binance", SYM, 0.1))
    (m,) = e.snapshot().moods
    assert (m.price, m.bai, m.floor) == (0.1, 0.0, None)


def test_total_market_cap_is_a_mood_series():
    from feeds.events import MarketCap

    e = Engine()
    for i in range(24 * 3):
        e.apply(MarketCap(T0 + i * H + 1, "coingecko", 3.5e12 * (1 + 0.01 * math.sin(i / 5))))
    (m,) = [m for m in e.snapshot().moods if m.symbol == "TOTAL"]
    assert m.floor is not None and m.ceiling is not None and m.price == pytest.approx(e.cap.last.usd)
    assert IndicatorParams().validate() == {}


def test_rolling_confirmation_matches_numpy():
    import random

    import numpy as np

    from indicators.anxiety import MIN_Z_SAMPLES, RollingZ, normal_cdf

    rnd = random.Random(3)
    z = RollingZ(50)
    seen: list[float | None] = []
    for _ in range(300):
        x = None if rnd.random() < 0.2 else rnd.gauss(10, 2)
        got = z.push(x)
        seen.append(x)
        known = np.array([v for v in seen[-50:] if v is not None])
        if x is None or len(known) < MIN_Z_SAMPLES:
            assert got == 0.5
        else:
            assert got == pytest.approx(normal_cdf((x - known.mean()) / known.std()), abs=1e-9)


def test_floor_and_ceiling_are_the_extremes_of_the_window_of_completed_days():
    import random

    rnd = random.Random(5)
    f = Feed()
    bars = []
    p = 1.0
    for _ in range(24 * 200):  # the 90-day window slides for months
        o, p = p, p * math.exp(rnd.gauss(0, 0.01))
        bar = (o, max(o, p) * 1.002, min(o, p) * 0.998, p)
        bars.append((f.t, bar))
        f.bar(*bar)
    series = f.engine.series[SYM]
    today = f.t - f.t % DAY  # bars end at a day's close: the window is the 90 days before
    window = [b for t, b in bars if today - 90 * DAY <= t - t % DAY < today]
    month = [b for t, b in bars if today - 30 * DAY <= t - t % DAY < today and (t + H) % DAY == 0]
    assert series.floor.price == min(b[2] for b in window)
    assert series.ceiling.price == max(b[1] for b in window)
    assert series.mean_close == pytest.approx(sum(b[3] for b in month) / len(month))


def extension(series) -> float:
    """The extension term: min(1, ln(price / mean) / ln(1 + full)) * min(1, price / ceiling), 0 under the mean."""
    x = math.log(series.price) - math.log(series.mean_close)
    full = math.log1p(series.p.euphoria_full_extension)
    return min(1.0, max(0.0, x) / full) * min(1.0, series.price / series.ceiling.price)


@pytest.mark.parametrize("seed", range(4))  # each of them also breaks an anchored floor
def test_the_tick_scores_are_the_explained_scores(seed):
    """A price tick computes BA and euphoria alone (``_update``: ``live``); the mood
    explains them with the full evaluation.  Both must give the same numbers,
    through slides, breaks of mature floors (anchors), tests and breakouts."""
    import random

    rnd = random.Random(seed)
    f = Feed()
    series = None
    seen = set()
    p = 1.0
    for i in range(24 * 60):
        drift = -0.004 if (i // 200) % 3 == 1 else 0.0015  # calm climbs, then slides
        o, p = p, p * math.exp(rnd.gauss(drift, 0.012) + (-0.12 if rnd.random() < 0.004 else 0.0))
        f.bar(o, max(o, p) * 1.004, min(o, p) * 0.996, p)
        series = series or f.engine.series[SYM]
        for _ in range(rnd.randint(0, 3)):
            f.price(p * math.exp(rnd.gauss(0, 0.03)), offset=rnd.randint(1, H - 1))
            if not series.days:
                continue
            down, up = series._evaluate(series._at)
            assert series.live == (down.ba, max(up.ba, extension(series)))
            seen.add(down.state)
            if down.broke_at is not None:
                seen.add("anchored")
            if up.state == "breached" and up.ba > 0:
                seen.add("breakout")
    assert {"breached", "testing", "calm", "anchored", "breakout"} <= seen


def test_pain_is_capped_before_its_power_so_extreme_params_cannot_overflow() -> None:
    """``config check`` accepts bai_full_breach down to just above 0 and an
    exponent up to 10 (Hypothesis found 4.9e-137): pain is then 1, not an
    OverflowError."""
    p = IndicatorParams(bai_full_breach=4.9e-137, bai_pain_exponent=10.0)
    assert beyond_ba(0.2, 1.0, 0.0, 0.0, p) == beyond_ba(0.2, 1.0, 0.0, 0.0, IndicatorParams(bai_full_breach=0.1))
