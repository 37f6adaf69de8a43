"""Reading and writing recordings: JSONL files of events, plain or gzip.

This is the one home of the line format: how an event becomes a line
(``to_dict``, ``dumps``) and every way back (the dict decoders behind
``from_dict``, and the msgspec fast path of ``read_events``), so that one
rule of what a valid line is lives in one file.  ``feeds.events`` holds the
model alone.

A recording is shared between users and read by ``report``, ``replay`` and the
tests, so the reader is forgiving: a malformed line is reported with its line
number and skipped, unknown types and fields are ignored, and a file cut off
mid-write (a recorder killed with SIGKILL) yields every complete line.

A recording is UTF-8 (docs/recording-format.md): a line that is not is
malformed, reported and skipped, rather than read with a replacement
character that would make a corrupt symbol name a new symbol.
"""

from __future__ import annotations

import errno
import gzip
import json
import logging
import os
import time
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import IO, Annotated, Any, Callable, Iterable, Iterator, Literal, Union, get_type_hints

import msgspec

from feeds.events import (
    DAY_MS,
    FEED_STATES,
    HOUR_MS,
    LONG,
    SHORT,
    SIDES,
    TIMEFRAMES,
    Candle,
    Event,
    FeedStatus,
    Liquidation,
    MarketCap,
    OpenInterest,
    Price,
    Volume,
)

log = logging.getLogger("liqwatch.recording")

try:
    # The careful path's parser (see _read_line); ccxt depends on it, so it is
    # normally there.  Its JSONDecodeError is json's, so errors read the same.
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - only without ccxt installed
    _loads = json.loads

GZIP_MAGIC = b"\x1f\x8b"

_new = tuple.__new__


# -- a decoded JSON object -> an event (the careful path) ---------------------


class BadEvent(ValueError):
    """A JSON object that claims a known type but does not hold a valid event."""


# The sane range of every value (docs/recording-format.md).  A timestamp
# before 2009 (before any crypto market) or more than a day past the wall
# clock is corrupt, and one such line would otherwise stretch the data clock
# over centuries.  Money and prices are never negative, and no figure
# reaches a quadrillion dollars: a sum of such values can never overflow.
TS_MIN = 1_230_768_000_000  # 2009-01-01 UTC, in ms
MAX_VALUE = 1e15
# Base units of a liquidation: a $1B order of a coin at $0.000001 is 1e15.
MAX_QTY = 1e18
_MAX_OF = {"qty": MAX_QTY}


