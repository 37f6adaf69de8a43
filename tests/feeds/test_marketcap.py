"""The market-cap poller against a loopback server speaking the three APIs.

The poller's clock and sleep are a fake that jumps forward, so minutes of
polling, Retry-After waits and fallbacks run in milliseconds; the HTTP is
real (aiohttp client and server on 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import email.utils
import math

import pytest
from tests.loopback.marketcap import MarketCapServer, Reply

from feeds.base import Feed
from feeds.events import FeedStatus, MarketCap
from feeds.marketcap import MarketCapFeed, MarketCapUnavailable
from feeds.settings import MarketCapSettings
from feeds.supervisor import Backoff, Supervisor

WALL0 = 1_763_950_000.0


class FakeTime:
    def __init__(self) -> None:
        self.t = 0.0

    def clock(self) -> float:
        return self.t

    def wall(self) -> float:
        return WALL0 + self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds
        await asyncio.sleep(0)


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def server(fake):
    async with MarketCapServer(clock=fake.clock) as srv:
        yield srv


def make_feed(srv: MarketCapServer, fake: FakeTime, providers: list[str], **kw) -> MarketCapFeed:
    settings = MarketCapSettings(
        providers=providers,
        coingecko_url=srv.origin,
        coinpaprika_url=srv.origin,
        coinlore_url=srv.origin,
        poll_seconds=60.0,
    )
    return MarketCapFeed(settings, clock=fake.clock, sleep=fake.sleep, wall=fake.wall, **kw)


async def drive(feed: Feed, stop_when, limit: float = 10.0):
    """Run the feed until ``stop_when(batches)`` (or it ends); returns the
    batches and the finished task."""
    batches: list = []

    async def emit(batch) -> None:
        batches.append(batch)
        if stop_when(batches):
            # Hold the feed here, so it asks nothing more before it is cancelled.
            await asyncio.Event().wait()

    task = asyncio.create_task(feed.run(emit))

    async def watch() -> None:
        while not (stop_when(batches) or task.done()):
            await asyncio.sleep(0.001)

    try:
        await asyncio.wait_for(watch(), limit)
    finally:
        if not task.done():
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return batches, task


def samples(batches) -> list[MarketCap]:
    return [ev for b in batches for ev in b]


@pytest.mark.parametrize(
    "provider, ts, usd",
    [
        ("coingecko", 1_763_950_000_000, 3_312_456_789_012.5),  # updated_at is in seconds
        ("coinpaprika", 1_763_950_100_000, 3_290_000_000_000.0),  # last_updated is in seconds
        ("coinlore", int(WALL0 * 1000), 3_275_123_456_789.3),  # no timestamp: time of the answer
    ],
)
async def test_each_provider_is_parsed(server, fake, provider, ts, usd):
    feed = make_feed(server, fake, [provider])
    batches, _ = await drive(feed, lambda b: len(samples(b)) >= 1)
    assert samples(batches)[0] == MarketCap(ts, provider, usd)


async def test_polls_at_most_once_a_minute_and_skips_unchanged_samples(server, fake):
    server.frozen.add("coingecko")  # CoinGecko's 10-minute cache: same updated_at
    feed = make_feed(server, fake, ["coingecko"])
    batches, _ = await drive(feed, lambda b: len(b) >= 4)
    assert server.hits_of("coingecko")[:4] == [0.0, 60.0, 120.0, 180.0]
    first = samples(batches)[0]
    # One sample, then heartbeats (empty batches) while upstream is unchanged.
    assert batches[:4] == [[first], [], [], []]
    # Upstream moves on: the new sample is emitted.
    server.frozen.clear()
    batches2, _ = await drive(feed, lambda b: len(samples(b)) >= 1)
    new = samples(batches2)[0]
    assert new.source == "coingecko" and new.ts > first.ts
    assert len(set(ev.ts for ev in samples(batches) + samples(batches2))) == 2


async def test_429_with_retry_after_seconds_falls_back_then_returns(server, fake):
    server.script["coingecko"].append(Reply(429, body='{"status":{"error_code":429}}', headers={"Retry-After": "300"}))
    feed = make_feed(server, fake, ["coingecko", "coinpaprika"])
    batches, _ = await drive(feed, lambda b: any(ev.source == "coingecko" for ev in samples(b)))
    cg = server.hits_of("coingecko")
    # Asked at 0 (429), then not before its Retry-After ran out.
    assert cg == [0.0, 300.0]
    # Meanwhile every poll went to the next provider, once a minute.
    assert server.hits_of("coinpaprika") == [0.0, 60.0, 120.0, 180.0, 240.0]
    assert [ev.source for ev in samples(batches)] == ["coinpaprika"] * 5 + ["coingecko"]


async def test_429_with_retry_after_http_date(server, fake):
    when = email.utils.formatdate(WALL0 + 600, usegmt=True)
    server.script["coingecko"].append(Reply(429, headers={"Retry-After": when}))
    feed = make_feed(server, fake, ["coingecko", "coinlore"])
    await drive(feed, lambda b: len(server.hits_of("coingecko")) >= 2)
    first, second = server.hits_of("coingecko")
    assert second - first >= 600


async def test_a_restart_does_not_shorten_retry_after(server, fake):
    """With a single provider a 429 fails the run (the supervisor shows the
    feed down); the restarted run still waits out the Retry-After."""
    server.script["coingecko"].append(Reply(429, headers={"Retry-After": "900"}))
    feed = make_feed(server, fake, ["coingecko"])
    _, task = await drive(feed, lambda b: False)
    with pytest.raises(MarketCapUnavailable, match=r"coingecko: HTTP 429, retry after 900 s"):
        task.result()
    batches, _ = await drive(feed, lambda b: len(samples(b)) >= 1)
    assert server.hits_of("coingecko") == [0.0, 900.0]
    assert samples(batches)[0].source == "coingecko"


async def test_fallback_down_the_list_and_back_to_the_preferred(server, fake):
    server.script["coingecko"].extend([Reply(500), Reply(502)])
    server.script["coinpaprika"].append(Reply(503, body="maintenance"))  # no Retry-After: a plain failure
    feed = make_feed(server, fake, ["coingecko", "coinpaprika", "coinlore"])
    batches, _ = await drive(feed, lambda b: len(samples(b)) >= 3)
    assert [ev.source for ev in samples(batches)] == ["coinlore", "coinpaprika", "coingecko"]
    assert server.hits_of("coingecko") == [0.0, 60.0, 120.0]
    assert server.hits_of("coinpaprika") == [0.0, 60.0]
    assert server.hits_of("coinlore") == [0.0]


@pytest.mark.parametrize(
    "garbage",
    [
        "<html><body>502 Bad Gateway</body></html>",
        '{"data": {"total_market_cap": {}}}',
        '{"data": {"total_market_cap": {"usd": "NaN"}, "updated_at": 1763950000}}',
        '{"data": {"total_market_cap": {"usd": 3.3e12}, "updated_at": true}}',
        '{"data": []}',
        "[]",
        "",
    ],
)
async def test_garbage_counts_as_a_failure_not_a_crash(server, fake, garbage):
    server.script["coingecko"].append(Reply(200, body=garbage))
    feed = make_feed(server, fake, ["coingecko", "coinpaprika"])
    batches, task = await drive(feed, lambda b: len(samples(b)) >= 2)
    assert task.cancelled()  # still running when we stopped it
    assert [ev.source for ev in samples(batches)] == ["coinpaprika", "coingecko"]


async def test_every_provider_failing_raises_with_each_reason(server, fake):
    server.script["coingecko"].append(Reply(200, body="not json"))
    server.script["coinlore"].append(Reply(200, body="[]"))
    feed = make_feed(server, fake, ["coingecko", "coinlore"])
    _, task = await drive(feed, lambda b: False)
    with pytest.raises(MarketCapUnavailable) as info:
        task.result()
    assert str(info.value) == (
        "coingecko: response is not JSON; "
        "coinlore: unexpected response (ValueError: expected a non-empty JSON list)"
    )


async def test_a_provider_that_hangs_times_out_and_falls_back(server, fake):
    server.script["coingecko"].append(Reply(delay=0.5))
    feed = make_feed(server, fake, ["coingecko", "coinlore"], timeout=0.05)
    batches, _ = await drive(feed, lambda b: len(samples(b)) >= 1)
    assert samples(batches)[0].source == "coinlore"
    assert server.hits_of("coingecko") == [0.0]


async def test_under_the_supervisor_down_then_live(server, fake):
    """The real path: the supervisor shows the poller down with the reasons,
    restarts it, and it goes live with a sample once a provider answers."""
    server.script["coingecko"].append(Reply(500))
    feed = make_feed(server, fake, ["coingecko"])
    events: list = []

    async def emit(batch) -> None:
        events.extend(batch)

    sup = Supervisor([feed], emit, backoff=Backoff(base=0.001, cap=0.001))
    sup.start()

    async def wait_sample() -> None:
        while not any(isinstance(ev, MarketCap) for ev in events):
            await asyncio.sleep(0.001)

    await asyncio.wait_for(wait_sample(), 10)
    await sup.stop()
    states = [(ev.state, ev.detail) for ev in events if isinstance(ev, FeedStatus)]
    assert states[0] == ("connecting", "")
    assert states[1][0] == "down" and states[1][1].startswith("MarketCapUnavailable: coingecko: HTTP 500")
    assert [s for s, _ in states[2:]] == ["connecting", "live"]
    assert server.hits_of("coingecko")[:2] == [0.0, 60.0]
    assert not sup.no_venue_reachable  # the poller is no venue


def test_origins_are_validated_and_paths_are_the_providers_own():
    assert MarketCapSettings().validate() == {}
    bad = MarketCapSettings(coingecko_url="api.coingecko.com", coinlore_url="http://127.0.0.1:9000/api/global/")
    assert set(bad.validate()) == {"coingecko_url", "coinlore_url"}
    feed = MarketCapFeed(MarketCapSettings(coinpaprika_url="http://127.0.0.1:9001/"))
    assert feed.urls == {
        "coingecko": "https://api.coingecko.com/api/v3/global",
        "coinpaprika": "http://127.0.0.1:9001/v1/global",
        "coinlore": "https://api.coinlore.net/api/global/",
    }
    assert feed.name == "marketcap" and feed.venue is False
    assert math.isfinite(feed.stale_after) and feed.stale_after > 3 * 60
