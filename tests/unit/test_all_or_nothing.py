"""A call that fails half-way through its writes leaves no trace.

The domain validates before it writes; these tests make the *storage* fail in the
middle of an operation's writes and check that the operation's earlier writes are gone.
"""

from __future__ import annotations

import pytest
from support import Delegating

from sync_core import ManualClock, MemoryStorage, Storage, Sync
from sync_core.storage import Key


class Flaky(Delegating):
    """A MemoryStorage whose ``put`` fails once, the n-th time from when it is armed."""

    def __init__(self) -> None:
        super().__init__(MemoryStorage())
        self.countdown: int | None = None

    def arm(self, puts: int) -> None:
        self.countdown = puts

    def put(self, table: str, key: Key, value: object) -> None:
        if self.countdown is not None:
            self.countdown -= 1
            if self.countdown == 0:
                self.countdown = None
                raise OSError("disk full")
        super().put(table, key, value)


def snapshot(storage: Storage) -> dict[str, list[tuple[Key, object]]]:
    tables = ["services", "service_order", "service_names", "objects", "object_order"]
    tables += ["object_names", "expiry", "counters"]
    return {name: list(storage.scan(name, ())) for name in tables}


@pytest.mark.parametrize("failing_put", [1, 2, 3, 4, 5])
def test_a_create_that_fails_half_way_leaves_nothing(failing_put: int) -> None:
    storage = Flaky()
    sync = Sync(clock=ManualClock(), storage=storage, seed=1)
    docs = sync.services("default").documents
    docs.create(unique_name="first", ttl=60)
    before = snapshot(storage.inner)
    storage.arm(failing_put)
    with pytest.raises(OSError, match="disk full"):
        docs.create(unique_name="second", data={"a": 1}, ttl=30)
    assert snapshot(storage.inner) == before
    sync._check()
    assert [d.unique_name for d in docs.list()] == ["first"]


@pytest.mark.parametrize("failing_put", [1, 2])
def test_an_update_that_fails_half_way_leaves_the_document(failing_put: int) -> None:
    storage = Flaky()
    sync = Sync(clock=ManualClock(), storage=storage, seed=1)
    docs = sync.services("default").documents
    doc = docs.create(unique_name="d", ttl=60)
    storage.arm(failing_put)
    with pytest.raises(OSError, match="disk full"):
        docs("d").update(data={"b": 2}, ttl=120)
    assert docs("d").fetch() == doc
    sync._check()


def test_the_first_use_of_default_is_undone_with_a_failed_call() -> None:
    sync = Sync(clock=ManualClock(), seed=1)
    with pytest.raises(Exception, match="54011"):
        sync.services("default").documents.create(ttl=-1)
    assert sync.services.list() == []
