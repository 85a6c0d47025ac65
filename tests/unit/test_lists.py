"""Lists and List Items: create, fetch, update, delete, indexes, the length limit, data,
revisions, TTLs, 404s.

Each refusal is checked twice: the error (status, Twilio code, exact message) and that
nothing changed (the List, its items and the listing fetched again are equal to before,
revision and ``date_updated`` included). The clock moves before every refused call, so
that a stray change of a date would show.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from support import not_found, refused, size

import sync_core.limits
from sync_core import (
    ManualClock,
    Sync,
)
from sync_core.lists import SyncListList
from sync_core.records import SyncListItemRecord, SyncListRecord

BASE = "https://sync.twilio.com/v1"
START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR = 31_536_000

NOTHING = "Expected at least 1 optional parameter, but none were provided"
INVALID = "Invalid parameter"
STALE = "The revision of the List Item does not match the expected revision"
BAD_IF_MATCH = "Invalid If-Match header"
BAD_NAME = "Invalid unique name"
NAME_TAKEN = "Unique name already exists"
BAD_INDEX = "Invalid List Item index"
TTL = (
    "The TTL value in seconds must either be empty or an integer between 0 and 31 536 000 (1 year)"
)
NULL_DATA = "The 'Data' parameter cannot be null"
BAD_DATA = "Invalid request body: the type of one of the attributes is invalid"
TOO_LARGE = "Request entity too large"

BAD_TTLS = [YEAR + 1, -1, 1.5, True, "abc", "1.5", "-5", ""]
BAD_INDEXES = ["x", -1, "-1", 1.5, "1.5", "", True, None, "0x1"]
BAD_INDEX_IDS = [
    "x",
    "minus-one",
    "minus-one-text",
    "float",
    "float-text",
    "empty",
    "bool",
    "none",
    "hex",
]

SPEC = json.loads(
    (Path(__file__).parent.parent / "data" / "twilio_sync_v1.openapi.json").read_text()
)
DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def payload(total: int, char: str) -> dict[str, Any]:
    """``{"big": ...}`` of exactly ``total`` bytes, mostly ``char`` (1 or 2 UTF-8 bytes)."""
    width = len(char.encode())
    room = total - size({"big": ""})
    data = {"big": char * (room // width) + "x" * (room % width)}
    assert size(data) == total
    return data


def check_against(value: dict[str, Any], name: str) -> None:
    """``value`` has exactly the fields of the OpenAPI schema ``name``, each of its type."""
    properties = SPEC["components"]["schemas"][name]["properties"]
    assert set(value) == set(properties), f"{name}: fields differ"
    for field, rule in properties.items():
        item = value[field]
        if item is None:
            assert rule.get("nullable"), f"{field} may not be null"
            continue
        if "pattern" in rule:
            assert re.fullmatch(rule["pattern"].strip("^$"), item), f"{field}={item!r}"
        if "maxLength" in rule:
            assert rule.get("minLength", 0) <= len(item) <= rule["maxLength"], field
        if rule.get("format") == "date-time":
            assert DATE.fullmatch(item), f"{field}={item!r}"
        if rule.get("format") == "uri":
            assert item.startswith("https://"), f"{field}={item!r}"
        expected = {"string": str, "boolean": bool, "integer": int, "object": dict}
        if rule.get("type") in expected:
            assert isinstance(item, expected[rule["type"]]), f"{field}={item!r}"
            if rule["type"] == "integer":
                assert not isinstance(item, bool), field


def service_lists(sync: Sync) -> tuple[str, SyncListList]:
    """A fresh service's sid and its lists."""
    sid = sync.services.create().sid
    return sid, sync.services(sid).sync_lists


def state(lists: SyncListList, ident: str) -> tuple[SyncListRecord, list[SyncListItemRecord]]:
    """The List and all its items now: what a refused call must leave as it was."""
    return lists(ident).fetch(), lists(ident).sync_list_items.list()


def indexes(records: object) -> list[int]:
    return [record.index for record in records]  # type: ignore[attr-defined]


def sid_shaped(prefix: str) -> str:
    return prefix + "0123456789abcdef" * 2


# -- lists: create and fetch ----------------------------------------------------------


def test_a_new_list_has_twilio_defaults(sync: Sync, clock: ManualClock) -> None:
    svc = sync.services.create()

    queue = sync.services(svc.sid).sync_lists.create()

    assert isinstance(queue, SyncListRecord)
    assert re.fullmatch(r"ES[0-9a-f]{32}", queue.sid)
    assert queue.account_sid == sync.account_sid
    assert queue.service_sid == svc.sid
    assert queue.unique_name is None
    assert queue.revision == "0"
    assert queue.created_by == "system"
    assert queue.date_expires is None
    assert queue.date_created == queue.date_updated == clock.now() == START
    url = f"{BASE}/Services/{svc.sid}/Lists/{queue.sid}"
    assert queue.url == url
    assert queue.links == {"items": f"{url}/Items", "permissions": f"{url}/Permissions"}
    assert sync.services(svc.sid).sync_lists(queue.sid).fetch() == queue
    assert sync.services(svc.sid).sync_lists(queue.sid).sync_list_items.list() == []


