"""The ``[bus]`` settings: where the NATS server is, the stream, its limits
and the credentials.

Plain data, light at import (the config loader reads it for every command).
Credentials live in ``user`` / ``password`` (or the environment) or a creds
file, never in the URL: a URL is shown (status line, logs, ``ps``), so one
holding a password is refused, and ``safe_url`` strips one anyway.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from typing import ClassVar
from urllib.parse import urlsplit, urlunsplit

from feeds.settings import check_ranges

#: Read when ``password`` is empty, so a secret need not sit in the config file.
PASSWORD_ENV = "LIQWATCH_BUS_PASSWORD"
URL_SCHEMES = ("nats", "tls")
DEFAULT_URL = "nats://127.0.0.1:4222"
_STREAM_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
MAX_REPLICAS = 5


class BusUrlError(ValueError):
    """A bus URL that cannot name a NATS server."""


def split_urls(url: str) -> list[str]:
    """The servers of a bus URL: one, or a comma-separated cluster list
    (``nats://a:4222,nats://b:4222``); raise ``BusUrlError`` for a bad one."""
    servers = [u.strip() for u in url.split(",") if u.strip()]
    if not servers:
        raise BusUrlError("no server given")
    for server in servers:
        try:
            parts = urlsplit(server)
            port = parts.port
        except ValueError as exc:
            raise BusUrlError(f"{_strip(server)}: {exc}") from None
        if parts.scheme not in URL_SCHEMES or not parts.hostname:
            raise BusUrlError(f"{_strip(server)}: expected nats://HOST:PORT (or tls://HOST:PORT)")
        if parts.username or parts.password:
            raise BusUrlError(f"{_strip(server)}: credentials go in [bus] user and password (or creds), "
                              "never in the URL")
        if port is None:
            raise BusUrlError(f"{_strip(server)}: the port is missing (NATS listens on 4222 by default)")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise BusUrlError(f"{_strip(server)}: a NATS URL has no path, query or fragment")
    return servers


def _strip(server: str) -> str:
    """One server URL without its user and password."""
    try:
        parts = urlsplit(server)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<unparsable URL>"
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return urlunsplit((parts.scheme, netloc, "", "", ""))


def safe_url(url: str) -> str:
    """The bus URL as it may be shown: every user and password removed."""
    return ",".join(_strip(u.strip()) for u in url.split(",") if u.strip())


@dataclass
class BusSettings:
    """How to reach the desk's NATS server and what the stream keeps."""

    url: str = DEFAULT_URL
    # The JetStream stream; its subjects are ``<stream in lower case>.<type>.<exchange>``.
    stream: str = "LIQWATCH"
    # What the stream keeps: events older than this, or beyond this size, are dropped oldest first.
    retention_hours: float = 48.0
    max_bytes: int = 4 * 1024**3
    # Copies of each event in a cluster (1 for one server, 3 for a three-node cluster).
    replicas: int = 1
    # A resent event (same Nats-Msg-Id) within this window is stored once.
    duplicate_window_s: float = 120.0
    # Credentials: user and password (or $LIQWATCH_BUS_PASSWORD), or a NATS creds file.
    user: str = ""
    password: str = ""
    creds: str = ""

    @property
    def subject_prefix(self) -> str:
        return self.stream.lower()

    def secret(self) -> str:
        """The password: the config's, else the environment's."""
        return self.password or os.environ.get(PASSWORD_ENV, "")

    # Retention at least 26 h: viewers warm-start from the last 26 hours; at
    # least 1 MiB (1048576) of stream.
    RANGES: ClassVar[dict[str, str]] = {
        "retention_hours": "[26, 87600]",
        "max_bytes": "[1048576, 1e15]",
        "replicas": f"[1, {MAX_REPLICAS}]",
        "duplicate_window_s": "(0, 86400]",
    }

    def validate(self) -> dict[str, str]:
        errors = check_ranges(self, self.RANGES)
        try:
            split_urls(self.url)
        except BusUrlError as exc:
            errors["url"] = str(exc)
        if not _STREAM_NAME.match(self.stream):
            errors["stream"] = "must be letters, digits, '_' or '-'"
        if not errors.keys() & {"duplicate_window_s", "retention_hours"} and \
                self.duplicate_window_s > self.retention_hours * 3600:
            errors["duplicate_window_s"] = "must be within the retention"
        if self.creds and (self.user or self.password):
            errors["creds"] = "give either a creds file or a user and password, not both"
        if self.password and not self.user:
            errors["password"] = "a password needs a user"
        return errors

    def with_url(self, url: str | None) -> BusSettings:
        """These settings with the command line's ``--bus URL`` laid over them."""
        return self if not url else replace(self, url=url)
