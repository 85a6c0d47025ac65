"""Every limit of Twilio Sync in one place (SEMANTICS.md, "Limits").

The module constants are Twilio's published values. :class:`Limits` holds the ones a
:class:`~sync_core.Sync` may lower for a test (``Sync(limits=Limits(...))``), so that a
test reaches a limit with small data; they are never raised above Twilio's.

>>> MAX_DATA_BYTES, MAX_STREAM_MESSAGE_BYTES, MAX_TTL
(16384, 4096, 31536000)
"""

from __future__ import annotations

import warnings
from typing import Any, Final

import attrs

__all__ = [
    "DEFAULT_DEBOUNCING_WINDOW",
    "DEFAULT_PAGE_SIZE",
    "MAX_ACCESS_TOKEN_LIFETIME",
    "MAX_DATA_BYTES",
    "MAX_DATA_DEPTH",
    "MAX_DEBOUNCING_WINDOW",
    "MAX_FRIENDLY_NAME",
    "MAX_IDENTITY",
    "MAX_LIST_ITEMS",
    "MAX_MAP_KEY",
    "MAX_PAGE_SIZE_SERVED",
    "MAX_STREAM_MESSAGE_BYTES",
    "MAX_TTL",
    "MAX_UNIQUE_NAME",
    "MAX_WEBHOOK_URL",
    "MIN_DEBOUNCING_WINDOW",
    "TWILIO_LIMITS",
    "Limits",
]

#: Document, Map Item and List Item ``data``: UTF-8 bytes of the compact JSON.
MAX_DATA_BYTES: Final = 16 * 1024
#: Stream Message ``data``, measured the same way.
MAX_STREAM_MESSAGE_BYTES: Final = 4 * 1024
#: How deeply ``data`` (any kind, Stream messages too) may nest: objects and arrays
#: from the top object (depth 1) down. sync_core's own limit, not Twilio's (Twilio
#: publishes none): whatever is accepted must be readable back on every path (JSON
#: encoders and decoders recurse once per level), even from a thread whose stack is
#: already deep, so it stays far below Python's recursion limit (1,000). docs/model.md.
MAX_DATA_DEPTH: Final = 100
#: ``unique_name`` of documents, maps, lists and streams, in characters.
MAX_UNIQUE_NAME: Final = 320
#: Map Item ``key``, in characters (the current spec; the old catalog said 256).
MAX_MAP_KEY: Final = 320
#: Any ``ttl``, ``item_ttl`` or ``collection_ttl``, in seconds (one year). 0 = never.
MAX_TTL: Final = 31_536_000
#: ``identity`` of a permission, in characters.
MAX_IDENTITY: Final = 256
#: Service ``friendly_name``, in characters.
MAX_FRIENDLY_NAME: Final = 255
#: Service ``webhook_url``, in characters.
MAX_WEBHOOK_URL: Final = 512
#: Service ``reachability_debouncing_window``, in milliseconds.
MIN_DEBOUNCING_WINDOW: Final = 1_000
MAX_DEBOUNCING_WINDOW: Final = 30_000
DEFAULT_DEBOUNCING_WINDOW: Final = 5_000
#: Items in one Sync List.
MAX_LIST_ITEMS: Final = 1_000_000
#: The most records a page holds; a larger ``page_size`` is clamped to it, not refused
#: (the official SDKs send ``PageSize=limit`` uncapped; SEMANTICS.md).
MAX_PAGE_SIZE_SERVED: Final = 100
DEFAULT_PAGE_SIZE: Final = 50
#: An Access Token's lifetime, from its issue to its ``exp``, in seconds (24 hours:
#: https://www.twilio.com/docs/iam/access-tokens, and error 20157).
MAX_ACCESS_TOKEN_LIFETIME: Final = 86_400


def _lowered(instance: Any, attribute: attrs.Attribute[int], value: object) -> None:
    """An attrs validator: ``value`` is an int from 1 up to Twilio's (the field's default)."""
    most = attribute.default
    assert isinstance(most, int)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(
            f"Limits.{attribute.name} must be an int from 1 to {most}, "
            f"got {type(value).__name__} {value!r}"
        )
    if value < 1:
        raise ValueError(f"Limits.{attribute.name} must be at least 1, got {value}")
    if value > most:
        raise ValueError(
            f"Limits.{attribute.name} may only be lowered: Twilio's limit is {most}, got {value} "
            "(a raised limit would let a test pass that fails on the real service)"
        )


def _limit(twilio: int) -> Any:
    """A field of :class:`Limits`: Twilio's value by default, lowered only."""
    return attrs.field(default=twilio, validator=_lowered)


@attrs.frozen(kw_only=True)
class Limits:
    """The limits of one :class:`~sync_core.Sync`, Twilio's unless lowered for a test.

    Each is an int from 1 up to Twilio's value (the default); anything else is refused
    when the ``Limits`` is made, naming the field: a limit above Twilio's would let a
    test pass that fails on the real service. What a lowered limit refuses is refused
    as Twilio refuses it at its own limit (the same status and code), the message
    stating the lowered limit.

    >>> from sync_core import Limits, Sync
    >>> sync = Sync(limits=Limits(data_bytes=20, list_items=2))
    >>> docs = sync.services("default").documents
    >>> docs.create(data={"text": "x" * 9}).data  # 20 bytes of compact JSON
    {'text': 'xxxxxxxxx'}
    >>> docs.create(data={"text": "x" * 10})
    Traceback (most recent call last):
    ...
    sync_core.errors.PayloadTooLargeError: HTTP 413 error 54006: Request entity too large (data is 21 bytes, the limit is 20)
    >>> Limits(page_size=101)
    Traceback (most recent call last):
    ...
    ValueError: Limits.page_size may only be lowered: Twilio's limit is 100, got 101 (a raised limit would let a test pass that fails on the real service)
    >>> Limits() == Limits(data_bytes=MAX_DATA_BYTES)
    True
    """

    #: Document, Map Item and List Item ``data``, in UTF-8 bytes of compact JSON.
    data_bytes: int = _limit(MAX_DATA_BYTES)
    #: Stream Message ``data``, measured the same way.
    stream_message_bytes: int = _limit(MAX_STREAM_MESSAGE_BYTES)
    #: Items in one Sync List (what ``item_count`` counts: the items it holds now).
    list_items: int = _limit(MAX_LIST_ITEMS)
    #: The most records a page holds: a larger ``PageSize`` is clamped to it, and the
    #: default page size (50) too when it is lower.
    page_size: int = _limit(MAX_PAGE_SIZE_SERVED)
    #: ``unique_name`` of Documents, Maps, Lists and Streams, in characters.
    unique_name_length: int = _limit(MAX_UNIQUE_NAME)
    #: Map Item ``key``, in characters.
    map_key_length: int = _limit(MAX_MAP_KEY)


#: Twilio's limits: what a :class:`~sync_core.Sync` has unless it is given others.
TWILIO_LIMITS: Final = Limits()


def __getattr__(name: str) -> int:
    """``MAX_PAGE_SIZE_ACCEPTED``, deprecated: no page size of 1 or more is refused now."""
    if name == "MAX_PAGE_SIZE_ACCEPTED":
        warnings.warn(
            "sync_core.limits.MAX_PAGE_SIZE_ACCEPTED is deprecated: a page size over "
            "MAX_PAGE_SIZE_SERVED is clamped, not refused",
            DeprecationWarning,
            stacklevel=2,
        )
        return 1_000
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