def test_a_list_is_fetched_by_sid_and_by_unique_name(sync: Sync) -> None:
    _, lists = service_lists(sync)
    named = lists.create(unique_name="queue")
    anonymous = lists.create()

    assert lists(named.sid).fetch() == named
    assert lists("queue").fetch() == named
    assert lists.get("queue").fetch() == named
    assert lists(anonymous.sid).fetch() == anonymous
    assert lists.list() == [named, anonymous]


def test_list_to_dict_is_the_rest_json(sync: Sync, clock: ManualClock) -> None:
    svc = sync.services.create()
    clock.advance(timedelta(hours=1, seconds=2, microseconds=600_000))

    queue = sync.services(svc.sid).sync_lists.create(unique_name="queue", collection_ttl=60)

    url = f"{BASE}/Services/{svc.sid}/Lists/{queue.sid}"
    assert queue.to_dict() == {
        "sid": queue.sid,
        "unique_name": "queue",
        "account_sid": sync.account_sid,
        "service_sid": svc.sid,
        "url": url,
        "links": {"items": f"{url}/Items", "permissions": f"{url}/Permissions"},
        "revision": "0",
        "date_expires": "2025-01-01T01:01:02Z",
        "date_created": "2025-01-01T01:00:02Z",
        "date_updated": "2025-01-01T01:00:02Z",
        "created_by": "system",
    }
    assert json.loads(json.dumps(queue.to_dict())) == queue.to_dict()
    check_against(queue.to_dict(), "sync.v1.service.sync_list")
    anonymous = sync.services(svc.sid).sync_lists.create()
    assert anonymous.to_dict()["unique_name"] is None
    assert anonymous.to_dict()["date_expires"] is None
    check_against(anonymous.to_dict(), "sync.v1.service.sync_list")


@pytest.mark.parametrize(
    ("collection_ttl", "seconds"),
    [(0, None), (1, 1), (YEAR, YEAR), ("60", 60), ("0", None)],
    ids=["zero-never", "one", "one-year", "text", "text-zero"],
)
def test_collection_ttl_sets_the_lists_expiry(
    sync: Sync, clock: ManualClock, collection_ttl: object, seconds: int | None
) -> None:
    _, lists = service_lists(sync)
    clock.advance(12.5)

    queue = lists.create(collection_ttl=collection_ttl)

    expected = None if seconds is None else clock.now() + timedelta(seconds=seconds)
    assert queue.date_expires == expected
    assert lists(queue.sid).fetch() == queue


@pytest.mark.parametrize("ttl", [3600, 0, -1, "abc", YEAR + 1])
def test_ttl_is_an_alias_of_collection_ttl_ignored_when_both_are_given(
    sync: Sync, clock: ManualClock, ttl: object
) -> None:
    _, lists = service_lists(sync)

    alias = lists.create(unique_name="alias", ttl=60)
    both = lists.create(unique_name="both", ttl=ttl, collection_ttl=30)
    never = lists.create(unique_name="never", ttl=ttl, collection_ttl=0)

    assert alias.date_expires == clock.now() + timedelta(seconds=60)
    assert both.date_expires == clock.now() + timedelta(seconds=30)
    assert never.date_expires is None
    assert lists.list() == [alias, both, never]


@pytest.mark.parametrize("which", ["ttl", "collection_ttl"])
@pytest.mark.parametrize("ttl", BAD_TTLS)
def test_a_bad_ttl_is_54011_on_create_and_nothing_is_created(
    sync: Sync, clock: ManualClock, which: str, ttl: object
) -> None:
    _, lists = service_lists(sync)
    kept = lists.create(unique_name="kept")
    clock.advance(5)

    refused(lambda: lists.create(unique_name="new", **{which: ttl}), 400, 54011, TTL)

    assert lists.list() == [kept]


@pytest.mark.parametrize(
    "name",
    ["n" * 321, "", sid_shaped("ES"), sid_shaped("MP"), 42],
    ids=["321-chars", "empty", "ES-sid", "MP-sid", "not-text"],
)
def test_a_bad_unique_name_is_54302_and_nothing_is_created(
    sync: Sync, clock: ManualClock, name: object
) -> None:
    _, lists = service_lists(sync)
    kept = lists.create(unique_name="kept")
    clock.advance(5)

    refused(lambda: lists.create(unique_name=name), 400, 54302, BAD_NAME)

    assert lists.list() == [kept]


@pytest.mark.parametrize("name", ["q", "n" * 320, "é" * 320], ids=["1", "320", "320-non-ascii"])
def test_a_unique_name_of_1_to_320_characters_is_accepted(sync: Sync, name: str) -> None:
    _, lists = service_lists(sync)

    queue = lists.create(unique_name=name)

    assert lists(name).fetch() == queue


def test_a_taken_unique_name_is_409_54301_and_nothing_is_created(
    sync: Sync, clock: ManualClock
) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue")
    lists("queue").sync_list_items.create(data={"n": 0})
    before = state(lists, "queue")
    clock.advance(5)

    refused(lambda: lists.create(unique_name="queue"), 409, 54301, NAME_TAKEN)

    assert state(lists, "queue") == before
    assert lists.list() == [before[0]]


