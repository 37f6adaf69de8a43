"""Feed health from status events and from the data itself."""

from __future__ import annotations

from feeds.events import VENUES_STATUS, FeedStatus, Liquidation
from indicators.batch import LiquidationBatch, PairCodes
from indicators.health import FeedHealthBook
from indicators.snapshot import FeedHealth


def test_state_since_its_change_and_an_older_status_ignored():
    book = FeedHealthBook()
    book.on_status(FeedStatus(1_000, "okx", "connecting"))
    book.on_status(FeedStatus(2_000, "okx", "live", "open"))
    book.on_status(FeedStatus(3_000, "okx", "live", "still open"))  # same state: since stays
    book.on_status(FeedStatus(2_500, "okx", "down", "late news"))  # older than the one held
    assert book.snapshot() == (FeedHealth(feed="okx", state="live", detail="still open", since=2_000),)


def test_a_feed_with_data_and_no_status_was_live_and_reachability_is_no_feed():
    book = FeedHealthBook()
    book.seen("binance", 5_000)
    book.seen("binance", 4_000)  # a late event does not move the newest data back
    book.on_status(FeedStatus(1_000, VENUES_STATUS, "down", "no venue can be reached"))
    assert book.snapshot() == (FeedHealth(feed="binance", state="live", last_data=5_000),)


def test_a_batch_moves_each_venue_to_its_newest_liquidation():
    book = FeedHealthBook()
    book.seen("okx", 9_000)
    evs = [Liquidation(ts, ex, "BTC/USDT:USDT", "long", 1, 1, 1.0)
           for ts, ex in ((3_000, "binance"), (7_000, "okx"), (6_000, "binance"), (1_000, "bybit"))]
    codes = PairCodes()
    book.seen_batch(LiquidationBatch.of(evs, codes, 3_600_000), codes)
    assert book.last_data == {"okx": 9_000, "binance": 6_000, "bybit": 1_000}
