"""An advisory lock on a file of the state dir, taken without waiting.

The status file and the history each have one writer among the instances
that share a state dir: the holder of an ``flock`` on ``<file>.lock``.  The
kernel releases it when its process ends, however it ends (SIGKILL
included), so a waiting instance can always take over.
"""

from __future__ import annotations

import fcntl
import os
from typing import IO


class FileLock:
    def __init__(self, path: str) -> None:
        self.path = path
        self._fh: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._fh is not None

    def acquire(self) -> bool:
        """Take the lock if it is free (never waits); True while this holds it."""
        if self._fh is not None:
            return True
        try:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            fh = open(self.path, "a")
        except OSError:
            return False
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return False
        self._fh = fh
        return True

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()  # closing the file releases the flock
            self._fh = None
