"""Maps and Map Items: create, fetch, update, delete, keys, data, revisions, TTLs, 404s.

Each refusal is checked twice: the error (status, Twilio code, exact message) and that
nothing changed (the Map, its items and the listing fetched again are equal to before,
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

from sync_core import (
    ManualClock,
    Sync,
    SyncError,
)
from sync_core.maps import SyncMapList
from sync_core.records import SyncMapItemRecord, SyncMapRecord

BASE = "https://sync.twilio.com/v1"
START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR = 31_536_000

NOTHING = "Expected at least 1 optional parameter, but none were provided"
INVALID = "Invalid parameter"
STALE = "The revision of the Map Item does not match the expected revision"
BAD_IF_MATCH = "Invalid If-Match header"
BAD_NAME = "Invalid unique name"
NAME_TAKEN = "Unique name already exists"
BAD_KEY = "Invalid Map Item key"
KEY_TAKEN = "An Item with given key already exists in the Map"
TTL = (
    "The TTL value in seconds must either be empty or an integer between 0 and 31 536 000 (1 year)"
)
NULL_DATA = "The 'Data' parameter cannot be null"
BAD_DATA = "Invalid request body: the type of one of the attributes is invalid"
TOO_LARGE = "Request entity too large"

BAD_TTLS = [YEAR + 1, -1, 1.5, True, "abc", "1.5", "-5", ""]

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


def service_maps(sync: Sync) -> tuple[str, SyncMapList]:
    """A fresh service's sid and its maps."""
    sid = sync.services.create().sid
    return sid, sync.services(sid).sync_maps


def state(maps: SyncMapList, ident: str) -> tuple[SyncMapRecord, list[SyncMapItemRecord]]:
    """The Map and all its items now: what a refused call must leave as it was."""
    return maps(ident).fetch(), maps(ident).sync_map_items.list()


def sid_shaped(prefix: str) -> str:
    return prefix + "0123456789abcdef" * 2


# -- maps: create and fetch -----------------------------------------------------------


def test_a_new_map_has_twilio_defaults(sync: Sync, clock: ManualClock) -> None:
    svc = sync.services.create()

    game = sync.services(svc.sid).sync_maps.create()

    assert re.fullmatch(r"MP[0-9a-f]{32}", game.sid)
    assert isinstance(game, SyncMapRecord)
    assert game.account_sid == sync.account_sid
    assert game.service_sid == svc.sid
    assert game.unique_name is None
    assert game.revision == "0"
    assert game.created_by == "system"
    assert game.date_expires is None
    assert game.date_created == game.date_updated == clock.now() == START
    url = f"{BASE}/Services/{svc.sid}/Maps/{game.sid}"
    assert game.url == url
    assert game.links == {"items": f"{url}/Items", "permissions": f"{url}/Permissions"}
    assert sync.services(svc.sid).sync_maps(game.sid).fetch() == game
    assert sync.services(svc.sid).sync_maps(game.sid).sync_map_items.list() == []


def test_a_map_is_fetched_by_sid_and_by_unique_name(sync: Sync) -> None:
    _, maps = service_maps(sync)
    named = maps.create(unique_name="scores")
    anonymous = maps.create()

    assert maps(named.sid).fetch() == named
    assert maps("scores").fetch() == named
    assert maps.get("scores").fetch() == named
    assert maps(anonymous.sid).fetch() == anonymous
    assert maps.list() == [named, anonymous]


def test_a_map_is_reached_through_the_default_alias_too(sync: Sync) -> None:
    game = sync.services("default").sync_maps.create(unique_name="scores")
    svc = sync.services("default").fetch()

    assert sync.services(svc.sid).sync_maps("scores").fetch() == game
    assert sync.services("default").sync_maps(game.sid).fetch() == game


def test_map_to_dict_is_the_rest_json(sync: Sync, clock: ManualClock) -> None:
    svc = sync.services.create()
    clock.advance(timedelta(hours=1, seconds=2, microseconds=600_000))

    game = sync.services(svc.sid).sync_maps.create(unique_name="scores", collection_ttl=60)

    url = f"{BASE}/Services/{svc.sid}/Maps/{game.sid}"
    assert game.to_dict() == {
        "sid": game.sid,
        "unique_name": "scores",
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
    assert json.loads(json.dumps(game.to_dict())) == game.to_dict()
    check_against(game.to_dict(), "sync.v1.service.sync_map")
    anonymous = sync.services(svc.sid).sync_maps.create()
    assert anonymous.to_dict()["unique_name"] is None
    assert anonymous.to_dict()["date_expires"] is None
    check_against(anonymous.to_dict(), "sync.v1.service.sync_map")


@pytest.mark.parametrize(
    ("collection_ttl", "seconds"),
    [(0, None), (1, 1), (YEAR, YEAR), ("60", 60), ("0", None)],
    ids=["zero-never", "one", "one-year", "text", "text-zero"],
)
def test_collection_ttl_sets_the_maps_expiry(
    sync: Sync, clock: ManualClock, collection_ttl: object, seconds: int | None
) -> None:
    _, maps = service_maps(sync)
    clock.advance(12.5)

    game = maps.create(collection_ttl=collection_ttl)

    expected = None if seconds is None else clock.now() + timedelta(seconds=seconds)
    assert game.date_expires == expected
    assert maps(game.sid).fetch() == game


def test_ttl_is_an_alias_of_collection_ttl(sync: Sync, clock: ManualClock) -> None:
    _, maps = service_maps(sync)

    game = maps.create(unique_name="game", ttl=60)

    assert game.date_expires == clock.now() + timedelta(seconds=60)
    assert maps("game").fetch() == game


@pytest.mark.parametrize("ttl", [3600, 0, -1, "abc", YEAR + 1])
def test_ttl_is_ignored_and_not_even_checked_when_collection_ttl_is_given(
    sync: Sync, clock: ManualClock, ttl: object
) -> None:
    _, maps = service_maps(sync)

    game = maps.create(unique_name="game", ttl=ttl, collection_ttl=60)
    never = maps.create(unique_name="never", ttl=ttl, collection_ttl=0)

    assert game.date_expires == clock.now() + timedelta(seconds=60)
    assert never.date_expires is None
    assert maps.list() == [game, never]


@pytest.mark.parametrize("which", ["ttl", "collection_ttl"])
@pytest.mark.parametrize("ttl", BAD_TTLS)
def test_a_bad_ttl_is_54011_on_create_and_nothing_is_created(
    sync: Sync, clock: ManualClock, which: str, ttl: object
) -> None:
    _, maps = service_maps(sync)
    kept = maps.create(unique_name="kept")
    clock.advance(5)

    refused(lambda: maps.create(unique_name="new", **{which: ttl}), 400, 54011, TTL)

    assert maps.list() == [kept]
    refused(
        lambda: maps("new").fetch(), 404, 20404, not_found(f"/Services/{kept.service_sid}/Maps/new")
    )


# -- maps: unique names ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["x", "n" * 320, "é" * 320, "MP" + "0" * 31, "mp" + "0" * 32, "with spaces/and:punct"],
    ids=["1-char", "320-chars", "320-non-ascii", "31-hex", "lowercase-prefix", "punctuation"],
)
def test_a_unique_name_of_1_to_320_characters_not_shaped_like_a_sid_is_accepted(
    sync: Sync, name: str
) -> None:
    _, maps = service_maps(sync)

    game = maps.create(unique_name=name)

    assert game.unique_name == name
    assert maps(name).fetch() == game
    assert maps(game.sid).fetch() == game


