"""Gate liquidation stream against the loopback venue: both settles, batched
frames, the order-size sign, and the REST catch-up after an outage."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator

import pytest

from feeds.events import Liquidation
from feeds.venues import liquidation_feed
from feeds.venues.gate import GateFeed, gate_normaliser, gate_row
from feeds.venues.markets import Contract
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback.gate import GateLoopback
from tests.loopback.harness import Collector, running

T0 = 1_700_000_000_000


@pytest.fixture
async def gate() -> AsyncIterator[GateLoopback]:
    async with GateLoopback() as server:
        yield server  # type: ignore[misc]


def gate_feed(server: GateLoopback) -> GateFeed:
    return liquidation_feed("gate", settings_for(server), confirm_wait_s=2.0)  # type: ignore[return-value]


# Gate futures WS docs, "public liquidates order" push example (gate.com/docs/developers/futures/ws, zh):
DOC_FRAME = {"channel": "futures.public_liquidates", "event": "update", "time": 1541505434, "time_ms": 1541505434123,
             "result": [{"price": 215.1, "size": "-124", "time_ms": 1541486601123, "contract": "BTC_USDT"}]}
# ccxt 4.5.90 python/ccxt/gate.py lines 7587-7594 (Gate's liq_orders answer pasted in parse_liquidation):
REST_ROW = {"contract": "BTC_USDT", "left": 0, "size": -165, "fill_price": "28070", "order_price": "28225", "time": 1696736132}
BTC_USDT = Contract("BTC/USDT:USDT", 0.0001, False)


def test_doc_frame_order_size_sign_and_quanto_notional() -> None:
    """Source: DOC_FRAME.  size -124 is a sell order: a long liquidated;
    124 contracts x 0.0001 BTC = 0.0124 BTC at 215.1 = 2.66724 USD."""
    (ev,) = gate_normaliser({"BTC_USDT": BTC_USDT}, deque())(DOC_FRAME)
    assert ev == Liquidation(1541486601123, "gate", "BTC/USDT:USDT", "long", 215.1, pytest.approx(0.0124), pytest.approx(2.66724))


def test_a_stream_entry_a_catch_up_already_emitted_is_skipped() -> None:
    """The catch-up fetched DOC_FRAME's liquidation over REST (as the
    position's size +124 at that second); the same one arriving late over
    the stream is not counted twice, the others are."""
    caught = {("BTC_USDT", "long", 124.0, 1541486601)}
    frame = dict(DOC_FRAME, result=[*DOC_FRAME["result"], dict(DOC_FRAME["result"][0], size="-125")])
    (ev,) = gate_normaliser({"BTC_USDT": BTC_USDT}, deque(), caught)(frame)
    assert ev.qty == pytest.approx(0.0125)


def test_real_rest_row_position_size_sign() -> None:
    """Source: REST_ROW.  There size is the position's: -165 = a short
    liquidated; left 0, so 165 x 0.0001 BTC at the fill price 28070."""
    ev = gate_row(REST_ROW, BTC_USDT)
    assert ev == Liquidation(1696736132000, "gate", "BTC/USDT:USDT", "short", 28070.0, pytest.approx(0.0165), pytest.approx(463.155))
    # a partly filled one counts only what was filled: |size - left|
    assert gate_row(dict(REST_ROW, left=-65), BTC_USDT).qty == pytest.approx(0.01)


async def test_subscribes_all_contracts_on_both_settles(gate: GateLoopback) -> None:
    async with running(gate_feed(gate)):
        async with asyncio.timeout(BOUND_S):
            await gate.wait_subscribed(2)
    assert sorted(gate.ws_paths) == ["/v4/ws/btc", "/v4/ws/usdt"]
    assert all(s["channel"] == "futures.public_liquidates" and s["payload"] == ["!all"] for s in gate.subscriptions)


async def test_every_entry_of_a_batched_frame_on_both_settles(gate: GateLoopback) -> None:
    feed = gate_feed(gate)
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await gate.wait_subscribed(2)
            await gate.send_liquidations(
                "ETH_USDT", [gate.entry("ETH_USDT", -30, 3000.0, T0), gate.entry("ETH_USDT", 5, 3001.0, T0 + 1),
                             gate.entry("ETH_USDT", -1, 2999.0, T0 + 2)],
            )
            await gate.send_liquidations("BTC_USD", [gate.entry("BTC_USD", 600, 60000.0, T0 + 3)])  # inverse: 1 USD each
            events = await out.wait_for(4)
    assert sorted(events) == [
        Liquidation(T0, "gate", "ETH/USDT:USDT", "long", 3000.0, pytest.approx(0.3), pytest.approx(900.0)),
        Liquidation(T0 + 1, "gate", "ETH/USDT:USDT", "short", 3001.0, pytest.approx(0.05), pytest.approx(150.05)),
        Liquidation(T0 + 2, "gate", "ETH/USDT:USDT", "long", 2999.0, pytest.approx(0.01), pytest.approx(29.99)),
        Liquidation(T0 + 3, "gate", "BTC/USD:BTC", "short", 60000.0, pytest.approx(0.01), 600.0),
    ]
    assert gate.liq_queries == []  # no REST on a first connect


async def test_after_an_outage_rest_catches_up_what_the_stream_missed_and_nothing_twice(gate: GateLoopback) -> None:
    feed = gate_feed(gate)
    out = Collector()
    now = int(time.time() * 1000) - 30_000
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await gate.wait_subscribed(2)
            await gate.send_liquidations("SOL_USDT", [gate.entry("SOL_USDT", -2, 150.0, now)])
            await out.wait_for(1)
            gate.stall()  # the venue goes quiet; what happens now reaches no socket
            await gate.send_liquidations("SOL_USDT", [gate.entry("SOL_USDT", -4, 151.0, now + 1000)])
            await gate.send_liquidations("BTC_USD", [gate.entry("BTC_USD", 300, 60000.0, now + 2000)])
            gate.resume()
            gate.replay_on_subscribe = 1  # and it resends its last frame after the resubscribe
            await gate.drop()
            await gate.wait_subscribed(4)
            await out.wait_for(3)
            await asyncio.sleep(0.2)
    assert driver.runs == 2 and len(gate.missed) == 2
    assert [q["settle"] for q in gate.liq_queries] == ["usdt", "btc"] and all(int(q["from"]) == now // 1000 for q in gate.liq_queries)
    assert sorted(out.events) == sorted(gate.expected_liquidations())
    assert [e.ts for e in sorted(out.events)] == [now, (now + 1000) // 1000 * 1000, (now + 2000) // 1000 * 1000]
    assert feed.caught_up == 2 and len(out.events) == 3  # the first one was not fetched again


async def test_ccxt_fetch_liquidations_sends_gate_ms_as_seconds_field(gate: GateLoopback) -> None:
    """Pins why the catch-up calls the endpoint itself: ccxt's unified method
    puts ``since`` in ms into Gate's seconds field ``from``."""
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


async def test_a_429_while_reconnecting_is_waited_out_and_the_catch_up_still_comes(gate: GateLoopback) -> None:
    feed = liquidation_feed("gate", settings_for(gate), confirm_wait_s=2.0, rate_limit_wait_s=0.01)
    out = Collector()
    now = int(time.time() * 1000) - 10_000
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await gate.wait_subscribed(2)
            await gate.send_liquidations("XRP_USDT", [gate.entry("XRP_USDT", 100, 0.5, now)])
            await out.wait_for(1)
            gate.rate_limit(1, retry_after=0.3)  # the reconnect's first REST request is refused once
            await gate.drop()
            gate.add_history([gate.row("XRP_USDT", 70, 0.51, now // 1000 + 1)])  # while nobody listened
            events = await out.wait_for(2)
    assert driver.runs == 2 and feed.rate_limit_waits == [pytest.approx(0.3)] and len(gate.rate_limited) == 1
    assert events[1] == Liquidation((now // 1000 + 1) * 1000, "gate", "XRP/USDT:USDT", "long", 0.51, 700.0, pytest.approx(357.0))
