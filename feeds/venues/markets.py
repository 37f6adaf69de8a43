"""What a normaliser needs to know about a contract, taken from ccxt markets.

A small immutable table built once per markets load, so that normalising a
frame is a dict lookup and no ccxt call (the benchmark builds the same table
by hand, without importing ccxt).
"""

from __future__ import annotations

from typing import Any, Iterable, NamedTuple


class Contract(NamedTuple):
    """One contract market: unified symbol, contract size and kind.

    ``contract_size`` is in base units for linear contracts and in quote
    currency (USD) for inverse ones, as ccxt reports ``contractSize``.
    """

    symbol: str
    contract_size: float
    inverse: bool


def contract_table(markets: Iterable[dict[str, Any]]) -> dict[str, Contract]:
    """Venue market id -> ``Contract`` for every contract market."""
    table: dict[str, Contract] = {}
    for m in markets:
        if not m.get("contract"):
            continue
        size = m.get("contractSize")
        table[m["id"]] = Contract(m["symbol"], float(size) if size else 1.0, bool(m.get("inverse")))
    return table


def amounts(contract: Contract, contracts: float, price: float) -> tuple[float, float]:
    """(base quantity, USD notional) of ``contracts`` contracts at ``price``:
    a linear contract is ``contract_size`` base units, an inverse one
    ``contract_size`` USD."""
    if contract.inverse:
        usd = contracts * contract.contract_size
        return usd / price, usd
    qty = contracts * contract.contract_size
    return qty, qty * price