@pytest.mark.parametrize(
    "name",
    ["n" * 321, "", sid_shaped("MP"), sid_shaped("ET"), sid_shaped("ES"), 42],
    ids=["321-chars", "empty", "MP-sid", "ET-sid", "ES-sid", "not-text"],
)
def test_a_bad_unique_name_is_54302_and_nothing_is_created(
    sync: Sync, clock: ManualClock, name: object
) -> None:
    _, maps = service_maps(sync)
    kept = maps.create(unique_name="kept")
    clock.advance(5)

    refused(lambda: maps.create(unique_name=name), 400, 54302, BAD_NAME)

    assert maps.list() == [kept]


def test_a_taken_unique_name_is_409_54301_and_nothing_is_created(
    sync: Sync, clock: ManualClock
) -> None:
    _, maps = service_maps(sync)
    game = maps.create(unique_name="game")
    maps("game").sync_map_items.create(key="a", data={"n": 1})
    before = state(maps, "game")
    clock.advance(5)

    refused(lambda: maps.create(unique_name="game"), 409, 54301, NAME_TAKEN)
    refused(lambda: maps.create(unique_name="game", collection_ttl=5), 409, 54301, NAME_TAKEN)

    assert state(maps, "game") == before
    assert maps.list() == [before[0]]
    assert before[0].sid == game.sid


def test_a_document_a_map_and_a_list_may_share_a_unique_name(sync: Sync) -> None:
    svc = sync.services(sync.services.create().sid)
    doc = svc.documents.create(unique_name="shared")
    game = svc.sync_maps.create(unique_name="shared")
    queue = svc.sync_lists.create(unique_name="shared")

    assert svc.documents("shared").fetch() == doc
    assert svc.sync_maps("shared").fetch() == game
    assert svc.sync_lists("shared").fetch() == queue


def test_a_unique_name_is_unique_within_a_service_only(sync: Sync) -> None:
    _, first = service_maps(sync)
    _, second = service_maps(sync)

    one = first.create(unique_name="game")
    two = second.create(unique_name="game")

    assert one.sid != two.sid
    assert first("game").fetch() == one
    assert second("game").fetch() == two


# -- maps: update ---------------------------------------------------------------------


def test_a_map_update_sets_or_clears_the_expiry_and_bumps_the_revision(
    sync: Sync, clock: ManualClock
) -> None:
    _, maps = service_maps(sync)
    game = maps.create(unique_name="game")
    clock.advance(10)

    first = maps("game").update(collection_ttl=30)
    assert first.date_expires == clock.now() + timedelta(seconds=30)
    assert (first.revision, first.date_updated) == ("1", clock.now())
    assert first.date_created == game.date_created
    assert (first.sid, first.unique_name, first.created_by) == (game.sid, "game", "system")
    assert maps("game").fetch() == first

    clock.advance(10)
    second = maps(game.sid).update(ttl=45)  # the alias alone
    assert second.date_expires == clock.now() + timedelta(seconds=45)
    assert (second.revision, second.date_updated) == ("2", clock.now())

    clock.advance(10)
    third = maps("game").update(collection_ttl=0)
    assert third.date_expires is None
    assert (third.revision, third.date_updated) == ("3", clock.now())
    assert maps("game").fetch() == third

    clock.advance(YEAR)
    assert maps("game").fetch() == third


@pytest.mark.parametrize("ttl", [3600, -1, "abc"])
def test_a_map_update_ignores_ttl_when_collection_ttl_is_given(
    sync: Sync, clock: ManualClock, ttl: object
) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    clock.advance(3)

    updated = maps("game").update(ttl=ttl, collection_ttl=20)

    assert updated.date_expires == clock.now() + timedelta(seconds=20)
    assert maps("game").fetch() == updated


@pytest.mark.parametrize(
    "params",
    [{}, {"ttl": None, "collection_ttl": None}],
    ids=["nothing", "only-nones"],
)
def test_a_map_update_without_a_ttl_is_54010_and_changes_nothing(
    sync: Sync, clock: ManualClock, params: dict[str, Any]
) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game", collection_ttl=600)
    maps("game").sync_map_items.create(key="a", data={"n": 1})
    before = state(maps, "game")
    clock.advance(5)

    refused(lambda: maps("game").update(**params), 400, 54010, NOTHING)

    assert state(maps, "game") == before


@pytest.mark.parametrize("which", ["ttl", "collection_ttl"])
@pytest.mark.parametrize("ttl", BAD_TTLS)
def test_a_bad_ttl_is_54011_on_map_update_and_changes_nothing(
    sync: Sync, clock: ManualClock, which: str, ttl: object
) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game", collection_ttl=600)
    before = state(maps, "game")
    clock.advance(5)

    refused(lambda: maps("game").update(**{which: ttl}), 400, 54011, TTL)

    assert state(maps, "game") == before


# -- maps: expiry, delete, listing ----------------------------------------------------


