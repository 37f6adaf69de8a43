"""One Retry-After for every polite caller: delta-seconds or an HTTP date (RFC 9110)."""

from __future__ import annotations

import email.utils

from hypothesis import given
from hypothesis import strategies as st

from feeds.http import header, retry_after_s

WALL0 = 1_763_950_000.0


def test_delta_seconds():
    assert retry_after_s("120", now=0.0) == 120.0
    assert retry_after_s(" 1.5 ", now=0.0) == 1.5
    assert retry_after_s("-3", now=0.0) == 0.0


def test_http_date():
    assert retry_after_s(email.utils.formatdate(WALL0 + 42, usegmt=True), now=WALL0) == 42.0
    # RFC 9110's example form, and a date already past: no wait, never negative
    assert retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT", now=1_445_412_470.0) == 10.0
    assert retry_after_s(email.utils.formatdate(WALL0 - 10, usegmt=True), now=WALL0) == 0.0


def test_absent_or_unreadable_is_none():
    assert retry_after_s("soon", now=0.0) is None
    assert retry_after_s("", now=0.0) is None
    assert retry_after_s(None, now=0.0) is None


@given(st.integers(0, 10**6))
def test_a_date_and_its_seconds_agree(delay: int):
    date = email.utils.formatdate(WALL0 + delay, usegmt=True)
    assert retry_after_s(date, now=WALL0) == retry_after_s(str(delay), now=WALL0) == float(delay)


def test_header_lookup_is_case_insensitive_in_a_plain_dict():
    assert header({"retry-after": "3"}, "Retry-After") == "3"
    assert header({"RETRY-AFTER": "4", "Content-Type": "x"}, "Retry-After") == "4"
    assert header({"Content-Type": "x"}, "Retry-After") is None
    assert header(None, "Retry-After") is None  # ccxt before any response
