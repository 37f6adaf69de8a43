"""Context around the liquidations, polled over ccxt REST: 24 h volume, open
interest, hourly candles and the live price, per venue.

One ``VenueContextFeed`` per venue that has ``VenueSpec.context`` (feed name
``<venue>:context``) runs three loops on one ccxt instance (same class,
options and origin override as the venue's liquidation feed):

* volume, every ``volume_s`` (60 s): ``fetch_tickers`` -> a ``Volume`` per
  contract symbol and one ``Volume`` with symbol ``*`` for the venue total of
  those symbols.  The USD figure is venue-specific (``ContextSpec.ticker_usd``):
  ccxt's ``quoteVolume`` is missing for OKX swaps and its ``baseVolume`` there
  is in contracts, so each venue says which raw field is the USD turnover;
* open interest, every ``oi_s`` (5 min): the ``top_n`` symbols by that volume,
  ``fetch_open_interest`` -> ``OpenInterest`` in USD (the venue's value when
  it gives one, else amount x last price for linear contracts; inverse
  contracts without a USD value are skipped rather than guessed);
* candles: at start a ``backfill_days`` (30) backfill of closed 1 h bars per
  watchlist symbol listed on the venue, then every ``candle_s`` the bars that
  closed since; never the still-open bar.  The open bar's close is emitted as
  the live ``Price`` between bars.

Every REST call goes through ``CcxtFeed.call``: on HTTP 429 it waits at least
the venue's Retry-After before trying again.  State that must survive a
restart of ``run`` (the last closed bar per symbol, the volume ranking) lives
on the feed object, so a restart neither re-emits the backfill nor loses the
ranking.

Intervals are parameters (tests use short ones); ``clock`` (ms) decides
which bars are closed, ``rate_limit_ms`` overrides ccxt's request spacing.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

from feeds.base import Emit
from feeds.events import HOUR_MS, Candle, OpenInterest, Price, Volume
from feeds.settings import ExchangeSettings
from feeds.venues.ccxt_feed import RATE_LIMIT_WAIT_S, CcxtFeed
from feeds.venues.spec import VenueSpec

USD_QUOTES = frozenset({"USD", "USDT", "USDC"})


def _now_ms() -> int:
    return int(time.time() * 1000)


class VenueContextFeed(CcxtFeed):
    """Volume, open interest, candles and price for one venue; see the module
    docstring."""

    def __init__(
        self,
        spec: VenueSpec,
        settings: ExchangeSettings,
        watchlist: list[str],
        *,
        volume_s: float = 60.0,
        oi_s: float = 300.0,
        candle_s: float = 60.0,
        top_n: int = 10,
        backfill_days: int = 30,
        rate_limit_wait_s: float = RATE_LIMIT_WAIT_S,
        rate_limit_ms: float | None = None,
        clock: Callable[[], int] = _now_ms,
    ) -> None:
        if spec.context is None:
            raise ValueError(f"{spec.name} has no context feed")
        super().__init__(spec, settings, rate_limit_wait_s=rate_limit_wait_s, rate_limit_ms=rate_limit_ms)
        self.name = f"{spec.name}:context"
        #: The ``exchange`` of the events (the venue's name; the feed's is ``<venue>:context``).
        self.exchange = spec.name
        self.watchlist = list(watchlist)
        self.ticker_usd = spec.context.ticker_usd
        self.ohlcv_limit = spec.context.ohlcv_limit
        self.volume_s = volume_s
        self.oi_s = oi_s
        self.candle_s = candle_s
        self.top_n = top_n
        self.backfill_days = backfill_days
        self.clock = clock
        #: symbol -> open time of the last closed bar emitted
        self.last_bar: dict[str, int] = {}
        #: symbol -> (usd_24h, last) from the latest tickers poll
        self.tickers: dict[str, tuple[float, float]] = {}
        self._tickers_ready = asyncio.Event()

    async def run(self, emit: Emit) -> None:
        try:
            async with self.session() as exchange, asyncio.TaskGroup() as group:
                group.create_task(self._volume_loop(exchange, emit))
                group.create_task(self._oi_loop(exchange, emit))
                group.create_task(self._candle_loop(exchange, emit))
        except* Exception as group:
            raise group.exceptions[0] from None

    # -- volume -------------------------------------------------------------------

    async def poll_volume(self, exchange: Any) -> list[Volume]:
        now = self.clock()
        tickers: dict[str, Any] = {}
        for params in self.spec.tickers_params:
            tickers.update(await self.call(exchange, exchange.fetch_tickers, None, dict(params)))
        out: list[Volume] = []
        latest: dict[str, tuple[float, float]] = {}
        for symbol, t in tickers.items():
            market = exchange.markets.get(symbol)
            if market is None or not market.get("contract") or market.get("quote") not in USD_QUOTES:
                continue
            last = t.get("last") or t.get("close")
            usd = self.ticker_usd(t, market)
            if usd is None:
                continue
            latest[symbol] = (usd, float(last) if last else 0.0)
            out.append(Volume(now, self.exchange, symbol, usd))
        if out:
            out.append(Volume(now, self.exchange, "*", sum(v.usd_24h for v in out)))
        self.tickers = latest
        self._tickers_ready.set()
        return out

    async def _volume_loop(self, exchange: Any, emit: Emit) -> None:
        while True:
            batch = await self.poll_volume(exchange)
            if batch:
                await emit(batch)
            await asyncio.sleep(self.volume_s)

    # -- open interest --------------------------------------------------------------

    def top_symbols(self) -> list[str]:
        ranked = sorted(self.tickers.items(), key=lambda kv: kv[1][0], reverse=True)
        return [symbol for symbol, _ in ranked[: self.top_n]]

    async def poll_open_interest(self, exchange: Any) -> list[OpenInterest]:
        out: list[OpenInterest] = []
        for symbol in self.top_symbols():
            market = exchange.markets[symbol]
            oi = await self.call(exchange, exchange.fetch_open_interest, symbol)
            usd = oi.get("openInterestValue")
            if usd is None and not market.get("inverse"):
                amount = oi.get("openInterestAmount") or oi.get("baseVolume")
                last = self.tickers.get(symbol, (0.0, 0.0))[1]
                if amount is not None and last:
                    usd = float(amount) * (market.get("contractSize") or 1.0) * last
            if usd is None:
                continue
            out.append(OpenInterest(int(oi.get("timestamp") or self.clock()), self.exchange, symbol, float(usd)))
        return out

    async def _oi_loop(self, exchange: Any, emit: Emit) -> None:
        await self._tickers_ready.wait()
        while True:
            batch = await self.poll_open_interest(exchange)
            if batch:
                await emit(batch)
            await asyncio.sleep(self.oi_s)

    # -- candles and price ------------------------------------------------------------

    def _candle(self, symbol: str, bar: list[Any]) -> Candle:
        ts, o, h, l, c, v = bar[:6]
        # ccxt reports OHLCV volume in base units; base x close is the turnover.
        close = float(c)
        return Candle(int(ts), self.exchange, symbol, "1h", float(o), float(h), float(l), close, float(v or 0.0) * close)

    async def poll_candles(self, exchange: Any, symbol: str) -> list[Any]:
        """Closed bars after the last one emitted (a backfill on first call),
        then the open bar's close as a ``Price``."""
        now = self.clock()
        open_bar = now - now % HOUR_MS
        since = self.last_bar.get(symbol, open_bar - self.backfill_days * 24 * HOUR_MS - HOUR_MS) + HOUR_MS
        out: list[Any] = []
        price: Price | None = None
        while since <= open_bar:
            bars = await self.call(exchange, exchange.fetch_ohlcv, symbol, "1h", since, self.ohlcv_limit)
            bars = [b for b in bars if b[0] >= since]
            if not bars:
                break
            for bar in bars:
                if bar[0] + HOUR_MS <= now:
                    out.append(self._candle(symbol, bar))
                    self.last_bar[symbol] = int(bar[0])
                else:
                    price = Price(now, self.exchange, symbol, float(bar[4]))
            since = int(bars[-1][0]) + HOUR_MS
        if price is not None:
            out.append(price)
        return out

    async def _candle_loop(self, exchange: Any, emit: Emit) -> None:
        symbols = [s for s in self.watchlist if s in exchange.markets]
        while True:
            for symbol in symbols:
                batch = await self.poll_candles(exchange, symbol)
                if batch:
                    await emit(batch)
            await asyncio.sleep(self.candle_s)
