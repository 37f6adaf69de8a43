"""Connecting to the desk's NATS server, and the stream's shape.

One place for what both ends need: the client options (credentials, short
timeouts, a few quick reconnects of the library's own before giving up to
the caller's backoff), the errors in words, and the stream created when
missing.  Failures are split the way a trader acts on them: a bad URL or
refused credentials is a mistake to fix (``BusConfigError``: the CLI exits 2);
a server that cannot be reached is weather (``BusDown``: show it, retry).
Neither message ever holds a credential.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig

from feeds.bus.settings import BusSettings, BusUrlError, safe_url, split_urls
from feeds.bus.wire import stream_subjects

log = logging.getLogger("liqwatch.bus")

CONNECT_TIMEOUT_S = 2.0
# The library's own quick retries (per server) before a caller's backoff
# takes over: a blip or a cluster node going away is ridden out unseen.
QUICK_RECONNECTS = 1
RECONNECT_WAIT_S = 0.2
# JetStream API calls (stream info, create) on loopback or a LAN.
API_TIMEOUT_S = 5.0
# Pings find a dead connection (a server killed, a cable pulled) within a
# few intervals instead of the library's two minutes.
PING_INTERVAL_S = 5


class BusError(Exception):
    """Something about the bus went wrong; the message is fit for a person."""


class BusConfigError(BusError):
    """A mistake to fix (bad URL, refused credentials): retrying will not help."""


class BusDown(BusError):
    """The server cannot be reached (or lost): show it and retry with backoff."""


async def connect(settings: BusSettings, name: str, lost: asyncio.Event) -> Client:
    """A connected client, or ``BusConfigError`` / ``BusDown`` in words.

    ``lost`` is set when the connection drops.  The library's own reconnects
    only serve the first connect (trying each server of a cluster list):
    after a drop the caller closes the client and connects again, with its
    own backoff, from where it had got to, so that it, not the library, knows
    what was delivered and what must be sent again."""
    try:
        servers = split_urls(settings.url)
    except BusUrlError as exc:
        raise BusConfigError(f"bad bus URL: {exc}") from None
    where = safe_url(settings.url)
    errors: list[BaseException] = []

    async def on_error(exc: Exception) -> None:
        errors.append(exc)
        del errors[:-4]
        log.debug("bus %s: %s", where, type(exc).__name__)

    options: dict[str, Any] = {}
    if settings.creds:
        if not os.path.isfile(settings.creds):
            raise BusConfigError(f"bus creds file not found: {settings.creds}")
        options["user_credentials"] = settings.creds
    elif settings.user:
        options["user"] = settings.user
        options["password"] = settings.secret()
    async def on_lost() -> None:
        lost.set()

    try:
        return await nats.connect(
            servers,
            name=name,
            connect_timeout=CONNECT_TIMEOUT_S,
            allow_reconnect=True,
            max_reconnect_attempts=QUICK_RECONNECTS,
            reconnect_time_wait=RECONNECT_WAIT_S,
            ping_interval=PING_INTERVAL_S,
            flush_timeout=API_TIMEOUT_S,
            error_cb=on_error,
            disconnected_cb=on_lost,
            closed_cb=on_lost,
            **options,
        )
    except (nats.errors.Error, OSError, asyncio.TimeoutError) as exc:
        if any(_refused(e) for e in (*errors, exc)):
            raise BusConfigError(f"the bus at {where} refused the credentials (check [bus] user, password or creds)") \
                from None
        raise BusDown(f"cannot reach the bus at {where}") from None


def _refused(exc: BaseException) -> bool:
    """The server said no to the credentials (it words it as an -ERR line)."""
    text = str(exc).lower()
    return isinstance(exc, nats.errors.AuthorizationError) or "authorization" in text or "authentication" in text


def stream_config(settings: BusSettings) -> StreamConfig:
    return StreamConfig(
        name=settings.stream,
        subjects=stream_subjects(settings.subject_prefix),
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=settings.retention_hours * 3600,
        max_bytes=settings.max_bytes,
        discard=DiscardPolicy.OLD,
        num_replicas=settings.replicas,
        duplicate_window=settings.duplicate_window_s,
    )


async def ensure_stream(js: JetStreamContext, settings: BusSettings) -> None:
    """Create the stream when missing; bring its limits to the config's when
    they differ (a trader who changes the retention expects it to apply)."""
    want = stream_config(settings)
    try:
        info = await js.stream_info(settings.stream)
    except nats.js.errors.NotFoundError:
        await js.add_stream(want)
        log.info("created stream %s (%g h, %d bytes, %d replica(s))", settings.stream, settings.retention_hours,
                 settings.max_bytes, settings.replicas)
        return
    have = info.config
    limits = ("subjects", "max_age", "max_bytes", "num_replicas", "duplicate_window")
    if any(getattr(have, k) != getattr(want, k) for k in limits):
        try:
            await js.update_stream(want)
            log.info("stream %s updated to the configured limits", settings.stream)
        except nats.js.errors.APIError as exc:
            log.warning("stream %s keeps its limits: %s", settings.stream, exc.description or exc)


async def stream_last_seq(js: JetStreamContext, settings: BusSettings) -> tuple[int, int]:
    """(first, last) sequence the stream holds now; ``BusDown`` when there is no stream yet."""
    try:
        info = await js.stream_info(settings.stream)
    except nats.js.errors.NotFoundError:
        raise BusDown(f"no stream {settings.stream} on the bus yet: start `liqwatch collect --bus URL`") from None
    return info.state.first_seq, info.state.last_seq
