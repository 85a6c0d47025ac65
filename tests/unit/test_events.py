"""Events: the exact events of every change, for each object kind, and their delivery.

What each operation announces (docs/events.md): ``*_created`` for a new Document, Map,
List or Stream; ``document_updated``; ``*_item_added``/``_updated``/``_removed``;
``*_removed`` on delete and on expiry (``expired`` true, dated at the expiry, identity
``system``); nothing for a refused call, nothing for a Map's or List's TTL update.
Delivery: after the commit, outside the lock, in commit order, to the subscribers of
that moment; a raising callback is logged and harms nothing; a callback may write back.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from support import not_found, refused

from sync_core import ManualClock, Subscription, Sync, SyncEvent

Log = list[SyncEvent]


def summary(events: Log) -> list[tuple[Any, ...]]:
    """What matters of each event, in order: type, revisions, place, data, previous data."""
    return [
        (
            e.type,
            e.object_revision,
            e.revision,
            e.item_key if e.item_key is not None else e.item_index,
            e.data,
            e.previous_data,
        )
        for e in events
    ]


@pytest.fixture
def log(sync: Sync) -> Log:
    """Every event of the default service, as delivered."""
    seen: Log = []
    sync.services("default").subscribe(seen.append)
    return seen


# -- documents ------------------------------------------------------------------------


def test_a_document_announces_its_creation_updates_and_removal(sync: Sync, log: Log) -> None:
    docs = sync.services("default").documents
    doc = docs.create(unique_name="prefs", data={"theme": "dark"})
    docs("prefs").update(data={"theme": "light"})
    docs("prefs").update(ttl=60)  # a TTL-only update is an update: revision 2
    docs("prefs").delete()
    assert summary(log) == [
        ("document_created", "0", "0", None, {"theme": "dark"}, None),
        ("document_updated", "1", "1", None, {"theme": "light"}, {"theme": "dark"}),
        ("document_updated", "2", "2", None, {"theme": "light"}, {"theme": "light"}),
        ("document_removed", "2", "2", None, None, {"theme": "light"}),
    ]
    assert [e.sequence for e in log] == [1, 2, 3, 4]
    assert {(e.object_sid, e.object_unique_name, e.identity, e.expired) for e in log} == {
        (doc.sid, "prefs", "system", False)
    }
    assert all(e.kind == "document" for e in log)


def test_an_expired_document_is_announced_once_dated_at_its_expiry(
    sync: Sync, clock: ManualClock, log: Log
) -> None:
    docs = sync.services("default").documents
    doc = docs.create(data={"a": 1}, ttl=10)
    clock.advance(25)
    assert [e.type for e in log] == ["document_created"]  # nothing calls in yet
    sync.expire()
    sync.expire()
    removed = log[1:]
    assert summary(removed) == [("document_removed", "0", "0", None, None, {"a": 1})]
    assert removed[0].expired is True
    assert removed[0].identity == "system"
    assert removed[0].date == doc.date_created + timedelta(seconds=10)
    assert removed[0].object_unique_name is None


def test_a_document_subscriber_sees_only_that_document(sync: Sync) -> None:
    docs = sync.services("default").documents
    docs.create(unique_name="mine")
    docs.create(unique_name="other")
    seen: Log = []
    docs("mine").subscribe(seen.append)
    docs("other").update(data={"x": 1})
    docs("mine").update(data={"x": 2})
    docs("mine").delete()
    assert [(e.type, e.object_unique_name) for e in seen] == [
        ("document_updated", "mine"),
        ("document_removed", "mine"),
    ]


# -- maps and lists -------------------------------------------------------------------


def test_a_map_announces_its_items_and_its_removal(sync: Sync, log: Log) -> None:
    maps = sync.services("default").sync_maps
    board = maps.create(unique_name="board")
    items = maps("board").sync_map_items
    items.create(key="alice", data={"score": 1})
    items.create(key="bob", data={"score": 2})
    items("alice").update(data={"score": 5})
    items("bob").delete()
    maps("board").update(collection_ttl=3600)  # no event: Twilio defines none
    maps("board").delete()
    assert summary(log) == [
        ("map_created", "0", "0", None, None, None),
        ("map_item_added", "1", "0", "alice", {"score": 1}, None),
        ("map_item_added", "2", "0", "bob", {"score": 2}, None),
        ("map_item_updated", "3", "1", "alice", {"score": 5}, {"score": 1}),
        ("map_item_removed", "4", "0", "bob", None, {"score": 2}),
        ("map_removed", "5", "5", None, None, None),
    ]
    assert all(e.object_sid == board.sid and e.item_index is None for e in log)


def test_a_list_announces_its_items_by_index_and_its_removal(sync: Sync, log: Log) -> None:
    lists = sync.services("default").sync_lists
    lists.create(unique_name="jobs")
    items = lists("jobs").sync_list_items
    items.create(data={"n": 0})
    items.create(data={"n": 1})
    items(0).update(item_ttl=30)  # the data stays: previous and new data are equal
    items(1).delete()
    lists("jobs").delete()
    assert summary(log) == [
        ("list_created", "0", "0", None, None, None),
        ("list_item_added", "1", "0", 0, {"n": 0}, None),
        ("list_item_added", "2", "0", 1, {"n": 1}, None),
        ("list_item_updated", "3", "1", 0, {"n": 0}, {"n": 0}),
        ("list_item_removed", "4", "0", 1, None, {"n": 1}),
        ("list_removed", "4", "4", None, None, None),
    ]
    assert all(e.item_key is None for e in log)


def test_expired_items_are_announced_before_the_container_that_outlives_them(
    sync: Sync, clock: ManualClock, log: Log
) -> None:
    maps = sync.services("default").sync_maps
    maps.create(unique_name="m", collection_ttl=30)
    items = maps("m").sync_map_items
    items.create(key="late", data={"v": 2}, item_ttl=20)
    items.create(key="soon", data={"v": 1}, item_ttl=10)
    items.create(key="never", data={"v": 3})
    del log[:]
    clock.advance(100)
    sync.expire()
    assert [(e.type, e.item_key, e.object_revision, e.expired) for e in log] == [
        ("map_item_removed", "soon", "4", True),
        ("map_item_removed", "late", "5", True),
        ("map_removed", None, "5", True),  # "never" goes with its Map, unannounced
    ]
    start = clock.now() - timedelta(seconds=100)
    assert [e.date - start for e in log] == [timedelta(seconds=s) for s in (10, 20, 30)]
    assert [e.sequence for e in log] == [5, 6, 7]


def test_expiry_across_kinds_is_announced_in_expiry_time_order(
    sync: Sync, clock: ManualClock, log: Log
) -> None:
    svc = sync.services("default")
    svc.documents.create(unique_name="d", ttl=40)
    svc.sync_lists.create(unique_name="l")
    svc.sync_lists("l").sync_list_items.create(data={}, ttl=30)
    svc.sync_maps.create(unique_name="m")
    svc.sync_maps("m").sync_map_items.create(key="k", data={}, ttl=20)
    svc.sync_streams.create(unique_name="s", ttl=10)
    del log[:]
    clock.advance(50)
    svc.documents.list()  # any call announces what expired before it runs
    assert [(e.type, e.kind) for e in log] == [
        ("stream_removed", "stream"),
        ("map_item_removed", "map"),
        ("list_item_removed", "list"),
        ("document_removed", "document"),
    ]
    assert all(e.expired and e.identity == "system" for e in log)


def test_a_container_due_at_the_same_instant_as_its_item_takes_it_unannounced(
    sync: Sync, clock: ManualClock, log: Log
) -> None:
    lists = sync.services("default").sync_lists
    lists.create(unique_name="l", ttl=10)
    lists("l").sync_list_items.create(data={}, item_ttl=10)
    del log[:]
    clock.advance(10)
    sync.expire()
    assert [e.type for e in log] == ["list_removed"]


# -- refusals emit nothing ------------------------------------------------------------


def test_refused_calls_emit_nothing_and_use_no_sequence_number(sync: Sync, log: Log) -> None:
    svc = sync.services("default")
    doc = svc.documents.create(unique_name="d", data={"a": 1})
    svc.sync_maps.create(unique_name="m")
    svc.sync_maps("m").sync_map_items.create(key="k", data={})
    svc.sync_streams.create(unique_name="s")
    before = len(log)
    refused(
        lambda: svc.documents("d").update(data={"a": 2}, if_match="7"),
        412,
        20412,
        "The revision of the Document does not match the expected revision",
    )
    refused(lambda: svc.documents.create(unique_name="d"), 409, 54301, "Unique name already exists")
    refused(
        lambda: svc.sync_maps("m").sync_map_items.create(key="k", data={}),
        409,
        54208,
        "An Item with given key already exists in the Map",
    )
    refused(
        lambda: svc.sync_maps("m").sync_map_items("k").update(data={"x": "y" * 20_000}),
        413,
        54006,
        "Request entity too large",
    )
    refused(
        lambda: svc.sync_maps("m").sync_map_items("nope").delete(),
        404,
        20404,
        not_found("/Services/default/Maps/m/Items/nope"),
    )
    refused(
        lambda: svc.sync_streams("s").stream_messages.create(data=None),
        400,
        54251,
        "The 'Data' parameter cannot be null",
    )
    assert len(log) == before
    svc.documents("d").update(data={"a": 3})
    assert log[-1].sequence == before + 1  # no number was spent on the refusals
    assert svc.documents(doc.sid).fetch().revision == "1"


def test_an_operation_that_fails_half_way_emits_nothing(sync: Sync, log: Log) -> None:
    svc = sync.services("default")
    svc.sync_lists.create(unique_name="l")
    before = len(log)
    sentinel = RuntimeError("storage failed")
    storage = sync.storage
    real_put = storage.put

    def failing_put(table: str, key: Any, value: object) -> None:
        if table == "list_items":
            raise sentinel
        real_put(table, key, value)

    storage.put = failing_put  # type: ignore[method-assign]
    try:
        with pytest.raises(RuntimeError):
            svc.sync_lists("l").sync_list_items.create(data={"a": 1})
    finally:
        storage.put = real_put  # type: ignore[method-assign]
    assert len(log) == before
    assert svc.sync_lists("l").fetch().revision == "0"


# -- delivery -------------------------------------------------------------------------


def test_a_raising_callback_harms_neither_the_change_nor_the_others(
    sync: Sync, caplog: pytest.LogCaptureFixture
) -> None:
    docs = sync.services("default").documents
    docs.create(unique_name="d")
    before: Log = []
    after: Log = []

    def broken(event: SyncEvent) -> None:
        raise ValueError("subscriber bug")

    docs("d").subscribe(before.append)
    docs("d").subscribe(broken)
    docs("d").subscribe(after.append)
    with caplog.at_level(logging.ERROR, logger="sync_core.events"):
        record = docs("d").update(data={"kept": True})
    assert record.revision == "1"
    assert docs("d").fetch().data == {"kept": True}
    assert [e.type for e in before] == [e.type for e in after] == ["document_updated"]
    assert "subscriber bug" in caplog.text
    assert "document_updated" in caplog.text


class _Stop(BaseException):
    """What pytest's ``fail`` raises: a ``BaseException`` that is no ``Exception``."""


