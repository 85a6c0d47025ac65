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

from .acl import PermissionContext, PermissionList
from .clock import Clock, ManualClock, SystemClock
from .documents import DocumentContext, DocumentList
from .errors import (
    ConflictError,
    ForbiddenError,
    InvalidParameterError,
    MethodNotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    PreconditionFailedError,
    RateLimitedError,
    SyncError,
)
from .events import Subscription, SyncEvent, webhook_params
from .lists import SyncListContext, SyncListItemContext, SyncListItemList, SyncListList
from .maps import SyncMapContext, SyncMapItemContext, SyncMapItemList, SyncMapList
from .paging import Page
from .records import (
    DocumentPermissionRecord,
    DocumentRecord,
    ServiceRecord,
    StreamMessageRecord,
    SyncListItemRecord,
    SyncListPermissionRecord,
    SyncListRecord,
    SyncMapItemRecord,
    SyncMapPermissionRecord,
    SyncMapRecord,
    SyncStreamRecord,
)
from .service import ServiceContext, ServiceList
from .sids import RandomSids, SeededSids, SidGenerator
from .storage import MemoryStorage, SqliteStorage, Storage, StorageFormatError
from .streams import StreamMessageList, SyncStreamContext, SyncStreamList
from .sync import Sync

__version__ = "0.1.0"

__all__ = [
    "Clock",
    "ConflictError",
    "DocumentContext",
    "DocumentList",
    "DocumentPermissionRecord",
    "DocumentRecord",
    "ForbiddenError",
    "InvalidParameterError",
    "ManualClock",
    "MemoryStorage",
    "MethodNotAllowedError",
    "NotFoundError",
    "Page",
    "PayloadTooLargeError",
    "PermissionContext",
    "PermissionList",
    "PreconditionFailedError",
    "RandomSids",
    "RateLimitedError",
    "SeededSids",
    "ServiceContext",
    "ServiceList",
    "ServiceRecord",
    "SidGenerator",
    "SqliteStorage",
    "Storage",
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
    "__version__",
    "webhook_params",
]
