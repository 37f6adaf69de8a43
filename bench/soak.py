"""The fault-injection soak: a bad day in the market and on the network.

    python -m bench.soak --minutes N [--seed S] [--keep DIR] [--json FILE]

Starts a loopback exchange for every venue of the registry and the
market-cap server on 127.0.0.1, writes a config that points every venue's
``ws_url``/``rest_url`` and every ``*_url`` of ``[marketcap]`` at them, and
runs the real ``liqwatch record`` as a subprocess against them.
Over N minutes it:

* sends liquidation frames to every venue all the time (a few frames a
  second each);
* drops each WebSocket venue's connection every 20 to 60 s;
* sends a garbage frame for 1 % of the frames;
* stalls one venue (no frames, no pongs) for 2 minutes;
* answers REST with 429 (Retry-After: 1) in bursts of 3;
* resends the last frames after each resubscribe (duplicates to drop);
* bursts at 5,000 frames/s for 10 s on Binance USD-M.

Short soaks scale the stall (20 % of the run, at most 120 s), the burst (10 %
of the run, at most 10 s) and the drop interval (at least 10 s) down, and say
so in the summary.  No drop or 429 starts in the last 10 s (the recovery
limit), so each fault is judged inside the run.  After the N minutes the soak
stops sending, gives a fault that ended late its whole recovery window, and
stops the recorder with SIGTERM (its normal way out).

The servers know the ground truth (every entry they sent, computed into
events independently of the feed code).  The soak asserts:

1. the recorder never dies (and exits 0 on SIGTERM);
2. each feed affected by a fault is ``live`` again within 10 s of the fault
   ending, read from the ``feed_status`` events in the recording;
3. the recorded liquidations equal the ground truth exactly: nothing lost,
   nothing counted twice (the venue's resends count once);
4. the recorder's RSS stays within 20 MB after warm-up.

It prints a summary and exits 1 when any assertion fails.  The loopback
servers live under ``tests/loopback`` (test code: they are never a data
source of the product).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from feeds.events import FeedStatus, Liquidation
from feeds.recording import read_events
from feeds.settings import MARKETCAP_PROVIDERS
from feeds.venues import EXCHANGE_NAMES, spec_of
from feeds.venues.spec import STREAM
from tests.loopback import all_venues
from tests.loopback.base import LoopbackExchange
from tests.loopback.marketcap import MarketCapServer

RECOVERY_LIMIT_S = 10.0
RSS_LIMIT_MB = 20.0
# Which venue is streamed, or has a context feed: the registry's facts.
STREAM_VENUES = tuple(n for n in EXCHANGE_NAMES if spec_of(n).kind == STREAM)
CONTEXT_VENUES = tuple(n for n in EXCHANGE_NAMES if spec_of(n).context is not None)
#: venues added since the first six, in the 429 rotation (one line each)
NEW_VENUES = (
    "deribit",
    "bitfinex",
    "krakenfutures",
    "dydx",
    "bitmex",
    "bitget",
)
STALLED_VENUE = "bybit"
BURST_VENUE = "binance"
BURST_RATE = 5000
STREAM_RATE = 4.0  # frames per second per WebSocket venue
GARBAGE_SHARE = 0.01
RESEND_ON_SUBSCRIBE = 5
BASE_PRICE = {"BTC": 60000.0, "ETH": 3000.0, "SOL": 150.0, "XRP": 0.5, "DOGE": 0.1}


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Fault:
    """One injected fault: which venue, which kind, when it started and ended
    (wall ms), and the feeds it can knock over."""

    kind: str
    venue: str
    start: int
    end: int = 0
    feeds: list[str] = field(default_factory=list)
    detail: str = ""
    #: feed -> seconds from the fault's end to live (None: not live in time)
    recovery_s: dict[str, float | None] = field(default_factory=dict)

    @property
    def survived(self) -> bool:
        return bool(self.recovery_s) and all(r is not None and r <= RECOVERY_LIMIT_S for r in self.recovery_s.values())


@dataclass
class Plan:
    """The fault schedule's sizes, scaled down for short soaks."""

    seconds: float
    stall_s: float
    burst_s: float
    drop_min_s: float
    drop_max_s: float
    warmup_s: float

    @classmethod
    def for_minutes(cls, minutes: float) -> "Plan":
        t = minutes * 60
        scale = min(1.0, t / 600)  # a 10-minute soak and longer: the sizes
        return cls(
            seconds=t,
            stall_s=min(120.0, 0.2 * t),
            burst_s=min(10.0, 0.1 * t),
            drop_min_s=max(10.0, 20 * scale),
            drop_max_s=max(15.0, 60 * scale),
            warmup_s=min(60.0, 0.2 * t),
        )

    def scaled_notes(self) -> list[str]:
        notes = []
        if self.stall_s < 120:
            notes.append(f"stall {self.stall_s:.0f} s instead of 120 s")
        if self.burst_s < 10:
            notes.append(f"burst {self.burst_s:.0f} s instead of 10 s")
        if self.drop_max_s < 60:
            notes.append(f"drops every {self.drop_min_s:.0f}-{self.drop_max_s:.0f} s instead of 20-60 s")
        return notes