def test_a_list_may_share_its_name_with_a_map_and_a_document(sync: Sync) -> None:
    svc = sync.services(sync.services.create().sid)
    game = svc.sync_maps.create(unique_name="shared")
    doc = svc.documents.create(unique_name="shared")

    queue = svc.sync_lists.create(unique_name="shared")

    assert svc.sync_lists("shared").fetch() == queue
    assert svc.sync_maps("shared").fetch() == game
    assert svc.documents("shared").fetch() == doc


# -- lists: update, expiry, delete, listing -------------------------------------------


def test_a_list_update_sets_or_clears_the_expiry_and_bumps_the_revision(
    sync: Sync, clock: ManualClock
) -> None:
    _, lists = service_lists(sync)
    queue = lists.create(unique_name="queue")
    clock.advance(10)

    first = lists("queue").update(collection_ttl=30)
    assert first.date_expires == clock.now() + timedelta(seconds=30)
    assert (first.revision, first.date_updated) == ("1", clock.now())
    assert first.date_created == queue.date_created
    assert lists("queue").fetch() == first

    clock.advance(10)
    second = lists(queue.sid).update(ttl=45)
    assert second.date_expires == clock.now() + timedelta(seconds=45)
    assert (second.revision, second.date_updated) == ("2", clock.now())

    third = lists("queue").update(ttl=-1, collection_ttl=0)  # the alias is ignored
    assert third.date_expires is None
    assert third.revision == "3"
    clock.advance(YEAR)
    assert lists("queue").fetch() == third


@pytest.mark.parametrize(
    "params",
    [{}, {"ttl": None, "collection_ttl": None}, {"collection_ttl": -1}, {"ttl": "abc"}],
    ids=["nothing", "only-nones", "bad-collection-ttl", "bad-ttl"],
)
def test_a_bad_list_update_changes_nothing(
    sync: Sync, clock: ManualClock, params: dict[str, Any]
) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue", collection_ttl=600)
    lists("queue").sync_list_items.create(data={"n": 0})
    before = state(lists, "queue")
    clock.advance(5)

    if any(value is not None for value in params.values()):
        refused(lambda: lists("queue").update(**params), 400, 54011, TTL)
    else:
        refused(lambda: lists("queue").update(**params), 400, 54010, NOTHING)

    assert state(lists, "queue") == before


def test_a_list_expires_at_its_instant_with_its_items(sync: Sync, clock: ManualClock) -> None:
    svc, lists = service_lists(sync)
    queue = lists.create(unique_name="queue", collection_ttl=10)
    items = lists("queue").sync_list_items
    items.create(data={"n": 0})
    kept = lists.create(unique_name="kept")

    clock.advance(9.999)
    assert indexes(items.list()) == [0]

    clock.advance(0.001)
    for ident in ("queue", queue.sid):
        path = f"/Services/{svc}/Lists/{ident}"
        refused(lambda ident=ident: lists(ident).fetch(), 404, 20404, not_found(path))
        refused(
            lambda ident=ident: lists(ident).sync_list_items(0).fetch(),
            404,
            20404,
            not_found(f"{path}/Items/0"),
        )
        refused(
            lambda ident=ident: lists(ident).sync_list_items.create(data={}),
            404,
            20404,
            not_found(f"{path}/Items"),
        )
    assert lists.list() == [kept]

    again = lists.create(unique_name="queue")
    assert again.sid != queue.sid
    assert lists("queue").sync_list_items.list() == []
    assert lists("queue").sync_list_items.create(data={}).index == 0


def test_delete_removes_the_list_and_its_items(sync: Sync) -> None:
    svc, lists = service_lists(sync)
    queue = lists.create(unique_name="queue")
    for n in range(3):
        lists("queue").sync_list_items.create(data={"n": n}, item_ttl=100)
    kept = lists.create(unique_name="kept")
    lists("kept").sync_list_items.create(data={"kept": True})
    kept_state = state(lists, "kept")

    assert lists("queue").delete() is True

    for ident in ("queue", queue.sid):
        path = f"/Services/{svc}/Lists/{ident}"
        refused(lambda ident=ident: lists(ident).fetch(), 404, 20404, not_found(path))
        refused(lambda ident=ident: lists(ident).delete(), 404, 20404, not_found(path))
        refused(
            lambda ident=ident: lists(ident).sync_list_items(1).fetch(),
            404,
            20404,
            not_found(f"{path}/Items/1"),
        )
    assert lists.list() == [kept_state[0]]
    assert state(lists, "kept") == kept_state
    assert kept_state[0].sid == kept.sid

    again = lists.create(unique_name="queue")
    assert again.revision == "0"
    assert lists("queue").sync_list_items.list() == []
    assert lists("queue").sync_list_items.create(data={}).index == 0  # a new List starts at 0


def test_lists_are_listed_in_creation_order(sync: Sync, clock: ManualClock) -> None:
    _, lists = service_lists(sync)
    created: list[SyncListRecord] = []
    for name in ["zeta", None, "alpha"]:
        created.append(lists.create(unique_name=name))
        clock.advance(1)

    assert lists.list() == created
    assert list(lists.stream()) == created
    assert lists.list(limit=2) == created[:2]


