"""Streams and Stream Messages: create, fetch, update, delete, list, expiry, publish, events.

Each refusal is checked three ways: the error (status, Twilio code, exact message), that
nothing changed (the Stream fetched again, or the listing, is as before), and that a
subscriber to the whole service, subscribed before the refused call, heard nothing. The
clock moves before refused calls, so that a stray change of a date would show.
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
    StreamMessageRecord,
    Sync,
    SyncEvent,
    SyncStreamList,
    SyncStreamRecord,
)

BASE = "https://sync.twilio.com/v1"
START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR = 31_536_000

NOTHING = "Expected at least 1 optional parameter, but none were provided"
BAD_NAME = "Invalid unique name"
NAME_TAKEN = "Unique name already exists"
TTL = (
    "The TTL value in seconds must either be empty or an integer between 0 and 31 536 000 (1 year)"
)
NULL_DATA = "The 'Data' parameter cannot be null"
BAD_DATA = "Invalid request body: the type of one of the attributes is invalid"
TOO_LARGE = "Request entity too large"

BAD_TTLS = [YEAR + 1, -1, "abc", 1.5, True, "1.5", ""]

SPEC = json.loads(
    (Path(__file__).parent.parent / "data" / "twilio_sync_v1.openapi.json").read_text()
)
DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


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


def service_streams(sync: Sync) -> tuple[str, SyncStreamList]:
    """A fresh service's sid and its streams."""
    sid = sync.services.create().sid
    return sid, sync.services(sid).sync_streams


def watch(sync: Sync, service: str) -> list[SyncEvent]:
    """Every event of ``service`` from now on, in the order delivered."""
    events: list[SyncEvent] = []
    sync.services(service).subscribe(events.append)
    return events


