"""Desk mode's two ends against a real nats-server: BusSink publishes, BusFeed reads.

Each test starts its own server (free port, own store) so they run in parallel.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import nats
import pytest

from feeds.bus.connection import BusConfigError, BusDown
from feeds.bus import COLLECTOR_FEED
from feeds.bus.feed import BusFeed, Start
from feeds.bus.settings import BusSettings, safe_url, split_urls, BusUrlError
from feeds.bus.sink import BusSink
from feeds.bus.wire import MSG_ID, encode, msg_id, subject
from feeds.events import FeedStatus, Liquidation, MarketCap, Price
from tests.loopback.nats import NatsServer, free_port

BOUND_S = 20


def liquidations(n: int, t0: int = 1_700_000_000_000) -> list[Liquidation]:
    return [Liquidation(t0 + i, "binance" if i % 2 else "okx", "BTC/USDT:USDT", "long" if i % 3 else "short",
                        60_000.0 + i, 0.01 * (i + 1), (60_000.0 + i) * 0.01 * (i + 1)) for i in range(n)]


@pytest.fixture
def server(tmp_path):
    s = NatsServer(tmp_path / "nats").start()
    yield s
    s.stop()


def settings_of(s: NatsServer, **kw) -> BusSettings:
    return BusSettings(url=s.url, **kw)


async def publish(settings: BusSettings, events, batch: int = 100) -> BusSink:
    sink = BusSink(settings)
    for i in range(0, len(events), batch):
        await sink.write(events[i:i + batch])
    await sink.close()
    return sink


async def read_all(settings: BusSettings, start: Start = Start(from_start=True), **kw) -> list:
    got: list = []

    async def emit(batch):
        got.extend(batch)

    await asyncio.wait_for(BusFeed(settings, start, to_tail=True, watch_collector=False, **kw).run(emit), BOUND_S)
    return got


# -- the wire ------------------------------------------------------------------

def test_subjects_are_type_and_exchange_tokens():
    ev = Liquidation(1, "binance", "BTC/USDT:USDT", "long", 1.0, 1.0, 1.0)
    assert subject("liqwatch", ev) == "liqwatch.liquidation.binance"
    assert subject("liqwatch", MarketCap(1, "coingecko", 1.0)) == "liqwatch.market_cap.coingecko"
    assert subject("liqwatch", FeedStatus(1, "my feed.x", "live")) == "liqwatch.feed_status.my_feed_x"


def test_message_id_is_stable_across_processes():
    """Python's hash is salted per process; the id must not be, or a restarted
    collector's resend would be stored twice."""
    ev = liquidations(1)[0]
    (_, payload, mid), = encode("liqwatch", [ev])
    code = ("from feeds.bus.wire import encode; from feeds.events import Liquidation; "
            f"print(encode('liqwatch', [Liquidation(*{tuple(ev)!r})])[0][2])")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=Path(__file__).resolve().parents[2]).stdout.strip()
    assert other == mid == msg_id(payload)
    assert msg_id(payload) != msg_id(payload.replace(b"okx", b"bybit"))


def test_bad_urls_are_named_and_credentials_never_shown():
    assert split_urls("nats://a:4222, nats://b:4223") == ["nats://a:4222", "nats://b:4223"]
    for bad in ("http://a:4222", "nats://a", "a:4222", "", "nats://a:4222/path"):
        with pytest.raises(BusUrlError):
            split_urls(bad)
    assert safe_url("nats://desk:s3cret@a:4222,nats://b:4223") == "nats://a:4222,nats://b:4223"
    problem = BusSettings(url="nats://desk:s3cret@a:4222").validate()["url"]
    assert "never in the URL" in problem and "s3cret" not in problem


# -- publish and read --------------------------------------------------------

async def test_what_is_published_is_read_back_in_order(server):
    st = settings_of(server)
    events = [*liquidations(500), MarketCap(1_700_000_000_500, "coingecko", 3.5e12), FeedStatus(1_700_000_000_600, "binance", "live", "ok")]
    sink = await publish(st, events)
    assert (sink.published, sink.duplicates, sink.buffered) == (len(events), 0, 0)
    assert await read_all(st) == events


async def test_a_resent_event_is_stored_once(server):
    """A restarted collector sends what it sent before: the Nats-Msg-Id keeps one copy."""
    st = settings_of(server)
    events = liquidations(300)
    await publish(st, events[:200])
    again = await publish(st, events)
    assert again.duplicates == 200
    assert await read_all(st) == events


async def test_a_read_resumes_after_the_last_sequence_it_handed_on(server):
    st = settings_of(server)
    events = liquidations(400)
    await publish(st, events[:250])
    feed = BusFeed(st, Start(from_start=True), watch_collector=False)
    got: list = []
    enough = asyncio.Event()

    async def emit(batch):
        got.extend(batch)
        if len(got) >= 250:
            enough.set()

    task = asyncio.create_task(feed.run(emit))
    await asyncio.wait_for(enough.wait(), BOUND_S)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert feed.last_seq == 250
    await publish(st, events[250:])
    # The same feed object, run again (as the supervisor does after a drop).
    task = asyncio.create_task(feed.run(emit))
    while len(got) < 400:
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert got == events


async def test_warm_start_reads_by_stream_time(server):
    st = settings_of(server)
    old, new = liquidations(50), liquidations(30, t0=1_750_000_000_000)
    await publish(st, old)
    await asyncio.sleep(0.05)
    mark = int(time.time() * 1000)
    await asyncio.sleep(0.05)
    await publish(st, new)
    assert await read_all(st, Start(since_ms=mark)) == new
    assert await read_all(st, Start(since_ms=int(time.time() * 1000) + 60_000)) == []


