"""Exchange feeds for the ccxt venues: liquidations and context.

Importing this package does not import ccxt (the feeds import it when they
start running), so the TUI can paint its first frame before the heavy import.

``build_feeds`` is the one entry point the app uses.
"""

from __future__ import annotations

from typing import Any

from feeds.base import Feed
from feeds.settings import EXCHANGE_NAMES, ExchangeSettings

__all__ = ["build_feeds", "liquidation_feed", "context_feed", "CONTEXT_VENUES"]


def _okx_usd(ticker: dict[str, Any], market: dict[str, Any]) -> float | None:
    # OKX swaps/futures: vol24h is contracts, volCcy24h base units.
    info = ticker.get("info") or {}
    last = ticker.get("last")
    vol_ccy = info.get("volCcy24h")
    return float(vol_ccy) * float(last) if vol_ccy is not None and last else None


def _bybit_usd(ticker: dict[str, Any], market: dict[str, Any]) -> float | None:
    # Bybit: turnover24h is quote (USDT) on linear; on inverse volume24h is USD.
    info = ticker.get("info") or {}
    raw = info.get("volume24h") if market.get("inverse") else info.get("turnover24h")
    return float(raw) if raw is not None else None


def _binance_coinm_usd(ticker: dict[str, Any], market: dict[str, Any]) -> float | None:
    # COIN-M: "volume" is contracts of contractSize USD each.
    info = ticker.get("info") or {}
    raw = info.get("volume")
    return float(raw) * float(market.get("contractSize") or 1.0) if raw is not None else None


#: venue -> keyword arguments of its VenueContextFeed (Gate and HTX have none:
#: their liquidations are polled; their context is not wired yet).
CONTEXT_VENUES: dict[str, dict[str, Any]] = {
    "binance": {"ccxt_id": "binanceusdm", "ohlcv_limit": 1000},
    "binancecoinm": {"ccxt_id": "binancecoinm", "ticker_usd": _binance_coinm_usd, "ohlcv_limit": 1000},
    "bybit": {
        "ccxt_id": "bybit",
        "ccxt_options": {"fetchMarkets": {"types": ["linear", "inverse"]}},
        "tickers_params": [{"type": "swap", "subType": "linear"}, {"type": "swap", "subType": "inverse"}],
        "ticker_usd": _bybit_usd,
        "ohlcv_limit": 1000,
    },
    "okx": {
        "ccxt_id": "okx",
        "ccxt_options": {"fetchMarkets": {"types": ["swap", "future"]}},
        "tickers_params": [{"type": "swap"}],
        "ticker_usd": _okx_usd,
        "ohlcv_limit": 300,
    },
}


def liquidation_feed(name: str, settings: ExchangeSettings) -> Feed:
    """The liquidation feed of venue ``name`` (one of ``EXCHANGE_NAMES``)."""
    if name == "binance":
        from feeds.venues.binance import BinanceUsdmFeed

        return BinanceUsdmFeed(settings)
    if name == "binancecoinm":
        from feeds.venues.binance import BinanceCoinmFeed

        return BinanceCoinmFeed(settings)
    if name == "bybit":
        from feeds.venues.bybit import BybitFeed

        return BybitFeed(settings)
    if name == "okx":
        from feeds.venues.okx import OkxFeed

        return OkxFeed(settings)
    if name in ("gate", "htx"):
        from feeds.venues.rest_polled import RestLiquidationFeed

        return RestLiquidationFeed(name, settings)
    raise ValueError(f"unknown exchange {name!r}; expected one of {', '.join(EXCHANGE_NAMES)}")


def context_feed(name: str, settings: ExchangeSettings, watchlist: list[str], **overrides: Any) -> Feed | None:
    """The context feed (``<name>:context``) of venue ``name``, or None."""
    spec = CONTEXT_VENUES.get(name)
    if spec is None:
        return None
    from feeds.venues.context import VenueContextFeed

    return VenueContextFeed(name, settings=settings, watchlist=watchlist, **{**spec, **overrides})


def build_feeds(exchanges: dict[str, ExchangeSettings], watchlist: list[str]) -> list[Feed]:
    """Every feed of every enabled venue: its liquidation feed (named like the
    venue) and, where wired, its context feed (named ``<venue>:context``)."""
    feeds: list[Feed] = []
    for name, settings in exchanges.items():
        if not settings.enabled:
            continue
        feeds.append(liquidation_feed(name, settings))
        ctx = context_feed(name, settings, watchlist)
        if ctx is not None:
            feeds.append(ctx)
    return feeds
