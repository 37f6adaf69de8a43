"""Reading and writing recordings: JSONL files of events, plain or gzip.

A recording is shared between users and read by ``report``, ``replay`` and the
tests, so the reader is forgiving: a malformed line is reported with its line
number and skipped, unknown types and fields are ignored, and a file cut off
mid-write (a recorder killed with SIGKILL) yields every complete line.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator

from feeds.events import BadEvent, Event, from_dict, to_dict

log = logging.getLogger("liqwatch.recording")

try:
    # Six times faster than json.loads on a recording line, which makes it
    # most of the cost of `liqwatch report`; ccxt depends on it, so it is
    # normally there.  Its JSONDecodeError is json's, so errors read the same.
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - only without ccxt installed
    _loads = json.loads

GZIP_MAGIC = b"\x1f\x8b"

BadLineHandler = Callable[[int, str], None]


def _warn_bad_line(lineno: int, reason: str) -> None:
    log.warning("line %d: %s; skipped", lineno, reason)


@dataclass
class ReadStats:
    """What a read saw: lines, events kept, and the lines it skipped."""

    lines: int = 0
    events: int = 0
    unknown: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)
    truncated: bool = False


def _open_text(path: Path) -> IO[str]:
    """Open plain or gzip by content, not by name: shared files get renamed."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == GZIP_MAGIC:
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


# A gzip member cut off mid-write raises one of these at the end, after every
# line decoded before that point.
_TRUNCATED = (EOFError, zlib.error, gzip.BadGzipFile)


def read_events(
    path: str | os.PathLike[str],
    on_bad_line: BadLineHandler | None = _warn_bad_line,
    stats: ReadStats | None = None,
) -> Iterator[Event]:
    """Yield the events of a recording in file order.

    Blank lines are skipped silently; a line that is not valid JSON or not a
    valid event goes to ``on_bad_line(lineno, reason)`` and is skipped.  A
    final line without its newline is parsed like any other (a recorder
    always ends a write with a newline, so an unterminated tail that fails to
    parse is the torn write of a killed process).  A gzip stream that was
    cut off yields every line before the cut and sets ``stats.truncated``.

    This loop is most of the cost of ``liqwatch report``, so it reads the file
    itself (no generator in between) and only looks at a line twice when it
    fails to parse (a blank line is one that fails and strips to nothing).
    """
    st = stats if stats is not None else ReadStats()
    loads = _loads
    lineno = events = 0
    try:
        with _open_text(Path(path)) as fh:
            try:
                for line in fh:
                    lineno += 1
                    try:
                        ev = from_dict(loads(line))
                    except ValueError as exc:  # json.JSONDecodeError and BadEvent both are
                        if not line.strip():
                            continue
                        reason = str(exc) if isinstance(exc, BadEvent) else f"not valid JSON ({exc.msg})"
                        st.bad.append((lineno, reason))
                        if on_bad_line is not None:
                            on_bad_line(lineno, reason)
                        continue
                    if ev is None:
                        st.unknown += 1
                        continue
                    events += 1
                    yield ev
            except _TRUNCATED:
                st.truncated = True
    finally:
        st.lines = lineno
        st.events += events


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
        self.flush()
        if self._gz is not None:
            self._gz.close()
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
