"""The shared state behind one :class:`~sync_core.Sync`: lock, clock, store, SIDs.

Every public operation runs as ``with engine.operation() as now:``, which

1. takes the one coarse lock (operations are atomic under concurrent callers),
2. reads ``now`` once from the clock (one now per operation),
3. removes whatever expired at or before ``now`` (objects, then items), in its own
   storage transaction, reading only the expired entries of the expiry indexes (never
   a scan of everything),
4. runs the operation's body in a storage transaction: if the body raises, none of
   its writes are kept.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Final

from .clock import Clock
from .sids import SidGenerator
from .storage.base import Storage
from .store import Store

__all__ = ["Engine"]

#: How many expired objects one step of the expiry sweep reads at a time.
_EXPIRY_BATCH: Final = 256


class Engine:
    """The lock, clock, store and SID generator that one :class:`~sync_core.Sync` shares."""

    def __init__(
        self, *, clock: Clock, storage: Storage, account_sid: str, sids: SidGenerator
    ) -> None:
        self.clock = clock
        self.storage = storage
        self.store = Store(storage)
        self.account_sid = account_sid
        self.sids = sids
        self.lock = threading.RLock()

    def now(self) -> datetime:
        """Read the clock once, refusing a naive datetime."""
        now = self.clock.now()
        if now.tzinfo is None:
            raise TypeError(f"{self.clock!r}.now() returned a naive datetime; it must be UTC")
        return now

    @contextmanager
    def operation(self) -> Iterator[datetime]:
        """Run one atomic operation: lock, one ``now``, expiry, then one transaction."""
        with self.lock:
            now = self.now()
            self._expire(now)
            with self.storage.atomic():
                yield now

    def expire(self) -> None:
        """Remove everything that has expired by the clock's current time."""
        with self.operation():
            pass

    def _expire(self, now: datetime) -> None:
        store = self.store
        with self.storage.atomic():
            # Objects first: a Map or List that expires takes its items with it.
            while due := store.due(now, _EXPIRY_BATCH):
                for row in due:
                    store.delete_object(row)
            # An expired item is a removal like any other: its container counts one
            # revision more, dated when the item expired (so the date does not depend
            # on when the sweep happened to run).
            while due_items := store.due_items(now, _EXPIRY_BATCH):
                for item in due_items:
                    container = store.object_by_sid(item.service_sid, item.container_sid)
                    assert container is not None
                    assert item.date_expires is not None
                    store.remove_item(item, container, item.date_expires)

    def _check(self) -> None:
        """Assert the store's invariants (for tests)."""
        with self.lock:
            self.store._check()
            check = getattr(self.storage, "_check", None)
            if check is not None:
                check()
