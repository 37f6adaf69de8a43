"""Events on the wire: a subject per (type, exchange), the recording's JSON
line as the payload, and a stable message id.

The payload is exactly a recording line (feeds/recording.py ``dumps``), and
it is read back with the recording's decoders: a stream written by a newer
liqwatch (an unknown field or type) is read forward-compatibly, and a bad
message is reported and skipped, as a bad line is.

The message id (``Nats-Msg-Id``) is a digest of that line: the same event
always has the same id, in any process and after any restart, so JetStream
stores an event resent within its duplicate window once.  An event is its
fields (the NamedTuple is its own key, as feeds/venues/dedupe.py uses it); a
digest of its canonical line is that key made stable across processes, which
Python's salted ``hash`` is not.
"""

from __future__ import annotations

import hashlib
import re
from typing import Sequence

from feeds.events import Event
from feeds.recording import dumps

MSG_ID = "Nats-Msg-Id"
_NOT_A_TOKEN = re.compile(r"[^A-Za-z0-9_-]")
_ID_BYTES = 16


def token(name: str) -> str:
    """A subject token for a name: NATS tokens hold no dots, spaces or wildcards."""
    return _NOT_A_TOKEN.sub("_", name) or "_"


def subject(prefix: str, ev: Event) -> str:
    """``<prefix>.<type>.<exchange>``; a market-cap sample's source and a
    status's feed stand where the exchange is (each event's second field)."""
    return f"{prefix}.{ev.KIND}.{token(ev[1])}"


def stream_subjects(prefix: str) -> list[str]:
    """What the stream captures: exactly three tokens, so the collector's
    heartbeat (two tokens, see ``heartbeat_subject``) stays out of it."""
    return [f"{prefix}.*.*"]


def heartbeat_subject(prefix: str) -> str:
    """Core NATS (not stored): the collector says it is alive every second."""
    return f"{prefix}.heartbeat"


def msg_id(payload: bytes) -> str:
    return hashlib.blake2b(payload, digest_size=_ID_BYTES).hexdigest()


def encode(prefix: str, batch: Sequence[Event]) -> list[tuple[str, bytes, str]]:
    """(subject, payload, message id) for each event, in order."""
    out = []
    for ev in batch:
        payload = dumps(ev).encode("utf-8")
        out.append((subject(prefix, ev), payload, msg_id(payload)))
    return out