def test_a_callback_raising_a_base_exception_fails_the_call_and_no_one_loses_an_event(
    sync: Sync,
) -> None:
    # A Service of three Documents deleted: three removals, one delivery after another.
    # The first subscriber stops on the first; the others, the object subscriptions and
    # the webhook sink still get every one, and the call raises the stop at the end.
    svc = sync.services.create(
        webhook_url="https://example.test/hook", webhooks_from_rest_enabled=True
    )
    docs = sync.services(svc.sid).documents
    for name in ("a", "b", "c"):
        docs.create(unique_name=name)
    hooked: list[str] = []
    sync.webhook_sink = lambda url, params: hooked.append(params["EventType"])
    stopped: Log = []
    others: Log = []
    watched = docs("a").subscribe(others.append)

    def stopping(event: SyncEvent) -> None:
        stopped.append(event)
        raise _Stop("a test's fail()")

    sync.services(svc.sid).subscribe(stopping)
    sync.services(svc.sid).subscribe(others.append)
    with pytest.raises(_Stop, match="a test's fail"):
        sync.services(svc.sid).delete()
    removals = ["document_removed"] * 3
    assert [e.type for e in stopped] == removals  # each event reached it, once
    assert [e.type for e in others] == ["document_removed", *removals]
    assert hooked == removals
    assert not watched.active  # its Document is gone: it ended with it
    # Nothing is left queued for a later call to deliver (and raise again).
    stopped.clear()
    docs_default = sync.services("default").documents
    docs_default.create(unique_name="later")
    assert stopped == []
    sync._check()


