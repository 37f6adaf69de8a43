"""The hourly home: bars, baseline, storm verdicts, the final harvest, the hours' records."""

from __future__ import annotations

import pytest

from feeds.events import HOUR_MS, Liquidation
from indicators.batch import LiquidationBatch, PairCodes
from indicators.hourly import BASE_HOURS_KEEP, KEEP_HOURS, HourlyLiquidations, SampledBars, final_harvest, storm_of
from indicators.params import IndicatorParams

H = HOUR_MS
T0 = 1_700_000_000_000 - 1_700_000_000_000 % H
BTC = "BTC/USDT:USDT"


def liq(ts: int, usd: float, side: str = "long", ex: str = "binance", sym: str = BTC) -> Liquidation:
    return Liquidation(ts, ex, sym, side, 1.0, 1.0, usd)


def hours_of(*events: Liquidation, params: IndicatorParams | None = None) -> HourlyLiquidations:
    h = HourlyLiquidations(params or IndicatorParams())
    for ev in events:
        h.add(ev, ev.symbol.split("/")[0])
    return h


def test_bars_by_hand_and_a_late_event_bumps_the_version():
    h = hours_of(liq(T0 + 10, 100.0), liq(T0 + H, 50.0, "short", "okx"))
    v = h.version
    h.add(liq(T0 + 5, 7.0, "short", "bybit", "ETH/USDT:USDT"), "ETH")  # late, into the closed hour
    assert h.bars[T0] == [100.0, 7.0, 2]
    assert h.bars[T0 + H] == [0.0, 50.0, 1]
    assert h.version == v + 1
    h.add(liq(T0 + H + 9, 1.0), "BTC")  # the current hour: nothing closed changed
    assert h.version == v + 1
    assert (h.first_ts, h.newest_ts) == (T0 + 5, T0 + H + 9)


def test_a_closed_bar_is_cached_until_a_late_event_changes_it():
    h = hours_of(*(liq(T0 + i * H, 10.0) for i in range(10)))
    first = h.bar(T0 + 3 * H)
    assert h.bar(T0 + 3 * H) is first
    h.add(liq(T0 + 3 * H + 1, 5.0), "BTC")
    again = h.bar(T0 + 3 * H)
    assert again is not first and again.long_usd == 15.0 and again.count == 2


def test_the_baseline_counts_only_covered_hours():
    h = hours_of(*(liq(T0 + i * H, 10.0) for i in range(12)))  # 12 covered hours of $10 each
    assert h.baseline(T0 + 12 * H) == 10.0  # not a median over 12 zero hours
    assert h.baseline(T0 + 3 * H) is None  # fewer than storm_min_baseline_hours (6)
    assert hours_of(*(liq(T0 + i * H, 10.0) for i in range(4)),
                    params=IndicatorParams(storm_min_baseline_hours=3)).baseline(T0 + 4 * H) == 10.0


def test_a_storm_is_a_multiple_of_the_baseline_and_at_least_the_minimum():
    p = IndicatorParams(storm_multiple=3.0, storm_min_usd=100.0)
    quiet = [liq(T0 + i * H, 40.0) for i in range(24)]
    h = hours_of(*quiet, liq(T0 + 24 * H, 120.0), params=p)
    bar = h.bar(T0 + 24 * H)
    assert bar.storm and bar.multiple == 3.0
    h = hours_of(*quiet, liq(T0 + 24 * H, 119.0), params=p)
    assert not h.bar(T0 + 24 * H).storm  # under 3x
    small = [liq(T0 + i * H, 10.0) for i in range(24)]
    h = hours_of(*small, liq(T0 + 24 * H, 99.0), params=p)
    assert not h.bar(T0 + 24 * H).storm and h.bar(T0 + 24 * H).multiple == pytest.approx(9.9)  # under the minimum
    assert storm_of(100.0, 0.0, 3.0, 100.0) == (True, None)  # a zero baseline: the minimum decides
    assert storm_of(100.0, None, 3.0, 1.0) == (False, None)  # no baseline yet


def test_the_final_harvest_is_a_storm_while_lvr_falls():
    assert final_harvest(True, "falling")
    assert not final_harvest(True, "flat") and not final_harvest(True, "rising") and not final_harvest(True, "unknown")
    assert not final_harvest(False, "falling")


def _storm_day(p: IndicatorParams) -> HourlyLiquidations:
    """24 quiet hours of $10, then a $1,000 storm in hour 24."""
    return hours_of(*(liq(T0 + i * H, 10.0) for i in range(24)), liq(T0 + 24 * H + 1, 1000.0), params=p)


def test_verdicts_ask_the_trend_of_storm_hours_at_their_close():
    p = IndicatorParams(storm_min_usd=100.0)
    h = _storm_day(p)
    asked = []

    def trend(t: int) -> str:
        asked.append(t)
        return "falling"

    quiet = h.verdict(T0 + 5 * H, trend)
    assert (quiet.lvr_trend, quiet.final_harvest, asked) == (None, False, [])
    storm = h.verdict(T0 + 24 * H, trend)
    assert storm.bar.storm and storm.lvr_trend == "falling" and storm.final_harvest
    assert asked == [T0 + 25 * H]  # the trend as of the hour's close
    assert not h.verdict(T0 + 24 * H, lambda t: "rising").final_harvest


