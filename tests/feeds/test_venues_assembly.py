"""build_feeds, the origin override and the import hygiene of feeds.venues."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds.settings import ExchangeSettings
from feeds.venues import EXCHANGE_NAMES, build_feeds
from feeds.venues.dedupe import RecentKeys
from feeds.venues.urls import replace_origin, rewrite_origins


def test_importing_feeds_venues_does_not_import_ccxt() -> None:
    code = "import sys, feeds.venues; build = feeds.venues.build_feeds; print('ccxt' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_build_feeds_names_every_enabled_venue() -> None:
    exchanges = {name: ExchangeSettings() for name in EXCHANGE_NAMES}
    exchanges["gate"] = ExchangeSettings(enabled=False)
    names = [f.name for f in build_feeds(exchanges, ["BTC/USDT:USDT"])]
    assert names == [
        "binance",
        "binance:context",
        "binancecoinm",
        "binancecoinm:context",
        "bybit",
        "bybit:context",
        "okx",
        "okx:context",
        "htx",
        "bitget",
        "deribit",
        "bitfinex",
        "krakenfutures",
        "dydx",
        "bitmex",
    ]


def test_build_feeds_rejects_unknown_venue() -> None:
    with pytest.raises(ValueError, match="unknown exchange"):
        build_feeds({"kraken": ExchangeSettings()}, [])


def test_rewrite_keeps_paths_and_placeholders() -> None:
    urls = {
        "api": {
            "ws": {"linear": "wss://fstream.binance.com/ws", "public": {"inverse": "wss://stream.{hostname}/v5/public/inverse"}},
            "fapiPublic": "https://fapi.binance.com/fapi/v1",
        },
        "doc": ["https://docs.example.com/a"],
        "logo": "not a url",
    }
    out = rewrite_origins(urls, ws_url="ws://127.0.0.1:9001", rest_url="http://127.0.0.1:9002/ignored/path")
    assert out["api"]["ws"]["linear"] == "ws://127.0.0.1:9001/ws"
    assert out["api"]["ws"]["public"]["inverse"] == "ws://127.0.0.1:9001/v5/public/inverse"
    assert out["api"]["fapiPublic"] == "http://127.0.0.1:9002/fapi/v1"
    assert out["doc"] == ["http://127.0.0.1:9002/a"]
    assert out["logo"] == "not a url"
    assert urls["api"]["fapiPublic"] == "https://fapi.binance.com/fapi/v1"  # the input is not modified
    assert rewrite_origins(urls) == urls


@given(path=st.from_regex(r"(/[a-z0-9_.{}-]{1,12}){0,4}", fullmatch=True), port=st.integers(1, 65535))
def test_replace_origin_keeps_the_path(path: str, port: int) -> None:
    assert replace_origin(f"wss://stream.example.com{path}", f"ws://127.0.0.1:{port}") == f"ws://127.0.0.1:{port}{path}"


def test_recent_keys_is_bounded_and_forgets_oldest() -> None:
    seen = RecentKeys(capacity=3)
    assert [seen.add(k) for k in (1, 2, 3, 1)] == [True, True, True, False]
    assert seen.add(4) is True and len(seen) == 3
    assert seen.add(1) is True  # 1 was the oldest and has been forgotten
