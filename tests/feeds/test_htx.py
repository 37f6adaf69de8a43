"""HTX liquidation stream against the loopback venue: both notification
endpoints, gzip frames, HTX's op ping, real frames."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from feeds.events import Liquidation
from feeds.venues import liquidation_feed
from feeds.venues.htx import htx_normaliser
from feeds.venues.markets import Contract
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback.harness import Collector, running
from tests.loopback.htx import HtxLoopback

T0 = 1_700_000_000_000

# tardis-node test/mappers.test.ts @ c1d73fb5, lines 6282-6297 (HTX USDT-margined swap, 2020-12-17):
LINEAR_FRAME = {"op": "notify", "topic": "public.BTC-USDT.liquidation_orders", "ts": 1608226502344,
                "data": [{"symbol": "BTC", "contract_code": "BTC-USDT", "direction": "sell", "offset": "close",
                          "volume": 227.0, "price": 23350.5, "created_at": 1608226502284, "amount": 0.227,
                          "trade_turnover": 5300.5635}]}
# the same file, lines 6149-6163 (HTX coin-margined swap, 2020-07-01):
INVERSE_FRAME = {"op": "notify", "topic": "public.ETH-USD.liquidation_orders", "ts": 1593610492198,
                 "data": [{"symbol": "ETH", "contract_code": "ETH-USD", "direction": "buy", "offset": "close",
                           "volume": 231, "price": 229.95, "created_at": 1593610492167}]}


@pytest.fixture
async def htx() -> AsyncIterator[HtxLoopback]:
    async with HtxLoopback() as server:
        yield server  # type: ignore[misc]


def test_real_linear_frame() -> None:
    """Source: LINEAR_FRAME.  sell = a long liquidated; 227 contracts x
    0.001 BTC = 0.227 BTC (the venue's amount) at 23350.5 = 5300.5635 USD
    (the venue's trade_turnover); the same with no markets at all."""
    expected = [Liquidation(1608226502284, "htx", "BTC/USDT:USDT", "long", 23350.5, pytest.approx(0.227), pytest.approx(5300.5635))]
    assert htx_normaliser({"BTC-USDT": Contract("BTC/USDT:USDT", 0.001, False)})(LINEAR_FRAME) == expected
    assert htx_normaliser({})(LINEAR_FRAME) == expected


def test_real_inverse_frame() -> None:
    """Source: INVERSE_FRAME.  buy = a short liquidated; 231 contracts x 10
    USD (ETH) = 2310 USD; base = 2310 / 229.95."""
    expected = [Liquidation(1593610492167, "htx", "ETH/USD:ETH", "short", 229.95, pytest.approx(2310 / 229.95), 2310.0)]
    assert htx_normaliser({"ETH-USD": Contract("ETH/USD:ETH", 10.0, True)})(INVERSE_FRAME) == expected
    assert htx_normaliser({})(INVERSE_FRAME) == expected


async def test_subscribes_every_contract_on_both_notification_endpoints(htx: HtxLoopback) -> None:
    async with running(liquidation_feed("htx", settings_for(htx))):
        async with asyncio.timeout(BOUND_S):
            await htx.wait_subscribed(2)
            while len(htx.pongs) < 2:  # each endpoint pings once: ccxt answers {"op":"pong"}
                await asyncio.sleep(0.01)
    assert sorted(htx.ws_paths) == ["/linear-swap-notification", "/swap-notification"]
    assert [s["topic"] for s in htx.subscriptions] == ["public.*.liquidation_orders"] * 2
    assert all(s["op"] == "sub" for s in htx.subscriptions)


async def test_gzip_frames_side_and_notional_and_gzip_garbage(htx: HtxLoopback) -> None:
    feed = liquidation_feed("htx", settings_for(htx))
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await htx.wait_subscribed(2)
            await htx.send_garbage(b"\x1f\x8b\x08 truncated gzip")
            await htx.send_garbage(htx.encode({"op": "notify", "topic": "public.BTC-USDT.liquidation_orders", "data": [{}]}))
            await htx.send_liquidations(
                "BTC-USDT", [htx.entry("BTC-USDT", "sell", 20, 60000.0, T0), htx.entry("BTC-USDT", "buy", 5, 60100.0, T0 + 1)]
            )
            await htx.send_liquidations("BTC-USD", [htx.entry("BTC-USD", "sell", 7, 60000.0, T0 + 2)])
            events = await out.wait_for(3)
    assert driver.runs == 1 and feed.garbage == 4  # each garbage frame reached both endpoints
    assert sorted(events) == [
        Liquidation(T0, "htx", "BTC/USDT:USDT", "long", 60000.0, pytest.approx(0.02), pytest.approx(1200.0)),
        Liquidation(T0 + 1, "htx", "BTC/USDT:USDT", "short", 60100.0, pytest.approx(0.005), pytest.approx(300.5)),
        Liquidation(T0 + 2, "htx", "BTC/USD:BTC", "long", 60000.0, pytest.approx(700 / 60000), 700.0),  # 7 x 100 USD
    ]
