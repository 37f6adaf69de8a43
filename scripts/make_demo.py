"""Generate the bundled demo recording: the article's story as synthetic data.

Run ``python scripts/make_demo.py`` from the repository root.  It writes
``feeds/data/demo.jsonl.gz`` (the recording ``liqwatch --demo`` and
``liqwatch report --demo`` play) and ``feeds/data/demo.json`` (metadata and the
generator's own ground truth, which the tests compare with the file and with
the report).  The output is a pure function of the seed: the gzip header has
mtime 0 and no file name, so two runs write byte-identical files and a test
can regenerate the recording and compare.

The story (all times UTC), from reference/article.txt:

* 2025-10-03: the recording starts.  Background liquidations are sparse
  (a dozen large events an hour, to keep the file small) but carry realistic
  hourly USD totals.
* 2025-10-10 20:00 - 10-11 04:00: a crash with billions liquidated; the
  liquidations per unit of trading volume (LVR) peak on 2025-10-11.  From
  there liquidations decay faster than volume, so LVR keeps falling
  ("liquidation volume continuously decreasing under equivalent trading
  volume after October 11").
* Day D = 2025-11-04.  The evening before (11-03 15:00 on) is busy at
  $40-50M an hour, so the "$100M in one hour" early on D (05:00-06:00) is
  not a storm by the rule (>= 3x the median of the previous 24 hours);
  the rest of D is quiet (~$15M/h) until the "$600M in one hour" at
  21:00-22:00, which is.  D totals about $1.2B, a spike on a falling LVR
  trend: the "final harvest".  Open interest drops more than 10 % in 24 h.
* FROG/USDT:USDT (synthetic) slid from 10 to 0.1 by 10-20, held a floor at
  0.1 for two weeks with three tests, and breaks to 0.08 in the storm hour.
  ZEC/USDT:USDT surged about ten-fold to a new high two days before D.
* The total market cap oscillates inside $3.2T-$3.8T and ends near $3.5T.
* The recording ends at D+1 02:00:00.500 with a last small liquidation,
  the file's last line, so "as of the end" windows (ts in (end - W, end])
  are the same for every reader.

Lines are in arrival order: by ts, except that a closed hourly candle
(``ts`` = bar open) comes when its bar closes, at ts + 1 h, as in a
recording made live.

Volume events carry the venue total only (symbol ``*``): one per venue, hourly
in the background and every 5 minutes in the detailed part (from D-1 12:00).
"""

from __future__ import annotations

import gzip
import json
import math
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from feeds.events import (  # noqa: E402
    LONG,
    SHORT,
    Candle,
    Event,
    FeedStatus,
    Liquidation,
    MarketCap,
    OpenInterest,
    Price,
    Volume,
)
from feeds.recording import dumps  # noqa: E402

SEED = 20251104
GENERATOR_VERSION = 2
DATA_DIR = ROOT / "feeds" / "data"
RECORDING_NAME = "demo.jsonl.gz"
META_NAME = "demo.json"

MINUTE = 60_000
HOUR = 60 * MINUTE
DAY_MS = 24 * HOUR


def _ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=timezone.utc).timestamp() * 1000)


# --- the timeline ----------------------------------------------------------
START = _ms(2025, 10, 3)
CRASH = _ms(2025, 10, 10, 20)  # first crash hour
CRASH_END = CRASH + 8 * HOUR  # decay of the background starts here
DAY = _ms(2025, 11, 4)  # story day D
STORY_START = DAY - 12 * HOUR  # detailed part: D-1 12:00 .. D+1 02:00
HOUR_100M = DAY + 5 * HOUR
HOUR_600M = DAY + 21 * HOUR
END = DAY + 26 * HOUR  # exclusive: D+1 02:00
END_TS = END + 500  # the last liquidation, and the last line: after the last bar closes
INSTANT_UNTIL = HOUR_600M - 2 * HOUR
N_HOURS = (END - START) // HOUR
N_MIN = (END - START) // MINUTE

EXCHANGES = ("binance", "bybit", "okx")
EXCHANGE_SHARE = np.array([0.46, 0.32, 0.22])

# Hourly USD totals of the detailed part, in $M, from D-1 12:00 on.  Every
# hour of the evening before stays under the $50M storm minimum; D 00-04 and
# the evening make the median of the 24 hours before 05:00 about $41M, so the
# $100M hour is only 2.4x it; D 06-20 are quiet so the $600M hour is ~33x.
STORY_HOURLY_M = (
    [14, 18, 26]  # D-1 12..14
    + [44, 47, 45, 48, 46, 48, 44, 47, 45]  # D-1 15..23
    + [46, 44, 42, 41, 40]  # D 00..04
    + [100]  # D 05
    + [22, 19, 17, 16, 14, 13, 15, 14, 13, 12, 14, 13, 15, 16, 19]  # D 06..20
    + [600]  # D 21
    + [40, 25]  # D 22..23
    + [45, 45]  # D+1 00..01
)
# Share of long liquidations per story hour: a sell-off, longs dominate.
STORY_LONG_SHARE = [0.62, 0.66, 0.7] + [0.74] * 9 + [0.76] * 5 + [0.86] + [0.66] * 15 + [0.9] + [0.7, 0.6, 0.55, 0.55]