def test_of_several_base_exceptions_the_first_is_raised_and_the_others_logged(
    sync: Sync, caplog: pytest.LogCaptureFixture
) -> None:
    docs = sync.services("default").documents

    def first(event: SyncEvent) -> None:
        raise _Stop("first")

    def second(event: SyncEvent) -> None:
        raise _Stop("second")

    sync.subscribe(first)
    sync.subscribe(second)
    with (
        caplog.at_level(logging.ERROR, logger="sync_core.events"),
        pytest.raises(_Stop, match="first"),
    ):
        docs.create(unique_name="d")
    assert "_Stop('second')" in caplog.text
    assert "is the one raised" in caplog.text


def test_a_callback_may_write_back_and_its_events_follow_in_order(sync: Sync, log: Log) -> None:
    svc = sync.services("default")
    svc.documents.create(unique_name="counter", data={"n": 0})
    svc.sync_lists.create(unique_name="audit")

    def audit(event: SyncEvent) -> None:
        if event.type == "document_updated":
            svc.sync_lists("audit").sync_list_items.create(data={"saw": event.sequence})

    with svc.documents("counter").subscribe(audit):
        svc.documents("counter").update(data={"n": 1})
        svc.documents("counter").update(data={"n": 2})
    assert [item.data for item in svc.sync_lists("audit").sync_list_items.list()] == [
        {"saw": 3},
        {"saw": 5},
    ]
    assert [(e.sequence, e.type) for e in log[2:]] == [
        (3, "document_updated"),
        (4, "list_item_added"),
        (5, "document_updated"),
        (6, "list_item_added"),
    ]


