"""The shared state behind one :class:`~sync_core.Sync`: lock, clock, store, SIDs.

Every public operation runs as ``with engine.operation() as now:``, which

1. takes the one coarse lock (operations are atomic under concurrent callers),
2. reads ``now`` once from the clock (one now per operation),
3. removes whatever expired at or before ``now``, earliest expiry first, in its own
   storage transaction, reading only the expired entries of the expiry indexes (never
   a scan of everything),
4. runs the operation's body in a storage transaction: if the body raises, none of
   its writes are kept and none of its events are sent,
5. queues the events the body emitted (:meth:`Engine.emit`) in commit order, and,
   once the lock is released, delivers them (:class:`~sync_core.events.EventHub`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from types import TracebackType

from .clock import Clock
from .events import EVENT_TYPES, EventHub, Pending, SyncEvent, WebhookSink
from .rows import ItemRow, ObjectRow
from .sids import SidGenerator
from .storage.base import Storage
from .store import Store

__all__ = ["Engine"]


class _Operation:
    """The context manager of :meth:`Engine.operation` (a class: it runs on every call)."""

    __slots__ = ("_atomic", "_engine", "_outermost", "_pending")
    _atomic: AbstractContextManager[None]
    _pending: list[Pending]

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._outermost = False

    def __enter__(self) -> datetime:
        engine = self._engine
        engine.lock.acquire()
        try:
            now = engine.now()
            if engine._pending is not None:  # nested: part of the outer operation
                return now
            if engine.store.may_be_due(now):
                engine._sweep(now)
            self._pending = []
            self._atomic = engine.storage.atomic()
            self._atomic.__enter__()
            engine._pending = self._pending
            self._outermost = True
            return now
        except BaseException:
            engine._pending = None
            engine.lock.release()
            raise

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        engine = self._engine
        if not self._outermost:
            engine.lock.release()
            return
        try:
            engine._pending = None
            self._atomic.__exit__(kind, error, trace)  # commits, or rolls back on an error
            if kind is None:
                engine.events.commit(self._pending)
        finally:
            engine.lock.release()
            engine.events.deliver()


class Engine:
    """The lock, clock, store, SID generator and event hub one :class:`~sync_core.Sync` shares."""

    def __init__(
        self,
        *,
        clock: Clock,
        storage: Storage,
        account_sid: str,
        sids: SidGenerator,
        webhook_sink: WebhookSink | None = None,
    ) -> None:
        self.clock = clock
        self.storage = storage
        self.store = Store(storage)
        self.account_sid = account_sid
        self.sids = sids
        self.lock = threading.RLock()
        self.events = EventHub(webhook_sink)
        # The events of the transaction under way, with their webhook URLs and the
        # subscriptions whose identity may not read them; None outside a transaction.
        # Only touched under ``lock``.
        self._pending: list[Pending] | None = None

    def now(self) -> datetime:
        """Read the clock once, refusing a naive datetime."""
        now = self.clock.now()
        if now.tzinfo is None:
            raise TypeError(f"{self.clock!r}.now() returned a naive datetime; it must be UTC")
        return now

    def operation(self) -> _Operation:
        """Run one atomic operation: lock, one ``now``, expiry, one transaction, events.

        Use as ``with engine.operation() as now:``. An operation called inside another
        (under the same lock) joins it.
        """
        return _Operation(self)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """A storage transaction whose events are queued if, and only if, it commits."""
        pending: list[Pending] = []
        self._pending = pending
        try:
            with self.storage.atomic():
                yield
        finally:
            self._pending = None
        self.events.commit(pending)

    def _sweep(self, now: datetime) -> None:
        """Remove (in a transaction of its own) whatever expired at or before ``now``."""
        with self._transaction():
            self._expire(now)
        self.store.settle_floor()

    def emit(
        self,
        event_type: str,
        row: ObjectRow,
        *,
        identity: str,
        when: datetime,
        item: ItemRow | None = None,
        data: str | None = None,
        previous: str | None = None,
        message_sid: str | None = None,
        expired: bool = False,
    ) -> None:
        """Announce a change of ``row`` (a Document, Map, List or Stream as it now is).

        ``item`` is the item concerned, as it now is (or was, for a removal); ``data``
        and ``previous`` the JSON text after and before. The event's sequence number
        comes from the service's persistent counter, inside the transaction, so a
        failed operation uses none. The webhook URL is decided now: the service's
        ``webhook_url``, for a client identity always and for ``system`` only when
        ``webhooks_from_rest_enabled`` (Twilio's rule). Subscriptions of a client
        identity that may not read the object (ACLs on) are left out.

        Emit a removal before the object's rows (and permissions) are deleted.
        """
        pending = self._pending
        assert pending is not None, "emit() outside an operation"
        assert event_type in EVENT_TYPES, event_type
        store = self.store
        sequence = store.next_seq(f"events:{row.service_sid}")
        service = store.service(row.service_sid)
        url = None
        if (
            service is not None
            and service.webhook_url is not None
            and (identity != "system" or service.webhooks_from_rest_enabled)
        ):
            url = service.webhook_url
        if url is None and not self.events.has_subscriptions:
            return  # nobody to tell: the number is spent, the event need not be built
        object_revision = None if row.kind == "stream" else str(row.revision)
        position = None if item is None else item.position
        event = SyncEvent(
            sequence=sequence,
            type=event_type,
            account_sid=self.account_sid,
            service_sid=row.service_sid,
            identity=identity,
            date=when,
            object_sid=row.sid,
            object_unique_name=row.unique_name,
            object_revision=object_revision,
            revision=object_revision if item is None else str(item.revision),
            item_key=position if isinstance(position, str) else None,
            item_index=position if isinstance(position, int) else None,
            message_sid=message_sid,
            expired=expired,
            data_json=data,
            previous_data_json=previous,
        )
        pending.append((event, url, self._unreadable(event)))

    def _unreadable(self, event: SyncEvent) -> frozenset[int]:
        """The subscriptions whose identity may not read ``event``'s object (ACLs on).

        Decided when the event is made, before a removal drops the object's
        permissions, so a reader still hears of the removal.
        """
        watchers = self.events.watchers(event)
        if not watchers or event.kind == "stream":
            return frozenset()
        service = self.store.service(event.service_sid)
        if service is None or not service.acl_enabled:
            return frozenset()
        denied = set()
        for subscription in watchers:
            grant = self.store.permission(
                event.service_sid, event.object_sid, subscription.identity
            )
            if grant is None or not grant.read:
                denied.add(subscription.number)
        return frozenset(denied)

    def expire(self) -> None:
        """Remove everything that has expired by the clock's current time."""
        with self.operation():
            pass

    def _expire(self, now: datetime) -> None:
        """Remove what expired at or before ``now``, earliest first, announcing each.

        Objects and items are taken from their three expiry indexes in one merged
        order (at one instant, objects before items: a Map or List that expires takes
        its items with it, and its removal is the one event). An expired item is a
        removal like any other: its container counts one revision more, dated when the
        item expired (so the date does not depend on when the sweep happened to run).
        """
        store = self.store
        while (due := store.first_due(now)) is not None:
            if isinstance(due, ObjectRow):
                assert due.date_expires is not None
                self.emit(
                    f"{due.kind}_removed",
                    due,
                    identity="system",
                    when=due.date_expires,
                    previous=due.data,
                    expired=True,
                )
                store.delete_object(due)
                continue
            container = store.object_by_sid(due.service_sid, due.container_sid)
            assert container is not None
            assert due.date_expires is not None
            container = store.remove_item(due, container, due.date_expires)
            self.emit(
                f"{due.kind}_removed",
                container,
                identity="system",
                when=due.date_expires,
                item=due,
                previous=due.data,
                expired=True,
            )

    def _check(self) -> None:
        """Assert the store's invariants (for tests)."""
        with self.lock:
            self.store._check()
            check = getattr(self.storage, "_check", None)
            if check is not None:
                check()