def test_a_map_expires_at_its_instant_with_its_items(sync: Sync, clock: ManualClock) -> None:
    svc, maps = service_maps(sync)
    game = maps.create(unique_name="game", collection_ttl=10)
    items = maps("game").sync_map_items
    items.create(key="a", data={"n": 1})
    kept = maps.create(unique_name="kept")

    clock.advance(9.999)
    assert maps("game").fetch().revision == "1"
    assert [item.key for item in items.list()] == ["a"]

    clock.advance(0.001)
    for ident in ("game", game.sid):
        path = f"/Services/{svc}/Maps/{ident}"
        refused(lambda ident=ident: maps(ident).fetch(), 404, 20404, not_found(path))
        refused(
            lambda ident=ident: maps(ident).sync_map_items("a").fetch(),
            404,
            20404,
            not_found(f"{path}/Items/a"),
        )
        refused(
            lambda ident=ident: maps(ident).sync_map_items.list(),
            404,
            20404,
            not_found(f"{path}/Items"),
        )
    assert maps.list() == [kept]

    again = maps.create(unique_name="game")
    assert again.sid != game.sid
    assert maps("game").sync_map_items.list() == []


def test_delete_removes_the_map_its_items_and_frees_its_name(
    sync: Sync, clock: ManualClock
) -> None:
    svc, maps = service_maps(sync)
    game = maps.create(unique_name="game")
    for key in ("a", "b", "c"):
        maps("game").sync_map_items.create(key=key, data={"k": key}, item_ttl=100)
    kept = maps.create(unique_name="kept")
    maps("kept").sync_map_items.create(key="a", data={"kept": True})
    kept_state = state(maps, "kept")

    assert maps("game").delete() is True

    for ident in ("game", game.sid):
        path = f"/Services/{svc}/Maps/{ident}"
        refused(lambda ident=ident: maps(ident).fetch(), 404, 20404, not_found(path))
        refused(lambda ident=ident: maps(ident).delete(), 404, 20404, not_found(path))
        refused(
            lambda ident=ident: maps(ident).update(collection_ttl=5), 404, 20404, not_found(path)
        )
        refused(
            lambda ident=ident: maps(ident).sync_map_items("a").fetch(),
            404,
            20404,
            not_found(f"{path}/Items/a"),
        )
    assert maps.list() == [kept_state[0]]
    assert state(maps, "kept") == kept_state
    assert kept_state[0].sid == kept.sid

    clock.advance(100)  # the removed items' expiries are gone with them
    again = maps.create(unique_name="game")
    assert again.sid != game.sid
    assert again.revision == "0"
    assert maps("game").sync_map_items.list() == []
    refused(
        lambda: maps("game").sync_map_items("a").fetch(),
        404,
        20404,
        not_found(f"/Services/{svc}/Maps/game/Items/a"),
    )
    assert maps("game").fetch() == again


def test_deleting_a_service_deletes_its_maps_and_items(sync: Sync) -> None:
    svc, maps = service_maps(sync)
    _, other = service_maps(sync)
    maps.create(unique_name="game")
    maps("game").sync_map_items.create(key="a", data={})
    elsewhere = other.create(unique_name="game")

    assert sync.services(svc).delete() is True

    path = f"/Services/{svc}/Maps/game"
    refused(lambda: maps("game").fetch(), 404, 20404, not_found(path))
    refused(lambda: maps.list(), 404, 20404, not_found(f"/Services/{svc}/Maps"))
    assert other.list() == [elsewhere]


def test_maps_are_listed_in_creation_order(sync: Sync, clock: ManualClock) -> None:
    _, maps = service_maps(sync)
    _, other = service_maps(sync)
    created: list[SyncMapRecord] = []
    for name in ["zeta", None, "alpha", None, "mid"]:
        created.append(maps.create(unique_name=name))
        other.create()
        clock.advance(1)

    assert maps.list() == created
    assert list(maps.stream()) == created
    assert maps.list(limit=3) == created[:3]
    page = maps.page(page_size=2)
    seen = list(page)
    while (page := page.next_page()) is not None:
        seen.extend(page)
    assert seen == created

    maps(created[0].sid).sync_map_items.create(key="k", data={})
    assert maps.list()[0] == maps(created[0].sid).fetch()
    assert maps.list()[0].revision == "1"


def test_a_new_service_has_no_maps(sync: Sync) -> None:
    _, maps = service_maps(sync)
    assert maps.list() == []


# -- maps: 404s -----------------------------------------------------------------------


def test_a_missing_map_is_404_naming_the_path_as_addressed(sync: Sync, clock: ManualClock) -> None:
    svc, maps = service_maps(sync)
    game = maps.create(unique_name="kept")
    doc = sync.services(svc).documents.create(unique_name="doc")
    clock.advance(5)

    for ident in ("nope", "MP" + "0" * 32, "ES" + game.sid[2:], doc.sid, "doc"):
        path = f"/Services/{svc}/Maps/{ident}"
        refused(lambda ident=ident: maps(ident).fetch(), 404, 20404, not_found(path))
        refused(lambda ident=ident: maps(ident).update(ttl=5), 404, 20404, not_found(path))
        refused(lambda ident=ident: maps(ident).delete(), 404, 20404, not_found(path))

    assert maps.list() == [game]
    assert maps("kept").fetch() == game


@pytest.mark.parametrize("service", ["IS" + "0" * 32, "nope"])
def test_the_maps_of_a_missing_service_are_404(sync: Sync, service: str) -> None:
    existing = sync.services.create()
    maps = sync.services(service).sync_maps

    collection = not_found(f"/Services/{service}/Maps")
    refused(lambda: maps.list(), 404, 20404, collection)
    refused(lambda: maps.page(), 404, 20404, collection)
    refused(lambda: maps.create(unique_name="game"), 404, 20404, collection)
    one = not_found(f"/Services/{service}/Maps/game")
    refused(lambda: maps("game").fetch(), 404, 20404, one)
    refused(lambda: maps("game").update(ttl=1), 404, 20404, one)
    refused(lambda: maps("game").delete(), 404, 20404, one)

    assert sync.services.list() == [existing]