# Crash of 10-10/10-11: USD totals ($M) and volume multipliers per hour.
CRASH_HOURLY_M = [250, 1600, 1100, 450, 300, 180, 120, 90]
CRASH_VOLUME_X = [3.0, 6.0, 5.0, 3.5, 3.0, 2.5, 2.0, 1.8]


@dataclass(frozen=True)
class Coin:
    """A perpetual: its price at the end, its beta to the market, its noise."""

    symbol: str
    end_price: float
    beta: float
    vol: float  # stationary std of the idiosyncratic log noise
    weight: float  # share of liquidation events
    max_usd: float = 3e6  # largest single liquidation: order-book depth bounds it


COINS = (
    Coin("BTC/USDT:USDT", 100_200, 1.0, 0.0, 0.26, 60e6),
    Coin("ETH/USDT:USDT", 3_310, 1.2, 0.02, 0.2, 40e6),
    Coin("SOL/USDT:USDT", 156, 1.4, 0.03, 0.08, 12e6),
    Coin("XRP/USDT:USDT", 2.26, 1.2, 0.03, 0.05, 10e6),
    Coin("BNB/USDT:USDT", 952, 0.9, 0.025, 0.03, 6e6),
    Coin("DOGE/USDT:USDT", 0.1652, 1.5, 0.035, 0.05, 8e6),
    Coin("ADA/USDT:USDT", 0.532, 1.4, 0.035, 0.02),
    Coin("AVAX/USDT:USDT", 16.55, 1.5, 0.04, 0.02),
    Coin("LINK/USDT:USDT", 14.82, 1.4, 0.035, 0.02, 5e6),
    Coin("LTC/USDT:USDT", 92.4, 1.1, 0.03, 0.015),
    Coin("DOT/USDT:USDT", 2.75, 1.4, 0.04, 0.01),
    Coin("SUI/USDT:USDT", 2.05, 1.6, 0.045, 0.025, 5e6),
    Coin("TRX/USDT:USDT", 0.2853, 0.5, 0.015, 0.01),
    Coin("TON/USDT:USDT", 1.95, 1.0, 0.035, 0.01),
    Coin("NEAR/USDT:USDT", 2.21, 1.5, 0.045, 0.01),
    Coin("APT/USDT:USDT", 3.12, 1.5, 0.045, 0.01),
    Coin("ARB/USDT:USDT", 0.2712, 1.6, 0.045, 0.01),
    Coin("OP/USDT:USDT", 0.4105, 1.6, 0.045, 0.01),
    Coin("WIF/USDT:USDT", 0.4412, 1.9, 0.06, 0.015),
    Coin("HYPE/USDT:USDT", 39.6, 1.3, 0.05, 0.03, 8e6),
    Coin("ENA/USDT:USDT", 0.3705, 1.7, 0.05, 0.015),
    Coin("TIA/USDT:USDT", 0.781, 1.7, 0.05, 0.01),
    Coin("FIL/USDT:USDT", 1.752, 1.4, 0.04, 0.01),
    Coin("ZEC/USDT:USDT", 0.0, 0.0, 0.0, 0.025, 5e6),  # path from _zec_path
    Coin("FROG/USDT:USDT", 0.0, 0.0, 0.0, 0.01, 0.6e6),  # path from _frog_path
)
SYMBOLS = tuple(c.symbol for c in COINS)
FROG = "FROG/USDT:USDT"
ZEC = "ZEC/USDT:USDT"
CANDLE_SYMBOLS = ("BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT", ZEC, FROG)

# FROG's floor and its three tests (bar open times, and the low of each).
FROG_FLOOR = 0.1
FROG_BOTTOM = _ms(2025, 10, 20, 12)
FROG_TESTS = ((_ms(2025, 10, 25, 14), 0.1008), (_ms(2025, 10, 29, 3), 0.1013), (_ms(2025, 11, 1, 19), 0.1005))
FROG_BREAK_LOW = 0.0785
FROG_BREAK_CLOSE = 0.0805

