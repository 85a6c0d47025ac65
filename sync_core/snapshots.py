"""Snapshots of a whole :class:`~sync_core.Sync`: take one, restore it as often as wanted.

A test suite sets up its state once, takes a :class:`Snapshot`, and starts every test
(or every Hypothesis example) from it: ``sync.restore(snapshot)`` puts back every
record, revision, unique name, list index counter, expiry, permission and event
sequence number exactly, and the SID generator where it was (a seeded one then makes
the same SIDs again). ``sync.reset()`` empties the state instead.

Both keep what is not state: the clock (it never goes back), the subscribers, the
webhook sink and the configuration. Both forget the request journal, which records the
requests made since.

Cost, on :class:`~sync_core.MemoryStorage`: ``snapshot()``, ``restore()`` and
``reset()`` are O(tables), about a dozen dict copies, whatever the number of rows; the
first write to a table afterwards copies it (O(its rows)). On
:class:`~sync_core.SqliteStorage`: O(entries), one query and one transaction. On a
storage of your own without :class:`~sync_core.storage.base.Snapshots`: O(entries),
through its five methods.

>>> from sync_core import Sync, ManualClock
>>> sync = Sync(clock=ManualClock(), seed=1)
>>> docs = sync.services("default").documents
>>> _ = docs.create(unique_name="prefs", data={"theme": "dark"})
>>> saved = sync.snapshot()
>>> _ = docs("prefs").update(data={"theme": "light"})
>>> _ = docs.create(unique_name="other")
>>> sync.restore(saved)
>>> docs("prefs").fetch().data, [d.unique_name for d in docs.list()]
({'theme': 'dark'}, ['prefs'])
>>> sync.reset()
>>> list(sync.services.list())
[]
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["Snapshot", "reset", "restore", "take"]


class Snapshot:
    """The whole state of a :class:`~sync_core.Sync` at one instant. Opaque and immutable.

    Restore it into the ``Sync`` that took it, or into another one of the same account
    and storage class (a fresh ``Sync`` per test, say), as often as wanted.
    """

    __slots__ = ("_sids", "_state", "account_sid", "storage_type", "taken_at")

    def __init__(
        self,
        *,
        account_sid: str,
        storage_type: type,
        taken_at: datetime,
        state: object,
        sids: object | None,
    ) -> None:
        #: The account of the Sync it was taken from.
        self.account_sid = account_sid
        #: The class of that Sync's storage: a snapshot is restored into the same.
        self.storage_type = storage_type
        #: The clock's time when it was taken.
        self.taken_at = taken_at
        self._state = state
        self._sids = sids

    def __repr__(self) -> str:
        return (
            f"<Snapshot of {self.account_sid} at {self.taken_at.isoformat()} "
            f"({self.storage_type.__name__})>"
        )


def take(engine: Engine) -> Snapshot:
    """A snapshot of the state now (what expired by now is removed first, as by any call)."""
    with engine.exclusive() as now:
        return Snapshot(
            account_sid=engine.account_sid,
            storage_type=type(engine.storage),
            taken_at=now,
            state=engine.store.snapshot(),
            sids=engine._sids_place(),  # a seeded generator's (getstate and setstate)
        )


def restore(engine: Engine, snapshot: Snapshot) -> None:
    """Make the state what it was at ``snapshot``, and the SID generator too.

    Raises:
        TypeError: ``snapshot`` is not a :class:`Snapshot`.
        ValueError: it was taken from another account or another class of storage.
    """
    if not isinstance(snapshot, Snapshot):
        raise TypeError(f"restore() takes a Snapshot (sync.snapshot()), not {snapshot!r}")
    if snapshot.account_sid != engine.account_sid:
        raise ValueError(
            f"this snapshot is of account {snapshot.account_sid}, "
            f"this Sync's is {engine.account_sid}"
        )
    if snapshot.storage_type is not type(engine.storage):
        raise ValueError(
            f"this snapshot was taken from a {snapshot.storage_type.__name__}; "
            f"this Sync keeps its state in a {type(engine.storage).__name__}"
        )
    setstate = getattr(engine.sids, "setstate", None)
    with engine.exclusive(sweep=False):
        engine.store.restore(snapshot._state)  # atomic: raising, it replaced nothing
        try:
            engine.replaced()
        finally:  # replaced: the rest is done, whatever replaced() met
            if snapshot._sids is not None and setstate is not None:
                setstate(snapshot._sids)
            engine.on_replaced()


def reset(engine: Engine) -> None:
    """Empty the state: no service left (the default one is made again on first use)."""
    with engine.exclusive(sweep=False):
        engine.store.clear()  # atomic: raising, it cleared nothing
        try:
            engine.replaced()
        finally:  # cleared: the rest is done, whatever replaced() met
            engine.on_replaced()
