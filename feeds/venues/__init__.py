"""The venues liqwatch reads, and the one way to build their feeds.

``VENUE_MODULES`` is the registry: one line per venue, its config name and
the module that holds everything about it (frame docs, normaliser, feed
class and its ``SPEC``, see ``spec.py``).  Every list of venues comes from
here: ``EXCHANGE_NAMES`` (the config's ``[exchanges.<name>]`` tables, the
default config, the filter screen), ``build_feeds`` (the live feed list).
Adding a venue is its module plus one line below.

Modules are imported only when a feed is built, and importing one does not
import ccxt (the feeds import it when they start running), so the TUI can
build its feed list and paint its first frame before the heavy import.
"""

from __future__ import annotations

import importlib
from typing import Any

from feeds.base import Feed
from feeds.settings import ExchangeSettings
from feeds.venues.spec import VenueSpec

__all__ = ["EXCHANGE_NAMES", "VENUE_MODULES", "build_feeds", "context_feed", "liquidation_feed", "spec_of"]

#: config name -> the venue's module, in the order venues are listed and run.
VENUE_MODULES: dict[str, str] = {
    "binance": "feeds.venues.binance",
    "binancecoinm": "feeds.venues.binancecoinm",
    "bybit": "feeds.venues.bybit",
    "okx": "feeds.venues.okx",
    "gate": "feeds.venues.gate",
    "htx": "feeds.venues.htx",
    "bitget": "feeds.venues.bitget",
    "deribit": "feeds.venues.deribit",
    "bitfinex": "feeds.venues.bitfinex",
    "krakenfutures": "feeds.venues.krakenfutures",
    "dydx": "feeds.venues.dydx",
    "bitmex": "feeds.venues.bitmex",
}

EXCHANGE_NAMES: tuple[str, ...] = tuple(VENUE_MODULES)


def spec_of(name: str) -> VenueSpec:
    """The ``SPEC`` of venue ``name`` (its module is imported now)."""
    try:
        module = VENUE_MODULES[name]
    except KeyError:
        raise ValueError(f"unknown exchange {name!r}; expected one of {', '.join(EXCHANGE_NAMES)}") from None
    spec: VenueSpec = importlib.import_module(module).SPEC
    return spec


def liquidation_feed(name: str, settings: ExchangeSettings, **overrides: Any) -> Feed:
    """The liquidation feed of venue ``name`` (named like the venue)."""
    return spec_of(name).liquidation_feed(settings, **overrides)


def context_feed(name: str, settings: ExchangeSettings, watchlist: list[str], **overrides: Any) -> Feed | None:
    """The context feed (``<name>:context``) of venue ``name``, or None when it has none."""
    spec = spec_of(name)
    if spec.context is None:
        return None
    from feeds.venues.context import VenueContextFeed

    return VenueContextFeed(spec, settings, watchlist, **overrides)


def build_feeds(exchanges: dict[str, ExchangeSettings], watchlist: list[str]) -> list[Feed]:
    """Every feed of every enabled venue: its liquidation feed (named like the
    venue) and, where it has one, its context feed (named ``<venue>:context``)."""
    feeds: list[Feed] = []
    for name, settings in exchanges.items():
        if not settings.enabled:
            continue
        feeds.append(liquidation_feed(name, settings))
        ctx = context_feed(name, settings, watchlist)
        if ctx is not None:
            feeds.append(ctx)
    return feeds
