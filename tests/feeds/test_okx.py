"""OKX liquidation feed against the loopback venue."""

from __future__ import annotations

import asyncio

import pytest

from feeds.events import Liquidation
from feeds.venues import liquidation_feed
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback.harness import Collector, running
from tests.loopback.okx import OkxLoopback

T0 = 1_700_000_000_000


async def test_subscribes_swap_and_futures(okx: OkxLoopback) -> None:
    async with running(liquidation_feed("okx", settings_for(okx))):
        async with asyncio.timeout(BOUND_S):
            await okx.wait_subscribed(2)
    args = sorted(s["args"][0]["instType"] for s in okx.subscriptions)
    assert args == ["FUTURES", "SWAP"]
    assert okx.ws_paths[0] == "/ws/v5/public"


async def test_every_detail_arrives_with_side_and_contract_notional(okx: OkxLoopback) -> None:
    feed = liquidation_feed("okx", settings_for(okx))
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await okx.wait_subscribed(2)
            await okx.send_liquidations(
                "BTC-USDT-SWAP",  # linear, ctVal 0.01 BTC
                [okx.detail("sell", 12, 30000.0, T0), okx.detail("buy", 3, 30100.0, T0 + 1), okx.detail("sell", 1, 29900.0, T0 + 2)],
            )
            await okx.send_liquidations("BTC-USD-SWAP", [okx.detail("buy", 5, 25000.0, T0 + 3)])  # inverse, 100 USD
            await okx.send_liquidations("BTC-USD-261225", [okx.detail("sell", 2, 40000.0, T0 + 4)])  # FUTURES
            events = await out.wait_for(5)
    assert events == [
        Liquidation(T0, "okx", "BTC/USDT:USDT", "long", 30000.0, pytest.approx(0.12), pytest.approx(3600.0)),
        Liquidation(T0 + 1, "okx", "BTC/USDT:USDT", "short", 30100.0, pytest.approx(0.03), pytest.approx(903.0)),
        Liquidation(T0 + 2, "okx", "BTC/USDT:USDT", "long", 29900.0, pytest.approx(0.01), pytest.approx(299.0)),
        Liquidation(T0 + 3, "okx", "BTC/USD:BTC", "short", 25000.0, pytest.approx(500.0 / 25000.0), 500.0),
        Liquidation(T0 + 4, "okx", "BTC/USD:BTC-261225", "long", 40000.0, pytest.approx(200.0 / 40000.0), 200.0),
    ]


async def test_ccxt_watcher_keeps_only_first_detail(okx: OkxLoopback) -> None:
    """Pins why the feed hooks raw frames: ccxt's own handler turns a frame
    with three ``details`` into one liquidation."""
    import ccxt.pro

    from feeds.venues.urls import rewrite_origins

    exchange = ccxt.pro.okx({"options": {"fetchMarkets": {"types": ["swap"]}}})
    exchange.urls = rewrite_origins(exchange.urls, okx.ws_origin, okx.http_origin)
    try:
        await exchange.load_markets()
        client = exchange.client(okx.ws_origin + "/ws/v5/public")
        frame = {
            "arg": {"channel": "liquidation-orders", "instType": "SWAP"},
            "data": [
                {
                    "instId": "BTC-USDT-SWAP",
                    "instType": "SWAP",
                    "details": [okx.detail("sell", 1, 30000.0, T0 + i) for i in range(3)],
                }
            ],
        }
        exchange.handle_message(client, frame)
        assert len(exchange.liquidations) == 1
    finally:
        await exchange.close()


async def test_pings_are_answered_with_pong_text(okx: OkxLoopback) -> None:
    """The loopback speaks OKX's text keep-alive, which ccxt sends as 'ping'."""
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(okx.ws_origin + "/ws/v5/public") as ws:
            await ws.send_str("ping")
            async with asyncio.timeout(BOUND_S):
                assert (await ws.receive_str()) == "pong"


async def test_an_unknown_linear_instrument_is_held_until_the_markets_know_it(okx: OkxLoopback) -> None:
    """A new listing in the same frame as a known instrument: the known entry
    arrives at once, the new one after the markets reload that it triggers
    (not the hourly one), priced with its listed ctVal; the connection stays."""
    feed = liquidation_feed("okx", settings_for(okx))
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await okx.wait_subscribed(2)
            okx.list_instrument("SWAP", "NEW-USDT-SWAP", "10", "linear")  # listed after the feed loaded markets
            await okx.send_items(
                [("NEW-USDT-SWAP", [okx.detail("sell", 3, 2.0, T0)]), ("ETH-USDT-SWAP", [okx.detail("buy", 10, 2000.0, T0 + 1)])]
            )
            events = await out.wait_for(2)
    assert driver.runs == 1 and feed.garbage == 0 and feed.held == []
    assert events == [
        Liquidation(T0 + 1, "okx", "ETH/USDT:USDT", "short", 2000.0, pytest.approx(1.0), pytest.approx(2000.0)),
        Liquidation(T0, "okx", "NEW/USDT:USDT", "long", 2.0, 30.0, 60.0),  # 3 contracts x 10 NEW x 2 USD
    ]


async def test_an_instrument_the_venue_never_lists_is_named_garbage_and_costs_nothing_else(okx: OkxLoopback) -> None:
    feed = liquidation_feed("okx", settings_for(okx))
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await okx.wait_subscribed(2)
            await okx.send_items(
                [("GHOST-USDT-SWAP", [okx.detail("sell", 1, 1.0, T0)]), ("SOL-USDT-SWAP", [okx.detail("sell", 4, 150.0, T0 + 1)])]
            )
            events = await out.wait_for(1)
            while feed.garbage == 0:  # counted once the reload has answered without it
                await asyncio.sleep(0.01)
            for i in range(5):  # more of it: held, but no reload before FORCED_REFRESH_GAP_S
                await okx.send_liquidations("GHOST-USDT-SWAP", [okx.detail("sell", 1, 1.0, T0 + 10 + i)])
            await asyncio.sleep(0.3)
    assert driver.runs == 1 and feed.garbage == 1 and "GHOST-USDT-SWAP" in feed.last_garbage
    # markets loaded twice: at the start and once on the first GHOST frame (SWAP and FUTURES each)
    assert sum("/api/v5/public/instruments" in r for r in okx.rest_log) == 4 and len(feed.held) == 5
    assert events == [Liquidation(T0 + 1, "okx", "SOL/USDT:USDT", "long", 150.0, 4.0, 600.0)]


async def test_ccxt_watcher_would_subscribe_only_one_inst_type(okx: OkxLoopback) -> None:
    """Pins why the feed subscribes by itself: ccxt's watchLiquidationsForSymbols
    for all instruments uses one message hash whatever the instType, so
    asking for FUTURES after SWAP sends no second subscription."""
    import ccxt.pro

    from feeds.venues.urls import rewrite_origins

    exchange = ccxt.pro.okx({"options": {"fetchMarkets": {"types": ["swap", "future"]}}})
    exchange.urls = rewrite_origins(exchange.urls, okx.ws_origin, okx.http_origin)
    tasks = []
    try:
        await exchange.load_markets()
        tasks.append(asyncio.ensure_future(exchange.watch_liquidations_for_symbols(None, params={"type": "swap"})))
        async with asyncio.timeout(BOUND_S):
            await okx.wait_subscribed(1)
        tasks.append(asyncio.ensure_future(exchange.watch_liquidations_for_symbols(None, params={"type": "future"})))
        await asyncio.sleep(0.2)  # room for a second subscribe, which must not come
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await exchange.close()
    assert [s["args"][0]["instType"] for s in okx.subscriptions] == ["SWAP"]