def ts_ceiling(now_ms: int | None = None) -> int:
    """The latest valid ``ts``: a day past the wall clock, rounded up to the
    hour (so every line read within the hour meets the same bound)."""
    now = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    return (now // HOUR_MS + 1) * HOUR_MS + DAY_MS


def _num(value: Any, name: str) -> float:
    # bool is an int subclass; a JSON true is never a price, and "100" is a
    # string, not a number.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadEvent(f"{name}: expected a number, got {value!r}")
    out = float(value)
    if out != out or out in (float("inf"), float("-inf")):
        raise BadEvent(f"{name}: expected a finite number, got {value!r}")
    top = _MAX_OF.get(name, MAX_VALUE)
    if not 0.0 <= out <= top:
        raise BadEvent(f"{name} must be in [0, {top:g}], got {value!r}")
    return out


def _ts(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadEvent(f"expected a timestamp in ms, got {value!r}")
    ts = int(value)
    top = ts_ceiling()
    if TS_MIN <= ts <= top:
        return ts
    if TS_MIN // 1000 <= ts <= top // 1000:
        raise BadEvent(f"ts {value!r} is in seconds; recordings count ms since 1970")
    raise BadEvent(f"ts must be ms between 2009-01-01 and a day past now, got {value!r}")


def _str(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise BadEvent(f"expected a non-empty string, got {value!r}")
    return value


# The fast paths: a well-formed line (the common case by far) is checked
# inline and built with ``tuple.__new__``; anything unusual (a missing field,
# an int price, a bad value) takes the careful path, which words the error
# exactly as it always has.  A range check such as ``0.0 <= x <= MAX_VALUE``
# is false for NaN and the infinities too.


def _liquidation(d: dict[str, Any]) -> Liquidation:
    try:
        ts, ex, sym, side, price, qty, usd = (
            d["ts"], d["exchange"], d["symbol"], d["side"], d["price"], d["qty"], d["usd"]
        )  # fmt: skip
    except KeyError:
        return _liquidation_checked(d)
    if (
        type(ts) is int
        and type(ex) is str
        and ex
        and type(sym) is str
        and sym
        and (side == LONG or side == SHORT)
        and type(price) is float
        and type(qty) is float
        and type(usd) is float
        and TS_MIN <= ts <= ts_ceiling()
        and 0.0 <= price <= MAX_VALUE
        and 0.0 <= qty <= MAX_QTY
        and 0.0 <= usd <= MAX_VALUE
    ):
        return _new(Liquidation, (ts, ex, sym, side, price, qty, usd))
    return _liquidation_checked(d)


def _liquidation_checked(d: dict[str, Any]) -> Liquidation:
    side = d["side"]
    if side not in SIDES:
        raise BadEvent(f"side must be 'long' or 'short', got {side!r}")
    return Liquidation(
        _ts(d["ts"]), _str(d["exchange"]), _str(d["symbol"]), side, _num(d["price"], "price"), _num(d["qty"], "qty"),
        _num(d["usd"], "usd"),
    )


Decoder = Callable[[dict[str, Any]], Any]


def _venue_figure(cls: Any, value_field: str) -> tuple[Decoder, Decoder]:
    """The (fast, careful) decoders of an event that is (ts, exchange, symbol,
    one number in ``value_field``): Volume, OpenInterest and Price share them."""

    def checked(d: dict[str, Any]) -> Any:
        return cls(_ts(d["ts"]), _str(d["exchange"]), _str(d["symbol"]), _num(d[value_field], value_field))

    def decode(d: dict[str, Any]) -> Any:
        try:
            ts, ex, sym, value = d["ts"], d["exchange"], d["symbol"], d[value_field]
        except KeyError:
            return checked(d)
        if type(ts) is int and type(ex) is str and ex and type(sym) is str and sym and type(value) is float \
                and TS_MIN <= ts <= ts_ceiling() and 0.0 <= value <= MAX_VALUE:
            return _new(cls, (ts, ex, sym, value))
        return checked(d)

    return decode, checked


_volume, _volume_checked = _venue_figure(Volume, "usd_24h")
_open_interest, _open_interest_checked = _venue_figure(OpenInterest, "usd")
_price, _price_checked = _venue_figure(Price, "last")


def _candle(d: dict[str, Any]) -> Candle:
    try:
        ts, ex, sym, tf, o, h, lo, c, vol = (
            d["ts"], d["exchange"], d["symbol"], d["tf"], d["open"], d["high"], d["low"], d["close"],
            d["volume_usd"],
        )  # fmt: skip
    except KeyError:
        return _candle_checked(d)
    if (
        type(ts) is int
        and type(ex) is str
        and ex
        and type(sym) is str
        and sym
        and tf in TIMEFRAMES
        and type(o) is float
        and type(h) is float
        and type(lo) is float
        and type(c) is float
        and type(vol) is float
        and TS_MIN <= ts <= ts_ceiling()
        and 0.0 <= lo <= h <= MAX_VALUE
        and lo <= o <= h
        and lo <= c <= h
        and 0.0 <= vol <= MAX_VALUE
    ):
        return _new(Candle, (ts, ex, sym, tf, o, h, lo, c, vol))
    return _candle_checked(d)


def _candle_checked(d: dict[str, Any]) -> Candle:
    tf = d["tf"]
    if tf not in TIMEFRAMES:
        raise BadEvent(f"tf must be one of {', '.join(TIMEFRAMES)}, got {tf!r}")
    c = Candle(
        _ts(d["ts"]),
        _str(d["exchange"]),
        _str(d["symbol"]),
        tf,
        _num(d["open"], "open"),
        _num(d["high"], "high"),
        _num(d["low"], "low"),
        _num(d["close"], "close"),
        _num(d["volume_usd"], "volume_usd"),
    )
    _check_bar(c.open, c.high, c.low, c.close)
    return c


def _check_bar(o: float, h: float, lo: float, c: float) -> None:
    """A bar's high is its highest price and its low its lowest."""
    if h < lo:
        raise BadEvent(f"high {h!r} is below low {lo!r}")
    if not (lo <= o <= h and lo <= c <= h):
        raise BadEvent(f"open and close must lie within [low, high], got open {o!r}, close {c!r}")


def _market_cap(d: dict[str, Any]) -> MarketCap:
    try:
        ts, src, usd = d["ts"], d["source"], d["usd"]
    except KeyError:
        return _market_cap_checked(d)
    if type(ts) is int and type(src) is str and src and type(usd) is float and TS_MIN <= ts <= ts_ceiling() \
            and 0.0 <= usd <= MAX_VALUE:
        return _new(MarketCap, (ts, src, usd))
    return _market_cap_checked(d)


def _market_cap_checked(d: dict[str, Any]) -> MarketCap:
    return MarketCap(_ts(d["ts"]), _str(d["source"]), _num(d["usd"], "usd"))


def _feed_status(d: dict[str, Any]) -> FeedStatus:
    state = d["state"]
    if state not in FEED_STATES:
        raise BadEvent(f"state must be one of {', '.join(FEED_STATES)}, got {state!r}")
    detail = d.get("detail", "")
    return FeedStatus(_ts(d["ts"]), _str(d["feed"]), state, detail if isinstance(detail, str) else str(detail))


_DECODERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    Liquidation.KIND: _liquidation,
    Volume.KIND: _volume,
    OpenInterest.KIND: _open_interest,
    Candle.KIND: _candle,
    Price.KIND: _price,
    MarketCap.KIND: _market_cap,
    FeedStatus.KIND: _feed_status,
}


def from_dict(d: Any) -> Event | None:
    """Build an event from a decoded JSON object.

    Returns None for an object of an unknown type (forward compatibility: a
    newer liqwatch may write types this one does not know).  Raises
    ``BadEvent`` when a known type is missing a field or holds a bad value.
    Unknown fields are ignored.
    """
    try:
        decode = _DECODERS[d["type"]]  # a dict of a known type: the common case
    except (KeyError, TypeError):
        if not isinstance(d, dict):
            raise BadEvent("not a JSON object") from None
        if not isinstance(d.get("type"), str):
            raise BadEvent("no 'type' field") from None
        return None
    try:
        return decode(d)
    except KeyError as exc:
        raise BadEvent(f"{d['type']}: missing field {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:  # BadEvent is a ValueError too
        raise BadEvent(f"{d['type']}: {exc}") from None


def to_dict(ev: Event) -> dict[str, Any]:
    """The JSON object of an event, with ``type`` first."""
    out: dict[str, Any] = {"type": ev.KIND}
    out.update(ev._asdict())
    return out


# -- reading a file: lines, chunks, the msgspec fast path -------------------


BadLineHandler = Callable[[int, str], None]


def _warn_bad_line(lineno: int, reason: str) -> None:
    log.warning("line %d: %s; skipped", lineno, reason)


# A file whose first chunk(s) hold this many bad lines and not one event is
# not a recording (a binary file, a log, a config): the read stops with one
# NotARecording instead of a warning per line; so does a shorter file with
# bad lines and nothing else.  A recording with a few bad lines keeps its
# per-line warnings, given once its first event is read.
NOT_A_RECORDING_LINES = 20


class NotARecording(ValueError):
    """The file's first lines are all malformed: it is not a recording."""

    def __init__(self, path: Path, bad: int, lineno: int, reason: str) -> None:
        self.path, self.bad, self.lineno, self.reason = path, bad, lineno, reason
        super().__init__(f"{path}: not a liqwatch recording ({bad} bad lines and no event; "
                         f"line {lineno}: {reason})")


@dataclass
class ReadStats:
    """What a read saw: lines, events kept, and the lines it skipped.

    Complete once the iterator of ``read_events`` is exhausted.
    """

    lines: int = 0
    events: int = 0
    unknown: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)
    truncated: bool = False
    # Bytes of the file (compressed, for gzip) read so far, chunk by chunk:
    # what a progress bar shows against the file's size.
    position: int = 0


# Two ways to read a line.  The careful path, orjson + ``from_dict``, defines
# what a valid line is and words every error.  The fast path decodes a line
# straight into a typed msgspec struct, checked in C, for well under half the
# cost, and parsing is much of what ``liqwatch report`` spends.  msgspec's
# rules are not quite from_dict's, though: it skips unknown fields without
# checking them (orjson refuses a line with bad UTF-8 or 1e400 anywhere), and
# reads integers of any size exactly (orjson reads those past 64 bits as
# floats, which _ts truncates).  So the fast path takes only the lines it can
# vouch for: the common types, no unknown field, 64-bit timestamps, and every
# check of the careful decoders restated.  Every line it refuses goes the
# careful way.  tests/feeds/test_recording.py holds the two paths to the same
# events, type for type and bit for bit, and to the same errors.
_NAME = Annotated[str, msgspec.Meta(min_length=1)]
# msgspec refuses non-finite numbers and booleans, and reads an int as from_dict does.
_FAST_FIELD: dict[type, Any] = {str: _NAME, float: Annotated[float, msgspec.Meta(ge=0.0, le=MAX_VALUE)]}
_FAST_CHECKS: dict[tuple[type, str], Any] = {
    (Liquidation, "side"): Literal[SIDES],
    (Liquidation, "qty"): Annotated[float, msgspec.Meta(ge=0.0, le=MAX_QTY)],
    (Candle, "tf"): Literal[TIMEFRAMES],
}


def _bar_post_init(bar: Any) -> None:
    _check_bar(bar.open, bar.high, bar.low, bar.close)


_FAST_NAMESPACE: dict[type, dict[str, Any]] = {Candle: {"__post_init__": _bar_post_init}}


def _fast_struct(cls: Any, ceiling: int) -> type[msgspec.Struct]:
    """The msgspec struct of a line of event type ``cls``, field for field,
    its ``ts`` valid up to ``ceiling``."""
    hints = get_type_hints(cls)
    ts = Annotated[int, msgspec.Meta(ge=TS_MIN, le=ceiling)]
    fields = [
        (name, ts if name == "ts" else _FAST_CHECKS.get((cls, name), _FAST_FIELD[hints[name]])) for name in cls._fields
    ]
    return msgspec.defstruct(
        f"Fast{cls.__name__}", fields, tag_field="type", tag=cls.KIND, forbid_unknown_fields=True, gc=False,
        namespace=_FAST_NAMESPACE.get(cls),
    )


@lru_cache(maxsize=1)
def _fast_for(ceiling: int) -> tuple[Callable[[bytes], Any], dict[type, Any]]:
    # FeedStatus is not here: it is rare, and its optional detail is not worth
    # a second definition.
    kinds = (Liquidation, Volume, OpenInterest, Candle, Price, MarketCap)
    event_of = {_fast_struct(cls, ceiling): cls for cls in kinds}
    return msgspec.json.Decoder(Union[tuple(event_of)]).decode, event_of  # type: ignore[return-value]


def _fast() -> tuple[Callable[[bytes], Any], dict[type, Any]]:
    """The fast decoder of the hour (its ``ts`` bound is ``ts_ceiling()``) and
    the event type of each of its structs; built once an hour."""
    return _fast_for(ts_ceiling())


# What msgspec raises for a line it refuses (RecursionError: deeply nested
# values, which the careful path reports as JSON errors).
_REFUSED = (ValueError, RecursionError)
_astuple = msgspec.structs.astuple

# Lines are read a chunk at a time: a chunk's lines go through the fast path
# in one C loop.  64 KiB is some 400 lines.
_CHUNK = 1 << 16
# A line the fast path refuses costs it an attempt on top of the careful read.
# When it refuses more than a quarter of a chunk (a newer liqwatch's file,
# say, whose lines carry a field this one does not know), the next chunks are
# read the careful way at once, and the fast path is tried again after them.
_CAREFUL_CHUNKS = 15


def _open_binary(path: Path) -> IO[bytes]:
    """Open plain or gzip by content, not by name: shared files get renamed."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == GZIP_MAGIC:
        return gzip.open(path, "rb")
    return open(path, "rb")


# A gzip member cut off mid-write raises one of these at the end, after every
# line decoded before that point.
_TRUNCATED = (EOFError, zlib.error, gzip.BadGzipFile)


def _line_chunks(fh: IO[bytes]) -> Iterator[list[bytes]]:
    r"""The file's lines without their ends, a chunk at a time.

    Lines end where text mode ends them (``\n``, ``\r\n`` or ``\r``), so line
    numbers are those of any editor.  ``read1`` makes at most one read of the
    raw stream, so a gzip stream cut off raises only once every line before
    the cut has been handed out; the torn line at the cut is dropped.
    """
    carry = b""
    while chunk := fh.read1(_CHUNK):
        data = carry + chunk
        lines = data.splitlines()
        if data.endswith(b"\n"):
            carry = b""
        elif data.endswith(b"\r"):
            # Perhaps the first half of a \r\n: the line ends with the next chunk.
            carry = lines.pop() + b"\r"
        else:
            carry = lines.pop()
        yield lines
    if carry:
        yield carry.splitlines()


def read_events(
    path: str | os.PathLike[str],
    on_bad_line: BadLineHandler | None = _warn_bad_line,
    stats: ReadStats | None = None,
) -> Iterator[Event]:
    """Yield the events of a recording in file order.

    Blank lines are skipped silently; a line that is not valid UTF-8, not
    valid JSON or not a valid event goes to ``on_bad_line(lineno, reason)``
    and is skipped.  A final line without its newline is parsed like any
    other (a recorder always ends a write with a newline, so an unterminated
    tail that fails to parse is the torn write of a killed process).  A gzip
    stream that was cut off yields every line before the cut and sets
    ``stats.truncated``.  A file that starts with a run of
    ``NOT_A_RECORDING_LINES`` bad lines and no event, or ends with bad lines
    and nothing else, raises ``NotARecording``; bad lines before the first
    event are reported once it is read.

    This is most of the cost of ``liqwatch report``, so lines are read and
    decoded a chunk at a time and the events handed out by ``chain`` (in C):
    no Python code runs per event on the way out.  ``on_bad_line`` is called
    as a chunk is decoded, so possibly before the events of the lines just
    above the bad one have been handed out.
    """
    st = stats if stats is not None else ReadStats()
    return chain.from_iterable(_read_chunks(Path(path), on_bad_line, st))


def _read_chunks(path: Path, on_bad_line: BadLineHandler | None, st: ReadStats) -> Iterator[list[Event]]:
    lineno = events = 0
    careful_for = 0  # chunks to read the careful way before the fast path is tried again
    held: list[tuple[int, str]] = []  # bad lines before the first event: a recording's, or not a recording's

    def hold(n: int, reason: str) -> None:
        held.append((n, reason))

    def release() -> None:
        if on_bad_line is not None:
            for n, reason in held:
                on_bad_line(n, reason)
        held.clear()

    handler: BadLineHandler | None = hold
    try:
        with _open_binary(path) as fh:
            raw = getattr(fh, "fileobj", None) or fh  # a gzip stream's file
            try:
                for lines in _line_chunks(fh):
                    st.position = raw.tell()
                    if careful_for:
                        careful_for -= 1
                        batch = _decode_carefully(lines, lineno, handler, st)
                    else:
                        batch, refused = _decode_lines(lines, lineno, handler, st)
                        if refused * 4 > len(lines):
                            careful_for = _CAREFUL_CHUNKS
                    lineno += len(lines)
                    if handler is hold:
                        if batch:
                            release()
                            handler = on_bad_line
                        elif len(held) >= NOT_A_RECORDING_LINES:
                            raise NotARecording(path, len(held), *held[0])
                    events += len(batch)
                    yield batch
            except _TRUNCATED:
                st.truncated = True
            if held and not events and not st.unknown:
                raise NotARecording(path, len(held), *held[0])  # not one line could be read
            release()
    finally:
        st.lines = lineno
        st.events += events


def decode_lines(lines: list[bytes], on_bad_line: BadLineHandler | None = _warn_bad_line,
                 stats: ReadStats | None = None, first_lineno: int = 1) -> list[Event]:
    """The events of recording lines held in memory (messages of a desk's
    stream, say), read exactly as a file's: unknown types and fields ignored,
    a bad line reported with its number and skipped."""
    st = stats if stats is not None else ReadStats()
    events, _refused = _decode_lines(lines, first_lineno - 1, on_bad_line, st)
    st.lines += len(lines)
    st.events += len(events)
    return events


def _decode_lines(lines: list[bytes], lineno: int, on_bad_line: BadLineHandler | None,
                  st: ReadStats) -> tuple[list[Event], int]:
    """The events of consecutive lines (the first is line ``lineno + 1``), and
    how many lines the fast path refused."""
    fast_decode, event_of = _fast()
    out: list[Event] = []
    fast: list[msgspec.Struct] = []
    todo = iter(lines)
    done = 0  # lines before the current run of fast ones
    refused = 0
    while True:
        # extend() keeps what map() made before the first line it refused
        # and leaves the lines after that one in todo.
        try:
            fast.extend(map(fast_decode, todo))
            stopped = False
        except _REFUSED:
            stopped = True
        out += [_new(event_of[type(s)], _astuple(s)) for s in fast]
        if not stopped:
            return out, refused
        refused += 1
        i = done + len(fast)
        done = i + 1
        fast.clear()
        ev = _read_line(lines[i], lineno + i + 1, on_bad_line, st)
        if ev is not None:
            out.append(ev)


def _decode_carefully(lines: list[bytes], lineno: int, on_bad_line: BadLineHandler | None,
                      st: ReadStats) -> list[Event]:
    """``_decode_lines`` without the fast path, line by line."""
    return [ev for n, line in enumerate(lines, lineno + 1) if (ev := _read_line(line, n, on_bad_line, st)) is not None]


def _read_line(line: bytes, lineno: int, on_bad_line: BadLineHandler | None, st: ReadStats) -> Event | None:
    """The careful path: from_dict's event, or None for a skipped line."""
    try:
        ev = from_dict(_loads(line))
    except ValueError as exc:  # json.JSONDecodeError and BadEvent both are
        text = line.decode("utf-8", "replace")
        if not text.strip():
            return None
        reason = str(exc) if isinstance(exc, BadEvent) else _not_json(exc, line)
        st.bad.append((lineno, reason))
        if on_bad_line is not None:
            on_bad_line(lineno, reason)
        return None
    if ev is None:
        st.unknown += 1
    return ev


def _not_json(exc: ValueError, line: bytes) -> str:
    """Why a line is not JSON, in words (orjson calls bad UTF-8 "surrogates")."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"not valid UTF-8 ({bad.reason} at byte {bad.start + 1})"
    return f"not valid JSON ({getattr(exc, 'msg', exc)})"


def dumps(ev: Event) -> str:
    """One recording line for an event, without the newline."""
    return json.dumps(to_dict(ev), separators=(",", ":"), ensure_ascii=False)


class RecordingWriter:
    """Append events to a JSONL recording, plain or gzip (by a ``.gz`` suffix).

    ``flush()`` pushes everything written so far to the OS; for gzip it also
    ends the deflate block with a sync flush, so a reader (or a file left by a
    killed process) can decode every line written before the flush.
    """

    def __init__(self, path: str | os.PathLike[str], append: bool = False) -> None:
        self.path = Path(path)
        self.count = 0
        gz = self.path.suffix == ".gz"
        mode = "ab" if append else "wb"
        torn = append and _ends_torn(self.path, gz)
        self._raw = open(self.path, mode)
        self._gz: gzip.GzipFile | None = None
        if gz:
            self._gz = gzip.GzipFile(fileobj=self._raw, mode=mode, compresslevel=6)
        # Appended after a torn last line (a recorder killed mid-write), the
        # first new event starts a line of its own: the torn one stays one bad line.
        self._pending: list[str] = [""] if torn else []

    def write(self, ev: Event) -> None:
        self._pending.append(dumps(ev))
        self.count += 1

    def write_many(self, events: Iterable[Event]) -> None:
        for ev in events:
            self.write(ev)

    def flush(self) -> None:
        if self._pending:
            data = ("\n".join(self._pending) + "\n").encode("utf-8")
            self._pending.clear()
            if self._gz is not None:
                self._gz.write(data)
            else:
                self._raw.write(data)
        if self._gz is not None:
            self._gz.flush(zlib.Z_SYNC_FLUSH)
        self._raw.flush()

    def close(self) -> None:
        """Flush and close; the file is closed even when the flush fails (a full disk)."""
        try:
            self.flush()
        finally:
            try:
                if self._gz is not None:
                    self._gz.close()
            finally:
                self._raw.close()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ends_torn(path: Path, gz: bool) -> bool:
    """Whether the file at ``path`` is there and ends without its newline.

    A gzip stream cut off without its trailer cannot be appended to at all
    (the new member would be read as part of the cut one, and lost), so that
    raises an OSError for the caller to report."""
    try:
        if not gz:
            with open(path, "rb") as fh:
                if fh.seek(0, os.SEEK_END) == 0:
                    return False
                fh.seek(-1, os.SEEK_END)
                return fh.read(1) != b"\n"
        last = b"\n"
        with gzip.open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                last = chunk[-1:]
        return last != b"\n"
    except FileNotFoundError:
        return False
    except _TRUNCATED:
        raise OSError(errno.EINVAL, "its gzip stream is cut off (a recorder was killed); --append would be "
                      "unreadable, so record to a new file") from None


def write_events(path: str | os.PathLike[str], events: Iterable[Event]) -> int:
    """Write a whole recording at once; returns the number of events."""
    with RecordingWriter(path) as w:
        w.write_many(events)
        return w.count
