"""Feed health: each feed's state and the newest data it delivered (``Snapshot.feeds``).

Two sources, because a recording may hold either: ``feed_status`` events (the
supervisor's word: connecting, live, stale, down, since when) and the data
itself (a feed whose events arrive delivered, whatever was said).  The
status line, the status file and the report read the result.
"""

from __future__ import annotations

import numpy as np

from feeds.events import VENUES_STATUS, FeedStatus
from indicators.batch import LiquidationBatch, PairCodes
from indicators.snapshot import FeedHealth

MARKETCAP_FEED = "marketcap"  # the feed name market-cap samples count for


class FeedHealthBook:
    """The latest status and the newest data of every feed."""

    def __init__(self) -> None:
        # feed -> ms of its newest event.  The engine's hot paths update it inline.
        self.last_data: dict[str, int] = {}
        self._status: dict[str, FeedStatus] = {}
        self._since: dict[str, int] = {}

    def seen(self, feed: str, ts: int) -> None:
        last = self.last_data.get(feed)
        if last is None or ts > last:
            self.last_data[feed] = ts

    def seen_batch(self, b: LiquidationBatch, codes: PairCodes) -> None:
        """``seen`` for each liquidation of a batch, one venue at a time."""
        last_data = self.last_data
        ex = codes.exchange_of[b.pair]
        for e in np.unique(ex).tolist():
            name = codes.exchanges[e]
            newest = int(b.ts[ex == e].max())
            last = last_data.get(name)
            if last is None or newest > last:
                last_data[name] = newest

    def on_status(self, ev: FeedStatus) -> None:
        prev = self._status.get(ev.feed)
        if prev is not None and ev.ts < prev.ts:
            return  # an older status than the one we hold says nothing new
        if prev is None or prev.state != ev.state:
            self._since[ev.feed] = ev.ts
        self._status[ev.feed] = ev

    def snapshot(self) -> tuple[FeedHealth, ...]:
        # The supervisor's reachability signal is not a feed: it is not listed.
        names = sorted((set(self._status) | set(self.last_data)) - {VENUES_STATUS})
        out = []
        for name in names:
            st = self._status.get(name)
            if st is None:
                # Data but no status event (a plain recording): the feed delivered, so it was live.
                out.append(FeedHealth(feed=name, state="live", last_data=self.last_data.get(name)))
            else:
                out.append(FeedHealth(feed=name, state=st.state, detail=st.detail,
                                      since=self._since.get(name, st.ts), last_data=self.last_data.get(name)))
        return tuple(out)
