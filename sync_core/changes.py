"""The change feed: every committed event, kept for a while, readable from any process.

Subscriptions (:mod:`sync_core.events`) reach the process that made a change, and only
while it runs. The feed is the durable record behind them: every event an operation
commits is kept in the storage, in the same transaction, under its per-service
sequence number (the ``changes`` table of :mod:`sync_core.store`), so
``sync.changes(service_sid, after=n)`` gives the events numbered above ``n``, in order,
from any process that opens the same storage (memory, SQLite, PostgreSQL), and a
follower that remembers the last number it handled misses nothing, across restarts.

What is kept is bounded by a :class:`ChangeRetention` (``Sync(change_retention=...)``):
by default the events of the last day. A follower that asks for changes the feed no
longer keeps is told so (:class:`ChangesGoneError`, naming the oldest sequence still
kept), never handed the rest as if nothing were missing; so is one whose position is
beyond the last event (the state was reset or restored behind it).

``wait`` makes a follower block until something is new (or the time is up) instead of
polling: this process's own commits wake it at once; a storage that offers
:class:`~sync_core.storage.base.ChangeNotices` (PostgreSQL's ``LISTEN``/``NOTIFY``)
wakes it for every process's commits; on any other shared storage (a SQLite file) it
looks again every :data:`POLL_INTERVAL` seconds. docs/changes.md shows a server
forwarding the feed to websocket clients.

The feed is sync_core's, not Twilio's: Twilio's clients follow changes over their
websocket, and its REST API keeps no history. Its events are the very
:class:`~sync_core.events.SyncEvent` records subscribers and webhooks get.

>>> from datetime import timedelta
>>> from sync_core import Sync, ManualClock
>>> clock = ManualClock()
>>> sync = Sync(clock=clock, seed=2, change_retention=ChangeRetention(age=timedelta(hours=1)))
>>> sid = sync.services.create().sid
>>> _ = sync.services(sid).documents.create(unique_name="d", data={"n": 1})
>>> _ = sync.services(sid).documents("d").update(data={"n": 2})
>>> [(e.sequence, e.type, e.data) for e in sync.changes(sid)]
[(1, 'document_created', {'n': 1}), (2, 'document_updated', {'n': 2})]
>>> [e.sequence for e in sync.changes(sid, after=1)]
[2]
>>> _ = clock.advance(timedelta(hours=2))
>>> sync.changes(sid, after=1)
Traceback (most recent call last):
...
sync_core.changes.ChangesGoneError: the change feed of IS... no longer keeps the changes after 1: the oldest kept is 3 (none is kept now; the next will be that one)
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import attrs

from .errors import NOT_FOUND, SyncError
from .events import Change, SyncEvent
from .lookup import DEFAULT_SERVICE_NAME, resolve_service, service_path
from .sids import is_sid
from .store import Store

if TYPE_CHECKING:
    from .engine import Engine

__all__ = [
    "DEFAULT_RETENTION",
    "POLL_INTERVAL",
    "ChangeFeed",
    "ChangeRetention",
    "ChangesGoneError",
    "read_changes",
]

#: The most events of one service the default retention keeps.
DEFAULT_COUNT: Final = 10_000
#: The most events one read returns.
MAX_LIMIT: Final = 1000
#: How often (seconds) a waiting follower looks again at a shared storage that cannot
#: announce commits (a SQLite file several processes write).
POLL_INTERVAL: Final = 0.05
#: The longest one wait lasts before the follower reads again (below the longest
#: timeout a lock takes, ``threading.TIMEOUT_MAX``).
_SLICE: Final = 3600.0
#: The longest one wait for a storage's announcement lasts before the follower reads again.
_NOTICE_SLICE: Final = 0.5
#: Every so many recorded events, this process prunes what fell out of the retention
#: window in one service, the next of a walk over all of them (the cost is spread).
_PRUNE_EVERY: Final = 256
#: The most events one such step removes (above ``_PRUNE_EVERY``, so that the walk keeps
#: up with any number of services writing at once, and drains an idle one's backlog).
_PRUNE_MOST: Final = 1024
#: How many visits to services that remove nothing end a step of the walk (its visits
#: that remove events go on, paid for by what they remove).
_PRUNE_IDLE: Final = 16
#: How many events one query of a trim reads.
_PRUNE_BATCH: Final = 256


def _age(_: object, attribute: Any, value: Any) -> None:
    if value is not None and (not isinstance(value, timedelta) or value <= timedelta(0)):
        raise ValueError(f"age must be a positive timedelta or None, got {value!r}")


def _count(_: object, attribute: Any, value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValueError(f"count must be an int >= 0 or None, got {value!r}")


@attrs.frozen
class ChangeRetention:
    """How much of the change feed is kept: events younger than ``age``, and at most
    the last ``count`` of each service. ``None`` lifts that bound; both None keep
    everything; ``count=0`` keeps nothing (the feed is off, and costs nothing).

    The default keeps a day of events, at most the last 10,000 of each service (an
    event held in memory costs about 750 bytes and its data, new and old: with 16 KiB of
    data, about 320 MiB a service; a server on the in-memory storage whose data is large
    lowers ``count``). A server whose followers may fall further behind, on a durable
    storage, raises ``count`` or lifts it.

    >>> ChangeRetention()
    ChangeRetention(age=datetime.timedelta(days=1), count=10000)
    >>> ChangeRetention(count=-1)
    Traceback (most recent call last):
    ...
    ValueError: count must be an int >= 0 or None, got -1
    """

    age: timedelta | None = attrs.field(default=timedelta(days=1), validator=_age)
    count: int | None = attrs.field(default=DEFAULT_COUNT, validator=_count)

    @property
    def off(self) -> bool:
        """Whether nothing is kept."""
        return self.count == 0


#: Keep a day of events.
DEFAULT_RETENTION: Final = ChangeRetention()


class ChangesGoneError(LookupError):
    """A follower asked for changes the feed does not hold. ``reason`` says why:

    - ``"pruned"``: those after ``after`` fell out of the retention window; ``oldest``
      is the oldest sequence still kept after ``after`` (``latest + 1`` when none is);
    - ``"ahead"``: ``after`` is beyond ``latest``, the service's last sequence (its
      state was reset, restored or imported since the follower read it; a state
      without the service at all makes its SID a :class:`~sync_core.NotFoundError`);
    - ``"rewound"``: the event the follower passed as ``after`` is not the one the feed
      now holds under its number (a restore or import rewound the feed, and new events
      took the numbers again).

    Not a :class:`~sync_core.SyncError`: no Twilio request fails this way. Resume from
    a fresh read of the state (list what the follower mirrors, or ``export_state()``),
    then follow from ``latest``.
    """

    def __init__(
        self, service_sid: str, after: int, oldest: int, latest: int, reason: str = "pruned"
    ) -> None:
        self.service_sid = service_sid
        self.after = after
        self.oldest = oldest
        self.latest = latest
        self.reason = reason
        if reason == "ahead":
            message = (
                f"the change feed of {service_sid} ends at {latest}, before {after}: "
                "its state was reset, restored or imported since"
            )
        elif reason == "rewound":
            message = (
                f"the change feed of {service_sid} was rewound (a restore or an import): "
                f"its event {after} is not the one handled; it now ends at {latest}"
            )
        else:
            kept = (
                "none is kept now; the next will be that one"
                if oldest > latest
                else f"the newest is {latest}"
            )
            message = (
                f"the change feed of {service_sid} no longer keeps the changes after "
                f"{after}: the oldest kept is {oldest} ({kept})"
            )
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[object, ...]:
        args = (self.service_sid, self.after, self.oldest, self.latest, self.reason)
        return (type(self), args)


class _Forgotten(Exception):
    """A read found the feed of a deleted Service empty, and forgot it: a 404 once the
    read's transaction has kept that."""