@pytest.mark.parametrize("service", ["IS" + "0" * 32, "nope"])
def test_the_lists_of_a_missing_service_are_404(sync: Sync, service: str) -> None:
    existing = sync.services.create()
    lists = sync.services(service).sync_lists

    collection = not_found(f"/Services/{service}/Lists")
    refused(lambda: lists.list(), 404, 20404, collection)
    refused(lambda: lists.create(unique_name="queue"), 404, 20404, collection)
    one = not_found(f"/Services/{service}/Lists/queue")
    refused(lambda: lists("queue").fetch(), 404, 20404, one)
    refused(lambda: lists("queue").update(ttl=1), 404, 20404, one)
    refused(lambda: lists("queue").delete(), 404, 20404, one)

    assert sync.services.list() == [existing]


def test_a_missing_list_is_404_naming_the_path_as_addressed(sync: Sync, clock: ManualClock) -> None:
    svc, lists = service_lists(sync)
    queue = lists.create(unique_name="kept")
    game = sync.services(svc).sync_maps.create(unique_name="game")
    clock.advance(5)

    for ident in ("nope", "ES" + "0" * 32, "MP" + queue.sid[2:], game.sid, "game"):
        path = f"/Services/{svc}/Lists/{ident}"
        refused(lambda ident=ident: lists(ident).fetch(), 404, 20404, not_found(path))
        refused(lambda ident=ident: lists(ident).update(ttl=5), 404, 20404, not_found(path))
        refused(lambda ident=ident: lists(ident).delete(), 404, 20404, not_found(path))

    assert lists.list() == [queue]


# -- items: create, indexes -----------------------------------------------------------


def test_a_new_item_has_twilio_defaults_and_bumps_the_list(sync: Sync, clock: ManualClock) -> None:
    svc, lists = service_lists(sync)
    queue = lists.create(unique_name="queue")
    clock.advance(7)

    item = lists("queue").sync_list_items.create(data={"task": "wash", "tags": ["x"]})

    assert isinstance(item, SyncListItemRecord)
    assert item.index == 0
    assert item.account_sid == sync.account_sid
    assert item.service_sid == svc
    assert item.list_sid == queue.sid
    assert item.revision == "0"
    assert item.data == {"task": "wash", "tags": ["x"]}
    assert item.date_expires is None
    assert item.date_created == item.date_updated == clock.now()
    assert item.created_by == "system"
    assert item.url == f"{BASE}/Services/{svc}/Lists/{queue.sid}/Items/0"
    assert lists("queue").sync_list_items(0).fetch() == item
    assert lists(queue.sid).sync_list_items.get(0).fetch() == item
    after = lists("queue").fetch()
    assert (after.revision, after.date_updated) == ("1", clock.now())


def test_item_to_dict_is_the_rest_json(sync: Sync, clock: ManualClock) -> None:
    svc, lists = service_lists(sync)
    queue = lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    for _ in range(3):
        items.create(data={})
    clock.advance(timedelta(minutes=2, seconds=3, microseconds=900_000))

    item = items.create(data={"x": [1, None]}, item_ttl=3600)

    url = f"{BASE}/Services/{svc}/Lists/{queue.sid}/Items/3"
    assert item.url == url
    assert item.to_dict() == {
        "index": 3,
        "account_sid": sync.account_sid,
        "service_sid": svc,
        "list_sid": queue.sid,
        "url": url,
        "revision": "0",
        "data": {"x": [1, None]},
        "date_expires": "2025-01-01T01:02:03Z",
        "date_created": "2025-01-01T00:02:03Z",
        "date_updated": "2025-01-01T00:02:03Z",
        "created_by": "system",
    }
    assert json.loads(json.dumps(item.to_dict())) == item.to_dict()
    check_against(item.to_dict(), "sync.v1.service.sync_list.sync_list_item")
    first = items(0).fetch()
    assert first.to_dict()["date_expires"] is None
    check_against(first.to_dict(), "sync.v1.service.sync_list.sync_list_item")


def test_items_get_indexes_0_1_2_in_order(sync: Sync) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items

    created = [items.create(data={"n": n}) for n in range(5)]

    assert indexes(created) == [0, 1, 2, 3, 4]
    assert items.list() == created
    for n, item in enumerate(created):
        assert items(n).fetch() == item
    assert lists("queue").fetch().revision == "5"


def test_indexes_are_never_reused_after_a_delete(sync: Sync) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    for n in range(4):
        items.create(data={"n": n})

    assert items(3).delete() is True  # the last one
    assert items(1).delete() is True  # a middle one
    fresh = items.create(data={"n": "fresh"})
    assert fresh.index == 4
    assert indexes(items.list()) == [0, 2, 4]

    for index in (0, 2, 4):
        items(index).delete()
    assert items.list() == []
    assert items.create(data={}).index == 5  # even when the List is empty
    assert indexes(items.list()) == [5]