def test_the_hours_since_the_first_keep_the_verdict_an_old_hour_had_when_it_was_left():
    p = IndicatorParams(storm_min_usd=100.0)
    h = HourlyLiquidations(p, keep_hours=30)
    h.add(liq(T0 + 1, 10.0), "BTC")
    h.left(T0 + H, lambda t: "flat")  # hour 0 left with $10
    for i in range(1, 40):
        h.add(liq(T0 + i * H, 10.0), "BTC")
        h.left(T0 + (i + 1) * H, lambda t: "flat")
    assert T0 not in h.bars  # pruned: past the 30 hours kept
    h.add(liq(T0 + 2, 5.0), "BTC")  # too late for its bar, which is gone
    out = h.since_first(T0 + 40 * H, lambda t: "flat")
    assert [v.bar.start for v in out] == [T0 + i * H for i in range(41)]
    assert out[0].bar.long_usd == 10.0  # as it was left
    assert out[-1].bar.count == 0  # the current hour, quiet
    assert h.since_first(T0, lambda t: "flat")[0].bar.long_usd == 10.0
    assert HourlyLiquidations(p).since_first(T0, lambda t: "flat") == ()


def test_a_held_hour_is_judged_as_it_stands_not_as_it_was_left():
    h = hours_of(liq(T0 + 1, 10.0))
    h.left(T0 + H, lambda t: "flat")
    h.add(liq(T0 + H + 1, 1.0), "BTC")
    h.add(liq(T0 + 2, 5.0), "BTC")  # late, into the held hour 0
    assert h.since_first(T0 + H, lambda t: "flat")[0].bar.long_usd == 15.0


def test_extremes_are_the_peak_and_the_quiet_hour_of_the_last_day():
    p = IndicatorParams(storm_min_usd=100.0)
    h = _storm_day(p)
    assert h.extremes(T0, lambda t: "falling") is not None
    peak, quiet = h.extremes(T0 + 24 * H, lambda t: "falling")
    assert peak.bar.start == T0 + 24 * H and peak.bar.total_usd == 1000.0 and peak.final_harvest
    assert peak.bar.multiple == 100.0
    # Every other hour of the last 24 is $10: the later one wins the tie.
    assert quiet.bar.start == T0 + 23 * H and quiet.bar.total_usd == 10.0 and not quiet.final_harvest
    # A day later the storm has left the last 24 hours; quiet hours are covered zeros.
    peak, quiet = h.extremes(T0 + 49 * H, lambda t: "falling")
    assert peak.bar.start == T0 + 49 * H and peak.bar.total_usd == 0.0
    assert HourlyLiquidations(p).extremes(T0, lambda t: "flat") is None
    only_before = hours_of(liq(T0 + 5 * H, 1.0))
    assert only_before.extremes(T0, lambda t: "flat") is None  # nothing covered yet


def test_liquidations_of_a_base_for_a_closing_candle():
    h = hours_of(liq(T0 + 1, 10.0), liq(T0 + 2, 4.0, "short", "okx", "BTC/USD:BTC"),
                 liq(T0 + 3, 99.0, sym="ETH/USDT:USDT"))
    assert h.liquidations_of("BTC", T0) == (10.0, 4.0)  # both BTC contracts
    assert h.liquidations_of("SOL", T0) == (0.0, 0.0)  # covered, nothing
    assert h.liquidations_of(None, T0) == (109.0, 4.0)  # every base
    assert h.liquidations_of("BTC", T0 - H) == (None, None)  # before coverage: unknown
    h.add(liq(T0 + (BASE_HOURS_KEEP + 2) * H, 1.0), "BTC")
    assert h.liquidations_of("BTC", T0) == (None, None)  # past the per-base horizon


def test_the_bars_are_pruned_past_their_horizon():
    h = hours_of(*(liq(T0 + i * H, 1.0) for i in range(KEEP_HOURS + 10)))
    assert min(h.bars) > T0 and len(h.bars) <= KEEP_HOURS + 5


def test_warm_hours_feed_the_baseline_and_move_the_coverage():
    h = HourlyLiquidations(IndicatorParams())
    h.load({T0 + i * H + 7: (10.0, 0.0, 1) for i in range(24)})  # stamps inside the hour are its hour
    assert h.first_ts == T0 and h.bars[T0] == [10.0, 0.0, 1]
    assert h.baseline(T0 + 24 * H) == 10.0
    assert h.covers(T0) and not h.covers(T0 - 1)


def test_take_folds_a_batch_exactly_as_add_on_each():
    evs = [liq(T0 + i * 600_000, float(i) + 0.1, "long" if i % 3 else "short", ("binance", "okx")[i % 2],
               (BTC, "ETH/USDT:USDT")[i % 2 == 0 and i % 4 == 0]) for i in range(40)]
    one = hours_of(*evs)
    codes = PairCodes()
    b = LiquidationBatch.of(evs, codes, HOUR_MS)
    many = HourlyLiquidations(IndicatorParams())
    assert many.can_take(b)
    many.take(b, codes)
    assert (many.bars, many.hour_pairs, many._by_base, many.first_ts, many.newest_ts) == (
        one.bars, one.hour_pairs, one._by_base, one.first_ts, one.newest_ts)
    assert not many.can_take(LiquidationBatch.of([liq(T0, 1.0)], codes, HOUR_MS))  # back to a closed hour


def test_sampled_bars_close_an_hour_when_a_later_hour_begins():
    bars = SampledBars()
    assert bars.add(T0 + 1, 5.0) is None
    assert bars.add(T0 + 2, 7.0) is None
    assert bars.add(T0 + 3, 4.0) is None
    assert bars.add(T0 + 2 * H, 6.0) == (T0, 7.0, 4.0, 4.0)  # (open, high, low, close), a gap hour skipped
    assert bars.add(T0 + 3 * H, 1.0) == (T0 + 2 * H, 6.0, 6.0, 6.0)
