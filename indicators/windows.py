"""Liquidation totals: all-time figures and the 1h / 4h / 12h / 24h windows.

The one liquidation aggregator: the screen and ``report`` read their totals
here.  All-time: count, USD, long and short, per venue, the largest few.  The
windows come in two shapes, for two readers:

* rolling (the UI): long / short per venue and symbol, queried four times a
  second as of any clock;
* the last day kept as columns (``report``, ``rolling=False``): the windows
  computed once, exact to the millisecond, at the end of a recording, and
  liquidations folded in bulk on the way (indicators/batch.py).

Rolling, why this shape: the UI asks for the windows four times a second
while events arrive by the thousand, so the cost must sit on the event, and
be O(1) there.
Events go into one-second buckets; each window keeps running totals of the
buckets inside it and subtracts a bucket once, when the window's left edge
passes it.  A query copies running totals and never walks the history.

Buckets are right-closed, bucket ``k`` holds ts in (1000(k-1), 1000k], so a
window ending on a whole second, (t - W, t], is exactly a run of whole
buckets.  A query for a ``t`` inside a second is answered as of the end of
that second (``ceil``): every event up to ``t`` counts, and an event later in
the same second would count too; in practice ``t`` is the newest event or the
wall clock, so there is none.

Events that arrive late go to their own bucket and into every window that
still covers it; events older than every window only reach the all-time
totals (and the hourly bars, indicators/hourly.py, if those still hold their
hour).
"""

from __future__ import annotations

from bisect import bisect_right, insort
from operator import attrgetter, itemgetter
from typing import Iterable, Mapping

import numpy as np

from feeds.events import DAY_MS, HOUR_MS, SECOND_MS, Liquidation
from indicators.batch import LiquidationBatch, Pair, PairCodes, add_entry, fold_keyed, running_sum
from indicators.snapshot import SideTotals

WINDOWS: tuple[tuple[str, int], ...] = (("1h", 3600), ("4h", 14_400), ("12h", 43_200), ("24h", 86_400))
TOP_LIQUIDATIONS = 10  # the largest single liquidations kept, largest first

# How far behind the head a late event may land and still be seen as a change
# by the next query's incremental copy (see LiquidationWindows._splits): the
# streams' stragglers are a second or two late.
_TAIL_SECONDS = 10
_COUNT = itemgetter(2)  # of a [long_usd, short_usd, count] entry
_USD = attrgetter("usd")
# Liquidations added one at a time to the last day are turned into columns this many at a time.
_GATHER = 4096


def _patched(old: dict, running: dict, keys: set) -> dict:
    """A copy of ``old`` with ``keys`` read again from ``running`` (key -> [long, short, count])."""
    new = old.copy()
    for key in keys:
        v = running.get(key)
        if v is None:
            new.pop(key, None)
        else:
            new[key] = (v[0], v[1])
    return new


def _take_from(m: dict, key: object, lg: float, sh: float, n: int) -> None:
    cur = m[key]
    if cur[2] == n:
        del m[key]  # exact zero, no float residue
    else:
        cur[0] -= lg
        cur[1] -= sh
        cur[2] -= n


