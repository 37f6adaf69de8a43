"""Where liqwatch keeps things: the config file and user themes (config
dir), the status file, the history and the log (state dir).

One home, so that the app, the companion commands and the tests agree on
every path.  ``liqwatch status`` goes through ``state_dir`` on every call,
so this module imports only ``os`` and ``sys`` (platformdirs only where the
platform needs it, never on Linux): see ``bench/status.py``.
"""

from __future__ import annotations

import os
import sys

APP_NAME = "liqwatch"
STATE_DIR_ENV = "LIQWATCH_STATE_DIR"
CONFIG_ENV = "LIQWATCH_CONFIG"
STATUS_NAME = "status.json"
HISTORY_NAME = "history.sqlite3"
LOG_NAME = "liqwatch.log"


def state_dir() -> str:
    """The platform state dir (``platformdirs.user_state_dir``), or $LIQWATCH_STATE_DIR.

    On Linux the XDG rule is applied directly, because importing platformdirs
    costs more than the whole status command may take; a test checks that
    both give the same path.  Elsewhere platformdirs decides.
    """
    env = os.environ.get(STATE_DIR_ENV, "").strip()
    if env:
        return os.path.expanduser(env)
    if sys.platform == "linux" and not os.environ.get("ANDROID_DATA"):
        base = os.environ.get("XDG_STATE_HOME", "").strip() or os.path.expanduser("~/.local/state")
        return os.path.join(base, APP_NAME)
    import platformdirs

    return platformdirs.user_state_dir(APP_NAME)


def status_path() -> str:
    return os.path.join(state_dir(), STATUS_NAME)


def history_path() -> str:
    return os.path.join(state_dir(), HISTORY_NAME)


def log_path() -> str:
    """Where the app's log lines go (its screen is the terminal's)."""
    return os.path.join(state_dir(), LOG_NAME)


def config_dir() -> str:
    import platformdirs

    return platformdirs.user_config_dir(APP_NAME)


def default_config_path() -> str:
    return os.path.join(config_dir(), "config.toml")


def user_themes_dir() -> str:
    """Where users put their own theme files."""
    return os.path.join(config_dir(), "themes")
