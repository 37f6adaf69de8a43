"""Context feeds (volume, open interest, candles, price) against loopback venues."""

from __future__ import annotations

import asyncio
import time

import pytest

from feeds.events import Candle, OpenInterest, Price, Volume
from feeds.venues import binance
from feeds.venues.context import HOUR_MS, VenueContextFeed
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback import prices
from tests.loopback.binance import USDM_BASES, BinanceLoopback
from tests.loopback.harness import Collector, running

WATCH = ["BTC/USDT:USDT", "ETH/USDT:USDT"]


def binance_context(server: BinanceLoopback, **kwargs: object) -> VenueContextFeed:
    params: dict[str, object] = {"rate_limit_ms": 1, "candle_s": 0.05, "volume_s": 0.05, "oi_s": 0.05}
    params.update(kwargs)
    return VenueContextFeed(binance.SPEC, settings_for(server), WATCH, **params)  # type: ignore[arg-type]


async def wait_until(out: Collector, predicate) -> None:  # type: ignore[no-untyped-def]
    while not predicate(out.events):
        await out.wait_for(len(out.events) + 1)


async def test_volume_per_symbol_and_venue_total(usdm: BinanceLoopback) -> None:
    out = Collector()
    async with running(binance_context(usdm), out):
        async with asyncio.timeout(BOUND_S):
            await wait_until(out, lambda evs: any(isinstance(e, Volume) and e.symbol == "*" for e in evs))
    first = [e for e in out.events if isinstance(e, Volume)][: len(USDM_BASES) + 1]
    by_symbol = {e.symbol: e.usd_24h for e in first}
    assert by_symbol == {
        **{f"{b}/USDT:USDT": pytest.approx(prices.volume_24h(b)) for b in USDM_BASES},
        "*": pytest.approx(sum(prices.volume_24h(b) for b in USDM_BASES)),
    }


async def test_open_interest_for_top_symbols_in_usd(usdm: BinanceLoopback) -> None:
    out = Collector()
    async with running(binance_context(usdm, top_n=2), out):
        async with asyncio.timeout(BOUND_S):
            await wait_until(out, lambda evs: sum(isinstance(e, OpenInterest) for e in evs) >= 2)
    oi = [e for e in out.events if isinstance(e, OpenInterest)][:2]
    assert [e.symbol for e in oi] == ["BTC/USDT:USDT", "ETH/USDT:USDT"]  # the top two by volume
    for e in oi:
        base = e.symbol.split("/")[0]
        # Binance gives OI in base units: USD = amount x last price
        assert e.usd == pytest.approx(prices.open_interest(base) * prices.price_at(base, e.ts), rel=1e-3)


async def test_candles_backfill_closed_bars_then_new_closes_and_price(usdm: BinanceLoopback) -> None:
    real_now = int(time.time() * 1000)
    clock_now = [real_now - 2 * HOUR_MS]  # the feed starts two hours "earlier"
    feed = binance_context(usdm, backfill_days=3, clock=lambda: clock_now[0])
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await wait_until(out, lambda evs: sum(isinstance(e, Price) for e in evs) >= 2)
            backfill = [e for e in out.events if isinstance(e, Candle)]
            clock_now[0] = real_now  # two more bars close
            await wait_until(out, lambda evs: sum(isinstance(e, Candle) for e in evs) >= len(backfill) + 4)
            await wait_until(out, lambda evs: sum(isinstance(e, Price) for e in evs) >= 4)
    candles = [e for e in out.events if isinstance(e, Candle)]
    for symbol in WATCH:
        mine = [c.ts for c in candles if c.symbol == symbol]
        open_bar = real_now - real_now % HOUR_MS
        first_open = (real_now - 2 * HOUR_MS) - (real_now - 2 * HOUR_MS) % HOUR_MS
        # 3 days of closed bars before the first clock's open bar, then the two that closed since
        assert mine == list(range(first_open - 3 * 24 * HOUR_MS, open_bar, HOUR_MS))
        assert all(c.tf == "1h" for c in candles)
    btc = next(c for c in candles if c.symbol == "BTC/USDT:USDT")
    o, h, l, c, v = prices.bar("BTC", btc.ts)
    assert (btc.open, btc.high, btc.low, btc.close) == pytest.approx((o, h, l, c))
    assert btc.volume_usd == pytest.approx(v * c)
    assert all(p.symbol in WATCH for p in out.events if isinstance(p, Price))