# The market: BTC-like anchor prices; every coin moves with it times its beta.
MARKET_ANCHORS = (
    (START, 120_000),
    (_ms(2025, 10, 6, 12), 125_500),
    (CRASH, 121_500),
    (CRASH + 2 * HOUR, 108_000),
    (CRASH + 7 * HOUR, 111_500),
    (_ms(2025, 10, 14), 111_000),
    (_ms(2025, 10, 17, 12), 106_500),
    (_ms(2025, 10, 21), 109_000),
    (_ms(2025, 10, 27), 115_000),
    (_ms(2025, 10, 29), 112_500),
    (_ms(2025, 11, 1), 110_000),
    (_ms(2025, 11, 3), 108_000),
    (_ms(2025, 11, 3, 15), 106_500),
    (HOUR_100M, 105_500),
    (HOUR_100M + HOUR, 103_800),
    (HOUR_600M, 102_800),
    (HOUR_600M + HOUR, 99_200),
    (END, 100_200),
)
ZEC_ANCHORS = (
    (START, 75.0),
    (_ms(2025, 10, 12), 70.0),
    (_ms(2025, 10, 20), 120.0),
    (_ms(2025, 10, 27), 250.0),
    (_ms(2025, 10, 31), 350.0),
    (_ms(2025, 11, 2, 12), 720.0),
    (_ms(2025, 11, 3), 610.0),
    (HOUR_600M, 545.0),
    (HOUR_600M + HOUR, 478.0),
    (END, 500.0),
)

# Venue totals: daily quote volume ($) at volume factor 1.
VENUE_DAILY_VOLUME = {"binance": 62e9, "bybit": 26e9, "okx": 19e9}
# Open interest at the end ($, binance); bybit and okx are fractions of it.
OI_END = {
    "BTC/USDT:USDT": 8.5e9,
    "ETH/USDT:USDT": 6.0e9,
    "SOL/USDT:USDT": 1.6e9,
    "XRP/USDT:USDT": 0.9e9,
    "BNB/USDT:USDT": 0.6e9,
    "DOGE/USDT:USDT": 0.8e9,
    "ADA/USDT:USDT": 0.35e9,
    "LINK/USDT:USDT": 0.4e9,
    "HYPE/USDT:USDT": 0.7e9,
    "SUI/USDT:USDT": 0.35e9,
}
OI_VENUE_SHARE = {"binance": 1.0, "bybit": 0.65, "okx": 0.45}
# Leverage left in the market (contracts, relative): builds up, is flushed
# in the crash, rebuilds partly, and is flushed again on D.
LEVERAGE_ANCHORS = (
    (START, 1.0),
    (CRASH, 1.06),
    (CRASH_END, 0.72),
    (STORY_START, 0.86),
    (HOUR_100M, 0.84),
    (HOUR_100M + HOUR, 0.81),
    (HOUR_600M, 0.8),
    (HOUR_600M + HOUR, 0.7),
    (END, 0.69),
)
CANDLE_HOURLY_VOLUME = {"BTC/USDT:USDT": 0.9e9, "ETH/USDT:USDT": 0.7e9, "SOL/USDT:USDT": 0.18e9}


# --- small numeric helpers ------------------------------------------------


def _sig(x: float, digits: int) -> float:
    """Round to significant digits, as a venue's tick would (and it keeps the file small)."""
    return float(f"{x:.{digits}g}")


def _minute_times() -> np.ndarray:
    """Times (ms) of the minute grid points START, START+1m, ..., END."""
    return START + MINUTE * np.arange(N_MIN + 1, dtype=np.int64)


def _interp_log(anchors: Sequence[tuple[int, float]], t: np.ndarray) -> np.ndarray:
    """Log-linear interpolation through (ts, value) anchors."""
    xs = np.array([a[0] for a in anchors], dtype=float)
    ys = np.log(np.array([a[1] for a in anchors], dtype=float))
    return np.interp(t.astype(float), xs, ys)


def _ou(rng: np.random.Generator, n: int, k: int, std: float, tau_min: float) -> np.ndarray:
    """``k`` Ornstein-Uhlenbeck paths of ``n`` minutes with stationary ``std``.

    Mean-reverting noise keeps each coin near its designed path (the story
    needs the anchors to hold) while still giving realistic wiggles.
    """
    phi = math.exp(-1.0 / tau_min)
    step = std * math.sqrt(1 - phi * phi)
    eps = rng.standard_normal((n, k)) * step
    out = np.empty((n, k))
    x = rng.standard_normal(k) * std
    for i in range(n):
        x = phi * x + eps[i]
        out[i] = x
    return out


# --- prices ----------------------------------------------------------------


def market_log(rng: np.random.Generator) -> np.ndarray:
    """The market's log price on the minute grid: anchors plus common noise, pinned at the end."""
    t = _minute_times()
    noise = _ou(rng, len(t), 1, 0.012, 600.0)[:, 0]
    noise -= noise[-1] * np.linspace(0.0, 1.0, len(t))  # end exactly on the last anchor
    return _interp_log(MARKET_ANCHORS, t) + noise