def payload(total: int, char: str) -> dict[str, Any]:
    """``{"big": ...}`` of exactly ``total`` bytes, mostly ``char`` (1 to 3 UTF-8 bytes)."""
    width = len(char.encode())
    room = total - size({"big": ""})
    data = {"big": char * (room // width) + "x" * (room % width)}
    assert size(data) == total
    return data


def sid_shaped(prefix: str) -> str:
    return prefix + "0123456789abcdef" * 2


# -- create ---------------------------------------------------------------------------


def test_a_new_stream_has_twilio_defaults(sync: Sync, clock: ManualClock) -> None:
    svc = sync.services.create()

    stream = sync.services(svc.sid).sync_streams.create()

    assert isinstance(stream, SyncStreamRecord)
    assert re.fullmatch(r"TO[0-9a-f]{32}", stream.sid)
    assert stream.account_sid == sync.account_sid
    assert stream.service_sid == svc.sid
    assert stream.unique_name is None
    assert stream.created_by == "system"
    assert stream.date_expires is None
    assert stream.date_created == stream.date_updated == clock.now() == START
    assert sync.services(svc.sid).sync_streams(stream.sid).fetch() == stream


def test_create_keeps_the_unique_name_and_sets_the_expiry_from_ttl(
    sync: Sync, clock: ManualClock
) -> None:
    _, streams = service_streams(sync)
    clock.advance(30)

    stream = streams.create(unique_name="cursor", ttl=3600)

    assert stream.unique_name == "cursor"
    assert stream.date_expires == clock.now() + timedelta(seconds=3600)
    assert stream.date_created == stream.date_updated == clock.now()
    assert streams("cursor").fetch() == stream


def test_none_means_not_given_on_create(sync: Sync) -> None:
    _, streams = service_streams(sync)

    stream = streams.create(unique_name=None, ttl=None)

    assert (stream.unique_name, stream.date_expires) == (None, None)


def test_each_stream_gets_its_own_sid(sync: Sync) -> None:
    _, streams = service_streams(sync)

    sids = {streams.create().sid for _ in range(20)}

    assert len(sids) == 20


@pytest.mark.parametrize(
    "name",
    ["x", "n" * 320, "é" * 320, "TO" + "A" * 32, "TO" + "0" * 31, "with spaces/and:punctuation"],
    ids=["1-char", "320-chars", "320-non-ascii", "uppercase-hex", "31-hex", "punctuation"],
)
def test_a_unique_name_of_1_to_320_characters_not_shaped_like_a_sid_is_accepted(
    sync: Sync, name: str
) -> None:
    _, streams = service_streams(sync)

    stream = streams.create(unique_name=name)

    assert stream.unique_name == name
    assert streams(name).fetch() == stream
    assert streams(stream.sid).fetch() == stream


@pytest.mark.parametrize(
    "name",
    ["n" * 321, "", sid_shaped("TO"), sid_shaped("ET"), "TZ" + "0" * 32, 42],
    ids=["321-chars", "empty", "TO-sid", "ET-sid", "TZ-zeros", "not-text"],
)
def test_a_bad_unique_name_is_54302_and_nothing_is_created(
    sync: Sync, clock: ManualClock, name: object
) -> None:
    svc, streams = service_streams(sync)
    kept = streams.create(unique_name="kept")
    events = watch(sync, svc)
    clock.advance(5)

    refused(lambda: streams.create(unique_name=name), 400, 54302, BAD_NAME)

    assert streams.list() == [kept]
    assert events == []


def test_a_taken_unique_name_is_409_and_nothing_is_created(sync: Sync, clock: ManualClock) -> None:
    svc, streams = service_streams(sync)
    stream = streams.create(unique_name="cursor")
    events = watch(sync, svc)
    clock.advance(5)

    refused(lambda: streams.create(unique_name="cursor", ttl=60), 409, 54301, NAME_TAKEN)

    assert streams.list() == [stream]
    assert streams("cursor").fetch() == stream
    assert events == []


def test_a_streams_unique_name_is_free_for_the_other_kinds(sync: Sync) -> None:
    svc = sync.services(sync.services.create().sid)
    stream = svc.sync_streams.create(unique_name="shared")

    doc = svc.documents.create(unique_name="shared")
    game = svc.sync_maps.create(unique_name="shared")
    jobs = svc.sync_lists.create(unique_name="shared")

    assert svc.sync_streams("shared").fetch() == stream
    assert svc.documents("shared").fetch() == doc
    assert svc.sync_maps("shared").fetch() == game
    assert svc.sync_lists("shared").fetch() == jobs
    named = svc.documents.create(unique_name="first-a-document")
    other = svc.sync_streams.create(unique_name="first-a-document")
    assert svc.sync_streams("first-a-document").fetch() == other
    assert svc.documents("first-a-document").fetch() == named


def test_a_unique_name_is_unique_within_a_service_only(sync: Sync) -> None:
    first, streams = service_streams(sync)
    second, others = service_streams(sync)
    stream = streams.create(unique_name="cursor")

    other = others.create(unique_name="cursor")

    assert other.sid != stream.sid
    assert streams("cursor").fetch() == stream
    assert others("cursor").fetch() == other
    assert (stream.service_sid, other.service_sid) == (first, second)


@pytest.mark.parametrize(
    ("ttl", "seconds"),
    [(0, None), (1, 1), (YEAR, YEAR), ("60", 60), ("0", None)],
    ids=["zero-never", "one", "one-year", "text", "text-zero"],
)
def test_a_ttl_from_0_to_one_year_is_accepted(
    sync: Sync, clock: ManualClock, ttl: object, seconds: int | None
) -> None:
    _, streams = service_streams(sync)
    clock.advance(12.5)

    stream = streams.create(ttl=ttl)

    expected = None if seconds is None else clock.now() + timedelta(seconds=seconds)
    assert stream.date_expires == expected
    assert streams(stream.sid).fetch() == stream


@pytest.mark.parametrize("ttl", BAD_TTLS)
def test_a_bad_ttl_is_54011_on_create_and_nothing_is_created(
    sync: Sync, clock: ManualClock, ttl: object
) -> None:
    svc, streams = service_streams(sync)
    kept = streams.create(unique_name="kept")
    events = watch(sync, svc)
    clock.advance(5)

    refused(lambda: streams.create(unique_name="new", ttl=ttl), 400, 54011, TTL)

    assert streams.list() == [kept]
    assert events == []


@pytest.mark.parametrize("service", ["IS" + "0" * 32, "nope"])
def test_the_streams_of_a_missing_service_are_404(sync: Sync, service: str) -> None:
    existing = sync.services.create()
    events = watch(sync, existing.sid)
    streams = sync.services(service).sync_streams
    message = not_found(f"/Services/{service}/Streams")

    refused(lambda: streams.create(unique_name="cursor"), 404, 20404, message)
    refused(lambda: streams.list(), 404, 20404, message)
    refused(lambda: streams.page(), 404, 20404, message)

    assert sync.services.list() == [existing]
    assert sync.services(existing.sid).sync_streams.list() == []
    assert events == []


# -- fetch and 404s -------------------------------------------------------------------


def test_a_stream_is_fetched_by_sid_and_by_unique_name(sync: Sync) -> None:
    _, streams = service_streams(sync)
    named = streams.create(unique_name="cursor")
    anonymous = streams.create()

    assert streams(named.sid).fetch() == named
    assert streams("cursor").fetch() == named
    assert streams.get("cursor").fetch() == named
    assert streams(anonymous.sid).fetch() == anonymous


def test_a_stream_is_reached_through_the_default_alias_too(sync: Sync) -> None:
    stream = sync.services("default").sync_streams.create(unique_name="cursor")
    svc = sync.services("default").fetch()

    assert sync.services(svc.sid).sync_streams("cursor").fetch() == stream
    assert sync.services("default").sync_streams(stream.sid).fetch() == stream


@pytest.mark.parametrize("ident", ["nope", "TO" + "0" * 32, "TO" + "A" * 32])
def test_a_missing_stream_is_404_naming_the_path_as_addressed(
    sync: Sync, clock: ManualClock, ident: str
) -> None:
    svc, streams = service_streams(sync)
    kept = streams.create(unique_name="kept")
    events = watch(sync, svc)
    clock.advance(5)
    message = not_found(f"/Services/{svc}/Streams/{ident}")

    refused(lambda: streams(ident).fetch(), 404, 20404, message)
    refused(lambda: streams(ident).update(ttl=60), 404, 20404, message)
    refused(lambda: streams(ident).update(), 404, 20404, message)
    refused(lambda: streams(ident).delete(), 404, 20404, message)
    refused(lambda: streams(ident).subscribe(events.append), 404, 20404, message)

    assert streams.list() == [kept]
    assert events == []


@pytest.mark.parametrize("service", ["IS" + "0" * 32, "nope"])
@pytest.mark.parametrize("ident", ["cursor", "TO" + "0" * 32])
def test_a_stream_of_a_missing_service_is_404_naming_the_whole_path(
    sync: Sync, service: str, ident: str
) -> None:
    existing = sync.services.create()
    events = watch(sync, existing.sid)
    streams = sync.services(service).sync_streams
    message = not_found(f"/Services/{service}/Streams/{ident}")

    refused(lambda: streams(ident).fetch(), 404, 20404, message)
    refused(lambda: streams(ident).update(ttl=60), 404, 20404, message)
    refused(lambda: streams(ident).delete(), 404, 20404, message)
    refused(lambda: streams(ident).subscribe(events.append), 404, 20404, message)

    assert sync.services.list() == [existing]
    assert events == []


@pytest.mark.parametrize("prefix", ["ET", "MP", "ES", "TZ", "IS"])
def test_a_stream_addressed_by_a_sid_of_another_prefix_is_404(
    sync: Sync, clock: ManualClock, prefix: str
) -> None:
    svc, streams = service_streams(sync)
    stream = streams.create()
    events = watch(sync, svc)
    clock.advance(5)
    other = prefix + stream.sid[2:]
    message = not_found(f"/Services/{svc}/Streams/{other}")

    refused(lambda: streams(other).fetch(), 404, 20404, message)
    refused(lambda: streams(other).delete(), 404, 20404, message)

    assert streams(stream.sid).fetch() == stream
    assert events == []


def test_a_stream_is_not_a_document_map_or_list(sync: Sync) -> None:
    svc, streams = service_streams(sync)
    stream = streams.create(unique_name="cursor")
    events = watch(sync, svc)
    service = sync.services(svc)

    for call, path in [
        (service.documents(stream.sid).fetch, f"/Services/{svc}/Documents/{stream.sid}"),
        (service.documents("cursor").fetch, f"/Services/{svc}/Documents/cursor"),
        (service.sync_maps("cursor").fetch, f"/Services/{svc}/Maps/cursor"),
        (service.sync_lists(stream.sid).delete, f"/Services/{svc}/Lists/{stream.sid}"),
    ]:
        refused(call, 404, 20404, not_found(path))

    assert streams.list() == [stream]
    assert events == []


def test_a_stream_is_404_through_another_service(sync: Sync) -> None:
    home, streams = service_streams(sync)
    away = sync.services.create().sid
    stream = streams.create(unique_name="cursor")

    events = watch(sync, home)

    for ident in (stream.sid, "cursor"):
        message = not_found(f"/Services/{away}/Streams/{ident}")
        elsewhere = sync.services(away).sync_streams(ident)
        refused(elsewhere.fetch, 404, 20404, message)
        refused(elsewhere.delete, 404, 20404, message)
        refused(
            lambda ident=ident: (
                sync.services(away).sync_streams(ident).stream_messages.create(data={})
            ),
            404,
            20404,
            not_found(f"/Services/{away}/Streams/{ident}/Messages"),
        )

    assert sync.services(home).sync_streams(stream.sid).fetch() == stream
    assert events == []


# -- update ---------------------------------------------------------------------------


def test_a_ttl_update_moves_the_expiry_to_now_plus_ttl(sync: Sync, clock: ManualClock) -> None:
    _, streams = service_streams(sync)
    stream = streams.create(unique_name="cursor", ttl=600)
    never = streams.create()
    clock.advance(100)

    updated = streams("cursor").update(ttl="30")

    assert updated.date_expires == clock.now() + timedelta(seconds=30)
    assert updated.date_updated == clock.now()
    assert updated.date_created == stream.date_created
    assert (updated.sid, updated.unique_name, updated.created_by) == (
        stream.sid,
        "cursor",
        "system",
    )
    assert streams(stream.sid).fetch() == updated
    assert streams(never.sid).update(ttl=45).date_expires == clock.now() + timedelta(seconds=45)


def test_ttl_zero_on_update_clears_the_expiry(sync: Sync, clock: ManualClock) -> None:
    _, streams = service_streams(sync)
    stream = streams.create(ttl=60)
    clock.advance(5)

    updated = streams(stream.sid).update(ttl=0)

    assert updated.date_expires is None
    assert updated.date_updated == clock.now()
    clock.advance(YEAR)
    assert streams(stream.sid).fetch() == updated


def test_a_ttl_update_replaces_the_old_expiry(sync: Sync, clock: ManualClock) -> None:
    _, streams = service_streams(sync)
    stream = streams.create(ttl=60)
    clock.advance(50)
    updated = streams(stream.sid).update(ttl=100)

    clock.advance(60)  # past the first expiry, before the second
    assert streams(stream.sid).fetch() == updated
    clock.advance(40)
    assert streams.list() == []


@pytest.mark.parametrize("params", [{}, {"ttl": None}], ids=["nothing", "none"])
def test_an_update_without_ttl_is_54010_and_changes_nothing(
    sync: Sync, clock: ManualClock, params: dict[str, Any]
) -> None:
    svc, streams = service_streams(sync)
    stream = streams.create(ttl=60)
    events = watch(sync, svc)
    clock.advance(5)

    refused(lambda: streams(stream.sid).update(**params), 400, 54010, NOTHING)

    assert streams(stream.sid).fetch() == stream
    assert events == []


@pytest.mark.parametrize("ttl", BAD_TTLS)
def test_a_bad_ttl_is_54011_on_update_and_changes_nothing(
    sync: Sync, clock: ManualClock, ttl: object
) -> None:
    svc, streams = service_streams(sync)
    stream = streams.create(unique_name="cursor", ttl=600)
    events = watch(sync, svc)
    clock.advance(5)

    refused(lambda: streams("cursor").update(ttl=ttl), 400, 54011, TTL)

    assert streams("cursor").fetch() == stream
    assert streams.list() == [stream]
    assert events == []


def test_an_update_announces_nothing(sync: Sync, clock: ManualClock) -> None:
    svc, streams = service_streams(sync)
    streams.create(unique_name="cursor")
    events = watch(sync, svc)
    heard: list[SyncEvent] = []
    streams("cursor").subscribe(heard.append)
    clock.advance(5)

    streams("cursor").update(ttl=60)
    streams("cursor").update(ttl=0)

    assert events == []
    assert heard == []


# -- delete ---------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["sid", "name"])
def test_delete_returns_true_and_the_stream_is_gone(sync: Sync, by: str) -> None:
    svc, streams = service_streams(sync)
    stream = streams.create(unique_name="cursor")
    kept = streams.create(unique_name="kept")
    ident = stream.sid if by == "sid" else "cursor"
    events = watch(sync, svc)

    assert streams(ident).delete() is True

    for gone in (stream.sid, "cursor"):
        message = not_found(f"/Services/{svc}/Streams/{gone}")
        refused(lambda gone=gone: streams(gone).fetch(), 404, 20404, message)
        refused(lambda gone=gone: streams(gone).delete(), 404, 20404, message)
        refused(lambda gone=gone: streams(gone).update(ttl=5), 404, 20404, message)
    assert streams.list() == [kept]
    assert [(e.type, e.object_sid) for e in events] == [("stream_removed", stream.sid)]


def test_delete_frees_the_unique_name(sync: Sync) -> None:
    _, streams = service_streams(sync)
    stream = streams.create(unique_name="cursor")
    streams("cursor").delete()

    again = streams.create(unique_name="cursor")

    assert again.sid != stream.sid
    assert streams("cursor").fetch() == again
    assert streams.list() == [again]


# -- listing --------------------------------------------------------------------------


def test_streams_are_listed_in_creation_order(sync: Sync, clock: ManualClock) -> None:
    svc, streams = service_streams(sync)
    _, others = service_streams(sync)
    created: list[SyncStreamRecord] = []
    for n, name in enumerate(["zeta", None, "alpha", None, "mid"]):
        created.append(streams.create(unique_name=name))
        others.create()
        sync.services(svc).documents.create(data={"n": n})
        clock.advance(1)

    assert streams.list() == created
    assert list(streams.stream()) == created
    updated = streams(created[0].sid).update(ttl=3600)
    assert streams.list() == [updated, *created[1:]]


def test_streams_page_in_creation_order(sync: Sync) -> None:
    _, streams = service_streams(sync)
    created = [streams.create(unique_name=f"s{n}") for n in range(7)]

    page = streams.page(page_size=3)
    pages = [list(page)]
    while (page := page.next_page()) is not None:
        pages.append(list(page))

    assert pages == [created[:3], created[3:6], created[6:]]


def test_list_and_stream_take_a_limit_and_a_page_size(sync: Sync) -> None:
    _, streams = service_streams(sync)
    created = [streams.create() for _ in range(5)]

    assert streams.list(limit=3) == created[:3]
    assert streams.list(limit=2, page_size=1) == created[:2]
    assert list(streams.stream(limit=4, page_size=3)) == created[:4]
    assert streams.list(page_size=2) == created


def test_a_new_service_has_no_streams(sync: Sync) -> None:
    _, streams = service_streams(sync)

    assert streams.list() == []
    assert list(streams.page()) == []


# -- expiry ---------------------------------------------------------------------------


def test_a_stream_is_gone_the_instant_it_expires(sync: Sync, clock: ManualClock) -> None:
    svc, streams = service_streams(sync)
    stream = streams.create(unique_name="cursor", ttl=60)
    kept = streams.create()
    events = watch(sync, svc)

    clock.advance(timedelta(seconds=59, microseconds=999_999))
    assert streams("cursor").fetch() == stream
    assert streams.list() == [stream, kept]
    assert events == []

    clock.advance(timedelta(microseconds=1))
    for ident in (stream.sid, "cursor"):
        message = not_found(f"/Services/{svc}/Streams/{ident}")
        refused(lambda ident=ident: streams(ident).fetch(), 404, 20404, message)
    message = not_found(f"/Services/{svc}/Streams/cursor/Messages")
    refused(lambda: streams("cursor").stream_messages.create(data={"a": 1}), 404, 20404, message)
    assert streams.list() == [kept]
    assert [(e.type, e.object_sid, e.expired) for e in events] == [
        ("stream_removed", stream.sid, True)
    ]
    assert streams.create(unique_name="cursor").sid != stream.sid


def test_expiry_is_announced_on_sync_expire_dated_when_the_stream_expired(
    sync: Sync, clock: ManualClock
) -> None:
    svc, streams = service_streams(sync)
    stream = streams.create(unique_name="cursor", ttl=60)
    events = watch(sync, svc)
    heard: list[SyncEvent] = []
    streams("cursor").subscribe(heard.append)

    clock.advance(75)
    assert events == []  # nothing calls in yet
    sync.expire()

    assert [(e.type, e.expired, e.date) for e in events] == [
        ("stream_removed", True, stream.date_expires)
    ]
    assert heard == events
    removed = events[0]
    assert (removed.object_sid, removed.object_unique_name) == (stream.sid, "cursor")
    assert (removed.identity, removed.object_revision, removed.revision) == ("system", None, None)
    assert (removed.data, removed.message_sid) == (None, None)
    sync.expire()
    assert len(events) == 1


def test_expiry_is_announced_on_the_next_call_into_the_library(
    sync: Sync, clock: ManualClock
) -> None:
    svc, streams = service_streams(sync)
    stream = streams.create(ttl=10)
    events = watch(sync, svc)
    clock.advance(10)

    sync.services.list()

    assert [(e.type, e.object_sid, e.expired, e.date) for e in events] == [
        ("stream_removed", stream.sid, True, START + timedelta(seconds=10))
    ]


# -- records and REST JSON ------------------------------------------------------------


def test_stream_to_dict_is_the_rest_json(sync: Sync, clock: ManualClock) -> None:
    svc = sync.services.create()
    clock.advance(timedelta(hours=1, seconds=2, microseconds=600_000))

    stream = sync.services(svc.sid).sync_streams.create(unique_name="cursor", ttl=60)

    url = f"{BASE}/Services/{svc.sid}/Streams/{stream.sid}"
    assert stream.url == url
    assert stream.links == {"stream_messages": f"{url}/Messages"}
    assert stream.to_dict() == {
        "sid": stream.sid,
        "unique_name": "cursor",
        "account_sid": sync.account_sid,
        "service_sid": svc.sid,
        "url": url,
        "links": {"stream_messages": f"{url}/Messages"},
        "date_expires": "2025-01-01T01:01:02Z",
        "date_created": "2025-01-01T01:00:02Z",
        "date_updated": "2025-01-01T01:00:02Z",
        "created_by": "system",
    }
    assert json.loads(json.dumps(stream.to_dict())) == stream.to_dict()


def test_streams_and_messages_are_the_spec_resources(sync: Sync) -> None:
    _, streams = service_streams(sync)
    named = streams.create(unique_name="cursor", ttl=3600)
    anonymous = streams.create()

    for stream in (named, anonymous, streams("cursor").update(ttl=0)):
        check_against(stream.to_dict(), "sync.v1.service.sync_stream")
    assert anonymous.to_dict()["unique_name"] is None
    assert anonymous.to_dict()["date_expires"] is None

    message = streams("cursor").stream_messages.create(data={"x": 3, "y": [4, None]})
    assert message.to_dict() == {"sid": message.sid, "data": {"x": 3, "y": [4, None]}}
    check_against(message.to_dict(), "sync.v1.service.sync_stream.stream_message")


def test_stream_records_are_frozen(sync: Sync) -> None:
    _, streams = service_streams(sync)
    stream = streams.create()
    message = streams(stream.sid).stream_messages.create(data={"a": 1})

    with pytest.raises(AttributeError):
        stream.unique_name = "changed"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        message.sid = "TZ" + "0" * 32  # type: ignore[misc]


# -- stream messages ------------------------------------------------------------------


def test_a_message_is_published_with_a_tz_sid_and_its_data(sync: Sync) -> None:
    _, streams = service_streams(sync)
    streams.create(unique_name="cursor")
    messages = streams("cursor").stream_messages

    first = messages.create(data={"x": 3, "y": {"z": [1, 2.5, None, True]}})
    second = messages.create(data={})

    assert isinstance(first, StreamMessageRecord)
    assert re.fullmatch(r"TZ[0-9a-f]{32}", first.sid)
    assert re.fullmatch(r"TZ[0-9a-f]{32}", second.sid)
    assert first.sid != second.sid
    assert first.data == {"x": 3, "y": {"z": [1, 2.5, None, True]}}
    assert second.data == {}


def test_message_data_may_be_given_as_json_text(sync: Sync) -> None:
    _, streams = service_streams(sync)
    stream = streams.create()
    heard: list[SyncEvent] = []
    streams(stream.sid).subscribe(heard.append)

    message = streams(stream.sid).stream_messages.create(data='{"a": [1, 2], "é": "ü"}')

    assert message.data == {"a": [1, 2], "é": "ü"}
    assert [e.data for e in heard] == [{"a": [1, 2], "é": "ü"}]


@pytest.mark.parametrize("char", ["x", "é", "€"], ids=["ascii", "two-byte", "three-byte"])
def test_a_message_of_4096_bytes_is_accepted(sync: Sync, char: str) -> None:
    _, streams = service_streams(sync)
    stream = streams.create()
    heard: list[SyncEvent] = []
    streams(stream.sid).subscribe(heard.append)
    data = payload(4096, char)

    message = streams(stream.sid).stream_messages.create(data=data)
    spaced = streams(stream.sid).stream_messages.create(data=json.dumps(data, indent=4))

    assert message.data == spaced.data == data  # formatting is not counted
    assert [e.data for e in heard] == [data, data]


@pytest.mark.parametrize("char", ["x", "é", "€"], ids=["ascii", "two-byte", "three-byte"])
def test_a_message_of_4097_bytes_is_413_and_delivers_nothing(
    sync: Sync, clock: ManualClock, char: str
) -> None:
    svc, streams = service_streams(sync)
    stream = streams.create(unique_name="cursor")
    events = watch(sync, svc)
    heard: list[SyncEvent] = []
    streams("cursor").subscribe(heard.append)
    clock.advance(5)
    data = payload(4097, char)
    messages = streams("cursor").stream_messages

    refused(lambda: messages.create(data=data), 413, 54006, TOO_LARGE)
    refused(lambda: messages.create(data=json.dumps(data)), 413, 54006, TOO_LARGE)

    assert streams("cursor").fetch() == stream
    assert events == heard == []


@pytest.mark.parametrize("data", [None, "null", " null "], ids=["none", "json-null", "spaced"])
def test_null_message_data_is_54251_and_delivers_nothing(
    sync: Sync, clock: ManualClock, data: object
) -> None:
    svc, streams = service_streams(sync)
    stream = streams.create(unique_name="cursor")
    events = watch(sync, svc)
    heard: list[SyncEvent] = []
    streams("cursor").subscribe(heard.append)
    clock.advance(5)

    refused(lambda: streams("cursor").stream_messages.create(data=data), 400, 54251, NULL_DATA)

    assert streams("cursor").fetch() == stream
    assert events == heard == []


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
]


@pytest.mark.parametrize("data", BAD_DATA_VALUES)
def test_message_data_that_is_not_a_json_object_is_54008_and_delivers_nothing(
    sync: Sync, clock: ManualClock, data: object
) -> None:
    svc, streams = service_streams(sync)
    stream = streams.create()
    events = watch(sync, svc)
    heard: list[SyncEvent] = []
    streams(stream.sid).subscribe(heard.append)
    clock.advance(5)

    refused(lambda: streams(stream.sid).stream_messages.create(data=data), 400, 54008, BAD_DATA)

    assert streams(stream.sid).fetch() == stream
    assert events == heard == []


@pytest.mark.parametrize("service", ["mine", "IS" + "0" * 32, "nope"])
@pytest.mark.parametrize("ident", ["cursor", "TO" + "0" * 32])
def test_a_message_to_a_missing_stream_is_404_naming_the_messages_path(
    sync: Sync, service: str, ident: str
) -> None:
    svc, streams = service_streams(sync)
    kept = streams.create(unique_name="kept")
    events = watch(sync, svc)
    addressed = svc if service == "mine" else service
    messages = sync.services(addressed).sync_streams(ident).stream_messages
    message = not_found(f"/Services/{addressed}/Streams/{ident}/Messages")

    refused(lambda: messages.create(data={"a": 1}), 404, 20404, message)
    refused(lambda: messages.create(data=None), 404, 20404, message)  # the 404 comes first

    assert streams.list() == [kept]
    assert events == []


def test_messages_are_never_stored(sync: Sync, clock: ManualClock) -> None:
    _, streams = service_streams(sync)
    stream = streams.create(unique_name="cursor", ttl=600)
    clock.advance(5)

    for n in range(3):
        streams("cursor").stream_messages.create(data={"n": n})

    assert streams("cursor").fetch() == stream
    assert streams("cursor").fetch().date_updated == START
    assert streams.list() == [stream]
    messages = streams("cursor").stream_messages
    for listing in ("list", "page", "stream", "get", "fetch"):
        assert not hasattr(messages, listing), listing


def test_message_data_is_never_shared(sync: Sync) -> None:
    _, streams = service_streams(sync)
    stream = streams.create()
    first: list[SyncEvent] = []
    second: list[SyncEvent] = []
    streams(stream.sid).subscribe(first.append)
    streams(stream.sid).subscribe(second.append)
    mine: dict[str, Any] = {"list": [1, 2], "nested": {"k": "v"}}

    message = streams(stream.sid).stream_messages.create(data=mine)
    mine["list"].append(3)
    mine["nested"]["k"] = "changed"
    assert message.data == {"list": [1, 2], "nested": {"k": "v"}}
    message.data["list"].append(4)
    message.data["new"] = True
    first[0].data["nested"]["k"] = "also changed"  # type: ignore[index]

    expected = {"list": [1, 2], "nested": {"k": "v"}}
    assert first[0].data == second[0].data == expected
    assert first[0].to_dict()["data"] == expected


# -- events ---------------------------------------------------------------------------


def test_a_stream_subscriber_hears_each_published_message(sync: Sync, clock: ManualClock) -> None:
    svc, streams = service_streams(sync)
    stream = streams.create(unique_name="cursor")
    heard: list[SyncEvent] = []
    streams("cursor").subscribe(heard.append)
    clock.advance(7)

    message = streams("cursor").stream_messages.create(data={"x": 3, "y": 4})

    assert len(heard) == 1
    event = heard[0]
    assert event.type == "stream_message_published"
    assert event.kind == "stream"
    assert event.message_sid == message.sid
    assert event.data == {"x": 3, "y": 4} == message.data
    assert event.previous_data is None
    assert event.identity == "system"
    assert (event.object_sid, event.object_unique_name) == (stream.sid, "cursor")
    assert (event.object_revision, event.revision) == (None, None)
    assert (event.item_key, event.item_index, event.expired) == (None, None, False)
    assert (event.account_sid, event.service_sid) == (sync.account_sid, svc)
    assert event.date == clock.now()


def test_messages_are_heard_in_order_by_stream_and_service_subscribers(sync: Sync) -> None:
    svc, streams = service_streams(sync)
    stream = streams.create()
    events = watch(sync, svc)
    heard: list[SyncEvent] = []
    streams(stream.sid).subscribe(heard.append)

    sids = [streams(stream.sid).stream_messages.create(data={"n": n}).sid for n in range(4)]

    assert [e.message_sid for e in heard] == sids
    assert [e.data for e in heard] == [{"n": n} for n in range(4)]
    assert events == heard
    assert [e.sequence for e in heard] == list(range(heard[0].sequence, heard[0].sequence + 4))


def test_a_stream_subscriber_hears_only_its_own_stream(sync: Sync) -> None:
    _, streams = service_streams(sync)
    mine = streams.create(unique_name="mine")
    streams.create(unique_name="other")
    heard: list[SyncEvent] = []
    streams("mine").subscribe(heard.append)

    streams("other").stream_messages.create(data={"to": "other"})
    streams("mine").stream_messages.create(data={"to": "mine"})

    assert [(e.object_sid, e.data) for e in heard] == [(mine.sid, {"to": "mine"})]


def test_only_current_subscribers_hear_a_message(sync: Sync) -> None:
    _, streams = service_streams(sync)
    streams.create(unique_name="cursor")
    messages = streams("cursor").stream_messages
    early: list[SyncEvent] = []
    handle = streams("cursor").subscribe(early.append)
    messages.create(data={"n": 1})

    late: list[SyncEvent] = []
    streams("cursor").subscribe(late.append)
    handle.unsubscribe()
    messages.create(data={"n": 2})

    assert [e.data for e in early] == [{"n": 1}]
    assert [e.data for e in late] == [{"n": 2}]


def test_a_refused_message_uses_no_event_number(sync: Sync) -> None:
    _, streams = service_streams(sync)
    stream = streams.create()
    heard: list[SyncEvent] = []
    streams(stream.sid).subscribe(heard.append)
    messages = streams(stream.sid).stream_messages

    messages.create(data={"n": 1})
    refused(lambda: messages.create(data=payload(4097, "x")), 413, 54006, TOO_LARGE)
    refused(lambda: messages.create(data="null"), 400, 54251, NULL_DATA)
    messages.create(data={"n": 2})

    assert [e.data for e in heard] == [{"n": 1}, {"n": 2}]
    assert heard[1].sequence == heard[0].sequence + 1


def test_creating_a_stream_is_announced_to_the_service(sync: Sync, clock: ManualClock) -> None:
    svc, streams = service_streams(sync)
    events = watch(sync, svc)
    clock.advance(3)

    stream = streams.create(unique_name="cursor", ttl=60)

    assert len(events) == 1
    event = events[0]
    assert event.type == "stream_created"
    assert (event.object_sid, event.object_unique_name) == (stream.sid, "cursor")
    assert (event.identity, event.date, event.expired) == ("system", clock.now(), False)
    assert (event.object_revision, event.revision, event.message_sid) == (None, None, None)
    assert event.data is None


def test_deleting_a_stream_is_announced_to_its_and_the_services_subscribers(
    sync: Sync, clock: ManualClock
) -> None:
    svc, streams = service_streams(sync)
    stream = streams.create(unique_name="cursor", ttl=600)
    events = watch(sync, svc)
    heard: list[SyncEvent] = []
    streams("cursor").subscribe(heard.append)
    clock.advance(3)

    streams("cursor").delete()

    assert [(e.type, e.object_sid, e.object_unique_name) for e in events] == [
        ("stream_removed", stream.sid, "cursor")
    ]
    assert heard == events
    assert (events[0].expired, events[0].date, events[0].identity) == (False, clock.now(), "system")
    assert events[0].data is None


def test_a_service_deletion_removes_and_announces_its_streams(sync: Sync) -> None:
    svc, streams = service_streams(sync)
    _, others = service_streams(sync)
    first = streams.create(unique_name="cursor")
    second = streams.create()
    elsewhere = others.create(unique_name="cursor")
    events = watch(sync, svc)

    assert sync.services(svc).delete() is True

    removed = sorted((e.type, e.object_sid, e.expired) for e in events)
    assert removed == sorted(
        [("stream_removed", first.sid, False), ("stream_removed", second.sid, False)]
    )
    for ident in (first.sid, "cursor"):
        message = not_found(f"/Services/{svc}/Streams/{ident}")
        refused(lambda ident=ident: streams(ident).fetch(), 404, 20404, message)
    assert others("cursor").fetch() == elsewhere
