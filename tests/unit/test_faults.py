"""Injected faults: each selector, each schedule, each kind of failure, reproducible;
a faulted call changes nothing and the journal shows it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from sync_core import ManualClock, Sync, SyncError
from sync_core.adapters.rest import RestApi
from sync_core.adapters.twilio import AsyncSyncHttpClient, SyncHttpClient
from sync_core.faults import Call, FaultTimeout


def outcomes(call: Any, count: int) -> list[str]:
    """``ok``, or ``status/code`` of each of ``count`` calls."""
    seen = []
    for _ in range(count):
        try:
            call()
        except SyncError as error:
            seen.append(f"{error.status}/{error.code}")
        else:
            seen.append("ok")
    return seen


@pytest.fixture
def home(sync: Sync) -> Any:
    svc = sync.services("default")
    svc.documents.create(unique_name="doc", data={"v": 0})
    svc.sync_maps.create(unique_name="map")
    svc.sync_maps("map").sync_map_items.create(key="k", data={})
    svc.sync_lists.create(unique_name="list")
    svc.sync_streams.create(unique_name="stream")
    return svc


def test_the_default_is_503_with_twilios_code_and_each_status_has_its_own(
    sync: Sync, home: Any
) -> None:
    fetch = home.documents("doc").fetch
    with sync.faults.inject():
        with pytest.raises(SyncError) as caught:
            fetch()
        assert caught.value.to_dict() == {
            "code": 20503,
            "message": "Service unavailable",
            "more_info": "https://www.twilio.com/docs/errors/20503",
            "status": 503,
        }
    for status, expected in ((429, "429/54009"), (500, "500/20500"), (502, "502/20502")):
        with sync.faults.inject(status):
            assert outcomes(fetch, 1) == [expected]
    with sync.faults.inject(400, code=54008, message="Invalid request body"):
        with pytest.raises(SyncError) as caught:
            fetch()
        assert (caught.value.status, caught.value.code, caught.value.message) == (
            400,
            54008,
            "Invalid request body",
        )
    assert outcomes(fetch, 1) == ["ok"]  # removed on leaving the block
    assert not sync.faults.active


def test_a_faulted_call_changes_nothing_and_sends_no_event(sync: Sync, home: Any) -> None:
    events: list[str] = []
    sync.subscribe(lambda event: events.append(event.type))
    before = sync.export_state()
    sync.faults.inject(500)
    calls = [
        lambda: home.documents("doc").update(data={"v": 1}),
        lambda: home.documents.create(unique_name="new"),
        lambda: home.documents("doc").delete(),
        lambda: home.sync_maps("map").sync_map_items.create(key="k2", data={}),
        lambda: home.sync_lists("list").sync_list_items.create(data={}),
        lambda: home.sync_streams("stream").stream_messages.create(data={}),
        lambda: (
            home.documents("doc")
            .document_permissions("alice")
            .update(read=True, write=False, manage=False)
        ),
        lambda: sync.services.create(),
        lambda: home.delete(),
    ]
    assert [outcomes(call, 1)[0] for call in calls] == ["500/20500"] * len(calls)
    sync.faults.clear()
    assert sync.export_state() == before
    assert events == []


@pytest.mark.parametrize(
    ("selector", "call_name", "hit"),
    [
        ({"operation": "update"}, "doc_update", True),
        ({"operation": "update"}, "doc_fetch", False),
        ({"operation": "list"}, "items_page", True),
        ({"operation": "subscribe"}, "doc_subscribe", True),
        ({"kind": "map_item"}, "item_update", True),
        ({"kind": "map_item"}, "doc_update", False),
        ({"kind": "map"}, "item_update", False),
        ({"kind": "stream_message"}, "publish", True),
        ({"kind": "document_permission"}, "grant", True),
        ({"kind": "service"}, "service_fetch", True),
        ({"kind": "service"}, "services_list", True),
        ({"object": "map"}, "item_update", True),
        ({"object": "map"}, "doc_update", False),
        ({"object": "MAP_SID"}, "item_update", True),  # by SID, addressed by name
        ({"object": "doc"}, "doc_by_sid", True),  # by name, addressed by SID
        ({"identity": "alice"}, "alice_fetch", True),
        ({"identity": "alice"}, "doc_fetch", False),
        ({"identity": "system"}, "doc_fetch", True),
        ({"operation": "fetch", "kind": "document", "object": "doc"}, "doc_fetch", True),
        ({"operation": "fetch", "kind": "document", "object": "other"}, "doc_fetch", False),
        ({"where": lambda call: call.key == "k"}, "item_update", True),
        ({"where": lambda call: call.key == "k"}, "doc_update", False),
    ],
)
def test_each_selector(
    sync: Sync, home: Any, selector: dict[str, Any], call_name: str, hit: bool
) -> None:
    sync.services("default").documents("doc").document_permissions("alice").update(
        read=True, write=True, manage=True
    )
    doc_sid = home.documents("doc").fetch().sid
    map_sid = home.sync_maps("map").fetch().sid
    calls = {
        "doc_update": lambda: home.documents("doc").update(data={"v": 1}),
        "doc_fetch": lambda: home.documents("doc").fetch(),
        "doc_by_sid": lambda: home.documents(doc_sid).fetch(),
        "doc_subscribe": lambda: home.documents("doc").subscribe(lambda event: None),
        "items_page": lambda: home.sync_maps("map").sync_map_items.page(),
        "item_update": lambda: home.sync_maps("map").sync_map_items("k").update(data={}),
        "publish": lambda: home.sync_streams("stream").stream_messages.create(data={}),
        "grant": lambda: (
            home.documents("doc")
            .document_permissions("bob")
            .update(read=True, write=False, manage=False)
        ),
        "service_fetch": lambda: home.fetch(),
        "services_list": lambda: sync.services.list(),
        "alice_fetch": lambda: home.for_identity("alice").documents("doc").fetch(),
    }
    if selector.get("object") == "MAP_SID":
        selector = {"object": map_sid}
    fault = sync.faults.inject(429, **selector)
    assert outcomes(calls[call_name], 1) == (["429/54009"] if hit else ["ok"])
    assert (fault.matched, fault.injected) == ((1, 1) if hit else (0, 0))


def test_the_call_a_predicate_sees(sync: Sync, home: Any) -> None:
    seen: list[Call] = []

    def watch(call: Call) -> bool:
        seen.append(call)
        return False  # never fires

    sync.faults.inject(where=watch)
    home.for_identity("alice").sync_lists("list").sync_list_items(0)
    home.sync_maps("map").sync_map_items("k").fetch()
    home.documents("doc").document_permissions("bob")
    sync.services("default").sync_lists("list").sync_list_items.create(data={})
    assert seen == [
        Call("fetch", "map_item", "default", "map", "k", "system"),
        Call("create", "list_item", "default", "list", None, "system"),
    ]


@pytest.mark.parametrize(
    ("schedule", "pattern"),
    [
        ({"times": 1}, "x......."),
        ({"times": 3}, "xxx....."),
        ({}, "xxxxxxxx"),
        ({"every": 3}, "..x..x..x"[:8]),
        ({"skip": 2, "times": 1}, "..x....."),
        ({"skip": 1, "every": 2, "times": 2}, "..x.x..."),
    ],
)
def test_each_schedule(sync: Sync, home: Any, schedule: dict[str, Any], pattern: str) -> None:
    fault = sync.faults.inject(503, operation="update", **schedule)
    update = lambda: home.documents("doc").update(data={"v": 1})  # noqa: E731
    seen = "".join("." if o == "ok" else "x" for o in outcomes(update, 8))
    assert seen == pattern
    assert fault.injected == pattern.count("x")
    # A fault whose times are spent is removed: it counts no call after its last.
    assert fault.matched == (pattern.rindex("x") + 1 if "times" in schedule else 8)
    assert fault.exhausted == ("times" in schedule)
    assert (fault in sync.faults.injected) == ("times" not in schedule)


def test_a_seeded_probability_is_reproducible(home: Any) -> None:
    def pattern(seed: int) -> str:
        sync = Sync(clock=ManualClock(), seed=1)
        sync.services("default").documents.create(unique_name="d")
        sync.faults.inject(probability=0.3, seed=seed)
        fetch = sync.services("default").documents("d").fetch
        return "".join("." if o == "ok" else "x" for o in outcomes(fetch, 60))

    first = pattern(7)
    assert first == pattern(7)
    assert first != pattern(8)
    assert 5 <= first.count("x") <= 35


def test_the_first_fault_that_fires_wins_and_every_matching_one_counts(
    sync: Sync, home: Any
) -> None:
    first = sync.faults.inject(500, times=1)
    second = sync.faults.inject(429)
    fetch = home.documents("doc").fetch
    assert outcomes(fetch, 3) == ["500/20500", "429/54009", "429/54009"]
    assert (first.matched, first.injected, second.matched, second.injected) == (1, 1, 3, 2)
    assert sync.faults.injected == [second]  # the first one's time is spent
    first.remove()
    second.remove()
    assert sync.faults.injected == []


def test_faults_are_checked(sync: Sync) -> None:
    for bad in (
        {"operation": "upsert"},
        {"kind": "documents"},
        {"status": 200},
        {"every": 0},
        {"skip": -1},
        {"times": 0},
        {"probability": 0},
        {"probability": 1.5},
    ):
        with pytest.raises(ValueError, match=next(iter(bad))):
            sync.faults.inject(**bad)
    with pytest.raises(TypeError, match="predicate"):
        sync.faults.inject(where="yes")  # type: ignore[arg-type]
    assert not sync.faults.active


def test_a_timeout_on_the_plain_api_changes_nothing(sync: Sync, home: Any) -> None:
    before = sync.export_state()
    sync.faults.inject(timeout=True, operation="update", times=1)
    with pytest.raises(TimeoutError) as caught:
        home.documents("doc").update(data={"v": 9})
    assert isinstance(caught.value, FaultTimeout)
    assert sync.export_state() == before
    assert home.documents("doc").update(data={"v": 9}).revision == "1"


def client_of(sync: Sync, asynchronous: bool = False) -> Client:
    answering = AsyncSyncHttpClient if asynchronous else SyncHttpClient
    return Client(sync.account_sid, "t", http_client=answering(sync), environment={"X": "1"})


def test_through_the_sdk_a_fault_is_a_twilio_rest_exception_and_journaled(
    sync: Sync, home: Any
) -> None:
    docs = client_of(sync).sync.v1.services("default").documents
    sync.faults.inject(503, operation="update", skip=2, times=1, name="third write")
    revisions = []
    for n in range(4):
        try:
            revisions.append(docs("doc").update(data={"n": n}).revision)
        except TwilioRestException as error:
            revisions.append(f"{error.status}/{error.code}")
    assert revisions == ["1", "2", "503/20503", "3"]
    journal = [(entry.status, entry.code, entry.fault) for entry in sync.requests]
    assert journal == [
        (200, None, None),
        (200, None, None),
        (503, 20503, "third write"),
        (200, None, None),
    ]


def test_through_the_sdk_a_timeout_is_the_http_librarys_own(sync: Sync, home: Any) -> None:
    sync.faults.inject(timeout=True, kind="document", times=1)
    docs = client_of(sync).sync.v1.services("default").documents
    with pytest.raises(requests.exceptions.ReadTimeout):
        docs("doc").fetch()
    assert docs("doc").fetch().unique_name == "doc"
    assert [(e.status, e.fault) for e in sync.requests] == [
        (0, "timeout on document"),
        (200, None),
    ]
    sync.faults.inject(timeout=True, kind="document", times=1)
    async_docs = client_of(sync, asynchronous=True).sync.v1.services("default").documents

    async def fetch() -> None:
        await async_docs("doc").fetch_async()

    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(fetch())


def test_over_rest_the_answer_is_twilios_error_json(sync: Sync, home: Any) -> None:
    api = RestApi(sync)
    sync.faults.inject(429, kind="map_item")
    answer = api.handle("GET", "/v1/Services/default/Maps/map/Items/k")
    assert answer.status == 429
    assert answer.body == {
        "code": 54009,
        "message": "Rate limit exceeded",
        "more_info": "https://www.twilio.com/docs/errors/54009",
        "status": 429,
    }
    assert api.handle("GET", "/v1/Services/default/Maps/map").status == 200
    sync.faults.clear()
    sync.faults.inject(timeout=True)
    with pytest.raises(FaultTimeout):
        api.handle("GET", "/v1/Services/default/Maps/map")


def test_listings_and_creates_address_no_object_and_any_storage_copes(
    sync: Sync, home: Any
) -> None:
    seen: list[Call] = []

    def watch(call: Call) -> bool:
        seen.append(call)
        return False

    sync.faults.inject(where=watch)
    sync.faults.inject(object="doc", operation="delete")  # an object selector, unrelated
    home.documents.list()
    home.documents.create()
    sync.services.list()
    assert [call.object for call in seen] == [None, None, None]


def test_a_list_index_is_a_number_however_it_was_addressed(sync: Sync, home: Any) -> None:
    home.sync_lists("list").sync_list_items.create(data={})
    fault = sync.faults.inject(where=lambda call: call.key == 0, kind="list_item")
    assert outcomes(lambda: home.sync_lists("list").sync_list_items(0).fetch(), 1) == ["503/20503"]
    answer = RestApi(sync).handle("GET", "/v1/Services/default/Lists/list/Items/0")
    assert answer.status == 503
    assert fault.injected == 2


def test_a_faulted_call_does_not_even_sweep(sync: Sync, clock: ManualClock) -> None:
    docs = sync.services("default").documents
    docs.create(unique_name="soon", ttl=5)
    clock.advance(10)
    removals: list[str] = []
    sync.subscribe(lambda event: removals.append(event.type))
    with sync.faults.inject():
        assert outcomes(lambda: docs.list(), 1) == ["503/20503"]
    assert removals == []
    assert list(docs.list()) == []
    assert removals == ["document_removed"]


@pytest.mark.parametrize(
    ("status", "code", "kind", "message"),
    [
        (429, None, "RateLimitedError", "Rate limit exceeded"),
        (429, 20429, "RateLimitedError", "Too Many Requests"),
        (503, 54009, "ServiceUnavailableError", "Rate limit exceeded"),
        (404, None, "NotFoundError", "Not Found"),
        (403, 54007, "ForbiddenError", "Access forbidden for identity"),
        (412, 20412, "PreconditionFailedError", "Precondition Failed"),
        (
            400,
            54008,
            "InvalidParameterError",
            "Invalid request body: the type of one of the attributes is invalid",
        ),
        (418, None, "SyncError", "I'm a Teapot"),
        (499, 7, "SyncError", "Injected fault"),
    ],
)
def test_an_injected_error_is_the_subclass_of_its_status_with_the_text_of_its_code(
    status: int, code: int | None, kind: str, message: str
) -> None:
    sync = Sync(clock=ManualClock(), seed=1)
    docs = sync.services("default").documents
    docs.create(unique_name="d")
    sync.faults.inject(status, code=code, operation="fetch")
    with pytest.raises(SyncError) as raised:
        docs("d").fetch()
    assert type(raised.value).__name__ == kind
    assert (raised.value.status, raised.value.message) == (status, message)
    # Given, a message is as given, and the class still follows the status.
    sync.faults.clear()
    sync.faults.inject(status, code=code, message="Slow down", operation="fetch")
    with pytest.raises(SyncError) as again:
        docs("d").fetch()
    assert (type(again.value).__name__, again.value.message) == (kind, "Slow down")


@pytest.mark.parametrize(
    "bad", [{"status": 503.5}, {"status": True}, {"code": "oops"}, {"code": 0}, {"message": 5}]
)
def test_a_status_code_or_message_of_the_wrong_type_is_refused(bad: dict[str, Any]) -> None:
    sync = Sync(clock=ManualClock(), seed=1)
    with pytest.raises(ValueError, match=r"status|code|message"):
        sync.faults.inject(**bad)
    assert sync.faults.active is False


@pytest.mark.parametrize(
    "bad",
    [
        {"identity": b"alice"},  # never matched a call: the fault never fired
        {"identity": 5},
        {"object": ["a"]},
        {"name": 3.5},
        {"timeout": "no"},  # truthy: a timeout was injected
    ],
)
def test_a_selector_or_flag_of_the_wrong_type_is_refused(bad: dict[str, Any]) -> None:
    sync = Sync(clock=ManualClock(), seed=1)
    with pytest.raises(TypeError, match=next(iter(bad))):
        sync.faults.inject(503, **bad)
    assert sync.faults.active is False