def test_a_map_is_404_through_another_service(sync: Sync) -> None:
    home, maps = service_maps(sync)
    away, _ = service_maps(sync)
    game = maps.create(unique_name="game")

    for ident in (game.sid, "game"):
        message = not_found(f"/Services/{away}/Maps/{ident}")
        refused(
            lambda ident=ident: sync.services(away).sync_maps(ident).fetch(), 404, 20404, message
        )
    assert sync.services(home).sync_maps("game").fetch() == game


# -- items: create and fetch ----------------------------------------------------------


def test_a_new_item_has_twilio_defaults_and_bumps_the_map(sync: Sync, clock: ManualClock) -> None:
    svc, maps = service_maps(sync)
    game = maps.create(unique_name="game")
    clock.advance(7)

    item = maps("game").sync_map_items.create(key="alice", data={"score": 3, "tags": ["x"]})

    assert isinstance(item, SyncMapItemRecord)
    assert item.key == "alice"
    assert item.account_sid == sync.account_sid
    assert item.service_sid == svc
    assert item.map_sid == game.sid
    assert item.revision == "0"
    assert item.data == {"score": 3, "tags": ["x"]}
    assert item.date_expires is None
    assert item.date_created == item.date_updated == clock.now()
    assert item.created_by == "system"
    assert item.url == f"{BASE}/Services/{svc}/Maps/{game.sid}/Items/alice"
    assert maps("game").sync_map_items("alice").fetch() == item
    assert maps(game.sid).sync_map_items.get("alice").fetch() == item
    after = maps("game").fetch()
    assert (after.revision, after.date_updated) == ("1", clock.now())
    assert after.date_created == game.date_created


def test_item_to_dict_is_the_rest_json(sync: Sync, clock: ManualClock) -> None:
    svc, maps = service_maps(sync)
    game = maps.create(unique_name="game")
    clock.advance(timedelta(minutes=2, seconds=3, microseconds=900_000))

    item = maps("game").sync_map_items.create(
        key="a b/c?d#é😀", data={"x": [1, None]}, item_ttl=3600
    )

    url = f"{BASE}/Services/{svc}/Maps/{game.sid}/Items/a%20b%2Fc%3Fd%23%C3%A9%F0%9F%98%80"
    assert item.url == url
    assert item.to_dict() == {
        "key": "a b/c?d#é😀",
        "account_sid": sync.account_sid,
        "service_sid": svc,
        "map_sid": game.sid,
        "url": url,
        "revision": "0",
        "data": {"x": [1, None]},
        "date_expires": "2025-01-01T01:02:03Z",
        "date_created": "2025-01-01T00:02:03Z",
        "date_updated": "2025-01-01T00:02:03Z",
        "created_by": "system",
    }
    assert json.loads(json.dumps(item.to_dict())) == item.to_dict()
    check_against(item.to_dict(), "sync.v1.service.sync_map.sync_map_item")
    plain = maps("game").sync_map_items.create(key="plain", data={})
    assert plain.to_dict()["date_expires"] is None
    check_against(plain.to_dict(), "sync.v1.service.sync_map.sync_map_item")


@pytest.mark.parametrize(
    ("key", "encoded"),
    [
        ("plain", "plain"),
        ("a b", "a%20b"),
        ("a/b", "a%2Fb"),
        ("?&=#", "%3F%26%3D%23"),
        ("100%", "100%25"),
        ("é", "%C3%A9"),
        ("😀", "%F0%9F%98%80"),
        ("A-z_0.9~", "A-z_0.9~"),
        ("+:;@", "%2B%3A%3B%40"),
    ],
)
def test_the_key_is_percent_encoded_in_the_item_url(sync: Sync, key: str, encoded: str) -> None:
    svc, maps = service_maps(sync)
    game = maps.create()

    item = maps(game.sid).sync_map_items.create(key=key, data={})

    assert item.url == f"{BASE}/Services/{svc}/Maps/{game.sid}/Items/{encoded}"
    assert item.to_dict()["url"] == item.url
    assert item.to_dict()["key"] == key


@pytest.mark.parametrize(
    "key",
    [
        "k",
        "k" * 320,
        "é" * 320,
        "😀" * 320,
        "with spaces",
        " ",
        "a/b/c",
        "/",
        "what?",
        "#hash",
        "😀",
        "MP" + "0" * 32,
        "null",
    ],
    ids=[
        "1-char",
        "320-chars",
        "320-two-byte",
        "320-emoji",
        "spaces",
        "only-space",
        "slashes",
        "slash",
        "question-mark",
        "hash",
        "emoji",
        "sid-shaped",
        "null-text",
    ],
)
def test_a_key_of_1_to_320_characters_of_any_kind_is_accepted(sync: Sync, key: str) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items

    item = items.create(key=key, data={"key": key})

    assert item.key == key
    assert items(key).fetch() == item
    assert items.list() == [item]
    updated = items(key).update(data={"again": True})
    assert updated.revision == "1"
    assert items.list() == [updated]
    assert items(key).delete() is True
    assert items.list() == []


@pytest.mark.parametrize(
    "key", ["k" * 321, "😀" * 321, "", 42, None], ids=["321", "321-emoji", "empty", "int", "none"]
)
def test_a_bad_key_is_54209_on_create_and_changes_nothing(
    sync: Sync, clock: ManualClock, key: object
) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    maps("game").sync_map_items.create(key="kept", data={})
    before = state(maps, "game")
    clock.advance(5)

    refused(lambda: maps("game").sync_map_items.create(key=key, data={"a": 1}), 400, 54209, BAD_KEY)

    assert state(maps, "game") == before


@pytest.mark.parametrize("key", ["k" * 321, "", 7], ids=["321", "empty", "int"])
def test_a_bad_key_is_54209_on_fetch_update_and_delete(
    sync: Sync, clock: ManualClock, key: object
) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    maps("game").sync_map_items.create(key="kept", data={})
    before = state(maps, "game")
    clock.advance(5)
    item = maps("game").sync_map_items(key)

    refused(lambda: item.fetch(), 400, 54209, BAD_KEY)
    refused(lambda: item.update(data={"a": 1}), 400, 54209, BAD_KEY)
    refused(lambda: item.delete(), 400, 54209, BAD_KEY)

    assert state(maps, "game") == before


