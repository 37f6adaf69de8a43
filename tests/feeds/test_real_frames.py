"""Real venue frames, copied verbatim from public sources (each test names its
source), through the normalisers and, where the fix is about the running feed,
through the feed against its loopback venue.  Every expected value is worked
out by hand from the venue's documented meaning, in the comment beside it."""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path

import pytest

from feeds.events import Liquidation
from feeds.venues import liquidation_feed
from feeds.venues.binance import _usdm_symbol, usdm_normaliser
from feeds.venues.binancecoinm import _coinm_contract, coinm_normaliser
from feeds.venues.bybit import bybit_normaliser
from feeds.venues.markets import Contract
from feeds.venues.okx import inverse_contract, okx_normaliser
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback.binance import BinanceLoopback
from tests.loopback.harness import Collector, running

# tardis-node test/mappers.test.ts lines 4025-4045 (Binance COIN-M, 2020-07-13), the data of the combined stream.
COINM_DATED = {
    "e": "forceOrder", "E": 1594622954023,
    "o": {"s": "BTCUSD_200925", "ps": "BTCUSD", "S": "SELL", "o": "LIMIT", "f": "IOC", "q": "3", "p": "9314.5",
          "ap": "9352.7", "X": "FILLED", "l": "3", "z": "3", "T": 1594622954021},
}
# tardis-node test/mappers.test.ts lines 3829-3848 (Binance USD-M, 2020-03-13).
USDM = {
    "e": "forceOrder", "E": 1584059031426,
    "o": {"s": "BTCUSDT", "S": "BUY", "o": "LIMIT", "f": "IOC", "q": "0.014", "p": "4793.91", "ap": "4706.04",
          "X": "FILLED", "l": "0.015", "z": "0.014", "T": 1584059031421},
}
# tardis-node test/mappers.test.ts lines 1567-1578 (OKX, an inverse weekly-era future, 2023-03-30).
OKX_XRP_FUTURE = {
    "arg": {"channel": "liquidation-orders", "instType": "FUTURES"},
    "data": [{"details": [{"bkLoss": "0", "bkPx": "0.55205", "ccy": "", "posSide": "short", "side": "buy", "sz": "39",
                           "ts": "1680173247614"}],
              "instFamily": "XRP-USD", "instId": "XRP-USD-230929", "instType": "FUTURES", "uly": "XRP-USD"}],
}
# ccxt 4.5.90 python/ccxt/pro/okx.py lines 767-791 (OKX's answer pasted in ccxt's handler).
OKX_IOST_SWAP = {
    "arg": {"channel": "liquidation-orders", "instType": "SWAP"},
    "data": [{"details": [{"bkLoss": "0", "bkPx": "0.007831", "ccy": "", "posSide": "short", "side": "buy", "sz": "13",
                           "ts": "1692266434010"}],
              "instFamily": "IOST-USDT", "instId": "IOST-USDT-SWAP", "instType": "SWAP", "uly": "IOST-USDT"}],
}
# tardis-node test/mappers.test.ts lines 7319-7324 (Bybit allLiquidation, 2025-02-25).
BYBIT_PIPPIN = {"topic": "allLiquidation.PIPPINUSDT", "type": "snapshot", "ts": 1740480207578,
                "data": [{"T": 1740480207110, "s": "PIPPINUSDT", "S": "Sell", "v": "2846", "p": "0.02456"}]}


def test_binance_coinm_dated_contract_listed_after_markets_keeps_its_expiry() -> None:
    """Source: COINM_DATED.  Not in the loaded markets: 3 contracts x 100 USD
    (BTC) = 300 USD; SELL = a long liquidated; base = 300 / 9352.7."""
    (ev,) = coinm_normaliser({})(COINM_DATED)
    assert ev == Liquidation(1594622954021, "binancecoinm", "BTC/USD:BTC-200925", "long", 9352.7, pytest.approx(300 / 9352.7), 300.0)


def test_binance_coinm_perpetual_listed_after_markets_has_no_expiry() -> None:
    (ev,) = coinm_normaliser({})({"e": "forceOrder", "o": dict(COINM_DATED["o"], s="ETHUSD_PERP")})
    assert (ev.symbol, ev.usd) == ("ETH/USD:ETH", 30.0)  # 3 x 10 USD


