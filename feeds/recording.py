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

import gzip
import json
import logging
import os
import zlib
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import IO, Annotated, Any, Callable, Iterable, Iterator, Literal, Union, get_type_hints

import msgspec

from feeds.events import (
    FEED_STATES,
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


def _num(value: Any) -> float:
    # bool is an int subclass; a JSON true is never a price.
    if isinstance(value, bool):
        raise BadEvent(f"expected a number, got {value!r}")
    out = float(value)
    if out != out or out in (float("inf"), float("-inf")):
        raise BadEvent(f"expected a finite number, got {value!r}")
    return out


def _ts(value: Any) -> int:
    if isinstance(value, bool):
        raise BadEvent(f"expected a timestamp in ms, got {value!r}")
    return int(value)


def _str(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise BadEvent(f"expected a non-empty string, got {value!r}")
    return value


# The fast paths: a well-formed line (the common case by far) is checked
# inline and built with ``tuple.__new__``; anything unusual (a missing field,
# an int price, a bad value) takes the careful path, which words the error
# exactly as it always has.  ``x - x == 0.0`` is false exactly for NaN and
# the infinities, and a sum of such differences is 0.0 only when every term is.


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
        and (price - price) + (qty - qty) + (usd - usd) == 0.0
        and usd >= 0.0
    ):
        return _new(Liquidation, (ts, ex, sym, side, price, qty, usd))
    return _liquidation_checked(d)


def _liquidation_checked(d: dict[str, Any]) -> Liquidation:
    side = d["side"]
    if side not in SIDES:
        raise BadEvent(f"side must be 'long' or 'short', got {side!r}")
    usd = _num(d["usd"])
    if usd < 0:
        raise BadEvent(f"usd must not be negative, got {usd!r}")
    return Liquidation(
        _ts(d["ts"]), _str(d["exchange"]), _str(d["symbol"]), side, _num(d["price"]), _num(d["qty"]), usd
    )


Decoder = Callable[[dict[str, Any]], Any]


def _venue_figure(cls: Any, value_field: str) -> tuple[Decoder, Decoder]:
    """The (fast, careful) decoders of an event that is (ts, exchange, symbol,
    one number in ``value_field``): Volume, OpenInterest and Price share them."""

    def checked(d: dict[str, Any]) -> Any:
        return cls(_ts(d["ts"]), _str(d["exchange"]), _str(d["symbol"]), _num(d[value_field]))

    def decode(d: dict[str, Any]) -> Any:
        try:
            ts, ex, sym, value = d["ts"], d["exchange"], d["symbol"], d[value_field]
        except KeyError:
            return checked(d)
        if type(ts) is int and type(ex) is str and ex and type(sym) is str and sym and type(value) is float \
                and value - value == 0.0:
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
        and (o - o) + (h - h) + (lo - lo) + (c - c) + (vol - vol) == 0.0
    ):
        return _new(Candle, (ts, ex, sym, tf, o, h, lo, c, vol))
    return _candle_checked(d)


def _candle_checked(d: dict[str, Any]) -> Candle:
    tf = d["tf"]
    if tf not in TIMEFRAMES:
        raise BadEvent(f"tf must be one of {', '.join(TIMEFRAMES)}, got {tf!r}")
    return Candle(
        _ts(d["ts"]),
        _str(d["exchange"]),
        _str(d["symbol"]),
        tf,
        _num(d["open"]),
        _num(d["high"]),
        _num(d["low"]),
        _num(d["close"]),
        _num(d["volume_usd"]),
    )


def _market_cap(d: dict[str, Any]) -> MarketCap:
    try:
        ts, src, usd = d["ts"], d["source"], d["usd"]
    except KeyError:
        return _market_cap_checked(d)
    if type(ts) is int and type(src) is str and src and type(usd) is float and usd - usd == 0.0:
        return _new(MarketCap, (ts, src, usd))
    return _market_cap_checked(d)


def _market_cap_checked(d: dict[str, Any]) -> MarketCap:
    return MarketCap(_ts(d["ts"]), _str(d["source"]), _num(d["usd"]))


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
_FAST_FIELD: dict[type, Any] = {
    int: Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)],
    str: _NAME,
    float: float,  # msgspec refuses non-finite numbers and booleans, and reads an int as from_dict does
}
_FAST_CHECKS: dict[tuple[type, str], Any] = {
    (Liquidation, "side"): Literal[SIDES],
    (Liquidation, "usd"): Annotated[float, msgspec.Meta(ge=0.0)],
    (Candle, "tf"): Literal[TIMEFRAMES],
}


def _fast_struct(cls: Any) -> type[msgspec.Struct]:
    """The msgspec struct of a line of event type ``cls``, field for field."""
    hints = get_type_hints(cls)
    fields = [(name, _FAST_CHECKS.get((cls, name), _FAST_FIELD[hints[name]])) for name in cls._fields]
    return msgspec.defstruct(
        f"Fast{cls.__name__}", fields, tag_field="type", tag=cls.KIND, forbid_unknown_fields=True, gc=False
    )


# FeedStatus is not here: it is rare, and its optional detail is not worth a
# second definition.
_EVENT_OF: dict[type, Any] = {
    _fast_struct(cls): cls for cls in (Liquidation, Volume, OpenInterest, Candle, Price, MarketCap)
}
_fast_decode = msgspec.json.Decoder(Union[tuple(_EVENT_OF)]).decode  # type: ignore[misc]
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
    ``stats.truncated``.

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
    try:
        with _open_binary(path) as fh:
            try:
                for lines in _line_chunks(fh):
                    if careful_for:
                        careful_for -= 1
                        batch = _decode_carefully(lines, lineno, on_bad_line, st)
                    else:
                        batch, refused = _decode_lines(lines, lineno, on_bad_line, st)
                        if refused * 4 > len(lines):
                            careful_for = _CAREFUL_CHUNKS
                    lineno += len(lines)
                    events += len(batch)
                    yield batch
            except _TRUNCATED:
                st.truncated = True
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
    out: list[Event] = []
    fast: list[msgspec.Struct] = []
    todo = iter(lines)
    done = 0  # lines before the current run of fast ones
    refused = 0
    while True:
        # extend() keeps what map() made before the first line it refused
        # and leaves the lines after that one in todo.
        try:
            fast.extend(map(_fast_decode, todo))
            stopped = False
        except _REFUSED:
            stopped = True
        event_of = _EVENT_OF
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
        mode = "ab" if append else "wb"
        self._raw = open(self.path, mode)
        self._gz: gzip.GzipFile | None = None
        if self.path.suffix == ".gz":
            self._gz = gzip.GzipFile(fileobj=self._raw, mode=mode, compresslevel=6)
        self._pending: list[str] = []

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


def write_events(path: str | os.PathLike[str], events: Iterable[Event]) -> int:
    """Write a whole recording at once; returns the number of events."""
    with RecordingWriter(path) as w:
        w.write_many(events)
        return w.count
