"""The app's actions: one list that makes the key bindings, the key list (``?``)
and the command palette (``ctrl+p``).

Three hand-kept lists drifted: the palette lost the replay actions while the
README promised it had every key's.  Here each action is written once, with
its key and its words; a test holds that every binding is in the palette.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from textual.binding import Binding

# Number keys show or collapse panes, in screen order: (key, pane id, title).
PANES = (
    ("1", "tape-pane", "Tape"),
    ("2", "totals", "Totals"),
    ("3", "hourly", "Hourly bars"),
    ("4", "leverage", "Leverage"),
    ("5", "cap", "Market cap"),
    ("6", "mood", "Mood board"),
)

PALETTE_KEY = "ctrl+p"


@dataclass(frozen=True)
class Key:
    """One action: its keys (Textual names, comma separated), the action string,
    and its title (the key list's words and the palette's command)."""

    keys: str
    action: str
    title: str
    display: str = ""  # how the key is written when its name is not ("?" for question_mark)
    detail: str = ""  # the palette's second line
    group: str = ""  # keys that share one row of the key list (see GROUPS)

    @property
    def shown(self) -> str:
        return self.display or self.keys.split(",")[0]


# Rows of the key list that stand for several keys: group -> (keys, words).
GROUPS = {
    "speed": ("+ / -", "Replay speed, 1x to 300x"),
    "scroll": ("j / k", "Scroll the tape or focused pane"),
    # Every pane's title starts with its number.
    "panes": ("1-6", "Show / collapse the pane of that number"),
}

KEYS: tuple[Key, ...] = (
    Key("q", "quit", "Quit"),
    Key("question_mark", "help", "List the keys", display="?", detail="every key and what it does"),
    Key("space", "pause_tape", "Pause / resume the tape", detail="arrivals are counted while paused"),
    # "/" as well: what most terminal programs filter or search with.
    Key("f,slash", "filter", "Filter the tape", display="f or /", detail="minimum size, venues, side, symbol"),
    Key("t", "next_theme", "Next theme", detail="liqwatch's themes and yours"),
    Key("c", "compact", "Compact rows"),
    Key("a", "alerts", "Past alerts"),
    Key("p", "replay_pause", "Replay: pause / resume", detail="a replay or the demo"),
    Key("plus,equals_sign", "replay_speed(1)", "Replay speed: faster", display="+", detail="up to 300x", group="speed"),
    Key("minus", "replay_speed(-1)", "Replay speed: slower", display="-", detail="down to 1x", group="speed"),
    Key("j", "scroll(1)", "Scroll down", group="scroll"),
    Key("k", "scroll(-1)", "Scroll up", group="scroll"),
    *(
        Key(key, f"toggle_pane('{pane}')", f"Show / collapse {title}", detail=f"pane {key}", group="panes")
        for key, pane, title in PANES
    ),
)


def bindings() -> list[Binding]:
    """The app's BINDINGS."""
    return [Binding(k.keys, k.action, k.title, key_display=k.display or None) for k in KEYS]


def help_rows() -> Iterator[tuple[str, str]]:
    """(keys, words) for the key list: one row per action, one per group."""
    seen: set[str] = set()
    for k in KEYS:
        if not k.group:
            yield k.shown, k.title
        elif k.group not in seen:
            seen.add(k.group)
            yield GROUPS[k.group]
    yield PALETTE_KEY, "Command palette: all of the above"