def test_events_of_a_callback_reach_the_callbacks_after_the_current_one(sync: Sync) -> None:
    docs = sync.services("default").documents
    docs.create(unique_name="a")
    docs.create(unique_name="b")
    order: list[str] = []

    def first(event: SyncEvent) -> None:
        order.append(f"first {event.object_unique_name}")
        if event.object_unique_name == "a":
            docs("b").update(data={"from": "a"})
            order.append("first wrote b")

    def second(event: SyncEvent) -> None:
        order.append(f"second {event.object_unique_name}")

    sync.services("default").subscribe(first)
    sync.services("default").subscribe(second)
    docs("a").update(data={})
    assert order == ["first a", "first wrote b", "second a", "first b", "second b"]


def test_unsubscribing_stops_delivery_and_is_idempotent(sync: Sync) -> None:
    docs = sync.services("default").documents
    docs.create(unique_name="d")
    seen: Log = []
    handle = docs("d").subscribe(seen.append)
    assert handle.active
    docs("d").update(data={"n": 1})
    handle.unsubscribe()
    handle.unsubscribe()
    assert not handle.active
    docs("d").update(data={"n": 2})
    assert len(seen) == 1
    assert "ended" in repr(handle)


def test_a_callback_that_unsubscribes_another_stops_it_at_once(sync: Sync) -> None:
    docs = sync.services("default").documents
    docs.create(unique_name="d")
    later: Log = []
    handles: list[Subscription] = []

    def stopper(event: SyncEvent) -> None:
        handles[0].unsubscribe()

    docs("d").subscribe(stopper)
    handles.append(docs("d").subscribe(later.append))
    docs("d").update(data={})
    assert later == []


def test_an_object_subscription_ends_with_its_object_and_ignores_a_namesake(
    sync: Sync,
) -> None:
    docs = sync.services("default").documents
    docs.create(unique_name="d")
    seen: Log = []
    handle = docs("d").subscribe(seen.append)
    docs("d").delete()
    assert not handle.active
    docs.create(unique_name="d", data={"new": True})
    docs("d").update(data={"again": True})
    assert [e.type for e in seen] == ["document_removed"]


def test_a_subscriber_added_after_a_change_does_not_see_it(sync: Sync) -> None:
    docs = sync.services("default").documents
    docs.create(unique_name="d")
    docs("d").update(data={"old": True})
    seen: Log = []
    with docs("d").subscribe(seen.append):
        pass
    docs("d").update(data={"new": True})
    assert seen == []


def test_subscribing_to_a_missing_object_is_404_and_subscribes_nothing(sync: Sync) -> None:
    svc = sync.services("default")
    for call, path in [
        (lambda: svc.documents("nope").subscribe(print), "/Services/default/Documents/nope"),
        (lambda: svc.sync_maps("nope").subscribe(print), "/Services/default/Maps/nope"),
        (lambda: svc.sync_lists("nope").subscribe(print), "/Services/default/Lists/nope"),
        (lambda: svc.sync_streams("nope").subscribe(print), "/Services/default/Streams/nope"),
        (lambda: sync.services("IS" + "0" * 32).subscribe(print), "/Services/IS" + "0" * 32),
    ]:
        refused(call, 404, 20404, not_found(path))
    assert sync._engine.events.subscriptions == []