def test_indexes_are_never_reused_after_an_expiry(sync: Sync, clock: ManualClock) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    items.create(data={"n": 0})
    items.create(data={"n": 1}, item_ttl=10)
    clock.advance(10)

    assert indexes(items.list()) == [0]
    assert items.create(data={"n": 2}).index == 2
    assert indexes(items.list()) == [0, 2]


def test_indexes_are_per_list(sync: Sync) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="one")
    lists.create(unique_name="two")

    for _ in range(3):
        lists("one").sync_list_items.create(data={})

    assert lists("two").sync_list_items.create(data={}).index == 0
    assert lists("one").sync_list_items.create(data={}).index == 3


@pytest.mark.parametrize(
    ("given", "index"),
    [(2, 2), ("2", 2), ("0", 0), (" 2 ", 2), ("+2", 2)],
    ids=["int", "text", "text-zero", "spaces", "plus"],
)
def test_an_index_given_as_decimal_text_works(
    sync: Sync, clock: ManualClock, given: object, index: int
) -> None:
    svc, lists = service_lists(sync)
    queue = lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    for n in range(3):
        items.create(data={"n": n})

    assert items(given).fetch() == items(index).fetch()
    clock.advance(1)
    updated = items(given).update(data={"changed": True})
    assert (updated.index, updated.revision, updated.data) == (index, "1", {"changed": True})
    assert updated.url == f"{BASE}/Services/{svc}/Lists/{queue.sid}/Items/{index}"
    assert items(given).delete() is True
    assert index not in indexes(items.list())


@pytest.mark.parametrize("index", BAD_INDEXES, ids=BAD_INDEX_IDS)
def test_an_index_that_is_not_a_non_negative_integer_is_54458_and_changes_nothing(
    sync: Sync, clock: ManualClock, index: object
) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue")
    lists("queue").sync_list_items.create(data={"n": 0})
    before = state(lists, "queue")
    clock.advance(5)
    item = lists("queue").sync_list_items(index)

    refused(lambda: item.fetch(), 400, 54458, BAD_INDEX)
    refused(lambda: item.update(data={"a": 1}), 400, 54458, BAD_INDEX)
    refused(lambda: item.delete(), 400, 54458, BAD_INDEX)
    refused(lambda: item.delete(if_match="0"), 400, 54458, BAD_INDEX)

    assert state(lists, "queue") == before


@pytest.mark.parametrize("index", [1, 3, 99, "7", 10**12])
def test_a_missing_index_is_404_naming_the_path_as_addressed(
    sync: Sync, clock: ManualClock, index: object
) -> None:
    svc, lists = service_lists(sync)
    queue = lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    items.create(data={"n": 0})
    items.create(data={"n": 1})
    items(1).delete()
    items.create(data={"n": 2})
    before = state(lists, "queue")
    assert indexes(before[1]) == [0, 2]
    clock.advance(5)

    for ident in ("queue", queue.sid):
        item = lists(ident).sync_list_items(index)
        message = not_found(f"/Services/{svc}/Lists/{ident}/Items/{index}")
        refused(lambda item=item: item.fetch(), 404, 20404, message)
        refused(lambda item=item: item.update(data={"a": 1}), 404, 20404, message)
        refused(lambda item=item: item.delete(), 404, 20404, message)

    assert state(lists, "queue") == before


# -- items: the length limit ----------------------------------------------------------


@pytest.fixture
def three_at_most(monkeypatch: pytest.MonkeyPatch) -> None:
    """A List holds at most 3 items (instead of 1,000,000) for this test."""
    monkeypatch.setattr(sync_core.limits, "MAX_LIST_ITEMS", 3)


def test_the_real_limit_is_a_million_items() -> None:
    assert sync_core.limits.MAX_LIST_ITEMS == 1_000_000


@pytest.mark.usefixtures("three_at_most")
def test_a_full_list_refuses_a_create_with_20001_and_changes_nothing(
    sync: Sync, clock: ManualClock
) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue", collection_ttl=600)
    items = lists("queue").sync_list_items
    for n in range(3):
        items.create(data={"n": n})
    before = state(lists, "queue")
    clock.advance(5)

    refused(lambda: items.create(data={"n": 3}), 400, 20001, INVALID)
    refused(lambda: items.create(data={"n": 3}, item_ttl=5, collection_ttl=5), 400, 20001, INVALID)

    assert state(lists, "queue") == before
    assert indexes(before[1]) == [0, 1, 2]
    # Other Lists have their own room.
    lists.create(unique_name="other")
    assert lists("other").sync_list_items.create(data={}).index == 0


@pytest.mark.usefixtures("three_at_most")
def test_a_full_list_takes_an_item_again_after_a_delete_at_the_next_index(
    sync: Sync, clock: ManualClock
) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    for n in range(3):
        items.create(data={"n": n})
    refused(lambda: items.create(data={}), 400, 20001, INVALID)

    items(1).delete()
    clock.advance(5)
    fresh = items.create(data={"n": "fresh"})

    assert fresh.index == 3
    assert indexes(items.list()) == [0, 2, 3]
    assert lists("queue").fetch().revision == "5"  # 3 added, 1 removed, 1 added
    refused(lambda: items.create(data={}), 400, 20001, INVALID)

    items(0).delete()
    assert items.create(data={}).index == 4


