"""Context around the liquidations, polled over ccxt REST: 24 h volume, open
interest, hourly candles and the live price, per venue.

One ``VenueContextFeed`` per venue (feed name ``<venue>:context``) runs three
loops on one ccxt instance (same origin override as the liquidation feeds):

* volume, every ``volume_s`` (60 s): ``fetch_tickers`` -> a ``Volume`` per
  contract symbol and one ``Volume`` with symbol ``*`` for the venue total of
  those symbols.  The USD figure is venue-specific (``ticker_usd``): ccxt's
  ``quoteVolume`` is missing for OKX swaps and its ``baseVolume`` there is in
  contracts, so each venue says which raw field is the USD turnover;
* open interest, every ``oi_s`` (5 min): the ``top_n`` symbols by that volume,
  ``fetch_open_interest`` -> ``OpenInterest`` in USD (the venue's value when
  it gives one, else amount x last price for linear contracts; inverse
  contracts without a USD value are skipped rather than guessed);
* candles: at start a ``backfill_days`` (30) backfill of closed 1 h bars per
  watchlist symbol listed on the venue, then every ``candle_s`` the bars that
  closed since; never the still-open bar.  The open bar's close is emitted as
  the live ``Price`` between bars.

Every REST call goes through ``_call``: on HTTP 429 (ccxt ``RateLimitExceeded``
or ``DDoSProtection``) it waits at least the venue's Retry-After before trying
again.  State that must survive a restart of ``run`` (the last closed bar per
symbol, the volume ranking) lives on the feed object, so a restart neither
re-emits the backfill nor loses the ranking.

Intervals are parameters (tests use short ones); ``clock`` (ms) decides
which bars are closed, ``rate_limit_ms`` overrides ccxt's request spacing.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable

from feeds.base import Emit, Feed
from feeds.events import HOUR_MS, Candle, OpenInterest, Price, Volume
from feeds.settings import ExchangeSettings
from feeds.venues.polite import call_politely

USD_QUOTES = frozenset({"USD", "USDT", "USDC"})


def _now_ms() -> int:
    return int(time.time() * 1000)


TickerUsd = Callable[[dict[str, Any], dict[str, Any]], "float | None"]


def quote_volume_usd(ticker: dict[str, Any], market: dict[str, Any]) -> float | None:
    """ccxt's ``quoteVolume`` (USDT/USDC/USD-quoted contracts count as USD)."""
    value = ticker.get("quoteVolume")
    return float(value) if value is not None else None


class VenueContextFeed(Feed):
    """Volume, open interest, candles and price for one venue; see the module
    docstring.  ``rate_limit_waits`` keeps every wait taken after a 429."""

    def __init__(
        self,
        venue: str,
        ccxt_id: str,
        settings: ExchangeSettings,
        watchlist: list[str],
        *,
        ccxt_options: dict[str, Any] | None = None,
        tickers_params: list[dict[str, Any]] | None = None,
        ticker_usd: TickerUsd = quote_volume_usd,
        volume_s: float = 60.0,
        oi_s: float = 300.0,
        candle_s: float = 60.0,
        top_n: int = 10,
        backfill_days: int = 30,
        ohlcv_limit: int = 500,
        rate_limit_wait_s: float = 5.0,
        rate_limit_ms: float | None = None,
        clock: Callable[[], int] = _now_ms,
    ) -> None:
        self.name = f"{venue}:context"
        self.venue = venue
        self.ccxt_id = ccxt_id
        self.settings = settings
        self.watchlist = list(watchlist)
        self.ccxt_options = ccxt_options or {}
        self.tickers_params = tickers_params or [{}]
        self.ticker_usd = ticker_usd
        self.volume_s = volume_s
        self.oi_s = oi_s
        self.candle_s = candle_s
        self.top_n = top_n
        self.backfill_days = backfill_days
        self.ohlcv_limit = ohlcv_limit
        self.rate_limit_wait_s = rate_limit_wait_s
        self.rate_limit_ms = rate_limit_ms
        self.clock = clock
        self.rate_limit_waits: list[float] = []
        #: symbol -> open time of the last closed bar emitted
        self.last_bar: dict[str, int] = {}
        #: symbol -> (usd_24h, last) from the latest tickers poll
        self.tickers: dict[str, tuple[float, float]] = {}
        self._tickers_ready = asyncio.Event()

    async def _call(self, exchange: Any, fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        return await call_politely(exchange, self.rate_limit_waits, self.rate_limit_wait_s, fn, *args, **kwargs)

    async def run(self, emit: Emit) -> None:
        from feeds.venues.ccxt_hook import open_exchange

        exchange = open_exchange(
            self.ccxt_id, self.settings, options=self.ccxt_options, rate_limit_ms=self.rate_limit_ms
        )
        try:
            await self._call(exchange, exchange.load_markets)
            async with asyncio.TaskGroup() as group:
                group.create_task(self._volume_loop(exchange, emit))
                group.create_task(self._oi_loop(exchange, emit))
                group.create_task(self._candle_loop(exchange, emit))
        except* Exception as group:
            raise group.exceptions[0] from None
        finally:
            await exchange.close()

    # -- volume -------------------------------------------------------------------

    async def poll_volume(self, exchange: Any) -> list[Volume]:
        now = self.clock()
        tickers: dict[str, Any] = {}
        for params in self.tickers_params:
            tickers.update(await self._call(exchange, exchange.fetch_tickers, None, params))
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
            out.append(Volume(now, self.venue, symbol, usd))
        if out:
            out.append(Volume(now, self.venue, "*", sum(v.usd_24h for v in out)))
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
            oi = await self._call(exchange, exchange.fetch_open_interest, symbol)
            usd = oi.get("openInterestValue")
            if usd is None and not market.get("inverse"):
                amount = oi.get("openInterestAmount") or oi.get("baseVolume")
                last = self.tickers.get(symbol, (0.0, 0.0))[1]
                if amount is not None and last:
                    usd = float(amount) * (market.get("contractSize") or 1.0) * last
            if usd is None:
                continue
            out.append(OpenInterest(int(oi.get("timestamp") or self.clock()), self.venue, symbol, float(usd)))
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
        return Candle(int(ts), self.venue, symbol, "1h", float(o), float(h), float(l), close, float(v or 0.0) * close)

    async def poll_candles(self, exchange: Any, symbol: str) -> list[Any]:
        """Closed bars after the last one emitted (a backfill on first call),
        then the open bar's close as a ``Price``."""
        now = self.clock()
        open_bar = now - now % HOUR_MS
        since = self.last_bar.get(symbol, open_bar - self.backfill_days * 24 * HOUR_MS - HOUR_MS) + HOUR_MS
        out: list[Any] = []
        price: Price | None = None
        while since <= open_bar:
            bars = await self._call(exchange, exchange.fetch_ohlcv, symbol, "1h", since, self.ohlcv_limit)
            bars = [b for b in bars if b[0] >= since]
            if not bars:
                break
            for bar in bars:
                if bar[0] + HOUR_MS <= now:
                    out.append(self._candle(symbol, bar))
                    self.last_bar[symbol] = int(bar[0])
                else:
                    price = Price(now, self.venue, symbol, float(bar[4]))
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
