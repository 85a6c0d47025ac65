"""Events: a frozen record of every change, subscriptions, and the webhook sink port.

Every change that an operation commits is announced by one :class:`SyncEvent`: a
document created, updated or removed; a Map or List created or removed; an item added,
updated or removed; a Stream created or removed; a stream message published. Removals
by expiry are announced like any other removal (``expired`` is true). Event types are
Twilio's (SEMANTICS.md, "Events"; https://www.twilio.com/docs/sync/webhooks).

Each event carries a sequence number, counted per service from 1 and kept in the
storage with everything else, so events of one service are totally ordered and a
sequence number is never given twice. Events are built inside the operation's
transaction: an operation that fails emits nothing.

Delivery (:class:`EventHub`) happens after the change is committed, outside the
library's lock, in commit order: a callback may call back into sync_core (its own
events are delivered after the current one), and a callback that raises is logged on
the ``sync_core.events`` logger, neither undoing the change nor stopping the others.
When an operation returns, its events have been delivered, unless it was itself called
from a callback (then they are delivered as soon as that callback returns).

>>> from sync_core import Sync, ManualClock
>>> sync = Sync(clock=ManualClock(), seed=4)
>>> docs = sync.services("default").documents
>>> doc = docs.create(unique_name="prefs", data={"theme": "dark"})
>>> seen = []
>>> with docs("prefs").subscribe(seen.append):
...     _ = docs("prefs").update(data={"theme": "light"})
>>> _ = docs("prefs").update(data={"theme": "blue"})         # unsubscribed by now
>>> [(e.sequence, e.type, e.data, e.previous_data) for e in seen]
[(2, 'document_updated', {'theme': 'light'}, {'theme': 'dark'})]
"""

from __future__ import annotations

import heapq
import threading
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import attrs

from ._build import builder
from .actor import SYSTEM
from .payload import JsonObject, decode_data
from .records import json_fields
from .rows import ItemRow, ObjectRow, ServiceRow

__all__ = [
    "EVENT_TYPES",
    "Change",
    "EventCallback",
    "EventHub",
    "Pending",
    "Subscription",
    "SyncEvent",
    "WebhookSink",
    "make_event",
    "webhook_params",
    "webhook_url",
]

if TYPE_CHECKING:
    import logging


def _logger() -> logging.Logger:
    """The ``sync_core.events`` logger (:mod:`logging` is imported when first needed)."""
    import logging

    return logging.getLogger("sync_core.events")


#: A subscriber: called with each event, after the change is committed.
EventCallback = Callable[["SyncEvent"], object]
#: The webhook port: called with a service's ``webhook_url`` and the form parameters.
WebhookSink = Callable[[str, dict[str, str]], object]
#: A committed event, its webhook URL (or None), and the subscriptions not to receive it.
Pending = tuple["SyncEvent", str | None, frozenset[int]]

#: Every event type sync_core emits, by the kind of object it is about.
EVENT_TYPES: Final = frozenset(
    {
        "document_created",
        "document_updated",
        "document_removed",
        "map_created",
        "map_removed",
        "map_item_added",
        "map_item_updated",
        "map_item_removed",
        "list_created",
        "list_removed",
        "list_item_added",
        "list_item_updated",
        "list_item_removed",
        "stream_created",
        "stream_removed",
        "stream_message_published",
    }
)
#: The events that end an object: a subscription to that object ends with them.
_OBJECT_REMOVALS: Final = frozenset(
    {"document_removed", "map_removed", "list_removed", "stream_removed"}
)


#: An event's JSON: its fields, with its data decoded rather than as JSON text.
_EVENT_JSON: Final = (
    "sequence",
    "type",
    "account_sid",
    "service_sid",
    "identity",
    "date",
    "object_sid",
    "object_unique_name",
    "object_revision",
    "revision",
    "item_key",
    "item_index",
    "message_sid",
    "expired",
    "data",
    "previous_data",
)