@pytest.mark.usefixtures("three_at_most")
def test_a_full_list_takes_an_item_again_after_an_expiry(sync: Sync, clock: ManualClock) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    items.create(data={"n": 0})
    items.create(data={"n": 1}, item_ttl=10)
    items.create(data={"n": 2})
    clock.advance(9)
    refused(lambda: items.create(data={}), 400, 20001, INVALID)

    clock.advance(1)

    assert items.create(data={}).index == 3
    assert indexes(items.list()) == [0, 2, 3]


@pytest.mark.usefixtures("three_at_most")
def test_bad_parameters_come_before_a_full_list(sync: Sync, clock: ManualClock) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    for n in range(3):
        items.create(data={"n": n})
    before = state(lists, "queue")
    clock.advance(5)

    refused(lambda: items.create(data=None), 400, 54156, NULL_DATA)
    refused(lambda: items.create(data=[1]), 400, 54008, BAD_DATA)
    refused(lambda: items.create(data=payload(16_385, "x")), 413, 54006, TOO_LARGE)
    refused(lambda: items.create(data={}, item_ttl=-1), 400, 54011, TTL)

    assert state(lists, "queue") == before


# -- items: data ----------------------------------------------------------------------


def test_item_data_may_be_given_as_json_text(sync: Sync) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items

    item = items.create(data='{"a": [1, 2], "é": "ü"}')
    assert item.data == {"a": [1, 2], "é": "ü"}
    assert items(0).fetch().data == item.data
    assert items(0).update(data='{"z": true}').data == {"z": True}
    assert items(0).fetch().data == {"z": True}


def test_null_data_is_54156_and_changes_nothing(sync: Sync, clock: ManualClock) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    items.create(data={"a": 1})
    before = state(lists, "queue")
    clock.advance(5)

    refused(lambda: items.create(data=None), 400, 54156, NULL_DATA)
    refused(lambda: items.create(data="null"), 400, 54156, NULL_DATA)
    refused(lambda: items(0).update(data="null"), 400, 54156, NULL_DATA)

    assert state(lists, "queue") == before
    assert items.create(data={}).index == 1  # no index was used up


BAD_DATA_VALUES = [[1, 2], "[1, 2]", '"text"', "42", "{not json", "", 42, {"x": float("nan")}]


@pytest.mark.parametrize("data", BAD_DATA_VALUES)
def test_item_data_that_is_not_a_json_object_is_54008_and_changes_nothing(
    sync: Sync, clock: ManualClock, data: object
) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    items.create(data={"a": 1})
    before = state(lists, "queue")
    clock.advance(5)

    refused(lambda: items.create(data=data), 400, 54008, BAD_DATA)
    refused(lambda: items(0).update(data=data), 400, 54008, BAD_DATA)

    assert state(lists, "queue") == before


@pytest.mark.parametrize("char", ["x", "é"], ids=["ascii", "two-byte"])
def test_item_data_of_16384_bytes_is_accepted_and_16385_is_413(
    sync: Sync, clock: ManualClock, char: str
) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    fits = payload(16_384, char)

    item = items.create(data=fits)
    assert items(item.index).fetch().data == fits
    assert items(item.index).update(data=fits).revision == "1"

    before = state(lists, "queue")
    clock.advance(5)
    too_big = payload(16_385, char)
    refused(lambda: items.create(data=too_big), 413, 54006, TOO_LARGE)
    refused(lambda: items(0).update(data=too_big), 413, 54006, TOO_LARGE)
    assert state(lists, "queue") == before


# -- items: update, revisions, If-Match -----------------------------------------------


def test_each_item_update_adds_one_to_the_item_and_the_list_revision(
    sync: Sync, clock: ManualClock
) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    item = items.create(data={"n": 0})
    other = items.create(data={})

    for n in range(1, 5):
        clock.advance(7)
        updated = items(0).update(data={"n": n})
        assert (updated.index, updated.revision, updated.data) == (0, str(n), {"n": n})
        assert updated.date_updated == clock.now()
        assert updated.date_created == item.date_created
        assert items(0).fetch() == updated
        queue = lists("queue").fetch()
        assert (queue.revision, queue.date_updated) == (str(n + 2), clock.now())
    assert items(1).fetch() == other


@pytest.mark.parametrize("if_match", ["1", '"1"'], ids=["plain", "quoted-etag"])
def test_an_if_match_equal_to_the_item_revision_lets_update_and_delete_through(
    sync: Sync, if_match: str
) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    items.create(data={"v": 0})
    items.create(data={"v": 0})
    items(0).update(data={"v": 1})
    items(1).update(data={"v": 1})

    assert items(0).update(data={"v": 2}, if_match=if_match).revision == "2"
    assert items(1).delete(if_match=if_match) is True
    assert indexes(items.list()) == [0]


