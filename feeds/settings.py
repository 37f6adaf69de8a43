"""Settings the feeds read: where each venue lives, what to watch.

Which venues there are is the registry's (``feeds.venues.EXCHANGE_NAMES``).

Plain dataclasses so that ``feeds`` needs nothing from the UI layer; the
config loader (tui/runtime/config.py) fills them from TOML and validates every key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

MARKETCAP_PROVIDERS = ("coingecko", "coinpaprika", "coinlore")


def _is_origin(url: str) -> bool:
    """An http(s) URL with a host and nothing after the port but a slash."""
    parts = urlsplit(url)
    return (
        parts.scheme in ("http", "https")
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
        """Bad values by key (the loader turns them into a named error)."""
        if self.ws_path and not self.ws_path.startswith("/"):
            return {"ws_path": "must be empty or a path starting with /, e.g. /market/ws"}
        return {}


@dataclass
class MarketCapSettings:
    """Total market-cap sources, tried in order, and their origins."""

    providers: list[str] = field(default_factory=lambda: list(MARKETCAP_PROVIDERS))
    coingecko_url: str = "https://api.coingecko.com"
    coinpaprika_url: str = "https://api.coinpaprika.com"
    coinlore_url: str = "https://api.coinlore.net"
    poll_seconds: float = 60.0

    def validate(self) -> dict[str, str]:
        """Bad values by key (the loader turns them into a named error)."""
        errors: dict[str, str] = {}
        unknown = [p for p in self.providers if p not in MARKETCAP_PROVIDERS]
        if unknown or not self.providers:
            errors["providers"] = f"must be a non-empty list of {', '.join(MARKETCAP_PROVIDERS)}"
        for provider in MARKETCAP_PROVIDERS:
            key = f"{provider}_url"
            if not _is_origin(getattr(self, key)):
                errors[key] = "must be an http(s) origin such as https://api.example.com or http://127.0.0.1:8080"
        if self.poll_seconds < 60:
            errors["poll_seconds"] = "must be at least 60 (CoinGecko caches for 10 minutes)"
        return errors


DEFAULT_WATCHLIST = ["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT", "XRP/USDT:USDT", "DOGE/USDT:USDT"]
