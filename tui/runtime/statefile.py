"""The status file: how it is written and read (where it lives: tui/runtime/paths.py).

A running ``liqwatch`` (or ``liqwatch record``) rewrites a small JSON file
each second; ``liqwatch status`` turns it into one line for the tmux status
bar.  tmux runs that command every few seconds, so this module's import path
must stay tiny (os, json, time: no textual, rich, numpy, ccxt, not even
platformdirs on Linux): see ``bench/status.py``.

The file is written to a temporary name in the same directory and renamed
over the old one (``os.replace`` is atomic on POSIX), so a reader never sees
a half-written file.
"""

from __future__ import annotations

import json
import os
import time

from tui.runtime.paths import status_path

__all__ = ["STALE_S", "VERSION", "age_s", "read", "status_path", "write_atomic"]

# Older than this, the line says "stale": the writer rewrites it every second.
STALE_S = 10.0
VERSION = 1


def write_atomic(path: str, data: dict) -> None:
    """Write JSON to a temp file in the same dir, then rename it over ``path``."""
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
    os.replace(tmp, path)


def read(path: str) -> dict | None:
    """The status data, or None when there is no readable status file (missing,
    not JSON, another version, or without a numeric ``written_ms``)."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("v") != VERSION:
        return None
    written = data.get("written_ms")
    if type(written) not in (int, float) or written != written:  # a bool, a string or NaN is not a time
        return None
    return data


def age_s(data: dict, now: float | None = None) -> float:
    """Seconds since the writer last wrote the file."""
    now = time.time() if now is None else now
    return max(0.0, now - data.get("written_ms", 0) / 1000)
