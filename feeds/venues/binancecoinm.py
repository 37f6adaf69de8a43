"""Binance COIN-M futures: ``!forceOrder@arr`` on dstream (frame in ``binance.py``).

``z`` is filled contracts, each worth the contract size in USD (100 for BTC,
10 for the others, from markets), so USD = ``z * size`` and base = USD / ``ap``.

The stream's path is a venue fact, pinned in ``SPEC.ws_paths``: public
sources disagree whether dstream's legacy ``/ws`` still carries
``forceOrder`` (USD-M moved it to ``/market/ws``), so the path is one line
to change rather than whatever ccxt happens to build.
"""

from __future__ import annotations

from typing import Any

from feeds.events import Liquidation
from feeds.venues.binance import OHLCV_LIMIT, SIDES, BinanceFeed, expiry_suffix
from feeds.venues.markets import Contract
from feeds.venues.spec import STREAM, ContextSpec, VenueSpec
from feeds.venues.stream import NEW_EVENT, Normaliser

#: Binance's fixed COIN-M contract sizes in USD, for a contract listed after
#: markets were loaded.
BTC_CONTRACT_USD = 100.0
OTHER_CONTRACT_USD = 10.0


def _coinm_contract(market_id: str) -> Contract:
    """A COIN-M contract listed after markets were loaded (Binance's fixed
    sizes); a dated one keeps its expiry (``BTCUSD_200925`` -> ``BTC/USD:BTC-200925``)."""
    base = market_id.split("USD", 1)[0]
    size = BTC_CONTRACT_USD if base == "BTC" else OTHER_CONTRACT_USD
    return Contract(f"{base}/USD:{base}{expiry_suffix(market_id)}", size, True)


def coinm_normaliser(contracts: dict[str, Contract], exchange: str = "binancecoinm") -> Normaliser:
    def normalise(msg: Any) -> list[Liquidation]:
        o = msg["o"]
        market_id = o["s"]
        contract = contracts.get(market_id) or _coinm_contract(market_id)
        price = float(o["ap"])
        usd = float(o["z"]) * contract.contract_size
        return [NEW_EVENT(Liquidation, (int(o["T"]), exchange, contract.symbol, SIDES[o["S"]], price, usd / price, usd))]

    return normalise


def coinm_volume_usd(ticker: dict[str, Any], market: dict[str, Any]) -> float | None:
    """COIN-M's ``volume`` is contracts of ``contractSize`` USD each."""
    info = ticker.get("info") or {}
    raw = info.get("volume")
    return float(raw) * float(market.get("contractSize") or 1.0) if raw is not None else None


class BinanceCoinmFeed(BinanceFeed):
    """Binance COIN-M futures liquidations (feed name ``binancecoinm``)."""

    def make_normaliser(self, contracts: dict[str, Contract]) -> Normaliser:
        return coinm_normaliser(contracts, self.name)


SPEC = VenueSpec(
    name="binancecoinm",
    ccxt_id="binancecoinm",
    kind=STREAM,
    feed=BinanceCoinmFeed,
    ws_paths={"inverse": "/ws"},
    context=ContextSpec(ticker_usd=coinm_volume_usd, ohlcv_limit=OHLCV_LIMIT),
)