class Traffic:
    """Liquidation frames for every venue, with distinct entries (each has its
    own quantity) so that the feeds' de-duplication can only drop resends."""

    def __init__(self, servers: dict[str, Any], rng: random.Random) -> None:
        self.servers = servers
        self.rng = rng
        self.n = 0
        self.frames = 0
        self.garbage = 0

    def _next(self) -> int:
        self.n += 1
        return self.n

    def _channels(self, server: LoopbackExchange) -> set[str]:
        return {c for chans in server._sockets.values() for c in chans}

    async def send(self, venue: str, frames: int = 1) -> int:
        """``frames`` liquidation frames to ``venue``, if it has a subscriber
        (a venue sends nothing to a socket that is not subscribed)."""
        server = self.servers[venue]
        rng = self.rng
        t = now_ms()
        if hasattr(server, "send_random"):  # a venue whose loopback makes its own traffic
            for _ in range(frames):
                if not await server.send_random(rng, self._next, t):
                    return 0
        elif venue in ("binance", "binancecoinm"):
            if "!forceOrder@arr" not in self._channels(server):
                return 0
            if venue == "binance":
                orders = []
                for _ in range(frames):
                    base = rng.choice(("BTC", "ETH", "SOL", "XRP", "DOGE"))
                    qty = round(0.001 * self._next(), 3)
                    orders.append(server.order(f"{base}USDT", rng.choice(("SELL", "BUY")), qty, BASE_PRICE[base], t))
            else:
                orders = [
                    server.order(f"{b}USD_PERP", rng.choice(("SELL", "BUY")), self._next(), BASE_PRICE[b], t)
                    for b in (rng.choice(("BTC", "ETH", "SOL")) for _ in range(frames))
                ]
            await server.send_liquidations(orders)
        elif venue == "bybit":
            topics = sorted(c for c in self._channels(server) if c.endswith("USDT"))
            if not topics:
                return 0
            for _ in range(frames):
                symbol = rng.choice(topics).split(".", 1)[1]
                base = symbol[: -len("USDT")]
                px = BASE_PRICE.get(base, 10.0)
                entries = [
                    server.entry(symbol, rng.choice(("Buy", "Sell")), round(0.001 * self._next(), 3), px, t)
                    for _ in range(rng.choice((1, 1, 2, 3)))
                ]
                await server.send_liquidations(symbol, entries)
        elif venue == "okx":
            if "liquidation-orders:SWAP" not in self._channels(server):
                return 0
            for _ in range(frames):
                base = rng.choice(("BTC", "ETH", "SOL"))
                details = [
                    server.detail(rng.choice(("sell", "buy")), self._next(), BASE_PRICE[base], t)
                    for _ in range(rng.choice((1, 1, 2)))
                ]
                await server.send_liquidations(f"{base}-USDT-SWAP", details)
        self.frames += frames
        if venue in STREAM_VENUES:
            for _ in range(frames):
                if rng.random() < GARBAGE_SHARE:
                    self.garbage += 1
                    await server.send_garbage(rng.choice(('{"this is": not json', "[1, 2", "\x00\x01", '{"e":"forceOrder","o":{"s":')))
        return frames


def write_config(path: Path, servers: dict[str, Any], marketcap: MarketCapServer) -> None:
    lines = []
    for name, server in servers.items():
        lines += [f"[exchanges.{name}]", f'ws_url = "{server.ws_origin}"', f'rest_url = "{server.http_origin}"', ""]
    lines.append("[marketcap]")
    lines += [f'{p}_url = "{marketcap.origin}"' for p in MARKETCAP_PROVIDERS]
    path.write_text("\n".join(lines) + "\n")


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


