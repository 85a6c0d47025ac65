"""sync_core end to end on the storage, against the same run on ``MemoryStorage``."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Final, Protocol, runtime_checkable

from ...clock import ManualClock
from ...errors import SyncError
from ...storage.base import Key, Storage
from ...storage.memory import MemoryStorage
from ...store import (
    COUNTERS,
    EXPIRY,
    ITEM_TABLES,
    OBJECT_NAMES,
    OBJECT_ORDER,
    OBJECTS,
    PERMISSIONS,
    SERVICE_NAMES,
    SERVICE_ORDER,
    SERVICES,
)
from ...sync import Sync
from .support import _expect_table, _fail, _require, _show

# -- end to end ---------------------------------------------------------------------

#: Every table sync_core keeps (:mod:`sync_core.store`).
SYNC_TABLES: Final = (
    SERVICES,
    SERVICE_ORDER,
    SERVICE_NAMES,
    OBJECTS,
    OBJECT_ORDER,
    OBJECT_NAMES,
    EXPIRY,
    COUNTERS,
    PERMISSIONS,
    *(table for pair in ITEM_TABLES.values() for table in pair),
)


@runtime_checkable
class _Record(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


def _plain(value: object) -> object:
    if isinstance(value, _Record):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _drive(sync: Sync, clock: ManualClock) -> list[tuple[str, object]]:
    """Use every part of sync_core; what each step answered, in order."""
    out: list[tuple[str, object]] = []

    def step(label: str, action: Callable[[], object]) -> Any:
        try:
            result = action()
        except SyncError as err:
            out.append((label, ("error", err.status, err.code)))
            return None
        out.append((label, _plain(result)))
        return result

    alpha = step("service alpha", lambda: sync.services.create(friendly_name="alpha \U0001f600"))
    beta = step(
        "service beta",
        lambda: sync.services.create(friendly_name="beta", webhook_url="https://example.com/h"),
    )
    step("default service", lambda: sync.services("default").fetch())
    a = sync.services(alpha.sid)

    docs = a.documents
    step("doc d1", lambda: docs.create(unique_name="d1", data={"n": 1}, ttl=100))
    d2 = step("doc d2", lambda: docs.create(unique_name="d2", data={"\U0001f600": [1, None]}))
    step("doc caf\u00e9", lambda: docs.create(unique_name="caf\u00e9", ttl=500))
    step("doc unnamed", lambda: docs.create(data={"x": "y" * 1000}))
    step("doc taken name", lambda: docs.create(unique_name="d1"))
    step("doc d2 update", lambda: docs("d2").update(data={"n": 2}, if_match=d2.revision))
    step("doc stale update", lambda: docs("d2").update(data={"n": 3}, if_match="0"))
    step("doc ttl", lambda: docs(d2.sid).update(ttl=300))
    step("docs", lambda: docs.list())
    step("docs page 1", lambda: list(docs.page(page_size=2)))
    step("docs page 2", lambda: list(docs.page(page_size=2).next_page() or []))

    maps = a.sync_maps
    step("map scores", lambda: maps.create(unique_name="scores"))
    items = maps("scores").sync_map_items
    keys = ["b", "a", "\U0001f600", "\uffff", "\u00e9", "a\x00", "Z", "10", "9", "ab"]
    for n, key in enumerate(keys):
        step(
            f"item {key!r}",
            partial(items.create, key=key, data={"n": n}, item_ttl=50 if n % 3 == 0 else 0),
        )
    step("item taken", lambda: items.create(key="b", data={}))
    step("item update", lambda: items("a").update(data={"n": "updated"}))
    step("item delete", lambda: items("ab").delete())
    step("items asc", lambda: items.list())
    step("items desc", lambda: items.list(order="desc"))
    step("items from b", lambda: items.list(from_="b", bounds="exclusive"))
    step("items desc from b", lambda: items.list(order="desc", from_="b"))
    step("items paged", lambda: items.list(page_size=3))
    step("map short", lambda: maps.create(unique_name="short", collection_ttl=150))
    for key in ("x", "y"):
        step(f"short item {key}", partial(maps("short").sync_map_items.create, key=key, data={}))

    lists = a.sync_lists
    step("list queue", lambda: lists.create(unique_name="queue"))
    queue = lists("queue").sync_list_items
    for n in range(6):
        step(f"list item {n}", partial(queue.create, data={"job": n}, item_ttl=50 if n % 2 else 0))
    step("list item delete", lambda: queue(2).delete())
    step("list item update", lambda: queue(4).update(data={"job": "four"}))
    step("list items desc", lambda: queue.list(order="desc"))
    step("list items from 3", lambda: queue.list(from_=3))

    a.update(acl_enabled=True)
    for identity in ("zed", "alice", "\u00e9ve", "bob", "\U0001f600"):
        grant = docs("d2").document_permissions(identity)
        step(
            f"doc permission {identity}",
            partial(grant.update, read=True, write=identity < "c", manage=False),
        )
        map_grant = maps("scores").sync_map_permissions(identity)
        step(
            f"map permission {identity}",
            partial(map_grant.update, read=True, write=False, manage=identity == "alice"),
        )
    step(
        "list permission",
        partial(
            lists("queue").sync_list_permissions("bob").update, read=True, write=True, manage=True
        ),
    )
    step("permission delete", lambda: docs("d2").document_permissions("bob").delete())
    step("doc permissions", lambda: docs("d2").document_permissions.list())
    step("doc permissions paged", lambda: docs("d2").document_permissions.list(page_size=2))
    step("map permissions", lambda: maps("scores").sync_map_permissions.list())
    alice = a.for_identity("alice")
    step("alice reads", lambda: alice.documents("d2").fetch())
    step("alice writes", lambda: alice.documents("d2").update(data={"by": "alice"}))
    step("zed writes", lambda: a.for_identity("zed").documents("d2").update(data={}))
    step(
        "zed reads a map item",
        lambda: a.for_identity("zed").sync_maps("scores").sync_map_items("b").fetch(),
    )

    streams = a.sync_streams
    step("stream", lambda: streams.create(unique_name="s", ttl=60))
    step("stream message", lambda: streams("s").stream_messages.create(data={"m": 1}))

    b = sync.services(beta.sid)
    step("beta doc", lambda: b.documents.create(unique_name="d", data={}))
    step("beta map", lambda: b.sync_maps.create(unique_name="m", ttl=1000))
    step("beta map item", lambda: b.sync_maps("m").sync_map_items.create(key="k", data={}, ttl=10))
    step("beta list", lambda: b.sync_lists.create())
    step(
        "beta permission",
        partial(
            b.documents("d").document_permissions("x").update, read=True, write=True, manage=True
        ),
    )

    for seconds in (60, 60, 100, 800):
        clock.advance(seconds)
        sync.expire()
        step(f"+{seconds}s docs", lambda: docs.list())
        step(f"+{seconds}s d1", lambda: docs("d1").fetch())
        step(f"+{seconds}s items", lambda: items.list())
        step(f"+{seconds}s list items", lambda: queue.list())
        step(f"+{seconds}s maps", lambda: maps.list())
        step(f"+{seconds}s streams", lambda: streams.list())
        step(f"+{seconds}s beta maps", lambda: b.sync_maps.list())

    step("delete beta", lambda: b.delete())
    step("beta after delete", lambda: b.fetch())
    step("delete queue", lambda: lists("queue").delete())
    step("delete queue again", lambda: lists("queue").delete())
    step("doc that outlives the scenario", lambda: docs.create(unique_name="late", ttl=5000))
    step("item that outlives it", lambda: items.create(key="late", data={}, item_ttl=5000))
    step("services", lambda: sync.services.list())
    step("services desc page", lambda: list(sync.services.page(page_size=1)))
    step("another service", lambda: sync.services.create(friendly_name="gamma"))
    step("services at the end", lambda: sync.services.list())
    return out


def _dump(storage: Storage) -> dict[str, list[tuple[Key, object]]]:
    return {table: list(storage.scan(table, ())) for table in SYNC_TABLES}


def _sync_end_to_end(storage: Storage, thorough: bool) -> None:
    reference = MemoryStorage()
    try:
        clock = ManualClock()
        expected = _drive(Sync(storage=reference, clock=clock, seed=7), clock)
        clock = ManualClock()
        sync = Sync(storage=storage, clock=clock, seed=7)
        got = _drive(sync, clock)
        for (label, value), (_, want) in zip(got, expected, strict=False):
            _require(
                value == want,
                f"Sync over this storage answered {label!r} with {_show(value)}, "
                f"over MemoryStorage with {_show(want)}",
            )
        _require(len(got) == len(expected), "a different number of steps")
        try:
            sync._check()
        except AssertionError as err:
            raise _fail(f"sync._check() failed after the scenario: {err}") from err
        want_tables = _dump(reference)
        for table in SYNC_TABLES:
            _expect_table(storage, table, dict(want_tables[table]), "the tables sync_core kept")
    finally:
        reference.close()