class ChangeFeed:
    """The feed's rules over a :class:`~sync_core.store.Store`: what is recorded, what is
    pruned, what a read returns. One per :class:`~sync_core.engine.Engine`; every
    method runs inside an operation's transaction."""

    __slots__ = ("_recorded", "_walk", "retention", "store")

    def __init__(self, store: Store, retention: ChangeRetention) -> None:
        self.store = store
        self.retention = retention
        self._recorded = 0
        # Where the pruning walk over the services is (a SID; "" before the first).
        self._walk = ""

    def record(
        self, change: Change, sequence: int, account_sid: str, event: SyncEvent | None
    ) -> None:
        """Keep the event of ``change`` numbered ``sequence`` (``event``, if it is built
        already); every :data:`_PRUNE_EVERY` events, prune one service."""
        self.store.put_change(change, sequence, account_sid, event)
        if change.recorded is not None:  # an expiry, removed after its instant
            self.store.put_change_time(change.row.service_sid, sequence, change.recorded)
        self._recorded += 1
        if self._recorded >= _PRUNE_EVERY:
            self._recorded = 0
            self._prune_next(change.when)

    def _prune_next(self, now: datetime) -> None:
        """One step of a walk over every service whose feed keeps events (by SID, round
        and round): trim the next one, and go on to the following ones while each
        visit removes something, up to :data:`_PRUNE_MOST` events a step. A visit that
        removes nothing ends the step once :data:`_PRUNE_IDLE` such visits are made, and
        a step stops when it comes round to where it started. A service with more to
        remove than the step's budget is trimmed again first next time.

        A visit that removes events is paid for by them, so the walk keeps up with any
        number of services, however few events each keeps (a Service per test, made
        and deleted: a handful of events each); the visits that find nothing to remove
        are bounded by a step. A deleted Service whose last events are removed has its
        counters forgotten (:meth:`~sync_core.store.Store.forget_feed`).
        """
        store = self.store
        budget, idle, first = _PRUNE_MOST, _PRUNE_IDLE, None
        while budget > 0 and idle > 0:
            service_sid = store.next_feed_service(self._walk)
            if service_sid is None:  # the end of the walk: start again
                service_sid = store.next_feed_service("")
            if service_sid is None or service_sid == first:
                return
            if first is None:
                first = service_sid
            done, removed = self._trim(service_sid, now, budget)
            if not done:
                return  # more to remove there: the next step starts with it again
            self._walk = service_sid
            budget -= removed
            if not removed:
                idle -= 1
            elif store.service(service_sid) is None and not store.changes_from(service_sid, 0, 1):
                store.forget_feed(service_sid)

    def _cutoff(self, now: datetime) -> datetime | None:
        """The date at or before which an event is out of the window (None: no age)."""
        age = self.retention.age
        if age is None:
            return None
        try:
            return now - age
        except OverflowError:  # an age longer than the calendar: nothing is that old
            return None

    def _trim(self, service_sid: str, now: datetime, most: int | None = None) -> tuple[bool, int]:
        """Remove the events of ``service_sid`` the retention no longer keeps, oldest
        first, about ``most`` at most (None: all of them); whether it is done, and how
        many it removed.

        Those beyond the count go by number, unread, as one run
        (:meth:`~sync_core.store.Store.drop_changes_through`). Then the oldest left are
        read, a batch at a time, and those out of the age window before the first within
        it go as one run a batch (an event dated out of order is judged by its own date:
        it waits for those before it; an expiry removed after its instant, by when it
        was committed, :meth:`~sync_core.store.Store.change_time`).
        """
        store, retention = self.store, self.retention
        head = store.oldest_change(service_sid)
        if head is None:
            return True, 0
        first, left, total = head[0], most, 0
        if retention.count is not None:
            below = store.last_sequence(service_sid) - retention.count
            if first <= below:
                stop = below if left is None else min(below, first + left - 1)
                total = store.drop_changes_through(service_sid, first, stop)
                if stop < below:
                    return False, total
                if left is not None:
                    left -= total
                first = below + 1
        cutoff = self._cutoff(now)
        if cutoff is None:
            return True, total
        # Most trims remove nothing more: the head's date alone first (read already, if
        # it is still the head).
        if head[0] == first and head[1] > cutoff:
            return True, total
        batch = 1
        while left is None or left > 0:
            wanted = batch if left is None else min(batch, left)
            events = store.changes_from(service_sid, first - 1, wanted)
            out = 0
            for event in events:
                if event.date > cutoff or store.change_time(event) > cutoff:
                    break
                out += 1
            if out:
                store.drop_changes_through(service_sid, first, events[out - 1].sequence)
                total += out
                if left is not None:
                    left -= out
            if out < len(events) or len(events) < wanted:
                return True, total  # one within the window, or the end of the feed
            first = events[-1].sequence + 1
            batch = min(batch * 4, _PRUNE_BATCH)
        return False, total

    def read(
        self,
        service_sid: str,
        after: int,
        limit: int,
        now: datetime,
        handled: SyncEvent | None = None,
    ) -> list[SyncEvent]:
        """Up to ``limit`` kept events of ``service_sid`` numbered above ``after``, each
        within the window (an event dated out of order is judged by its own date; an
        expiry removed after its instant, by when it was committed).

        Raises:
            ChangesGoneError: the events right after ``after`` are no longer kept,
                ``after`` is beyond the last event, or the feed no longer holds
                ``handled`` (the event numbered ``after`` the follower handled).
        """
        store = self.store
        self._trim(service_sid, now)
        if store.service(service_sid) is None and not store.changes_from(service_sid, 0, 1):
            # A deleted Service whose last events are gone (as the walk finds it).
            store.forget_feed(service_sid)
            raise _Forgotten(service_sid)
        latest = store.last_sequence(service_sid)
        if after > latest:
            raise ChangesGoneError(service_sid, after, latest + 1, latest, "ahead")
        if handled is not None:
            kept = store.change(service_sid, after)
            if (kept is not None and kept != handled) or (
                kept is None and after <= store.history_start(service_sid)
            ):
                # Another event under its number (a restore, an import, and new events
                # numbered again); or none, and an import dropped the history it was of.
                raise ChangesGoneError(service_sid, after, after + 1, latest, "rewound")
        cutoff = self._cutoff(now)
        events = store.changes_from(service_sid, after, limit)
        expected = after + 1
        for at, event in enumerate(events):
            if event.sequence != expected or (
                cutoff is not None and event.date <= cutoff and store.change_time(event) <= cutoff
            ):
                events = events[:at]  # a hole: what follows is read after it, or refused
                break
            expected += 1
        if not events and after < latest:
            oldest = self._oldest(service_sid, after, now, latest)
            raise ChangesGoneError(service_sid, after, oldest, latest)
        return events

    def _oldest(self, service_sid: str, after: int, now: datetime, latest: int) -> int:
        """The first sequence above ``after`` still kept and within the window, or
        ``latest + 1`` when there is none."""
        cutoff = self._cutoff(now)
        while events := self.store.changes_from(service_sid, after, _PRUNE_BATCH):
            for event in events:
                if cutoff is None or event.date > cutoff or self.store.change_time(event) > cutoff:
                    return event.sequence
            after = events[-1].sequence
        return latest + 1

    def _check(self) -> None:
        """Assert that each service's kept events are a run of sequences with no gap,
        ending at its last event (for tests: every event was recorded by a Sync whose
        feed was on)."""
        runs: dict[str, list[int]] = {}
        for event in self.store.all_changes():
            runs.setdefault(event.service_sid, []).append(event.sequence)
        for service_sid, sequences in runs.items():
            first = sequences[0]
            assert sequences == list(range(first, first + len(sequences))), (
                f"a gap in the feed of {service_sid}"
            )
            assert sequences[-1] == self.store.last_sequence(service_sid), (
                f"the feed of {service_sid} misses its last events"
            )


