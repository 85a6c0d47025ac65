"""Webhooks as a port: ``Sync(webhook_sink=...)`` receives ``(url, params)`` per event.

Twilio's rules (https://www.twilio.com/docs/sync/webhooks): a service with a
``webhook_url`` has it called for changes by client identities always, and for changes
made through the REST API (identity ``system``) only when ``webhooks_from_rest_enabled``
is true. The parameters are Twilio's form fields: ``AccountSid``, ``ServiceSid``,
``EventType``, ``Identity`` and the object's own (docs/events.md).
"""

from __future__ import annotations

import logging

import pytest

from sync_core import ManualClock, Sync, SyncEvent

URL = "https://example.com/sync-hook"
Calls = list[tuple[str, dict[str, str]]]


@pytest.fixture
def calls() -> Calls:
    return []


@pytest.fixture
def hooked(clock: ManualClock, calls: Calls) -> Sync:
    """A Sync whose webhook sink records every call."""
    return Sync(clock=clock, seed=77, webhook_sink=lambda url, params: calls.append((url, params)))


def test_rest_changes_are_not_sent_unless_webhooks_from_rest_enabled(
    hooked: Sync, calls: Calls
) -> None:
    svc = hooked.services.create(webhook_url=URL)
    hooked.services(svc.sid).documents.create(data={"a": 1})
    assert calls == []
    hooked.services(svc.sid).update(webhooks_from_rest_enabled=True)
    hooked.services(svc.sid).documents.create(data={"a": 2})
    assert [params["EventType"] for _, params in calls] == ["document_created"]


def test_a_service_without_webhook_url_sends_nothing(hooked: Sync, calls: Calls) -> None:
    svc = hooked.services.create(webhooks_from_rest_enabled=True)
    hooked.services(svc.sid).sync_lists.create()
    assert calls == []


def test_document_events_carry_twilios_parameters(hooked: Sync, calls: Calls) -> None:
    svc = hooked.services.create(webhook_url=URL, webhooks_from_rest_enabled=True)
    docs = hooked.services(svc.sid).documents
    doc = docs.create(unique_name="prefs", data={"theme": "dark"})
    docs("prefs").update(data={"theme": "é"})
    docs("prefs").delete()
    common = {
        "AccountSid": hooked.account_sid,
        "ServiceSid": svc.sid,
        "Identity": "system",
        "DocumentSid": doc.sid,
        "DocumentUniqueName": "prefs",
    }
    assert calls == [
        (
            URL,
            {
                **common,
                "EventType": "document_created",
                "DocumentRevision": "0",
                "DocumentData": '{"theme":"dark"}',
            },
        ),
        (
            URL,
            {
                **common,
                "EventType": "document_updated",
                "DocumentRevision": "1",
                "DocumentData": '{"theme":"é"}',
            },
        ),
        # Twilio: DocumentData is "not included for the document_removed event".
        (URL, {**common, "EventType": "document_removed", "DocumentRevision": "1"}),
    ]


def test_map_and_item_events_carry_the_key_and_item_data(hooked: Sync, calls: Calls) -> None:
    svc = hooked.services.create(webhook_url=URL, webhooks_from_rest_enabled=True)
    maps = hooked.services(svc.sid).sync_maps
    board = maps.create(unique_name="board")
    maps("board").sync_map_items.create(key="a b", data={"n": 1})
    maps("board").sync_map_items("a b").delete()
    maps("board").delete()
    base = {"AccountSid": hooked.account_sid, "ServiceSid": svc.sid, "Identity": "system"}
    own = {"MapSid": board.sid, "MapUniqueName": "board"}
    assert [params for _, params in calls] == [
        {**base, "EventType": "map_created", **own, "MapRevision": "0"},
        {
            **base,
            "EventType": "map_item_added",
            **own,
            "EventId": "2",
            "ItemKey": "a b",
            "ItemData": '{"n":1}',
        },
        {**base, "EventType": "map_item_removed", **own, "EventId": "3", "ItemKey": "a b"},
        {**base, "EventType": "map_removed", **own, "MapRevision": "2"},
    ]


