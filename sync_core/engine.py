"""The shared state behind one :class:`~sync_core.Sync`: lock, clock, transaction, events.

Every public operation runs as ``with engine.operation() as now:``, which

1. takes the one coarse lock (operations are atomic under concurrent callers),
2. reads ``now`` once from the clock (one now per operation),
3. removes whatever expired at or before ``now`` (:mod:`sync_core.expiry`), earliest
   expiry first, in a transaction of its own, when anything can be due,
4. runs the operation's body in a storage transaction: if the body raises, none of
   its writes are kept and none of its events are sent,
5. queues the events the body emitted (:meth:`Engine.emit`) in commit order, and,
   once the lock is released, delivers them (:class:`~sync_core.events.EventHub`).

On a storage other processes write too (:class:`~sync_core.storage.base.SharedStorage`,
as a SQLite file several server workers open), the body's transaction begins first and
``now`` is read under the storage's lock, so that it is never earlier than that of an
operation committed before; the storage is asked whether anyone else committed since
this process last asked; if so, what this process knew of the state (the expiry floor)
is forgotten; whatever is due by ``now`` is removed in the body's transaction before
the body reads, and again apart if the body fails (:mod:`sync_core.operation`). Only
such a storage is asked: the in-memory one pays nothing for it.

Steps 3 and 4 are the one transaction path (:mod:`sync_core.operation`). Operations do not
nest: an operation started inside another (from the same thread, under the lock) is
refused with an ``AssertionError``, as it would read a second ``now``. What an event is
and who hears it are the business of :mod:`sync_core.events` and :mod:`sync_core.acl`;
the engine only numbers and queues them.
"""

from __future__ import annotations

import inspect
import os
import threading
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, cast

from . import acl
from .changes import DEFAULT_RETENTION, ChangeFeed, ChangeRetention, Follower
from .clock import Clock
from .events import Change, EventHub, Pending, SyncEvent, WebhookSink, make_event, webhook_url
from .expiry import Expiry
from .limits import TWILIO_LIMITS, Limits
from .operation import (
    _NESTED,
    _Exclusive,
    _ForkedMidway,
    _Operation,
    _SharedOperation,
    _Transaction,
    in_utc,
)
from .rows import ObjectRow, ServiceRow
from .sids import SidGenerator
from .storage.base import ChangeNotices, SharedStorage, Storage
from .store import Store

if TYPE_CHECKING:
    from .faults import Faults
    from .lazy_expiry import LazyExpiry
    from .rates import RateLimiter, RateLimits, Touch

__all__ = ["Engine"]


#: Every engine, and those on a storage others write too (:class:`SharedStorage`), for
#: :func:`_after_fork_in_child`.
_ENGINES: Final[weakref.WeakSet[Engine]] = weakref.WeakSet()
_SHARED_ENGINES: Final[weakref.WeakSet[Engine]] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """In a child process just forked, give each engine locks of the child's own where
    one of the parent's threads may have held them at the fork (inside an operation,
    delivering events, following the feed): the child, which has none of its threads,
    would wait for them forever at its first call.

    An engine on a shared storage then meets the storage's refusal
    (:class:`~sync_core.storage.StorageForkedError`, documented). One in memory goes on
    with its copy of the state if no other thread was inside an operation at the fork;
    if one was, the state may be half-written, and every operation on it raises
    ``StorageForkedError`` (make a new Sync in the child)."""
    for engine in list(_ENGINES):
        shared = engine in _SHARED_ENGINES
        # Held by a thread the child does not have (this thread's own is re-entrant).
        midway = not engine.lock.acquire(blocking=False)
        if not midway:
            engine.lock.release()
        if shared or midway:
            engine.lock = threading.RLock()
            engine._operating = False
            engine._pending = None
            engine._touches = None
            engine._sids_back = None
            engine._wake = False
        if midway and not shared:
            engine._operation = cast(type[_Operation], _ForkedMidway)
        engine.committed = threading.Condition(threading.Lock())
        engine.listening = threading.Lock()
        engine.events.forked()