def coin_paths(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Price paths on the minute grid for every coin."""
    t = _minute_times()
    m = market_log(rng)
    m_rel = m - m[-1]
    regular = [c for c in COINS if c.end_price > 0]
    idio = _ou(rng, len(t), len(regular), 1.0, 240.0)
    paths: dict[str, np.ndarray] = {}
    for j, c in enumerate(regular):
        own = idio[:, j] * c.vol
        own = own - own[-1]
        paths[c.symbol] = c.end_price * np.exp(c.beta * m_rel + own)
    paths[ZEC] = _zec_path(rng, t)
    paths[FROG] = _frog_path(rng, t)
    return paths


def _zec_path(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """ZEC: quiet, then a ten-fold surge to a new high on 11-02, then the storm's pull-back.

    The peak anchor is 18 % above every other one and the noise is 3.5 %,
    so the 30-day high lands within hours of the designed peak.
    """
    noise = _ou(rng, len(t), 1, 0.035, 300.0)[:, 0]
    noise -= noise[-1] * np.linspace(0.0, 1.0, len(t))
    return np.exp(_interp_log(ZEC_ANCHORS, t) + noise)


def _frog_path(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """FROG: 10 -> 0.1 with new lows every few bars, a floor at 0.1 tested three times, a break to 0.08.

    The path is shaped by clipping, not by luck: during the slide it stays
    above the floor until the bottom bar touches exactly 0.1; during the
    floor every bar's low stays 4.5 % above 0.1 except the three test bars,
    whose lows come within 1.5 % and which close above it; the storm hour
    drops to 0.0785 and closes at 0.0805.
    """
    n = len(t)
    logf = math.log(FROG_FLOOR)
    bottom = int((FROG_BOTTOM - START) // MINUTE) + 30
    brk = int((HOUR_600M - START) // MINUTE)
    out = np.empty(n)

    # The slide: log-linear trend with fast noise, bridged to 0 at both ends.
    slide = np.arange(bottom + 1)
    noise = _ou(rng, bottom + 1, 1, 0.05, 180.0)[:, 0]
    noise -= noise[0] + (noise[-1] - noise[0]) * slide / bottom
    trend = math.log(10.0) + (logf - math.log(10.0)) * slide / bottom
    out[: bottom + 1] = np.maximum(trend + noise, logf + 0.025)
    tail = 90  # the last 90 minutes descend straight into the floor
    out[bottom - tail : bottom + 1] = np.linspace(out[bottom - tail], logf, tail + 1)
    out[0] = math.log(10.0)

    # The floor: oscillation above 0.1045.  Before each test the price sags
    # to ~0.1065 over a few hours, then one bar wicks to the test low and
    # closes back up (a test is an approach and a bounce, not a lone spike,
    # so the test bar does not inflate ATR and make its neighbours touches).
    floor = np.arange(bottom + 1, brk + 1)
    idx = np.arange(len(floor))
    base = math.log(0.113) + _ou(rng, len(floor), 1, 0.03, 600.0)[:, 0]
    rebound = np.minimum(1.0, (floor - bottom) / 240.0)  # climb off the bottom over 4 h
    seg = logf + 0.0445 + (base - logf - 0.0445) * rebound
    sag_to = brk - 16 * 60 - (bottom + 1)  # the day's sell-off pulls it to the edge of the floor
    w = 0.85 * np.clip((idx - sag_to) / (16 * 60), 0.0, 1.0)  # keep some of the wiggle
    seg = (1 - w) * seg + w * math.log(0.1058)
    for bar, _ in FROG_TESTS:
        centre = int((bar - START) // MINUTE) + 30 - (bottom + 1)
        w = 0.85 * np.clip(1.0 - np.abs(idx - centre) / 360.0, 0.0, 1.0)
        seg = (1 - w) * seg + w * math.log(0.1065)
    seg = np.maximum(seg, math.log(0.1045))
    for bar, low in FROG_TESTS:
        centre = int((bar - START) // MINUTE) + 30 - (bottom + 1)
        w = np.clip(1.0 - np.abs(idx - centre) / 28.0, 0.0, 1.0)
        seg = (1 - w) * seg + w * math.log(low)
    out[bottom + 1 : brk + 1] = seg

    # The break in the storm hour, then a numb drift around 0.081.
    drop = np.arange(brk, brk + 39)
    out[drop] = np.linspace(out[brk], math.log(FROG_BREAK_LOW), len(drop))
    out[brk + 38 : brk + 61] = np.linspace(math.log(FROG_BREAK_LOW), math.log(FROG_BREAK_CLOSE), 23)
    after = n - (brk + 61)
    if after > 0:
        drift = math.log(0.0815) + _ou(rng, after, 1, 0.01, 120.0)[:, 0]
        out[brk + 61 :] = np.clip(drift, math.log(0.0787), math.log(0.085))
    return np.exp(out)


# --- liquidations ----------------------------------------------------------


def hourly_liquidation_usd(rng: np.random.Generator) -> np.ndarray:
    """USD liquidated in each hour of the recording (the story's skeleton).

    Background: ~$480M/day before the crash, the crash hours, then a decay
    from ~$1.2B/day towards $150M/day (faster than volume: LVR falls).
    Hour-to-hour noise is capped at 2x the daily level, so no background
    hour after the crash is a storm by the rule.
    """
    hours = START + HOUR * np.arange(N_HOURS, dtype=np.int64)
    out = np.zeros(N_HOURS)
    noise = np.clip(rng.lognormal(0.0, 0.35, N_HOURS), 0.4, 2.0)
    for i, h in enumerate(hours):
        if h < CRASH:
            daily = 480e6
        elif h < CRASH_END:
            out[i] = CRASH_HOURLY_M[(h - CRASH) // HOUR] * 1e6
            continue
        else:
            days = (h - CRASH_END) / DAY_MS
            daily = 150e6 + 1050e6 * math.exp(-days / 7.0)
        out[i] = daily / 24 * noise[i]
    story = (hours >= STORY_START).nonzero()[0]
    out[story] = np.array(STORY_HOURLY_M) * 1e6
    return out


def _long_share(h: int) -> float:
    if h >= STORY_START:
        return STORY_LONG_SHARE[(h - STORY_START) // HOUR]
    if CRASH <= h < CRASH_END:
        return 0.88
    if CRASH_END <= h < CRASH_END + 12 * HOUR:
        return 0.35  # the relief bounce squeezes shorts
    return 0.58


def _event_count(h: int, usd: float) -> int:
    """Few large events per background hour (file size), many in the detailed part and the crash."""
    if h >= STORY_START:
        return int(np.clip(round(usd / 120e3), 100, 4000))
    if usd > 100e6:
        return int(np.clip(round(usd / 400e3), 100, 4000))
    return int(np.clip(round(usd / 1.5e6), 6, 60))


def _sizes(rng: np.random.Generator, total: float, caps: np.ndarray) -> np.ndarray:
    """Heavy-tailed (log-normal) sizes summing to ``total``, none above its symbol's cap.

    Scaling to the hour's total keeps the story's figures exact; the caps
    (filled like water: capped events stay at the cap, the rest share what
    is left) keep a thin alt from a $100M single liquidation.
    """
    if total > caps.sum():
        raise ValueError(f"an hour of ${total:,.0f} cannot fit under its events' caps")
    s = rng.lognormal(0.0, 1.6, len(caps))
    capped = np.zeros(len(caps), dtype=bool)
    while True:
        s[capped] = caps[capped]
        free = ~capped
        s[free] *= (total - caps[capped].sum()) / s[free].sum()
        over = free & (s > caps)
        if not over.any():
            return s
        capped |= over


def _cascade_offsets(rng: np.random.Generator, n: int, centre_min: float, spread_min: float) -> np.ndarray:
    """Offsets (ms) within an hour, mostly bunched around a cascade."""
    bunched = rng.random(n) < 0.7
    off = np.where(
        bunched,
        rng.normal(centre_min * MINUTE, spread_min * MINUTE, n),
        rng.uniform(0, HOUR, n),
    )
    return np.clip(off, 0, HOUR - 1).astype(np.int64)


def _free_ts(taken: set[tuple[str, str, int]], ex: str, sym: str, ts: int, lo: int, hi: int) -> int:
    """The first free time at or after ``ts`` (wrapping inside [lo, hi)) for this venue and symbol.

    Binance's stream sends at most one liquidation per symbol per second, so
    a real binance recording never holds two in the same second; the other
    venues never repeat a millisecond.  Unique (venue, symbol, time) also
    keeps a de-duplicating reader from merging two distinct events.
    """
    step = 1000 if ex == "binance" else 1
    while (ex, sym, ts // step) in taken:
        ts = lo + (ts + step - lo) % (hi - lo)
    taken.add((ex, sym, ts // step))
    return ts


def liquidations(rng: np.random.Generator, paths: dict[str, np.ndarray]) -> list[Liquidation]:
    """Every liquidation: heavy-tailed sizes scaled to each hour's total."""
    totals = hourly_liquidation_usd(rng)
    taken = {("binance", "BTC/USDT:USDT", END_TS // 1000)}  # the final event's
    weights = np.array([c.weight for c in COINS])
    weights /= weights.sum()
    frog_i = SYMBOLS.index(FROG)
    max_usd = np.array([c.max_usd for c in COINS])
    out: list[Liquidation] = []
    for i in range(N_HOURS):
        h = START + i * HOUR
        usd = totals[i]
        n = _event_count(h, usd)
        if h in (HOUR_100M, HOUR_600M) or CRASH <= h < CRASH + 3 * HOUR:
            offs = _cascade_offsets(rng, n, 25.0, 9.0)
        else:
            offs = rng.integers(0, HOUR, n)
        sym_w = weights
        if h == HOUR_600M:  # FROG's break comes with its own long liquidations
            sym_w = weights.copy()
            sym_w[frog_i] = 0.03
            sym_w /= sym_w.sum()
        syms = rng.choice(len(SYMBOLS), n, p=sym_w)
        sizes = _sizes(rng, usd, max_usd[syms])
        exs = rng.choice(len(EXCHANGES), n, p=EXCHANGE_SHARE)
        longs = rng.random(n) < _long_share(h)
        slip = rng.normal(0.0, 0.0006, n)
        hi = min(h + HOUR, END_TS)
        for k in range(n):
            sym, ex = SYMBOLS[syms[k]], EXCHANGES[exs[k]]
            ts = _free_ts(taken, ex, sym, min(int(h + offs[k]), hi - 1), h, hi)
            minute = (ts - START) // MINUTE
            price = _sig(paths[sym][minute] * (1 + slip[k]), 5)
            qty = _sig(sizes[k] / price, 4)
            out.append(Liquidation(ts, ex, sym, LONG if longs[k] else SHORT, price, qty, round(price * qty, 2)))
    # The final event: a small BTC long on binance at END_TS, so the
    # recording's end and the last liquidation coincide.
    btc = _sig(paths["BTC/USDT:USDT"][-1], 5)
    out.append(Liquidation(END_TS, "binance", "BTC/USDT:USDT", LONG, btc, 0.05, round(btc * 0.05, 2)))
    return out


# --- volume, open interest, market cap -------------------------------------


def volume_factor(rng: np.random.Generator) -> np.ndarray:
    """Hourly trading activity relative to normal, from 24 h before START to END.

    Busier in the crash and the weeks after (decaying slower than
    liquidations), busy on D-1/D, with spikes in the two big hours.
    """
    n = N_HOURS + 24
    hours = START - DAY_MS + HOUR * np.arange(n, dtype=np.int64)
    f = np.empty(n)
    noise = rng.lognormal(0.0, 0.12, n)
    for i, h in enumerate(hours):
        hod = ((h // HOUR) % 24) / 24.0
        cycle = 1.0 + 0.22 * math.sin(2 * math.pi * (hod - 0.35))  # busiest in US hours
        if h < CRASH:
            level = 1.0
        elif h < CRASH_END:
            level = CRASH_VOLUME_X[(h - CRASH) // HOUR]
        elif h < STORY_START:
            level = 0.92 + 0.53 * math.exp(-(h - CRASH_END) / DAY_MS / 6.0)
        elif h == HOUR_100M:
            level = 2.2
        elif h == HOUR_600M:
            level = 4.5
        elif h > HOUR_600M:
            level = 1.6
        else:
            level = 1.2
        f[i] = level * cycle * noise[i]
    return f


def volume_events(factor: np.ndarray) -> list[Volume]:
    """Rolling 24 h quote volume per venue (symbol ``*``), from the hourly flows."""
    cum = np.concatenate([[0.0], np.cumsum(factor)])  # in units of one normal hour
    t0 = START - DAY_MS
    out: list[Volume] = []

    def hours_done(ts: int) -> float:
        x = (ts - t0) / HOUR
        i = int(x)
        return cum[i] + (x - i) * (cum[i + 1] - cum[i]) if i < len(factor) else cum[-1]

    times = list(range(START, STORY_START, HOUR)) + list(range(STORY_START, END, 5 * MINUTE))
    for ts in times:
        last24 = hours_done(ts) - hours_done(ts - DAY_MS)
        for j, ex in enumerate(EXCHANGES):
            usd = VENUE_DAILY_VOLUME[ex] / 24 * last24
            out.append(Volume(ts + 1000 * j, ex, "*", _sig(usd, 6)))
    return out


def open_interest_events(rng: np.random.Generator, paths: dict[str, np.ndarray]) -> list[OpenInterest]:
    """Top-10 OI per venue: hourly in the background, every 10 minutes in the detailed part.

    OI in USD is contracts x price: the leverage curve (flushed in the
    crash and again on D) times the coin's price relative to the end.
    """
    t = _minute_times()
    lev = np.exp(_interp_log(LEVERAGE_ANCHORS, t))
    times = list(range(START, STORY_START, HOUR)) + list(range(STORY_START, END, 10 * MINUTE))
    out: list[OpenInterest] = []
    for sym, end_usd in OI_END.items():
        p = paths[sym]
        base = end_usd / (lev[-1] * p[-1])
        for j, ex in enumerate(EXCHANGES):
            wobble = np.exp(_ou(rng, len(times), 1, 0.01, 12.0)[:, 0])
            for k, ts in enumerate(times):
                m = (ts - START) // MINUTE
                usd = base * OI_VENUE_SHARE[ex] * lev[m] * p[m] * wobble[k]
                out.append(OpenInterest(ts + 2000 * j + 3000, ex, sym, _sig(usd, 5)))
    return out


def market_cap_events(rng: np.random.Generator) -> list[MarketCap]:
    """CoinGecko-like samples every 10 minutes, inside $3.2T-$3.8T, ending at $3.5T.

    A slow oscillation (10-day period, $0.2T amplitude) plus noise, with
    the crash and the storm as dips; the last day is steered to $3.5T.
    """
    times = np.arange(START, END, 10 * MINUTE, dtype=np.int64)
    n = len(times)
    phase = 2 * math.pi * (times - END) / (10 * DAY_MS)
    cap = 3.5e12 + 0.2e12 * np.sin(phase)
    cap += 0.035e12 * _ou(rng, n, 1, 1.0, 36.0)[:, 0]
    for at, depth, tau in ((CRASH + HOUR, 0.16e12, 30 * HOUR), (HOUR_600M + HOUR // 2, 0.09e12, 12 * HOUR)):
        after = times >= at
        cap[after] -= depth * np.exp(-(times[after] - at) / tau)
    ramp = np.clip((times - (END - DAY_MS)) / DAY_MS, 0.0, 1.0)
    cap += (3.5e12 - cap[-1]) * ramp
    cap = np.clip(cap, 3.21e12, 3.79e12)
    return [MarketCap(int(ts), "coingecko", _sig(c, 5)) for ts, c in zip(times, cap)]


# --- candles and prices ------------------------------------------------------


def candle_events(rng: np.random.Generator, paths: dict[str, np.ndarray], factor: np.ndarray) -> list[Candle]:
    """Closed hourly bars (binance) for the candle symbols: OHLC of the minute path."""
    out: list[Candle] = []
    for sym in CANDLE_SYMBOLS:
        p = paths[sym]
        noise = rng.lognormal(0.0, 0.3, N_HOURS)
        for i in range(N_HOURS):
            seg = p[60 * i : 60 * i + 61]
            o, c = seg[0], seg[-1]
            h = START + i * HOUR
            base = _candle_base_volume(sym, h, c)
            move = abs(math.log(c / o))
            vol = base * factor[24 + i] * noise[i] * min(1 + 20 * move, 3.0)
            out.append(
                Candle(h, "binance", sym, "1h", _sig(o, 5), _sig(seg.max(), 5), _sig(seg.min(), 5), _sig(c, 5), _sig(vol, 4))
            )
    return out


def _candle_base_volume(sym: str, h: int, close: float) -> float:
    """Normal hourly quote volume: fixed for majors, price-driven for ZEC, story-driven for FROG."""
    if sym in CANDLE_HOURLY_VOLUME:
        return CANDLE_HOURLY_VOLUME[sym]
    if sym == ZEC:
        return 0.2e6 * close  # volume grows with the surge
    if h == HOUR_600M:
        return 6e6  # the break: with the storm's activity, ~20x a floor hour
    return 6e6 if h < FROG_BOTTOM else 2.5e6


def price_events(paths: dict[str, np.ndarray]) -> list[Price]:
    """Last prices every minute for the candle symbols in the detailed part."""
    out: list[Price] = []
    first = (STORY_START - START) // MINUTE
    for m in range(first + 1, N_MIN):
        ts = START + m * MINUTE
        for sym in CANDLE_SYMBOLS:
            out.append(Price(ts, "binance", sym, _sig(paths[sym][m], 5)))
    return out


def status_events() -> list[FeedStatus]:
    return [FeedStatus(START, feed, "live", "demo") for feed in (*EXCHANGES, "marketcap")]


# --- assembly ----------------------------------------------------------------


def arrival_ts(ev: Event) -> int:
    """When an event reaches a listener: its ts, except a closed bar, which is known when it closes.

    A candle's ``ts`` is its bar's open, but a live feed can only emit the
    bar at its close, so a recording made live holds it an hour after its
    ts.  The demo does the same: the engine reads a closing bar together
    with the liquidations of its hour, and the storm's bar must not give
    its low away at 21:00.  The replay plays a line once its clock has
    passed the line's ts, so a bar an hour "late" plays at once.
    """
    return ev.ts + HOUR if isinstance(ev, Candle) else ev.ts


def generate(seed: int = SEED) -> list[Event]:
    """The whole recording in arrival order (stable: equal times keep their order of kind)."""
    rng = np.random.default_rng(seed)
    paths = coin_paths(rng)
    factor = volume_factor(rng)
    groups: list[Iterable[Event]] = [
        status_events(),
        market_cap_events(rng),
        volume_events(factor),
        open_interest_events(rng, paths),
        candle_events(rng, paths, factor),
        price_events(paths),
        liquidations(rng, paths),
    ]
    events: list[Event] = [ev for g in groups for ev in g]
    events.sort(key=arrival_ts)
    return events


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts / 1000, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def truth(events: Sequence[Event]) -> dict:
    """The generator's own count of its liquidations, independent of any indicator code.

    Windows are as of the last liquidation (ts in (end - W, end]); hours are
    UTC hours [start, start + 1 h).  Sums use ``math.fsum`` and are rounded
    to cents, so a reader that sums in another order agrees to the cent.
    """
    liqs = [ev for ev in events if isinstance(ev, Liquidation)]
    end = liqs[-1].ts
    by_hour: dict[int, list[Liquidation]] = {}
    for ev in liqs:
        by_hour.setdefault(ev.ts // HOUR * HOUR, []).append(ev)

    def sums(sel: Iterable[Liquidation]) -> dict:
        sel = list(sel)
        lu = math.fsum(ev.usd for ev in sel if ev.side == LONG)
        su = math.fsum(ev.usd for ev in sel if ev.side == SHORT)
        return {"count": len(sel), "usd": round(lu + su, 2), "long_usd": round(lu, 2), "short_usd": round(su, 2)}

    def hours(start: int, n: int = 1) -> list[Liquidation]:
        return [ev for h in range(start, start + n * HOUR, HOUR) for ev in by_hour.get(h, [])]

    def sides(s: dict) -> dict:
        return {"long_usd": s["long_usd"], "short_usd": s["short_usd"], "count": s["count"]}

    out = {"as_of_ts": end, **sums(liqs)}
    out["by_exchange"] = {ex: sides(sums(ev for ev in liqs if ev.exchange == ex)) for ex in EXCHANGES}
    out["windows"] = {f"{w}h": sides(sums(ev for ev in liqs if end - w * HOUR < ev.ts <= end)) for w in (1, 4, 12, 24)}
    out["hour_100m_usd"] = sums(hours(HOUR_100M))["usd"]
    out["hour_600m_usd"] = sums(hours(HOUR_600M))["usd"]
    out["day_usd"] = sums(hours(DAY, 24))["usd"]
    out["symbols_per_exchange"] = {ex: len({ev.symbol for ev in liqs if ev.exchange == ex}) for ex in EXCHANGES}
    big = max(liqs, key=lambda ev: ev.usd)
    out["largest"] = {"ts": big.ts, "exchange": big.exchange, "symbol": big.symbol, "side": big.side, "usd": big.usd}
    out["hourly"] = [
        {"start": h, "long_usd": s["long_usd"], "short_usd": s["short_usd"]}
        for h in range(STORY_START, end + 1, HOUR)
        for s in [sums(hours(h))]
    ]
    return out


def metadata(events: Sequence[Event], seed: int) -> dict:
    return {
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "label": "DEMO: synthetic data",
        "events": len(events),
        "start_ts": events[0].ts,
        "end_ts": events[-1].ts,
        "instant_until_ts": INSTANT_UNTIL,
        "replay_speed": 60,
        "day_start": DAY,
        "hour_100m_start": HOUR_100M,
        "hour_600m_start": HOUR_600M,
        "story_start": STORY_START,
        "lvr_peak_day": "2025-10-11",
        "volume_symbols": "*",
        "candle_symbols": list(CANDLE_SYMBOLS),
        "frog": {
            "symbol": FROG,
            "floor": FROG_FLOOR,
            "floor_set_ts": FROG_BOTTOM,
            "test_bars": [bar for bar, _ in FROG_TESTS],
            "break_bar": HOUR_600M,
            "break_low": FROG_BREAK_LOW,
        },
        "zec": {"symbol": ZEC, "peak_ts": ZEC_ANCHORS[5][0]},
        "truth": {"liquidations": truth(events)},
    }


def write(path_dir: str | Path = DATA_DIR, seed: int = SEED) -> tuple[Path, Path, dict]:
    """Write the recording and its metadata into ``path_dir``; returns both paths and the metadata."""
    d = Path(path_dir)
    d.mkdir(parents=True, exist_ok=True)
    events = generate(seed)
    data = ("\n".join(dumps(ev) for ev in events) + "\n").encode("utf-8")
    rec = d / RECORDING_NAME
    with open(rec, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        gz.write(data)
    meta = metadata(events, seed)
    meta_path = d / META_NAME
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return rec, meta_path, meta


def main() -> None:
    rec, meta_path, meta = write()
    t = meta["truth"]["liquidations"]
    span = f"{_iso(meta['start_ts'])} .. {_iso(meta['end_ts'])}"
    print(f"{rec}: {rec.stat().st_size / 1e6:.2f} MB, {meta['events']} events ({span})")
    print(f"liquidations: {t['count']} events, ${t['usd'] / 1e9:.2f}B (long ${t['long_usd'] / 1e9:.2f}B)")
    print(f"hour {_iso(HOUR_100M)}: ${t['hour_100m_usd'] / 1e6:.1f}M; hour {_iso(HOUR_600M)}: ${t['hour_600m_usd'] / 1e6:.1f}M")
    w24 = t["windows"]["24h"]
    print(f"day {_iso(DAY)[:10]}: ${t['day_usd'] / 1e9:.3f}B; last 24 h: ${(w24['long_usd'] + w24['short_usd']) / 1e9:.3f}B")
    print(f"symbols per exchange: {t['symbols_per_exchange']}; wrote {meta_path}")


if __name__ == "__main__":
    main()
