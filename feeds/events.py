"""The one data model: small immutable events, shared by every layer.

Every producer (live venue feeds, the replay of a recording, the demo) emits
these, the indicator layer consumes them, and a recording is a file of them,
one JSON object per line.  Field names and meanings are a public format
(see docs/recording-format.md): never rename a field, only add optional ones.

Events are ``NamedTuple`` subclasses rather than frozen dataclasses because a
report replays millions of them and tuple construction is several times
cheaper than a frozen dataclass ``__init__``; they are just as immutable.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Union

# Liquidation sides, from the position's point of view: ``long`` means a long
# position was liquidated (a forced SELL), ``short`` that a short was.
LONG = "long"
SHORT = "short"
SIDES = (LONG, SHORT)

# Time in ms, the unit of every ``ts``: one spelling for every layer.
SECOND_MS = 1000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000

FEED_STATES = ("connecting", "live", "stale", "down")
# A reserved feed name: the supervisor's "can any venue be reached" signal,
# carried as a feed_status so it lands in recordings, but not a feed itself.
VENUES_STATUS = "venues"
TIMEFRAMES = ("1m", "1h", "1d")


class Liquidation(NamedTuple):
    """One forced order on a derivatives venue, normalised.

    ``usd`` is the notional in USD computed per venue (DESIGN.md, "Exchange
    facts"); ``qty`` is in base units.
    """

    ts: int
    exchange: str
    symbol: str
    side: str
    price: float
    qty: float
    usd: float
    KIND = "liquidation"


class Volume(NamedTuple):
    """Rolling 24 h quote volume as the venue reports it (``symbol`` may be ``*``)."""

    ts: int
    exchange: str
    symbol: str
    usd_24h: float
    KIND = "volume"


class OpenInterest(NamedTuple):
    ts: int
    exchange: str
    symbol: str
    usd: float
    KIND = "open_interest"


class Candle(NamedTuple):
    """A closed bar; ``ts`` is the bar's open time."""

    ts: int
    exchange: str
    symbol: str
    tf: str
    open: float
    high: float
    low: float
    close: float
    volume_usd: float
    KIND = "candle"


class Price(NamedTuple):
    """The live last price between candles."""

    ts: int
    exchange: str
    symbol: str
    last: float
    KIND = "price"


class MarketCap(NamedTuple):
    """A total crypto market-cap sample from one source."""

    ts: int
    source: str
    usd: float
    KIND = "market_cap"


class FeedStatus(NamedTuple):
    """The health of one feed: ``connecting``, ``live``, ``stale`` or ``down``."""

    ts: int
    feed: str
    state: str
    detail: str = ""
    KIND = "feed_status"


Event = Union[Liquidation, Volume, OpenInterest, Candle, Price, MarketCap, FeedStatus]
EVENT_TYPES: tuple[type, ...] = (Liquidation, Volume, OpenInterest, Candle, Price, MarketCap, FeedStatus)


class BadEvent(ValueError):
    """A JSON object that claims a known type but does not hold a valid event."""


def _num(value: Any) -> float:
    # bool is an int subclass; a JSON true is never a price.
    if isinstance(value, bool):
        raise BadEvent(f"expected a number, got {value!r}")
    out = float(value)
    if out != out or out in (float("inf"), float("-inf")):
        raise BadEvent(f"expected a finite number, got {value!r}")
    return out


def _ts(value: Any) -> int:
    if isinstance(value, bool):
        raise BadEvent(f"expected a timestamp in ms, got {value!r}")
    return int(value)


def _str(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise BadEvent(f"expected a non-empty string, got {value!r}")
    return value


_new = tuple.__new__

# The fast paths: a well-formed line (the common case by far) is checked
# inline and built with ``tuple.__new__``; anything unusual (a missing field,
# an int price, a bad value) takes the careful path, which words the error
# exactly as it always has.  ``x - x == 0.0`` is false exactly for NaN and
# the infinities, and a sum of such differences is 0.0 only when every term is.


def _liquidation(d: dict[str, Any]) -> Liquidation:
    try:
        ts, ex, sym, side, price, qty, usd = (
            d["ts"], d["exchange"], d["symbol"], d["side"], d["price"], d["qty"], d["usd"]
        )  # fmt: skip
    except KeyError:
        return _liquidation_checked(d)
    if (
        type(ts) is int
        and type(ex) is str
        and ex
        and type(sym) is str
        and sym
        and (side == LONG or side == SHORT)
        and type(price) is float
        and type(qty) is float
        and type(usd) is float
        and (price - price) + (qty - qty) + (usd - usd) == 0.0
        and usd >= 0.0
    ):
        return _new(Liquidation, (ts, ex, sym, side, price, qty, usd))
    return _liquidation_checked(d)


def _liquidation_checked(d: dict[str, Any]) -> Liquidation:
    side = d["side"]
    if side not in SIDES:
        raise BadEvent(f"side must be 'long' or 'short', got {side!r}")
    usd = _num(d["usd"])
    if usd < 0:
        raise BadEvent(f"usd must not be negative, got {usd!r}")
    return Liquidation(
        _ts(d["ts"]), _str(d["exchange"]), _str(d["symbol"]), side, _num(d["price"]), _num(d["qty"]), usd
    )


Decoder = Callable[[dict[str, Any]], Any]


def _venue_figure(cls: Any, field: str) -> tuple[Decoder, Decoder]:
    """The (fast, careful) decoders of an event that is (ts, exchange, symbol,
    one number in ``field``): Volume, OpenInterest and Price share them."""

    def checked(d: dict[str, Any]) -> Any:
        return cls(_ts(d["ts"]), _str(d["exchange"]), _str(d["symbol"]), _num(d[field]))

    def decode(d: dict[str, Any]) -> Any:
        try:
            ts, ex, sym, value = d["ts"], d["exchange"], d["symbol"], d[field]
        except KeyError:
            return checked(d)
        if type(ts) is int and type(ex) is str and ex and type(sym) is str and sym and type(value) is float \
                and value - value == 0.0:
            return _new(cls, (ts, ex, sym, value))
        return checked(d)

    return decode, checked


_volume, _volume_checked = _venue_figure(Volume, "usd_24h")
_open_interest, _open_interest_checked = _venue_figure(OpenInterest, "usd")
_price, _price_checked = _venue_figure(Price, "last")


def _candle(d: dict[str, Any]) -> Candle:
    try:
        ts, ex, sym, tf, o, h, lo, c, vol = (
            d["ts"], d["exchange"], d["symbol"], d["tf"], d["open"], d["high"], d["low"], d["close"],
            d["volume_usd"],
        )  # fmt: skip
    except KeyError:
        return _candle_checked(d)
    if (
        type(ts) is int
        and type(ex) is str
        and ex
        and type(sym) is str
        and sym
        and tf in TIMEFRAMES
        and type(o) is float
        and type(h) is float
        and type(lo) is float
        and type(c) is float
        and type(vol) is float
        and (o - o) + (h - h) + (lo - lo) + (c - c) + (vol - vol) == 0.0
    ):
        return _new(Candle, (ts, ex, sym, tf, o, h, lo, c, vol))
    return _candle_checked(d)


def _candle_checked(d: dict[str, Any]) -> Candle:
    tf = d["tf"]
    if tf not in TIMEFRAMES:
        raise BadEvent(f"tf must be one of {', '.join(TIMEFRAMES)}, got {tf!r}")
    return Candle(
        _ts(d["ts"]),
        _str(d["exchange"]),
        _str(d["symbol"]),
        tf,
        _num(d["open"]),
        _num(d["high"]),
        _num(d["low"]),
        _num(d["close"]),
        _num(d["volume_usd"]),
    )


def _market_cap(d: dict[str, Any]) -> MarketCap:
    try:
        ts, src, usd = d["ts"], d["source"], d["usd"]
    except KeyError:
        return _market_cap_checked(d)
    if type(ts) is int and type(src) is str and src and type(usd) is float and usd - usd == 0.0:
        return _new(MarketCap, (ts, src, usd))
    return _market_cap_checked(d)


def _market_cap_checked(d: dict[str, Any]) -> MarketCap:
    return MarketCap(_ts(d["ts"]), _str(d["source"]), _num(d["usd"]))


def _feed_status(d: dict[str, Any]) -> FeedStatus:
    state = d["state"]
    if state not in FEED_STATES:
        raise BadEvent(f"state must be one of {', '.join(FEED_STATES)}, got {state!r}")
    detail = d.get("detail", "")
    return FeedStatus(_ts(d["ts"]), _str(d["feed"]), state, detail if isinstance(detail, str) else str(detail))


_DECODERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    Liquidation.KIND: _liquidation,
    Volume.KIND: _volume,
    OpenInterest.KIND: _open_interest,
    Candle.KIND: _candle,
    Price.KIND: _price,
    MarketCap.KIND: _market_cap,
    FeedStatus.KIND: _feed_status,
}


def from_dict(d: Any) -> Event | None:
    """Build an event from a decoded JSON object.

    Returns None for an object of an unknown type (forward compatibility: a
    newer liqwatch may write types this one does not know).  Raises
    ``BadEvent`` when a known type is missing a field or holds a bad value.
    Unknown fields are ignored.
    """
    try:
        decode = _DECODERS[d["type"]]  # a dict of a known type: the common case
    except (KeyError, TypeError):
        if not isinstance(d, dict):
            raise BadEvent("not a JSON object") from None
        if not isinstance(d.get("type"), str):
            raise BadEvent("no 'type' field") from None
        return None
    try:
        return decode(d)
    except KeyError as exc:
        raise BadEvent(f"{d['type']}: missing field {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:  # BadEvent is a ValueError too
        raise BadEvent(f"{d['type']}: {exc}") from None


def to_dict(ev: Event) -> dict[str, Any]:
    """The JSON object of an event, with ``type`` first."""
    out: dict[str, Any] = {"type": ev.KIND}
    out.update(ev._asdict())
    return out