async def test_a_newer_liqwatch_stream_is_read_forward_compatibly(server):
    """Unknown fields and types are ignored, a bad message is reported and
    skipped, as in a recording."""
    st = settings_of(server)
    ev = liquidations(2)
    await publish(st, ev[:1])
    nc = await nats.connect(server.url)
    js = nc.jetstream()
    newer = json.loads(json.dumps({"type": "liquidation", **ev[1]._asdict(), "venue_id": "x1", "maker": True}))
    for i, payload in enumerate((json.dumps(newer), '{"type":"funding","ts":1,"exchange":"binance","rate":0.01}',
                                 '{"type":"liquidation","ts":"soon"}', "not json")):
        await js.publish("liqwatch.liquidation.binance", payload.encode(), headers={MSG_ID: f"m{i}"})
    price = b'{"type":"price","ts":1700000000009,"exchange":"binance","symbol":"B","last":2.0}'
    await js.publish("liqwatch.price.binance", price)
    await nc.close()
    bad: list = []
    got = await read_all(st, on_bad_line=lambda seq, reason: bad.append(seq))
    assert got == [ev[0], ev[1], Price(1_700_000_000_009, "binance", "B", 2.0)]
    assert bad == [4, 5]


# -- faults ------------------------------------------------------------------

async def test_an_unreachable_bus_is_said_in_words():
    st = BusSettings(url=f"nats://127.0.0.1:{free_port()}")
    with pytest.raises(BusDown, match="cannot reach the bus at nats://127.0.0.1"):
        await BusFeed(st, Start()).run(lambda b: asyncio.sleep(0))


async def test_refused_credentials_are_a_config_error_without_the_password(tmp_path):
    s = NatsServer(tmp_path / "nats", config="authorization { user: desk, password: s3cret }").start()
    try:
        with pytest.raises(BusConfigError) as err:
            await BusFeed(BusSettings(url=s.url, user="desk", password="wrong"), Start()).run(lambda b: asyncio.sleep(0))
        assert "refused the credentials" in str(err.value) and "wrong" not in str(err.value)
        sink = BusSink(BusSettings(url=s.url, user="desk", password="wrong"))
        await sink.write(liquidations(1))
        with pytest.raises(BusConfigError):
            await asyncio.wait_for(sink.close(), BOUND_S)
        ok = await publish(BusSettings(url=s.url, user="desk", password="s3cret"), liquidations(3))
        assert ok.published == 3
    finally:
        s.stop()


async def test_the_sink_buffers_while_the_bus_is_away_and_holds_back_past_its_bound(tmp_path):
    port = free_port()
    st = BusSettings(url=f"nats://127.0.0.1:{port}")
    events = liquidations(60)
    sink = BusSink(st, max_buffered=40)
    await sink.write(events[:40])
    blocked = asyncio.create_task(sink.write(events[40:]))
    await asyncio.sleep(0.5)
    assert not blocked.done() and sink.buffered == 40 and sink.state == "down"
    s = NatsServer(tmp_path / "nats", port=port).start()
    try:
        await asyncio.wait_for(blocked, BOUND_S)
        await sink.close()
        assert sink.published == 60
        assert await read_all(st) == events
    finally:
        s.stop()


async def test_the_collector_heartbeat_is_the_collector_feed(server):
    st = settings_of(server)
    statuses: list = []

    async def emit(batch):
        statuses.extend(ev for ev in batch if isinstance(ev, FeedStatus) and ev.feed == COLLECTOR_FEED)

    feed = BusFeed(st, Start())
    sink = BusSink(st, name="desk-1")
    await sink.write(liquidations(1))
    while not sink.published:  # the stream exists once the first event is in
        await asyncio.sleep(0.02)
    task = asyncio.create_task(feed.run(emit))
    for _ in range(200):
        if any(s.state == "live" for s in statuses):
            break
        await asyncio.sleep(0.05)
    await sink.close()
    for _ in range(200):
        if statuses and statuses[-1].state == "down":
            break
        await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert [(s.state, s.detail) for s in statuses][-2:] == [("live", "desk-1"), ("down", "desk-1 stopped")]


async def test_from_now_on_survives_a_drop(server):
    """A viewer of new events only (``tape --bus``) that drops and comes back
    gets what was published meanwhile, and none of what came before it."""
    st = settings_of(server)
    events = liquidations(30)
    await publish(st, events[:10])
    feed = BusFeed(st, Start(), watch_collector=False)
    got: list = []

    async def emit(batch):
        got.extend(batch)

    async def run_until(n: int) -> None:
        task = asyncio.create_task(feed.run(emit))
        for _ in range(400):
            if len(got) >= n:
                break
            await asyncio.sleep(0.02)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    task = asyncio.create_task(feed.run(emit))
    while not feed.last_seq:
        await asyncio.sleep(0.02)
    await publish(st, events[10:20])
    for _ in range(400):
        if len(got) >= 10:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await publish(st, events[20:])  # while this viewer is away
    await run_until(20)
    assert got == events[10:]


async def test_report_since_covers_the_last_stretch_of_the_stream(server):
    """``report --bus --since D``: the report over the events the stream took in
    the last D, exactly as over a recording of them."""
    import io

    from indicators.params import IndicatorParams
    from indicators.report import build_report
    from tui.cli.report import run_bus_report

    st = settings_of(server)
    old, new = liquidations(40), liquidations(25, t0=1_750_000_000_000)
    await publish(st, old)
    await asyncio.sleep(1.2)
    await publish(st, new)
    out = io.StringIO()
    code = await asyncio.to_thread(run_bus_report, st, 1.0, True, IndicatorParams(), None, out)
    assert code == 0
    assert json.loads(out.getvalue()) == json.loads(json.dumps(build_report(new, IndicatorParams())))