async def _wait_until(pred: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)
    return True


def _key(e: Liquidation) -> tuple[object, ...]:
    # A venue whose frames carry no time (BitMEX): its ts is the recorder's, not part of the truth.
    ts = e.ts if spec_of(e.exchange).exchange_time else 0
    return (ts, e.exchange, e.symbol, e.side, round(e.price, 6), round(e.qty, 9), round(e.usd, 6))


def recovery(statuses: list[FeedStatus], start: int, end: int) -> float | None:
    """Seconds from ``end`` until the feed is live again, judged from its
    ``feed_status`` events: 0 when it never left ``live`` from ``start`` to
    ``end`` + the limit; None when it is not live by then."""
    deadline = end + int(RECOVERY_LIMIT_S * 1000)
    before = [s for s in statuses if s.ts < start]
    window = [s for s in statuses if start <= s.ts <= deadline]
    state = before[-1].state if before else None
    if not window:
        return 0.0 if state == "live" else None
    last_not_live = max((i for i, s in enumerate(window) if s.state != "live"), default=None)
    if last_not_live is None:
        return 0.0
    after = [s for s in window[last_not_live + 1 :] if s.state == "live"]
    if not after:
        return None
    return max(0.0, (after[0].ts - end) / 1000)


def judge_recovery(faults: list[Fault], statuses: dict[str, list[FeedStatus]]) -> None:
    """Fill each fault's ``recovery_s`` from the recorded ``feed_status`` events."""
    for fault in faults:
        for feed in fault.feeds:
            got_live = recovery(statuses[feed], fault.start, fault.end)
            if got_live is None or got_live > RECOVERY_LIMIT_S:
                # Another fault on the same feed that was under way at this
                # one's start or began before its deadline (a drop during a
                # 429 burst, a drop just before the stall) held the feed
                # down: then the time to live counts from that fault's end.
                end = fault.end
                for other in faults:
                    if (other is not fault and feed in other.feeds and other.end > end
                            and other.start <= end + RECOVERY_LIMIT_S * 1000 and other.end >= fault.start):
                        end = other.end
                if end != fault.end:
                    fault.detail += f"; held down by a {[o.kind for o in faults if o.end == end][0]} fault, judged from its end {(end - fault.end) / 1000:.1f} s later"
                    got_live = recovery(statuses[feed], fault.start, end)
            fault.recovery_s[feed] = got_live


@dataclass
class SoakResult:
    minutes: float
    notes: list[str]
    faults: list[Fault]
    expected: dict[str, int]
    recorded: dict[str, int]
    missing: dict[str, int]
    extra: dict[str, int]
    resent_frames: int
    garbage_frames: int
    frames_sent: int
    burst_rate: float
    rss_samples: list[tuple[float, float]]
    rss_warm_range_mb: float
    rss_after_burst_range_mb: float | None
    process_died: str | None
    exit_code: int | None
    failures: list[str]

    @property
    def ok(self) -> bool:
        return not self.failures


