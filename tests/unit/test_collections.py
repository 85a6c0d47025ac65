"""Maps and Lists alike: their TTLs, their items' data, revisions, ``If-Match``, TTLs, 404s.

Each test runs for Maps and for Lists (tests/kinds.py: a Map's items are placed by key,
a List's by index, and a few codes differ); what only one of them does is in
tests/unit/test_maps.py and tests/unit/test_lists.py, and what Documents and Streams do
too is in tests/unit/test_objects.py. Each refusal is checked three ways: the error
(status, Twilio code, exact message), that nothing changed (the Map or List, the
listing and the items fetched again are equal to before, revision and ``date_updated``
included), and that no event was heard; the clock moves before every refused call, so
that a stray change of a date would show (``Home.unchanged``).
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from kinds import CONTAINERS, LIST, MAP, ContainerKind, Home
from support import (
    BAD_DATA,
    BAD_IF_MATCH,
    BAD_TTLS,
    BASE,
    INVALID,
    NOTHING,
    NULL_DATA,
    START,
    TOO_LARGE,
    TTL,
    YEAR,
    check_against,
    is_rest_json,
    not_found,
    payload,
    refused,
    stamped,
)

from sync_core import Sync

#: Places of items that are not there: a Map's keys, a List's indexes (1 was deleted).
MISSING_PLACES = [
    *[(MAP, key) for key in ("b", "nope", "a b/c?d#e", "é😀", "A", "{0}", "%20")],
    *[(LIST, index) for index in (1, 3, 99, "7", 10**12)],
]
#: Places that are no key (a Map) or no index (a List).
BAD_PLACES = [
    *[(MAP, key, name) for key, name in [("k" * 321, "321"), ("", "empty"), (7, "int")]],
    *[
        (LIST, index, name)
        for index, name in [
            ("x", "x"),
            (-1, "minus-one"),
            ("-1", "minus-one-text"),
            (1.5, "float"),
            ("1.5", "float-text"),
            ("", "empty"),
            (True, "bool"),
            (None, "none"),
            ("0x1", "hex"),
        ]
    ],
]


@pytest.fixture(params=CONTAINERS, ids=str)
def kind(request: pytest.FixtureRequest) -> ContainerKind:
    param: ContainerKind = request.param
    return param


def by_kind(*params: tuple[Any, ...]) -> list[Any]:
    return [pytest.param(*param[:-1], id=f"{param[0]}-{param[-1]}") for param in params]


def places(items: list[Any], home: Home) -> list[Any]:
    return [home.place(item) for item in items]


# -- the TTL of a Map or List ---------------------------------------------------------


@pytest.mark.parametrize("ttl", [3600, 0, -1, "abc", YEAR + 1])
def test_ttl_is_an_alias_of_collection_ttl_ignored_and_unchecked_when_both_are_given(
    home: Home, ttl: object
) -> None:
    alias = home.objects.create(unique_name="alias", ttl=60)
    both = home.objects.create(unique_name="both", ttl=ttl, collection_ttl=30)
    never = home.objects.create(unique_name="never", ttl=ttl, collection_ttl=0)

    assert alias.date_expires == home.clock.now() + timedelta(seconds=60)
    assert both.date_expires == home.clock.now() + timedelta(seconds=30)
    assert never.date_expires is None
    assert home.objects.list() == [alias, both, never]


def test_an_update_sets_or_clears_the_expiry_and_bumps_the_revision(home: Home) -> None:
    clock = home.clock
    box = home.objects.create(unique_name="box")
    clock.advance(10)

    first = home.objects("box").update(collection_ttl=30)
    assert first.date_expires == clock.now() + timedelta(seconds=30)
    assert (first.revision, first.date_updated) == ("1", clock.now())
    assert first.date_created == box.date_created
    assert (first.sid, first.unique_name, first.created_by) == (box.sid, "box", "system")
    assert home.objects("box").fetch() == first

    clock.advance(10)
    second = home.objects(box.sid).update(ttl=45)  # the alias alone
    assert second.date_expires == clock.now() + timedelta(seconds=45)
    assert (second.revision, second.date_updated) == ("2", clock.now())

    clock.advance(10)
    third = home.objects("box").update(collection_ttl=0)
    assert third.date_expires is None
    assert (third.revision, third.date_updated) == ("3", clock.now())
    assert home.objects("box").fetch() == third

    clock.advance(YEAR)
    assert home.objects("box").fetch() == third


@pytest.mark.parametrize(
    ("ttl", "collection_ttl", "seconds"),
    [(3600, 20, 20), (-1, 20, 20), ("abc", 20, 20), (-1, 0, None)],
)
def test_an_update_ignores_ttl_when_collection_ttl_is_given(
    home: Home, ttl: object, collection_ttl: int, seconds: int | None
) -> None:
    home.objects.create(unique_name="box", collection_ttl=600)
    home.clock.advance(3)

    updated = home.objects("box").update(ttl=ttl, collection_ttl=collection_ttl)

    expected = None if seconds is None else home.clock.now() + timedelta(seconds=seconds)
    assert updated.date_expires == expected
    assert home.objects("box").fetch() == updated


def test_the_items_go_with_their_map_or_list_when_it_expires(home: Home) -> None:
    box = home.objects.create(unique_name="box", collection_ttl=10)
    item = home.add({"n": 1})
    kept = home.objects.create(unique_name="kept")

    home.clock.advance(9.999)
    assert home.objects("box").fetch().revision == "1"
    assert home.items().list() == [item]

    home.clock.advance(0.001)
    for ident in ("box", box.sid):
        items = home.items(ident)
        at = home.place(item)
        refused(items(at).fetch, 404, 20404, not_found(home.path(ident, "Items", at)))
        refused(items.list, 404, 20404, not_found(home.path(ident, "Items")))
        refused(
            partial(home.add, {}, ident=ident), 404, 20404, not_found(home.path(ident, "Items"))
        )
    assert home.objects.list() == [kept]
    assert home.objects.create(unique_name="box").sid != box.sid
    assert home.items().list() == []


def test_delete_removes_the_items_and_their_expiries(home: Home) -> None:
    box = home.objects.create(unique_name="box")
    first = home.add({"n": 0}, at="a", item_ttl=100)
    home.add({"n": 1}, at="b", item_ttl=100)
    home.objects.create(unique_name="kept")
    home.add({"kept": True}, ident="kept")
    kept, _, kept_items = home.state("kept")

    assert home.objects("box").delete() is True

    for ident in ("box", box.sid):
        at = home.place(first)
        message = not_found(home.path(ident, "Items", at))
        refused(home.items(ident)(at).fetch, 404, 20404, message)
    assert home.state("kept") == (kept, [kept], kept_items)
    home.clock.advance(100)  # the removed items' expiries are gone with them
    again = home.objects.create(unique_name="box")
    assert again.revision == "0"
    assert home.items().list() == []
    at = home.place(first)
    refused(home.items()(at).fetch, 404, 20404, not_found(home.path("box", "Items", at)))
    assert home.objects("box").fetch() == again


def test_deleting_a_service_deletes_the_items(sync: Sync, kind: ContainerKind) -> None:
    gone = sync.services.create().sid
    kind.of(sync, gone).create(unique_name="box")
    kind.add(kind.items(kind.of(sync, gone)("box")), {"n": 1})

    assert sync.services(gone).delete() is True

    # The sync fixture's _check() asserts that no item of the service is left.
    message = not_found(kind.path(gone, "box", "Items"))
    refused(kind.items(kind.of(sync, gone)("box")).list, 404, 20404, message)


# -- items: create and fetch ----------------------------------------------------------


def test_a_new_item_has_twilio_defaults_and_bumps_its_map_or_list(home: Home) -> None:
    kind, clock = home.container, home.clock
    box = home.objects.create(unique_name="box")
    assert home.items().list() == []
    clock.advance(7)

    item = home.add({"score": 3, "tags": ["x"]}, at="alice")

    at = home.place(item)
    assert at == {"key": "alice", "index": 0}[kind.place]
    assert isinstance(item, kind.item_record)
    assert item.account_sid == home.sync.account_sid
    assert item.service_sid == home.service
    assert getattr(item, kind.sid_field) == box.sid
    assert item.revision == "0"
    assert item.data == {"score": 3, "tags": ["x"]}
    assert item.date_expires is None
    assert item.date_created == item.date_updated == clock.now()
    assert item.created_by == "system"
    assert item.url == f"{BASE}{home.path(box.sid, 'Items', at)}"
    assert home.items()(at).fetch() == item
    assert home.items(box.sid).get(at).fetch() == item
    after = home.objects("box").fetch()
    assert (after.revision, after.date_updated) == ("1", clock.now())
    assert after.date_created == box.date_created
    assert home.objects.list() == [after]


def test_item_to_dict_is_the_rest_json(home: Home) -> None:
    kind = home.container
    box = home.objects.create(unique_name="box")
    plain = home.add({}, at="plain")
    for key in ("b", "c"):
        home.add({}, at=key)
    home.clock.advance(timedelta(minutes=2, seconds=3, microseconds=900_000))

    item = home.add({"x": [1, None]}, at="a b/c?d#é😀", item_ttl=3600)

    at = {"key": "a b/c?d#é😀", "index": 3}[kind.place]
    tail = {"key": "a%20b%2Fc%3Fd%23%C3%A9%F0%9F%98%80", "index": "3"}[kind.place]
    url = f"{BASE}/Services/{home.service}/{kind.collection}/{box.sid}/Items/{tail}"
    assert item.url == url
    expected = {
        kind.place: at,
        "account_sid": home.sync.account_sid,
        "service_sid": home.service,
        kind.sid_field: box.sid,
        "url": url,
        "revision": "0",
        "data": {"x": [1, None]},
        **stamped("2025-01-01T00:02:03Z", expires="2025-01-01T01:02:03Z"),
    }
    is_rest_json(item, expected, kind.item_schema)
    assert plain.to_dict()["date_expires"] is None
    check_against(plain.to_dict(), kind.item_schema)


@pytest.mark.parametrize(("kind", "place"), by_kind(*BAD_PLACES))
def test_a_bad_key_or_index_is_refused_on_fetch_update_and_delete(
    home: Home, place: object
) -> None:
    home.objects.create(unique_name="box")
    home.add({"n": 0})
    item = home.items()(place)
    code, message = home.container.bad_place

    with home.unchanged():
        refused(item.fetch, 400, code, message)
        refused(partial(item.update, data={"a": 1}), 400, code, message)
        refused(item.delete, 400, code, message)
        refused(partial(item.delete, if_match="0"), 400, code, message)


# -- items: data ----------------------------------------------------------------------


def test_none_as_item_data_is_null_and_changes_nothing(box: Home) -> None:
    box.add({"a": 1})

    with box.unchanged():
        refused(partial(box.add, None, at="new"), 400, box.container.null_data, NULL_DATA)


# -- items: update, revisions, If-Match -----------------------------------------------


def test_each_item_update_adds_one_to_the_item_and_its_map_or_list_revision(
    home: Home,
) -> None:
    kind, clock = home.container, home.clock
    box = home.objects.create(unique_name="box")
    first = home.add({"n": 0}, at="counter")
    other = home.add({}, at="other")
    at = home.place(first)

    for n in range(1, 6):
        clock.advance(7)
        updated = home.items()(at).update(data={"n": n})
        assert updated.revision == str(n)
        assert updated.data == {"n": n}
        assert updated.date_updated == clock.now()
        assert updated.date_created == first.date_created
        assert (home.place(updated), getattr(updated, kind.sid_field)) == (at, box.sid)
        assert updated.created_by == "system"
        assert home.items()(at).fetch() == updated
        after = home.objects("box").fetch()
        assert (after.revision, after.date_updated) == (str(n + 2), clock.now())
    assert home.items()(home.place(other)).fetch() == other


@pytest.mark.parametrize("if_match", ["2", '"2"'], ids=["plain", "quoted-etag"])
def test_an_if_match_equal_to_the_item_revision_lets_update_and_delete_through(
    home: Home, if_match: str
) -> None:
    home.objects.create(unique_name="box")
    kept = home.place(home.add({"v": 0}, at="kept"))
    gone = home.place(home.add({"v": 0}, at="gone"))
    for at in (kept, gone):
        home.items()(at).update(data={"v": 1})
        home.items()(at).update(data={"v": 2})
    assert home.objects("box").fetch().revision == "6"  # not the items' revision

    updated = home.items()(kept).update(data={"v": 3}, if_match=if_match)
    assert (updated.revision, updated.data) == ("3", {"v": 3})
    assert home.items()(gone).delete(if_match=if_match) is True
    assert places(home.items().list(), home) == [kept]


@pytest.mark.parametrize(
    "change",
    [{"data": {"v": "mine"}}, {"item_ttl": 60}, {"ttl": 60}, {"data": {"v": 1}, "item_ttl": 0}],
    ids=["data", "item_ttl", "ttl", "both"],
)
def test_an_item_update_with_a_stale_if_match_is_412_and_changes_nothing(
    home: Home, change: dict[str, Any]
) -> None:
    home.objects.create(unique_name="box", collection_ttl=600)
    first = home.add({"v": 0}, item_ttl=600)
    item = home.items()(home.place(first))
    item.update(data={"v": "theirs"}, if_match=first.revision)
    stale = home.container.stale

    with home.unchanged():
        for revision in (first.revision, "7"):
            refused(partial(item.update, if_match=revision, **change), 412, 20412, stale)
            refused(
                partial(item.update, if_match=revision, collection_ttl=5, **change),
                412,
                20412,
                stale,
            )
            refused(partial(item.delete, if_match=revision), 412, 20412, stale)


@pytest.mark.parametrize("if_match", ["abc", "1.0", "-1", "0x1", "*", '"0', '0"', '"'])
def test_an_if_match_that_is_not_a_revision_is_54003_and_changes_nothing(
    home: Home, if_match: str
) -> None:
    home.objects.create(unique_name="box")
    item = home.items()(home.place(home.add({"v": 0})))

    with home.unchanged():
        refused(partial(item.update, data={"v": 1}, if_match=if_match), 400, 54003, BAD_IF_MATCH)
        refused(partial(item.delete, if_match=if_match), 400, 54003, BAD_IF_MATCH)


@pytest.mark.parametrize(
    "params",
    [{}, {"if_match": "0"}, {"data": None, "item_ttl": None, "ttl": None}],
    ids=["nothing", "only-if-match", "only-nones"],
)
def test_an_item_update_without_data_or_ttl_is_54010_and_changes_nothing(
    home: Home, params: dict[str, Any]
) -> None:
    home.objects.create(unique_name="box", collection_ttl=600)
    item = home.items()(home.place(home.add({"v": 0}, item_ttl=60)))

    with home.unchanged():
        refused(partial(item.update, **params), 400, 54010, NOTHING)


@pytest.mark.parametrize("collection_ttl", [60, 0, "abc"])
def test_collection_ttl_alone_on_an_item_update_is_20001_and_changes_nothing(
    home: Home, collection_ttl: object
) -> None:
    home.objects.create(unique_name="box", collection_ttl=600)
    item = home.items()(home.place(home.add({"v": 0})))

    with home.unchanged():
        refused(partial(item.update, collection_ttl=collection_ttl), 400, 20001, INVALID)
        refused(
            partial(item.update, collection_ttl=collection_ttl, if_match="0"), 400, 20001, INVALID
        )


@pytest.mark.parametrize("which", ["item_ttl", "ttl", "collection_ttl"])
@pytest.mark.parametrize("ttl", BAD_TTLS)
def test_a_bad_item_ttl_is_54011_and_changes_nothing(home: Home, which: str, ttl: object) -> None:
    home.objects.create(unique_name="box", collection_ttl=600)
    item = home.items()(home.place(home.add({"v": 0}, item_ttl=600)))

    given: dict[str, Any] = {which: ttl}

    with home.unchanged():
        refused(partial(home.add, {}, at="new", **given), 400, 54011, TTL)
        refused(partial(item.update, data={"v": 1}, **given), 400, 54011, TTL)


# -- items: TTLs ----------------------------------------------------------------------


def test_item_ttl_sets_the_item_expiry_and_ttl_is_its_alias(home: Home) -> None:
    home.objects.create(unique_name="box")
    home.clock.advance(3)

    by_item_ttl = home.add({}, at="a", item_ttl=60)
    by_ttl = home.add({}, at="b", ttl="30")
    both = home.add({}, at="c", ttl=-1, item_ttl=90)  # the alias is ignored
    never = home.add({}, at="d", ttl=60, item_ttl=0)

    assert by_item_ttl.date_expires == home.clock.now() + timedelta(seconds=60)
    assert by_ttl.date_expires == home.clock.now() + timedelta(seconds=30)
    assert both.date_expires == home.clock.now() + timedelta(seconds=90)
    assert never.date_expires is None
    assert home.items().list() == [by_item_ttl, by_ttl, both, never]
    assert home.objects("box").fetch().date_expires is None  # item TTLs leave it alone


def test_a_data_only_update_keeps_the_item_expiry_and_a_ttl_update_moves_it(
    home: Home,
) -> None:
    clock = home.clock
    home.objects.create(unique_name="box")
    first = home.add({"n": 0}, at="a", item_ttl=10)
    second = home.add({"n": 0}, at="b", item_ttl=10)
    clock.advance(5)

    kept = home.items()(home.place(first)).update(data={"n": 1})
    moved = home.items()(home.place(second)).update(data={"n": 1})
    moved = home.items()(home.place(second)).update(ttl=10)

    assert kept.date_expires == first.date_expires == START + timedelta(seconds=10)
    assert moved.date_expires == clock.now() + timedelta(seconds=10)
    assert (moved.revision, moved.data) == ("2", {"n": 1})
    clock.advance(4.999)
    assert home.items().list() == [kept, moved]
    clock.advance(0.001)
    at = home.place(first)
    refused(home.items()(at).fetch, 404, 20404, not_found(home.path("box", "Items", at)))
    clock.advance(4.999)
    assert home.items().list() == [moved]
    clock.advance(0.001)
    at = home.place(second)
    refused(home.items()(at).fetch, 404, 20404, not_found(home.path("box", "Items", at)))


def test_an_item_ttl_update_moves_or_clears_the_item_expiry(home: Home) -> None:
    clock = home.clock
    home.objects.create(unique_name="box")
    first = home.add({"n": 0}, item_ttl=10)
    item = home.items()(home.place(first))
    clock.advance(5)

    moved = item.update(item_ttl=10)
    assert moved.date_expires == clock.now() + timedelta(seconds=10)
    assert (moved.revision, moved.data, moved.date_updated) == ("1", first.data, clock.now())

    clock.advance(5)  # the old expiry: still there
    assert item.fetch() == moved
    by_alias = item.update(ttl=20)
    assert by_alias.date_expires == clock.now() + timedelta(seconds=20)
    ignored = item.update(ttl=-1, item_ttl=30)
    assert ignored.date_expires == clock.now() + timedelta(seconds=30)

    cleared = item.update(item_ttl=0)
    assert cleared.date_expires is None
    assert cleared.revision == "4"
    clock.advance(YEAR)
    assert item.fetch() == cleared


def test_collection_ttl_on_item_create_sets_or_clears_the_expiry_of_the_map_or_list(
    home: Home,
) -> None:
    clock = home.clock
    home.objects.create(unique_name="box", collection_ttl=600)
    clock.advance(5)

    item = home.add({}, at="a", collection_ttl=30)

    assert item.date_expires is None
    box = home.objects("box").fetch()
    assert box.date_expires == clock.now() + timedelta(seconds=30)
    assert (box.revision, box.date_updated) == ("1", clock.now())

    clock.advance(5)
    second = home.add({}, at="b", collection_ttl=0, item_ttl=5)
    box = home.objects("box").fetch()
    assert box.date_expires is None
    assert box.revision == "2"
    assert second.date_expires == clock.now() + timedelta(seconds=5)
    assert home.items()(home.place(second)).fetch() == second


def test_collection_ttl_on_item_update_sets_or_clears_the_expiry_of_the_map_or_list(
    home: Home,
) -> None:
    clock = home.clock
    home.objects.create(unique_name="box")
    first = home.add({"n": 0}, item_ttl=600)
    item = home.items()(home.place(first))
    clock.advance(5)

    updated = item.update(data={"n": 1}, collection_ttl=20)
    assert updated.date_expires == first.date_expires  # data + collection_ttl: the item keeps its
    box = home.objects("box").fetch()
    assert box.date_expires == clock.now() + timedelta(seconds=20)
    assert (box.revision, box.date_updated) == ("2", clock.now())

    clock.advance(5)
    item.update(data={"n": 2}, collection_ttl=0)
    box = home.objects("box").fetch()
    assert (box.date_expires, box.revision, box.date_updated) == (None, "3", clock.now())

    item.update(item_ttl=100, collection_ttl=10)
    assert home.objects("box").fetch().date_expires == clock.now() + timedelta(seconds=10)
    clock.advance(10)
    refused(home.objects("box").fetch, 404, 20404, not_found(home.path("box")))
    assert home.objects.list() == []


def test_an_item_is_gone_at_exactly_its_expiry_and_its_map_or_list_counts_it(
    home: Home,
) -> None:
    home.objects.create(unique_name="box")
    short = home.add({}, at="short", item_ttl=10)
    kept = home.add({}, at="t-kept")
    box = home.objects("box").fetch()
    assert box.revision == "2"

    home.clock.advance(9.999)
    assert home.items().list() == [short, kept]
    assert home.objects("box").fetch() == box

    home.clock.advance(0.001)
    at = home.place(short)
    item, message = home.items()(at), not_found(home.path("box", "Items", at))
    refused(item.fetch, 404, 20404, message)
    refused(partial(item.update, data={}), 404, 20404, message)
    refused(item.delete, 404, 20404, message)
    assert home.items().list() == [kept]
    expired = home.objects("box").fetch()
    assert expired.revision == "3"
    assert expired.date_updated == START + timedelta(seconds=10)


def test_an_item_expiry_dates_its_map_or_list_at_the_instant_it_expired(home: Home) -> None:
    home.objects.create(unique_name="box")
    home.add({}, at="first", item_ttl=10)
    home.add({}, at="second", item_ttl=20)

    home.clock.advance(3600)  # nobody looked in between

    box = home.objects("box").fetch()
    assert box.revision == "4"
    assert box.date_updated == START + timedelta(seconds=20)
    assert home.items().list() == []


# -- items: delete --------------------------------------------------------------------


def test_an_item_delete_returns_true_and_bumps_its_map_or_list(home: Home) -> None:
    box = home.objects.create(unique_name="box")
    at = home.place(home.add({}, at="a"))
    kept = home.add({}, at="b")
    home.clock.advance(5)

    assert home.items()(at).delete() is True

    after = home.objects("box").fetch()
    assert (after.revision, after.date_updated, after.date_created) == (
        "3",
        home.clock.now(),
        box.date_created,
    )
    message = not_found(home.path("box", "Items", at))
    refused(home.items()(at).fetch, 404, 20404, message)
    refused(home.items()(at).delete, 404, 20404, message)
    assert home.items().list() == [kept]


# -- items: 404s and the order of checks ----------------------------------------------


@pytest.mark.parametrize(("kind", "place"), by_kind(*[(*p, p[1]) for p in MISSING_PLACES]))
def test_a_missing_item_is_404_naming_the_path_as_addressed(home: Home, place: object) -> None:
    box = home.objects.create(unique_name="box")
    for at in ("a", "b", "c"):
        home.add({"n": at}, at=at)
    home.items()({"key": "b", "index": 1}[home.container.place]).delete()

    with home.unchanged():
        for ident in ("box", box.sid):
            item = home.items(ident)(place)
            message = not_found(home.path(ident, "Items", place))
            refused(item.fetch, 404, 20404, message)
            refused(partial(item.update, data={"a": 1}), 404, 20404, message)
            refused(item.delete, 404, 20404, message)
            refused(partial(item.delete, if_match="0"), 404, 20404, message)


@pytest.mark.parametrize("service", ["default", "IS" + "0" * 32, "nope"])
@pytest.mark.parametrize("ident", ["nope", "sid"])
def test_the_items_of_a_missing_map_or_list_are_404_naming_the_whole_path(
    sync: Sync, kind: ContainerKind, service: str, ident: str
) -> None:
    existing = sync.services.create()
    ident = ident if ident == "nope" else kind.prefix + "0" * 32
    items = kind.items(kind.of(sync, service)(ident))
    at = {"key": "k", "index": 0}[kind.place]

    every = not_found(kind.path(service, ident, "Items"))
    refused(items.list, 404, 20404, every)
    refused(items.page, 404, 20404, every)
    refused(partial(kind.add, items, {}), 404, 20404, every)
    one = not_found(kind.path(service, ident, "Items", at))
    refused(items(at).fetch, 404, 20404, one)
    refused(partial(items(at).update, data={}), 404, 20404, one)
    refused(items(at).delete, 404, 20404, one)

    assert sync.services.list() == [existing]
    if service == "default":
        assert kind.of(sync, "default").list() == []


def test_a_missing_map_or_list_comes_before_bad_parameters(home: Home) -> None:
    kind = home.container
    items = home.items("nope")
    every = not_found(home.path("nope", "Items"))

    home.clock.advance(5)
    refused(partial(home.add, None, at="", ident="nope"), 404, 20404, every)
    refused(partial(home.add, payload(16_385, "x"), ident="nope"), 404, 20404, every)
    refused(partial(home.add, {}, ident="nope", item_ttl=-1), 404, 20404, every)
    for place in {"key": ("", "k" * 321), "index": ("x", -1)}[kind.place]:
        one = not_found(home.path("nope", "Items", place))
        refused(items(place).fetch, 404, 20404, one)
        refused(items(place).update, 404, 20404, one)
        refused(partial(items(place).delete, if_match="abc"), 404, 20404, one)

    assert home.objects.list() == []


def test_bad_parameters_come_before_a_missing_item_and_it_before_a_stale_if_match(
    home: Home,
) -> None:
    home.objects.create(unique_name="box")
    at = {"key": "nope", "index": 4}[home.container.place]
    missing, code = home.items()(at), home.container.null_data

    with home.unchanged():
        refused(missing.update, 400, 54010, NOTHING)
        refused(partial(missing.update, collection_ttl=5), 400, 20001, INVALID)
        refused(partial(missing.update, data="null"), 400, code, NULL_DATA)
        refused(partial(missing.update, data=[1]), 400, 54008, BAD_DATA)
        refused(partial(missing.update, data=payload(16_385, "x")), 413, 54006, TOO_LARGE)
        refused(partial(missing.update, data={}, item_ttl=-1), 400, 54011, TTL)
        refused(partial(missing.update, data={}, if_match="abc"), 400, 54003, BAD_IF_MATCH)
        refused(partial(missing.delete, if_match="abc"), 400, 54003, BAD_IF_MATCH)
        message = not_found(home.path("box", "Items", at))
        refused(partial(missing.update, data={}, if_match="3"), 404, 20404, message)
        refused(partial(missing.delete, if_match="3"), 404, 20404, message)
