"""Checks of the parameters that several object kinds share: TTLs, unique names, flags.

Each check returns the value to use or raises the :class:`~sync_core.errors.SyncError`
of Twilio's code for it. ``UNSET`` marks a parameter the caller did not give (``None``
is treated the same way, as the twilio SDK drops ``None`` form fields).

>>> check_ttl(3600)
3600
>>> check_ttl(31_536_001)
Traceback (most recent call last):
...
sync_core.errors.InvalidParameterError: HTTP 400 error 54011: The TTL value in seconds must either be empty or an integer between 0 and 31 536 000 (1 year) (ttl must be an integer from 0 to 31536000, got 31536001)
>>> check_unique_name("ET" + "0" * 32)
Traceback (most recent call last):
...
sync_core.errors.InvalidParameterError: HTTP 400 error 54302: Invalid unique name. Expected a string with length 1-320 not matching the SID pattern [A-Z]{2}[a-f0-9]{32} (a unique name may not look like a SID: 'ET00000000000000000000000000000000')
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Final, Literal

from .errors import (
    BOUNDS_INVALID,
    IF_MATCH_INVALID,
    INDEX_INVALID,
    MAP_KEY_INVALID,
    ORDER_INVALID,
    PARAMETER_INVALID,
    TTL_INVALID,
    UNIQUE_NAME_INVALID,
    ErrorSpec,
    shown,
)
from .limits import MAX_MAP_KEY, MAX_TTL, MAX_UNIQUE_NAME
from .sids import looks_like_sid

__all__ = [
    "UNSET",
    "Unset",
    "check_bool",
    "check_bounds",
    "check_if_match",
    "check_index",
    "check_int",
    "check_key",
    "check_order",
    "check_ttl",
    "check_unique_name",
    "expiry_after",
    "given",
    "pick_ttl",
    "ttl_given",
]


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


#: The default of every optional parameter: "not given".
UNSET: Final = _Unset.UNSET
Unset = Literal[_Unset.UNSET]


def given(value: object) -> bool:
    """Whether a parameter was given: not ``UNSET`` and not ``None``."""
    return value is not UNSET and value is not None


#: Above the ints taken as one: those of 4,300 decimal digits at most (Python's limit on
#: converting text to int and back, ``sys.get_int_max_str_digits()``), as over HTTP.
_TOO_LONG: Final = 10**4300


def check_int(value: object) -> int | None:
    """``value`` as an int if it is one (or decimal text of one), else None. Never a bool.

    >>> check_int("42"), check_int(" -7 "), check_int("¹"), check_int("+-1"), check_int(True)
    (42, -7, None, None, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # One too long to write in decimal (Python's 4,300 digits) is none, as its text
        # is over HTTP.
        return value if -_TOO_LONG < value < _TOO_LONG else None
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in ("+", "-") else text
        # ASCII digits only: "¹" or "٣" pass str.isdigit() but are no HTTP integer.
        if digits.isascii() and digits.isdigit():
            try:
                return int(text)
            except ValueError:  # more digits than Python converts (4,300): no such number
                return None
    return None


def check_ttl(value: object, name: str = "ttl") -> int:
    """A TTL in seconds: an integer from 0 (never expires) to one year."""
    ttl = check_int(value)
    if ttl is None or not 0 <= ttl <= MAX_TTL:
        raise TTL_INVALID.error(
            detail=f"{name} must be an integer from 0 to {MAX_TTL}, got {shown(value)}"
        )
    return ttl


def ttl_given(value: object) -> bool:
    """Whether a TTL was given: not ``UNSET``, ``None``, nor empty text (``Ttl=``).

    Twilio's 54011 says "The TTL value in seconds must either be empty or an integer
    between 0 and 31 536 000": an empty TTL is no TTL (**decision**, from that text).

    >>> ttl_given(""), ttl_given(None), ttl_given(0), ttl_given("60")
    (False, False, True, True)
    """
    return value is not UNSET and value is not None and value != ""


def pick_ttl(value: object, alias: object, name: str) -> int | None:
    """A TTL given as ``value`` or, when that is not given, as its ``alias`` ``ttl``.

    Twilio: "an alias for {name}; if both are provided, this value is ignored", so an
    alias given beside the real parameter is not even checked. None: neither given.
    An empty TTL is not given (:func:`ttl_given`).
    """
    # ttl_given(), inline: this runs twice on every item write.
    if value is not UNSET and value is not None and value != "":
        return check_ttl(value, name)
    if alias is not UNSET and alias is not None and alias != "":
        return check_ttl(alias, "ttl")
    return None


def expiry_after(now: datetime, ttl: int) -> datetime | None:
    """``date_expires`` for a TTL given at ``now``: None for 0 (never expires).

    >>> from datetime import UTC
    >>> expiry_after(datetime(2025, 1, 1, tzinfo=UTC), 60).isoformat()
    '2025-01-01T00:01:00+00:00'
    >>> expiry_after(datetime(2025, 1, 1, tzinfo=UTC), 0) is None
    True

    A clock set near the end of the calendar (a test's, moved to year 9999) may make
    an expiry no date can hold: that TTL is refused as one out of range, never a 500.

    >>> expiry_after(datetime(9999, 12, 31, tzinfo=UTC), 86_400)
    Traceback (most recent call last):
    ...
    sync_core.errors.InvalidParameterError: HTTP 400 error 54011: The TTL value in seconds must either be empty or an integer between 0 and 31 536 000 (1 year) (a TTL of 86400 s from 9999-12-31 00:00:00+00:00 ends past year 9999)
    """
    if ttl == 0:
        return None
    try:
        return now + timedelta(seconds=ttl)
    except OverflowError:
        raise TTL_INVALID.error(detail=f"a TTL of {ttl} s from {now} ends past year 9999") from None


def check_unique_name(value: object, limit: int = MAX_UNIQUE_NAME) -> str:
    """A unique name: 1 to ``limit`` characters (Twilio's 320), not shaped like a SID.

    >>> check_unique_name("abcd", limit=3)
    Traceback (most recent call last):
    ...
    sync_core.errors.InvalidParameterError: HTTP 400 error 54302: Invalid unique name. Expected a string with length 1-320 not matching the SID pattern [A-Z]{2}[a-f0-9]{32} (a unique name must be 1 to 3 characters, got 4)
    """
    if not isinstance(value, str):
        raise UNIQUE_NAME_INVALID.error(
            detail=f"a unique name must be a string, got {shown(value)}"
        )
    if not 1 <= len(value) <= limit:
        raise UNIQUE_NAME_INVALID.error(
            detail=f"a unique name must be 1 to {limit} characters, got {len(value)}",
        )
    if looks_like_sid(value):
        raise UNIQUE_NAME_INVALID.error(
            detail=f"a unique name may not look like a SID: {shown(value)}"
        )
    if not _encodable(value):
        raise UNIQUE_NAME_INVALID.error(detail="a unique name may not hold a lone surrogate")
    return value if type(value) is str else plain_text(value)


def _encodable(text: str) -> bool:
    """Whether ``text`` has a UTF-8 form (no lone surrogate): it travels in URLs and JSON."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_bool(value: object, name: str) -> bool:
    """A boolean flag (``True``/``False``, or the text ``true``/``false`` as REST sends it)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise PARAMETER_INVALID.error(detail=f"{name} must be true or false, got {shown(value)}")


def check_if_match(value: object) -> str | None:
    """An ``If-Match`` revision, or None when not given (the SDK drops an empty one):
    its digits, bare or quoted as an entity tag (``3`` or ``"3"``; not ``"3``).

    >>> check_if_match("3"), check_if_match(' "3" '), check_if_match("")
    ('3', '3', None)
    """
    if not given(value) or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 1 and text[0] == text[-1] == '"':
            text = text[1:-1]
        if text.isdigit() and text.isascii():
            return text
    raise IF_MATCH_INVALID.error(
        detail=f"If-Match must be a revision such as '3', got {shown(value)}"
    )


def plain_text(value: str) -> str:
    """``value``, an instance of a ``str`` subclass, as the plain ``str`` of its
    characters: what it is on the wire (a ``(str, Enum)`` member is its value there, not
    its ``str()``, ``Key.NAME``), and what every storage keeps alike.

    >>> from enum import Enum
    >>> class Key(str, Enum):
    ...     NAME = "name"
    >>> plain_text(Key.NAME), type(plain_text(Key.NAME)).__name__
    ('name', 'str')
    """
    return str.__str__(value)


def check_key(value: object, limit: int = MAX_MAP_KEY) -> str:
    """A Map Item key: 1 to ``limit`` characters (Twilio's 320), any characters at all.

    >>> check_key("")
    Traceback (most recent call last):
    ...
    sync_core.errors.InvalidParameterError: HTTP 400 error 54209: Invalid Map Item key (a key must be 1 to 320 characters, got 0)
    >>> check_key("abcd", limit=3)
    Traceback (most recent call last):
    ...
    sync_core.errors.InvalidParameterError: HTTP 400 error 54209: Invalid Map Item key (a key must be 1 to 3 characters, got 4)
    """
    if not isinstance(value, str):
        raise MAP_KEY_INVALID.error(detail=f"a key must be a string, got {shown(value)}")
    if not 1 <= len(value) <= limit:
        raise MAP_KEY_INVALID.error(
            detail=f"a key must be 1 to {limit} characters, got {len(value)}",
        )
    if not (value.isascii() or _encodable(value)):  # ASCII first: no call for most keys
        raise MAP_KEY_INVALID.error(detail="a key may not hold a lone surrogate")
    return value if type(value) is str else plain_text(value)


def check_index(value: object, name: str = "index") -> int:
    """A List Item index: a non-negative integer (or its decimal text, as in a URL).

    >>> check_index("7")
    7
    >>> check_index(-1)
    Traceback (most recent call last):
    ...
    sync_core.errors.InvalidParameterError: HTTP 400 error 54458: Invalid List Item index (index must be a non-negative integer, got -1)
    """
    index = check_int(value)
    if index is None or index < 0:
        raise INDEX_INVALID.error(
            detail=f"{name} must be a non-negative integer, got {shown(value)}"
        )
    return index


def _the_other(value: object, name: str, usual: str, other: str, error: ErrorSpec) -> bool:
    """Whether ``value`` chooses ``other`` over ``usual`` (also the default when not given,
    or empty)."""
    if not given(value) or value == usual or value == "":
        return False
    if value == other:
        return True
    raise error.error(f"{name} must be {usual} or {other}, got {shown(value)}")


def check_order(value: object) -> bool:
    """``Order``: ``asc`` (the default) or ``desc``; whether it is descending."""
    return _the_other(value, "Order", "asc", "desc", ORDER_INVALID)


def check_bounds(value: object) -> bool:
    """``Bounds``: ``inclusive`` (the default) or ``exclusive``; whether it is inclusive."""
    return not _the_other(value, "Bounds", "inclusive", "exclusive", BOUNDS_INVALID)
