"""Gate futures: the WebSocket ``futures.public_liquidates`` stream (``!all``,
every contract), USDT- and BTC-settled perpetuals; REST ``liq_orders`` only
to catch up on what an outage missed.

Frame (since 2026-08 batched per contract, every second or at 20 orders)::

    {"channel":"futures.public_liquidates","event":"update","time":1541505434,"time_ms":1541505434123,
     "result":[{"price":215.1,"size":"-124","time_ms":1541486601123,"contract":"BTC_USDT"}, ...]}

``size`` is the liquidation ORDER's size, signed as every Gate order is
(negative = sell): a long is closed by a sell, so size < 0 = long liquidated
(Gate futures WS docs, public liquidates; ``futures.orders``: "positive to
bid, negative to ask").  Contracts: USDT-settled base = |size| x quanto
multiplier (ccxt ``contractSize``), USD = base x price; BTC-settled
(``BTC_USD``, inverse) contracts are 1 USD each.  ``time_ms`` is ms.

REST row ``{"contract","size","left","fill_price","time"(s)}``: there
``size`` is the POSITION's size, positive for a long, so size > 0 = long
liquidated, and base = |size - left| x multiplier at the fill price.  The
unified ``fetch_liquidations`` sends ``since`` in ms as ``from``, which Gate
reads as seconds (a test pins it), so the feed calls the endpoint itself;
``from`` must lie within 3600 s of now.

Catch-up: after every reconnect (not the first connect) and once the venue
has confirmed the subscriptions, the feed asks ``liq_orders`` of both settles
for everything since the newest liquidation it has seen.  The two sources
spell the same liquidation differently (order vs position size, ms vs s,
order vs fill price), so the stream's recent entries, keyed on (contract,
side, |size|, second), keep a liquidation seen on the stream from coming
back over REST.
An outage longer than ``MAX_WINDOW_S`` loses what lies before that window.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from typing import Any

from feeds.events import LONG, SHORT, Liquidation
from feeds.settings import ExchangeSettings
from feeds.venues.ccxt_feed import DEDUPE_CAPACITY
from feeds.venues.markets import Contract, amounts
from feeds.venues.spec import STREAM, VenueSpec
from feeds.venues.stream import NEW_EVENT, Normaliser, Spawn, StreamLiquidationFeed

CHANNEL = "futures.public_liquidates"
SETTLES = ("usdt", "btc")
#: How far back a catch-up may reach (Gate refuses ``from`` more than 3600 s before ``to``).
MAX_WINDOW_S = 3500
#: How long a reconnect waits for the venue to confirm its subscriptions before catching up anyway.
CONFIRM_WAIT_S = 10.0
#: How long the stream checks its entries against what a catch-up emitted
#: (an entry of the catch-up's window still on its way over the stream).
CAUGHT_MEMORY_S = 30.0
#: Rows per liq_orders request (Gate's maximum).
LIQ_ORDERS_LIMIT = 1000

#: (contract, side, |size|, second): one liquidation, whichever source spelt it.
CoarseKey = tuple[str, str, float, int]


def gate_normaliser(
    contracts: dict[str, Contract],
    recent: deque[tuple[str, Any, int]],
    caught: set[CoarseKey] | None = None,
    exchange: str = "gate",
) -> Normaliser:
    """``recent`` gets ``(contract, size, time_ms)`` of every entry, raw: the
    catch-up turns them into coarse keys only when it runs (a deque append is
    a fifth of the cost of keeping a key per entry).  An entry whose coarse
    key is in ``caught`` (the liquidations a catch-up has just emitted from
    REST) is the same liquidation arriving late over the stream: skipped."""
    remember = recent.append
    caught = caught if caught is not None else set()

    def normalise(msg: Any) -> list[Liquidation]:
        out: list[Liquidation] = []
        for r in msg["result"]:
            name = r["contract"]
            contract = contracts.get(name)
            if contract is None:
                raise KeyError(f"unknown contract {name} (markets not refreshed yet)")
            size = float(r["size"])
            price = float(r["price"])
            ts = int(r["time_ms"])
            side = LONG if size < 0 else SHORT
            remember((name, r["size"], ts))
            if caught and (name, side, abs(size), ts // 1000) in caught:
                continue
            qty, usd = amounts(contract, abs(size), price)
            out.append(NEW_EVENT(Liquidation, (ts, exchange, contract.symbol, side, price, qty, usd)))
        return out

    return normalise


def gate_row(row: dict[str, Any], contract: Contract, exchange: str = "gate") -> Liquidation:
    """One REST ``liq_orders`` row as an event (see the module docstring)."""
    size = float(row["size"])
    price = float(row["fill_price"])
    filled = abs(size - float(row.get("left") or 0))
    side = LONG if size > 0 else SHORT
    qty, usd = amounts(contract, filled, price)
    return Liquidation(int(float(row["time"]) * 1000), exchange, contract.symbol, side, price, qty, usd)


def row_key(row: dict[str, Any]) -> CoarseKey:
    """A REST row's coarse key (its size is the position's: > 0 = long)."""
    size = float(row["size"])
    return (row["contract"], LONG if size > 0 else SHORT, abs(size), int(float(row["time"])))


def entry_key(name: str, size: Any, time_ms: int) -> CoarseKey:
    """A stream entry's coarse key (its size is the order's: < 0 = long)."""
    value = float(size)
    return (name, LONG if value < 0 else SHORT, abs(value), time_ms // 1000)


class GateFeed(StreamLiquidationFeed):
    """Gate USDT- and BTC-settled liquidations (feed name ``gate``).
    ``caught_up`` counts the liquidations that came from REST catch-ups."""

    def __init__(self, spec: VenueSpec, settings: ExchangeSettings, *, confirm_wait_s: float = CONFIRM_WAIT_S,
                 **kwargs: Any) -> None:
        super().__init__(spec, settings, **kwargs)
        self.confirm_wait_s = confirm_wait_s
        self.caught_up = 0
        #: ms of the newest liquidation a catch-up emitted
        self._rest_newest: int | None = None
        self._recent: deque[tuple[str, Any, int]] = deque(maxlen=kwargs.get("dedupe_capacity", DEDUPE_CAPACITY))
        self._caught: set[CoarseKey] = set()
        self._forget: asyncio.TimerHandle | None = None
        self._contracts: dict[str, Contract] = {}
        self._confirmed = 0
        self._all_confirmed = asyncio.Event()

    def is_liquidation_frame(self, message: Any) -> bool:
        if type(message) is not dict or message.get("channel") != CHANNEL:
            return False
        event = message.get("event")
        if event == "subscribe":
            self._confirm(message)
            return False
        return event == "update"

    def _confirm(self, message: dict[str, Any]) -> None:
        result = message.get("result")
        if type(result) is dict and result.get("status") == "success":
            self._confirmed += 1
            if self._confirmed >= len(SETTLES):
                self._all_confirmed.set()

    def make_normaliser(self, contracts: dict[str, Contract]) -> Normaliser:
        self._contracts = contracts
        return gate_normaliser(contracts, self._recent, self._caught, self.name)

    @property
    def newest_ms(self) -> int | None:
        """ms of the newest liquidation seen, stream or catch-up (None: none
        yet, nothing to catch up); worked out when a catch-up needs it, not
        per frame."""
        times = [t for t in (max((e[2] for e in self._recent), default=None), self._rest_newest) if t is not None]
        return max(times) if times else None

    async def subscribe(self, exchange: Any, spawn: Spawn) -> None:
        self._confirmed = 0
        self._all_confirmed.clear()
        for settle in SETTLES:
            url = exchange.urls["api"]["swap"][settle]
            hash_ = f"liqwatch:{CHANNEL}:{settle}"
            request = {"time": int(time.time()), "channel": CHANNEL, "event": "subscribe", "payload": ["!all"]}
            spawn(exchange.watch(url, hash_, request, hash_))

    async def on_subscribed(self, exchange: Any) -> None:
        """The catch-up of a reconnect (see the module docstring)."""
        newest = self.newest_ms
        if newest is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._all_confirmed.wait(), self.confirm_wait_s)
        since_s = max(newest // 1000, int(time.time()) - MAX_WINDOW_S)
        answers = []
        for settle in SETTLES:
            params = {"settle": settle, "from": since_s, "limit": LIQ_ORDERS_LIMIT}
            answers += await self.call(exchange, exchange.publicFuturesGetSettleLiqOrders, params)
        # What the stream delivered meanwhile too, taken once the answers are
        # in; what it delivers later is checked against ``_caught``.  (A row
        # that an earlier catch-up fetched makes the same event again, which
        # ``fresh`` drops.)
        seen = {entry_key(*e) for e in self._recent if e[2] // 1000 >= since_s}
        events: list[Liquidation] = []
        for row in answers:
            contract = self._contracts.get(row.get("contract", ""))
            try:
                if contract is None:
                    raise KeyError(f"unknown contract {row.get('contract')!r}")
                key = row_key(row)
                if key not in seen:
                    self._caught.add(key)
                    events.append(gate_row(row, contract, self.name))
            except (KeyError, TypeError, ValueError) as exc:
                self._on_bad(row, exc)
        if self._caught:
            if self._forget is not None:
                self._forget.cancel()
            self._forget = asyncio.get_running_loop().call_later(CAUGHT_MEMORY_S, self._caught.clear)
        events.sort(key=lambda e: e.ts)
        if events:
            self._rest_newest = max(events[-1].ts, self._rest_newest or 0)
        before = self.received
        self.accept(events)
        self.caught_up += self.received - before


SPEC = VenueSpec(
    name="gate",
    ccxt_id="gate",
    kind=STREAM,
    feed=GateFeed,
    ccxt_options={"fetchMarkets": {"types": ["swap"]}},
    tickers_params=({"type": "swap", "settle": "usdt"},),
)
