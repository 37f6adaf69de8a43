"""The venue registry: one module and one line per venue, and every list of
venues (config, default config, live feeds) taken from it."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import pkgutil
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import feeds.venues
from feeds.settings import ExchangeSettings
from feeds.venues import EXCHANGE_NAMES, VENUE_MODULES, spec_of
from feeds.venues.context import VenueContextFeed
from feeds.venues.spec import KINDS, ContextSpec, VenueSpec
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback.binance import BinanceLoopback
from tests.loopback.harness import running

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", EXCHANGE_NAMES)
def test_every_registered_venue_has_a_complete_spec(name: str) -> None:
    spec = spec_of(name)
    assert isinstance(spec, VenueSpec) and spec.name == name
    assert (spec.ccxt_id or not spec.feed.NEEDS_CCXT) and spec.kind in KINDS and spec.feed.KIND == spec.kind
    assert spec.tickers_params and all(isinstance(p, dict) for p in spec.tickers_params)
    assert all(path.startswith("/") for path in spec.ws_paths.values())
    if spec.context is not None:
        assert isinstance(spec.context, ContextSpec)
        assert callable(spec.context.ticker_usd) and spec.context.ohlcv_limit > 0
    feed = spec.liquidation_feed(ExchangeSettings())
    assert feed.name == name and feed.spec is spec and feed.venue
    ctx = feeds.venues.context_feed(name, ExchangeSettings(), ["BTC/USDT:USDT"])
    assert (ctx is None) == (spec.context is None)
    if ctx is not None:
        assert isinstance(ctx, VenueContextFeed) and ctx.name == f"{name}:context" and ctx.exchange == name


def test_every_venue_module_is_registered() -> None:
    """A module with a SPEC that the registry does not list would be a venue
    no config, screen or feed list knows about."""
    with_spec = set()
    for info in pkgutil.iter_modules(feeds.venues.__path__, prefix="feeds.venues."):
        if isinstance(getattr(importlib.import_module(info.name), "SPEC", None), VenueSpec):
            with_spec.add(info.name)
    assert with_spec == set(VENUE_MODULES.values())


def test_config_tables_come_from_the_registry() -> None:
    from tui.cli.config import default_text
    from tui.runtime.config import Config

    assert tuple(Config().exchanges) == EXCHANGE_NAMES
    assert [line for line in default_text().splitlines() if line.startswith("[exchanges.")] == [
        f"[exchanges.{name}]" for name in EXCHANGE_NAMES
    ]


def test_a_spec_that_contradicts_its_feed_class_does_not_build() -> None:
    spec = spec_of("okx")

    class CarrierPigeonFeed(type(spec.liquidation_feed(ExchangeSettings()))):  # type: ignore[misc]
        KIND = "carrier-pigeon"

    with pytest.raises(ValueError, match="CarrierPigeonFeed is a carrier-pigeon feed, the spec says stream"):
        dataclasses.replace(spec, feed=CarrierPigeonFeed)
    with pytest.raises(ValueError, match="kind must be one of"):
        dataclasses.replace(spec, kind="carrier-pigeon")


async def test_the_ws_path_is_the_specs() -> None:
    """Binance COIN-M's stream path is a venue fact: change it in the spec and
    the feed connects there (here the path USD-M moved to)."""
    moved = dataclasses.replace(spec_of("binancecoinm"), ws_paths={"inverse": "/market/ws"})
    async with BinanceLoopback("coinm") as server:
        async with running(moved.liquidation_feed(settings_for(server))):
            async with asyncio.timeout(BOUND_S):
                await server.wait_connections(1)
    assert server.ws_paths[0].startswith("/market/ws/")


def test_coinm_stream_path_today_is_dstream_ws() -> None:
    """Today's choice, pinned: COIN-M liquidations on dstream's ``/ws`` (USD-M
    moved to ``/market/ws``; public sources disagree whether COIN-M did)."""
    assert spec_of("binancecoinm").ws_paths == {"inverse": "/ws"}


async def test_config_ws_path_overrides_the_coinm_stream_path() -> None:
    from tui.runtime.config import parse

    async with BinanceLoopback("coinm") as server:
        cfg = parse(f'[exchanges.binancecoinm]\nws_url = "{server.ws_origin}"\nrest_url = "{server.http_origin}"\n'
                    'ws_path = "/market/ws"\n')
        async with running(spec_of("binancecoinm").liquidation_feed(cfg.exchanges["binancecoinm"])):
            async with asyncio.timeout(BOUND_S):
                await server.wait_connections(1)
    assert server.ws_paths[0].startswith("/market/ws/")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[exchanges.binancecoinm]\nws_path = "market/ws"\n', "exchanges.binancecoinm.ws_path (line 2): must be empty or a path"),
        ('[exchanges.okx]\nws_path = "/ws"\n', "exchanges.okx.ws_path (line 2): this venue has no overridable stream path"),
    ],
)
def test_a_bad_ws_path_is_named_with_its_line(text: str, message: str) -> None:
    from tui.runtime.config import ConfigError, parse

    with pytest.raises(ConfigError) as err:
        parse(text)
    assert message in err.value.render()


NEW_VENUE = '''
"""Examplex: a venue added to the tree the way the next one will be."""

from typing import Any

from feeds.venues.markets import Contract
from feeds.venues.spec import STREAM, VenueSpec
from feeds.venues.stream import Normaliser, Spawn, StreamLiquidationFeed


class ExamplexFeed(StreamLiquidationFeed):
    def is_liquidation_frame(self, message: Any) -> bool:
        return False

    def make_normaliser(self, contracts: dict[str, Contract]) -> Normaliser:
        raise NotImplementedError

    async def subscribe(self, exchange: Any, spawn: Spawn) -> None:
        raise NotImplementedError


SPEC = VenueSpec(name="examplex", ccxt_id="kraken", kind=STREAM, feed=ExamplexFeed)
'''

CHECK_NEW_VENUE = textwrap.dedent(
    """
    import sys
    from tui.cli.config import default_text
    from tui.runtime.config import ConfigError, parse
    from tui.runtime.live import live_feeds

    cfg = parse('[exchanges.examplex]\\nws_url = "ws://127.0.0.1:9"\\n')
    assert cfg.exchanges["examplex"].ws_url == "ws://127.0.0.1:9", cfg.exchanges
    assert "[exchanges.examplex]" in default_text()
    feeds = {f.name: f for f in live_feeds(cfg)}
    assert type(feeds["examplex"]).__name__ == "ExamplexFeed", feeds
    assert "examplex:context" not in feeds  # its SPEC has no context
    try:
        parse("[exchanges.examplexx]\\n")
    except ConfigError as exc:
        assert "examplexx" in exc.render()
    else:
        raise AssertionError("an unregistered venue was accepted")
    print("ccxt" in sys.modules)
    """
)


def test_adding_a_venue_is_one_module_and_one_registry_line(tmp_path: Path) -> None:
    """In a copy of ``feeds/``: write the module, add its line, and the
    config, the default config and the live feed list all have the venue."""
    copy = tmp_path / "feeds"
    shutil.copytree(REPO / "feeds", copy, ignore=shutil.ignore_patterns("__pycache__", "data"))
    (copy / "venues" / "examplex.py").write_text(NEW_VENUE)
    registry = copy / "venues" / "__init__.py"
    text = registry.read_text()
    line = '    "htx": "feeds.venues.htx",\n'
    assert line in text
    registry.write_text(text.replace(line, line + '    "examplex": "feeds.venues.examplex",\n'))
    # The copy of feeds/ comes first on the path; tui/ is the checkout's.
    env = {"PYTHONPATH": f"{tmp_path}:{REPO}", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", CHECK_NEW_VENUE], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"  # and building it imported no ccxt
