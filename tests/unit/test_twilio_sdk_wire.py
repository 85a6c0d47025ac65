"""What the SDK sends, as its transports put it on the wire, in-process.

``SyncHttpClient`` sees each URL as ``requests`` sends it (percent-encoded, dot-segments
removed) and ``AsyncSyncHttpClient`` as aiohttp does (tabs and newlines removed); both
leave out a ``None`` argument, as ``requests`` does. tests/integration/test_sdk_over_http.py
checks the same calls answer alike over a real socket.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from hypothesis import given, settings
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from sync_core import Sync
from sync_core.adapters.twilio import AsyncSyncHttpClient, SyncHttpClient
from sync_core.testing import strategies as sst

ACCOUNT = "AC" + "0" * 32

pytestmark = pytest.mark.usefixtures("no_network")


def sdk(sync: Sync, asynchronous: bool = False) -> Client:
    http = AsyncSyncHttpClient(sync) if asynchronous else SyncHttpClient(sync)
    return Client(ACCOUNT, "token", http_client=http, environment={"SYNC_CORE": "test"})


@pytest.fixture
def game(sync: Sync) -> Any:
    sync.services("default").sync_maps.create(unique_name="game")
    items = sync.services("default").sync_maps("game").sync_map_items
    for key in ("a", "b", "c"):
        items.create(key=key, data={})
    sync.services("default").sync_lists.create(unique_name="queue")
    for n in range(3):
        sync.services("default").sync_lists("queue").sync_list_items.create(data={"n": n})
    return items


def test_none_arguments_are_absent_arguments_through_the_sdk(sync: Sync, game: Any) -> None:
    svc = sdk(sync).sync.v1.services("default")
    items = svc.sync_maps("game").sync_map_items
    assert [i.key for i in items.list(from_=None, order=None, bounds=None)] == ["a", "b", "c"]
    assert [i.key for i in items.page(page_token=None, page_size=None)] == ["a", "b", "c"]
    queue = svc.sync_lists("queue").sync_list_items
    assert [i.index for i in queue.list(from_=None, order=None)] == [0, 1, 2]
    created = svc.documents.create(unique_name=None, data={"a": 1}, ttl=None)
    assert (created.unique_name, created.date_expires) == (None, None)


def test_none_query_arguments_are_aiohttps_type_error_through_the_async_sdk(
    sync: Sync, game: Any
) -> None:
    # twilio's AsyncTwilioHttpClient hands them to aiohttp, whose yarl refuses a None
    # query value before anything is sent (requests, under the sync SDK, drops it).
    items = sdk(sync, asynchronous=True).sync.v1.services("default").sync_maps("game")
    before = sync.export_state()

    async def listed() -> list[str]:
        found = await items.sync_map_items.list_async(from_=None, order=None, bounds=None)
        return [item.key for item in found]

    with pytest.raises(TypeError, match="Invalid variable type: value should be str"):
        asyncio.run(listed())
    assert sync.export_state() == before


def test_none_arguments_are_absent_arguments_in_the_plain_api(game: Any) -> None:
    assert [i.key for i in game.list(from_=None, order=None, bounds=None)] == ["a", "b", "c"]
    assert [i.key for i in game.page(page_token=None, page_size=None)] == ["a", "b", "c"]


@pytest.mark.parametrize("key", ["a b", "a\tb", "line\nbreak", "caf\u00e9 \U0001f600", "..."])
def test_a_key_the_wire_percent_encodes_round_trips_through_the_sdk(
    sync: Sync, game: Any, key: str
) -> None:
    items = sdk(sync).sync.v1.services("default").sync_maps("game").sync_map_items
    items.create(key=key, data={"k": key})
    assert items(key).fetch().data == {"k": key}
    assert game(key).fetch().key == key
    assert items(key).delete() is True


def test_the_async_sdk_loses_tabs_and_newlines_of_a_key_in_a_path(sync: Sync, game: Any) -> None:
    # aiohttp's yarl removes them from a URL (the WHATWG URL standard): "a\tb" in the
    # path is "ab" on the wire, so the item "a\tb" cannot be fetched through it.
    items = sdk(sync, asynchronous=True).sync.v1.services("default").sync_maps("game")
    game.create(key="ab", data={"which": "ab"})
    game.create(key="a\tb", data={"which": "tab"})
    fetched = asyncio.run(items.sync_map_items("a\tb").fetch_async())
    assert fetched.data == {"which": "ab"}


@pytest.mark.parametrize("key", [".", ".."])
def test_a_dot_segment_key_is_removed_from_the_path_as_on_the_wire(
    sync: Sync, game: Any, key: str
) -> None:
    svc = sdk(sync).sync.v1.services("default")
    game.create(key=key, data={})  # the plain API addresses it as it is
    map_sid = sync.services("default").sync_maps("game").fetch().sid
    with pytest.raises(TwilioRestException) as caught:
        svc.sync_maps(map_sid).sync_map_items(key).fetch()
    parent = f"/Services/default/Maps/{map_sid}/" if key == ".." else None
    expected = parent or f"/Services/default/Maps/{map_sid}/Items/"
    assert (caught.value.status, caught.value.code) == (404, 20404)
    assert caught.value.msg.endswith(f"The requested resource {expected} was not found")


def test_the_detail_of_a_refusal_is_logged_for_people(
    sync: Sync, caplog: pytest.LogCaptureFixture
) -> None:
    docs = sdk(sync).sync.v1.services("default").documents
    with caplog.at_level(logging.DEBUG, logger="sync_core"), pytest.raises(TwilioRestException):
        docs.create(unique_name="ET" + "0" * 32)
    assert "a unique name may not look like a SID" in caplog.text
    assert "54302" in caplog.text


def test_54302_is_the_real_backends_message_through_the_sdk(sync: Sync) -> None:
    docs = sdk(sync).sync.v1.services("default").documents
    with pytest.raises(TwilioRestException) as caught:
        docs.create(unique_name="MP" + "a" * 32)
    assert (caught.value.status, caught.value.code) == (400, 54302)
    assert caught.value.msg == (
        "Unable to create record: Invalid unique name. Expected a string with length 1-320 "
        "not matching the SID pattern [A-Z]{2}[a-f0-9]{32}"
    )


def test_a_service_update_with_nothing_is_answered_unchanged_through_the_sdk(
    sync: Sync,
) -> None:
    services = sdk(sync).sync.v1.services
    made = services.create(friendly_name="chat")
    again = services(made.sid).update()
    assert (again.friendly_name, again.date_updated) == ("chat", made.date_updated)
    async_again = asyncio.run(
        sdk(sync, asynchronous=True).sync.v1.services(made.sid).update_async()
    )
    assert async_again.date_updated == made.date_updated


def test_a_page_size_above_100_is_clamped_through_the_sdk(sync: Sync) -> None:
    docs = sdk(sync).sync.v1.services("default").documents
    for n in range(130):
        sync.services("default").documents.create(unique_name=f"d{n:03}")
    assert len(docs.list(limit=5000)) == 130
    assert len(list(docs.page(page_size=5000))) == 100
    assert (
        len(
            asyncio.run(
                sdk(sync, True).sync.v1.services("default").documents.list_async(limit=5000)
            )
        )
        == 130
    )


def test_a_streams_links_name_its_messages_through_the_sdk(sync: Sync) -> None:
    stream = sdk(sync).sync.v1.services("default").sync_streams.create(unique_name="s")
    assert stream.links == {"messages": f"{stream.url}/Messages"}
    assert sync.services("default").sync_streams("s").fetch().links == stream.links
    streams = sdk(sync, asynchronous=True).sync.v1.services("default").sync_streams
    assert asyncio.run(streams("s").fetch_async()).links == stream.links


def test_54302_is_the_real_backends_message_through_the_async_sdk(sync: Sync) -> None:
    docs = sdk(sync, asynchronous=True).sync.v1.services("default").documents
    with pytest.raises(TwilioRestException) as caught:
        asyncio.run(docs.create_async(unique_name="TO" + "f" * 32))
    assert (caught.value.status, caught.value.code) == (400, 54302)
    assert "not matching the SID pattern [A-Z]{2}[a-f0-9]{32}" in caught.value.msg


@settings(max_examples=25, deadline=None, database=None)
@given(
    identity=sst.sdk_safe_identities(),
    name=sst.sdk_safe_unique_names(),
)
def test_sdk_safe_identities_and_unique_names_address_what_they_name(
    identity: str, name: str
) -> None:
    # The SDK puts an identity (its permission's URL) and a unique name (the object's)
    # in the path as it is, as it does a key: those the strategies draw reach
    # sync_core as they are.
    sync = Sync(seed=1)
    client = Client(sync.account_sid, "token", http_client=SyncHttpClient(sync))
    documents = client.sync.v1.services("default").documents
    documents.create(unique_name=name)
    assert documents(name).fetch().unique_name == name
    documents(name).document_permissions(identity).update(read=True, write=False, manage=False)
    [grant] = sync.services("default").documents(name).document_permissions.list()
    assert grant.identity == identity


def test_identities_and_names_outside_the_sdk_safe_ones_address_another() -> None:
    sync = Sync(seed=1)
    client = Client(sync.account_sid, "token", http_client=SyncHttpClient(sync))
    documents = client.sync.v1.services("default").documents
    documents.create(unique_name="d")
    documents("d").document_permissions("alice?x").update(read=True, write=False, manage=False)
    documents("d").document_permissions("bob%41").update(read=True, write=False, manage=False)
    granted = sync.services("default").documents("d").document_permissions.list()
    assert [grant.identity for grant in granted] == ["alice", "bobA"]
    assert "?" in sst.SDK_UNSAFE_CHARACTERS
    assert "%" in sst.SDK_UNSAFE_CHARACTERS
