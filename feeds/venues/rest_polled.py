"""Gate and HTX: public liquidations polled over REST (ccxt ``fetchLiquidations``).

Both venues publish real market-wide liquidation orders per contract
(checked in ccxt 4.5: Gate ``GET /futures/{settle}/liq_orders``, HTX
``GET /v5/market/liquidation_orders``).  Deribit is left out: its ccxt
``fetchLiquidations`` returns settlements, not liquidations.

Only USDT-margined perpetuals are polled, every ``poll_s``:

* Gate answers for every contract at once when ``contract`` is left out, so
  one request per poll covers the venue.  That needs ccxt's implicit endpoint
  method: the unified ``fetch_liquidations`` requires a symbol and sends
  ``since`` in ms as ``from``, which Gate reads as seconds (a test pins it).
  ``from`` must also lie within 3600 s of ``to``, so it is clamped.
* HTX answers per contract: the ``top_n`` by 24 h quote volume (re-ranked
  every ``rank_s``), one ``fetch_liquidations`` each; all contracts every few
  seconds would be impolite and the large ones carry nearly all the size.

Rows are normalised from the venue's raw fields, not ccxt's unified ones:

* Gate row ``{"contract","size","left","fill_price","time"(s)}``: ``size`` is
  the position size, positive for a long, so size > 0 = long liquidated;
  base = |size - left| x quanto multiplier (ccxt ``contractSize``);
  USD = base x fill price.
* HTX row ``{"contract_code","side","position_side","volume","bankrupt_price",
  "trade_turnover","liquidation_time"}``: ``position_side`` long (order side
  sell) = long liquidated; base = volume x contract size; USD = the turnover
  (USDT).

Polls overlap (``since`` = newest seen), and a restart starts again from the
newest timestamp kept on the feed; the bounded key memory drops repeats.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

from feeds.base import Emit, Feed
from feeds.events import LONG, SHORT, Liquidation
from feeds.settings import ExchangeSettings
from feeds.venues.dedupe import RecentKeys
from feeds.venues.markets import Contract, contract_table
from feeds.venues.polite import call_politely

RowNormaliser = Callable[[dict[str, Any], Contract, str], Liquidation]


def gate_row(row: dict[str, Any], contract: Contract, exchange: str = "gate") -> Liquidation:
    size = float(row["size"])
    price = float(row["fill_price"])
    qty = abs(size - float(row.get("left") or 0)) * contract.contract_size
    side = LONG if size > 0 else SHORT
    return Liquidation(int(float(row["time"]) * 1000), exchange, contract.symbol, side, price, qty, qty * price)


def htx_row(row: dict[str, Any], contract: Contract, exchange: str = "htx") -> Liquidation:
    position = row.get("position_side")
    if position in (LONG, SHORT):
        side = position
    else:
        side = {"sell": LONG, "buy": SHORT}[row["side"]]
    qty = float(row["volume"]) * contract.contract_size
    return Liquidation(
        int(row["liquidation_time"]),
        exchange,
        contract.symbol,
        side,
        float(row["bankrupt_price"]),
        qty,
        float(row["trade_turnover"]),
    )


#: venue -> (ccxt id, ccxt options, fetch_tickers params, row normaliser, one request for all contracts)
VENUES: dict[str, tuple[str, dict[str, Any], dict[str, Any], RowNormaliser, bool]] = {
    "gate": ("gate", {"fetchMarkets": {"types": ["swap"]}}, {"type": "swap", "settle": "usdt"}, gate_row, True),
    "htx": (
        "htx",
        {"fetchMarkets": {"types": {"spot": False, "linear": True, "inverse": False}}},
        {"type": "swap", "subType": "linear"},
        htx_row,
        False,
    ),
}
GATE_MAX_WINDOW_S = 3500


class RestLiquidationFeed(Feed):
    """Polled liquidations of ``venue`` (``gate`` or ``htx``); the feed is
    named like the venue.  Counters: ``received``, ``duplicates``,
    ``garbage`` (rows that did not normalise), ``rate_limit_waits``."""

    def __init__(
        self,
        venue: str,
        settings: ExchangeSettings,
        *,
        top_n: int = 15,
        poll_s: float = 15.0,
        rank_s: float = 600.0,
        lookback_s: float = 300.0,
        rate_limit_wait_s: float = 5.0,
        rate_limit_ms: float | None = None,
        dedupe_capacity: int = 20_000,
    ) -> None:
        if venue not in VENUES:
            raise ValueError(f"no polled liquidations for {venue!r}; expected one of {', '.join(VENUES)}")
        self.name = venue
        self.settings = settings
        self.ccxt_id, self.ccxt_options, self.tickers_params, self.normalise_row, self.venue_wide = VENUES[venue]
        self.top_n = top_n
        self.poll_s = poll_s
        self.rank_s = rank_s
        self.lookback_s = lookback_s
        self.rate_limit_wait_s = rate_limit_wait_s
        self.rate_limit_ms = rate_limit_ms
        self.received = 0
        self.duplicates = 0
        self.garbage = 0
        self.rate_limit_waits: list[float] = []
        #: symbols polled, best first (from the latest ranking)
        self.symbols: list[str] = []
        self._since: dict[str, int] = {}
        self._seen = RecentKeys(dedupe_capacity)

    async def _call(self, exchange: Any, fn: Any, *args: Any) -> Any:
        return await call_politely(exchange, self.rate_limit_waits, self.rate_limit_wait_s, fn, *args)

    async def _rank(self, exchange: Any) -> list[str]:
        tickers = await self._call(exchange, exchange.fetch_tickers, None, self.tickers_params)
        candidates = []
        for symbol, t in tickers.items():
            m = exchange.markets.get(symbol)
            if m and m.get("swap") and m.get("linear") and m.get("settle") == "USDT":
                candidates.append((float(t.get("quoteVolume") or 0.0), symbol))
        candidates.sort(reverse=True)
        return [s for _, s in candidates[: self.top_n]]

    def _accept(self, rows: list[tuple[dict[str, Any], Contract]]) -> list[Liquidation]:
        fresh: list[Liquidation] = []
        for row, contract in rows:
            try:
                ev = self.normalise_row(row, contract, self.name)
            except (KeyError, TypeError, ValueError):
                self.garbage += 1
                continue
            if self._seen.add(ev):
                fresh.append(ev)
            else:
                self.duplicates += 1
        self.received += len(fresh)
        return fresh

    async def poll_once(self, exchange: Any, contracts: dict[str, Contract]) -> list[Liquidation]:
        now = time.time()
        start = int((now - self.lookback_s) * 1000)
        out: list[Liquidation] = []
        if self.venue_wide:
            since = max(self._since.get("*", start), int((now - GATE_MAX_WINDOW_S) * 1000))
            rows = await self._call(
                exchange, exchange.publicFuturesGetSettleLiqOrders, {"settle": "usdt", "from": since // 1000}
            )
            known = [(r, contracts.get(r.get("contract", ""))) for r in rows]
            self.garbage += sum(1 for _, c in known if c is None)
            out = self._accept([(r, c) for r, c in known if c is not None])
            if out:
                self._since["*"] = max(since, max(e.ts for e in out))
        else:
            for symbol in self.symbols:
                contract = contracts[exchange.markets[symbol]["id"]]
                since = self._since.get(symbol, start)
                rows = await self._call(exchange, exchange.fetch_liquidations, symbol, since)
                fresh = self._accept([(r["info"], contract) for r in rows])
                if fresh:
                    self._since[symbol] = max(since, max(e.ts for e in fresh))
                out.extend(fresh)
        out.sort(key=lambda e: e.ts)
        return out

    async def run(self, emit: Emit) -> None:
        from feeds.venues.ccxt_hook import open_exchange

        exchange = open_exchange(self.ccxt_id, self.settings, options=self.ccxt_options, rate_limit_ms=self.rate_limit_ms)
        try:
            await self._call(exchange, exchange.load_markets)
            contracts = contract_table(exchange.markets.values())
            ranked_at = float("-inf")
            while True:
                if not self.venue_wide and time.monotonic() - ranked_at >= self.rank_s:
                    self.symbols = await self._rank(exchange)
                    ranked_at = time.monotonic()
                batch = await self.poll_once(exchange, contracts)
                if batch:
                    await emit(batch)
                await asyncio.sleep(self.poll_s)
        finally:
            await exchange.close()