@pytest.mark.parametrize(
    "change",
    [{"data": {"v": "mine"}}, {"item_ttl": 60}, {"ttl": 60}, {"data": {"v": 1}, "item_ttl": 0}],
    ids=["data", "item_ttl", "ttl", "both"],
)
def test_a_stale_if_match_is_412_and_changes_neither_item_nor_list(
    sync: Sync, clock: ManualClock, change: dict[str, Any]
) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue", collection_ttl=600)
    items = lists("queue").sync_list_items
    item = items.create(data={"v": 0}, item_ttl=600)
    items(0).update(data={"v": "theirs"}, if_match=item.revision)
    before = state(lists, "queue")
    clock.advance(5)

    for stale in (item.revision, "7"):
        refused(lambda stale=stale: items(0).update(if_match=stale, **change), 412, 20412, STALE)
        refused(
            lambda stale=stale: items(0).update(if_match=stale, collection_ttl=5, **change),
            412,
            20412,
            STALE,
        )
        refused(lambda stale=stale: items(0).delete(if_match=stale), 412, 20412, STALE)

    assert state(lists, "queue") == before


@pytest.mark.parametrize("if_match", ["abc", "1.0", "-1", "*"])
def test_an_if_match_that_is_not_a_revision_is_54003_and_changes_nothing(
    sync: Sync, clock: ManualClock, if_match: str
) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    items.create(data={"v": 0})
    before = state(lists, "queue")
    clock.advance(5)

    refused(lambda: items(0).update(data={"v": 1}, if_match=if_match), 400, 54003, BAD_IF_MATCH)
    refused(lambda: items(0).delete(if_match=if_match), 400, 54003, BAD_IF_MATCH)

    assert state(lists, "queue") == before


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        ({}, 54010, NOTHING),
        ({"if_match": "0"}, 54010, NOTHING),
        ({"data": None, "item_ttl": None}, 54010, NOTHING),
        ({"collection_ttl": 60}, 20001, INVALID),
        ({"collection_ttl": 0, "if_match": "0"}, 20001, INVALID),
    ],
    ids=["nothing", "only-if-match", "only-nones", "collection-ttl-alone", "collection-ttl-zero"],
)
def test_an_item_update_without_data_or_ttl_is_refused_and_changes_nothing(
    sync: Sync, clock: ManualClock, params: dict[str, Any], code: int, message: str
) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue", collection_ttl=600)
    items = lists("queue").sync_list_items
    items.create(data={"v": 0}, item_ttl=60)
    before = state(lists, "queue")
    clock.advance(5)

    refused(lambda: items(0).update(**params), 400, code, message)

    assert state(lists, "queue") == before


@pytest.mark.parametrize("which", ["item_ttl", "ttl", "collection_ttl"])
@pytest.mark.parametrize("ttl", BAD_TTLS)
def test_a_bad_item_ttl_is_54011_and_changes_nothing(
    sync: Sync, clock: ManualClock, which: str, ttl: object
) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue", collection_ttl=600)
    items = lists("queue").sync_list_items
    items.create(data={"v": 0}, item_ttl=600)
    before = state(lists, "queue")
    clock.advance(5)

    refused(lambda: items.create(data={}, **{which: ttl}), 400, 54011, TTL)
    refused(lambda: items(0).update(data={"v": 1}, **{which: ttl}), 400, 54011, TTL)

    assert state(lists, "queue") == before


# -- items: TTLs ----------------------------------------------------------------------


def test_item_ttl_sets_the_item_expiry_and_ttl_is_its_alias(sync: Sync, clock: ManualClock) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    clock.advance(3)

    created = [
        items.create(data={}, item_ttl=60),
        items.create(data={}, ttl="30"),
        items.create(data={}, ttl=-1, item_ttl=90),
        items.create(data={}, ttl=60, item_ttl=0),
    ]

    expected = [60, 30, 90, None]
    for item, seconds in zip(created, expected, strict=True):
        wanted = None if seconds is None else clock.now() + timedelta(seconds=seconds)
        assert item.date_expires == wanted
    assert items.list() == created
    assert lists("queue").fetch().date_expires is None


def test_a_data_only_item_update_keeps_the_expiry_and_a_ttl_update_moves_it(
    sync: Sync, clock: ManualClock
) -> None:
    svc, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    item = items.create(data={"n": 0}, item_ttl=10)
    clock.advance(5)

    kept = items(0).update(data={"n": 1})
    assert kept.date_expires == item.date_expires

    moved = items(0).update(ttl=10)
    assert moved.date_expires == clock.now() + timedelta(seconds=10)
    assert (moved.revision, moved.data) == ("2", {"n": 1})

    clock.advance(9.999)
    assert items(0).fetch() == moved
    clock.advance(0.001)
    path = f"/Services/{svc}/Lists/queue/Items/0"
    refused(lambda: items(0).fetch(), 404, 20404, not_found(path))


def test_item_ttl_zero_on_update_clears_the_item_expiry(sync: Sync, clock: ManualClock) -> None:
    _, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    items.create(data={"n": 0}, item_ttl=10)

    cleared = items(0).update(item_ttl=0)
    clock.advance(YEAR)

    assert cleared.date_expires is None
    assert items(0).fetch() == cleared