def test_a_taken_key_is_409_54208_and_changes_nothing(sync: Sync, clock: ManualClock) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    items.create(key="alice", data={"score": 1}, item_ttl=100)
    items.create(key="bob", data={"score": 2})
    before = state(maps, "game")
    clock.advance(5)

    refused(lambda: items.create(key="alice", data={"score": 9}), 409, 54208, KEY_TAKEN)
    refused(
        lambda: items.create(key="alice", data={"score": 9}, item_ttl=5, collection_ttl=5),
        409,
        54208,
        KEY_TAKEN,
    )

    assert state(maps, "game") == before


def test_keys_are_case_sensitive_and_exact(sync: Sync) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items

    created = [items.create(key=key, data={"k": key}) for key in ("a", "A", "a ", " a")]

    assert sorted(item.key for item in items.list()) == sorted(["a", "A", "a ", " a"])
    for item in created:
        assert items(item.key).fetch() == item


def test_a_deleted_key_is_free_again(sync: Sync, clock: ManualClock) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    old = items.create(key="alice", data={"old": True}, item_ttl=100)
    items("alice").update(data={"old": "updated"})
    assert items("alice").delete() is True
    clock.advance(5)

    again = items.create(key="alice", data={"new": True})

    assert again.revision == "0"
    assert again.data == {"new": True}
    assert again.date_expires is None
    assert again.date_created == clock.now() != old.date_created
    assert items("alice").fetch() == again
    assert items.list() == [again]
    assert maps("game").fetch().revision == "4"


def test_an_expired_key_is_free_again(sync: Sync, clock: ManualClock) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    items.create(key="alice", data={"old": True}, item_ttl=10)
    clock.advance(10)

    again = items.create(key="alice", data={"new": True})

    assert (again.revision, again.data, again.date_expires) == ("0", {"new": True}, None)
    assert items("alice").fetch() == again
    assert items.list() == [again]
    assert maps("game").fetch().revision == "3"  # created, expired, created


def test_the_same_key_in_two_maps_is_two_items(sync: Sync) -> None:
    _, maps = service_maps(sync)
    one = maps.create(unique_name="one")
    two = maps.create(unique_name="two")

    first = maps("one").sync_map_items.create(key="k", data={"in": "one"})
    second = maps("two").sync_map_items.create(key="k", data={"in": "two"})
    maps("one").sync_map_items("k").delete()

    assert (first.map_sid, second.map_sid) == (one.sid, two.sid)
    assert maps("one").sync_map_items.list() == []
    assert maps("two").sync_map_items.list() == [second]
    assert maps("two").fetch().revision == "1"
    assert maps("one").fetch().revision == "2"


def test_a_key_with_a_lone_surrogate_is_refused_or_works_everywhere(
    sync: Sync, clock: ManualClock
) -> None:
    """A lone surrogate has no UTF-8 form (data holding one is refused with 54008).

    Whichever way the key is taken, no call may then fail with anything but a
    SyncError: either the create is 400/54209 and changes nothing, or the item's URL,
    its JSON and the paging through it work.
    """
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    items.create(key="a", data={})
    before = state(maps, "game")
    clock.advance(5)

    outcome: SyncMapItemRecord | SyncError
    try:
        outcome = items.create(key="\ud800", data={"n": 1})
    except SyncError as error:
        outcome = error
    if isinstance(outcome, SyncError):
        assert outcome.to_dict() == {
            "code": 54209,
            "message": BAD_KEY,
            "more_info": "https://www.twilio.com/docs/errors/54209",
            "status": 400,
        }
        assert state(maps, "game") == before
        return
    item = outcome
    assert item.to_dict()["url"] == item.url
    assert items("\ud800").fetch() == item
    assert keys_of(items.list(page_size=1)) == ["a", "\ud800"]


def keys_of(records: list[SyncMapItemRecord]) -> list[str]:
    return [record.key for record in records]


# -- items: data ----------------------------------------------------------------------


def test_item_data_may_be_given_as_json_text(sync: Sync) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items

    item = items.create(key="k", data='{"a": [1, 2], "b": {"c": null}, "é": "ü"}')
    assert item.data == {"a": [1, 2], "b": {"c": None}, "é": "ü"}
    assert items("k").fetch().data == item.data

    updated = items("k").update(data='{"z": true}')
    assert updated.data == {"z": True}
    assert items("k").fetch().data == {"z": True}
    assert items("k").update(data={}).data == {}


def test_null_data_is_54206_and_changes_nothing(sync: Sync, clock: ManualClock) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    items.create(key="kept", data={"a": 1})
    before = state(maps, "game")
    clock.advance(5)

    refused(lambda: items.create(key="new", data=None), 400, 54206, NULL_DATA)
    refused(lambda: items.create(key="new", data="null"), 400, 54206, NULL_DATA)
    refused(lambda: items.create(key="new", data=" null "), 400, 54206, NULL_DATA)
    refused(lambda: items("kept").update(data="null"), 400, 54206, NULL_DATA)
    refused(lambda: items("kept").update(data="null", item_ttl=5), 400, 54206, NULL_DATA)

    assert state(maps, "game") == before


BAD_DATA_VALUES = [
    [1, 2],
    "[1, 2]",
    '"text"',
    "42",
    "{not json",
    "",
    42,
    {"x": float("nan")},
    {"x": float("inf")},
    '{"x": NaN}',
    {1: "a"},
    {"t": (1, 2)},
    {"s": {1, 2}},
]


@pytest.mark.parametrize("data", BAD_DATA_VALUES)
def test_item_data_that_is_not_a_json_object_is_54008_and_changes_nothing(
    sync: Sync, clock: ManualClock, data: object
) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    items.create(key="kept", data={"a": 1})
    before = state(maps, "game")
    clock.advance(5)

    refused(lambda: items.create(key="new", data=data), 400, 54008, BAD_DATA)
    refused(lambda: items("kept").update(data=data), 400, 54008, BAD_DATA)

    assert state(maps, "game") == before


@pytest.mark.parametrize("char", ["x", "é"], ids=["ascii", "two-byte"])
def test_item_data_of_16384_bytes_is_accepted(sync: Sync, char: str) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    data = payload(16_384, char)

    item = items.create(key="big", data=data)
    assert items("big").fetch().data == data == item.data
    assert items("big").update(data=data).revision == "1"
    assert items.create(key="formatted", data=json.dumps(data, indent=4)).data == data