async def soak(minutes: float, seed: int = 1, keep: Path | None = None, log: Callable[[str], None] = print) -> SoakResult:
    plan = Plan.for_minutes(minutes)
    rng = random.Random(seed)
    servers: dict[str, Any] = all_venues()
    workdir = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="liqwatch-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    recording = workdir / "soak.jsonl"
    faults: list[Fault] = []
    failures: list[str] = []
    rss_samples: list[tuple[float, float]] = []
    process_died: str | None = None
    burst_rate = 0.0
    async with contextlib.AsyncExitStack() as stack:
        for server in servers.values():
            await stack.enter_async_context(server)
            server.replay_on_subscribe = RESEND_ON_SUBSCRIBE
        marketcap = await stack.enter_async_context(MarketCapServer(clock=time.monotonic))
        config = workdir / "soak.toml"
        write_config(config, servers, marketcap)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tui", "record", str(recording), "--config", str(config),
            stdout=asyncio.subprocess.DEVNULL, stderr=open(workdir / "recorder.log", "wb"),
        )
        t0 = time.monotonic()
        log(f"soak: {minutes:g} min, recorder pid {proc.pid}, files in {workdir}")
        try:
            subscribed = await _wait_until(
                lambda: all(servers[v].subscriptions for v in STREAM_VENUES) or proc.returncode is not None, 90
            )
            if not subscribed or proc.returncode is not None:
                raise RuntimeError(f"the recorder did not subscribe everywhere (exit code {proc.returncode})")
            await asyncio.sleep(2.0)  # every connection of a venue subscribes
            per_connect = {v: len(servers[v].subscriptions) for v in STREAM_VENUES}
            log(f"soak: subscribed after {time.monotonic() - t0:.1f} s: {per_connect}")
            traffic = Traffic(servers, rng)
            start = time.monotonic()
            start_wall = now_ms()
            end_at = start + plan.seconds

            def running() -> bool:
                return time.monotonic() < end_at and proc.returncode is None

            def may_start_fault() -> bool:
                """No drop or 429 starts in the run's last RECOVERY_LIMIT_S:
                each has its whole recovery window inside the run, with
                traffic flowing, instead of after it."""
                return running() and time.monotonic() < end_at - RECOVERY_LIMIT_S

            async def pause(seconds: float) -> None:
                """A wait between faults that ends with the run, so that no
                driver holds the soak up after the last fault's window."""
                await asyncio.sleep(max(0.0, min(seconds, end_at - time.monotonic())))

            async def steady(venue: str, rate: float) -> None:
                while running():
                    await traffic.send(venue)
                    await pause(rng.expovariate(rate))

            async def dropper(venue: str) -> None:
                server = servers[venue]
                await pause(rng.uniform(plan.drop_min_s, plan.drop_max_s) / 2)
                while may_start_fault():
                    if venue == STALLED_VENUE and server.stalled:
                        await pause(1.0)
                        continue
                    fault = Fault("drop", venue, now_ms(), feeds=[venue])
                    faults.append(fault)
                    seen = len(server.subscriptions)
                    await server.drop()
                    fault.end = now_ms()
                    back = await _wait_until(lambda: len(server.subscriptions) >= seen + per_connect[venue], 60)
                    fault.detail = "resubscribed" if back else "no resubscribe within 60 s"
                    await pause(rng.uniform(plan.drop_min_s, plan.drop_max_s))

            async def staller() -> None:
                await asyncio.sleep(plan.seconds * 0.5)
                if not running():
                    return
                server = servers[STALLED_VENUE]
                fault = Fault("stall", STALLED_VENUE, now_ms(), feeds=[STALLED_VENUE], detail=f"{plan.stall_s:.0f} s")
                faults.append(fault)
                server.stall()
                await asyncio.sleep(plan.stall_s)
                server.resume()
                fault.end = now_ms()
                fault.detail += f", {server.stalled_frames} frames withheld"

            async def rate_limiter() -> None:
                venues = ["gate", "htx", "okx", "bybit", "binance", "binancecoinm", *NEW_VENUES]
                i = 0
                await pause(plan.seconds * 0.1)
                while may_start_fault():
                    venue = venues[i % len(venues)]
                    i += 1
                    server = servers[venue]
                    before = len(server.rate_limited)
                    fault = Fault("429", venue, now_ms(), feeds=[venue] + ([f"{venue}:context"] if venue in CONTEXT_VENUES else []))
                    faults.append(fault)
                    server.rate_limit(3, retry_after=1.0)
                    used = await _wait_until(lambda: len(server.rate_limited) >= before + 3, 45)
                    fault.end = now_ms()
                    fault.detail = "3 x 429 served" if used else f"{len(server.rate_limited) - before} of 3 served"
                    if not used:
                        server.rate_limit(0)
                    await pause(rng.uniform(plan.drop_min_s, plan.drop_max_s))

            async def burster() -> None:
                nonlocal burst_rate
                await asyncio.sleep(plan.seconds * 0.3)
                if not running():
                    return
                fault = Fault("burst", BURST_VENUE, now_ms(), feeds=[BURST_VENUE])
                faults.append(fault)
                sent, t_start = 0, time.monotonic()
                step = 0.01
                while time.monotonic() - t_start < plan.burst_s and running():
                    due = int((time.monotonic() - t_start + step) * BURST_RATE) - sent
                    if due > 0:
                        sent += await traffic.send(BURST_VENUE, due)
                    await asyncio.sleep(step)
                burst_rate = sent / max(1e-9, time.monotonic() - t_start)
                fault.end = now_ms()
                fault.detail = f"{sent} frames at {burst_rate:,.0f}/s"

            async def watch_rss() -> None:
                while proc.returncode is None:
                    value = rss_mb(proc.pid)
                    if value is not None:
                        rss_samples.append((round(time.monotonic() - start, 1), round(value, 1)))
                    await asyncio.sleep(2.0)

            tasks = [asyncio.create_task(steady(v, STREAM_RATE)) for v in STREAM_VENUES]
            tasks += [asyncio.create_task(dropper(v)) for v in STREAM_VENUES]
            tasks += [asyncio.create_task(c) for c in (staller(), rate_limiter(), burster())]
            rss_task = asyncio.create_task(watch_rss())
            died = asyncio.create_task(proc.wait())
            await asyncio.wait([died, asyncio.create_task(asyncio.sleep(plan.seconds))], return_when=asyncio.FIRST_COMPLETED)
            for t in tasks:
                if t.done() and not t.cancelled() and t.exception() is not None:
                    failures.append(f"soak driver failed: {t.exception()!r}")
            await asyncio.gather(*tasks, return_exceptions=True)
            for server in servers.values():
                server.resume()
            if proc.returncode is None:
                # A fault that ended late (a 429 whose requests came slowly)
                # keeps its whole recovery window.
                last_fault_end = max((f.end for f in faults), default=0)
                catch_up = max(2.0, (last_fault_end - now_ms()) / 1000 + RECOVERY_LIMIT_S)
                log(f"soak: faults done; {catch_up:.0f} s for the last recoveries")
                await asyncio.wait([died], timeout=catch_up)
            if proc.returncode is not None:
                process_died = f"the recorder exited with code {proc.returncode} during the soak"
            else:
                proc.send_signal(signal.SIGTERM)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(proc.wait(), 30)
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
                    failures.append("the recorder did not stop within 30 s of SIGTERM")
            rss_task.cancel()
            await asyncio.gather(rss_task, return_exceptions=True)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        expected_by_venue = {name: s.expected_liquidations() for name, s in servers.items()}
        resent = sum(len(s.resent) for s in servers.values())
        frames_sent = traffic.frames
        garbage = traffic.garbage

    # -- judge ------------------------------------------------------------------
    statuses: dict[str, list[FeedStatus]] = defaultdict(list)
    got: list[Liquidation] = []
    for ev in read_events(recording):
        if isinstance(ev, FeedStatus):
            statuses[ev.feed].append(ev)
        elif isinstance(ev, Liquidation):
            got.append(ev)
    for fault in faults:
        if not fault.end:
            fault.end = now_ms()
    judge_recovery(faults, statuses)
    for fault in faults:
        if not fault.survived:
            slow = {f: r for f, r in fault.recovery_s.items() if r is None or r > RECOVERY_LIMIT_S}
            failures.append(f"{fault.kind} on {fault.venue}: not live within {RECOVERY_LIMIT_S:g} s of the fault ending: {slow}")
    expected_counter = Counter(_key(e) for evs in expected_by_venue.values() for e in evs)
    got_counter = Counter(map(_key, got))
    missing_keys = expected_counter - got_counter
    extra_keys = got_counter - expected_counter
    by_venue = lambda keys: dict(Counter(k[1] for k in keys.elements()))  # noqa: E731
    expected = {v: len(evs) for v, evs in expected_by_venue.items()}
    recorded = dict(Counter(e.exchange for e in got))
    if missing_keys:
        lost_ts = sorted(k[0] for k in missing_keys.elements())
        near = [f"{f.kind}@{f.venue} {(f.start - lost_ts[0]) / 1000:+.1f} s" for f in faults if abs(f.start - lost_ts[0]) < 15_000]
        failures.append(f"liquidations lost: {by_venue(missing_keys)}; sent between {lost_ts[0]} and {lost_ts[-1]} "
                        f"({(lost_ts[-1] - lost_ts[0]) / 1000:.1f} s); faults starting within 15 s of the first: {near}")
    if extra_keys:
        failures.append(f"liquidations recorded that were not sent once (duplicates or wrong): {by_venue(extra_keys)}")
    warm = [mb for t, mb in rss_samples if t >= plan.warmup_s]
    warm_range = (max(warm) - min(warm)) if warm else 0.0
    # The same after the burst has been absorbed, to tell a step from a climb.
    burst_end = max((f.end for f in faults if f.kind == "burst"), default=None)
    after = [mb for t, mb in rss_samples if burst_end is not None and t >= (burst_end - start_wall) / 1000 + 10]
    after_burst_range = (max(after) - min(after)) if after else None
    if warm_range > RSS_LIMIT_MB:
        failures.append(f"recorder RSS moved {warm_range:.1f} MB after warm-up (limit {RSS_LIMIT_MB:g} MB)")
    if process_died:
        failures.append(process_died)
    elif proc.returncode != 0:
        failures.append(f"the recorder exited with code {proc.returncode} after SIGTERM (expected 0)")
    return SoakResult(
        minutes=minutes,
        notes=plan.scaled_notes(),
        faults=faults,
        expected=expected,
        recorded=recorded,
        missing=by_venue(missing_keys),
        extra=by_venue(extra_keys),
        resent_frames=resent,
        garbage_frames=garbage,
        frames_sent=frames_sent,
        burst_rate=round(burst_rate),
        rss_samples=rss_samples,
        rss_warm_range_mb=round(warm_range, 1),
        rss_after_burst_range_mb=None if after_burst_range is None else round(after_burst_range, 1),
        process_died=process_died,
        exit_code=proc.returncode,
        failures=failures,
    )