def _check_args(service: object, after: object, limit: object, wait: object) -> float:
    if not isinstance(service, str) or not service:
        raise TypeError(f"the service must be a Service SID or unique name, got {service!r}")
    if isinstance(after, SyncEvent):
        after = after.sequence
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise ValueError(
            f"after must be an int >= 0 (a sequence number) or a SyncEvent, got {after!r}"
        )
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be an int from 1 to {MAX_LIMIT}, got {limit!r}")
    if isinstance(wait, bool) or not isinstance(wait, int | float) or not wait >= 0:
        raise ValueError(f"wait must be a number of seconds >= 0, got {wait!r}")
    try:
        seconds = float(wait)
    except OverflowError:  # an int too large for a float
        seconds = math.inf
    if math.isinf(seconds):
        raise ValueError("wait must be finite")
    return seconds


def read_changes(
    engine: Engine, service: str, after: int | SyncEvent, limit: int, wait: float
) -> list[SyncEvent]:
    """``sync.changes(...)``: read the feed once; if nothing is new, wait up to ``wait``
    seconds for something to be, reading again each time a commit may have brought it.

    ``after`` is a sequence number, or the last event handled: then a feed rewound
    under it (a restore or an import, and new events numbered again) is reported. The
    feed of a deleted Service stays readable by its SID while its events are kept.

    Raises:
        NotFoundError: 20404, no such Service, and nothing kept under that SID.
        ChangesGoneError: see :class:`ChangesGoneError`.
        TypeError, ValueError: arguments of the wrong type or range.
    """
    seconds = _check_args(service, after, limit, wait)
    handled = after if isinstance(after, SyncEvent) else None
    position = after.sequence if isinstance(after, SyncEvent) else after
    deadline = time.monotonic() + seconds
    follower = engine.follow() if seconds > 0 else None
    try:
        while True:
            with engine.operation("changes") as now:
                feed = engine.feed
                # The default Service, made by this read: a refusal does not keep it.
                made = (
                    service == DEFAULT_SERVICE_NAME and engine.store.service_named(service) is None
                )
                sid = _service_sid(engine, service, now)
                generation = engine.generation
                try:
                    if handled is not None and handled.service_sid != sid:
                        if is_sid(service, "IS"):  # asked of one Service, given another's
                            raise ValueError(
                                f"after is an event of {handled.service_sid}, not of {sid}"
                            )
                        # The name is another Service's now (default made again after a
                        # reset or a restore): the feed followed is not this one.
                        latest = engine.store.last_sequence(sid)
                        raise ChangesGoneError(sid, position, 1, latest, "rewound")
                    events = (
                        _nothing_kept(engine.store, sid, position)
                        if feed is None
                        else feed.read(sid, position, limit, now, handled)
                    )
                    gone = None
                except (ChangesGoneError, _Forgotten) as error:
                    if made:  # refused: the default Service goes back, its SID unspent
                        raise
                    gone = error  # raised once what the read trimmed (and forgot) is kept
            if isinstance(gone, _Forgotten):  # nothing under that SID any more
                raise NOT_FOUND.error(path=service_path(service))
            if gone is not None:
                raise gone
            left = deadline - time.monotonic()
            if events or follower is None or left <= 0:
                return events
            follower.wait(generation, left)
    finally:
        if follower is not None:
            follower.close()


