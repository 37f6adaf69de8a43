"""Binance USD-M and COIN-M liquidation feeds against the loopback venue."""

from __future__ import annotations

import asyncio
import json

from feeds.events import Liquidation
from feeds.venues import liquidation_feed
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback.binance import BinanceLoopback
from tests.loopback.harness import Collector, running

T0 = 1_700_000_000_000


async def test_usdm_side_and_notional(usdm: BinanceLoopback) -> None:
    feed = liquidation_feed("binance", settings_for(usdm))
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await usdm.wait_subscribed()
            await usdm.send_liquidations(
                [
                    # partially filled: USD is filled qty z times average price ap
                    usdm.order("BTCUSDT", "SELL", 2.0, 35000.0, T0, filled=1.5, price=34000.0),
                    usdm.order("ETHUSDT", "BUY", 3.0, 2000.0, T0 + 1),
                ]
            )
            events = await out.wait_for(2)
    assert events == [
        Liquidation(T0, "binance", "BTC/USDT:USDT", "long", 35000.0, 1.5, 52500.0),
        Liquidation(T0 + 1, "binance", "ETH/USDT:USDT", "short", 2000.0, 3.0, 6000.0),
    ]


async def test_usdm_subscribes_all_market_stream_on_market_path(usdm: BinanceLoopback) -> None:
    feed = liquidation_feed("binance", settings_for(usdm))
    async with running(feed):
        async with asyncio.timeout(BOUND_S):
            await usdm.wait_subscribed()
    assert usdm.ws_paths[0].startswith("/market/ws/")
    assert usdm.subscriptions[0]["params"] == ["!forceOrder@arr"]


async def test_fifty_frames_in_one_tick_all_arrive(usdm: BinanceLoopback) -> None:
    feed = liquidation_feed("binance", settings_for(usdm))
    out = Collector()
    orders = [usdm.order("SOLUSDT", "SELL", 1.0 + i, 150.0, T0 + i) for i in range(50)]
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await usdm.wait_subscribed()
            await usdm.send_liquidations(orders)
            events = await out.wait_for(50)
    assert [e.qty for e in events] == [1.0 + i for i in range(50)]
    assert feed.received == 50


async def test_ccxt_watcher_collapses_same_tick_frames() -> None:
    """Pins why the feed hooks raw frames: with ccxt's own watcher, frames
    handled before the caller awaits again resolve a future that is gone."""
    import ccxt.pro

    exchange = ccxt.pro.binanceusdm()
    try:
        client = exchange.client("ws://127.0.0.1:1/market/ws/0")
        future = client.future("liquidations")
        for i in range(50):
            o = BinanceLoopback.order("BTCUSDT", "SELL", 1.0, 100.0, T0 + i)
            exchange.handle_message(client, json.loads(json.dumps({"e": "forceOrder", "E": T0, "o": o})))
        assert len(await future) == 1
        assert exchange.liquidations[0]["info"]["T"] == T0  # the other 49 never reach a watcher
    finally:
        await exchange.close()


async def test_drop_reconnects_resubscribes_and_drops_resent(usdm: BinanceLoopback) -> None:
    feed = liquidation_feed("binance", settings_for(usdm))
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await usdm.wait_subscribed(1)
            await usdm.send_liquidations([usdm.order("BTCUSDT", "SELL", 0.5, 30000.0, T0 + i) for i in range(3)])
            await out.wait_for(3)
            usdm.replay_on_subscribe = 3  # the venue resends after the resubscribe
            await usdm.drop()
            await usdm.wait_subscribed(2)
            await usdm.send_liquidations([usdm.order("BTCUSDT", "BUY", 0.25, 30000.0, T0 + 10)])
            events = await out.wait_for(4)
    assert len(usdm.ws_paths) == 2 and driver.runs == 2
    assert len(usdm.resent) == 3 and feed.duplicates == 3
    assert [e.ts for e in events] == [T0, T0 + 1, T0 + 2, T0 + 10]


async def test_garbage_is_counted_and_skipped(usdm: BinanceLoopback) -> None:
    feed = liquidation_feed("binance", settings_for(usdm))
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await usdm.wait_subscribed()
            await usdm.send_garbage('{"e": "forceOrder", "o": {broken')  # does not decode
            await usdm.send_garbage('{"e": "forceOrder", "o": {"s": "BTCUSDT", "S": "SIDEWAYS"}}')  # bad fields
            await usdm.send_garbage("hello")  # not JSON at all
            await usdm.send_liquidations([usdm.order("XRPUSDT", "SELL", 100.0, 0.5, T0)])
            events = await out.wait_for(1)
    assert feed.garbage == 3
    assert driver.runs == 1  # the connection went on
    assert events == [Liquidation(T0, "binance", "XRP/USDT:USDT", "long", 0.5, 100.0, 50.0)]


async def test_coinm_notional_uses_contract_size(coinm: BinanceLoopback) -> None:
    feed = liquidation_feed("binancecoinm", settings_for(coinm))
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await coinm.wait_subscribed()
            await coinm.send_liquidations(
                [
                    coinm.order("BTCUSD_PERP", "SELL", 3, 50000.0, T0),  # 3 x 100 USD
                    coinm.order("ETHUSD_PERP", "BUY", 7, 2000.0, T0 + 1),  # 7 x 10 USD
                ]
            )
            events = await out.wait_for(2)
    assert coinm.ws_paths[0].startswith("/ws/")
    assert events == [
        Liquidation(T0, "binancecoinm", "BTC/USD:BTC", "long", 50000.0, 300.0 / 50000.0, 300.0),
        Liquidation(T0 + 1, "binancecoinm", "ETH/USD:ETH", "short", 2000.0, 70.0 / 2000.0, 70.0),
    ]


async def test_loopback_answers_ws_pings_and_stalls_on_demand(usdm: BinanceLoopback) -> None:
    """Binance keep-alive is protocol ping/pong; a stalled server answers
    nothing and sends nothing until it resumes, on the same connection."""
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(usdm.ws_origin + "/market/ws/0", autoping=False) as ws:
            async with asyncio.timeout(BOUND_S):
                await ws.ping(b"k1")
                reply = await ws.receive()
                assert (reply.type, reply.data) == (aiohttp.WSMsgType.PONG, b"k1")
                await ws.send_json({"method": "SUBSCRIBE", "params": ["!forceOrder@arr"], "id": 1})
                assert (await ws.receive_json())["id"] == 1
                usdm.stall()
                await ws.ping(b"k2")
                await usdm.send_liquidations([usdm.order("BTCUSDT", "SELL", 1.0, 100.0, T0)])
                usdm.resume()
                await usdm.send_liquidations([usdm.order("BTCUSDT", "BUY", 2.0, 100.0, T0 + 1)])
                frame = await ws.receive_json()  # no pong for k2, no withheld frame
    assert frame["o"]["T"] == T0 + 1
    assert usdm.stalled_frames == 1 and [o["T"] for o in usdm.sent_entries] == [T0 + 1]
