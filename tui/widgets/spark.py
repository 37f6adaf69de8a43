"""Sparklines: a series from the indicators drawn as one line of eighth blocks.

A line-rendered strip rather than Textual's ``Sparkline``: the panes are
Rich renderables inside a Static, the scale must be one the pane chooses (the
cap range's band, the 0-100 of a score) rather than the data's own min and
max, a gap in the data must stay a gap, and a pane marks one cell of it (the
LVR's peak) by its column.  The series come from the snapshot as one value
per time bucket; here they are only fitted to the cells there are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

TICKS = "▁▂▃▄▅▆▇█"
GAP = " "

Fold = Callable[[list[float]], float]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


FOLDS: dict[str, Fold] = {"max": max, "mean": _mean, "last": lambda v: v[-1]}


def fit(values: Sequence[float | None], width: int, fold: str = "max") -> list[float | None]:
    """The series in at most ``width`` cells: consecutive buckets grouped, the
    newest group ending with the newest bucket, each group folded (its
    highest, its mean or its last known value); a group without any value
    stays a gap."""
    n = len(values)
    if width <= 0 or n == 0:
        return []
    if n <= width:
        return list(values)
    fn = FOLDS[fold]
    out: list[float | None] = []
    for cell in range(width):
        # Cell c takes buckets [n*c/width, n*(c+1)/width): every bucket once, the last cell the newest.
        group = [v for v in values[n * cell // width:n * (cell + 1) // width] if v is not None]
        out.append(fn(group) if group else None)
    return out


def cell_of(index: int, n: int, width: int) -> int:
    """The cell that ``fit`` puts bucket ``index`` of ``n`` in."""
    if n <= width:
        return index
    # The last cell c with n*c // width <= index.
    return (index * width + width - 1) // n


def strip(values: Sequence[float | None], low: float, high: float) -> str:
    """One block per value, its height its place in [low, high] in eighths
    (beyond the scale: the first or last block), a gap where no value is."""
    span = high - low
    top = len(TICKS) - 1
    cells = []
    for v in values:
        if v is None:
            cells.append(GAP)
        elif span <= 0:
            cells.append(TICKS[0])
        else:
            cells.append(TICKS[min(top, max(0, int((v - low) / span * top + 0.5)))])
    return "".join(cells)
