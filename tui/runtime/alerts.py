"""Alerts: rules from config, evaluated on each snapshot, with cooldown and hysteresis.

The rule book is plain logic over snapshots (no Textual), so it is tested
directly; the app turns what it returns into a toast, the bell, a desktop
notification by terminal escape, and optionally ``alert_command``.

Why both cooldown and hysteresis: a level hovering around its threshold
would otherwise fire on every wobble.  A rule re-arms only once its value has
fallen back below ``rearm_fraction`` of the threshold (hysteresis), and never
fires twice within ``cooldown_minutes`` (cooldown).
"""

from __future__ import annotations

import logging
import subprocess
from dataclasses import dataclass, field
from typing import ClassVar, Iterable, Sequence

from feeds.events import Liquidation
from feeds.settings import check_ranges
from indicators.snapshot import Snapshot
from tui.format import money

log = logging.getLogger("liqwatch.alerts")


@dataclass
class AlertSettings:
    """[alerts] in config.  A threshold of 0 turns its rule off."""

    liq_1h_usd: float = 500e6  # observed 1h liquidations at least this
    single_usd: float = 10e6  # one liquidation at least this
    storm: bool = True  # a storm hour (DESIGN.md, indicator 1)
    cap_break: bool = True  # the market cap leaves its range
    bai: float = 75.0  # bottom anxiety at least this, per symbol
    cooldown_minutes: float = 30.0
    rearm_fraction: float = 0.8
    bell: bool = True
    desktop: bool = True  # OSC 9 and OSC 777 notifications
    # A program to run per alert, as an argument list (never through a shell);
    # the alert's title and message are appended as the last two arguments.
    command: list[str] = field(default_factory=list)

    # BAI is 0-100; a cooldown stops at a week.
    RANGES: ClassVar[dict[str, str]] = {
        "liq_1h_usd": "[0, 1e15]",
        "single_usd": "[0, 1e15]",
        "bai": "[0, 100]",
        "cooldown_minutes": "[0, 10080]",
        "rearm_fraction": "(0, 1]",
    }

    def validate(self) -> dict[str, str]:
        return check_ranges(self, self.RANGES)


@dataclass(frozen=True)
class Alert:
    key: str  # the rule and its subject, e.g. "bai:FROG/USDT:USDT"
    title: str
    message: str
    ts: int  # ms on the data clock


@dataclass
class _RuleState:
    armed: bool = True
    last_fired: int | None = None


class AlertBook:
    """Evaluates the rules and remembers what fired (the alerts screen lists it)."""

    def __init__(self, settings: AlertSettings) -> None:
        self.settings = settings
        self.history: list[Alert] = []
        self._state: dict[str, _RuleState] = {}

    def _cooled(self, key: str, now: int) -> bool:
        """True (and the cooldown restarts) unless ``key`` fired within the cooldown."""
        st = self._state.setdefault(key, _RuleState())
        if st.last_fired is not None and now - st.last_fired < self.settings.cooldown_minutes * 60_000:
            return False
        st.last_fired = now
        return True

    def _check(self, key: str, value: float, threshold: float, now: int) -> bool:
        """True when a level rule should fire now: over threshold, armed, out of cooldown.

        A single liquidation is an event, not a level, so it only has the cooldown.
        """
        st = self._state.setdefault(key, _RuleState())
        if value < threshold * self.settings.rearm_fraction:
            st.armed = True
            return False
        if value < threshold or not st.armed or not self._cooled(key, now):
            return False
        st.armed = False
        return True

    def evaluate(self, snap: Snapshot, new_liquidations: Iterable[Liquidation] = ()) -> list[Alert]:
        s = self.settings
        now = snap.as_of
        fired: list[Alert] = []
        one_hour = snap.liquidations.window("1h")
        if s.liq_1h_usd > 0 and one_hour is not None:
            if self._check("liq_1h", one_hour.total_usd, s.liq_1h_usd, now):
                fired.append(
                    Alert("liq_1h", "Liquidations", f"{money(one_hour.total_usd)} observed in the last hour", now)
                )
        if s.single_usd > 0:
            largest = max(new_liquidations, key=lambda e: e.usd, default=None)
            if largest is not None and largest.usd >= s.single_usd and self._cooled("single", now):
                side = "long" if largest.side == "long" else "short"
                fired.append(
                    Alert("single", "Large liquidation",
                          f"{money(largest.usd)} {side} {largest.symbol} on {largest.exchange}", now)
                )
        storm = snap.liquidations.storm
        stormy = self._check("storm", float(storm is not None), 1.0, now) if s.storm else False
        if stormy and storm is not None:
            mult = f", {storm.multiple:.1f}x baseline" if storm.multiple else ""
            fired.append(Alert("storm", "Liquidation storm", f"{money(storm.total_usd)} this hour{mult}", now))
        cap = snap.cap
        if s.cap_break and cap is not None:
            outside = 1.0 if cap.state in ("above", "below") else 0.0
            if self._check("cap_break", outside, 1.0, now):
                where = "above" if cap.state == "above" else "below"
                fired.append(
                    Alert("cap_break", "Market cap", f"{money(cap.usd)} broke {where} its range {money(cap.low)}-{money(cap.high)}", now)
                )
        if s.bai > 0:
            for mood in snap.moods:
                if self._check(f"bai:{mood.symbol}", mood.bai, s.bai, now):
                    fired.append(
                        Alert(f"bai:{mood.symbol}", "Bottom anxiety", f"{mood.symbol} BAI {mood.bai:.0f} ({mood.bai_band})", now)
                    )
        self.history.extend(fired)
        return fired


def _osc(body: str, in_tmux: bool) -> str:
    seq = f"\x1b]{body}\x07"
    if in_tmux:
        # tmux passthrough: wrap in DCS and double every ESC inside.
        return "\x1bPtmux;" + seq.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return seq


def desktop_escapes(title: str, message: str, in_tmux: bool) -> str:
    """OSC 9 (iTerm2, WezTerm, kitty, Windows Terminal) and OSC 777 (VTE, foot,
    Ghostty): terminals ignore the one they do not know."""
    clean_title = title.replace(";", ",").replace("\x07", "").replace("\x1b", "")
    clean_msg = message.replace(";", ",").replace("\x07", "").replace("\x1b", "")
    return _osc(f"9;{clean_title}: {clean_msg}", in_tmux) + _osc(f"777;notify;{clean_title};{clean_msg}", in_tmux)


def run_command(argv: Sequence[str], alert: Alert) -> subprocess.Popen | None:
    """Start ``alert_command`` without a shell; failures are logged, not raised."""
    if not argv:
        return None
    try:
        return subprocess.Popen(
            [*argv, alert.title, alert.message],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        log.warning("alert command %s failed: %s", argv[0], exc)
        return None
