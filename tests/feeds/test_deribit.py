"""Deribit liquidation feed: real frames and the liquidation flags, against the loopback venue."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from feeds.events import Liquidation
from feeds.venues import liquidation_feed
from feeds.venues.deribit import instrument_contract
from feeds.venues.markets import Contract
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback.deribit import CHANNEL, DeribitLoopback
from tests.loopback.harness import Collector, running

T0 = 1_700_000_000_000
# tardis-dev/tardis-node test/mappers.test.ts (commit and lines in the file).
REAL = json.loads((Path(__file__).parents[1] / "data" / "frames" / "deribit.json").read_text())


async def test_real_frames_side_and_usd(deribit: DeribitLoopback) -> None:
    """The real frames, sent verbatim: an ordinary frame gives nothing; ``T``
    sell is the taker's forced sell (a long); ``M`` buy is the maker's
    forced sell (a long too).  BTC-PERPETUAL is inverse: amount is USD."""
    assert REAL["source"]["repo"] == "tardis-dev/tardis-node"
    feed = liquidation_feed("deribit", settings_for(deribit))
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await deribit.wait_subscribed()
            await deribit.send_frames([json.dumps(f) for f in REAL["frames"]], [], CHANNEL)
            events = await out.wait_for(2)
    assert events == [
        Liquidation(1584058044032, "deribit", "BTC/USD:BTC", "long", 4469.5, pytest.approx(1120 / 4469.5), 1120.0),
        Liquidation(1584058067675, "deribit", "BTC/USD:BTC", "long", 4458.5, pytest.approx(2500 / 4458.5), 2500.0),
    ]
    assert feed.garbage == 0 and feed.received == 2


async def test_flags_linear_and_dated(deribit: DeribitLoopback) -> None:
    feed = liquidation_feed("deribit", settings_for(deribit))
    out = Collector()
    t = deribit.trade
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await deribit.wait_subscribed()
            await deribit.send_trades(
                [
                    t("BTC_USDC-PERPETUAL", "buy", 0.5, 60000.0, T0, "T"),  # taker's forced buy: a short; linear: amount is BTC
                    t("ETH-PERPETUAL", "sell", 3000.0, 3000.0, T0 + 1, "MT"),  # both sides liquidated: one of each
                    t("BTC-25DEC26", "sell", 700.0, 70000.0, T0 + 2, "M"),  # maker bought: a short
                    t("BTC-PERPETUAL", "buy", 10.0, 60000.0, T0 + 3, None),  # ordinary trade
                ]
            )
            events = await out.wait_for(4)
    assert events == [
        Liquidation(T0, "deribit", "BTC/USDC:USDC", "short", 60000.0, 0.5, 30000.0),
        Liquidation(T0 + 1, "deribit", "ETH/USD:ETH", "long", 3000.0, 1.0, 3000.0),
        Liquidation(T0 + 1, "deribit", "ETH/USD:ETH", "short", 3000.0, 1.0, 3000.0),
        Liquidation(T0 + 2, "deribit", "BTC/USD:BTC-261225", "short", 70000.0, 0.01, 700.0),
    ]
    assert deribit.subscriptions[0]["params"]["channels"] == ["trades.future.any.100ms"]


def test_an_instrument_listed_later_is_named_like_ccxt_names_it() -> None:
    assert instrument_contract("BTC-PERPETUAL") == Contract("BTC/USD:BTC", 1.0, True)
    assert instrument_contract("ETH-3JAN25") == Contract("ETH/USD:ETH-250103", 1.0, True)
    assert instrument_contract("XRP_USDC-PERPETUAL") == Contract("XRP/USDC:USDC", 1.0, False)
    assert instrument_contract("SOL_USDC-27DEC24") == Contract("SOL/USDC:USDC-241227", 1.0, False)


async def test_unknown_flag_is_garbage_and_the_stream_goes_on(deribit: DeribitLoopback) -> None:
    feed = liquidation_feed("deribit", settings_for(deribit))
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await deribit.wait_subscribed()
            bad = {"jsonrpc": "2.0", "method": "subscription",
                   "params": {"channel": CHANNEL, "data": [deribit.trade("BTC-PERPETUAL", "buy", 10.0, 1.0, T0, "X")]}}
            await deribit.send_garbage(json.dumps(bad))
            await deribit.send_trades([deribit.trade("NEW-PERPETUAL", "sell", 50.0, 5.0, T0 + 1, "T")])
            events = await out.wait_for(1)
    assert feed.garbage == 1 and driver.runs == 1
    assert events == [Liquidation(T0 + 1, "deribit", "NEW/USD:NEW", "long", 5.0, 10.0, 50.0)]
