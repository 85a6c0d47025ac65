"""Expiry: a document is gone from the instant ``now >= date_expires``, and finding the
expired ones never reads every document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from support import Delegating, not_found, refused

from sync_core import (
    DocumentList,
    ManualClock,
    MemoryStorage,
    Storage,
    Sync,
    SyncError,
)
from sync_core.storage import Key

YEAR = 31_536_000


def gone(call: Callable[[], object], path: str) -> None:
    """``call`` must fail with Twilio's 404 for ``path``."""
    refused(call, 404, 20404, not_found(path))


class CountingStorage(Delegating):
    """A storage that delegates to another and counts what it is asked to read."""

    def __init__(self, inner: Storage) -> None:
        super().__init__(inner)
        self.gets = 0
        self.scanned = 0
        self.deleted: list[tuple[str, Key]] = []

    @property
    def reads(self) -> int:
        """Point reads plus rows yielded by scans, since the last reset."""
        return self.gets + self.scanned

    def reset(self) -> None:
        self.gets = self.scanned = 0
        self.deleted = []

    def get(self, table: str, key: Key) -> object | None:
        self.gets += 1
        return super().get(table, key)

    def delete(self, table: str, key: Key) -> bool:
        self.deleted.append((table, key))
        return super().delete(table, key)

    def scan(self, table: str, prefix: Key, **options: Any) -> Iterator[tuple[Key, object]]:
        for entry in super().scan(table, prefix, **options):
            self.scanned += 1
            yield entry


def removed(storage: CountingStorage, sid: str) -> bool:
    """Whether ``storage`` was told to delete anything belonging to ``sid``."""
    return any(sid in key for _, key in storage.deleted)


# -- the instant of expiry ------------------------------------------------------------


@pytest.mark.parametrize("late", [0, 0.000001, 1, 3600, YEAR])
def test_a_document_stays_gone_after_its_expiry(
    sync: Sync, clock: ManualClock, late: float
) -> None:
    svc = sync.services.create()
    docs = sync.services(svc.sid).documents
    doc = docs.create(unique_name="session", ttl=10)

    clock.advance(10 + late)

    gone(lambda: docs(doc.sid).fetch(), f"/Services/{svc.sid}/Documents/{doc.sid}")
    assert docs.list() == []


def test_an_expired_unique_name_is_free_again(sync: Sync, clock: ManualClock) -> None:
    docs = sync.services(sync.services.create().sid).documents
    doc = docs.create(unique_name="session", data={"old": True}, ttl=10)
    clock.advance(10)

    again = docs.create(unique_name="session", data={"new": True})

    assert again.sid != doc.sid
    assert again.revision == "0"
    assert again.date_expires is None
    assert docs("session").fetch() == again
    assert docs.list() == [again]


def test_sync_expire_removes_what_has_expired(clock: ManualClock) -> None:
    storage = CountingStorage(MemoryStorage())
    sync = Sync(clock=clock, storage=storage, seed=7)
    docs = sync.services(sync.services.create().sid).documents
    doc = docs.create(unique_name="session", ttl=10)
    kept = docs.create(unique_name="kept", ttl=20)

    clock.advance(9)
    storage.reset()
    sync.expire()
    assert storage.deleted == []

    clock.advance(1)
    storage.reset()
    sync.expire()
    assert removed(storage, doc.sid)
    assert not removed(storage, kept.sid)

    storage.reset()
    sync.expire()  # nothing left to do
    assert storage.deleted == []
    assert docs.list() == [kept]
    sync._check()


def test_a_failed_operation_does_not_undo_an_expiry(clock: ManualClock) -> None:
    storage = CountingStorage(MemoryStorage())
    sync = Sync(clock=clock, storage=storage, seed=7)
    docs = sync.services(sync.services.create().sid).documents
    doc = docs.create(unique_name="session", ttl=10)
    clock.advance(10)
    storage.reset()

    with pytest.raises(SyncError):
        docs.create(ttl=-1)

    assert removed(storage, doc.sid)
    storage.reset()
    sync.expire()
    assert storage.deleted == []
    assert docs.list() == []
    sync._check()


# -- what moves the expiry ------------------------------------------------------------


@pytest.mark.parametrize("ttl", [0, None, "0"], ids=["zero", "not-given", "zero-text"])
def test_a_document_without_ttl_never_expires(sync: Sync, clock: ManualClock, ttl: Any) -> None:
    docs = sync.services(sync.services.create().sid).documents
    doc = docs.create(unique_name="forever", ttl=ttl)
    assert doc.date_expires is None

    clock.advance(timedelta(days=366))
    clock.advance(YEAR * 3)

    assert docs("forever").fetch() == doc
    assert docs.list() == [doc]