@attrs.frozen
class SyncEvent:
    """One committed change, as subscribers and the webhook sink see it.

    ``revision`` is the revision of what changed: the Document, the item, or the Map or
    List for its own events; ``object_revision`` is the Document's, Map's or List's
    revision after the change (Streams have none). ``data`` is the data after the change
    (None on removals), ``previous_data`` the data before it (on updates and removals).
    Both are fresh copies on every read: an event shares nothing with the store or with
    other subscribers.
    """

    sequence: int
    type: str
    account_sid: str
    service_sid: str
    identity: str
    date: datetime
    object_sid: str
    object_unique_name: str | None
    object_revision: str | None = None
    revision: str | None = None
    item_key: str | None = None
    item_index: int | None = None
    message_sid: str | None = None
    expired: bool = False
    data_json: str | None = attrs.field(default=None, repr=False)
    previous_data_json: str | None = attrs.field(default=None, repr=False)

    @property
    def kind(self) -> str:
        """What the event is about: ``document``, ``map``, ``list`` or ``stream``."""
        return self.type.split("_", 1)[0]

    @property
    def data(self) -> JsonObject | None:
        """The data after the change (a fresh copy), or None."""
        return None if self.data_json is None else decode_data(self.data_json)

    @property
    def previous_data(self) -> JsonObject | None:
        """The data before the change (a fresh copy), on updates and removals."""
        return None if self.previous_data_json is None else decode_data(self.previous_data_json)

    def to_dict(self) -> dict[str, Any]:
        """The event as JSON-ready values (dates as ``YYYY-MM-DDTHH:MM:SSZ``)."""
        return json_fields(self, _EVENT_JSON)


_build_event: Final = builder(SyncEvent)


class Change(NamedTuple):
    """A change of one object, as an operation announces it (before it is numbered).

    ``row`` is the Document, Map, List or Stream as it now is; ``item`` the item
    concerned, as it now is (or was, for a removal); ``data`` and ``previous`` the JSON
    text after and before; ``when`` the instant of the change (an expiry's own instant);
    ``recorded`` the instant it was committed when that is later than ``when`` (an
    expiry removed after its instant: the change feed keeps it for its retention from
    then, :mod:`sync_core.changes`), else None.
    """

    type: str
    row: ObjectRow
    identity: str
    when: datetime
    item: ItemRow | None = None
    data: str | None = None
    previous: str | None = None
    message_sid: str | None = None
    expired: bool = False
    recorded: datetime | None = None


#: A :class:`Change` from the tuple of all its fields' values, in order: one C call, where
#: the named tuple's own ``__new__`` is a Python function (for the hot paths;
#: ``tests/unit/test_hot_paths.py`` checks it makes what ``Change`` makes).
new_change: Final[Callable[[tuple[Any, ...]], Change]] = partial(tuple.__new__, Change)


def make_event(change: Change, *, sequence: int, account_sid: str) -> SyncEvent:
    """The event of ``change``, numbered ``sequence``.

    A Stream has no revision; an item's event carries the item's revision and its
    container's.
    """
    # Built slot by slot (:mod:`sync_core._build`): an event is made on every write.
    return event_from_fields(event_fields(change, sequence, account_sid))


#: The values of a :class:`SyncEvent`'s fields, in their order (:func:`event_fields`).
EventFields = tuple[Any, ...]


def event_fields(change: Change, sequence: int, account_sid: str) -> EventFields:
    """The values of the fields of the event of ``change`` numbered ``sequence``, in
    the order of :class:`SyncEvent`'s: strings, ints, None, a bool and a datetime, so
    that the tuple holds no object the garbage collector follows (the change feed of a
    :class:`~sync_core.storage.MemoryStorage` keeps them, :func:`event_from_fields`
    makes the event). The two revisions are the rows' ints, held already, made text
    when the event is built: the text of each would be two more objects made on every
    write and kept as long as the feed keeps the event.
    """
    # Every field at once: a named tuple's fields are read through _tuplegetter, which
    # Python 3.11 does not specialize (this runs on every write).
    kind, row, identity, when, item, data, previous, message_sid, expired, _ = change
    assert kind in EVENT_TYPES, kind
    object_revision = None if row.kind == "stream" else row.revision
    position = None if item is None else item.position
    return (
        sequence,
        kind,
        account_sid,
        row.service_sid,
        identity,
        when,
        row.sid,
        row.unique_name,
        object_revision,
        object_revision if item is None else item.revision,
        position if isinstance(position, str) else None,
        position if isinstance(position, int) else None,
        message_sid,
        expired,
        data,
        previous,
    )


def event_from_fields(fields: EventFields) -> SyncEvent:
    """The event whose fields are ``fields`` (:func:`event_fields`'s): its revisions
    as text."""
    (seq, kind, account, service, identity, when, sid, name, obj_rev, rev, *rest) = fields
    return _build_event(
        seq,
        kind,
        account,
        service,
        identity,
        when,
        sid,
        name,
        None if obj_rev is None else str(obj_rev),
        None if rev is None else str(rev),
        *rest,
    )


