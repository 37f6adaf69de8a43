"""The demo as the app holds it once its history has loaded, built once per
test process, so that an app test need not replay 78k events to get there."""

from __future__ import annotations

import pickle
from dataclasses import dataclass

from feeds.data import DEMO_RECORDING
from feeds.events import Event, Liquidation
from feeds.recording import read_events
from feeds.replay import INSTANT_BATCH
from indicators.engine import Engine
from tui.format import DEMO
from tui.runtime.config import Config
from tui.runtime.pipeline import Pipeline


@dataclass(frozen=True)
class WarmDemo:
    """The demo's instant part already applied: what the app holds once its
    history has loaded, built once per test process.

    Replaying the 78k events of the instant part costs about 1.5 s of CPU;
    an app test takes a copy of the engine instead (unpickled, about 30 ms:
    each test has its own, so none leaks into the next), the tape as it
    stood, and a replay of the rest of the file, which carries on exactly
    where the full replay would."""

    engine_pickle: bytes
    tape: tuple[Liquidation, ...]
    rest: tuple[Event, ...]

    @classmethod
    def build(cls, config: Config, cut: int) -> WarmDemo:
        """Fed through the pipeline's own ``apply`` in the replay's own
        batches: the calls the app makes, without the event loop, up to the
        instant part's end ``cut``."""
        events = read_events(DEMO_RECORDING)
        pipeline = Pipeline(Engine(config.indicators, watchlist=config.watchlist), [], DEMO)
        rest: list[Event] = []
        batch: list[Event] = []
        for ev in events:
            if ev.ts >= cut:  # the replay's rule: the instant part ends at the first event due at or after cut
                rest.append(ev)
                break
            batch.append(ev)
            if len(batch) >= INSTANT_BATCH:
                pipeline.apply(batch)
                batch = []
        if batch:
            pipeline.apply(batch)
        rest.extend(events)
        engine = pickle.dumps(pipeline.engine, protocol=pickle.HIGHEST_PROTOCOL)
        return cls(engine, tuple(pipeline.tape), tuple(rest))

    def engine(self) -> Engine:
        return pickle.loads(self.engine_pickle)


_warm_demos: dict[str, WarmDemo] = {}


def warm_demo(config: Config, cut: int) -> WarmDemo:
    """The warm demo for this config's engine (indicator parameters and
    watchlist) with its instant part ending at ``cut``, built on first use."""
    key = repr((config.indicators, config.watchlist, cut))
    if key not in _warm_demos:
        _warm_demos[key] = WarmDemo.build(config, cut)
    return _warm_demos[key]
