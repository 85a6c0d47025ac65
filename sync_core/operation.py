"""One operation of an :class:`~sync_core.engine.Engine`: its lock, its one ``now``, the
sweep of what expired, and the body's storage transaction, whose events are queued if,
and only if, it commits (:meth:`Engine.operation <sync_core.engine.Engine.operation>`,
:meth:`Engine.exclusive <sync_core.engine.Engine.exclusive>`).

The context managers are classes, made once per call: every public call runs one.
:class:`_SharedOperation` is the one on a storage other processes write too, which
reads ``now`` under the storage's lock.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, NoReturn, cast

from .clock import Clock
from .errors import SyncError
from .events import Pending
from .store import micros

if TYPE_CHECKING:
    from .engine import Engine
    from .rates import RateLimiter, Touch

__all__: list[str] = []


#: Why an operation begun inside another is refused.
_NESTED: Final = (
    "sync_core operations do not nest: one operation reads one now "
    "(a clock, storage or callback called back into the same Sync under its lock)"
)


def _naive(clock: Clock) -> NoReturn:
    """Refuse what ``clock`` gave: a naive datetime (:meth:`Engine.now`)."""
    raise TypeError(f"{clock!r}.now() returned a naive datetime; it must be UTC")


def in_utc(clock: Clock, now: object) -> datetime:
    """What ``clock.now()`` gave, ``now``, as the UTC datetime every rule reads: an aware
    datetime of another zone is the same instant in UTC (a TTL added to it lasts its
    seconds across a change of daylight saving time, and every date shown is UTC).

    >>> from datetime import timedelta, timezone
    >>> in_utc(None, datetime(2025, 1, 1, 5, tzinfo=timezone(timedelta(hours=5))))
    datetime.datetime(2025, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)

    Raises:
        TypeError: ``now`` is not a datetime, or is naive (also a ``tzinfo`` whose
            ``utcoffset()`` is None).
        ValueError: ``now`` is past the end of the calendar in UTC (9999-12-31T23:00
            at -05:00).
    """
    if not isinstance(now, datetime):
        raise TypeError(f"{clock!r}.now() returned {type(now).__name__}, not a datetime")
    if now.tzinfo is None or now.utcoffset() is None:
        _naive(clock)
    try:
        return now.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{clock!r}.now() is past the year 9999 in UTC: {now!r}") from None


class _Transaction:
    """One storage transaction whose events are queued if, and only if, it commits."""

    __slots__ = ("_atomic", "_engine", "_pending")
    _atomic: AbstractContextManager[None]
    _pending: list[Pending]

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __enter__(self) -> None:
        engine = self._engine
        self._pending = []
        self._atomic = engine.storage.atomic()
        self._atomic.__enter__()
        engine._pending = self._pending

    def __exit__(self, *exc_info: Any) -> None:
        engine = self._engine
        engine._pending = None
        try:
            self._atomic.__exit__(*exc_info)  # commits, or rolls back on an error
        except BaseException:
            engine._wake = False
            raise
        if exc_info[0] is None:
            if self._pending:  # most operations queue no event: no call then
                engine.events.commit(self._pending, engine.replacements)
            if engine._wake:
                engine._woken()
        else:
            engine._wake = False


class _Operation(_Transaction):
    """The context manager of :meth:`Engine.operation`: the lock, ``now``, the sweep, and
    the body's transaction (a class: it runs on every call).

    The sweep's transaction and the body's are both :class:`_Transaction`'s.
    """

    __slots__ = ("_name", "_now", "_resource", "_sids")

    def __init__(self, engine: Engine, name: str, resource: object) -> None:
        self._engine = engine
        self._name = name
        self._resource = resource

    def __enter__(self) -> datetime:  # type: ignore[override]  # it gives the operation's now
        engine = self._engine
        # Engine._begin(sweep=False), inline: every call runs it.
        engine.lock.acquire()
        if engine._operating:  # this thread is inside an operation already
            engine.lock.release()
            raise AssertionError(_NESTED)
        engine._operating = True
        seen = engine._seen
        if seen is not None and getattr(seen, "epoch", 0) is None:
            # A REST request's first operation (the adapter set None): the state's
            # epoch; an operation of a callback its events run does not change it.
            seen.epoch = engine.replacements
        try:
            now = engine.clock.now()  # Engine.now(), inline
            if type(now) is not datetime or now.tzinfo is not UTC:
                now = in_utc(engine.clock, now)
            faults = engine._faults
            if faults is not None and faults.active and self._resource is not None:
                engine._fault(self._name, self._resource)  # before anything, the sweep too
            if engine.expiry.may_be_due(now):  # checked here: the call costs when nothing is
                engine._sweep(now)
            if engine.limiter is not None and _counted(self._name, self._resource):
                engine._touches = []
                self._now = now
                self._sids = engine._sids_place()
            # The body's transaction: _Transaction.__enter__, inline (every call runs it).
            pending: list[Pending] = []
            self._pending = pending
            self._atomic = atomic = engine.storage.atomic()
            atomic.__enter__()
            engine._pending = pending
            return now
        except BaseException:
            engine._touches = None
            engine._end()
            raise

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        engine = self._engine
        try:
            touches = engine._touches
            admitted = None
            if touches is not None:
                engine._touches = None
                if kind is None and touches:
                    self._admit(touches)
                    admitted = touches
            # _Transaction.__exit__, inline (every call runs it): commit, or roll back.
            engine._pending = None
            try:
                self._atomic.__exit__(kind, value, traceback)
            except BaseException:
                engine._wake = False
                if admitted is not None:  # a failed commit: nothing was written
                    cast("RateLimiter", engine.limiter).take_back(admitted)
                raise
            if kind is None:
                if self._pending:  # most operations queue no event: no call then
                    engine.events.commit(self._pending, engine.replacements)
                if engine._wake:
                    engine._woken()
                engine._sids_back = None  # what the body drew is spent
            else:
                engine._wake = False
        finally:
            try:
                if engine._sids_back is not None:  # not committed: the SIDs drawn go back
                    engine._put_sids_back()
            finally:  # (a generator's setstate that raises still lets the lock go)
                # Engine._end(), inline: release the lock, then deliver what committed.
                engine._operating = False
                engine.lock.release()
                engine.events.deliver()

    def _admit(self, touches: list[Touch]) -> None:
        """Count what the body read and wrote against the rate limits; a refusal rolls
        the body back (nothing changed, no event) and is raised."""
        engine = self._engine
        limiter = engine.limiter
        assert limiter is not None
        try:
            limiter.admit(micros(self._now), touches)
        except SyncError as refused:
            _Transaction.__exit__(self, type(refused), refused, refused.__traceback__)
            if self._sids is not None:  # a SID the refused body made is not spent
                cast(Any, engine.sids).setstate(self._sids)
            raise


class _SharedOperation(_Operation):
    """:class:`_Operation` on a storage that others write too
    (:class:`~sync_core.storage.base.SharedStorage`).

    The body's transaction begins first, and ``now`` is read once it has: the
    storage's lock, which every process takes in turn, is held by then, so ``now`` is
    never earlier than that of an operation committed before this one. (Read before
    waiting for the lock, it could be: the operation would find alive what another
    process had found expired and answered 404 for, and could write it back to life
    with a new TTL, or date a write before the one it follows.)

    Then it asks the storage whether anyone else committed since this process last
    asked. If so, the expiry floor may be wrong (another process wrote a TTL this one
    never saw): :meth:`Engine._catch_up` removes what is due by ``now`` in this
    transaction and sets the floor again. If not, what may be due by ``now`` is removed
    in this transaction too (there is no earlier one). If the transaction then does
    not commit (a 404 because what was asked for expired, say), those removals are
    undone with it, and made again at once in a transaction of their own, for the same
    ``now`` (:meth:`_sweep_apart`): what expired stays removed, and is announced once.
    """

    __slots__ = ("_caught_up",)

    def __enter__(self) -> datetime:  # type: ignore[override]  # as _Operation
        engine = self._engine
        engine.lock.acquire()
        if engine._operating:  # this thread is inside an operation already
            engine.lock.release()
            raise AssertionError(_NESTED)
        engine._operating = True
        self._caught_up = False
        seen = engine._seen
        if seen is not None and getattr(seen, "epoch", 0) is None:  # as _Operation's
            seen.epoch = engine.replacements
        try:
            pending: list[Pending] = []
            self._pending = pending
            self._atomic = atomic = engine.storage.atomic()
            atomic.__enter__()  # waits for the storage's lock
            engine._pending = pending
        except BaseException:
            engine._end()
            raise
        try:
            now = self._now = engine.now()
            faults = engine._faults
            if faults is not None and faults.active and self._resource is not None:
                engine._fault(self._name, self._resource)  # before anything, the sweep too
            if engine.limiter is not None and _counted(self._name, self._resource):
                engine._touches = []
                self._sids = engine._sids_place()
            if cast(Callable[[], bool], engine._changed_elsewhere)():
                self._caught_up = True
                engine._catch_up(now)
            elif engine.expiry.may_be_due(now):
                self._caught_up = True
                engine._catch_up(now, forget=False)
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return now

    def __exit__(self, *exc_info: Any) -> None:
        # _Operation.__exit__, but forgetting the floor, under the lock, if the catch-up's
        # removals were rolled back with the body (a failed body, a refusal, a failed
        # commit): the floor set after them is too high then.
        engine = self._engine
        committed = False
        try:
            touches = engine._touches
            admitted = None
            if touches is not None:
                engine._touches = None
                if exc_info[0] is None and touches:
                    self._admit(touches)
                    admitted = touches
            try:
                _Transaction.__exit__(self, *exc_info)
            except BaseException:
                if admitted is not None:  # a failed commit: nothing was written
                    cast("RateLimiter", engine.limiter).take_back(admitted)
                raise
            committed = exc_info[0] is None
            if committed:
                engine._sids_back = None
        finally:
            try:
                if self._caught_up and not committed:
                    self._sweep_apart()
                if engine._sids_back is not None:
                    engine._put_sids_back()
            finally:  # (a generator's setstate that raises still lets the lock go)
                engine._end()

    def _sweep_apart(self) -> None:
        """The body's transaction did not commit, and the removals of what was due by
        its ``now`` went with it: make them again, for the same ``now``, in a
        transaction of their own (under the process's lock still). Nobody can have
        brought back what was due then: a later operation's ``now`` is no earlier. If
        that fails too, the floor is forgotten, and the next operation removes them."""
        engine = self._engine
        engine.expiry.forget()
        try:
            with _Transaction(engine):
                engine.expiry.sweep(self._now, engine.emit)
            engine.expiry.settle()
        except Exception:  # the storage failing still: the body's error is the one raised
            engine.expiry.forget()


class _ForkedMidway:
    """What every call of an in-memory engine makes in a child process forked while
    another thread of the parent was inside one of its operations: its state may be
    half-written there (:func:`sync_core.engine._after_fork_in_child`)."""

    __slots__ = ()

    def __init__(self, engine: Engine, *args: object) -> None:
        pass

    def __enter__(self) -> datetime:
        from .storage.errors import StorageForkedError

        raise StorageForkedError(
            "this process was forked while another thread was changing this Sync's "
            "in-memory state: that state may be half-written here; make a new Sync in "
            "the child (or fork when no thread uses it)"
        )

    def __exit__(self, *exc_info: object) -> None:
        return None


def _counted(name: str, resource: object) -> bool:
    """Whether the rate limits count a call: not a subscription (it reads nothing, and
    what it registers is no state to roll back), nor a Service's own operation (deleting
    one is no write to each of its objects)."""
    return name != "subscribe" and getattr(resource, "_fault_kind", None) != "service"


class _Exclusive:
    """The context manager of :meth:`Engine.exclusive`: an operation without the body's
    transaction, for what replaces the whole state (a restore, a reset)."""

    __slots__ = ("_engine", "_sweep")

    def __init__(self, engine: Engine, sweep: bool) -> None:
        self._engine = engine
        self._sweep = sweep

    def __enter__(self) -> datetime:
        return self._engine._begin(self._sweep)

    def __exit__(self, *exc_info: object) -> None:
        self._engine._end()
