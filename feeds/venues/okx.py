"""OKX v5: the ``liquidation-orders`` channel, instType SWAP and FUTURES.

Frame::

    {"arg":{"channel":"liquidation-orders","instType":"SWAP"},
     "data":[{"instId":"BTC-USDT-SWAP","instType":"SWAP","uly":"BTC-USDT",
              "details":[{"bkPx":"30000","side":"sell","posSide":"long",
                          "sz":"12","ts":"1692266434010", ...}, ...]}, ...]}

Every entry of every ``details`` list is one liquidation (ccxt keeps only
``details[0]``).  ``side`` is the order side: sell = long liquidated.  ``sz``
is in contracts: linear USD = ``sz * ctVal * bkPx`` (ctVal in base units),
inverse USD = ``sz * ctVal`` (ctVal in USD).  ``ts`` is a string of ms.

An instrument the loaded markets do not know (a new weekly future, a new
listing) never costs the frame's other entries.  An inverse one is named
from its instId and priced with OKX's fixed contract value (100 USD for BTC,
10 USD for the others, as every OKX inverse instrument is listed); a linear
one needs its ctVal, so its entries are held and the markets reloaded at
once, then normalised; one that the reloaded markets still lack is counted
as garbage, named.
"""

from __future__ import annotations

from typing import Any, Callable

from feeds.events import LONG, SHORT, Liquidation
from feeds.venues.markets import Contract, amounts, contract_table
from feeds.venues.spec import STREAM, ContextSpec, VenueSpec
from feeds.venues.stream import FRAME_ERRORS, NEW_EVENT, Normaliser, Spawn, StreamLiquidationFeed

CHANNEL = "liquidation-orders"
INST_TYPES = ("SWAP", "FUTURES")
_SIDES = {"sell": LONG, "buy": SHORT}
#: OKX's inverse contract values in USD (``ctVal``), for an instrument listed
#: after markets were loaded.
BTC_CONTRACT_USD = 100.0
OTHER_CONTRACT_USD = 10.0
#: Entries of unknown linear instruments held for the next markets load, at most.
MAX_HELD = 1000

#: ``hold(item)``: a ``data`` item whose instrument the markets do not know.
Hold = Callable[[dict[str, Any]], None]


def inverse_contract(inst_id: str) -> Contract | None:
    """The contract of an inverse instId the markets do not know
    (``XRP-USD-230929`` -> ``XRP/USD:XRP-230929``, ``BTC-USD-SWAP`` ->
    ``BTC/USD:BTC``), or None when it is not inverse."""
    parts = inst_id.split("-")
    if len(parts) != 3 or parts[1] != "USD":
        return None
    base, _, tail = parts
    expiry = "" if tail == "SWAP" else f"-{tail}"
    return Contract(f"{base}/USD:{base}{expiry}", BTC_CONTRACT_USD if base == "BTC" else OTHER_CONTRACT_USD, True)


def _raise_unknown(item: dict[str, Any]) -> None:
    raise KeyError(f"unknown instrument {item['instId']}")


def okx_normaliser(contracts: dict[str, Contract], exchange: str = "okx", hold: Hold = _raise_unknown) -> Normaliser:
    def normalise(msg: Any) -> list[Liquidation]:
        out: list[Liquidation] = []
        for item in msg["data"]:
            inst_id = item["instId"]
            contract = contracts.get(inst_id) or inverse_contract(inst_id)
            if contract is None:
                hold(item)
                continue
            symbol = contract.symbol
            for d in item["details"]:
                price = float(d["bkPx"])
                qty, usd = amounts(contract, float(d["sz"]), price)
                out.append(NEW_EVENT(Liquidation, (int(d["ts"]), exchange, symbol, _SIDES[d["side"]], price, qty, usd)))
        return out

    return normalise


class OkxFeed(StreamLiquidationFeed):
    """OKX perpetual swaps and futures liquidations (feed name ``okx``).
    ``held`` are the ``data`` items waiting for a markets reload."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held: list[dict[str, Any]] = []

    def _hold(self, item: dict[str, Any]) -> None:
        held = self.held
        if len(held) >= MAX_HELD:
            self._on_bad(item, KeyError(f"unknown instrument {item['instId']}: {MAX_HELD} entries already held"))
            return
        held.append(item)
        self.refresh_soon()

    async def on_markets_refreshed(self, exchange: Any, spawn: Spawn) -> None:
        held, self.held = self.held, []
        normalise = okx_normaliser(contract_table(exchange.markets.values()), self.name)
        for item in held:
            try:
                self.accept(normalise({"data": [item]}))
            except FRAME_ERRORS as exc:
                self._on_bad(item, exc)

    def is_liquidation_frame(self, message: Any) -> bool:
        if type(message) is not dict or "data" not in message:
            return False
        arg = message.get("arg")
        return type(arg) is dict and arg.get("channel") == CHANNEL

    def is_control_text(self, text: str) -> bool:
        return text == "pong"

    def make_normaliser(self, contracts: dict[str, Contract]) -> Normaliser:
        return okx_normaliser(contracts, self.name, self._hold)

    async def subscribe(self, exchange: Any, spawn: Spawn) -> None:
        # One subscription per instType with its own message hash: ccxt's
        # watchLiquidationsForSymbols uses one hash for both, so the second
        # instType would never be sent.
        url = exchange.get_url(CHANNEL, "public")
        for inst_type in INST_TYPES:
            hash_ = f"liqwatch:{CHANNEL}:{inst_type}"
            request = {"op": "subscribe", "args": [{"channel": CHANNEL, "instType": inst_type}]}
            spawn(exchange.watch_multiple(url, [hash_], request, [hash_]))


def okx_volume_usd(ticker: dict[str, Any], market: dict[str, Any]) -> float | None:
    """Swaps and futures: ``vol24h`` is contracts, ``volCcy24h`` base units, so USD = ``volCcy24h`` x last."""
    info = ticker.get("info") or {}
    last = ticker.get("last")
    vol_ccy = info.get("volCcy24h")
    return float(vol_ccy) * float(last) if vol_ccy is not None and last else None


SPEC = VenueSpec(
    name="okx",
    ccxt_id="okx",
    kind=STREAM,
    feed=OkxFeed,
    ccxt_options={"fetchMarkets": {"types": ["swap", "future"]}},
    tickers_params=({"type": "swap"},),
    context=ContextSpec(ticker_usd=okx_volume_usd, ohlcv_limit=300),
)
