"""The app's log: a file under the state dir, never the terminal.

The TUI owns the terminal, so a warning logged while it runs ("feed gate
failed ...") must not be written there: Python's last-resort handler would
print it on stderr, over the screen, and it would stay on the terminal after
exit.  ``log_to_file`` sends every record (and Python warnings, numpy's
included) to a small rotating file instead: ``--log-file`` or
``<state dir>/liqwatch.log``.
"""

from __future__ import annotations

import logging
import logging.handlers
import os

MAX_BYTES = 1 << 20  # a file stays small: three of them at most
BACKUPS = 2
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_to_file(path: str) -> None:
    """Route every log record to ``path`` (created with its folder); raises
    OSError when it cannot be written, before the screen is taken."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
