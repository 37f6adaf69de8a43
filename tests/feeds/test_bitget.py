"""Bitget liquidation stream against the loopback venue, and real frames."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from feeds.events import Liquidation
from feeds.venues import liquidation_feed
from feeds.venues.bitget import bitget_normaliser, symbol_of
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback.bitget import BitgetLoopback
from tests.loopback.harness import Collector, running

T0 = 1_700_000_000_000

# tardis-node test/mappers.test.ts @ c1d73fb5, lines 10705-10713 (Bitget v3, 2026-04-28):
REAL_FRAME = {"action": "update", "arg": {"instType": "usdt-futures", "topic": "liquidation"},
              "data": [{"symbol": "APEUSDT", "side": "buy", "price": "0.1649", "amount": "13.70319", "ts": "1777358886549"},
                       {"symbol": "IPUSDT", "side": "buy", "price": "0.500280739469", "amount": "143.330431857868",
                        "ts": "1777358876983"}],
              "ts": 1777358897167}


@pytest.fixture
async def bitget() -> AsyncIterator[BitgetLoopback]:
    async with BitgetLoopback() as server:
        yield server  # type: ignore[misc]


def test_real_frame_side_is_the_position_and_amount_is_quote() -> None:
    """Source: REAL_FRAME, with no markets.  buy = a long liquidated; amount
    13.70319 USDT is the USD notional; base = 13.70319 / 0.1649 APE."""
    ape, ip = bitget_normaliser({})(REAL_FRAME)
    assert ape == Liquidation(1777358886549, "bitget", "APE/USDT:USDT", "long", 0.1649, pytest.approx(83.1), 13.70319)
    assert ip == Liquidation(1777358876983, "bitget", "IP/USDT:USDT", "long", 0.500280739469,
                             pytest.approx(143.330431857868 / 0.500280739469), 143.330431857868)


def test_names_of_contracts_the_markets_do_not_know() -> None:
    assert symbol_of("usdc-futures", "BTCPERP") == symbol_of("usdc-futures", "BTCUSDC") == "BTC/USDC:USDC"
    assert symbol_of("coin-futures", "ETHUSD") == symbol_of("coin-futures", "ETHUSD_CM") == "ETH/USD:ETH"


async def test_subscribes_the_three_inst_types_on_the_v3_public_socket(bitget: BitgetLoopback) -> None:
    async with running(liquidation_feed("bitget", settings_for(bitget))):
        async with asyncio.timeout(BOUND_S):
            await bitget.wait_subscribed(1)
    assert bitget.ws_paths == ["/v3/ws/public"]
    assert bitget.subscriptions[0]["args"] == [
        {"instType": t, "topic": "liquidation"} for t in ("usdt-futures", "coin-futures", "usdc-futures")
    ]


async def test_every_entry_of_every_inst_type(bitget: BitgetLoopback) -> None:
    feed = liquidation_feed("bitget", settings_for(bitget))
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await bitget.wait_subscribed(1)
            await bitget.send_liquidations(
                "usdt-futures", [bitget.entry("BTCUSDT", "buy", 60000.0, 3000.0, T0), bitget.entry("ETHUSDT", "sell", 3000.0, 600.0, T0 + 1)]
            )
            await bitget.send_liquidations("coin-futures", [bitget.entry("BTCUSD", "sell", 60000.0, 1200.0, T0 + 2)])
            await bitget.send_liquidations("usdc-futures", [bitget.entry("BTCPERP", "buy", 60000.0, 60.0, T0 + 3)])
            events = await out.wait_for(4)
    assert events == [
        Liquidation(T0, "bitget", "BTC/USDT:USDT", "long", 60000.0, 0.05, 3000.0),
        Liquidation(T0 + 1, "bitget", "ETH/USDT:USDT", "short", 3000.0, 0.2, 600.0),
        Liquidation(T0 + 2, "bitget", "BTC/USD:BTC", "short", 60000.0, 0.02, 1200.0),
        Liquidation(T0 + 3, "bitget", "BTC/USDC:USDC", "long", 60000.0, 0.001, 60.0),
    ]
    assert events == bitget.expected_liquidations()