def webhook_url(service: ServiceRow | None, identity: str) -> str | None:
    """Where a change made by ``identity`` in ``service`` is posted, if anywhere.

    Twilio's rule (https://www.twilio.com/docs/sync/webhooks): a service calls its
    ``webhook_url`` for changes made by client identities always, and for changes made
    through the REST API (``system``, expiry included) only when
    ``webhooks_from_rest_enabled`` is true.

    >>> from datetime import datetime, UTC
    >>> when = datetime(2025, 1, 1, tzinfo=UTC)
    >>> service = ServiceRow(sid="IS1", account_sid="AC1", seq=1, date_created=when,
    ...                      date_updated=when, webhook_url="https://example.com/hook")
    >>> webhook_url(service, "alice"), webhook_url(service, "system")
    ('https://example.com/hook', None)
    """
    if service is None or service.webhook_url is None:
        return None
    if identity != SYSTEM or service.webhooks_from_rest_enabled:
        return service.webhook_url
    return None


#: Webhook parameter prefixes of each object kind (Twilio's ``DocumentSid``, ``ListSid``...).
_WEBHOOK_PREFIX: Final = {"document": "Document", "map": "Map", "list": "List", "stream": "Stream"}


def webhook_params(event: SyncEvent) -> dict[str, str]:
    """The form parameters Twilio posts to a service's ``webhook_url`` for ``event``.

    Common to all (Twilio's page, verbatim): ``AccountSid``, ``ServiceSid``,
    ``EventType``, ``Identity`` (``system`` for REST-made changes and for expiry). Then
    the object's ``<Kind>Sid`` and ``<Kind>UniqueName`` (when it has one); a Document's
    or a Map's or List's own events add ``<Kind>Revision``, a Document's
    ``DocumentData`` (not on removal); an item's events add ``EventId`` (the event's
    sequence number), ``ItemKey`` or ``ItemIndex`` and ``ItemData`` (not on removal); a
    stream message adds ``MessageSid`` and ``MessageData``. Values are text, as a form
    post carries them. docs/events.md says which names are Twilio's words and which are
    inferred.

    >>> from datetime import datetime, UTC
    >>> event = SyncEvent(sequence=7, type="list_item_added", account_sid="AC1",
    ...     service_sid="IS1", identity="alice", date=datetime(2025, 1, 1, tzinfo=UTC),
    ...     object_sid="ES1", object_unique_name="jobs", object_revision="1",
    ...     revision="0", item_index=0, data_json='{"n":1}')
    >>> webhook_params(event)
    {'AccountSid': 'AC1', 'ServiceSid': 'IS1', 'EventType': 'list_item_added', 'Identity': 'alice', 'ListSid': 'ES1', 'ListUniqueName': 'jobs', 'EventId': '7', 'ItemIndex': '0', 'ItemData': '{"n":1}'}
    """
    prefix = _WEBHOOK_PREFIX[event.kind]
    params = {
        "AccountSid": event.account_sid,
        "ServiceSid": event.service_sid,
        "EventType": event.type,
        "Identity": event.identity,
        f"{prefix}Sid": event.object_sid,
    }
    if event.object_unique_name is not None:
        params[f"{prefix}UniqueName"] = event.object_unique_name
    is_item = event.item_key is not None or event.item_index is not None
    if is_item:
        params["EventId"] = str(event.sequence)
        if event.item_key is not None:
            params["ItemKey"] = event.item_key
        else:
            params["ItemIndex"] = str(event.item_index)
        if event.data_json is not None:
            params["ItemData"] = event.data_json
    elif event.message_sid is not None:
        params["MessageSid"] = event.message_sid
        if event.data_json is not None:
            params["MessageData"] = event.data_json
    else:
        if event.object_revision is not None:
            params[f"{prefix}Revision"] = event.object_revision
        if event.data_json is not None:
            params[f"{prefix}Data"] = event.data_json
    return params


