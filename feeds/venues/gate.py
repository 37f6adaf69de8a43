"""Gate USDT-margined perpetuals: public liquidations polled over REST.

One request covers the venue: ``GET /futures/usdt/liq_orders`` answers for
every contract when ``contract`` is left out.  That needs ccxt's implicit
endpoint method: the unified ``fetch_liquidations`` requires a symbol and
sends ``since`` in ms as ``from``, which Gate reads as seconds (a test pins
it).  ``from`` must also lie within 3600 s of ``to``, so it is clamped.

Row ``{"contract","size","left","fill_price","time"(s)}``: ``size`` is the
position size, positive for a long, so size > 0 = long liquidated; base =
|size - left| x quanto multiplier (ccxt ``contractSize``); USD = base x fill
price.
"""

from __future__ import annotations

import time
from typing import Any

from feeds.events import LONG, SHORT, Liquidation
from feeds.venues.markets import Contract
from feeds.venues.polled import PolledLiquidationFeed
from feeds.venues.spec import POLLED, VenueSpec

SETTLE = "usdt"
#: How far back ``from`` may reach (Gate refuses more than 3600 s before ``to``).
MAX_WINDOW_S = 3500


def gate_row(row: dict[str, Any], contract: Contract, exchange: str = "gate") -> Liquidation:
    size = float(row["size"])
    price = float(row["fill_price"])
    qty = abs(size - float(row.get("left") or 0)) * contract.contract_size
    side = LONG if size > 0 else SHORT
    return Liquidation(int(float(row["time"]) * 1000), exchange, contract.symbol, side, price, qty, qty * price)


class GateFeed(PolledLiquidationFeed):
    """Gate liquidations, the whole venue in one request per poll (feed name ``gate``)."""

    def normalise_row(self, row: dict[str, Any], contract: Contract) -> Liquidation:
        return gate_row(row, contract, self.name)

    async def poll_once(self, exchange: Any, contracts: dict[str, Contract]) -> list[Liquidation]:
        now = time.time()
        since = max(self.since.get("*", self.start_ms(now)), int((now - MAX_WINDOW_S) * 1000))
        rows = await self.call(exchange, exchange.publicFuturesGetSettleLiqOrders, {"settle": SETTLE, "from": since // 1000})
        out = self.accept([(r, contracts.get(r.get("contract", ""))) for r in rows])
        if out:
            self.since["*"] = max(since, max(e.ts for e in out))
        out.sort(key=lambda e: e.ts)
        return out


SPEC = VenueSpec(
    name="gate",
    ccxt_id="gate",
    kind=POLLED,
    feed=GateFeed,
    ccxt_options={"fetchMarkets": {"types": ["swap"]}},
    tickers_params=({"type": "swap", "settle": SETTLE},),
)
