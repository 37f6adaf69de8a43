"""The total crypto market cap, polled from keyless public APIs.

No keyless source streams the total cap or serves its history, so liqwatch
polls for samples and keeps them itself.  The sources are free and rate
limited, and CoinGecko only refreshes its figure every 10 minutes, so the
poller is deliberately polite: at most one request per ``poll_seconds`` (60 s
or more), a 429 or 503 keeps that provider out of the rotation for its
``Retry-After``, and a sample whose source timestamp did not change is not
emitted again (an empty batch tells the supervisor the feed is still alive).

Providers are tried in the configured order on every poll, so after a
fallback the preferred provider is asked first again on the next poll and
takes over as soon as it answers.  These limits live on the feed object, not
in ``run()``, so a supervisor restart cannot make the poller ask sooner.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any, Awaitable, Callable

import aiohttp
from yarl import URL

from feeds.base import Emit, Feed
from feeds.events import MarketCap
from feeds.http import RETRY_AFTER, retry_after_s
from feeds.settings import MarketCapSettings

log = logging.getLogger("liqwatch.marketcap")

#: Each provider's path under its configured origin.
PATHS = {
    "coingecko": "/api/v3/global",
    "coinpaprika": "/v1/global",
    "coinlore": "/api/global/",
}


class ProviderError(Exception):
    """One provider failed this poll (HTTP error, timeout, garbage)."""


class RateLimited(ProviderError):
    def __init__(self, status: int, retry_after: float) -> None:
        super().__init__(f"HTTP {status}, retry after {retry_after:.0f} s")
        self.retry_after = retry_after


class MarketCapUnavailable(Exception):
    """No provider answered this poll; the message says why for each."""


def _usd(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    usd = float(value)
    if not math.isfinite(usd) or usd <= 0:
        raise ValueError(f"not a positive market cap: {value!r}")
    return usd


def _seconds(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"not a timestamp: {value!r}")
    return int(value)


def parse_coingecko(body: Any) -> tuple[int | None, float]:
    """``{"data": {"total_market_cap": {"usd": ...}, "updated_at": <s>}}``"""
    data = body["data"]
    return _seconds(data["updated_at"]), _usd(data["total_market_cap"]["usd"])


def parse_coinpaprika(body: Any) -> tuple[int | None, float]:
    """``{"market_cap_usd": ..., "last_updated": <s>, ...}``"""
    return _seconds(body["last_updated"]), _usd(body["market_cap_usd"])


def parse_coinlore(body: Any) -> tuple[int | None, float]:
    """``[{"total_mcap": ..., ...}]``: a list, and no timestamp."""
    if not isinstance(body, list) or not body:
        raise ValueError("expected a non-empty JSON list")
    return None, _usd(body[0]["total_mcap"])


PARSERS: dict[str, Callable[[Any], tuple[int | None, float]]] = {
    "coingecko": parse_coingecko,
    "coinpaprika": parse_coinpaprika,
    "coinlore": parse_coinlore,
}


class MarketCapFeed(Feed):
    """Polls the providers of ``settings`` and emits ``MarketCap`` samples.

    ``ts`` is the provider's own update time in ms (CoinLore has none: the
    time of the answer).  ``clock``/``sleep``/``wall`` are injectable so the
    tests can run minutes of polling without waiting for them.
    """

    name = "marketcap"
    venue = False

    def __init__(
        self,
        settings: MarketCapSettings,
        *,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        wall: Callable[[], float] = time.time,
    ) -> None:
        if not settings.providers:
            raise ValueError("no market-cap provider configured")
        self.providers = list(settings.providers)
        self.urls = {
            p: str(URL(getattr(settings, f"{p}_url")).origin().with_path(PATHS[p])) for p in self.providers
        }
        self.poll_seconds = settings.poll_seconds
        self.timeout = timeout
        # Polls go quiet when the figure has not changed; only a silence much
        # longer than a poll (or a run of Retry-After waits) is stale.
        self.stale_after = 3 * self.poll_seconds + timeout * len(self.providers)
        self._clock = clock
        self._sleep = sleep
        self._wall = wall
        self._next_poll = -math.inf
        self._blocked_until = {p: -math.inf for p in self.providers}
        self._last_ts: dict[str, int] = {}

    async def run(self, emit: Emit) -> None:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout, headers={"Accept": "application/json"}) as session:
            while True:
                await self._wait_turn()
                sample = await self._poll(session)
                if self._last_ts.get(sample.source) == sample.ts:
                    await emit([])  # alive, nothing new upstream
                    continue
                self._last_ts[sample.source] = sample.ts
                await emit([sample])

    async def _wait_turn(self) -> None:
        """Sleep until the next poll is due and some provider may be asked."""
        wake = max(self._next_poll, min(self._blocked_until.values()))
        delay = wake - self._clock()
        if delay > 0:
            await self._sleep(delay)
        self._next_poll = self._clock() + self.poll_seconds

    async def _poll(self, session: aiohttp.ClientSession) -> MarketCap:
        errors = []
        for p in self.providers:
            wait = self._blocked_until[p] - self._clock()
            if wait > 0:
                errors.append(f"{p}: rate-limited for {wait:.0f} s more")
                continue
            try:
                sample = await self._fetch(session, p)
            except RateLimited as exc:
                self._blocked_until[p] = self._clock() + exc.retry_after
                errors.append(f"{p}: {exc}")
            except ProviderError as exc:
                errors.append(f"{p}: {exc}")
            else:
                if errors:
                    log.info("market cap from %s (%s)", p, "; ".join(errors))
                return sample
        raise MarketCapUnavailable("; ".join(errors))

    async def _fetch(self, session: aiohttp.ClientSession, provider: str) -> MarketCap:
        try:
            async with session.get(self.urls[provider]) as resp:
                if resp.status in (429, 503):
                    retry = retry_after_s(resp.headers.get(RETRY_AFTER), self._wall())
                    if resp.status == 429 or retry is not None:
                        raise RateLimited(resp.status, retry if retry is not None else self.poll_seconds)
                if resp.status != 200:
                    raise ProviderError(f"HTTP {resp.status}")
                body = await resp.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise ProviderError(f"{type(exc).__name__}: {exc}".rstrip(": ")) from None
        except ValueError:  # json.JSONDecodeError, UnicodeDecodeError
            raise ProviderError("response is not JSON") from None
        try:
            updated_s, usd = PARSERS[provider](body)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ProviderError(f"unexpected response ({type(exc).__name__}: {exc})") from None
        ts = updated_s * 1000 if updated_s is not None else int(self._wall() * 1000)
        return MarketCap(ts, provider, usd)