def summary(r: SoakResult) -> str:
    lines = [f"Soak: {r.minutes:g} min" + (f" (scaled: {'; '.join(r.notes)})" if r.notes else "")]
    kinds = Counter(f.kind for f in r.faults)
    survived = Counter(f.kind for f in r.faults if f.survived)
    lines.append("Faults injected / survived: " + ", ".join(f"{k} {kinds[k]}/{survived[k]}" for k in sorted(kinds)))
    lines.append(f"  plus {r.garbage_frames} garbage frames ({r.garbage_frames / max(1, r.frames_sent):.1%} of {r.frames_sent} liquidation frames) and {r.resent_frames} frames resent after resubscribes")
    rec: dict[str, list[float]] = defaultdict(list)
    for f in r.faults:
        for value in f.recovery_s.values():
            if value is not None:
                rec[f.kind].append(value)
    for kind, values in sorted(rec.items()):
        values.sort()
        lines.append(f"  recovery after {kind}: median {values[len(values) // 2]:.1f} s, max {values[-1]:.1f} s (limit {RECOVERY_LIMIT_S:g} s)")
    for f in r.faults:
        if f.kind in ("stall", "burst") or "held down" in f.detail:
            lines.append(f"  {f.kind} on {f.venue}: {f.detail}; recovery {f.recovery_s}")
    lines.append("Liquidations expected / recorded by venue:")
    for venue in sorted(r.expected):
        lines.append(f"  {venue:<13} {r.expected[venue]:>7} / {r.recorded.get(venue, 0):>7}"
                     + (f"  lost {r.missing[venue]}" if venue in r.missing else "")
                     + (f"  extra {r.extra[venue]}" if venue in r.extra else ""))
    lines.append(f"  total         {sum(r.expected.values()):>7} / {sum(r.recorded.values()):>7}")
    if r.rss_samples:
        lines.append(f"Recorder RSS: {r.rss_samples[0][1]:.0f} MB at start, {max(mb for _, mb in r.rss_samples):.0f} MB peak, "
                     f"{r.rss_samples[-1][1]:.0f} MB at the end; range after warm-up {r.rss_warm_range_mb} MB (limit {RSS_LIMIT_MB:g} MB), "
                     f"from 10 s after the burst {r.rss_after_burst_range_mb} MB")
    lines.append(f"Recorder exit code: {r.exit_code}")
    lines.append("PASS" if r.ok else "FAIL:\n  " + "\n  ".join(r.failures))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=15.0, help="length of the fault phase (default 15)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", metavar="DIR", help="keep the recording, config and recorder log here")
    ap.add_argument("--json", metavar="FILE", help="also write the result as JSON")
    args = ap.parse_args(argv)
    if args.minutes <= 0:
        ap.error("--minutes must be positive")
    result = asyncio.run(soak(args.minutes, args.seed, Path(args.keep) if args.keep else None))
    print(summary(result))
    if args.json:
        Path(args.json).write_text(json.dumps(asdict(result) | {"ok": result.ok}, indent=1, default=str))
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