def test_list_item_events_carry_the_index(hooked: Sync, calls: Calls) -> None:
    svc = hooked.services.create(webhook_url=URL, webhooks_from_rest_enabled=True)
    lists = hooked.services(svc.sid).sync_lists
    lst = lists.create()  # no unique name: ListUniqueName is left out
    lists(lst.sid).sync_list_items.create(data={"job": 1})
    lists(lst.sid).sync_list_items(0).update(data={"job": 2})
    params = [p for _, p in calls]
    assert params[0] == {
        "AccountSid": hooked.account_sid,
        "ServiceSid": svc.sid,
        "EventType": "list_created",
        "Identity": "system",
        "ListSid": lst.sid,
        "ListRevision": "0",
    }
    assert params[2] == {
        "AccountSid": hooked.account_sid,
        "ServiceSid": svc.sid,
        "EventType": "list_item_updated",
        "Identity": "system",
        "ListSid": lst.sid,
        "EventId": "3",
        "ItemIndex": "0",
        "ItemData": '{"job":2}',
    }


def test_stream_messages_are_sent_with_their_sid_and_data(hooked: Sync, calls: Calls) -> None:
    svc = hooked.services.create(webhook_url=URL, webhooks_from_rest_enabled=True)
    streams = hooked.services(svc.sid).sync_streams
    stream = streams.create(unique_name="cursor")
    message = streams("cursor").stream_messages.create(data={"x": 1})
    assert calls[1] == (
        URL,
        {
            "AccountSid": hooked.account_sid,
            "ServiceSid": svc.sid,
            "EventType": "stream_message_published",
            "Identity": "system",
            "StreamSid": stream.sid,
            "StreamUniqueName": "cursor",
            "MessageSid": message.sid,
            "MessageData": '{"x":1}',
        },
    )


def test_expiry_is_sent_as_a_system_change(hooked: Sync, clock: ManualClock, calls: Calls) -> None:
    quiet = hooked.services.create(webhook_url=URL)
    loud = hooked.services.create(webhook_url=URL, webhooks_from_rest_enabled=True)
    hooked.services(quiet.sid).documents.create(ttl=5)
    hooked.services(loud.sid).documents.create(ttl=5)
    calls.clear()
    clock.advance(5)
    hooked.expire()
    assert [(p["ServiceSid"], p["EventType"], p["Identity"]) for _, p in calls] == [
        (loud.sid, "document_removed", "system")
    ]


def test_the_url_in_force_at_the_change_is_the_one_called(hooked: Sync, calls: Calls) -> None:
    svc = hooked.services.create(webhook_url=URL, webhooks_from_rest_enabled=True)
    tree = hooked.services(svc.sid)
    tree.documents.create()
    tree.update(webhook_url="https://example.org/other")
    tree.documents.create()
    tree.update(webhook_url="")
    tree.documents.create()
    assert [url for url, _ in calls] == [URL, "https://example.org/other"]


def test_a_failing_sink_is_logged_and_harms_nothing(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    def sink(url: str, params: dict[str, str]) -> None:
        raise ConnectionError("endpoint down")

    sync = Sync(clock=clock, seed=1, webhook_sink=sink)
    svc = sync.services.create(webhook_url=URL, webhooks_from_rest_enabled=True)
    seen: list[SyncEvent] = []
    sync.subscribe(seen.append)
    with caplog.at_level(logging.ERROR, logger="sync_core.events"):
        doc = sync.services(svc.sid).documents.create(data={"a": 1})
    assert sync.services(svc.sid).documents(doc.sid).fetch().data == {"a": 1}
    assert [e.type for e in seen] == ["document_created"]
    assert "endpoint down" in caplog.text


def test_client_identities_are_sent_without_the_rest_flag(hooked: Sync, calls: Calls) -> None:
    svc = hooked.services.create(webhook_url=URL)
    as_alice = hooked.services(svc.sid).for_identity("alice")
    doc = as_alice.documents.create(data={"by": "alice"})
    hooked.services(svc.sid).documents(doc.sid).update(data={"by": "system"})
    assert [(p["EventType"], p["Identity"]) for _, p in calls] == [("document_created", "alice")]
    assert doc.created_by == "alice"
    assert "DocumentUniqueName" not in calls[0][1]
