"""Reading a big recording in a second process, while this one replays it.

``liqwatch report`` spends about as long parsing a recording's lines (JSON,
then the checks of each event) as running them through the indicators.  On
a machine with a second core, a child process does the reading, with
``read_events`` itself, and hands the events over in chunks; the replay
then only unpacks them.  The events, the bad lines (with their numbers, in
order) and the read statistics are exactly those of ``read_events``.

Events cross the pipe as plain tuples in ``marshal`` format (both ends are
this same Python): the cheapest form to pack and unpack, and a tuple
becomes its event type again with one C call.
"""

from __future__ import annotations

import marshal
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO, Iterator

from feeds.events import EVENT_TYPES, Event
from feeds.recording import BadLineHandler, ReadStats, _warn_bad_line, read_events

# Below this size a second process costs more to start than it saves.
MIN_BYTES = 16 * 2**20
CHUNK = 8192  # events per message
_CODE = {cls: i for i, cls in enumerate(EVENT_TYPES)}
_new = tuple.__new__
_HEAD = struct.Struct("<I")  # the length of each marshalled message


class ReaderFailed(RuntimeError):
    """The reader process died or failed other than with an OSError."""


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def read_events_ahead(path: str | os.PathLike[str], on_bad_line: BadLineHandler | None = _warn_bad_line,
                      stats: ReadStats | None = None, min_bytes: int = MIN_BYTES) -> Iterator[Event]:
    """``read_events``, with the reading done in a child process when the
    file is at least ``min_bytes`` and this machine has a second core.

    The child is this module run as a script (``python -m``), not a
    multiprocessing child: that would re-import the caller's main module,
    which a script without a ``__main__`` guard does not survive."""
    st = stats if stats is not None else ReadStats()
    if os.path.getsize(path) < min_bytes or _cores() < 2:
        yield from read_events(path, on_bad_line, st)
        return
    # The child imports the same liqwatch as this process, installed or not.
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
    child = subprocess.Popen([sys.executable, "-m", "feeds.readahead", os.fspath(path)], stdout=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, env=env)
    assert child.stdout is not None
    inbox = child.stdout
    classes = EVENT_TYPES.__getitem__
    try:
        while True:
            head = inbox.read(_HEAD.size)
            if len(head) < _HEAD.size:
                raise ReaderFailed(f"the reader process ended unexpectedly (exit {child.wait()})")
            msg = marshal.loads(inbox.read(_HEAD.unpack(head)[0]))
            if msg[0] == "events":
                _, kinds, rows, bad = msg
                for lineno, reason in bad:
                    st.bad.append((lineno, reason))
                    if on_bad_line is not None:
                        on_bad_line(lineno, reason)
                yield from map(_new, map(classes, kinds), rows)
            elif msg[0] == "end":
                _, st.lines, events, st.unknown, st.truncated = msg
                st.events += events
                return
            else:
                _, errno, strerror, filename, text = msg
                if errno is not None:
                    raise OSError(errno, strerror, filename)
                raise ReaderFailed(text)
    finally:
        inbox.close()
        if child.poll() is None:  # the replay stopped early: the reader has nobody to talk to
            child.terminate()
        child.wait()


def _send(out: BinaryIO, msg: tuple) -> None:
    data = marshal.dumps(msg)
    out.write(_HEAD.pack(len(data)))
    out.write(data)


def _read_into(path: str, out: BinaryIO) -> None:
    """The child: read the recording and send it on, chunk by chunk."""
    bad: list[tuple[int, str]] = []
    st = ReadStats()
    kinds = bytearray()
    rows: list[tuple] = []
    code = _CODE
    try:
        for ev in read_events(path, on_bad_line=lambda lineno, reason: bad.append((lineno, reason)), stats=st):
            kinds.append(code[type(ev)])
            rows.append(tuple(ev))
            if len(rows) == CHUNK:
                _send(out, ("events", bytes(kinds), rows, bad))
                kinds.clear()
                rows.clear()
                bad.clear()
        _send(out, ("events", bytes(kinds), rows, bad))
        _send(out, ("end", st.lines, st.events, st.unknown, st.truncated))
    except OSError as exc:
        _send(out, ("error", exc.errno, exc.strerror, exc.filename, str(exc)))
    except Exception as exc:  # noqa: BLE001 - any failure is reported to the parent, which raises it
        _send(out, ("error", None, None, None, f"{type(exc).__name__}: {exc}"))
    out.flush()


if __name__ == "__main__":
    try:
        _read_into(sys.argv[1], sys.stdout.buffer)
    except BrokenPipeError:  # the parent stopped reading
        pass
