"""Real episodes through the anxiety formulas, as a trader would read them.

    python scripts/validation.py                 # every episode, one line a day
    python scripts/validation.py CASE [CASE ...] # some of them

Each file of tests/data/real/ (and heldout/) is replayed through the engine
(indicators/episodes.py); a day's line holds its close and the highest BAI
and euphoria of its bars, with the floor (or broken floor) and the why of
the bar where BAI peaked.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indicators.episodes import Reading, load, replay  # noqa: E402
from feeds.events import DAY_MS  # noqa: E402

DATA = ROOT / "tests" / "data" / "real"


def episode_paths() -> list[Path]:
    return sorted(DATA.glob("*.json.gz")) + sorted((DATA / "heldout").glob("*.json.gz"))


def case_of(path: Path) -> str:
    return path.name.removesuffix(".json.gz")


def daily(readings: list[Reading]) -> list[tuple[int, Reading, Reading]]:
    """Per UTC day: (day start, the reading with the day's highest BAI, the one with the highest euphoria)."""
    days: dict[int, list[Reading]] = {}
    for r in readings:
        days.setdefault((r.ts - 1) - (r.ts - 1) % DAY_MS, []).append(r)
    return [(d, max(rs, key=lambda r: r.mood.bai), max(rs, key=lambda r: r.mood.euphoria)) for d, rs in days.items()]


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%d")


def print_case(path: Path) -> None:
    ep = load(path)
    print(f"== {case_of(path)} ({ep.symbol}, {len(ep.rows)} bars)")
    for day, b, e in daily(replay(ep)):
        m = b.mood
        print(f"{_day(day)} close {b.close:12.6g}  BAI {m.bai:5.1f} {m.bai_band:<13} floor {m.floor or 0:10.6g} "
              f"{m.floor_age_days or 0:5.1f}d t{m.touches:<2} {m.state:<8} {m.breach_pct:5.1f}%  "
              f"eu {e.mood.euphoria:5.1f} {e.mood.euphoria_band}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="*", help="case names (default: all)")
    args = ap.parse_args(argv)
    paths = episode_paths()
    if args.cases:
        paths = [p for p in paths if case_of(p) in args.cases]
    for path in paths:
        print_case(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
