"""Bybit liquidation feed against the loopback venue."""

from __future__ import annotations

import asyncio

import pytest

from feeds.events import Liquidation
from feeds.venues import liquidation_feed
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback.bybit import INVERSE_BASES, LINEAR_BASES, BybitLoopback
from tests.loopback.harness import Collector, running

T0 = 1_700_000_000_000
ALL_TOPICS = {f"allLiquidation.{b}USDT" for b in LINEAR_BASES} | {f"allLiquidation.{b}USD" for b in INVERSE_BASES}


async def test_every_listed_symbol_is_subscribed_in_chunks(bybit: BybitLoopback) -> None:
    async with running(liquidation_feed("bybit", settings_for(bybit), chunk_size=5)):
        async with asyncio.timeout(BOUND_S):
            await bybit.wait_subscribed(4)  # 12 linear in 3 chunks, 3 inverse in 1
    assert set(bybit.topics) == ALL_TOPICS and len(bybit.topics) == len(ALL_TOPICS)
    assert max(len(s["args"]) for s in bybit.subscriptions) == 5
    assert sorted(set(bybit.ws_paths)) == ["/v5/public/inverse", "/v5/public/linear"]


async def test_side_notional_and_every_entry_of_a_frame(bybit: BybitLoopback) -> None:
    feed = liquidation_feed("bybit", settings_for(bybit))
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await bybit.wait_subscribed(3)
            await bybit.send_liquidations(
                "BTCUSDT",
                [
                    bybit.entry("BTCUSDT", "Buy", 0.5, 60000.0, T0),  # position side: Buy = long liquidated
                    bybit.entry("BTCUSDT", "Sell", 0.25, 60100.0, T0 + 1),
                    bybit.entry("BTCUSDT", "Buy", 0.1, 59900.0, T0 + 2),
                ],
            )
            await bybit.send_liquidations("BTCUSD", [bybit.entry("BTCUSD", "Sell", 12000, 60000.0, T0 + 3)])  # inverse: v is USD
            events = await out.wait_for(4)
    # two connections (linear, inverse): order between them is not defined
    assert sorted(events) == [
        Liquidation(T0, "bybit", "BTC/USDT:USDT", "long", 60000.0, 0.5, 30000.0),
        Liquidation(T0 + 1, "bybit", "BTC/USDT:USDT", "short", 60100.0, 0.25, 15025.0),
        Liquidation(T0 + 2, "bybit", "BTC/USDT:USDT", "long", 59900.0, 0.1, pytest.approx(5990.0)),
        Liquidation(T0 + 3, "bybit", "BTC/USD:BTC", "short", 60000.0, 0.2, 12000.0),
    ]


async def test_new_listing_is_subscribed_after_markets_refresh(bybit: BybitLoopback) -> None:
    feed = liquidation_feed("bybit", settings_for(bybit), markets_refresh_s=0.05)
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await bybit.wait_subscribed(3)
            new_id = bybit.list_symbol("linear", "NEWCOIN")
            await bybit.wait_subscribed(4)
            await bybit.send_liquidations(new_id, [bybit.entry(new_id, "Sell", 100.0, 2.0, T0)])
            events = await out.wait_for(1)
    assert bybit.subscriptions[3]["args"] == ["allLiquidation.NEWCOINUSDT"]
    assert driver.runs == 1  # picked up on the live connection
    assert events == [Liquidation(T0, "bybit", "NEWCOIN/USDT:USDT", "short", 2.0, 100.0, 200.0)]


async def test_pings_get_bybit_pongs(bybit: BybitLoopback) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(bybit.ws_origin + "/v5/public/linear") as ws:
            await ws.send_json({"op": "ping", "req_id": "7"})
            async with asyncio.timeout(BOUND_S):
                reply = await ws.receive_json()
    assert reply["op"] == "ping" and reply["ret_msg"] == "pong" and reply["req_id"] == "7"
