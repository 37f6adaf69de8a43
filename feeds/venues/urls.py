"""Point a ccxt exchange at other origins, keeping every path the venue's own.

Config gives one WebSocket origin and one REST origin per venue
(``ExchangeSettings.ws_url`` / ``rest_url``).  ccxt keeps dozens of base URLs
per exchange in nested dicts (``urls['api']['ws']['linear']`` ...), some with a
``{hostname}`` placeholder; rewriting every one of them means the loopback
tests and the real venues run the very same code path with only origins
changed, and no endpoint that ccxt adds later escapes the override.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

_WS_SCHEMES = ("ws", "wss")
_REST_SCHEMES = ("http", "https")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"not an origin (scheme://host[:port]): {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def replace_origin(url: str, origin: str) -> str:
    """``url`` with its scheme, host and port taken from ``origin``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    slash = rest.find("/")
    tail = rest[slash:] if slash >= 0 else ""
    return _origin(origin) + tail


def replace_path(url: str, path: str) -> str:
    """``url`` with its path (and anything after it) replaced by ``path``."""
    return _origin(url) + path


def rewrite_origins(urls: Any, ws_url: str = "", rest_url: str = "") -> Any:
    """A copy of ccxt's ``urls`` structure with WS and REST origins replaced.

    Empty overrides leave that family untouched.  Dicts and lists are walked;
    any string that starts with ``ws://``/``wss://`` (``http://``/``https://``)
    gets the WS (REST) origin.
    """
    if isinstance(urls, dict):
        return {k: rewrite_origins(v, ws_url, rest_url) for k, v in urls.items()}
    if isinstance(urls, list):
        return [rewrite_origins(v, ws_url, rest_url) for v in urls]
    if isinstance(urls, str):
        scheme = urls.partition("://")[0].lower()
        if ws_url and scheme in _WS_SCHEMES:
            return replace_origin(urls, ws_url)
        if rest_url and scheme in _REST_SCHEMES:
            return replace_origin(urls, rest_url)
    return urls