def test_a_subscriber_must_be_callable(sync: Sync) -> None:
    with pytest.raises(TypeError, match="callable"):
        sync.subscribe("not a function")  # type: ignore[arg-type]


def test_event_data_is_a_fresh_copy_for_each_reader(sync: Sync) -> None:
    docs = sync.services("default").documents
    seen: Log = []
    sync.subscribe(seen.append)
    sent = {"list": [1, 2]}
    docs.create(unique_name="d", data=sent)
    sent["list"].append(3)
    first = seen[0].data
    assert first == {"list": [1, 2]}
    assert first is not None
    first["list"].append(99)
    assert seen[0].data == {"list": [1, 2]}
    assert docs("d").fetch().data == {"list": [1, 2]}


def test_sequence_numbers_count_per_service(sync: Sync) -> None:
    one = sync.services.create(friendly_name="one")
    two = sync.services.create(friendly_name="two")
    seen: Log = []
    sync.subscribe(seen.append)
    sync.services(one.sid).documents.create()
    sync.services(two.sid).documents.create()
    sync.services(one.sid).documents.create()
    assert [(e.service_sid, e.sequence) for e in seen] == [
        (one.sid, 1),
        (two.sid, 1),
        (one.sid, 2),
    ]
    assert {e.account_sid for e in seen} == {sync.account_sid}


def test_deleting_a_service_announces_the_removal_of_everything_in_it(sync: Sync) -> None:
    svc = sync.services.create()
    tree = sync.services(svc.sid)
    doc = tree.documents.create(data={"last": True})
    lst = tree.sync_lists.create()
    stream = tree.sync_streams.create()
    seen: Log = []
    tree.subscribe(seen.append)
    tree.delete()
    removed = {e.object_sid: e for e in seen}
    assert set(removed) == {doc.sid, lst.sid, stream.sid}
    assert removed[doc.sid].type == "document_removed"
    assert removed[doc.sid].previous_data == {"last": True}
    assert removed[lst.sid].type == "list_removed"
    assert removed[stream.sid].type == "stream_removed"
    assert [e.sequence for e in seen] == [4, 5, 6]
    assert not any(e.expired for e in seen)


def test_an_account_subscriber_sees_every_service(sync: Sync) -> None:
    seen: Log = []
    with sync.subscribe(seen.append) as handle:
        sync.services("default").documents.create()
        other = sync.services.create()
        sync.services(other.sid).sync_maps.create()
    assert not handle.active
    assert [e.type for e in seen] == ["document_created", "map_created"]


def test_events_serialize_to_json_ready_dicts(sync: Sync, log: Log) -> None:
    lists = sync.services("default").sync_lists
    lst = lists.create(unique_name="l")
    lists("l").sync_list_items.create(data={"a": 1})
    assert log[1].to_dict() == {
        "sequence": 2,
        "type": "list_item_added",
        "account_sid": sync.account_sid,
        "service_sid": lst.service_sid,
        "identity": "system",
        "date": "2025-01-01T00:00:00Z",
        "object_sid": lst.sid,
        "object_unique_name": "l",
        "object_revision": "1",
        "revision": "0",
        "item_key": None,
        "item_index": 0,
        "message_sid": None,
        "expired": False,
        "data": {"a": 1},
        "previous_data": None,
    }


def test_two_seeded_runs_produce_identical_events() -> None:
    def run() -> list[dict[str, Any]]:
        clock = ManualClock()
        sync = Sync(clock=clock, seed=5)
        seen: Log = []
        sync.subscribe(seen.append)
        svc = sync.services("default")
        svc.sync_maps.create(unique_name="m")
        svc.sync_maps("m").sync_map_items.create(key="k", data={"v": 1}, ttl=5)
        svc.sync_streams.create(unique_name="s")
        svc.sync_streams("s").stream_messages.create(data={"hello": "world"})
        clock.advance(5)
        sync.expire()
        return [e.to_dict() for e in seen]

    assert run() == run()


