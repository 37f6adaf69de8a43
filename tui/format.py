"""The one vocabulary of liqwatch's output: modes, sides, symbols, numbers, times.

Every surface (the panes, the tape, ``liqwatch tape``, ``report``, the status
line and ``liqwatch status``) spells a thing the way this module does, so
they never disagree: $600M, $1.21B, $3.50T, 64,012.5, ▼L / ▲S, "BTC-inv".
It imports only the standard library: ``liqwatch status`` uses it.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone, tzinfo

# Modes: the status line's badge and the front of ``liqwatch status``.
LIVE, DEMO, REPLAY, RECORD = "LIVE", "DEMO", "REPLAY", "RECORD"
# Desk mode: a viewer of the desk's stream, and the collector that feeds it.
DESK, COLLECT = "DESK", "COLLECT"
MODE_LABEL = {DEMO: "DEMO: synthetic data", REPLAY: "REPLAY", LIVE: "LIVE", RECORD: "RECORD", DESK: "DESK",
              COLLECT: "COLLECT"}

# Sides, always an arrow and a letter or word, never colour alone: a long
# liquidated is a forced sell (down), a short liquidated a forced buy (up).
# Keys are the event's ``side`` values (feeds.events.LONG / SHORT).
SIDE_ARROW = {"long": "▼", "short": "▲"}
SIDE_MARK = {"long": "▼L", "short": "▲S"}
SIDE_WORD = {"long": "▼ long", "short": "▲ short"}

_UNITS = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


def money(usd: float | None, signed: bool = False) -> str:
    """Compact USD with three significant digits: $612M, $1.21B, $3.50T, $950."""
    if usd is None or not math.isfinite(usd):
        return "—"
    sign = "-" if usd < 0 else ("+" if signed and usd > 0 else "")
    v = abs(usd)
    for scale, unit in _UNITS:
        x = v / scale
        # 0.9995 of a unit rounds to 1.00 of it: $1.00M, never $1000K.
        if x >= 0.9995:
            digits = 0 if x >= 99.95 else (1 if x >= 9.995 else 2)
            return f"{sign}${x:.{digits}f}{unit}"
    return f"{sign}${v:.0f}"


_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}


def parse_money(text: str) -> float:
    """'250k', '$1.5M', '2e6' -> USD; raise ValueError with a readable reason."""
    t = text.strip().lower().replace("$", "").replace(",", "").replace("_", "")
    if not t:
        return 0.0
    scale = _SUFFIX.get(t[-1], 1.0)
    if t[-1] in _SUFFIX:
        t = t[:-1]
    try:
        value = float(t) * scale
    except ValueError:
        raise ValueError(f"not an amount: {text!r} (try 250k, 1.5M)") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"not an amount: {text!r}")
    return value


def amount(usd: float) -> str:
    """An amount as a person types it, exact, so that ``parse_money`` reads it
    back unchanged: 1M, 250K, 1.5M, 1234567.  (``money`` rounds to three
    digits, and ``%g`` writes 1e+06.)"""
    for scale, unit in _UNITS:
        x = round(usd / scale, 3)
        if 1 <= x < 1000 and x * scale == usd:
            return _plain(x) + unit
    return _plain(usd)


def _plain(x: float) -> str:
    """A number without exponent or trailing zeros: 1.5, 250, 12345678.9."""
    return f"{x:f}".rstrip("0").rstrip(".")


def price(p: float | None) -> str:
    """A price with sensible precision: 64,012.5  3,101.25  10.52  0.08000."""
    if p is None or not math.isfinite(p):
        return "—"
    a = abs(p)
    if a >= 10_000:
        return f"{p:,.1f}"
    if a >= 100:
        return f"{p:,.2f}"
    if a >= 1:
        return f"{p:.3f}".rstrip("0").rstrip(".") if a >= 10 else f"{p:.4f}"
    if a == 0:
        return "0"
    # Four significant digits below 1.
    decimals = min(12, 3 - int(math.floor(math.log10(a))))
    return f"{p:.{decimals}f}"


def pct(x: float | None, digits: int = 0, signed: bool = False) -> str:
    """A fraction as percent: 0.473 -> 47%."""
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x * 100:+.{digits}f}%" if signed else f"{x * 100:.{digits}f}%"


def age(seconds: float | None) -> str:
    """A short age: 3s, 4m, 2h, 5d."""
    if seconds is None:
        return "—"
    s = max(0.0, seconds)
    if s < 90:
        return f"{s:.0f}s"
    if s < 90 * 60:
        return f"{s / 60:.0f}m"
    if s < 48 * 3600:
        return f"{s / 3600:.0f}h"
    return f"{s / 86400:.0f}d"


def local_tz(name: str = "local") -> tzinfo:
    """The user's zone: "local" follows the system (and TZ), else an IANA name."""
    if name == "local":
        tz = datetime.now().astimezone().tzinfo
        return tz if tz is not None else timezone.utc
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def clock(ts_ms: int, tz: tzinfo, seconds: bool = True) -> str:
    dt = datetime.fromtimestamp(ts_ms / 1000, tz)
    return dt.strftime("%H:%M:%S" if seconds else "%H:%M")


def day(ts_ms: int, tz: tzinfo) -> str:
    """A date for a trend's start: 'Oct 11'."""
    return datetime.fromtimestamp(ts_ms / 1000, tz).strftime("%b %d")


def stamp(ts_ms: int, tz: tzinfo) -> str:
    """Date and time, for things further back than today: 'Nov 03 21:00'."""
    return datetime.fromtimestamp(ts_ms / 1000, tz).strftime("%b %d %H:%M")


def date_time(ts_ms: int, tz: tzinfo) -> str:
    """A full timestamp for lines that outlive the day (``liqwatch tape``): '2025-11-04 21:49:59'."""
    return datetime.fromtimestamp(ts_ms / 1000, tz).strftime("%Y-%m-%d %H:%M:%S")


def day_start(ts_ms: int, tz: tzinfo) -> int:
    """The ms of local midnight that starts ``ts_ms``'s day."""
    dt = datetime.fromtimestamp(ts_ms / 1000, tz)
    return int(dt.replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)


def day_heading(ts_ms: int, tz: tzinfo, ref_ms: int) -> str:
    """The day of ``ts_ms`` as a heading: 'Tue Nov 04', with the year when it is not ``ref_ms``'s."""
    dt = datetime.fromtimestamp(ts_ms / 1000, tz)
    same_year = dt.year == datetime.fromtimestamp(ref_ms / 1000, tz).year
    return dt.strftime("%a %b %d" if same_year else "%a %b %d %Y")


def clock_on(ts_ms: int, tz: tzinfo, ref_ms: int) -> str:
    """The time, with the date in front when it is another day than ``ref_ms``'s:
    '21:49:59' today, 'Nov 04 21:49:59' a replay of last week."""
    if day_start(ts_ms, tz) == day_start(ref_ms, tz):
        return clock(ts_ms, tz)
    return datetime.fromtimestamp(ts_ms / 1000, tz).strftime("%b %d %H:%M:%S")


def short_symbol(symbol: str) -> str:
    """'BTC/USDT:USDT' -> 'BTC'; inverse 'BTC/USD:BTC' -> 'BTC-inv'; dated futures keep their date."""
    base, _, rest = symbol.partition("/")
    if not rest:
        return symbol
    quote, _, settle_and_expiry = rest.partition(":")
    settle, _, expiry = settle_and_expiry.partition("-")
    name = base if quote in ("USDT", "USDC", "USD") else f"{base}/{quote}"
    if settle and settle == base:
        name += "-inv"
    if expiry:
        name += f"-{expiry}"
    return name