async def test_429_makes_the_poller_wait_at_least_retry_after(usdm: BinanceLoopback) -> None:
    usdm.rate_limit(count=1, retry_after=0.3)
    feed = binance_context(usdm, rate_limit_wait_s=0.01)
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await wait_until(out, lambda evs: any(isinstance(e, Volume) for e in evs))
    assert usdm.rate_limited == ["/fapi/v1/exchangeInfo"]
    assert feed.rate_limit_waits == [pytest.approx(0.3)]
    assert driver.runs == 1  # waited inside the run, no restart


async def test_a_429_with_an_http_date_waits_until_that_date(usdm: BinanceLoopback) -> None:
    """Retry-After may be a date (RFC 9110): the wait runs to it, not to the floor."""
    usdm.rate_limit(count=1, retry_after=2, as_date=True)
    feed = binance_context(usdm, rate_limit_wait_s=0.01)
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await wait_until(out, lambda evs: any(isinstance(e, Volume) for e in evs))
    # The date has whole seconds: 2 s after the answer, less the fraction dropped and the way back.
    [wait] = feed.rate_limit_waits
    assert 0.9 < wait <= 2.0 and driver.runs == 1


async def _first_round(feed: VenueContextFeed) -> Collector:
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await wait_until(
                out,
                lambda evs: {type(e) for e in evs} >= {Volume, OpenInterest, Candle, Price}
                and sum(isinstance(e, OpenInterest) for e in evs) >= 2,
            )
    return out


@pytest.mark.parametrize("venue", ["bybit", "okx"])
async def test_context_on_bybit_and_okx(venue: str, bybit, okx) -> None:  # type: ignore[no-untyped-def]
    from feeds.venues import context_feed

    server = bybit if venue == "bybit" else okx
    feed = context_feed(
        venue, settings_for(server), WATCH, rate_limit_ms=1, candle_s=0.05, volume_s=0.05, oi_s=0.05, top_n=2, backfill_days=2
    )
    assert isinstance(feed, VenueContextFeed) and feed.name == f"{venue}:context"
    out = await _first_round(feed)
    volumes = {e.symbol: e.usd_24h for e in out.events if isinstance(e, Volume)}
    for base in ("BTC", "ETH"):
        assert volumes[f"{base}/USDT:USDT"] == pytest.approx(prices.volume_24h(base), rel=1e-6)
    oi = [e for e in out.events if isinstance(e, OpenInterest)][:2]
    # the top two by volume: BTC linear and inverse (the venue's USD value for the inverse one)
    assert {e.symbol for e in oi} == {"BTC/USDT:USDT", "BTC/USD:BTC"}
    for e in oi:
        base = e.symbol.split("/")[0]
        assert e.usd == pytest.approx(prices.open_interest(base) * prices.price_at(base, e.ts), rel=1e-3)
    now = int(time.time() * 1000)
    open_bar = now - now % HOUR_MS
    btc = [c for c in out.events if isinstance(c, Candle) and c.symbol == "BTC/USDT:USDT"]
    assert btc[-1].ts == open_bar - HOUR_MS and len(btc) >= 2 * 24  # closed bars only, a 2-day backfill
    o, h, l, c, v = prices.bar("BTC", btc[0].ts)
    assert (btc[0].open, btc[0].close, btc[0].volume_usd) == pytest.approx((o, c, v * c))


async def test_coinm_volume_is_contracts_times_contract_size(coinm: BinanceLoopback) -> None:
    from feeds.venues import context_feed

    feed = context_feed("binancecoinm", settings_for(coinm), WATCH, rate_limit_ms=1, volume_s=0.05)
    out = Collector()
    async with running(feed, out):  # type: ignore[arg-type]
        async with asyncio.timeout(BOUND_S):
            await wait_until(out, lambda evs: any(isinstance(e, Volume) and e.symbol == "*" for e in evs))
    volumes = {e.symbol: e.usd_24h for e in out.events if isinstance(e, Volume)}
    assert volumes["BTC/USD:BTC"] == pytest.approx(prices.volume_24h("BTC"))
    assert volumes["ETH/USD:ETH"] == pytest.approx(prices.volume_24h("ETH"))


async def test_stream_feed_waits_out_a_429_on_markets(usdm: BinanceLoopback) -> None:
    usdm.rate_limit(count=1, retry_after=0.2)
    feed = binance.SPEC.liquidation_feed(settings_for(usdm), rate_limit_wait_s=0.01)
    async with running(feed) as driver:
        async with asyncio.timeout(BOUND_S):
            await usdm.wait_subscribed()
    assert feed.rate_limit_waits == [pytest.approx(0.2)] and driver.runs == 1
