"""What only Streams do: publish messages (never stored, at most 4 KiB), and their events.

What Streams do as every kind does (create, unique names, TTLs, fetch, 404s, delete,
listing, expiry) is in tests/unit/test_objects.py. Each refusal is checked three ways:
the error (status, Twilio code, exact message), that nothing changed (the Stream
fetched again, the listing) and that no subscriber, to the Stream or to the whole
service, heard anything (``delivers_nothing``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from kinds import STREAM, Home, Kind
from support import (
    BAD_DATA,
    BAD_DATA_VALUES,
    NULL_DATA,
    START,
    TOO_LARGE,
    check_against,
    not_found,
    payload,
    refused,
)

from sync_core import StreamMessageRecord, SyncEvent


@pytest.fixture
def kind() -> Kind:
    return STREAM


def hear(home: Home, ident: str = "box") -> list[SyncEvent]:
    """Every event of the Stream ``ident`` from now on."""
    heard: list[SyncEvent] = []
    home.objects(ident).subscribe(heard.append)
    return heard


@contextmanager
def delivers_nothing(home: Home) -> Iterator[None]:
    """What the block refuses changes nothing and reaches no subscriber of ``box``."""
    heard = hear(home)
    with home.unchanged():
        yield
    assert heard == []


# -- update and expiry ----------------------------------------------------------------


def test_an_update_announces_nothing(box: Home) -> None:
    events = box.watch()
    heard = hear(box)
    box.clock.advance(5)

    box.objects("box").update(ttl=60)
    box.objects("box").update(ttl=0)

    assert events == []
    assert heard == []


def test_expiry_is_announced_on_sync_expire_dated_when_the_stream_expired(home: Home) -> None:
    stream = home.objects.create(unique_name="box", ttl=60)
    events = home.watch()
    heard = hear(home)

    home.clock.advance(75)
    assert events == []  # nothing calls in yet
    home.sync.expire()

    assert [(e.type, e.expired, e.date) for e in events] == [
        ("stream_removed", True, stream.date_expires)
    ]
    assert heard == events
    removed = events[0]
    assert (removed.object_sid, removed.object_unique_name) == (stream.sid, "box")
    assert (removed.identity, removed.object_revision, removed.revision) == ("system", None, None)
    assert (removed.data, removed.message_sid) == (None, None)
    home.sync.expire()
    assert len(events) == 1


def test_expiry_is_announced_on_the_next_call_into_the_library(home: Home) -> None:
    stream = home.objects.create(ttl=10)
    events = home.watch()
    home.clock.advance(10)

    home.sync.services.list()

    assert [(e.type, e.object_sid, e.expired, e.date) for e in events] == [
        ("stream_removed", stream.sid, True, START + timedelta(seconds=10))
    ]


# -- records --------------------------------------------------------------------------


def test_streams_and_messages_are_the_spec_resources(box: Home) -> None:
    check_against(box.objects("box").update(ttl=0).to_dict(), STREAM.schema)

    message = box.objects("box").stream_messages.create(data={"x": 3, "y": [4, None]})

    assert message.to_dict() == {"sid": message.sid, "data": {"x": 3, "y": [4, None]}}
    check_against(message.to_dict(), "sync.v1.service.sync_stream.stream_message")


def test_message_records_are_frozen(box: Home) -> None:
    message = box.objects("box").stream_messages.create(data={"a": 1})

    with pytest.raises(AttributeError):
        message.sid = "TZ" + "0" * 32


# -- messages -------------------------------------------------------------------------


def test_a_message_is_published_with_a_tz_sid_and_its_data(box: Home) -> None:
    messages = box.objects("box").stream_messages

    first = messages.create(data={"x": 3, "y": {"z": [1, 2.5, None, True]}})
    second = messages.create(data={})

    assert isinstance(first, StreamMessageRecord)
    assert re.fullmatch(r"TZ[0-9a-f]{32}", first.sid)
    assert re.fullmatch(r"TZ[0-9a-f]{32}", second.sid)
    assert first.sid != second.sid
    assert first.data == {"x": 3, "y": {"z": [1, 2.5, None, True]}}
    assert second.data == {}


def test_message_data_may_be_given_as_json_text(box: Home) -> None:
    heard = hear(box)

    message = box.objects("box").stream_messages.create(data='{"a": [1, 2], "é": "ü"}')

    assert message.data == {"a": [1, 2], "é": "ü"}
    assert [e.data for e in heard] == [{"a": [1, 2], "é": "ü"}]


@pytest.mark.parametrize("char", ["x", "é", "€"], ids=["ascii", "two-byte", "three-byte"])
def test_a_message_of_4096_bytes_is_accepted(box: Home, char: str) -> None:
    heard = hear(box)
    messages = box.objects("box").stream_messages
    data = payload(4096, char)

    message = messages.create(data=data)
    spaced = messages.create(data=json.dumps(data, indent=4))

    assert message.data == spaced.data == data  # formatting is not counted
    assert [e.data for e in heard] == [data, data]


REFUSED_MESSAGES = [
    *[
        pytest.param(data, 413, 54006, TOO_LARGE, id=f"4097-{name}")
        for char, name in [("x", "ascii"), ("é", "two-byte"), ("€", "three-byte")]
        for data in (payload(4097, char), json.dumps(payload(4097, char)))
    ],
    *[
        pytest.param(data, 400, 54251, NULL_DATA, id=f"null-{name}")
        for data, name in [(None, "none"), ("null", "json"), (" null ", "spaced")]
    ],
    *[pytest.param(data, 400, 54008, BAD_DATA, id=f"bad-{data!r}") for data in BAD_DATA_VALUES],
]


@pytest.mark.parametrize(("data", "status", "code", "message"), REFUSED_MESSAGES)
def test_a_refused_message_delivers_nothing(
    box: Home, data: object, status: int, code: int, message: str
) -> None:
    messages = box.objects("box").stream_messages

    with delivers_nothing(box):
        refused(partial(messages.create, data=data), status, code, message)


@pytest.mark.parametrize("service", ["mine", "other", "IS" + "0" * 32, "nope"])
@pytest.mark.parametrize("ident", ["box", "TO" + "0" * 32])
def test_a_message_to_a_missing_stream_is_404_naming_the_messages_path(
    home: Home, service: str, ident: str
) -> None:
    home.objects.create(unique_name="kept")
    if service == "other":  # the Stream is there, in another service
        there = home.objects.create(unique_name="box")
        ident = ident if ident == "box" else there.sid
        service = home.sync.services.create().sid
    addressed = home.service if service == "mine" else service
    messages = STREAM.of(home.sync, addressed)(ident).stream_messages
    message = not_found(STREAM.path(addressed, ident, "Messages"))

    with home.unchanged("kept"):
        refused(partial(messages.create, data={"a": 1}), 404, 20404, message)
        refused(partial(messages.create, data=None), 404, 20404, message)  # the 404 comes first


def test_a_message_to_an_expired_stream_is_404(home: Home) -> None:
    home.objects.create(unique_name="box", ttl=60)
    home.clock.advance(60)

    message = not_found(home.path("box", "Messages"))
    refused(partial(home.objects("box").stream_messages.create, data={}), 404, 20404, message)


def test_messages_are_never_stored(home: Home) -> None:
    stream = home.objects.create(unique_name="box", ttl=600)
    home.clock.advance(5)

    for n in range(3):
        home.objects("box").stream_messages.create(data={"n": n})

    assert home.objects("box").fetch() == stream
    assert home.objects("box").fetch().date_updated == START
    assert home.objects.list() == [stream]
    messages = home.objects("box").stream_messages
    for listing in ("list", "page", "stream", "get", "fetch"):
        assert not hasattr(messages, listing), listing


def test_message_data_is_never_shared(box: Home) -> None:
    first, second = hear(box), hear(box)
    mine: dict[str, Any] = {"list": [1, 2], "nested": {"k": "v"}}

    message = box.objects("box").stream_messages.create(data=mine)
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


def test_a_stream_subscriber_hears_each_published_message(box: Home) -> None:
    stream = box.objects("box").fetch()
    heard = hear(box)
    box.clock.advance(7)

    message = box.objects("box").stream_messages.create(data={"x": 3, "y": 4})

    assert len(heard) == 1
    event = heard[0]
    assert event.type == "stream_message_published"
    assert event.kind == "stream"
    assert event.message_sid == message.sid
    assert event.data == {"x": 3, "y": 4} == message.data
    assert event.previous_data is None
    assert event.identity == "system"
    assert (event.object_sid, event.object_unique_name) == (stream.sid, "box")
    assert (event.object_revision, event.revision) == (None, None)
    assert (event.item_key, event.item_index, event.expired) == (None, None, False)
    assert (event.account_sid, event.service_sid) == (box.sync.account_sid, box.service)
    assert event.date == box.clock.now()


def test_messages_are_heard_in_order_by_stream_and_service_subscribers(box: Home) -> None:
    events = box.watch()
    heard = hear(box)
    messages = box.objects("box").stream_messages

    sids = [messages.create(data={"n": n}).sid for n in range(4)]

    assert [e.message_sid for e in heard] == sids
    assert [e.data for e in heard] == [{"n": n} for n in range(4)]
    assert events == heard
    assert [e.sequence for e in heard] == list(range(heard[0].sequence, heard[0].sequence + 4))


def test_a_stream_subscriber_hears_only_its_own_stream(box: Home) -> None:
    mine = box.objects("box").fetch()
    box.objects.create(unique_name="other")
    heard = hear(box)

    box.objects("other").stream_messages.create(data={"to": "other"})
    box.objects("box").stream_messages.create(data={"to": "mine"})

    assert [(e.object_sid, e.data) for e in heard] == [(mine.sid, {"to": "mine"})]


def test_only_current_subscribers_hear_a_message(box: Home) -> None:
    messages = box.objects("box").stream_messages
    early: list[SyncEvent] = []
    handle = box.objects("box").subscribe(early.append)
    messages.create(data={"n": 1})

    late = hear(box)
    handle.unsubscribe()
    messages.create(data={"n": 2})

    assert [e.data for e in early] == [{"n": 1}]
    assert [e.data for e in late] == [{"n": 2}]


def test_a_refused_message_uses_no_event_number(box: Home) -> None:
    heard = hear(box)
    messages = box.objects("box").stream_messages

    messages.create(data={"n": 1})
    refused(partial(messages.create, data=payload(4097, "x")), 413, 54006, TOO_LARGE)
    refused(partial(messages.create, data="null"), 400, 54251, NULL_DATA)
    messages.create(data={"n": 2})

    assert [e.data for e in heard] == [{"n": 1}, {"n": 2}]
    assert heard[1].sequence == heard[0].sequence + 1


def test_creating_a_stream_is_announced_to_the_service(home: Home) -> None:
    events = home.watch()
    home.clock.advance(3)

    stream = home.objects.create(unique_name="box", ttl=60)

    assert len(events) == 1
    event = events[0]
    assert event.type == "stream_created"
    assert (event.object_sid, event.object_unique_name) == (stream.sid, "box")
    assert (event.identity, event.date, event.expired) == ("system", home.clock.now(), False)
    assert (event.object_revision, event.revision, event.message_sid) == (None, None, None)
    assert event.data is None


def test_deleting_a_stream_is_announced_to_its_and_the_services_subscribers(home: Home) -> None:
    stream = home.objects.create(unique_name="box", ttl=600)
    events = home.watch()
    heard = hear(home)
    home.clock.advance(3)

    home.objects("box").delete()

    assert [(e.type, e.object_sid, e.object_unique_name) for e in events] == [
        ("stream_removed", stream.sid, "box")
    ]
    assert heard == events
    assert (events[0].expired, events[0].date, events[0].identity) == (
        False,
        home.clock.now(),
        "system",
    )
    assert events[0].data is None