def test_binance_usdm_real_frame_and_dated_contract_names() -> None:
    """Source: USDM.  BUY = a short liquidated; USD = z x ap = 0.014 x 4706.04."""
    (ev,) = usdm_normaliser({})(USDM)
    assert ev == Liquidation(1584059031421, "binance", "BTC/USDT:USDT", "short", 4706.04, 0.014, pytest.approx(65.88456))
    assert _usdm_symbol("BTCUSDT_250328") == "BTC/USDT:USDT-250328"
    assert _usdm_symbol("ETHUSDC") == "ETH/USDC:USDC"


async def test_binance_coinm_dated_contract_through_the_feed(coinm: BinanceLoopback) -> None:
    """The same real order, sent by the loopback COIN-M venue (whose markets
    list only perpetuals): the feed names it with its expiry."""
    feed = liquidation_feed("binancecoinm", settings_for(coinm))
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await coinm.wait_subscribed()
            await coinm.send_frames([json.dumps(COINM_DATED)], [COINM_DATED["o"]], "!forceOrder@arr")
            (ev,) = await out.wait_for(1)
    assert ev.symbol == "BTC/USD:BTC-200925" and ev.usd == 300.0 and ev.side == "long"


def test_okx_unknown_inverse_future_is_named_from_its_instid() -> None:
    """Source: OKX_XRP_FUTURE, with no markets at all.  buy = a short
    liquidated; 39 contracts x 10 USD (OKX's inverse value for XRP) = 390 USD."""
    held: list[object] = []
    (ev,) = okx_normaliser({}, hold=held.append)(OKX_XRP_FUTURE)
    assert ev == Liquidation(1680173247614, "okx", "XRP/USD:XRP-230929", "short", 0.55205, pytest.approx(390 / 0.55205), 390.0)
    assert held == []


def test_okx_unknown_linear_swap_is_held_not_dropped() -> None:
    """Source: OKX_IOST_SWAP: a linear swap needs its ctVal, so it is held."""
    held: list[object] = []
    assert okx_normaliser({}, hold=held.append)(OKX_IOST_SWAP) == []
    assert held == OKX_IOST_SWAP["data"]
    # once the markets know it (IOST-USDT-SWAP ctVal 1000 IOST): 13 x 1000 x 0.007831 USD
    (ev,) = okx_normaliser({"IOST-USDT-SWAP": Contract("IOST/USDT:USDT", 1000.0, False)})(OKX_IOST_SWAP)
    assert ev == Liquidation(1692266434010, "okx", "IOST/USDT:USDT", "short", 0.007831, 13000.0, pytest.approx(101.803))


def test_bybit_linear_real_frame() -> None:
    """Source: BYBIT_PIPPIN.  S is the position side: Sell = a short
    liquidated; linear v is base: 2846 x 0.02456 USD."""
    (ev,) = bybit_normaliser({"PIPPINUSDT": Contract("PIPPIN/USDT:USDT", 1.0, False)})(BYBIT_PIPPIN)
    assert ev == Liquidation(1740480207110, "bybit", "PIPPIN/USDT:USDT", "short", 0.02456, 2846.0, pytest.approx(69.89776))


MARKETS = Path(__file__).resolve().parents[1] / "data" / "venues" / "markets.json.gz"


def test_fixed_inverse_contract_values_hold_for_every_real_instrument() -> None:
    """The fallbacks for instruments listed after markets were loaded (OKX:
    100 USD for BTC, 10 for the others; Binance COIN-M the same) agree with
    every inverse instrument of the recorded real answers (cryptofeed
    sample_data, see tests/data/venues/README.md)."""
    with gzip.open(MARKETS) as f:
        answers = json.load(f)
    okx = [i for a in answers["okx"]["answers"].values() for i in a["data"] if i["ctType"] == "inverse"]
    assert len(okx) > 20
    for inst in okx:
        contract = inverse_contract(inst["instId"])
        assert contract is not None and contract.contract_size == float(inst["ctVal"]), inst["instId"]
    coinm = answers["binancecoinm"]["answers"]["/dapi/v1/exchangeInfo"]["symbols"]
    assert len(coinm) > 20
    for sym in coinm:
        assert _coinm_contract(sym["symbol"]).contract_size == float(sym["contractSize"]), sym["symbol"]
