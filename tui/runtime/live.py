"""The live feed set: every enabled venue plus the market-cap poller.

Building the list imports no ccxt (the venue feeds import it when they start
running), so the app can call this before its first frame.
"""

from __future__ import annotations

from feeds.base import Feed
from tui.runtime.config import Config


def live_feeds(cfg: Config) -> list[Feed]:
    from feeds.marketcap import MarketCapFeed
    from feeds.venues import build_feeds

    return [*build_feeds(cfg.exchanges, cfg.watchlist), MarketCapFeed(cfg.marketcap)]