def test_collection_ttl_on_item_create_and_update_sets_the_lists_expiry(
    sync: Sync, clock: ManualClock
) -> None:
    svc, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    clock.advance(5)

    item = items.create(data={}, collection_ttl=30)
    assert item.date_expires is None
    queue = lists("queue").fetch()
    assert (queue.date_expires, queue.revision) == (clock.now() + timedelta(seconds=30), "1")

    clock.advance(5)
    items(0).update(data={"n": 1}, collection_ttl=0)
    queue = lists("queue").fetch()
    assert (queue.date_expires, queue.revision, queue.date_updated) == (None, "2", clock.now())

    items(0).update(item_ttl=100, collection_ttl=10)
    assert lists("queue").fetch().date_expires == clock.now() + timedelta(seconds=10)
    clock.advance(10)
    refused(lambda: lists("queue").fetch(), 404, 20404, not_found(f"/Services/{svc}/Lists/queue"))
    assert lists.list() == []


def test_an_item_expiry_bumps_the_list_dated_at_the_instant(sync: Sync, clock: ManualClock) -> None:
    svc, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    items.create(data={}, item_ttl=10)
    kept = items.create(data={})

    clock.advance(9.999)
    assert indexes(items.list()) == [0, 1]
    assert lists("queue").fetch().revision == "2"

    clock.advance(100)
    path = f"/Services/{svc}/Lists/queue/Items/0"
    refused(lambda: items(0).fetch(), 404, 20404, not_found(path))
    refused(lambda: items(0).delete(), 404, 20404, not_found(path))
    assert items.list() == [kept]
    queue = lists("queue").fetch()
    assert queue.revision == "3"
    assert queue.date_updated == START + timedelta(seconds=10)


# -- items: delete and the order of checks --------------------------------------------


def test_an_item_delete_returns_true_and_bumps_the_list(sync: Sync, clock: ManualClock) -> None:
    svc, lists = service_lists(sync)
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    items.create(data={})
    kept = items.create(data={})
    clock.advance(5)

    assert items(0).delete() is True

    queue = lists("queue").fetch()
    assert (queue.revision, queue.date_updated) == ("3", clock.now())
    path = f"/Services/{svc}/Lists/queue/Items/0"
    refused(lambda: items(0).fetch(), 404, 20404, not_found(path))
    refused(lambda: items("0").delete(), 404, 20404, not_found(path))
    assert items.list() == [kept]


@pytest.mark.parametrize("service", ["IS" + "0" * 32, "nope"])
@pytest.mark.parametrize("ident", ["nope", "ES" + "0" * 32])
def test_the_items_of_a_missing_list_are_404_naming_the_whole_path(
    sync: Sync, service: str, ident: str
) -> None:
    existing = sync.services.create()
    items = sync.services(service).sync_lists(ident).sync_list_items

    collection = not_found(f"/Services/{service}/Lists/{ident}/Items")
    refused(lambda: items.list(), 404, 20404, collection)
    refused(lambda: items.page(), 404, 20404, collection)
    refused(lambda: items.create(data={}), 404, 20404, collection)
    one = not_found(f"/Services/{service}/Lists/{ident}/Items/0")
    refused(lambda: items(0).fetch(), 404, 20404, one)
    refused(lambda: items(0).update(data={}), 404, 20404, one)
    refused(lambda: items(0).delete(), 404, 20404, one)

    assert sync.services.list() == [existing]


def test_a_missing_list_comes_before_bad_parameters(sync: Sync, clock: ManualClock) -> None:
    svc, lists = service_lists(sync)
    clock.advance(5)
    items = lists("nope").sync_list_items

    collection = not_found(f"/Services/{svc}/Lists/nope/Items")
    refused(lambda: items.create(data=None), 404, 20404, collection)
    refused(lambda: items.create(data={}, item_ttl=-1), 404, 20404, collection)
    for index in ("x", -1):
        one = not_found(f"/Services/{svc}/Lists/nope/Items/{index}")
        refused(lambda index=index: items(index).fetch(), 404, 20404, one)
        refused(lambda index=index: items(index).update(), 404, 20404, one)
        refused(lambda index=index: items(index).delete(if_match="abc"), 404, 20404, one)

    assert lists.list() == []


def test_bad_parameters_come_before_a_missing_item_and_it_before_if_match(
    sync: Sync, clock: ManualClock
) -> None:
    svc, lists = service_lists(sync)
    lists.create(unique_name="queue")
    before = state(lists, "queue")
    clock.advance(5)
    missing = lists("queue").sync_list_items(4)

    refused(lambda: missing.update(), 400, 54010, NOTHING)
    refused(lambda: missing.update(data="null"), 400, 54156, NULL_DATA)
    refused(lambda: missing.update(data={}, if_match="abc"), 400, 54003, BAD_IF_MATCH)
    refused(lambda: missing.delete(if_match="abc"), 400, 54003, BAD_IF_MATCH)
    message = not_found(f"/Services/{svc}/Lists/queue/Items/4")
    refused(lambda: missing.update(data={}, if_match="3"), 404, 20404, message)
    refused(lambda: missing.delete(if_match="3"), 404, 20404, message)

    assert state(lists, "queue") == before
