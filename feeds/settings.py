"""Settings the feeds read: where each venue lives, what to watch.

Which venues there are is the registry's (``feeds.venues.EXCHANGE_NAMES``).

Plain dataclasses so that ``feeds`` needs nothing from the UI layer; the
config loader (tui/runtime/config.py) fills them from TOML and validates every key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar, Mapping
from urllib.parse import urlsplit

MARKETCAP_PROVIDERS = ("coingecko", "coinpaprika", "coinlore")


_INTERVAL = re.compile(r"^([\[(])([^,]+), ([^\])]+)([\])])$")


def check_ranges(settings: object, ranges: Mapping[str, str]) -> dict[str, str]:
    """The fields of ``settings`` outside their interval in ``ranges``, each
    with a message that gives the interval.

    Every layer's settings (these, ``IndicatorParams``, the UI's, the
    alerts') give each number a sane range this way, written as an interval
    such as ``"(0, 365]"``: a value the code would overflow or loop on
    (``1e308`` days, ``inf`` minutes, ``nan``) is refused when the config is
    read, not found later as a traceback.  NaN is outside every interval."""
    errors: dict[str, str] = {}
    for key, interval in ranges.items():
        m = _INTERVAL.match(interval)
        if m is None:
            raise ValueError(f"bad interval for {key}: {interval!r}")
        lo_mark, lo, hi, hi_mark = m.groups()
        value = getattr(settings, key)
        low, high = float(lo), float(hi)
        above = value > low if lo_mark == "(" else value >= low
        below = value < high if hi_mark == ")" else value <= high
        if not (above and below):
            errors[key] = f"must be in {interval}, got {value!r}"
    return errors


def _is_origin(url: str, schemes: tuple[str, ...] = ("http", "https")) -> bool:
    """A URL of one of ``schemes`` with a host and nothing after the port but a slash."""
    parts = urlsplit(url)
    return (
        parts.scheme in schemes
        and bool(parts.hostname)
        and parts.path in ("", "/")
        and not parts.query
        and not parts.fragment
    )


@dataclass
class ExchangeSettings:
    """One venue.  A URL replaces the venue's origin (scheme, host, port) only;
    the paths stay the venue's own.  Empty means the venue's real origin.

    ``ws_path`` replaces the liquidation stream's WebSocket path where the
    venue keeps that path as a fact because public sources disagree on it
    (``VenueSpec.ws_paths``: Binance COIN-M); empty keeps the venue's.
    """

    enabled: bool = True
    ws_url: str = ""
    rest_url: str = ""
    ws_path: str = ""

    def validate(self) -> dict[str, str]:
        """A URL that is not an origin, or a path that is not one, would have
        the feed retry forever."""
        errors: dict[str, str] = {}
        if self.ws_url and not _is_origin(self.ws_url, ("ws", "wss")):
            errors["ws_url"] = "must be empty or a ws(s) origin such as wss://stream.example.com or ws://127.0.0.1:9001"
        if self.rest_url and not _is_origin(self.rest_url):
            errors["rest_url"] = "must be empty or an http(s) origin such as https://api.example.com"
        if self.ws_path and not self.ws_path.startswith("/"):
            errors["ws_path"] = "must be empty or a path starting with /, e.g. /market/ws"
        return errors


@dataclass
class MarketCapSettings:
    """Total market-cap sources, tried in order, and their origins."""

    providers: list[str] = field(default_factory=lambda: list(MARKETCAP_PROVIDERS))
    coingecko_url: str = "https://api.coingecko.com"
    coinpaprika_url: str = "https://api.coinpaprika.com"
    coinlore_url: str = "https://api.coinlore.net"
    poll_seconds: float = 60.0

    # At least a minute: CoinGecko caches for 10 minutes.
    RANGES: ClassVar[dict[str, str]] = {"poll_seconds": "[60, 86400]"}

    def validate(self) -> dict[str, str]:
        """Bad values by key (the loader turns them into a named error)."""
        errors = check_ranges(self, self.RANGES)
        unknown = [p for p in self.providers if p not in MARKETCAP_PROVIDERS]
        if unknown or not self.providers:
            errors["providers"] = f"must be a non-empty list of {', '.join(MARKETCAP_PROVIDERS)}"
        for provider in MARKETCAP_PROVIDERS:
            key = f"{provider}_url"
            if not _is_origin(getattr(self, key)):
                errors[key] = "must be an http(s) origin such as https://api.example.com or http://127.0.0.1:8080"
        return errors


DEFAULT_WATCHLIST = ["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT", "XRP/USDT:USDT", "DOGE/USDT:USDT"]