def test_a_data_only_update_does_not_extend_the_expiry(sync: Sync, clock: ManualClock) -> None:
    svc = sync.services.create()
    docs = sync.services(svc.sid).documents
    doc = docs.create(unique_name="session", data={"n": 0}, ttl=10)
    clock.advance(5)

    updated = docs("session").update(data={"n": 1})
    assert updated.date_expires == doc.date_expires

    clock.advance(4.999)
    assert docs("session").fetch() == updated
    clock.advance(0.001)
    gone(lambda: docs("session").fetch(), f"/Services/{svc.sid}/Documents/session")


def test_a_stale_update_does_not_move_the_expiry(sync: Sync, clock: ManualClock) -> None:
    svc = sync.services.create()
    docs = sync.services(svc.sid).documents
    doc = docs.create(unique_name="session", ttl=10)
    docs("session").update(data={"n": 1})
    clock.advance(5)

    with pytest.raises(SyncError):
        docs("session").update(ttl=3600, if_match=doc.revision)
    clock.advance(5)

    gone(lambda: docs("session").fetch(), f"/Services/{svc.sid}/Documents/session")


# -- isolation ------------------------------------------------------------------------


def test_expiry_in_one_service_leaves_the_others(sync: Sync, clock: ManualClock) -> None:
    first = sync.services.create(friendly_name="first")
    second = sync.services.create(friendly_name="second")
    short = sync.services(first.sid).documents.create(unique_name="session", ttl=10)
    stays = sync.services(first.sid).documents.create(unique_name="stays", ttl=20)
    twin = sync.services(second.sid).documents.create(unique_name="session", ttl=20)
    forever = sync.services(second.sid).documents.create(unique_name="forever")

    clock.advance(10)

    gone(
        lambda: sync.services(first.sid).documents("session").fetch(),
        f"/Services/{first.sid}/Documents/session",
    )
    gone(
        lambda: sync.services(first.sid).documents(short.sid).fetch(),
        f"/Services/{first.sid}/Documents/{short.sid}",
    )
    assert sync.services(first.sid).documents.list() == [stays]
    assert sync.services(second.sid).documents.list() == [twin, forever]
    assert sync.services(second.sid).documents("session").fetch() == twin
    assert sync.services.list() == [first, second]


def test_documents_expire_in_order_of_their_expiry(sync: Sync, clock: ManualClock) -> None:
    docs = sync.services(sync.services.create().sid).documents
    created = [docs.create(unique_name=f"d{ttl}", ttl=ttl) for ttl in (30, 10, 20, 40)]
    forever = docs.create(unique_name="forever")

    remaining = ["d30", "d10", "d20", "d40"]
    for step, expiring in ((10, "d10"), (10, "d20"), (10, "d30"), (10, "d40")):
        clock.advance(step)
        remaining.remove(expiring)
        expected = [doc for doc in created if doc.unique_name in remaining]
        assert docs.list() == [*expected, forever]


# -- cost -----------------------------------------------------------------------------


def _many(docs: DocumentList, count: int, ttl: int) -> None:
    for n in range(count):
        docs.create(unique_name=f"long{n}", ttl=ttl)


def test_expiry_does_not_read_every_document(clock: ManualClock) -> None:
    storage = CountingStorage(MemoryStorage())
    sync = Sync(clock=clock, storage=storage, seed=7)
    svc = sync.services.create()
    docs = sync.services(svc.sid).documents
    _many(docs, 1000, ttl=3600)
    short = docs.create(unique_name="short", ttl=10)
    _many(sync.services(sync.services.create().sid).documents, 1000, ttl=7200)
    probe = docs.create(unique_name="probe", ttl=YEAR)

    clock.advance(10)
    storage.reset()
    assert docs(probe.sid).fetch() == probe

    assert removed(storage, short.sid), "the expired document was removed by this call"
    assert storage.reads < 50, f"{storage.reads} rows read to expire one document"

    storage.reset()
    gone(lambda: docs("short").fetch(), f"/Services/{svc.sid}/Documents/short")
    assert storage.reads < 50
    assert storage.deleted == []
    assert len(docs.list()) == 1001
    sync._check()


def test_an_operation_with_nothing_expired_reads_little(clock: ManualClock) -> None:
    storage = CountingStorage(MemoryStorage())
    sync = Sync(clock=clock, storage=storage, seed=7)
    docs = sync.services(sync.services.create().sid).documents
    _many(docs, 2000, ttl=3600)
    probe = docs.create(unique_name="probe")
    clock.advance(3599)

    storage.reset()
    assert docs("probe").fetch() == probe
    sync.expire()

    assert storage.reads < 50
    assert storage.deleted == []
