"""Loopback exchanges: aiohttp servers on 127.0.0.1 that speak just enough of
each venue's REST and WebSocket APIs for ccxt and the liqwatch feeds to run
against them unchanged (only origins differ).  Usable outside pytest: create
one, ``await server.start()``, point ``ExchangeSettings(ws_url=server.ws_origin,
rest_url=server.http_origin)`` at it, ``await server.stop()``."""

from tests.loopback.base import LoopbackExchange
from tests.loopback.binance import BinanceLoopback

__all__ = ["LoopbackExchange", "BinanceLoopback"]