class _Running:
    """Running totals of the buckets inside one window, whole and split three ways.

    The per-exchange and per-symbol splits are kept here rather than derived
    from the per-pair one at query time: a query then copies a few hundred
    entries instead of summing a thousand pairs per window."""

    __slots__ = ("label", "seconds", "long", "short", "count", "by_pair", "by_ex", "by_sym", "ptr")

    def __init__(self, label: str, seconds: int) -> None:
        self.label = label
        self.seconds = seconds
        self.long = 0.0
        self.short = 0.0
        self.count = 0
        # key -> [long_usd, short_usd, count]; keys: (exchange, symbol), exchange, symbol.
        self.by_pair: dict[Pair, list] = {}
        self.by_ex: dict[str, list] = {}
        self.by_sym: dict[str, list] = {}
        # Index in the bucket order of the first bucket inside the window.
        self.ptr = 0

    def add(self, entries: Mapping[Pair, list]) -> None:
        by_pair, by_ex, by_sym = self.by_pair, self.by_ex, self.by_sym
        lg_t = sh_t = 0.0
        n_t = 0
        for key, (lg, sh, n) in entries.items():
            add_entry(by_pair, key, lg, sh, n)
            add_entry(by_ex, key[0], lg, sh, n)
            add_entry(by_sym, key[1], lg, sh, n)
            lg_t += lg
            sh_t += sh
            n_t += n
        self.long += lg_t
        self.short += sh_t
        self.count += n_t

    def remove(self, entries: Mapping[Pair, list]) -> None:
        """Take out a bucket that was added before (the left edge passed it)."""
        by_pair, by_ex, by_sym = self.by_pair, self.by_ex, self.by_sym
        lg_t = sh_t = 0.0
        n_t = 0
        for key, (lg, sh, n) in entries.items():
            _take_from(by_pair, key, lg, sh, n)
            _take_from(by_ex, key[0], lg, sh, n)
            _take_from(by_sym, key[1], lg, sh, n)
            lg_t += lg
            sh_t += sh
            n_t += n
        self.count -= n_t
        if self.count == 0:
            self.long = self.short = 0.0
        else:
            self.long -= lg_t
            self.short -= sh_t


class WindowView:
    """One window's totals as of a query: (long, short) per exchange and per
    symbol (dicts never changed once handed out), and per (exchange, symbol)
    pair ([long, short, count], read in place: valid until the next event)."""

    __slots__ = ("label", "seconds", "long_usd", "short_usd", "count", "by_exchange", "by_symbol", "by_pair",
                 "largest")

    def __init__(self, label: str, seconds: int, long_usd: float, short_usd: float, count: int,
                 by_exchange: dict[str, tuple[float, float]], by_symbol: dict[str, tuple[float, float]],
                 by_pair: dict[Pair, list], largest: Liquidation | None) -> None:
        self.label = label
        self.seconds = seconds
        self.long_usd = long_usd
        self.short_usd = short_usd
        self.count = count
        self.by_exchange = by_exchange
        self.by_symbol = by_symbol
        self.by_pair = by_pair
        self.largest = largest


class _LastDay:
    """The last day of liquidations in file order, as columns (ts, usd, long,
    pair code): windows exact to the millisecond at the end of a recording.

    Columns, not events: a day of event objects would make every full garbage
    collection walk a quarter of a million of them.  Events added one at a
    time are gathered and turned into columns a few thousand at a time."""

    def __init__(self, codes: PairCodes) -> None:
        self._codes = codes
        self._chunks: list[tuple[np.ndarray, ...]] = []
        self._loose: list[Liquidation] = []
        self._trimmed_hour = -1

    def add(self, ev: Liquidation) -> None:
        self._loose.append(ev)
        if len(self._loose) >= _GATHER:
            self._gather()

    def take(self, b: LiquidationBatch) -> None:
        self._gather()
        self._chunks.append((b.ts, b.usd, b.long, b.pair))
        newest_hour = int(b.hour.max())
        if newest_hour > self._trimmed_hour:
            self._trimmed_hour = newest_hour
            self._trim(newest_hour - DAY_MS - SECOND_MS)

    def _gather(self) -> None:
        if self._loose:
            loose, self._loose = self._loose, []
            self.take(LiquidationBatch.of(loose, self._codes, HOUR_MS))

    def _trim(self, cut: int) -> None:
        """Let go of the liquidations up to the first one newer than ``cut``.

        A query is at or after the newest liquidation's hour, so nothing at or
        before a day before it is read again.  A late event may sit behind a
        newer one: it goes at a later trim."""
        chunks = self._chunks
        while chunks:
            newer = chunks[0][0] > cut
            if not newer.any():
                del chunks[0]
                continue
            i = int(newer.argmax())
            if i:
                chunks[0] = tuple(col[i:] for col in chunks[0])
            break

    def windows(self, t: int, windows: Iterable[tuple[str, int]]) -> tuple[dict[str, SideTotals], dict[Pair, list]]:
        """Each window (t - W, t], and the last 24 h per (exchange, symbol) for
        LVR, each sum in file order; ``t`` at or after the newest liquidation's hour."""
        self._gather()
        chunks = self._chunks or [(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.bool_), np.zeros(0, np.intp))]
        ts, usd, long, pair = (np.concatenate(col) for col in zip(*chunks))
        inside = ts <= t
        out = {}
        for label, seconds in windows:
            sel = inside & (ts > t - seconds * SECOND_MS)
            out[label] = SideTotals(running_sum(0.0, usd[sel & long]), running_sum(0.0, usd[sel & ~long]),
                                    int(sel.sum()))
        day = inside & (ts > t - DAY_MS)
        by_pair: dict[Pair, list] = {}
        fold_keyed(by_pair, self._codes.pairs, pair[day], usd[day], long[day])
        return out, by_pair