@attrs.define(eq=False, repr=False)
class Subscription:
    """A live subscription; :meth:`unsubscribe` (or leaving a ``with`` block) ends it.

    ``service_sid`` and ``object_sid`` say what it watches: one object, a whole service
    (``object_sid`` None), or every service of the account (both None). ``identity`` is
    who subscribed: while the service has ACLs on, a client identity only receives the
    events of objects it may read. A subscription
    to one object follows that object (its sid, not its name) and ends by itself after
    delivering the object's removal.
    """

    _hub: EventHub
    number: int
    callback: EventCallback
    service_sid: str | None
    object_sid: str | None
    identity: str
    _active: bool = attrs.field(default=True, init=False)

    @property
    def active(self) -> bool:
        """Whether the subscription still receives events."""
        return self._active

    def matches(self, event: SyncEvent) -> bool:
        """Whether ``event`` is one this subscription watches."""
        if self.service_sid is not None and self.service_sid != event.service_sid:
            return False
        return self.object_sid is None or self.object_sid == event.object_sid

    def unsubscribe(self) -> None:
        """Stop receiving events (an event already being delivered may still arrive)."""
        self._hub._remove(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.unsubscribe()

    def __repr__(self) -> str:
        target = self.object_sid or self.service_sid or "account"
        state = "active" if self._active else "ended"
        return f"<Subscription {self.number} to {target} ({state})>"


def _number(subscription: Subscription) -> int:
    return subscription.number


@attrs.frozen(eq=False, repr=False)
class _Delivery:
    """One committed event, with who is to receive it (fixed at commit time)."""

    event: SyncEvent
    subscribers: tuple[Subscription, ...]
    webhook_url: str | None
    #: The Sync's :attr:`~sync_core.engine.Engine.replacements` at the commit: the
    #: state the event is of (read, while it is delivered, as ``EventHub.delivering``).
    epoch: int = 0


def check_callback(callback: object, what: str, arguments: int = 1) -> None:
    """Refuse what cannot be called as a subscriber or a webhook sink is: called in the
    committing thread, its result unused. An ``async def`` function would make a
    coroutine that nothing awaits, and never run.

    >>> async def sink(url: str, params: dict[str, str]) -> None: ...
    >>> check_callback(sink, "a webhook sink")
    Traceback (most recent call last):
    ...
    TypeError: a webhook sink must be a plain callable, not an async function (it would never be awaited): sink

    Raises:
        TypeError: not callable, an async function, or one that cannot take
            ``arguments`` positional arguments.
    """
    if not callable(callback):
        raise TypeError(f"{what} must be callable, got {callback!r}")
    import functools
    import inspect  # imported already (attrs); here for clarity

    called: object = callback
    while isinstance(called, functools.partial):  # what a partial calls in the end
        called = called.func
    # An object's async __call__ too; a class's is its instances' (calling the class
    # makes one, at once).
    call = None if inspect.isclass(called) else getattr(called, "__call__", None)  # noqa: B004
    try:
        is_async = inspect.iscoroutinefunction(called) or inspect.iscoroutinefunction(call)
    except Exception:  # a test double whose attributes are doubles too (Mock(spec=f))
        is_async = False
    if is_async:
        name = getattr(callback, "__qualname__", None) or repr(callback)
        raise TypeError(
            f"{what} must be a plain callable, not an async function (it would never be "
            f"awaited): {name}"
        )
    try:  # called with ``arguments`` positional arguments: it must take them
        # Its own signature, not a wrapped function's (a decorator may supply some of
        # the wrapped one's arguments itself, as mock.patch does).
        signature = inspect.signature(callback, follow_wrapped=False)
    except Exception:  # no signature to read (some builtins, test doubles): trusted
        return
    try:
        signature.bind(*range(arguments))
    except TypeError as error:
        raise TypeError(
            f"{what} is called with {arguments} argument(s), and {callback!r} cannot take "
            f"them: {error}"
        ) from None


class EventHub:
    """Subscriptions, and the delivery of committed events to them in commit order.

    Thread-safe. One thread at a time delivers; the others wait until their own events
    have been delivered, so that a call returns after its callbacks ran. A callback that
    calls back into sync_core does not wait for itself: its events are queued and
    delivered, in order, as soon as the callback returns.
    """

    def __init__(self, webhook_sink: WebhookSink | None = None) -> None:
        if webhook_sink is not None:
            check_callback(webhook_sink, "a webhook sink", 2)
        self.webhook_sink = webhook_sink
        self._lock = threading.Condition(threading.Lock())
        #: The subscriptions, by number (read it; subscribe and unsubscribe change it).
        self.by_number: dict[int, Subscription] = {}
        # The same, by what they watch ((service, object), (service, None) or (None,
        # None)), each by number: an event finds those it reaches in the three it may,
        # whatever the number of subscriptions to other objects.
        self._watching: dict[tuple[str | None, str | None], dict[int, Subscription]] = {}
        self._numbers = 0
        self._queue: deque[_Delivery] = deque()
        #: The epoch (``commit``'s) of the event being delivered now: a subscriber may
        #: read it, from its callback, to know which state the event is of.
        self.delivering = 0
        self._committed = 0
        self._delivered = 0
        self._deliverer: int | None = None
        # The delivery whose callbacks run now, and the place among its subscribers of
        # the one called now (those after it have yet to hear it).
        self._running: _Delivery | None = None
        self._running_at = 0
        # Subscriptions to a deleted Service with events of it still queued: ended once
        # the queue is delivered.
        self._ending: list[Subscription] = []

    def subscribe(
        self,
        callback: EventCallback,
        service_sid: str | None,
        object_sid: str | None,
        identity: str,
    ) -> Subscription:
        """Register ``callback`` for the events of one object, a service, or all."""
        check_callback(callback, "a subscriber")
        with self._lock:
            self._numbers += 1
            subscription = Subscription(
                self, self._numbers, callback, service_sid, object_sid, identity
            )
            self.by_number[subscription.number] = subscription
            target = (service_sid, object_sid)
            self._watching.setdefault(target, {})[subscription.number] = subscription
            return subscription

    def _drop(self, number: int) -> Subscription | None:
        """Forget the subscription ``number`` (under the lock); it, if it was there."""
        subscription = self.by_number.pop(number, None)
        if subscription is not None:
            target = (subscription.service_sid, subscription.object_sid)
            watching = self._watching[target]
            del watching[number]
            if not watching:
                del self._watching[target]
        return subscription

    def _reached(self, event: SyncEvent) -> list[Subscription]:
        """The subscriptions ``event`` reaches, oldest first (under the lock): those to
        its object, to its Service, and to the whole account. O(their number)."""
        watching = self._watching
        if not watching:
            return []
        service, sid = event.service_sid, event.object_sid
        found = [
            bucket
            for bucket in (
                watching.get((None, None)),
                watching.get((service, None)),
                watching.get((service, sid)),
                watching.get((None, sid)),
            )
            if bucket
        ]
        if not found:
            return []
        if len(found) == 1:
            return list(found[0].values())
        return list(heapq.merge(*(bucket.values() for bucket in found), key=_number))

    def _remove(self, subscription: Subscription) -> None:
        with self._lock:
            subscription._active = False
            self._drop(subscription.number)

    def to_service(self, service_sid: str) -> list[int]:
        """The numbers of the subscriptions to the Service ``service_sid`` itself."""
        with self._lock:
            return list(self._watching.get((service_sid, None), ()))

    def end(self, numbers: list[int]) -> None:
        """End the subscriptions ``numbers`` (:meth:`to_service`, read when their Service
        was deleted, the deletion committed since; or those to what a state replaced
        no longer holds): no event committed from now on reaches them. While events
        are being delivered or queued (the removals of the Service's objects among
        them, the old state's last changes), they end once the queue is delivered."""
        with self._lock:
            for number in numbers:
                subscription = self._drop(number)
                if subscription is None:
                    continue
                running = self._running
                if (
                    running is not None
                    and subscription in running.subscribers[self._running_at + 1 :]
                ) or any(subscription in queued.subscribers for queued in self._queue):
                    self._ending.append(subscription)
                else:
                    subscription._active = False

    @property
    def has_subscriptions(self) -> bool:
        """Whether anyone is subscribed (read without the lock: subscribing happens
        under the engine's lock, which the caller holds)."""
        return bool(self.by_number)

    @property
    def subscriptions(self) -> list[Subscription]:
        """The active subscriptions, oldest first."""
        with self._lock:
            return list(self.by_number.values())

    def watchers(self, event: SyncEvent) -> list[Subscription]:
        """The active subscriptions of client identities that ``event`` would reach."""
        if not self.by_number:  # the common case, without taking the lock
            return []
        with self._lock:
            return [s for s in self._reached(event) if s.identity != SYSTEM]

    def commit(self, deliveries: Sequence[Pending], epoch: int = 0) -> None:
        """Queue committed events with their webhook URL (None: no webhook call), of the
        state ``epoch`` (what :attr:`delivering` says while they are delivered).

        Called under the engine's lock, so the queue is in commit order and the
        subscribers of each event are those subscribed when it was committed (less
        those its third member names).
        """
        if not deliveries:
            return
        with self._lock:
            for event, url, denied in deliveries:
                subscribers = tuple(s for s in self._reached(event) if s.number not in denied)
                if subscribers or url is not None:
                    self._queue.append(_Delivery(event, subscribers, url, epoch))
                    self._committed += 1
                if denied and event.type in _OBJECT_REMOVALS:
                    # A subscription to the object gone that may not read it hears
                    # nothing of it, and ends now: as one that heard its removal.
                    for number in denied:
                        ended = self.by_number.get(number)
                        if ended is not None and ended.object_sid and ended.matches(event):
                            ended._active = False
                            self._drop(number)

    def forked(self) -> None:
        """In a child process just forked: forget the deliveries under way or queued in
        the parent (its threads, the child has none of), and take a lock of the child's
        own (the parent's may have been held by one of its threads at the fork)."""
        self._lock = threading.Condition(threading.Lock())
        self._deliverer = None
        self._running = None
        self._queue.clear()
        self._delivered = self._committed

    def deliver(self) -> None:
        """Deliver every event queued so far, in order, unless this thread is delivering."""
        if self._delivered >= self._committed:
            # Nothing queued. Read without the lock: this thread's own commits were
            # counted before it got here, and other threads deliver their own.
            return
        me = threading.get_ident()
        with self._lock:
            target = self._committed
            if self._deliverer == me:
                return  # called from a callback: the loop below delivers it next
            while self._deliverer is not None and self._delivered < target:
                self._lock.wait()
            if self._delivered >= target:
                return
            self._deliverer = me
        # The first BaseException a callback raised (pytest's fail, KeyboardInterrupt,
        # SystemExit): raised once every event queued is delivered to everyone.
        stopped: BaseException | None = None
        try:
            while True:
                with self._lock:
                    if not self._queue:
                        break
                    delivery = self._queue.popleft()
                    # Under the lock, with the pop: end() sees it queued, or running
                    # with none of its subscribers reached yet.
                    self._running, self._running_at = delivery, -1
                self.delivering = delivery.epoch
                try:
                    raised = self._run(delivery)
                finally:
                    with self._lock:
                        self._running = None
                        self._delivered += 1
                        self._lock.notify_all()
                if raised is not None:
                    stopped = _first(stopped, raised, delivery.event)
        finally:
            with self._lock:
                self._deliverer = None
                if self._ending and not self._queue:  # they had their last events
                    for subscription in self._ending:
                        subscription._active = False
                    self._ending.clear()
                self._lock.notify_all()
        if stopped is not None:
            raise stopped

    def _run(self, delivery: _Delivery) -> BaseException | None:
        """Give ``delivery``'s event to each of its subscribers, then to the webhook
        sink. An ``Exception`` a callback raises is logged; a ``BaseException`` (pytest's
        ``fail``, ``KeyboardInterrupt``) is returned, the first one, once everyone else
        has the event too: the caller raises it when the queue is delivered."""
        event = delivery.event
        stopped: BaseException | None = None
        for at, subscription in enumerate(delivery.subscribers):
            if not subscription.active:
                continue
            # Once it is known to be called: those after it have yet to hear the event
            # (end() from another thread, before this, waits for this one too).
            self._running_at = at
            if subscription.object_sid is not None and event.type in _OBJECT_REMOVALS:
                self._remove(subscription)  # its object is gone: this is its last event
            try:
                subscription.callback(event)
            except Exception:
                _logger().exception(
                    "subscriber %r raised on event %d (%s) of %s",
                    subscription.callback,
                    event.sequence,
                    event.type,
                    event.service_sid,
                )
            except BaseException as stop:
                stopped = _first(stopped, stop, event)
        if delivery.webhook_url is not None and self.webhook_sink is not None:
            try:
                self.webhook_sink(delivery.webhook_url, webhook_params(event))
            except Exception:
                _logger().exception(
                    "webhook sink raised on event %d (%s) for %s",
                    event.sequence,
                    event.type,
                    delivery.webhook_url,
                )
            except BaseException as stop:
                stopped = _first(stopped, stop, event)
        return stopped

    def __repr__(self) -> str:
        return f"<EventHub {len(self.by_number)} subscriptions, {len(self._queue)} queued>"


def _first(stopped: BaseException | None, stop: BaseException, event: SyncEvent) -> BaseException:
    """The ``BaseException`` to raise once the queue is delivered: the first; one after
    it is logged (with its traceback), not lost."""
    if stopped is None:
        return stop
    _logger().error(
        "a callback raised %r on event %d (%s) of %s; %r, raised before it, is the one raised",
        stop,
        event.sequence,
        event.type,
        event.service_sid,
        stopped,
        exc_info=stop,
    )
    return stopped
