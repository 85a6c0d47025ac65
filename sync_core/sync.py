"""The root object: :class:`Sync`, one in-process Twilio Sync account."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, overload

from .actor import SYSTEM
from .changes import DEFAULT_RETENTION, ChangeRetention, read_changes
from .clock import Clock, SystemClock
from .engine import Engine
from .events import EventCallback, Subscription, SyncEvent, WebhookSink, check_callback
from .journal import DEFAULT_JOURNAL_BYTES, DEFAULT_JOURNAL_SIZE, Journal, JournalEntry
from .limits import Limits
from .service import ServiceContext, ServiceList
from .sids import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    RandomSids,
    SeededSids,
    SidGenerator,
    is_sid,
)
from .storage.base import Storage
from .storage.memory import MemoryStorage

if TYPE_CHECKING:
    from .faults import Faults
    from .lazy_expiry import LazyExpiry
    from .rates import RateLimits
    from .snapshots import Snapshot

__all__ = ["Sync"]


class _ImportState:
    """``Sync.import_state(data, **options)``: a new Sync holding ``data``;
    ``sync.import_state(data)``: make this Sync's state exactly ``data``.

    ``data`` is :mod:`sync_core.state`'s format (``export_state()`` gives it; a fixture
    file holds it). It is checked whole before anything changes: an invalid one raises
    :class:`~sync_core.state.StateFormatError`, naming the place, and changes nothing.
    The request journal is forgotten. ``options`` are :class:`Sync`'s; the account SID
    is the data's ``account_sid`` unless given.

    >>> from sync_core import Sync
    >>> sync = Sync(seed=1)
    >>> sync.import_state({"version": 1, "services": [{"friendly_name": "chat"}]})
    >>> [s.friendly_name for s in sync.services.list()]
    ['chat']
    >>> sync.import_state({"version": 2})
    Traceback (most recent call last):
    ...
    sync_core.state.StateFormatError: version: must be 1 (the version this sync_core reads), not 2
    >>> [s.friendly_name for s in sync.services.list()]
    ['chat']
    """

    @overload
    def __get__(self, instance: None, owner: type[Sync]) -> Callable[..., Sync]: ...

    @overload
    def __get__(self, instance: Sync, owner: type[Sync]) -> Callable[[object], None]: ...

    def __get__(
        self, instance: Sync | None, owner: type[Sync]
    ) -> Callable[..., Sync] | Callable[[object], None]:
        if instance is None:
            return functools.partial(_new_from_state, owner)
        return functools.partial(_import_into, instance)


def _new_from_state(cls: type[Sync], data: object, **options: Any) -> Sync:
    if "account_sid" not in options and isinstance(data, Mapping):
        account_sid = data.get("account_sid")
        if isinstance(account_sid, str) and is_sid(account_sid, "AC"):
            options["account_sid"] = account_sid
    sync = cls(**options)
    sync.import_state(data)
    return sync


def _import_into(sync: Sync, data: object) -> None:
    from .state import import_state

    import_state(sync._engine, data)  # the journal forgotten with it (on_replaced)


#: What a storage answers (:class:`~sync_core.storage.base.Storage`), looked up as
#: sync_core calls them (a wrapper that hands them on through ``__getattr__`` has them).
_STORAGE_METHODS: Final = ("get", "put", "delete", "scan", "atomic", "close")


class Sync:
    """One Twilio Sync account, in this process.

    Everything is optional: the real clock, in-memory storage, a fixed default account
    SID and random SIDs. Pass ``seed`` (or a ``sid_generator``) for reproducible SIDs
    and a :class:`~sync_core.ManualClock` for reproducible dates.

    The resource tree mirrors twilio-python's ``client.sync.v1``: ``sync.services``,
    ``sync.services(sid).documents``, and so on. Thread-safe: every operation is atomic.

    >>> from sync_core import Sync, ManualClock
    >>> a, b = Sync(seed=42, clock=ManualClock()), Sync(seed=42, clock=ManualClock())
    >>> a.services.create().to_dict() == b.services.create().to_dict()
    True
    >>> Sync(account_sid="not-an-account")
    Traceback (most recent call last):
    ...
    ValueError: account_sid must look like AC followed by 32 hex digits, got 'not-an-account'

    Args:
        clock: where ``now`` comes from; :class:`~sync_core.SystemClock` by default.
        storage: where state is kept; a new :class:`~sync_core.MemoryStorage` by default.
        account_sid: the ``AC...`` SID records carry.
        sid_generator: makes SIDs; random by default.
        seed: shorthand for ``sid_generator=SeededSids(seed)``.
        webhook_sink: called as ``webhook_sink(url, params)`` for each event of a
            service with a ``webhook_url`` (docs/events.md); sync_core sends nothing
            itself.
        journal_size: how many REST requests :attr:`journal` keeps (the last ones);
            0 keeps none.
        journal_bytes: about how many bytes the requests :attr:`journal` keeps may
            take (64 MiB by default); the oldest go first past it.
        auth_token: the account's auth token, a test value by default: what webhook
            signatures (``X-Twilio-Signature``) are computed with.
        limits: Twilio's limits, some lowered for a test (:class:`~sync_core.Limits`:
            data and stream message sizes, list length, page size, unique name and
            key length); Twilio's by default.
        rate_limits: Twilio's rate limits to enforce (:class:`~sync_core.RateLimits`,
            429/54009 beyond them, judged on the clock); None (the default): none.
        lazy_expiry: remove expired objects and items up to a seeded lag late, as
            Twilio may (:class:`~sync_core.LazyExpiry`, docs/clock.md); exactly at
            ``date_expires`` by default.
        change_retention: how much of the change feed (:meth:`changes`) is kept
            (:class:`~sync_core.ChangeRetention`): a day of events by default.

    Raises:
        ValueError: a malformed ``account_sid`` or empty ``auth_token``, both ``seed``
            and ``sid_generator``, or a ``journal_size``/``journal_bytes`` below 0 or
            beyond ``sys.maxsize``; a storage of another account.
        TypeError: an argument that is not of its kind: a ``clock`` with no ``now()``,
            a ``storage`` without the storage's methods, a ``sid_generator`` that
            cannot be called, a ``webhook_sink`` that cannot take ``(url, params)``,
            journal sizes that are not ints, a ``lazy_expiry``, ``limits``,
            ``rate_limits`` or ``change_retention`` of another class.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        storage: Storage | None = None,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        sid_generator: SidGenerator | None = None,
        seed: int | str | bytes | None = None,
        webhook_sink: WebhookSink | None = None,
        journal_size: int = DEFAULT_JOURNAL_SIZE,
        journal_bytes: int = DEFAULT_JOURNAL_BYTES,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        limits: Limits | None = None,
        rate_limits: RateLimits | None = None,
        lazy_expiry: LazyExpiry | None = None,
        change_retention: ChangeRetention = DEFAULT_RETENTION,
    ) -> None:
        if not is_sid(account_sid, "AC"):
            raise ValueError(
                f"account_sid must look like AC followed by 32 hex digits, got {account_sid!r}"
            )
        if not isinstance(auth_token, str) or not auth_token:
            raise ValueError(f"auth_token must be a non-empty string, got {auth_token!r}")
        if seed is not None and sid_generator is not None:
            raise ValueError("give seed or sid_generator, not both")
        if sid_generator is not None and not callable(sid_generator):
            raise TypeError(
                f"sid_generator must be callable (gen(prefix) -> SID), got {sid_generator!r}"
            )
        if storage is not None and (
            isinstance(storage, type)  # the class, not a storage
            or not all(callable(getattr(storage, name, None)) for name in _STORAGE_METHODS)
        ):
            raise TypeError(
                "storage must be a Storage (get, put, delete, scan, atomic, close: "
                f"MemoryStorage(), SqliteStorage(path)...), got {storage!r}"
            )
        for name, amount in (("journal_size", journal_size), ("journal_bytes", journal_bytes)):
            if isinstance(amount, bool) or not isinstance(amount, int):
                raise TypeError(f"{name} must be an int, got {amount!r}")
            if not 0 <= amount <= sys.maxsize:
                raise ValueError(f"{name} must be from 0 to {sys.maxsize}, got {amount}")
        sids: SidGenerator = (
            sid_generator
            if sid_generator is not None
            else (RandomSids() if seed is None else SeededSids(seed))
        )
        self._engine = Engine(
            clock=SystemClock() if clock is None else clock,
            storage=MemoryStorage() if storage is None else storage,
            own_storage=storage is None,
            account_sid=account_sid,
            sids=sids,
            webhook_sink=webhook_sink,
            limits=limits,
            rate_limits=rate_limits,
            lazy_expiry=lazy_expiry,
            change_retention=change_retention,
        )
        self.services = ServiceList(self._engine)
        #: What this Sync was asked over REST (and through the SDK), in order.
        # Its epoch is the engine's count of replacements (read in C: on every request).
        epoch = functools.partial(getattr, self._engine, "replacements")
        self.journal = Journal(journal_size, journal_bytes, epoch=epoch)
        # Forgotten under the lock, as the state is replaced: never a request of the
        # new state's (a callback's, delivered after) with it. (Held around the whole
        # call instead, the lock would be held while the events committed before are
        # delivered, and a callback calling back from another thread would wait for it.)
        self._engine.on_replaced = self.journal.clear
        self._auth_token = auth_token

    @property
    def account_sid(self) -> str:
        """The account SID every record carries."""
        return self._engine.account_sid

    @property
    def auth_token(self) -> str:
        """The account's auth token: what webhook signatures are computed with."""
        return self._auth_token

    @property
    def limits(self) -> Limits:
        """The limits this Sync applies: Twilio's, or lowered ones (``Sync(limits=...)``)."""
        return self._engine.limits

    @property
    def faults(self) -> Faults:
        """The injected faults: ``sync.faults.inject(status=503, ...)`` (:mod:`sync_core.faults`)."""
        return self._engine.faults

    @property
    def rate_limits(self) -> RateLimits | None:
        """The rate limits enforced (:mod:`sync_core.rates`), or None."""
        limiter = self._engine.limiter
        return None if limiter is None else limiter.limits

    @property
    def webhook_sink(self) -> WebhookSink | None:
        """Where webhook calls go (``webhook_sink(url, params)``); settable, None for nowhere.

        >>> from sync_core import Sync
        >>> sync, calls = Sync(seed=1), []
        >>> sync.webhook_sink = lambda url, params: calls.append((url, params["EventType"]))
        >>> svc = sync.services.create(webhook_url="https://app.test/hook",
        ...                            webhooks_from_rest_enabled=True)
        >>> _ = sync.services(svc.sid).documents.create(unique_name="d")
        >>> calls
        [('https://app.test/hook', 'document_created')]
        """
        return self._engine.events.webhook_sink

    @webhook_sink.setter
    def webhook_sink(self, sink: WebhookSink | None) -> None:
        if sink is not None:
            check_callback(sink, "a webhook sink", 2)
        with self._engine.lock:  # between two commits
            self._engine.events.webhook_sink = sink

    @property
    def clock(self) -> Clock:
        """The clock this Sync reads."""
        return self._engine.clock

    @property
    def storage(self) -> Storage:
        """The storage this Sync keeps its state in."""
        return self._engine.storage

    @property
    def requests(self) -> list[JournalEntry]:
        """The REST requests this Sync answered (through the SDK too), oldest first.

        Method, URL, query, form fields, status and error code of each
        (:mod:`sync_core.journal`); ``sync.journal.clear()`` forgets them.
        """
        return self.journal.entries

    def reset(self) -> None:
        """Back to empty: no service, no object (the default service is made again on
        first use), and the request journal forgotten.

        Keeps the clock, the SID generator, the subscribers, the webhook sink and the
        configuration. O(tables) on a :class:`~sync_core.MemoryStorage`
        (:mod:`sync_core.snapshots`).
        """
        from .snapshots import reset

        reset(self._engine)  # the journal forgotten with it (Engine.on_replaced)

    def snapshot(self) -> Snapshot:
        """The whole state now, to :meth:`restore` later, as often as wanted.

        Records, revisions, unique names, list index counters, expiries, permissions,
        event sequence numbers, and where a seeded SID generator is. O(tables) on a
        :class:`~sync_core.MemoryStorage`, O(entries) on SQLite (:mod:`sync_core.snapshots`).
        """
        from .snapshots import take

        return take(self._engine)

    def restore(self, snapshot: Snapshot) -> None:
        """Make the state exactly what it was at ``snapshot``, and forget the journal.

        ``snapshot`` comes from this Sync or another of the same account and storage
        class. The clock, subscribers and configuration stay as they are.

        Raises:
            TypeError: ``snapshot`` is not a :class:`~sync_core.snapshots.Snapshot`.
            ValueError: it is of another account or storage class.
        """
        from .snapshots import restore

        restore(self._engine, snapshot)  # the journal forgotten with it (on_replaced)

    def export_state(self) -> dict[str, Any]:
        """The whole state as a JSON-serializable dict (:mod:`sync_core.state`'s format).

        >>> from sync_core import Sync, ManualClock
        >>> sync = Sync(clock=ManualClock(), seed=5)
        >>> _ = sync.services("default").documents.create(unique_name="d", data={"a": 1})
        >>> state = sync.export_state()
        >>> state["services"][0]["documents"][0]["data"]
        {'a': 1}
        >>> Sync.import_state(state, clock=ManualClock()).export_state() == state
        True
        """
        from .state import export_state

        return export_state(self._engine)

    import_state = _ImportState()

    def expire(self) -> None:
        """Remove now whatever has expired by the clock, announcing each removal.

        Every call into the library does this first anyway; call it to have removal
        events delivered when nothing else would call in.
        """
        self._engine.expire()

    def subscribe(self, callback: EventCallback) -> Subscription:
        """Call ``callback`` with every event of every service of this account.

        >>> from sync_core import Sync
        >>> sync = Sync(seed=3)
        >>> types = []
        >>> with sync.subscribe(lambda event: types.append(event.type)):
        ...     doc = sync.services("default").documents.create(data={"a": 1})
        ...     _ = sync.services("default").documents(doc.sid).delete()
        >>> types
        ['document_created', 'document_removed']

        Raises:
            TypeError: ``callback`` cannot be called with the event (not callable, an
                async function, or one that takes no argument).
        """
        with self._engine.lock:  # as every subscription: between two commits
            return self._engine.events.subscribe(callback, None, None, SYSTEM)

    @property
    def change_retention(self) -> ChangeRetention:
        """How much of the change feed is kept (``Sync(change_retention=...)``)."""
        return self._engine.change_retention

    def changes(
        self, service: str, *, after: int | SyncEvent = 0, limit: int = 100, wait: float = 0
    ) -> list[SyncEvent]:
        """The events of ``service`` (its SID or unique name) numbered above ``after``,
        in order, at most ``limit`` (1 to 1,000), from the change feed
        (:mod:`sync_core.changes`): every event committed by any process using this
        storage, kept for the retention window (``Sync(change_retention=...)``).

        Follow a service by passing the last sequence handled as ``after``, or the last
        event handled itself: then a feed rewound under the follower (a restore or an
        import, and new events numbered again) is reported too. Follow by SID: a unique
        name is looked up at each call (``default`` made again is another Service). With
        ``wait`` (seconds), an empty answer waits until something is committed or the
        time is up. The feed of a deleted Service stays readable by its SID while its
        events are kept.

        >>> from sync_core import Sync
        >>> sync = Sync(seed=6)
        >>> svc = sync.services.create()
        >>> _ = sync.services(svc.sid).sync_lists.create(unique_name="jobs")
        >>> _ = sync.services(svc.sid).sync_lists("jobs").sync_list_items.create(data={"n": 1})
        >>> [(e.sequence, e.type) for e in sync.changes(svc.sid)]
        [(1, 'list_created'), (2, 'list_item_added')]
        >>> sync.changes(svc.sid, after=2, wait=0.01)
        []

        Raises:
            ChangesGoneError: the events right after ``after`` are no longer kept (it
                names the oldest kept), or ``after`` is beyond the service's last event.
            NotFoundError: 20404, no such Service (nor a kept feed under that SID).
            TypeError, ValueError: an argument of the wrong type or range.
        """
        return read_changes(self._engine, service, after, limit, wait)

    def for_token(
        self, token: str, api_key_secret: str, *, api_key_sid: str | None = None
    ) -> ServiceContext:
        """The identity view a Twilio Access Token grants: what a client holding it does.

        ``sync.services(<the Sync grant's service_sid, or "default">).for_identity(<the
        token's identity>)``, once the token is checked as Twilio checks it, at this
        Sync's clock: its header (HS256), its signature with ``api_key_secret``, ``exp``
        and ``nbf``, 24 hours at most, ``sub`` this account, ``iss`` an API key (the
        one given, if any), and its identity and Sync grant (:mod:`sync_core.tokens`).

        >>> from sync_core import Sync
        >>> Sync().for_token("not a token", "the API key's secret")
        Traceback (most recent call last):
        ...
        sync_core.errors.UnauthorizedError: HTTP 401 error 20101: Invalid Access Token (a token is three base64url parts separated by dots, got 1 part(s))

        Raises:
            UnauthorizedError: 401 with Twilio's code: 20101 not a token, 20102 its
                header, 20103 issuer or account, 20104 expired, 20105 not yet valid,
                20106 no identity or Sync grant, or an unknown Service, 20107 its
                signature, 20157 valid for more than 24 hours.
            ValueError: an empty ``api_key_secret``, or an ``api_key_sid`` that is not
                an ``SK`` SID.
        """
        from .tokens import identity_view

        return identity_view(self, token, api_key_secret, api_key_sid)

    def _check(self) -> None:
        """Assert every internal invariant (indexes match rows); for tests."""
        self._engine._check()

    def __repr__(self) -> str:
        return f"Sync(account_sid={self.account_sid!r}, clock={self.clock!r})"
