"""Loopback venues as fixtures; each test gets fresh servers."""

from __future__ import annotations

from typing import AsyncIterator

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


@pytest.fixture
async def deribit() -> AsyncIterator[DeribitLoopback]:
    async with DeribitLoopback() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
async def bitfinex() -> AsyncIterator[BitfinexLoopback]:
    async with BitfinexLoopback() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
async def krakenfutures() -> AsyncIterator[KrakenFuturesLoopback]:
    async with KrakenFuturesLoopback() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
async def dydx() -> AsyncIterator[DydxLoopback]:
    async with DydxLoopback() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
async def bitmex() -> AsyncIterator[BitmexLoopback]:
    async with BitmexLoopback() as server:
        yield server  # type: ignore[misc]