if hasattr(os, "register_at_fork"):  # POSIX; elsewhere there is no fork
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Engine:
    """The lock, clock, store, SID generator, event hub and limits one
    :class:`~sync_core.Sync` shares.

    ``limits`` are Twilio's unless lowered (:class:`~sync_core.limits.Limits`); every
    rule reads them here, once per call.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        storage: Storage,
        account_sid: str,
        sids: SidGenerator,
        webhook_sink: WebhookSink | None,
        limits: Limits | None = None,
        rate_limits: RateLimits | None = None,
        lazy_expiry: LazyExpiry | None = None,
        change_retention: ChangeRetention = DEFAULT_RETENTION,
        own_storage: bool = False,
    ) -> None:
        if not isinstance(change_retention, ChangeRetention):
            raise TypeError(
                f"change_retention must be a sync_core.ChangeRetention, got {change_retention!r}"
            )
        if not callable(getattr(clock, "now", None)) or (
            # The class itself: its now() needs an instance, unless static or a class's.
            isinstance(clock, type)
            and not isinstance(inspect.getattr_static(clock, "now"), staticmethod | classmethod)
        ):
            raise TypeError(
                "clock must be a clock: an object whose now() gives the time (ManualClock(), "
                f"SystemClock()), got {clock!r}"
            )
        if limits is not None and not isinstance(limits, Limits):
            raise TypeError(f"limits must be a sync_core.Limits, got {limits!r}")
        self.limits: Limits = TWILIO_LIMITS if limits is None else limits
        self.clock = clock
        self.storage = storage
        self.store = Store(storage)
        self.expiry = Expiry(self.store) if lazy_expiry is None else _lazy(self.store, lazy_expiry)
        # Whether others write to the storage too: then each operation asks it whether
        # they did (:class:`_SharedOperation`); None: nobody else does (in memory).
        shared = isinstance(storage, SharedStorage)
        self._changed_elsewhere: Callable[[], bool] | None = (
            cast(SharedStorage, storage).changed_elsewhere if shared else None
        )
        self._operation: type[_Operation] = _SharedOperation if shared else _Operation
        if shared:  # a fork of this process meets the storage's own refusal
            _SHARED_ENGINES.add(self)
        _ENGINES.add(self)
        self.account_sid = account_sid
        self.sids = sids
        self.lock = threading.RLock()
        self.events = EventHub(webhook_sink)
        # The events of the transaction under way, with their webhook URLs and the
        # subscriptions whose identity may not read them; None outside a transaction.
        # Only touched under ``lock``.
        self._pending: list[Pending] | None = None
        # Whether an operation is under way (under ``lock``): operations do not nest.
        self._operating = False
        #: The rate limits' windows (:mod:`sync_core.rates`); None: no limit (the default).
        self.limiter = None if rate_limits is None else _limiter(rate_limits)
        # What the operation under way read and wrote, for the limiter; None when no
        # limit is set or outside an operation's body.
        self._touches: list[Touch] | None = None
        # The injected faults (:mod:`sync_core.faults`, loaded when first asked for:
        # most programs inject none); None until then.
        self._faults: Faults | None = None
        #: The change feed (:mod:`sync_core.changes`); None when it keeps nothing.
        self.change_retention = change_retention
        self.feed = None if change_retention.off else ChangeFeed(self.store, change_retention)
        #: Told each service whose changes a transaction recorded (a storage that
        #: wakes other processes' followers), or None.
        self._announce = storage.announce if isinstance(storage, ChangeNotices) else None
        #: Followers waiting in this process (:meth:`follow`), the count of commits
        #: that recorded changes while any waited, and the condition they wait on.
        self.committed = threading.Condition(threading.Lock())
        self.followers = 0
        self.generation = 0
        #: Held by the one follower that waits for the storage's announcements.
        self.listening = threading.Lock()
        # Whether the transaction under way recorded changes a follower waits for.
        self._wake = False
        # Where the SID generator was before the operation under way drew a SID that a
        # rollback would otherwise spend (:meth:`draws_sids`); None: nothing to put back.
        self._sids_back: object | None = None
        #: Called, under the lock, once a reset, restore or import has replaced the
        #: whole state (the Sync forgets its request journal then: no request of the
        #: new state's is journaled before).
        self.on_replaced: Callable[[], None] = _nothing
        #: How many times the whole state was replaced (:meth:`replaced`).
        self.replacements = 0
        # Per thread, the ``replacements`` its last operation began under, once something
        # asks for it (:meth:`replacements_seen`: the REST adapter); None until then.
        self._seen: threading.local | None = None
        # A storage given (not made for this engine alone: ``own_storage``) may hold
        # another account's state, written by another process: refused at once.
        self._claims_account = not own_storage
        if self._claims_account:
            self._claim_account()

    @property
    def faults(self) -> Faults:
        """The injected faults (:mod:`sync_core.faults`); inactive while empty."""
        faults = self._faults
        if faults is None:
            from .faults import Faults

            with self.lock:
                if self._faults is None:
                    self._faults = Faults()
                faults = self._faults
        return faults

    def now(self) -> datetime:
        """Read the clock once, as UTC (:func:`~sync_core.operation.in_utc`: another
        zone's datetime converted, a naive one or no datetime refused)."""
        now = self.clock.now()
        if type(now) is not datetime or now.tzinfo is not UTC:
            now = in_utc(self.clock, now)
        return now

    def operation(self, name: str = "", resource: object = None) -> _Operation:
        """Run one atomic operation: lock, one ``now``, expiry, one transaction, events.

        Use as ``with engine.operation("fetch", self) as now:``: ``name`` (``create``,
        ``fetch``, ``update``, ``delete``, ``list``, ``subscribe``) and ``resource``
        (the list or context of the tree doing it) say what the call is, for injected
        faults (:mod:`sync_core.faults`); no resource: not a request (``expire()``).
        Operations do not nest.
        """
        return self._operation(self, name, resource)

    def follow(self) -> Follower:
        """Register a follower of the change feed; it waits for commits that record
        changes (:class:`~sync_core.changes.Follower`), until closed."""
        with self.committed:
            self.followers += 1
        return Follower(self)

    def _woken(self) -> None:
        """A transaction that recorded changes committed while followers wait: wake them."""
        self._wake = False
        self.wake_followers()

    def wake_followers(self) -> None:
        """Wake every follower waiting in this process: they read the feed again."""
        with self.committed:
            self.generation += 1
            self.committed.notify_all()

    def _fault(self, name: str, resource: object) -> None:
        """Raise the injected fault that fires on this call, if one does."""
        from .faults import aliases, describe

        call = describe(name, resource)
        self.faults.check(call, lambda: aliases(self.store, call))

    def wrote(self, row: ObjectRow) -> None:
        """Note that the operation under way changed ``row`` without an event (a Map's,
        List's or Stream's TTL), for the rate limits. Called only while
        ``engine._touches is not None``."""
        touches, limiter = self._touches, self.limiter
        if touches is not None and limiter is not None:
            limiter.wrote_row(touches, row)

    def read(self, row: ObjectRow) -> None:
        """Note that the operation under way read ``row`` (for the rate limits).

        Callers check ``engine._touches is not None`` first: this is not called at all
        while no limit is set.
        """
        touches, limiter = self._touches, self.limiter
        if touches is not None and limiter is not None:
            limiter.read(touches, row)

    def exclusive(self, *, sweep: bool = True) -> _Exclusive:
        """An operation whose body runs outside any storage transaction: for snapshots,
        restores and resets, which the storage makes atomic itself.

        Use as ``with engine.exclusive() as now:``; the state may be replaced in it,
        after which :meth:`replaced` is called. ``sweep=False`` skips removing what
        expired: the state is about to be replaced, and its removals would be announced
        for nothing.
        """
        if self._operation is cast(type[_Operation], _ForkedMidway):
            return cast(_Exclusive, _ForkedMidway(self))
        return _Exclusive(self, sweep)

    def _claim_account(self) -> None:
        """Write down whose state the storage holds, or refuse another account's.

        Raises:
            ValueError: the storage holds the state of another account (written by a
                process, or a Sync, with another ``account_sid``).
        """
        with self.storage.atomic():
            held = self.store.claim_account(self.account_sid)
        if held != self.account_sid:
            raise ValueError(
                f"this storage holds the state of the account {held}, not of "
                f"{self.account_sid}: give every Sync on one storage the same account_sid"
            )

    def replaced(self) -> None:
        """The whole state was just replaced (under the lock): forget what was known of
        it, and the rate limits' windows (a fresh start); end the subscriptions to a
        Service or object the new state does not hold (a SID made again later must not
        reach them). Last, the account is written down again (a reset removed it with
        the rest): that write failing (the storage's error; or ``ValueError``, another
        account's Sync made while the state was replaced, which took it) leaves the
        rest done."""
        self.replacements += 1  # first: a request's journal entry is judged by it
        self.expiry.forget()
        if self.limiter is not None:
            self.limiter.clear()
        store = self.store
        failed: Exception | None = None
        gone: list[int] = []
        watching = self.events.subscriptions
        done = 0
        try:
            for done, subscription in enumerate(watching):  # noqa: B007  # read in finally
                service, sid = subscription.service_sid, subscription.object_sid
                if service is None:
                    continue
                try:
                    missing = (
                        store.service(service) is None
                        if sid is None
                        else store.object_by_sid(service, sid) is None
                    )
                except Exception as error:  # unknown: ended (a SID made again must not
                    failed = failed or error  # reach it), the storage's error raised after
                    missing = True
                if missing:
                    gone.append(subscription.number)
            done = len(watching)
        finally:  # (a KeyboardInterrupt in a read: those not known to stay, and the followers)
            gone.extend(s.number for s in watching[done:] if s.service_sid is not None)
            # Ended once what the old state committed is delivered (another thread's
            # last changes, queued still): they hear of those, and of nothing after.
            self.events.end(gone)
            if self.followers:  # they read again, and hear of it
                self._woken()
        if self._claims_account:
            self._claim_account()  # its error first: another account took the storage
        if failed is not None:
            raise failed

    def replacements_seen(self) -> threading.local:
        """Where the first operation of this thread after ``epoch`` was set to None
        notes, as ``epoch``, the :attr:`replacements` it began under (operations of the
        callbacks its events run after it do not change it): the REST adapter journals
        a request only if the state its operation saw was not replaced since
        (:meth:`Journal.add <sync_core.journal.Journal.add>`)."""
        seen = self._seen
        if seen is None:
            with _SEEN_MADE:  # two adapters made at once share one
                seen = self._seen
                if seen is None:
                    seen = self._seen = threading.local()
        return seen

    def _begin(self, sweep: bool = True) -> datetime:
        """Take the lock, refuse nesting, read ``now``, sweep what expired by it (unless
        ``sweep`` is False: the caller sweeps, or replaces the state)."""
        self.lock.acquire()
        if self._operating:  # this thread is inside an operation already
            self.lock.release()
            raise AssertionError(_NESTED)
        self._operating = True
        try:
            now = self.now()
            if sweep:
                changed_elsewhere = self._changed_elsewhere
                if changed_elsewhere is not None and changed_elsewhere():
                    self.expiry.forget()  # another process wrote: the floor may be wrong
                self._sweep(now)
            return now
        except BaseException:
            self._end()
            raise

    def _sweep(self, now: datetime) -> None:
        """Remove what expired by ``now``, in a transaction of its own (under the lock)."""
        if self.expiry.may_be_due(now):
            with _Transaction(self):
                self.expiry.sweep(now, self.emit)
            self.expiry.settle()

    def _catch_up(self, now: datetime, *, forget: bool = True) -> None:
        """Another process committed since this one last looked: forget the expiry
        floor (unless ``forget`` is False: nobody did, and it holds), remove what is due
        by ``now`` inside the body's transaction (under way), and set the floor from
        what is there. The removals are announced as the sweep's are, before the body's
        events; they are no write of the body's (rate limits)."""
        if forget:
            self.expiry.forget()
        touches, self._touches = self._touches, None
        try:
            self.expiry.sweep(now, self.emit)
        finally:
            self._touches = touches
        self.expiry.settle()

    def draws_sids(self) -> None:
        """The operation under way is about to draw SIDs for something it makes as a side
        effect (the ``default`` Service, on first use): if it does not commit (a 404 or
        400 further on), the generator is put back, so a seeded Sync makes the same SIDs
        whether or not refused requests came first. A generator without ``getstate`` is
        left as it is."""
        if self._sids_back is None:
            self._sids_back = self._sids_place()

    def _put_sids_back(self) -> None:
        """Put the SID generator back where :meth:`draws_sids` found it."""
        back, self._sids_back = self._sids_back, None
        cast(Any, self.sids).setstate(back)

    def _sids_place(self) -> object | None:
        """Where a seeded SID generator is, to go back to if the operation is refused:
        None unless it has both ``getstate`` and ``setstate``
        (:class:`~sync_core.sids.SidGenerator`)."""
        getstate = getattr(self.sids, "getstate", None)
        if not callable(getstate) or not callable(getattr(self.sids, "setstate", None)):
            return None
        place: object = getstate()
        return place

    def _end(self) -> None:
        """Release the lock, then deliver the events committed so far."""
        self._operating = False
        self.lock.release()
        self.events.deliver()

    def emit(self, change: Change) -> None:
        """Queue the event of ``change``, to be sent if the transaction commits.

        The event (:func:`~sync_core.events.make_event`) takes the next number of the
        service's persistent counter, inside the transaction, so a failed operation
        uses none. Its webhook URL is decided now (:func:`~sync_core.events.webhook_url`),
        and so are the subscriptions whose identity may not read the object
        (:func:`~sync_core.acl.may_read`): a reader still hears of a removal, as this
        runs before the object's rows and permissions are deleted.
        """
        pending = self._pending
        assert pending is not None, "emit() outside an operation"
        touches = self._touches
        if touches is not None:
            cast("RateLimiter", self.limiter).wrote(touches, change)
        if self.followers:
            self._wake = True
        store, row = self.store, change.row
        sequence = store.next_event(row.service_sid)
        service = store.service(row.service_sid)
        url = (
            None
            if service is None or service.webhook_url is None
            else webhook_url(service, change.identity)
        )
        feed = self.feed
        # Built only for whoever is told (a webhook, a subscription: EventHub.by_number
        # read as has_subscriptions, without the property's call); the feed keeps an
        # event nobody is told of as it likes (unbuilt, on a MemoryStorage). With
        # neither, the number is spent.
        event = (
            None
            if url is None and not self.events.by_number
            else make_event(change, sequence=sequence, account_sid=self.account_sid)
        )
        if feed is not None:
            feed.record(change, sequence, self.account_sid, event)
            if self._announce is not None:
                self._announce(row.service_sid)
        if event is not None:
            pending.append((event, url, self._unreadable(event, service, row)))

    def _unreadable(
        self, event: SyncEvent, service: ServiceRow | None, row: ObjectRow
    ) -> frozenset[int]:
        """The subscriptions that ``event`` would reach whose identity may not read ``row``."""
        watchers = self.events.watchers(event)
        if not watchers or service is None:
            return frozenset()
        return frozenset(
            subscription.number
            for subscription in watchers
            if not acl.may_read(self.store, service, subscription.identity, row)
        )

    def expire(self) -> None:
        """Remove everything that has expired by the clock's current time."""
        with self.operation():
            pass

    def _check(self) -> None:
        """Assert the store's invariants (for tests), in one storage transaction: on a
        storage other processes write too, one state, not each read a later one."""
        with self.lock, self.storage.atomic():
            self.store._check()
            acl._check(self.store)
            if self.feed is not None:
                self.feed._check()
            check = getattr(self.storage, "_check", None)
            if check is not None:
                check()


#: Held while an engine makes its :meth:`Engine.replacements_seen` (once).
_SEEN_MADE: Final = threading.Lock()


def _limiter(rate_limits: RateLimits) -> RateLimiter:
    """The windows of the rate limits (:mod:`sync_core.rates`, loaded when first used)."""
    from .rates import RateLimiter, RateLimits

    if not isinstance(rate_limits, RateLimits):
        raise TypeError(f"rate_limits must be a RateLimits or None, got {rate_limits!r}")
    return RateLimiter(rate_limits)


def _lazy(store: Store, lazy_expiry: LazyExpiry) -> Expiry:
    """The floor and sweep of lazy expiry (:mod:`sync_core.lazy_expiry`, loaded when
    first asked for: it hashes with :mod:`hashlib`)."""
    from .lazy_expiry import LazyExpiry, LazySweep

    if not isinstance(lazy_expiry, LazyExpiry):
        raise TypeError(f"lazy_expiry must be a LazyExpiry or None, got {lazy_expiry!r}")
    return LazySweep(store, lazy_expiry)


def _nothing() -> None:
    """The default :attr:`Engine.on_replaced`."""
