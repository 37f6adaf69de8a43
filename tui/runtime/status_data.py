"""Snapshot -> status-file data, including the one-line text for tmux.

The writer (the app, ``record``) and the tests build the file through
``status_dict`` so the line that ``liqwatch status`` prints is composed in
one place.  ``text`` holds each field already formatted: the status command
only substitutes them into a template, and stays fast and dependency-free.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from tui.format import LIVE, SIDE_MARK, money, pct, short_symbol
from tui.runtime.statefile import VERSION

if TYPE_CHECKING:
    from indicators.snapshot import Snapshot

# The cap range's state, as the line says it ("forming": too few days of
# samples for a range, so no position and no break).
CAP_WHERE = {"forming": "range forming", "inside": "in range", "above": "above range", "below": "below range"}

def status_dict(
    snap: Snapshot,
    mode: str,
    wall_ms: int,
    since_ms: int | None = None,
    pid: int | None = None,
) -> dict[str, Any]:
    """Everything ``liqwatch status`` can show, as plain JSON values.

    ``since_ms`` is the start of the covered period when it is shorter than
    24 h (history began, or a gap), so the totals can say what they cover.
    """
    liq = snap.liquidations
    w1 = liq.window("1h")
    w24 = liq.window("24h")
    cap = snap.cap
    mood = snap.moods[0] if snap.moods else None
    lev = snap.leverage
    live = sum(1 for f in snap.feeds if f.state == "live")
    # Every feed failed or stalled (none live, none still connecting): the
    # figures are old, and a calm-looking line would be a lie.
    feeds_down = bool(snap.feeds) and all(f.state in ("down", "stale") for f in snap.feeds)
    data: dict[str, Any] = {
        "v": VERSION,
        "pid": os.getpid() if pid is None else pid,
        "mode": mode,
        "state": "running",
        "written_ms": wall_ms,
        "as_of_ms": snap.as_of,
        "since_ms": since_ms,
        "events": snap.events,
        "liq_1h_usd": w1.total_usd if w1 else None,
        "liq_1h_long_usd": w1.long_usd if w1 else None,
        "liq_1h_short_usd": w1.short_usd if w1 else None,
        "liq_1h_count": w1.count if w1 else None,
        "liq_24h_usd": w24.total_usd if w24 else None,
        "liq_24h_long_usd": w24.long_usd if w24 else None,
        "liq_24h_short_usd": w24.short_usd if w24 else None,
        "storm": liq.storm is not None,
        "cap_usd": cap.usd if cap else None,
        "cap_low_usd": cap.low if cap else None,
        "cap_high_usd": cap.high if cap else None,
        "cap_position": cap.position if cap else None,
        "cap_state": cap.state if cap else None,
        "bai_symbol": mood.symbol if mood else None,
        "bai": round(mood.bai, 1) if mood else None,
        "bai_band": mood.bai_band if mood else None,
        "lvr_24h": lev.lvr_24h,
        "lvr_trend": lev.lvr_trend,
        "feeds_live": live,
        "feeds_total": len(snap.feeds),
        "feeds_down": feeds_down,
        # Each feed's state by name (a desk viewer's include ``bus`` and ``collector``).
        "feed_states": {f.feed: f.state for f in snap.feeds},
    }
    text = _text(data)
    data["text"] = text
    data["line"] = text["line"]
    return data


def _side(long_usd: float | None, short_usd: float | None) -> tuple[str, str]:
    total = (long_usd or 0.0) + (short_usd or 0.0)
    if total <= 0:
        return "", ""
    share = (long_usd or 0.0) / total
    return (SIDE_MARK["long"], pct(share)) if share >= 0.5 else (SIDE_MARK["short"], pct(1 - share))


def _text(d: dict[str, Any]) -> dict[str, str]:
    """Each field formatted for a person, and the default line built from them."""
    side, side_pct = _side(d["liq_1h_long_usd"], d["liq_1h_short_usd"])
    cap_state = d["cap_state"]
    where = CAP_WHERE.get(cap_state or "", "")
    t = {
        "mode": d["mode"],
        "liq_1h": money(d["liq_1h_usd"]),
        "liq_24h": money(d["liq_24h_usd"]),
        "side": side,
        "side_pct": side_pct,
        "storm": "STORM" if d["storm"] else "",
        "cap": money(d["cap_usd"]),
        "cap_pos": pct(d["cap_position"]),  # "—" while the range forms
        "cap_state": where,
        "bai_symbol": short_symbol(d["bai_symbol"]) if d["bai_symbol"] else "",
        "bai": f"{d['bai']:.0f}" if d["bai"] is not None else "",
        "bai_band": d["bai_band"] or "",
        "lvr": money(d["lvr_24h"]) if d["lvr_24h"] is not None else "",  # USD per $1B traded, as the pane
        "lvr_trend": d["lvr_trend"] if d["lvr_trend"] != "unknown" else "",
        "feeds": f"{d['feeds_live']}/{d['feeds_total']}",
    }
    parts = [" ".join(x for x in ("liq 1h", t["liq_1h"], side, side_pct, t["storm"]) if x)]
    if d["cap_usd"] is not None:
        parts.append(f"cap {t['cap']} {t['cap_pos']} {where}" if cap_state == "inside" else f"cap {t['cap']} {where}")
    if t["bai_symbol"]:
        parts.append(f"BAI {t['bai_symbol']} {t['bai']}")
    line = " | ".join(parts)
    if d["feeds_down"]:
        line = f"feeds down {t['feeds']} live | {line}"
    if d["mode"] != LIVE:
        line = f"{d['mode']} | {line}"
    t["line"] = line
    return t
