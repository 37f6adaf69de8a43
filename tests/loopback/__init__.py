"""Loopback exchanges: aiohttp servers on 127.0.0.1 that speak just enough of
each venue's REST and WebSocket APIs for ccxt and the liqwatch feeds to run
against them unchanged (only origins differ).  Usable outside pytest::

    server = await BinanceLoopback("usdm").start()
    settings = ExchangeSettings(ws_url=server.ws_origin, rest_url=server.http_origin)
    ...
    await server.send_liquidations([server.order("BTCUSDT", "SELL", 1.0, 60000.0, ts)])
    server.expected_liquidations()   # ground truth, computed independently
    await server.stop()
"""

from tests.loopback.base import LoopbackExchange
from tests.loopback.binance import BinanceLoopback
from tests.loopback.bitget import BitgetLoopback
from tests.loopback.bitfinex import BitfinexLoopback
from tests.loopback.bitmex import BitmexLoopback
from tests.loopback.bybit import BybitLoopback
from tests.loopback.deribit import DeribitLoopback
from tests.loopback.dydx import DydxLoopback
from tests.loopback.harness import Collector, Restarting, running
from tests.loopback.krakenfutures import KrakenFuturesLoopback
from tests.loopback.okx import OkxLoopback
from tests.loopback.gate import GateLoopback
from tests.loopback.htx import HtxLoopback

__all__ = [
    "all_venues",
    "LoopbackExchange",
    "BinanceLoopback",
    "BybitLoopback",
    "OkxLoopback",
    "GateLoopback",
    "HtxLoopback",
    "BitgetLoopback",
    "DeribitLoopback",
    "BitfinexLoopback",
    "KrakenFuturesLoopback",
    "DydxLoopback",
    "BitmexLoopback",
    "Collector",
    "Restarting",
    "running",
]


def all_venues() -> dict[str, LoopbackExchange]:
    """One loopback server per venue liqwatch supports, keyed by its config name."""
    return {
        "binance": BinanceLoopback("usdm"),
        "binancecoinm": BinanceLoopback("coinm"),
        "bybit": BybitLoopback(),
        "okx": OkxLoopback(),
        "gate": GateLoopback(),
        "htx": HtxLoopback(),
        "bitget": BitgetLoopback(),
        "deribit": DeribitLoopback(),
        "bitfinex": BitfinexLoopback(),
        "krakenfutures": KrakenFuturesLoopback(),
        "dydx": DydxLoopback(),
        "bitmex": BitmexLoopback(),
    }