@pytest.mark.parametrize("removal", ["deleted", "expired"])
def test_an_object_subscription_that_lost_read_ends_when_the_object_goes(removal: str) -> None:
    # alice subscribes to a Document she may read, then loses read: she hears nothing
    # more of it, not its removal either, and her subscription ends with the object
    # all the same (it is no longer held by the Sync).
    clock = ManualClock()
    sync = Sync(clock=clock, seed=7)
    service = sync.services(sync.services.create(acl_enabled=True).sid)
    service.documents.create(unique_name="d", data={}, ttl=10 if removal == "expired" else None)
    grant = service.documents("d").document_permissions("alice")
    grant.update(read=True, write=False, manage=False)
    heard: list[str] = []
    handle = service.for_identity("alice").documents("d").subscribe(lambda e: heard.append(e.type))
    grant.delete()
    if removal == "deleted":
        service.documents("d").delete()
    else:
        clock.advance(11)
        sync.expire()
    assert heard == []
    assert not handle.active
    assert handle not in sync._engine.events.subscriptions


async def _async_callback(*args: Any) -> None:
    """An ``async def`` callback: called, it only makes a coroutine."""


class _AsyncCall:
    async def __call__(self, *args: Any) -> None:
        """An object whose ``__call__`` is async."""


@pytest.mark.parametrize("bad", ["https://app.test/hook", 3, _async_callback, _AsyncCall()])
def test_a_sink_or_subscriber_that_would_never_run_is_refused(bad: Any) -> None:
    # A string (a URL, say) is not callable; an async function makes a coroutine that
    # nothing awaits: every event would be lost, with a warning at most.
    with pytest.raises(TypeError, match="webhook sink must"):
        Sync(webhook_sink=bad)
    sync = Sync(seed=1)
    with pytest.raises(TypeError, match="webhook sink must"):
        sync.webhook_sink = bad
    assert sync.webhook_sink is None
    doc = sync.services("default").documents.create(unique_name="d")
    with pytest.raises(TypeError, match="subscriber must"):
        sync.services("default").documents("d").subscribe(bad)
    with pytest.raises(TypeError, match="subscriber must"):
        sync.subscribe(bad)
    assert not sync._engine.events.subscriptions
    assert sync.services("default").documents("d").fetch() == doc


def test_a_service_subscription_ends_with_its_service_after_its_last_events() -> None:
    sync = Sync(seed=1)
    sid = sync.services.create().sid
    svc = sync.services(sid)
    svc.documents.create(unique_name="d")
    svc.sync_lists.create(unique_name="l")
    heard: list[str] = []
    handle = svc.subscribe(lambda event: heard.append(event.type))
    everything = sync.subscribe(lambda event: None)
    svc.delete()
    assert sorted(heard) == ["document_removed", "list_removed"]
    assert not handle.active  # no event can reach it any more
    assert handle not in sync._engine.events.subscriptions
    assert everything.active


def test_a_service_deleted_inside_a_callback_ends_its_subscriptions_once_delivered() -> None:
    sync = Sync(seed=1)
    doomed = sync.services.create().sid
    sync.services(doomed).documents.create(unique_name="d")
    other = sync.services.create().sid
    heard: list[str] = []
    handle = sync.services(doomed).subscribe(lambda event: heard.append(event.type))

    active: list[bool] = []

    def delete_it(event: SyncEvent) -> None:
        sync.services(doomed).delete()  # its removal is queued behind this event
        active.append(handle.active)  # its last event is still to come

    sync.services(other).subscribe(delete_it)
    sync.services(other).documents.create(unique_name="go")
    assert active == [True]
    assert heard == ["document_removed"]
    assert not handle.active


def test_a_service_deleted_from_a_callback_still_delivers_the_event_under_way() -> None:
    # The event being delivered when a callback deletes the Service was committed
    # before: its Service subscription still hears it, then ends.
    sync = Sync(seed=1)
    doomed = sync.services.create().sid
    svc = sync.services(doomed)
    svc.documents.create(unique_name="d")

    def delete_on_removal(event: SyncEvent) -> None:
        if event.type == "document_removed":
            sync.services(doomed).delete()

    sync.subscribe(delete_on_removal)  # subscribed first: runs first
    heard: list[str] = []
    handle = svc.subscribe(lambda event: heard.append(event.type))
    svc.documents("d").delete()
    assert heard == ["document_removed"]
    assert not handle.active


