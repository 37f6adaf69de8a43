"""Loopback venues as fixtures; each test gets fresh servers."""

from __future__ import annotations

from typing import Any, AsyncIterator

import pytest

from feeds.settings import ExchangeSettings
from tests.loopback.base import LoopbackExchange
from tests.loopback.binance import BinanceLoopback
from tests.loopback.bitfinex import BitfinexLoopback
from tests.loopback.bitmex import BitmexLoopback
from tests.loopback.bybit import BybitLoopback
from tests.loopback.deribit import DeribitLoopback
from tests.loopback.dydx import DydxLoopback
from tests.loopback.krakenfutures import KrakenFuturesLoopback
from tests.loopback.okx import OkxLoopback

# Upper bound for any wait on the loopback (a hang fails instead of blocking).
BOUND_S = 10


def settings_for(server: LoopbackExchange) -> ExchangeSettings:
    return ExchangeSettings(enabled=True, ws_url=server.ws_origin, rest_url=server.http_origin)


@pytest.fixture
async def usdm() -> AsyncIterator[BinanceLoopback]:
    async with BinanceLoopback("usdm") as server:
        yield server  # type: ignore[misc]


@pytest.fixture
async def coinm() -> AsyncIterator[BinanceLoopback]:
    async with BinanceLoopback("coinm") as server:
        yield server  # type: ignore[misc]


@pytest.fixture
async def okx() -> AsyncIterator["OkxLoopback"]:
    async with OkxLoopback() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
async def bybit() -> AsyncIterator[BybitLoopback]:
    async with BybitLoopback() as server:
        yield server  # type: ignore[misc]


@pytest.fixture(scope="session", autouse=True)
def _ccxt_imported() -> None:
    """ccxt imported once per test process, before the first feed test: its
    cold import (about 1 s of CPU, several seconds on a loaded machine) would
    otherwise fall inside whichever feed test runs first in a worker, and eat
    that test's BOUND_S."""
    import ccxt.pro  # noqa: F401


def _served(cls: type[LoopbackExchange]) -> Any:
    """A fixture that runs a fresh ``cls()`` loopback server for each test."""

    @pytest.fixture
    async def server() -> AsyncIterator[LoopbackExchange]:
        async with cls() as running_server:
            yield running_server

    return server


deribit = _served(DeribitLoopback)
bitfinex = _served(BitfinexLoopback)
krakenfutures = _served(KrakenFuturesLoopback)
dydx = _served(DydxLoopback)
bitmex = _served(BitmexLoopback)
