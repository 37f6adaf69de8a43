"""The demo read bar by bar: FROG's slide is numb, its floor holds quietly, its break
fears zero; ZEC's surge is greedy (the article's story, as the mood pane shows it)."""

from __future__ import annotations

import pytest

from feeds.data import DEMO_RECORDING, demo_metadata
from feeds.events import HOUR_MS, Candle
from feeds.recording import read_events
from indicators.engine import Engine

META = demo_metadata()
FROG = META["frog"]["symbol"]
ZEC = META["zec"]["symbol"]


@pytest.fixture(scope="module")
def moods():
    """(bar close, FROG mood, ZEC mood) after every FROG candle."""
    e = Engine()
    out = []
    for ev in read_events(DEMO_RECORDING):
        e.apply(ev)
        if type(ev) is Candle and ev.symbol == FROG and ZEC in e.series:
            t = ev.ts + HOUR_MS
            out.append((t, e.series[FROG].mood(t), e.series[ZEC].mood(t)))
    return out


def test_frog_slides_numb_holds_its_floor_and_fears_zero_at_the_break(moods):
    floor_set, brk = META["frog"]["floor_set_ts"], META["frog"]["break_bar"]
    assert max(f.bai for t, f, _z in moods if t <= floor_set) < 20
    assert max(f.bai for t, f, _z in moods if floor_set < t <= brk) < 50
    at_break = max((f for t, f, _z in moods if brk < t <= brk + 2 * HOUR_MS), key=lambda f: f.bai)
    assert at_break.bai >= 75 and at_break.floor == pytest.approx(META["frog"]["floor"])


def test_zec_is_greedy_at_its_high(moods):
    peak = META["zec"]["peak_ts"]
    assert max(z.euphoria for t, _f, z in moods if abs(t - peak) <= 12 * HOUR_MS) >= 75
