"""Liquidations polled over REST (``VenueSpec.kind`` ``polled``): the shared loop.

For venues whose liquidations liqwatch reads over REST (Gate and HTX for
now; checked in ccxt 4.5: Gate ``GET /futures/{settle}/liq_orders``, HTX
``GET /v5/market/liquidation_orders``).  Deribit is left out: its ccxt
``fetchLiquidations`` returns settlements, not liquidations.

Every ``poll_s`` the feed asks for what happened since the newest row it
has seen and emits the fresh rows in time order.  By default it polls per
contract with ccxt's ``fetch_liquidations``: the ``top_n`` USDT-margined
perpetuals by 24 h quote volume, re-ranked every ``rank_s`` (every contract
every few seconds would be impolite, and the large ones carry nearly all the
size).  A venue that answers for every contract at once overrides
``poll_once`` (Gate).

Rows are normalised from the venue's raw fields (ccxt's ``info``), not ccxt's
unified ones, by the venue's ``normalise_row``.  Polls overlap (``since`` =
newest seen), and a restart starts again from the newest timestamp kept on
the feed; the bounded key memory drops repeats.
"""

from __future__ import annotations

import asyncio
import time
from abc import abstractmethod
from typing import Any

from feeds.base import Emit
from feeds.events import Liquidation
from feeds.settings import ExchangeSettings
from feeds.venues.ccxt_feed import DEDUPE_CAPACITY, RATE_LIMIT_WAIT_S, CcxtFeed
from feeds.venues.markets import Contract, contract_table
from feeds.venues.spec import POLLED, VenueSpec

#: What a row that does not normalise raises (a missing field, a bad number, an unknown side).
ROW_ERRORS = (KeyError, TypeError, ValueError)


class PolledLiquidationFeed(CcxtFeed):
    """Base class; see the module docstring.  ``symbols`` are the contracts
    polled, best first (from the latest ranking)."""

    KIND = POLLED

    def __init__(
        self,
        spec: VenueSpec,
        settings: ExchangeSettings,
        *,
        top_n: int = 15,
        poll_s: float = 15.0,
        rank_s: float = 600.0,
        lookback_s: float = 300.0,
        rate_limit_wait_s: float = RATE_LIMIT_WAIT_S,
        rate_limit_ms: float | None = None,
        dedupe_capacity: int = DEDUPE_CAPACITY,
    ) -> None:
        super().__init__(
            spec, settings, rate_limit_wait_s=rate_limit_wait_s, rate_limit_ms=rate_limit_ms,
            dedupe_capacity=dedupe_capacity,
        )
        self.top_n = top_n
        self.poll_s = poll_s
        self.rank_s = rank_s
        self.lookback_s = lookback_s
        self.symbols: list[str] = []
        #: symbol (or ``*``, the whole venue) -> newest ts seen (ms)
        self.since: dict[str, int] = {}
        self._ranked_at = float("-inf")

    # -- what a venue provides ------------------------------------------------

    @abstractmethod
    def normalise_row(self, row: dict[str, Any], contract: Contract) -> Liquidation:
        """One raw liquidation row of ``contract`` as an event."""

    # -- the loop -------------------------------------------------------------

    def accept(self, rows: list[tuple[dict[str, Any], Contract | None]]) -> list[Liquidation]:
        """The fresh events of ``(row, contract)`` pairs; a row of no known
        contract, or one that does not normalise, counts as garbage."""
        events: list[Liquidation] = []
        for row, contract in rows:
            if contract is None:
                self.garbage += 1
                continue
            try:
                events.append(self.normalise_row(row, contract))
            except ROW_ERRORS:
                self.garbage += 1
        return self.fresh(events)

    def start_ms(self, now_s: float) -> int:
        """Where a contract never polled before starts: ``lookback_s`` ago."""
        return int((now_s - self.lookback_s) * 1000)

    async def rank(self, exchange: Any) -> list[str]:
        """The ``top_n`` USDT-margined perpetuals by 24 h quote volume."""
        tickers: dict[str, Any] = {}
        for params in self.spec.tickers_params:
            tickers.update(await self.call(exchange, exchange.fetch_tickers, None, dict(params)))
        candidates = []
        for symbol, t in tickers.items():
            m = exchange.markets.get(symbol)
            if m and m.get("swap") and m.get("linear") and m.get("settle") == "USDT":
                candidates.append((float(t.get("quoteVolume") or 0.0), symbol))
        candidates.sort(reverse=True)
        return [s for _, s in candidates[: self.top_n]]

    async def poll_once(self, exchange: Any, contracts: dict[str, Contract]) -> list[Liquidation]:
        """The fresh liquidations since the last poll, oldest first: per
        contract, of the top ones (re-ranked when due)."""
        if time.monotonic() - self._ranked_at >= self.rank_s:
            self.symbols = await self.rank(exchange)
            self._ranked_at = time.monotonic()
        start = self.start_ms(time.time())
        out: list[Liquidation] = []
        for symbol in self.symbols:
            contract = contracts[exchange.markets[symbol]["id"]]
            since = self.since.get(symbol, start)
            rows = await self.call(exchange, exchange.fetch_liquidations, symbol, since)
            fresh = self.accept([(r["info"], contract) for r in rows])
            if fresh:
                self.since[symbol] = max(since, max(e.ts for e in fresh))
            out.extend(fresh)
        out.sort(key=lambda e: e.ts)
        return out

    async def run(self, emit: Emit) -> None:
        self._ranked_at = float("-inf")  # a new session ranks again at once
        async with self.session() as exchange:
            contracts = contract_table(exchange.markets.values())
            while True:
                batch = await self.poll_once(exchange, contracts)
                if batch:
                    await emit(batch)
                await asyncio.sleep(self.poll_s)
