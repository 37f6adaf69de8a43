"""Gate and HTX polled liquidations against loopback venues."""

from __future__ import annotations

import asyncio
import time
from typing import AsyncIterator

import pytest

from feeds.events import Liquidation
from feeds.venues import liquidation_feed
from feeds.venues.polled import PolledLiquidationFeed
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback.harness import Collector, running
from tests.loopback.rest_venues import HTX_CONTRACT_SIZE, GateLoopback, HtxLoopback


@pytest.fixture
async def gate() -> AsyncIterator[GateLoopback]:
    async with GateLoopback() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
async def htx() -> AsyncIterator[HtxLoopback]:
    async with HtxLoopback() as server:
        yield server  # type: ignore[misc]


def polled(venue: str, server: GateLoopback | HtxLoopback) -> PolledLiquidationFeed:
    return liquidation_feed(venue, settings_for(server), poll_s=0.02, rate_limit_ms=1)  # type: ignore[return-value]


async def test_gate_side_from_position_size_and_quanto_notional(gate: GateLoopback) -> None:
    now_s = int(time.time())
    gate.add_liquidations(
        [
            gate.row("BTC_USDT", 200, 60000.0, now_s - 20),  # long position, 200 x 0.0001 BTC
            gate.row("ETH_USDT", -30, 3000.0, now_s - 10, left=-5),  # short, 25 contracts filled x 0.01 ETH
        ]
    )
    feed = polled("gate", gate)
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await out.wait_for(2)
            gate.add_liquidations([gate.row("SOL_USDT", 4, 150.0, now_s)])
            events = await out.wait_for(3)
            await asyncio.sleep(0.1)  # more polls over the same window
    assert events[:3] == [
        Liquidation((now_s - 20) * 1000, "gate", "BTC/USDT:USDT", "long", 60000.0, pytest.approx(0.02), pytest.approx(1200.0)),
        Liquidation((now_s - 10) * 1000, "gate", "ETH/USDT:USDT", "short", 3000.0, pytest.approx(0.25), pytest.approx(750.0)),
        Liquidation(now_s * 1000, "gate", "SOL/USDT:USDT", "long", 150.0, 4.0, 600.0),
    ]
    assert len(out.events) == 3 and feed.duplicates > 0  # overlapping polls are deduplicated
    # one request covers every contract; ``from`` is in seconds
    assert all("contract" not in q and int(q["from"]) < 10**11 for q in gate.liq_queries)


async def test_ccxt_fetch_liquidations_sends_gate_ms_as_seconds_field(gate: GateLoopback) -> None:
    """Pins why the Gate poller calls the endpoint itself: ccxt's unified
    method puts ``since`` in ms into Gate's seconds field ``from``."""
    import ccxt.pro

    from feeds.venues.urls import rewrite_origins

    exchange = ccxt.pro.gate({"options": {"fetchMarkets": {"types": ["swap"]}}})
    exchange.urls = rewrite_origins(exchange.urls, gate.ws_origin, gate.http_origin)
    try:
        since_ms = int(time.time() * 1000) - 60_000
        await exchange.fetch_liquidations("BTC/USDT:USDT", since_ms)
    finally:
        await exchange.close()
    assert gate.liq_queries[-1]["from"] == str(since_ms)


async def test_htx_side_and_turnover_for_top_symbols(htx: HtxLoopback) -> None:
    now = int(time.time() * 1000)
    size = HTX_CONTRACT_SIZE["BTC"]
    htx.add_liquidations(
        [
            htx.row("BTC-USDT", "sell", 20, 60000.0, now - 50, size),  # sell order = long liquidated
            htx.row("BTC-USDT", "buy", 5, 60100.0, now - 40, size),
        ]
    )
    feed = polled("htx", htx)
    feed.top_n = 2
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            events = await out.wait_for(2)
    assert feed.symbols == ["BTC/USDT:USDT", "ETH/USDT:USDT"]  # ranked by 24 h quote volume
    assert events == [
        Liquidation(now - 50, "htx", "BTC/USDT:USDT", "long", 60000.0, pytest.approx(0.02), pytest.approx(1200.0)),
        Liquidation(now - 40, "htx", "BTC/USDT:USDT", "short", 60100.0, pytest.approx(0.005), pytest.approx(300.5)),
    ]


async def test_polled_429_waits_retry_after(htx: HtxLoopback) -> None:
    htx.rate_limit(count=1, retry_after=0.2)
    feed = liquidation_feed("htx", settings_for(htx), poll_s=0.02, rate_limit_ms=1, rate_limit_wait_s=0.01)
    async with running(feed) as driver:
        async with asyncio.timeout(BOUND_S):
            while not feed.symbols:
                await asyncio.sleep(0.01)
    assert feed.rate_limit_waits == [pytest.approx(0.2)] and driver.runs == 1