@pytest.mark.parametrize("char", ["x", "é"], ids=["ascii", "two-byte"])
def test_item_data_of_16385_bytes_is_413_and_changes_nothing(
    sync: Sync, clock: ManualClock, char: str
) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    items.create(key="kept", data={"a": 1})
    before = state(maps, "game")
    clock.advance(5)
    data = payload(16_385, char)

    refused(lambda: items.create(key="big", data=data), 413, 54006, TOO_LARGE)
    refused(lambda: items.create(key="big", data=json.dumps(data)), 413, 54006, TOO_LARGE)
    refused(lambda: items("kept").update(data=data), 413, 54006, TOO_LARGE)

    assert state(maps, "game") == before


def test_item_data_is_never_shared_with_the_caller(sync: Sync) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    mine: dict[str, Any] = {"list": [1, 2], "nested": {"k": "v"}}

    created = items.create(key="k", data=mine)
    mine["list"].append(3)
    created.data["new"] = True
    items("k").fetch().data["nested"]["k"] = "changed"

    assert items("k").fetch().data == {"list": [1, 2], "nested": {"k": "v"}}
    assert items.list()[0].data == {"list": [1, 2], "nested": {"k": "v"}}


# -- items: update, revisions, If-Match -----------------------------------------------


def test_each_item_update_adds_one_to_the_item_and_the_map_revision(
    sync: Sync, clock: ManualClock
) -> None:
    _, maps = service_maps(sync)
    game = maps.create(unique_name="game")
    items = maps("game").sync_map_items
    item = items.create(key="counter", data={"n": 0})
    other = items.create(key="other", data={})

    for n in range(1, 6):
        clock.advance(7)
        updated = items("counter").update(data={"n": n})
        assert updated.revision == str(n)
        assert updated.data == {"n": n}
        assert updated.date_updated == clock.now()
        assert updated.date_created == item.date_created
        assert (updated.key, updated.map_sid, updated.created_by) == ("counter", game.sid, "system")
        assert items("counter").fetch() == updated
        container = maps("game").fetch()
        assert (container.revision, container.date_updated) == (str(n + 2), clock.now())
    assert items("other").fetch() == other


@pytest.mark.parametrize("if_match", ["2", '"2"'], ids=["plain", "quoted-etag"])
def test_an_if_match_equal_to_the_item_revision_lets_update_and_delete_through(
    sync: Sync, if_match: str
) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    items.create(key="k", data={"v": 0})
    items("k").update(data={"v": 1})
    items("k").update(data={"v": 2})
    assert maps("game").fetch().revision == "3"  # the map's revision is not the item's

    updated = items("k").update(data={"v": 3}, if_match=if_match)
    assert (updated.revision, updated.data) == ("3", {"v": 3})

    items.create(key="d", data={})
    items("d").update(data={"v": 1})
    items("d").update(data={"v": 2})
    assert items("d").delete(if_match=if_match) is True
    assert [item.key for item in items.list()] == ["k"]


@pytest.mark.parametrize(
    "change",
    [{"data": {"v": "mine"}}, {"item_ttl": 60}, {"ttl": 60}, {"data": {"v": 1}, "item_ttl": 0}],
    ids=["data", "item_ttl", "ttl", "both"],
)
def test_a_stale_if_match_is_412_and_changes_neither_item_nor_map(
    sync: Sync, clock: ManualClock, change: dict[str, Any]
) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game", collection_ttl=600)
    items = maps("game").sync_map_items
    item = items.create(key="k", data={"v": 0}, item_ttl=600)
    items("k").update(data={"v": "theirs"}, if_match=item.revision)
    before = state(maps, "game")
    clock.advance(5)

    for stale in (item.revision, "7"):
        refused(lambda stale=stale: items("k").update(if_match=stale, **change), 412, 20412, STALE)
        refused(
            lambda stale=stale: items("k").update(if_match=stale, collection_ttl=5, **change),
            412,
            20412,
            STALE,
        )
        refused(lambda stale=stale: items("k").delete(if_match=stale), 412, 20412, STALE)

    assert state(maps, "game") == before


@pytest.mark.parametrize("if_match", ["abc", "1.0", "-1", "0x1", "*"])
def test_an_if_match_that_is_not_a_revision_is_54003_and_changes_nothing(
    sync: Sync, clock: ManualClock, if_match: str
) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    items.create(key="k", data={"v": 0})
    before = state(maps, "game")
    clock.advance(5)

    refused(lambda: items("k").update(data={"v": 1}, if_match=if_match), 400, 54003, BAD_IF_MATCH)
    refused(lambda: items("k").delete(if_match=if_match), 400, 54003, BAD_IF_MATCH)

    assert state(maps, "game") == before


@pytest.mark.parametrize(
    "params",
    [{}, {"if_match": "0"}, {"data": None, "item_ttl": None, "ttl": None}],
    ids=["nothing", "only-if-match", "only-nones"],
)
def test_an_item_update_without_data_or_ttl_is_54010_and_changes_nothing(
    sync: Sync, clock: ManualClock, params: dict[str, Any]
) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    items.create(key="k", data={"v": 0}, item_ttl=60)
    before = state(maps, "game")
    clock.advance(5)

    refused(lambda: items("k").update(**params), 400, 54010, NOTHING)

    assert state(maps, "game") == before


@pytest.mark.parametrize("collection_ttl", [60, 0, "abc"])
def test_collection_ttl_alone_on_item_update_is_20001_and_changes_nothing(
    sync: Sync, clock: ManualClock, collection_ttl: object
) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game", collection_ttl=600)
    items = maps("game").sync_map_items
    items.create(key="k", data={"v": 0})
    before = state(maps, "game")
    clock.advance(5)

    refused(lambda: items("k").update(collection_ttl=collection_ttl), 400, 20001, INVALID)
    refused(
        lambda: items("k").update(collection_ttl=collection_ttl, if_match="0"), 400, 20001, INVALID
    )

    assert state(maps, "game") == before


