"""Bitfinex liquidation feed (``status`` / ``liq:global``) against the loopback venue."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from feeds.events import Liquidation
from feeds.venues import liquidation_feed
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback.bitfinex import CHAN_ID, KEY, BitfinexLoopback
from tests.loopback.harness import Collector, running

T0 = 1_700_000_000_000
# tardis-dev/tardis-node test/mappers.test.ts (commit and lines in the file).
REAL = json.loads((Path(__file__).parents[1] / "data" / "frames" / "bitfinex.json").read_text())


async def test_real_frames_count_each_liquidation_once(bitfinex: BitfinexLoopback) -> None:
    """The real frames in order (their channel ids set to the one this
    connection got): the BTC long is announced three times and counts once;
    of the ETH short only the announcement (IS_MATCH 0, the whole -8.6007)
    counts, not the fill of -4.567 that came with it."""
    assert REAL["source"]["repo"] == "tardis-dev/tardis-node"
    frames = [[CHAN_ID, *f[1:]] if isinstance(f, list) else f for f in REAL["frames"]]
    feed = liquidation_feed("bitfinex", settings_for(bitfinex))
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await bitfinex.wait_subscribed()
            await bitfinex.send_frames([json.dumps(f) for f in frames], [], KEY)
            events = await out.wait_for(2)
            await asyncio.sleep(0.1)
    assert events == [
        # a long of 0.00268657 BTC, liquidated at 9080
        Liquidation(1593522802742, "bitfinex", "BTC/USDT:USDT", "long", 9080.0, 0.00268657, pytest.approx(24.3940556)),
        # a short of 8.6007 ETH; no liquidation price given, so the base price
        Liquidation(1594036710534, "bitfinex", "ETH/USDT:USDT", "short", 222.248906484356, 8.6007,
                    pytest.approx(8.6007 * 222.248906484356)),
    ]
    assert feed.duplicates == 2 and feed.garbage == 0


async def test_frames_of_other_channels_and_heartbeats_are_not_liquidations(bitfinex: BitfinexLoopback) -> None:
    feed = liquidation_feed("bitfinex", settings_for(bitfinex))
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await bitfinex.wait_subscribed()
            await bitfinex.send_heartbeat()
            other = [CHAN_ID + 1, [bitfinex.entry("tBTCF0:USTF0", 1.0, 1.0, T0, 1.0)]]
            await bitfinex.send_frames([json.dumps(other)], [], KEY)
            await bitfinex.send_liquidations([bitfinex.entry("tNEWF0:USTF0", -30.0, 2.0, T0 + 1, 2.1)])
            events = await out.wait_for(1)
    assert events == [Liquidation(T0 + 1, "bitfinex", "NEW/USDT:USDT", "short", 2.1, 30.0, pytest.approx(63.0))]
    assert feed.garbage == 0 and feed.chan_id == CHAN_ID and driver.runs == 1
    assert bitfinex.subscriptions == [{"event": "subscribe", "channel": "status", "key": "liq:global"}]


def test_pairs_not_loaded_are_named_like_ccxt_names_them() -> None:
    from feeds.venues.bitfinex import _contract

    assert _contract("tNEWF0:USTF0").symbol == "NEW/USDT:USDT"
    assert _contract("tBTCF0:EUTF0").symbol == "BTC/EUT:EUT"
    assert _contract("tBTCUSD").symbol == "BTC/USD"
    assert _contract("tAVAX:UST").symbol == "AVAX/USDT"
    with pytest.raises(ValueError):
        _contract("tX")


async def test_a_broken_entry_is_garbage(bitfinex: BitfinexLoopback) -> None:
    feed = liquidation_feed("bitfinex", settings_for(bitfinex))
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await bitfinex.wait_subscribed()
            await bitfinex.send_garbage(json.dumps([CHAN_ID, [["pos", 1, T0]]]))
            await bitfinex.send_liquidations([bitfinex.entry("tETHF0:USTF0", 2.0, 3000.0, T0, 2900.0)])
            events = await out.wait_for(1)
    assert feed.garbage == 1 and driver.runs == 1
    assert events == [Liquidation(T0, "bitfinex", "ETH/USDT:USDT", "long", 2900.0, 2.0, 5800.0)]


async def test_a_quiet_venue_heartbeats_while_its_frames_flow(bitfinex: BitfinexLoopback) -> None:
    """No liquidation for a while, but the venue's heartbeats come: the feed
    emits empty batches (the supervisor's heartbeat) and stays live."""
    feed = liquidation_feed("bitfinex", settings_for(bitfinex))
    feed.heartbeat_s = 0.05
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await bitfinex.wait_subscribed()
            while out.batches < 2:
                await bitfinex.send_heartbeat()
                await asyncio.sleep(0.02)
            bitfinex.stall()  # nothing comes any more: no heartbeat either (the watchdog's case)
            await asyncio.sleep(0.1)
            quiet = out.batches
            await asyncio.sleep(0.3)
    assert out.events == [] and quiet >= 2 and out.batches == quiet
