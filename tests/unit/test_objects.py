"""Documents, Maps, Lists and Streams alike: create, unique names, TTLs, fetch, 404s, delete,
listing, expiry.

Each test runs once per kind (tests/kinds.py says what tells the kinds apart). Each
refusal is checked three ways: the error (status, Twilio code, exact message), that
nothing changed (the object fetched again, the listing, a Map's or List's items), and
that a subscriber to the whole service heard nothing; the clock moves before refused
calls, so that a stray change of a date would show (``Home.unchanged``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from kinds import KINDS, ContainerKind, Home, Kind
from support import (
    BAD_NAME,
    BAD_TTLS,
    BASE,
    NAME_TAKEN,
    NOTHING,
    START,
    TTL,
    YEAR,
    check_against,
    is_rest_json,
    not_found,
    refused,
    sid_shaped,
    stamped,
    walk,
)

from sync_core import ManualClock, Sync

#: A kind with each name its TTL takes (Maps and Lists: ``ttl`` and ``collection_ttl``).
KIND_TTLS = [
    pytest.param(kind, name, id=f"{kind}-{name}") for kind in KINDS for name in kind.ttl_names
]
#: Every SID prefix: a unique name shaped like any SID is refused.
PREFIXES = ["ET", "MP", "ES", "TO", "TZ", "IS", "AC"]


@pytest.fixture(params=KINDS, ids=str)
def kind(request: pytest.FixtureRequest) -> Kind:
    param: Kind = request.param
    return param


def other_kind(kind: Kind) -> Kind:
    return next(other for other in KINDS if other is not kind)


# -- create ---------------------------------------------------------------------------


def test_a_new_object_has_twilio_defaults(sync: Sync, clock: ManualClock, kind: Kind) -> None:
    svc = sync.services.create()

    record = kind.of(sync, svc.sid).create()

    assert isinstance(record, kind.record)
    assert re.fullmatch(rf"{kind.prefix}[0-9a-f]{{32}}", record.sid)
    assert record.account_sid == sync.account_sid
    assert record.service_sid == svc.sid
    assert record.unique_name is None
    assert record.created_by == "system"
    assert record.date_expires is None
    assert record.date_created == record.date_updated == clock.now() == START
    for name, value in kind.defaults.items():
        assert getattr(record, name) == value, name
    url = f"{BASE}/Services/{svc.sid}/{kind.collection}/{record.sid}"
    assert record.url == url
    assert record.links == kind.links_of(url)
    assert kind.of(sync, svc.sid)(record.sid).fetch() == record


def test_none_means_not_given_on_create(home: Home) -> None:
    given = {"unique_name": None, **dict.fromkeys(home.kind.ttl_names)}
    if "data" in home.kind.defaults:
        given["data"] = None

    record = home.objects.create(**given)

    assert (record.unique_name, record.date_expires) == (None, None)
    for name, value in home.kind.defaults.items():
        assert getattr(record, name) == value, name


def test_create_keeps_the_unique_name_and_sets_the_expiry_from_the_ttl(home: Home) -> None:
    home.clock.advance(30)

    record = home.objects.create(unique_name="box", **{home.kind.ttl: 3600})

    assert record.unique_name == "box"
    assert record.date_expires == home.clock.now() + timedelta(seconds=3600)
    assert record.date_created == record.date_updated == home.clock.now()
    assert home.objects("box").fetch() == record


def test_each_object_gets_its_own_sid(home: Home) -> None:
    sids = {home.objects.create().sid for _ in range(20)}

    assert len(sids) == 20


def test_to_dict_is_the_rest_json(sync: Sync, clock: ManualClock, kind: Kind) -> None:
    svc = sync.services.create()
    clock.advance(timedelta(hours=1, seconds=2, microseconds=600_000))

    record = kind.of(sync, svc.sid).create(unique_name="box", **{kind.ttl: 60})

    url = f"{BASE}/Services/{svc.sid}/{kind.collection}/{record.sid}"
    assert record.url == url
    expected = {
        "sid": record.sid,
        "unique_name": "box",
        "account_sid": sync.account_sid,
        "service_sid": svc.sid,
        "url": url,
        "links": kind.links_of(url),
        **kind.defaults,
        **stamped("2025-01-01T01:00:02Z", expires="2025-01-01T01:01:02Z"),
    }
    is_rest_json(record, expected, kind.schema)
    anonymous = kind.of(sync, svc.sid).create()
    assert anonymous.to_dict()["unique_name"] is None
    assert anonymous.to_dict()["date_expires"] is None
    check_against(anonymous.to_dict(), kind.schema)


def test_records_are_frozen(home: Home) -> None:
    record = home.objects.create(unique_name="box")

    with pytest.raises(AttributeError):
        record.unique_name = "changed"
    with pytest.raises(AttributeError):
        record.date_expires = None

    assert home.objects("box").fetch() == record


# -- unique names ---------------------------------------------------------------------


def accepted_names(prefix: str) -> list[Any]:
    return [
        pytest.param("x", id="1-char"),
        pytest.param("n" * 320, id="320-chars"),
        pytest.param("é" * 320, id="320-non-ascii"),
        pytest.param(prefix + "A" * 32, id="uppercase-hex-A"),
        pytest.param(prefix + "0123456789ABCDEF" * 2, id="uppercase-hex"),
        pytest.param(prefix.lower() + "0" * 32, id="lowercase-prefix"),
        pytest.param(prefix + "0" * 31, id="31-hex"),
        pytest.param(prefix + "0" * 33, id="33-hex"),
        pytest.param("with spaces/and:punctuation", id="punctuation"),
    ]


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        pytest.param(kind, *param.values, id=f"{kind}-{param.id}")
        for kind in KINDS
        for param in accepted_names(kind.prefix)
    ],
)
def test_a_unique_name_of_1_to_320_characters_not_shaped_like_a_sid_is_accepted(
    home: Home, name: str
) -> None:
    record = home.objects.create(unique_name=name)

    assert record.unique_name == name
    assert home.objects(name).fetch() == record
    assert home.objects(record.sid).fetch() == record


@pytest.mark.parametrize(
    "name",
    ["n" * 321, "", *map(sid_shaped, PREFIXES), "ES" + "0" * 32, "TZ" + "0" * 32, 42],
    ids=["321-chars", "empty", *(f"{p}-sid" for p in PREFIXES), "ES-zeros", "TZ-zeros", "not-text"],
)
def test_a_bad_unique_name_is_54302_and_nothing_is_created(home: Home, name: object) -> None:
    home.objects.create(unique_name="box")

    with home.unchanged():
        refused(partial(home.objects.create, unique_name=name), 400, 54302, BAD_NAME)


def test_a_taken_unique_name_is_409_54301_and_nothing_is_created(home: Home) -> None:
    home.objects.create(unique_name="box")
    if isinstance(home.kind, ContainerKind):
        home.add({"n": 1})

    with home.unchanged():
        refused(partial(home.objects.create, unique_name="box"), 409, 54301, NAME_TAKEN)
        refused(
            partial(home.objects.create, unique_name="box", **{home.kind.ttl: 5}),
            409,
            54301,
            NAME_TAKEN,
        )


def test_every_kind_may_use_a_unique_name_another_kind_has(sync: Sync) -> None:
    service = sync.services.create().sid

    created = [kind.of(sync, service).create(unique_name="shared") for kind in KINDS]
    later = [kind.of(sync, service).create(unique_name="later") for kind in reversed(KINDS)]

    for kind, record in zip(KINDS, created, strict=True):
        assert kind.of(sync, service)("shared").fetch() == record
    for kind, record in zip(reversed(KINDS), later, strict=True):
        assert kind.of(sync, service)("later").fetch() == record


def test_a_unique_name_is_unique_within_a_service_only(sync: Sync, kind: Kind) -> None:
    first, second = sync.services.create().sid, sync.services.create().sid
    record = kind.of(sync, first).create(unique_name="box")

    other = kind.of(sync, second).create(unique_name="box")

    assert other.sid != record.sid
    assert kind.of(sync, first)("box").fetch() == record
    assert kind.of(sync, second)("box").fetch() == other
    assert (record.service_sid, other.service_sid) == (first, second)


# -- TTL ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ttl", "seconds"),
    [(0, None), (1, 1), (YEAR, YEAR), ("60", 60), ("0", None)],
    ids=["zero-never", "one", "one-year", "text", "text-zero"],
)
def test_a_ttl_from_0_to_one_year_sets_the_expiry(
    home: Home, ttl: object, seconds: int | None
) -> None:
    home.clock.advance(12.5)

    record = home.objects.create(**{home.kind.ttl: ttl})

    expected = None if seconds is None else home.clock.now() + timedelta(seconds=seconds)
    assert record.date_expires == expected
    assert home.objects(record.sid).fetch() == record


@pytest.mark.parametrize("ttl", BAD_TTLS)
@pytest.mark.parametrize(("kind", "which"), KIND_TTLS)
def test_a_bad_ttl_is_54011_on_create_and_nothing_is_created(
    home: Home, which: str, ttl: object
) -> None:
    home.objects.create(unique_name="box")

    with home.unchanged():
        refused(partial(home.objects.create, unique_name="new", **{which: ttl}), 400, 54011, TTL)

    refused(home.objects("new").fetch, 404, 20404, not_found(home.path("new")))


@pytest.mark.parametrize("ttl", BAD_TTLS)
@pytest.mark.parametrize(("kind", "which"), KIND_TTLS)
def test_a_bad_ttl_is_54011_on_update_and_changes_nothing(
    home: Home, which: str, ttl: object
) -> None:
    home.objects.create(unique_name="box", **{home.kind.ttl: 600})

    with home.unchanged():
        refused(partial(home.objects("box").update, **{which: ttl}), 400, 54011, TTL)


def test_a_ttl_update_moves_the_expiry_to_now_plus_the_ttl(home: Home) -> None:
    ttl, clock = home.kind.ttl, home.clock
    record = home.objects.create(unique_name="box", **{ttl: 600})
    never = home.objects.create()
    clock.advance(100)

    updated = home.objects("box").update(**{ttl: "30"})

    assert updated.date_expires == clock.now() + timedelta(seconds=30)
    assert updated.date_updated == clock.now()
    assert updated.date_created == record.date_created
    assert (updated.sid, updated.unique_name, updated.created_by) == (record.sid, "box", "system")
    if home.kind.revised:
        assert updated.revision == "1"
    assert home.objects(record.sid).fetch() == updated
    assert home.objects(never.sid).update(**{ttl: 45}).date_expires == clock.now() + timedelta(
        seconds=45
    )


@pytest.mark.parametrize(
    ("first", "then"), [(60, 100), (10, 10), (3600, 1)], ids=["later", "moved", "sooner"]
)
def test_a_ttl_update_replaces_the_old_expiry(home: Home, first: int, then: int) -> None:
    record = home.objects.create(unique_name="box", **{home.kind.ttl: first})
    home.clock.advance(5)

    updated = home.objects("box").update(**{home.kind.ttl: then})

    assert updated.date_expires == START + timedelta(seconds=5 + then)
    home.clock.advance(then - 0.001)  # past the first expiry, unless it was later
    assert home.objects("box").fetch() == updated
    assert home.objects.list() == [updated]
    home.clock.advance(0.001)
    for ident in (record.sid, "box"):
        refused(home.objects(ident).fetch, 404, 20404, not_found(home.path(ident)))
    assert home.objects.list() == []


def test_ttl_zero_on_update_clears_the_expiry(home: Home) -> None:
    record = home.objects.create(**{home.kind.ttl: 60})
    home.clock.advance(5)

    updated = home.objects(record.sid).update(**{home.kind.ttl: 0})

    assert updated.date_expires is None
    assert updated.date_updated == home.clock.now()
    if home.kind.revised:
        assert updated.revision == "1"
    home.clock.advance(YEAR)
    assert home.objects(record.sid).fetch() == updated


@pytest.mark.parametrize("given", ["nothing", "only-nones"])
def test_an_update_without_anything_to_change_is_54010_and_changes_nothing(
    home: Home, given: str
) -> None:
    home.objects.create(unique_name="box", **{home.kind.ttl: 600})
    params: dict[str, Any] = {} if given == "nothing" else dict.fromkeys(home.kind.ttl_names)
    if given == "only-nones" and "data" in home.kind.defaults:
        params["data"] = None

    with home.unchanged():
        refused(partial(home.objects("box").update, **params), 400, 54010, NOTHING)


def test_an_object_is_gone_the_instant_it_expires(home: Home) -> None:
    record = home.objects.create(unique_name="box", **{home.kind.ttl: 60})
    kept = home.objects.create()
    events = home.watch()

    home.clock.advance(timedelta(seconds=59, microseconds=999_999))
    assert home.objects("box").fetch() == record
    assert home.objects(record.sid).fetch() == record
    assert home.objects.list() == [record, kept]
    assert events == []

    home.clock.advance(timedelta(microseconds=1))
    assert home.clock.now() == record.date_expires
    for ident in (record.sid, "box"):
        message = not_found(home.path(ident))
        refused(home.objects(ident).fetch, 404, 20404, message)
        refused(partial(home.objects(ident).update, **{home.kind.ttl: 5}), 404, 20404, message)
        refused(home.objects(ident).delete, 404, 20404, message)
    assert home.objects.list() == [kept]
    assert list(home.objects.stream()) == [kept]
    assert list(home.objects.page()) == [kept]
    assert [(e.type, e.object_sid, e.expired) for e in events] == [
        (f"{home.kind.name}_removed", record.sid, True)
    ]
    assert home.objects.create(unique_name="box").sid != record.sid


# -- fetch and 404s -------------------------------------------------------------------


def test_an_object_is_fetched_by_sid_and_by_unique_name(home: Home) -> None:
    named = home.objects.create(unique_name="box")
    anonymous = home.objects.create()

    assert home.objects(named.sid).fetch() == named
    assert home.objects("box").fetch() == named
    assert home.objects.get("box").fetch() == named
    assert home.objects(anonymous.sid).fetch() == anonymous
    assert home.objects.list() == [named, anonymous]


def test_an_object_is_reached_through_the_default_alias_too(sync: Sync, kind: Kind) -> None:
    record = kind.of(sync, "default").create(unique_name="box")
    svc = sync.services("default").fetch()

    assert kind.of(sync, svc.sid)("box").fetch() == record
    assert kind.of(sync, "default")(record.sid).fetch() == record
    message = not_found(kind.path("default", "nope"))
    refused(kind.of(sync, "default")("nope").fetch, 404, 20404, message)


def test_a_missing_object_is_404_naming_the_path_as_addressed(home: Home) -> None:
    kept = home.objects.create(unique_name="box")
    others = [other for other in KINDS if other is not home.kind]
    elsewhere = [other.of(home.sync, home.service).create(unique_name="other") for other in others]
    prefix = home.kind.prefix
    idents = ["nope", prefix + "0" * 32, prefix + "A" * 32, "other"]
    idents += [record.sid for record in elsewhere]
    idents += [p + kept.sid[2:] for p in PREFIXES if p != prefix]

    with home.unchanged():
        for ident in idents:
            message = not_found(home.path(ident))
            refused(home.objects(ident).fetch, 404, 20404, message)
            refused(partial(home.objects(ident).update, **{home.kind.ttl: 5}), 404, 20404, message)
            refused(home.objects(ident).update, 404, 20404, message)  # the 404 comes first
            refused(home.objects(ident).delete, 404, 20404, message)
            refused(partial(home.objects(ident).subscribe, print), 404, 20404, message)

    for other, record in zip(others, elsewhere, strict=True):
        assert other.of(home.sync, home.service)("other").fetch() == record


@pytest.mark.parametrize("service", ["IS" + "0" * 32, "nope"])
@pytest.mark.parametrize("ident", ["box", "sid"])
def test_the_objects_of_a_missing_service_are_404_naming_the_whole_path(
    sync: Sync, kind: Kind, service: str, ident: str
) -> None:
    existing = sync.services.create()
    events: list[Any] = []
    sync.subscribe(events.append)
    objects = kind.of(sync, service)
    ident = ident if ident == "box" else kind.prefix + "0" * 32

    every = not_found(kind.path(service))
    refused(objects.list, 404, 20404, every)
    refused(objects.page, 404, 20404, every)
    refused(partial(objects.create, unique_name="box"), 404, 20404, every)
    one = not_found(kind.path(service, ident))
    refused(objects(ident).fetch, 404, 20404, one)
    refused(partial(objects(ident).update, **{kind.ttl: 1}), 404, 20404, one)
    refused(objects(ident).delete, 404, 20404, one)
    refused(partial(objects(ident).subscribe, events.append), 404, 20404, one)

    assert sync.services.list() == [existing]
    assert kind.of(sync, existing.sid).list() == []
    assert events == []


def test_an_object_is_404_through_another_service(home: Home) -> None:
    away = home.sync.services.create().sid
    record = home.objects.create(unique_name="box")

    with home.unchanged():
        for ident in (record.sid, "box"):
            elsewhere = home.kind.of(home.sync, away)(ident)
            message = not_found(home.kind.path(away, ident))
            refused(elsewhere.fetch, 404, 20404, message)
            refused(elsewhere.delete, 404, 20404, message)


# -- delete ---------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["sid", "name"])
def test_delete_returns_true_and_frees_the_unique_name(home: Home, by: str) -> None:
    record = home.objects.create(unique_name="box")
    kept = home.objects.create(unique_name="kept")
    events = home.watch()

    assert home.objects(record.sid if by == "sid" else "box").delete() is True

    for gone in (record.sid, "box"):
        message = not_found(home.path(gone))
        refused(home.objects(gone).fetch, 404, 20404, message)
        refused(home.objects(gone).delete, 404, 20404, message)
        refused(partial(home.objects(gone).update, **{home.kind.ttl: 5}), 404, 20404, message)
    assert home.objects.list() == [kept]
    assert [(e.type, e.object_sid, e.expired) for e in events] == [
        (f"{home.kind.name}_removed", record.sid, False)
    ]
    again = home.objects.create(unique_name="box")
    assert again.sid != record.sid
    for name, value in home.kind.defaults.items():
        assert getattr(again, name) == value, name
    assert home.objects("box").fetch() == again
    assert home.objects.list() == [kept, again]


def test_deleting_a_service_deletes_and_announces_its_objects(sync: Sync, kind: Kind) -> None:
    gone, kept = sync.services.create().sid, sync.services.create().sid
    first = kind.of(sync, gone).create(unique_name="box")
    second = kind.of(sync, gone).create()
    twin = kind.of(sync, kept).create(unique_name="box")
    events: list[Any] = []
    sync.services(gone).subscribe(events.append)

    assert sync.services(gone).delete() is True

    # The sync fixture's _check() also asserts that nothing of the service is left.
    assert sorted((e.type, e.object_sid, e.expired) for e in events) == sorted(
        [(f"{kind.name}_removed", first.sid, False), (f"{kind.name}_removed", second.sid, False)]
    )
    for ident in ("box", first.sid):
        refused(kind.of(sync, gone)(ident).fetch, 404, 20404, not_found(kind.path(gone, ident)))
    refused(kind.of(sync, gone).list, 404, 20404, not_found(kind.path(gone)))
    assert kind.of(sync, kept)("box").fetch() == twin
    assert kind.of(sync, kept).list() == [twin]
    assert sync.services.list() == [sync.services(kept).fetch()]


# -- listing --------------------------------------------------------------------------


def test_objects_are_listed_and_paged_in_creation_order(home: Home) -> None:
    elsewhere = home.kind.of(home.sync, home.sync.services.create().sid)
    other = other_kind(home.kind).of(home.sync, home.service)
    created = []
    for name in ["zeta", None, "alpha", None, "mid", "beta", None]:
        created.append(home.objects.create(unique_name=name))
        elsewhere.create()
        other.create()
        home.clock.advance(1)

    assert home.objects.list() == created
    assert list(home.objects.stream()) == created
    assert home.objects.list(limit=3) == created[:3]
    assert home.objects.list(limit=2, page_size=1) == created[:2]
    assert list(home.objects.stream(limit=4, page_size=3)) == created[:4]
    assert home.objects.list(page_size=2) == created
    assert walk(home.objects.page(page_size=3)) == [created[:3], created[3:6], created[6:]]

    updated = home.objects(created[0].sid).update(**{home.kind.ttl: 3600})
    assert home.objects.list() == [updated, *created[1:]]


def test_a_new_service_has_no_objects(home: Home) -> None:
    page = home.objects.page()

    assert home.objects.list() == []
    assert list(page) == []
    assert page.next_page() is None
