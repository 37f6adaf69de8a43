"""Open a ccxt.pro exchange whose raw frames come to liqwatch first.

ccxt 4.5 watchers lose data that liqwatch needs (DESIGN.md, "Exchange
facts"): frames that arrive in one tick collapse into one ``newUpdates``
result, OKX keeps only ``details[0]``, and a frame that starts like JSON but
does not parse raises inside the receive loop's callback, which silently
ends that connection's receive loop.  So the exchange is subclassed:

* the client's text handler decodes each frame itself (gunzipping it where
  the venue compresses, HTX) and reports a frame that does not decode
  instead of dying on it;
* ``handle_message`` offers every decoded frame to the feed's sink first; a
  liquidation frame stops there and never reaches ccxt's own handler.

Everything else (connecting, subscribing, pings and pongs, markets, REST)
stays ccxt's.  This module imports ccxt, so only feed code that is already
running imports it (the TUI paints before ccxt loads).
"""

from __future__ import annotations

import functools
import zlib
from typing import Any, Callable, Mapping

import ccxt.pro as ccxt_pro

from feeds.settings import ExchangeSettings
from feeds.venues.urls import replace_path, rewrite_origins

# The parser ccxt's own client uses (orjson is a dependency of ccxt 4.5).
from orjson import loads as _loads

#: ``sink(message) -> bool``: True when the feed consumed the frame.
FrameSink = Callable[[Any], bool]
#: ``bad(frame, error)``: a frame that could not be decoded or handled.
BadFrame = Callable[[Any, BaseException], None]
#: ``control(text) -> bool``: a non-JSON text frame the venue really sends ("pong").
ControlText = Callable[[str], bool]

_HOOKED: dict[type, type] = {}
#: ``zlib.decompress`` wbits for a gzip stream (faster than ``gzip.decompress``).
_GZIP = 16 + zlib.MAX_WBITS


def _decode_and_dispatch(client: Any, bad: BadFrame, data: Any) -> None:
    if isinstance(data, bytes) and client.liqwatch_gunzip:
        try:
            data = zlib.decompress(data, _GZIP)
        except zlib.error as exc:
            bad(data, exc)
            return
    if isinstance(data, bytes) and client.decompressBinary:
        try:
            data = data.decode()
        except UnicodeDecodeError as exc:
            bad(data, exc)
            return
    if isinstance(data, str) and len(data) >= 2 and data[0] in "{[":
        try:
            data = _loads(data)
        except ValueError as exc:
            bad(data, exc)
            return
    client.on_message_callback(client, data)


def _hooked(base: type) -> type:
    cls = _HOOKED.get(base)
    if cls is not None:
        return cls

    class Hooked(base):  # type: ignore[misc, valid-type]
        liqwatch_sink: FrameSink
        liqwatch_bad: BadFrame
        liqwatch_control: ControlText

        def client(self, url: str) -> Any:
            client = super().client(url)
            if not getattr(client, "liqwatch_hooked", False):
                # ccxt gunzips before the text handler, where a bad frame
                # would end the receive loop: the hook does it instead.
                client.liqwatch_gunzip, client.gunzip = client.gunzip, False
                client.handle_text_or_binary_message = functools.partial(
                    _decode_and_dispatch, client, self.liqwatch_bad
                )
                client.liqwatch_hooked = True
            return client

        def handle_message(self, client: Any, message: Any) -> None:
            if self.liqwatch_sink(message):
                return
            if not isinstance(message, (dict, list)) and not self.liqwatch_control(message):
                self.liqwatch_bad(message, ValueError("not a JSON frame"))
                return
            try:
                super().handle_message(client, message)
            except Exception as exc:  # ccxt raising here would end the receive loop
                self.liqwatch_bad(message, exc)

    Hooked.__name__ = Hooked.__qualname__ = f"Hooked_{base.__name__}"
    _HOOKED[base] = Hooked
    return Hooked


def _never_control(_text: str) -> bool:
    return False


def open_exchange(
    ccxt_id: str,
    settings: ExchangeSettings,
    *,
    sink: FrameSink | None = None,
    bad: BadFrame | None = None,
    control: ControlText = _never_control,
    options: dict[str, Any] | None = None,
    ws_paths: Mapping[str, str] | None = None,
    rate_limit_ms: float | None = None,
) -> Any:
    """A ccxt.pro ``ccxt_id`` exchange with origins from ``settings`` and the
    venue's own paths from ``ws_paths`` (``VenueSpec.ws_paths``; config's
    ``ws_path`` replaces them).

    With ``sink``/``bad`` it is the hooked subclass (liquidation streams); the
    context feeds pass neither and get the stock class (REST only).  The
    caller must ``await exchange.close()``.  ``rate_limit_ms`` overrides
    ccxt's own request spacing (None keeps the venue's polite default).
    """
    base = getattr(ccxt_pro, ccxt_id)
    config: dict[str, Any] = {"enableRateLimit": True}
    if options:
        config["options"] = options
    if rate_limit_ms is not None:
        config["rateLimit"] = rate_limit_ms
    if sink is None:
        exchange = base(config)
    else:
        if bad is None:
            raise ValueError("a hooked exchange needs a bad-frame callback")
        exchange = _hooked(base)(config)
        exchange.liqwatch_sink = sink
        exchange.liqwatch_bad = bad
        exchange.liqwatch_control = control
    urls = rewrite_origins(exchange.urls, settings.ws_url, settings.rest_url)
    for key, path in (ws_paths or {}).items():
        urls["api"]["ws"][key] = replace_path(urls["api"]["ws"][key], settings.ws_path or path)
    exchange.urls = urls
    return exchange
