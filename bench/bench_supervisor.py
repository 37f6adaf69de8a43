"""Cost of the supervisor's per-feed emit wrapper, next to a direct call.

Every batch a live feed emits goes through the wrapper (it notes the time of
the delivery for the watchdog), so its cost is paid per batch.  Run:
``python bench/bench_supervisor.py``; prints batches per second both ways.
"""

from __future__ import annotations

import asyncio
import math
import time

from feeds.base import Feed
from feeds.events import Price
from feeds.supervisor import Supervisor

N = 200_000
BATCH = [Price(1_700_000_000_000, "binance", "BTC/USDT:USDT", 64000.0)]


class Burst(Feed):
    """Emits N one-event batches as fast as the consumer takes them."""

    name = "burst"

    def __init__(self, done: asyncio.Event) -> None:
        self.done = done

    async def run(self, emit) -> None:
        for _ in range(N):
            await emit(BATCH)
        self.done.set()
        await asyncio.Event().wait()


async def sink(batch) -> None:
    pass


async def direct() -> float:
    t0 = time.perf_counter()
    for _ in range(N):
        await sink(BATCH)
    return time.perf_counter() - t0


async def supervised() -> float:
    done = asyncio.Event()
    sup = Supervisor([Burst(done)], sink, stale_after=math.inf)
    t0 = time.perf_counter()
    sup.start()
    await done.wait()
    elapsed = time.perf_counter() - t0
    await sup.stop()
    return elapsed


async def main() -> None:
    d = min([await direct() for _ in range(3)])
    s = min([await supervised() for _ in range(3)])
    print(f"direct emit:     {N / d:12,.0f} batches/s  ({d / N * 1e9:6.0f} ns/batch)")
    print(f"supervised emit: {N / s:12,.0f} batches/s  ({s / N * 1e9:6.0f} ns/batch)")
    print(f"wrapper overhead: {(s - d) / N * 1e9:.0f} ns per batch")


if __name__ == "__main__":
    asyncio.run(main())
