"""sync_core: Twilio Sync, in-process.

Services, Documents, Maps, Lists and Streams, and per-identity permissions, with
Twilio's exact rules: 16 KiB payloads, string revisions and ``If-Match``, unique
names, key order and From/Bounds/Order paging, TTL expiry against a pluggable clock,
events for every change (subscriptions and a webhook port), and pluggable storage. The
API mirrors twilio-python's ``client.sync.v1``.

>>> from sync_core import Sync, ManualClock, SyncError
>>> clock = ManualClock()
>>> sync = Sync(clock=clock, seed=1)
>>> svc = sync.services.create(friendly_name="chat", acl_enabled=False)
>>> docs = sync.services(svc.sid).documents
>>> doc = docs.create(unique_name="prefs", data={"theme": "dark"}, ttl=3600)
>>> docs("prefs").update(data={"theme": "light"}, if_match=doc.revision).revision
'1'
>>> try:
...     docs("prefs").update(data={"theme": "blue"}, if_match=doc.revision)
... except SyncError as err:
...     print(err.status, err.code)
412 20412
>>> _ = clock.advance(3600)
>>> docs("prefs").fetch()
Traceback (most recent call last):
...
sync_core.errors.NotFoundError: HTTP 404 error 20404: The requested resource /Services/IS.../Documents/prefs was not found
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .changes import ChangeRetention, ChangesGoneError
from .clock import Clock, ManualClock, SystemClock
from .documents import DocumentContext, DocumentList, DocumentPermissionRecord, DocumentRecord
from .errors import (
    ConflictError,
    ForbiddenError,
    InternalServerError,
    InvalidParameterError,
    MethodNotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    PreconditionFailedError,
    RateLimitedError,
    ServiceUnavailableError,
    SyncError,
    UnauthorizedError,
)
from .events import EventCallback, Subscription, SyncEvent, WebhookSink, webhook_params
from .limits import Limits
from .lists import (
    SyncListContext,
    SyncListItemContext,
    SyncListItemList,
    SyncListItemRecord,
    SyncListList,
    SyncListPermissionRecord,
    SyncListRecord,
)
from .maps import (
    SyncMapContext,
    SyncMapItemContext,
    SyncMapItemList,
    SyncMapItemRecord,
    SyncMapList,
    SyncMapPermissionRecord,
    SyncMapRecord,
)
from .paging import Page
from .params import UNSET, Unset
from .payload import JsonData
from .permissions import PermissionContext, PermissionList
from .service import ServiceContext, ServiceList, ServiceRecord
from .sids import RandomSids, SeededSids, SidGenerator
from .storage import MemoryStorage, Storage
from .streams import (
    StreamMessageList,
    StreamMessageRecord,
    SyncStreamContext,
    SyncStreamList,
    SyncStreamRecord,
)
from .sync import Sync

if TYPE_CHECKING:
    from .lazy_expiry import LazyExpiry
    from .rates import RateLimits
    from .storage import (
        PostgresStorage,
        SqliteStorage,
        StorageConnectionError,
        StorageForkedError,
        StorageFormatError,
    )

__all__ = [
    "UNSET",
    "ChangeRetention",
    "ChangesGoneError",
    "Clock",
    "ConflictError",
    "DocumentContext",
    "DocumentList",
    "DocumentPermissionRecord",
    "DocumentRecord",
    "EventCallback",
    "ForbiddenError",
    "InternalServerError",
    "InvalidParameterError",
    "JsonData",
    "LazyExpiry",
    "Limits",
    "ManualClock",
    "MemoryStorage",
    "MethodNotAllowedError",
    "NotFoundError",
    "Page",
    "PayloadTooLargeError",
    "PermissionContext",
    "PermissionList",
    "PostgresStorage",
    "PreconditionFailedError",
    "RandomSids",
    "RateLimitedError",
    "RateLimits",
    "SeededSids",
    "ServiceContext",
    "ServiceList",
    "ServiceRecord",
    "ServiceUnavailableError",
    "SidGenerator",
    "SqliteStorage",
    "Storage",
    "StorageConnectionError",
    "StorageForkedError",
    "StorageFormatError",
    "StreamMessageList",
    "StreamMessageRecord",
    "Subscription",
    "Sync",
    "SyncError",
    "SyncEvent",
    "SyncListContext",
    "SyncListItemContext",
    "SyncListItemList",
    "SyncListItemRecord",
    "SyncListList",
    "SyncListPermissionRecord",
    "SyncListRecord",
    "SyncMapContext",
    "SyncMapItemContext",
    "SyncMapItemList",
    "SyncMapItemRecord",
    "SyncMapList",
    "SyncMapPermissionRecord",
    "SyncMapRecord",
    "SyncStreamContext",
    "SyncStreamList",
    "SyncStreamRecord",
    "SystemClock",
    "UnauthorizedError",
    "Unset",
    "WebhookSink",
    "__version__",
    "webhook_params",
]


#: The durable storages' names, imported when first asked (:mod:`sync_core.storage`).
_STORAGE_NAMES = frozenset(
    {
        "SqliteStorage",
        "PostgresStorage",
        "StorageFormatError",
        "StorageForkedError",
        "StorageConnectionError",
    }
)


def __getattr__(name: str) -> Any:
    """``__version__``, read from the installed package's metadata when first asked, the
    durable storages' names (:mod:`sqlite3` and psycopg are imported when first needed),
    :class:`LazyExpiry` (:mod:`hashlib` is imported when first needed) and
    :class:`RateLimits` (an attrs class: defining one costs a fraction of a millisecond).

    (Lazily: importing :mod:`importlib.metadata` costs more than the rest of a
    ``Sync()``, and most programs never ask.)
    """
    if name in _STORAGE_NAMES:
        from . import storage

        return getattr(storage, name)
    if name == "LazyExpiry":
        from .lazy_expiry import LazyExpiry

        return LazyExpiry
    if name == "RateLimits":
        from .rates import RateLimits

        return RateLimits
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("sync_core")
        except PackageNotFoundError:  # run from a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