def test_a_subscription_made_after_its_service_was_deleted_and_restored_stays() -> None:
    # A callback of the deletion's events restores the Service and subscribes to it
    # again, before the deletion ends the subscriptions it found: not this new one.
    sync = Sync(seed=1)
    sid = sync.services.create().sid
    sync.services(sid).documents.create(unique_name="d")
    snapshot = sync.snapshot()
    old = sync.services(sid).subscribe(lambda event: None)
    heard: list[str] = []
    fresh: list[Subscription] = []

    def restore_on_removal(event: SyncEvent) -> None:
        if event.type == "document_removed" and not fresh:
            sync.restore(snapshot)
            fresh.append(sync.services(sid).subscribe(lambda event: heard.append(event.type)))

    sync.subscribe(restore_on_removal)
    sync.services(sid).delete()
    assert not old.active
    sync.services(sid).documents("d").update(data={"n": 1})
    assert fresh[0].active
    assert heard == ["document_updated"]


class _AsyncSink:
    async def __call__(self, *args: Any) -> None:
        """Async: never awaited by a hub that calls it."""


class _Recorder:
    """A class whose instances' __call__ is async: calling the class itself is not."""

    made: ClassVar[list[object]] = []

    def __init__(self, event: SyncEvent) -> None:
        _Recorder.made.append(event)

    async def __call__(self) -> None:
        """Not what the hub calls."""


def test_a_partial_of_an_async_callable_is_refused_and_a_class_is_taken() -> None:
    import functools

    sync = Sync(seed=1)
    for bad in (
        functools.partial(_AsyncSink()),
        functools.partial(functools.partial(_AsyncSink())),
    ):
        with pytest.raises(TypeError, match="not an async function"):
            sync.subscribe(bad)
    handle = sync.subscribe(_Recorder)
    sync.services("default").documents.create(unique_name="d")
    assert len(_Recorder.made) == 1
    handle.unsubscribe()


def test_a_callback_that_cannot_take_its_arguments_is_refused() -> None:
    sync = Sync(seed=1)
    nothing: Any = lambda: None  # noqa: E731
    one: Any = lambda url: None  # noqa: E731
    with pytest.raises(TypeError, match="called with 1 argument"):
        sync.subscribe(nothing)  # every delivery would log a TypeError
    with pytest.raises(TypeError, match="called with 2 argument"):
        Sync(webhook_sink=one)
    with pytest.raises(TypeError, match="called with 2 argument"):
        sync.webhook_sink = nothing
    sync.subscribe(lambda *events: None)
    sync.webhook_sink = lambda url, params, extra=None: None


def test_test_doubles_and_decorated_subscribers_are_taken() -> None:
    # A decorator may supply arguments of the function it wraps (mock.patch does):
    # the wrapper's own signature is the one called. A Mock(spec=f) has doubles for
    # attributes: it is taken as it is called.
    from unittest import mock

    def handler(event: SyncEvent) -> None:
        """A subscriber, to make a double of."""

    @mock.patch("os.getcwd")
    def patched(event: SyncEvent, fake_getcwd: Any) -> None:
        heard.append(event.type)

    heard: list[str] = []
    sync = Sync(seed=1)
    double = mock.Mock(spec=handler)
    sync.subscribe(double)
    sync.subscribe(patched)
    sync.subscribe(mock.MagicMock())
    sync.services("default").documents.create(unique_name="d")
    assert heard == ["document_created"]
    assert double.call_count == 1


