"""HTX USDT-margined perpetuals: public liquidations polled over REST.

HTX answers per contract (``GET /v5/market/liquidation_orders``, ccxt
``fetch_liquidations``), so the feed polls the top contracts by volume (the
default of ``polled.py``).

Row ``{"contract_code","side","position_side","volume","bankrupt_price",
"trade_turnover","liquidation_time"}``: ``position_side`` long (order side
sell) = long liquidated; base = volume x contract size; USD = the turnover
(USDT).
"""

from __future__ import annotations

from typing import Any

from feeds.events import LONG, SHORT, Liquidation
from feeds.venues.markets import Contract
from feeds.venues.polled import PolledLiquidationFeed
from feeds.venues.spec import POLLED, VenueSpec

#: The liquidation order's side, when the row has no ``position_side``.
ORDER_SIDES = {"sell": LONG, "buy": SHORT}


def htx_row(row: dict[str, Any], contract: Contract, exchange: str = "htx") -> Liquidation:
    position = row.get("position_side")
    side = position if position in (LONG, SHORT) else ORDER_SIDES[row["side"]]
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


class HtxFeed(PolledLiquidationFeed):
    """HTX liquidations of the top contracts by volume (feed name ``htx``)."""

    def normalise_row(self, row: dict[str, Any], contract: Contract) -> Liquidation:
        return htx_row(row, contract, self.name)


SPEC = VenueSpec(
    name="htx",
    ccxt_id="htx",
    kind=POLLED,
    feed=HtxFeed,
    ccxt_options={"fetchMarkets": {"types": {"spot": False, "linear": True, "inverse": False}}},
    tickers_params=({"type": "swap", "subType": "linear"},),
)