@pytest.mark.parametrize("which", ["item_ttl", "ttl", "collection_ttl"])
@pytest.mark.parametrize("ttl", BAD_TTLS)
def test_a_bad_item_ttl_is_54011_and_changes_nothing(
    sync: Sync, clock: ManualClock, which: str, ttl: object
) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game", collection_ttl=600)
    items = maps("game").sync_map_items
    items.create(key="k", data={"v": 0}, item_ttl=600)
    before = state(maps, "game")
    clock.advance(5)

    refused(lambda: items.create(key="new", data={}, **{which: ttl}), 400, 54011, TTL)
    refused(lambda: items("k").update(data={"v": 1}, **{which: ttl}), 400, 54011, TTL)

    assert state(maps, "game") == before


def test_an_update_replaces_the_whole_item_data(sync: Sync) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    items.create(key="k", data={"a": 1, "b": {"c": 2, "d": 3}})

    updated = items("k").update(data={"b": {"c": 20}})

    assert updated.data == {"b": {"c": 20}}
    assert items("k").fetch() == updated


# -- items: TTLs ----------------------------------------------------------------------


def test_item_ttl_sets_the_item_expiry_and_ttl_is_its_alias(sync: Sync, clock: ManualClock) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    clock.advance(3)

    by_item_ttl = items.create(key="a", data={}, item_ttl=60)
    by_ttl = items.create(key="b", data={}, ttl="30")
    both = items.create(key="c", data={}, ttl=-1, item_ttl=90)  # the alias is ignored
    never = items.create(key="d", data={}, ttl=60, item_ttl=0)

    assert by_item_ttl.date_expires == clock.now() + timedelta(seconds=60)
    assert by_ttl.date_expires == clock.now() + timedelta(seconds=30)
    assert both.date_expires == clock.now() + timedelta(seconds=90)
    assert never.date_expires is None
    assert items.list() == [by_item_ttl, by_ttl, both, never]
    assert maps("game").fetch().date_expires is None  # item TTLs leave the map alone


def test_a_data_only_item_update_keeps_the_item_expiry(sync: Sync, clock: ManualClock) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    item = items.create(key="k", data={"n": 0}, item_ttl=10)
    clock.advance(5)

    updated = items("k").update(data={"n": 1})

    assert updated.date_expires == item.date_expires == START + timedelta(seconds=10)
    clock.advance(4.999)
    assert items("k").fetch() == updated
    clock.advance(0.001)
    path = f"/Services/{item.service_sid}/Maps/game/Items/k"
    refused(lambda: items("k").fetch(), 404, 20404, not_found(path))


def test_an_item_ttl_update_moves_or_clears_the_item_expiry(sync: Sync, clock: ManualClock) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    item = items.create(key="k", data={"n": 0}, item_ttl=10)
    clock.advance(5)

    moved = items("k").update(item_ttl=10)
    assert moved.date_expires == clock.now() + timedelta(seconds=10)
    assert (moved.revision, moved.data, moved.date_updated) == ("1", item.data, clock.now())

    clock.advance(5)  # the old expiry: still there
    assert items("k").fetch() == moved
    by_alias = items("k").update(ttl=20)
    assert by_alias.date_expires == clock.now() + timedelta(seconds=20)
    ignored = items("k").update(ttl=-1, item_ttl=30)
    assert ignored.date_expires == clock.now() + timedelta(seconds=30)

    cleared = items("k").update(item_ttl=0)
    assert cleared.date_expires is None
    assert cleared.revision == "4"
    clock.advance(YEAR)
    assert items("k").fetch() == cleared


def test_collection_ttl_on_item_create_sets_or_clears_the_maps_expiry(
    sync: Sync, clock: ManualClock
) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game", collection_ttl=600)
    items = maps("game").sync_map_items
    clock.advance(5)

    item = items.create(key="a", data={}, collection_ttl=30)

    assert item.date_expires is None
    game = maps("game").fetch()
    assert game.date_expires == clock.now() + timedelta(seconds=30)
    assert (game.revision, game.date_updated) == ("1", clock.now())

    clock.advance(5)
    items.create(key="b", data={}, collection_ttl=0, item_ttl=5)
    game = maps("game").fetch()
    assert game.date_expires is None
    assert game.revision == "2"
    assert items("b").fetch().date_expires == clock.now() + timedelta(seconds=5)


def test_collection_ttl_on_item_update_sets_the_maps_expiry(sync: Sync, clock: ManualClock) -> None:
    svc, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    item = items.create(key="a", data={"n": 0}, item_ttl=600)
    clock.advance(5)

    updated = items("a").update(data={"n": 1}, collection_ttl=20)
    assert updated.date_expires == item.date_expires  # data + collection_ttl: item keeps its
    game = maps("game").fetch()
    assert game.date_expires == clock.now() + timedelta(seconds=20)
    assert (game.revision, game.date_updated) == ("2", clock.now())

    clock.advance(5)
    items("a").update(item_ttl=100, collection_ttl=10)
    assert maps("game").fetch().date_expires == clock.now() + timedelta(seconds=10)

    clock.advance(10)
    refused(lambda: maps("game").fetch(), 404, 20404, not_found(f"/Services/{svc}/Maps/game"))
    assert maps.list() == []


def test_an_item_is_gone_at_exactly_its_expiry_and_the_map_counts_it(
    sync: Sync, clock: ManualClock
) -> None:
    svc, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    items.create(key="short", data={}, item_ttl=10)
    kept = items.create(key="kept", data={})
    game = maps("game").fetch()
    assert game.revision == "2"

    clock.advance(9.999)
    assert [item.key for item in items.list()] == ["kept", "short"]
    assert maps("game").fetch() == game

    clock.advance(0.001)
    path = f"/Services/{svc}/Maps/game/Items/short"
    refused(lambda: items("short").fetch(), 404, 20404, not_found(path))
    refused(lambda: items("short").update(data={}), 404, 20404, not_found(path))
    refused(lambda: items("short").delete(), 404, 20404, not_found(path))
    assert items.list() == [kept]
    expired = maps("game").fetch()
    assert expired.revision == "3"
    assert expired.date_updated == START + timedelta(seconds=10)


def test_an_item_expiry_dates_the_map_at_the_instant_it_expired(
    sync: Sync, clock: ManualClock
) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    items.create(key="first", data={}, item_ttl=10)
    items.create(key="second", data={}, item_ttl=20)

    clock.advance(3600)  # nobody looked in between

    game = maps("game").fetch()
    assert game.revision == "4"
    assert game.date_updated == START + timedelta(seconds=20)
    assert items.list() == []


