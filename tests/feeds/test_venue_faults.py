"""Every frame a loopback venue sends is recorded once, through every fault.

One scenario for each venue below, through its real feed (``build``'s
``liquidation_feed``) against its loopback server: a 429 on the markets
load, a garbage frame, a drop after which the venue resends its last frames,
a stall (frames withheld, nothing recorded) and a burst of frames written
back to back.  The ground truth is the server's, computed independently of
the feed code (``expected_liquidations``); traffic is each server's
``send_random`` (the same the soak sends).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import Counter

import pytest

from feeds.events import Liquidation
from feeds.venues import liquidation_feed, spec_of
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback.base import LoopbackExchange
from tests.loopback.bitfinex import BitfinexLoopback
from tests.loopback.bitmex import BitmexLoopback
from tests.loopback.deribit import DeribitLoopback
from tests.loopback.dydx import DydxLoopback
from tests.loopback.harness import Collector, running
from tests.loopback.krakenfutures import KrakenFuturesLoopback

#: venue -> its loopback server class (one line per venue)
VENUES: dict[str, type[LoopbackExchange]] = {
    "deribit": DeribitLoopback,
    "bitfinex": BitfinexLoopback,
    "krakenfutures": KrakenFuturesLoopback,
    "dydx": DydxLoopback,
    "bitmex": BitmexLoopback,
}


def _key(e: Liquidation) -> tuple[object, ...]:
    ts = e.ts if spec_of(e.exchange).exchange_time else 0  # a venue whose frames carry no time: ours
    return (ts, e.exchange, e.symbol, e.side, round(e.price, 6), round(e.qty, 9), round(e.usd, 6))


@pytest.mark.parametrize("name", VENUES)
async def test_every_frame_is_recorded_once_through_every_fault(name: str) -> None:
    async with VENUES[name]() as server:
        server.rate_limit(2, retry_after=0.05)  # the markets load meets two 429s
        feed = liquidation_feed(name, settings_for(server), rate_limit_wait_s=0.01)
        out = Collector()
        rng = random.Random(11)
        seq = itertools.count(1).__next__

        async def send(frames: int) -> None:
            for _ in range(frames):
                assert await server.send_random(rng, seq, int(time.time() * 1000))  # type: ignore[attr-defined]

        async with running(feed, out) as driver:
            async with asyncio.timeout(BOUND_S * 2):
                await server.wait_subscribed(1)
                await asyncio.sleep(0.2)  # every subscription of the connection
                per_connection = len(server.subscriptions)
                await send(5)
                await server.send_garbage()
                await send(2)
                server.replay_on_subscribe = 3
                await server.drop()
                await server.wait_subscribed(2 * per_connection)
                await send(3)
                server.stall()
                await send(3)  # withheld: never sent, so never expected
                server.resume()
                await send(3)
                await send(300)  # a burst, back to back
                expected = server.expected_liquidations()
                await out.wait_for(len(expected))
                await asyncio.sleep(0.2)  # room for a duplicate to show up
    assert Counter(map(_key, out.events)) == Counter(map(_key, expected))
    assert len(server.rate_limited) == 2 and feed.rate_limit_waits
    assert server.resent and feed.duplicates > 0
    assert server.stalled_frames == 3 and feed.garbage == 1
    assert driver.runs == 2  # the drop restarted the feed once
    if hasattr(server, "deleveraged_sent"):  # dYdX: auto-deleveraging is counted apart, once per trade
        assert feed.deleveraged == len(server.deleveraged_sent) > 0  # type: ignore[attr-defined]
