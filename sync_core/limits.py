"""Every limit of Twilio Sync in one place (SEMANTICS.md, "Limits").

>>> MAX_DATA_BYTES, MAX_STREAM_MESSAGE_BYTES, MAX_TTL
(16384, 4096, 31536000)
"""

from __future__ import annotations

import warnings
from typing import Final

__all__ = [
    "DEFAULT_DEBOUNCING_WINDOW",
    "DEFAULT_PAGE_SIZE",
    "MAX_ACCESS_TOKEN_LIFETIME",
    "MAX_DATA_BYTES",
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
]

#: Document, Map Item and List Item ``data``: UTF-8 bytes of the compact JSON.
MAX_DATA_BYTES: Final = 16 * 1024
#: Stream Message ``data``, measured the same way.
MAX_STREAM_MESSAGE_BYTES: Final = 4 * 1024
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