# -- items: delete --------------------------------------------------------------------


def test_an_item_delete_returns_true_and_bumps_the_map(sync: Sync, clock: ManualClock) -> None:
    svc, maps = service_maps(sync)
    game = maps.create(unique_name="game")
    items = maps("game").sync_map_items
    items.create(key="a", data={})
    kept = items.create(key="b", data={})
    clock.advance(5)

    assert items("a").delete() is True

    after = maps("game").fetch()
    assert (after.revision, after.date_updated, after.date_created) == (
        "3",
        clock.now(),
        game.date_created,
    )
    path = f"/Services/{svc}/Maps/game/Items/a"
    refused(lambda: items("a").fetch(), 404, 20404, not_found(path))
    refused(lambda: items("a").delete(), 404, 20404, not_found(path))
    assert items.list() == [kept]


# -- items: 404s and the order of checks ----------------------------------------------


def test_a_missing_item_is_404_naming_the_path_as_addressed(sync: Sync, clock: ManualClock) -> None:
    svc, maps = service_maps(sync)
    game = maps.create(unique_name="game")
    maps("game").sync_map_items.create(key="kept", data={})
    before = state(maps, "game")
    clock.advance(5)

    for ident in ("game", game.sid):
        for key in ("nope", "a b/c?d#e", "é😀", "KEPT", "{0}", "%20"):
            item = maps(ident).sync_map_items(key)
            message = not_found(f"/Services/{svc}/Maps/{ident}/Items/{key}")
            refused(lambda item=item: item.fetch(), 404, 20404, message)
            refused(lambda item=item: item.update(data={"a": 1}), 404, 20404, message)
            refused(lambda item=item: item.delete(), 404, 20404, message)
            refused(lambda item=item: item.delete(if_match="0"), 404, 20404, message)

    assert state(maps, "game") == before


@pytest.mark.parametrize("service", ["default", "IS" + "0" * 32, "nope"])
@pytest.mark.parametrize("ident", ["nope", "MP" + "0" * 32])
def test_the_items_of_a_missing_map_are_404_naming_the_whole_path(
    sync: Sync, clock: ManualClock, service: str, ident: str
) -> None:
    existing = sync.services.create()
    clock.advance(5)
    items_list = sync.services(service).sync_maps(ident).sync_map_items

    collection = not_found(f"/Services/{service}/Maps/{ident}/Items")
    refused(lambda: items_list.list(), 404, 20404, collection)
    refused(lambda: items_list.page(), 404, 20404, collection)
    refused(lambda: items_list.create(key="k", data={}), 404, 20404, collection)
    one = not_found(f"/Services/{service}/Maps/{ident}/Items/k")
    refused(lambda: items_list("k").fetch(), 404, 20404, one)
    refused(lambda: items_list("k").update(data={}), 404, 20404, one)
    refused(lambda: items_list("k").delete(), 404, 20404, one)

    assert existing in sync.services.list()
    if service == "default":
        assert sync.services("default").sync_maps.list() == []


def test_a_missing_map_comes_before_bad_parameters(sync: Sync, clock: ManualClock) -> None:
    svc, maps = service_maps(sync)
    clock.advance(5)
    items = maps("nope").sync_map_items
    collection = not_found(f"/Services/{svc}/Maps/nope/Items")

    refused(lambda: items.create(key="", data=None), 404, 20404, collection)
    refused(lambda: items.create(key="k", data=payload(16_385, "x")), 404, 20404, collection)
    refused(lambda: items.create(key="k", data={}, item_ttl=-1), 404, 20404, collection)
    for key in ("", "k" * 321):
        one = not_found(f"/Services/{svc}/Maps/nope/Items/{key}")
        refused(lambda key=key: items(key).fetch(), 404, 20404, one)
        refused(lambda key=key: items(key).update(), 404, 20404, one)
        refused(lambda key=key: items(key).delete(if_match="abc"), 404, 20404, one)

    assert maps.list() == []


def test_bad_parameters_come_before_a_missing_item(sync: Sync, clock: ManualClock) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    before = state(maps, "game")
    clock.advance(5)
    missing = maps("game").sync_map_items("nope")

    refused(lambda: missing.update(), 400, 54010, NOTHING)
    refused(lambda: missing.update(collection_ttl=5), 400, 20001, INVALID)
    refused(lambda: missing.update(data="null"), 400, 54206, NULL_DATA)
    refused(lambda: missing.update(data=[1]), 400, 54008, BAD_DATA)
    refused(lambda: missing.update(data=payload(16_385, "x")), 413, 54006, TOO_LARGE)
    refused(lambda: missing.update(data={}, item_ttl=-1), 400, 54011, TTL)
    refused(lambda: missing.update(data={}, if_match="abc"), 400, 54003, BAD_IF_MATCH)
    refused(lambda: missing.delete(if_match="abc"), 400, 54003, BAD_IF_MATCH)

    assert state(maps, "game") == before


def test_a_missing_item_comes_before_a_stale_if_match(sync: Sync, clock: ManualClock) -> None:
    svc, maps = service_maps(sync)
    maps.create(unique_name="game")
    before = state(maps, "game")
    clock.advance(5)
    missing = maps("game").sync_map_items("nope")
    message = not_found(f"/Services/{svc}/Maps/game/Items/nope")

    refused(lambda: missing.update(data={}, if_match="3"), 404, 20404, message)
    refused(lambda: missing.delete(if_match="3"), 404, 20404, message)

    assert state(maps, "game") == before


def test_bad_parameters_come_before_a_taken_key(sync: Sync, clock: ManualClock) -> None:
    _, maps = service_maps(sync)
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    items.create(key="k", data={})
    before = state(maps, "game")
    clock.advance(5)

    refused(lambda: items.create(key="k", data=None), 400, 54206, NULL_DATA)
    refused(lambda: items.create(key="k", data=[1]), 400, 54008, BAD_DATA)
    refused(lambda: items.create(key="k", data=payload(16_385, "x")), 413, 54006, TOO_LARGE)
    refused(lambda: items.create(key="k", data={}, item_ttl=-1), 400, 54011, TTL)
    refused(lambda: items.create(key="k", data={}, collection_ttl=-1), 400, 54011, TTL)

    assert state(maps, "game") == before