def _nothing_kept(store: Store, service_sid: str, after: int) -> list[SyncEvent]:
    """A read of a feed that keeps nothing (``count=0``): nothing new if ``after`` is the
    last sequence; else the changes after it are gone."""
    latest = store.last_sequence(service_sid)
    if after != latest:
        raise ChangesGoneError(
            service_sid, after, latest + 1, latest, "ahead" if after > latest else "pruned"
        )
    return []


def _service_sid(engine: Engine, service: str, now: datetime) -> str:
    """The SID of the Service addressed, or of a deleted one whose feed is kept."""
    try:
        return resolve_service(engine, now, service).sid
    except SyncError:
        if is_sid(service, "IS") and engine.store.last_sequence(service) > 0:
            return service
        raise


class Follower:
    """A follower waiting for commits (:meth:`Engine.follow`): woken by this process's
    commits, by the storage's announcements when it makes them, else by polling."""

    __slots__ = ("_engine", "_notices", "_poll")

    def __init__(self, engine: Engine) -> None:
        from .storage.base import ChangeNotices, SharedStorage

        self._engine = engine
        storage = engine.storage
        self._notices = storage if isinstance(storage, ChangeNotices) else None
        shared = self._notices is None and isinstance(storage, SharedStorage)
        self._poll = POLL_INTERVAL if shared else math.inf

    def wait(self, generation: int, timeout: float) -> None:
        """Until a commit after the read that saw ``generation``, or ``timeout``."""
        engine = self._engine
        if self._notices is not None and engine.listening.acquire(blocking=False):
            # This follower listens for the storage's announcements, for every follower
            # of this Sync: what it hears wakes them all.
            try:
                heard = self._notices.wait_announced(min(timeout, _NOTICE_SLICE))
            finally:
                engine.listening.release()
            if heard:
                engine.wake_followers()
            return
        if self._notices is not None:  # another follower listens, and wakes this one
            timeout = min(timeout, _NOTICE_SLICE)
        with engine.committed:
            engine.committed.wait_for(
                lambda: engine.generation != generation, min(timeout, self._poll, _SLICE)
            )

    def close(self) -> None:
        """Stop following."""
        with self._engine.committed:
            self._engine.followers -= 1