class LiquidationWindows:
    """Every liquidation, totalled: all-time figures and the windows (see the module)."""

    def __init__(self, windows: Iterable[tuple[str, int]] = WINDOWS, rolling: bool = True,
                 codes: PairCodes | None = None, slack_seconds: int = 300) -> None:
        """``rolling=False``: the report's shape, the last day as columns
        instead of rolling windows.  ``codes``: the pair codes of the batches
        ``take`` is given (the engine's)."""
        windows = tuple(windows)
        self._codes = codes if codes is not None else PairCodes()
        self._windows = windows
        self._day = None if rolling else _LastDay(self._codes)
        self._wins = [_Running(label, sec) for label, sec in windows] if rolling else []
        self._max_seconds = max((w.seconds for w in self._wins), default=0)
        self._slack = slack_seconds
        self.head: int | None = None  # newest bucket the windows are advanced to
        self._cur: int | None = None  # bucket of the pending accumulator
        self._acc: dict[Pair, list] = {}
        self._slots: dict[int, dict[Pair, list]] = {}
        self._order: list[int] = []  # sorted buckets present in _slots
        self._trim_every = 4096
        # Sliding-maximum list: ts ascending, usd strictly descending.  The
        # largest liquidation of any window is its first entry inside it.
        self._maxes: list[Liquidation] = []
        self._bucket_max: dict[int, Liquidation] = {}  # for queries behind the head
        self.count = 0
        self.usd = 0.0
        self.long_usd = 0.0
        self.short_usd = 0.0
        self.by_exchange: dict[str, list] = {}  # exchange -> [long_usd, short_usd, count], by first liquidation
        # The largest first; of equal sizes, the earliest in the file.
        self.top: list[Liquidation] = []
        # What the last query at the head handed out (see _splits): per window
        # (by_exchange, by_symbol), and the head and event count it was as of.
        self._pub: list[tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]]]] = []
        self._pub_head: int | None = None
        self._pub_count = 0
        self._pub_tail: dict[int, int] = {}  # bucket -> events in it, the last _TAIL_SECONDS to the head

    @property
    def rolling(self) -> bool:
        """Whether the windows roll (the UI's shape) or the last day is kept as columns (``report``'s)."""
        return self._day is None

    @property
    def largest(self) -> Liquidation | None:
        """The largest liquidation seen (the earliest of equal ones)."""
        return self.top[0] if self.top else None

    # -- events ---------------------------------------------------------

    def add(self, ev: Liquidation) -> None:
        ts, ex, sym, side, _price, _qty, usd = ev
        is_long = side == "long"
        self.count += 1
        self.usd += usd
        cur = self.by_exchange.get(ex)
        if cur is None:
            cur = self.by_exchange[ex] = [0.0, 0.0, 0]
        cur[2] += 1
        if is_long:
            self.long_usd += usd
            cur[0] += usd
        else:
            self.short_usd += usd
            cur[1] += usd
        top = self.top
        if len(top) < TOP_LIQUIDATIONS or usd > top[-1].usd:
            i = len(top)
            while i and top[i - 1].usd < usd:
                i -= 1
            top.insert(i, ev)  # after the equal ones: those came first
            del top[TOP_LIQUIDATIONS:]
        if self._day is not None:
            self._day.add(ev)
            return
        key = (ex, sym)
        self._push_max(ev)
        b = -(-ts // SECOND_MS)
        bm = self._bucket_max.get(b)
        if bm is None:
            if self.head is None or b > self.head - self._max_seconds - self._slack:
                self._bucket_max[b] = ev
        elif usd > bm.usd:
            self._bucket_max[b] = ev
        if b != self._cur:
            if self._cur is not None and b < self._cur:
                # Late event: commit it on its own, keep the pending second.
                self._commit(b, {key: [usd, 0.0, 1] if is_long else [0.0, usd, 1]})
                return
            self.flush()
            self._cur = b
        cur = self._acc.get(key)
        if cur is None:
            self._acc[key] = [usd, 0.0, 1] if is_long else [0.0, usd, 1]
        elif is_long:
            cur[0] += usd
            cur[2] += 1
        else:
            cur[1] += usd
            cur[2] += 1

    def take(self, b: LiquidationBatch) -> None:
        """Fold a batch, exactly as ``add`` on each event: only without rolling
        windows (those slide per second, one event at a time)."""
        if self._day is None:
            raise ValueError("rolling windows take liquidations one at a time (add)")
        codes = self._codes
        usd, long = b.usd, b.long
        self.count += len(b)
        self.usd = running_sum(self.usd, usd)
        self.long_usd = running_sum(self.long_usd, usd[long])
        self.short_usd = running_sum(self.short_usd, usd[~long])
        fold_keyed(self.by_exchange, codes.exchanges, codes.exchange_of[b.pair], usd, long)
        # The batch's largest, earliest first among equals, after the earlier ones kept.
        k = len(usd) - TOP_LIQUIDATIONS
        candidates = np.flatnonzero(usd >= np.partition(usd, k)[k]) if k > 0 else np.arange(len(usd))
        best = candidates[np.lexsort((candidates, -usd[candidates]))][:TOP_LIQUIDATIONS].tolist()
        self.top = sorted(self.top + [b.events[i] for i in best], key=_USD, reverse=True)[:TOP_LIQUIDATIONS]
        self._day.take(b)

    def _push_max(self, ev: Liquidation) -> None:
        m = self._maxes
        usd = ev.usd
        if not m or ev.ts >= m[-1].ts:
            while m and m[-1].usd <= usd:
                m.pop()
            m.append(ev)
            return
        p = bisect_right(m, ev.ts, key=_ts)
        if p < len(m) and m[p].usd >= usd:
            return  # a later, larger event dominates it in every window
        i = p
        while i > 0 and m[i - 1].usd <= usd:
            i -= 1
        m[i:p] = [ev]

    def flush(self) -> None:
        """Commit the pending second into the buckets and windows."""
        if self._acc:
            acc, self._acc = self._acc, {}
            self._commit(self._cur, acc)

    def _commit(self, b: int, entries: dict[Pair, list]) -> None:
        if self.head is None or b > self.head:
            self.advance(b)
        head = self.head
        if b <= head - self._max_seconds - self._slack:
            return  # older than every window and their slack
        slot = self._slots.get(b)
        if slot is None:
            self._slots[b] = {k: list(v) for k, v in entries.items()}
            order = self._order
            if not order or b > order[-1]:
                order.append(b)
            else:
                insort(order, b)
            # A late bucket already left behind by a window's left edge (the
            # head may be far past the newest bucket: a query at a later
            # clock moves it) sits before that window's first bucket.
            for w in self._wins:
                if b <= head - w.seconds:
                    w.ptr += 1
        else:
            for key, (lg, sh, n) in entries.items():
                add_entry(slot, key, lg, sh, n)
        for w in self._wins:
            if b > head - w.seconds:
                w.add(entries)

    def advance(self, b: int) -> None:
        """Move the windows' right edge to bucket ``b`` (never backwards)."""
        if self.head is not None and b <= self.head:
            return
        self.head = b
        order = self._order
        slots = self._slots
        n = len(order)
        for w in self._wins:
            left = b - w.seconds
            ptr = w.ptr
            while ptr < n and order[ptr] <= left:
                w.remove(slots[order[ptr]])
                ptr += 1
            w.ptr = ptr
        keep = b - self._max_seconds - self._slack
        if n and order[0] <= keep:
            k = bisect_right(order, keep)
            if k >= self._trim_every or k == n:
                bucket_max = self._bucket_max
                for bb in order[:k]:
                    del slots[bb]
                    bucket_max.pop(bb, None)
                del order[:k]
                for w in self._wins:
                    w.ptr -= k
        m = self._maxes
        if m and m[0].ts <= (b - self._max_seconds - self._slack) * SECOND_MS:
            k = bisect_right(m, (b - self._max_seconds - self._slack) * SECOND_MS, key=_ts)
            del m[:k]

    # -- queries --------------------------------------------------------

    def exact(self, t_ms: int) -> tuple[dict[str, SideTotals], dict[Pair, list]]:
        """Each window (t - W, t] to the millisecond, and the last 24 h per
        (exchange, symbol), [long_usd, short_usd, count], for LVR.  The
        report's shape only (``rolling=False``), for a ``t`` at or after the
        newest liquidation's hour: the end of a recording."""
        if self._day is None:
            raise ValueError("exact windows need the last day kept as columns: LiquidationWindows(rolling=False)")
        return self._day.windows(t_ms, self._windows)

    def views(self, t_ms: int) -> list[WindowView]:
        """Every window as of ``t_ms`` (rounded up to its second).

        A view's ``by_exchange`` and ``by_symbol`` are never changed once
        returned (a later query returns new dicts where they differ, the same
        ones where not); its ``by_pair`` is read, not copied: use it before
        the next event.

        A ``t`` up to the slack (5 min) behind the newest bucket is answered
        exactly by correcting the running totals with the buckets between; a
        ``t`` further back is answered as of that limit."""
        self.flush()
        t = -(-t_ms // SECOND_MS)
        if self.head is None:  # nothing committed yet
            return [self._view(w, t, 0.0, 0.0, 0, {}, {}, w.by_pair) for w in self._wins]
        if t >= self.head:
            self.advance(t)
            return [self._view(w, t, w.long, w.short, w.count, by_ex, by_sym, w.by_pair)
                    for w, (by_ex, by_sym) in zip(self._wins, self._splits())]
        t = max(t, self.head - self._slack)
        order = self._order
        head = self.head
        slots = self._slots
        future = [slots[b] for b in order[bisect_right(order, t):]]  # buckets in (t, head]
        out = []
        for w in self._wins:
            back = [slots[b] for b in order[bisect_right(order, t - w.seconds):bisect_right(order, head - w.seconds)]]
            out.append(self._behind(w, t, future, back))
        return out

    def _splits(self) -> list[tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]]]]:
        """Every window's (long, short) per exchange and per symbol as of the head.

        What a query hands out must never change afterwards, so a changed
        dict is a new one; but from one query to the next (a UI tick) only
        the keys of a few buckets change: those that events went into since
        (after the previous head, or late into the last _TAIL_SECONDS before
        it), and those between a window's previous and current left edge,
        which left it.  So the previous query's dicts are copied and only
        those keys are read again (a window none of them touched keeps its
        dicts).  An event that went anywhere else (late into an older bucket,
        or too old for any bucket) is one that these buckets' counts miss:
        then every dict is built afresh, as after a jump of the head past the
        slack (the buckets that left may be gone)."""
        head, prev = self.head, self._pub_head
        order, slots = self._order, self._slots
        near = prev is not None and head - prev <= self._slack
        since = prev - _TAIL_SECONDS if near else head - _TAIL_SECONDS
        counts = {b: sum(map(_COUNT, slots[b].values())) for b in order[bisect_right(order, since):]}
        rec = self._pub_tail
        if near and sum(counts.values()) - sum(rec.values()) == self.count - self._pub_count:
            entered = [slots[b] for b, n in counts.items() if rec.get(b) != n]
            pub = []
            for w, (by_ex, by_sym) in zip(self._wins, self._pub):
                gone = order[bisect_right(order, prev - w.seconds):bisect_right(order, head - w.seconds)]
                left = [slots[b] for b in gone]
                pairs = set().union(*entered, *left)
                if pairs:
                    exchanges, symbols = zip(*pairs)
                    by_ex = _patched(by_ex, w.by_ex, set(exchanges))
                    by_sym = _patched(by_sym, w.by_sym, set(symbols))
                pub.append((by_ex, by_sym))
            self._pub = pub
        else:
            self._pub = [({k: (v[0], v[1]) for k, v in w.by_ex.items()}, {k: (v[0], v[1]) for k, v in w.by_sym.items()})
                         for w in self._wins]
        self._pub_head, self._pub_count = head, self.count
        self._pub_tail = {b: n for b, n in counts.items() if b > head - _TAIL_SECONDS}
        return self._pub

    def _view(self, w: _Running, t: int, lg: float, sh: float, cnt: int, by_ex: dict[str, tuple[float, float]],
              by_sym: dict[str, tuple[float, float]], by_pair: dict[Pair, list]) -> WindowView:
        if cnt == 0:
            lg = sh = 0.0
        t_ms = t * SECOND_MS
        return WindowView(w.label, w.seconds, lg, sh, cnt, by_ex, by_sym, by_pair,
                          self.largest_in(t_ms - w.seconds * SECOND_MS, t_ms))

    def _behind(self, w: _Running, t: int, minus: list, plus: list) -> WindowView:
        """Window ``w`` as of ``t`` behind the head: its running totals less the
        buckets in (t, head], plus those that left it in (t - W, head - W]."""
        lg, sh, cnt = w.long, w.short, w.count
        by_pair, by_ex, by_sym = [{k: list(v) for k, v in m.items()} for m in (w.by_pair, w.by_ex, w.by_sym)]
        for slot in plus:
            for key, (a, s, n) in slot.items():
                add_entry(by_pair, key, a, s, n)
                add_entry(by_ex, key[0], a, s, n)
                add_entry(by_sym, key[1], a, s, n)
                lg, sh, cnt = lg + a, sh + s, cnt + n
        for slot in minus:
            for key, (a, s, n) in slot.items():
                _take_from(by_pair, key, a, s, n)
                _take_from(by_ex, key[0], a, s, n)
                _take_from(by_sym, key[1], a, s, n)
                lg, sh, cnt = lg - a, sh - s, cnt - n
        return self._view(w, t, lg, sh, cnt, {k: (v[0], v[1]) for k, v in by_ex.items()},
                          {k: (v[0], v[1]) for k, v in by_sym.items()}, by_pair)

    def largest_in(self, lo_ms: int, hi_ms: int) -> Liquidation | None:
        """The largest liquidation with ts in (lo_ms, hi_ms]."""
        m = self._maxes
        i = bisect_right(m, lo_ms, key=_ts)
        if i == len(m):
            return None
        if m[i].ts <= hi_ms:
            return m[i]  # the largest after lo_ms, and it is inside
        # Behind the newest event, a window's maximum may have been dominated
        # by a later event outside it: fall back to the per-bucket maxima
        # (only for queries behind the head, within the slack).
        order = self._order
        best = None
        for b in order[bisect_right(order, -(-lo_ms // SECOND_MS) - 1):bisect_right(order, -(-hi_ms // SECOND_MS))]:
            ev = self._bucket_max.get(b)
            if ev is not None and lo_ms < ev.ts <= hi_ms and (best is None or ev.usd > best.usd):
                best = ev
        return best


def _ts(ev: Liquidation) -> int:
    return ev.ts