def test_an_event_looks_only_at_the_subscriptions_it_may_reach(
    sync: Sync, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write is told to its object's, its Service's and the account's subscribers, in
    the order they subscribed, and looks at no subscription to anything else: a server
    with a subscription per client does not pay for every one of them on every write."""
    home = sync.services("default")
    alice = home.for_identity("alice")
    heard: list[str] = []
    watched = home.documents.create(unique_name="watched")
    for n in range(50):
        home.documents.create(unique_name=f"other{n}")
        alice.documents(f"other{n}").subscribe(lambda event: heard.append("other"))
    sync.subscribe(lambda event: heard.append("account 1"))
    home.documents("watched").subscribe(lambda event: heard.append("object 2"))
    home.subscribe(lambda event: heard.append("service 3"))
    alice.documents("watched").subscribe(lambda event: heard.append("alice 4"))
    sync.subscribe(lambda event: heard.append("account 5"))
    looked: list[str | None] = []
    matches = Subscription.matches

    def counted(self: Subscription, event: SyncEvent) -> bool:
        looked.append(self.object_sid)
        return matches(self, event)

    monkeypatch.setattr(Subscription, "matches", counted)
    home.documents(watched.sid).update(data={"n": 1})
    assert heard == ["account 1", "object 2", "service 3", "alice 4", "account 5"]
    assert looked == []  # none of the 50 others was looked at
    assert len(sync._engine.events.subscriptions) == 55


def test_a_reset_from_another_thread_still_delivers_what_was_committed_before_it() -> None:
    """An update commits while the Document's subscriber is subscribed; another thread
    resets the state before its delivery (an older subscriber is slow): the subscriber
    still hears the update, and nothing after the reset."""
    sync = Sync(clock=ManualClock(), seed=1)
    docs = sync.services("default").documents
    docs.create(unique_name="d", data={"n": 0})
    hold, held = threading.Event(), threading.Event()

    def slow(event: SyncEvent) -> None:
        if event.type == "document_updated" and not held.is_set():
            held.set()
            hold.wait(10)

    sync.subscribe(slow)
    heard: list[SyncEvent] = []
    watching = docs("d").subscribe(heard.append)
    writer = threading.Thread(target=lambda: docs("d").update(data={"n": 1}))
    writer.start()
    assert held.wait(10)
    resetting = threading.Thread(target=sync.reset)
    resetting.start()
    while sync._engine.replacements == 0:  # the state is replaced; the delivery waits
        time.sleep(0.001)
    hold.set()
    writer.join(10)
    resetting.join(10)
    assert [(e.sequence, e.type) for e in heard] == [(2, "document_updated")]
    assert not watching.active
    docs.create(unique_name="d")  # the same name again: another Document, unheard
    assert len(heard) == 1


def test_a_restore_in_a_callback_ends_at_once_what_heard_and_after_it_what_did_not() -> None:
    """A subscriber restores a state without the Document as it hears of its update:
    the Document's subscription that heard the update already ends at once; one made
    after the restorer, yet to hear it, hears it and then ends; neither hears the
    Document the seeded generator makes again under the same SID."""
    sync = Sync(clock=ManualClock(), seed=1)
    docs = sync.services("default").documents
    empty = sync.snapshot()
    made = docs.create(unique_name="d", data={"n": 0})
    before: list[str] = []
    older = docs("d").subscribe(lambda event: before.append(event.type))
    seen: dict[str, bool] = {}

    def restorer(event: SyncEvent) -> None:
        if event.type == "document_updated" and not seen:
            sync.restore(empty)
            seen["older"], seen["younger"] = older.active, younger.active
            assert docs.create(unique_name="d").sid == made.sid  # the same SID again

    sync.subscribe(restorer)
    after: list[str] = []
    younger = docs("d").subscribe(lambda event: after.append(event.type))
    docs("d").update(data={"n": 1})
    assert seen == {"older": False, "younger": True}
    assert before == after == ["document_updated"]
    assert not older.active
    assert not younger.active
    docs(made.sid).update(data={"n": 2})  # the new Document's: heard by neither
    assert before == after == ["document_updated"]


def test_a_restore_from_another_thread_as_a_delivery_begins_still_delivers_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another thread restores a state without the Document just as the deliverer takes
    the update's delivery off the queue: the Document's subscriber still hears it (it
    was committed before), and ends after."""
    from sync_core.events import EventHub

    sync = Sync(clock=ManualClock(), seed=1)
    docs = sync.services("default").documents
    empty = sync.snapshot()
    docs.create(unique_name="d", data={"n": 0})
    heard: list[str] = []
    watching = docs("d").subscribe(lambda event: heard.append(event.type))
    restoring: list[threading.Thread] = []

    def delivering(hub: EventHub, epoch: int) -> None:
        hub.__dict__["delivering"] = epoch
        if not restoring and hub._deliverer == threading.get_ident():
            thread = threading.Thread(target=sync.restore, args=(empty,))
            restoring.append(thread)
            thread.start()
            for _ in range(10_000):  # until the state is replaced (it then waits for us)
                if sync._engine.replacements:
                    break
                time.sleep(0.001)

    monkeypatch.setattr(
        EventHub,
        "delivering",
        property(lambda hub: hub.__dict__.get("delivering", 0), delivering),
        raising=False,
    )
    docs("d").update(data={"n": 1})
    restoring[0].join(10)
    assert sync._engine.replacements == 1
    assert heard == ["document_updated"]
    assert not watching.active
