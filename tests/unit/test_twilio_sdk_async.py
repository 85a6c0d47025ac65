"""The twilio SDK's ``*_async`` methods over ``AsyncSyncHttpClient``.

pytest-asyncio is not installed: each test is an ordinary function running its
coroutine with ``asyncio.run``. No request may leave the process.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from support import mirrors
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from sync_core import ManualClock, NotFoundError, Sync
from sync_core.adapters.twilio import AsyncSyncHttpClient, SyncHttpClient

ACCOUNT = "AC" + "0" * 32

pytestmark = pytest.mark.usefixtures("no_network")


@pytest.fixture
def client(sync: Sync) -> Client:
    """The real SDK, async flavour, over ``sync``."""
    return Client(
        ACCOUNT,
        "token",
        http_client=AsyncSyncHttpClient(sync),
        environment={"TWILIO_REGION": ""},
    )


def run(make: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(make())  # type: ignore[arg-type]


def test_the_async_client_is_async_and_the_sync_one_is_not(sync: Sync) -> None:
    assert AsyncSyncHttpClient(sync).is_async is True
    assert SyncHttpClient(sync).is_async is False


def test_documents_create_fetch_update_delete_list_async(
    svc: Any, sync: Sync, service_sid: str, clock: ManualClock
) -> None:
    plain = sync.services(service_sid).documents

    async def scenario() -> None:
        made = await svc.documents.create_async(unique_name="prefs", data={"v": 0}, ttl=60)
        mirrors(made, plain("prefs").fetch())
        assert made.date_expires == made.date_created + timedelta(seconds=60)
        mirrors(await svc.documents("prefs").fetch_async(), plain("prefs").fetch())

        clock.advance(4)
        updated = await svc.documents("prefs").update_async(data={"v": 1}, if_match="0")
        mirrors(updated, plain("prefs").fetch())
        assert (updated.revision, updated.data, updated.date_updated) == (
            "1",
            {"v": 1},
            clock.now(),
        )
        unconditional = await svc.documents("prefs").update_async(data={"v": 2})
        assert unconditional.revision == "2"
        info = await svc.documents("prefs").fetch_with_http_info_async()
        assert info.headers["ETag"] == "2"

        for n in range(6):
            await svc.documents.create_async(unique_name=f"d{n}")
        listed = await svc.documents.list_async(limit=5, page_size=2)
        assert [d.unique_name for d in listed] == ["prefs", "d0", "d1", "d2", "d3"]
        everything = [d.unique_name async for d in await svc.documents.stream_async(page_size=2)]
        assert everything == [r.unique_name for r in plain.list()]
        assert len(everything) == 7

        assert await svc.documents("prefs").delete_async() is True

    run(scenario)
    with pytest.raises(NotFoundError):
        plain("prefs").fetch()


def test_map_items_create_fetch_update_delete_list_async(
    svc: Any, sync: Sync, service_sid: str
) -> None:
    plain = sync.services(service_sid).sync_maps("board").sync_map_items

    async def scenario() -> None:
        await svc.sync_maps.create_async(unique_name="board")
        items = svc.sync_maps("board").sync_map_items
        made = await items.create_async(key="alice", data={"s": 1})
        mirrors(made, plain("alice").fetch())
        mirrors(await items("alice").fetch_async(), plain("alice").fetch())
        updated = await items("alice").update_async(data={"s": 2}, if_match="0")
        mirrors(updated, plain("alice").fetch())
        assert (updated.revision, updated.data) == ("1", {"s": 2})

        for n in range(6):
            await items.create_async(key=f"k{n}", data={"n": n})
        listed = await items.list_async(
            order="desc", from_="k5", bounds="exclusive", limit=3, page_size=2
        )
        assert [i.key for i in listed] == ["k4", "k3", "k2"]
        listed = await items.list_async(order="desc", from_="k5", bounds="exclusive", page_size=2)
        assert [i.key for i in listed] == ["k4", "k3", "k2", "k1", "k0", "alice"]

        assert await items("alice").delete_async() is True

    run(scenario)
    with pytest.raises(NotFoundError):
        plain("alice").fetch()


def test_async_errors_are_twilio_rest_exceptions(svc: Any, sync: Sync, service_sid: str) -> None:
    async def scenario() -> None:
        await svc.documents.create_async(unique_name="prefs", data={"v": 0})
        await svc.documents("prefs").update_async(data={"v": 1})
        with pytest.raises(TwilioRestException) as stale:
            await svc.documents("prefs").update_async(data={"v": 9}, if_match="0")
        assert (stale.value.status, stale.value.code) == (412, 20412)

        await svc.sync_maps.create_async(unique_name="board")
        items = svc.sync_maps("board").sync_map_items
        await items.create_async(key="k", data={"v": 0})
        await items("k").update_async(data={"v": 1})
        with pytest.raises(TwilioRestException) as stale_item:
            await items("k").update_async(data={"v": 9}, if_match="0")
        assert (stale_item.value.status, stale_item.value.code) == (412, 20412)

        with pytest.raises(TwilioRestException) as missing:
            await svc.documents("nope").fetch_async()
        assert (missing.value.status, missing.value.code) == (404, 20404)
        with pytest.raises(TwilioRestException) as missing_item:
            await items("nope").delete_async()
        assert (missing_item.value.status, missing_item.value.code) == (404, 20404)

    run(scenario)
    plain = sync.services(service_sid)
    assert plain.documents("prefs").fetch().data == {"v": 1}
    assert plain.sync_maps("board").sync_map_items("k").fetch().data == {"v": 1}


def test_async_methods_refuse_the_sync_client(sync: Sync) -> None:
    # One Client cannot serve both (an SDK rule): hence the two adapters.
    sync_only = Client(
        ACCOUNT, "token", http_client=SyncHttpClient(sync), environment={"TWILIO_REGION": ""}
    )
    docs = sync_only.sync.v1.services("default").documents
    with pytest.raises(RuntimeError, match="must be asynchronous"):
        asyncio.run(docs.create_async(unique_name="x"))
    assert sync.services("default").documents.list() == []


# -- as aiohttp, and as a request on the wire --------------------------------------------


def _counter(sync: Sync) -> None:
    sync.services("default").documents.create(unique_name="n", data={"n": 0})


async def _increment(docs: Any) -> None:
    """A read, then a write without If-Match: a race, between tasks."""
    current = await docs("n").fetch_async()
    await docs("n").update_async(data={"n": current.data["n"] + 1})


def test_tasks_racing_without_if_match_lose_updates_as_over_the_network(
    client: Client, sync: Sync
) -> None:
    # Each request yields to the loop once, as one on the wire: the twenty tasks all
    # read before any writes, and nineteen updates are lost, as against Twilio.
    _counter(sync)
    docs = client.sync.v1.services("default").documents

    async def race() -> None:
        await asyncio.gather(*(_increment(docs) for _ in range(20)))

    run(race)
    assert sync.services("default").documents("n").fetch().data == {"n": 1}
    assert sync.services("default").documents("n").fetch().revision == "20"


def test_none_values_are_what_aiohttp_makes_of_them(client: Client, sync: Sync) -> None:
    items = sync.services("default").sync_maps.create(unique_name="m").sync_map_items
    items.create(key="k", data={"a": 1})
    before = sync.export_state()
    sdk = client.sync.v1.services("default").sync_maps("m").sync_map_items

    async def calls() -> None:
        # A None header or query parameter: aiohttp refuses it, before sending.
        with pytest.raises(TypeError, match="Cannot serialize non-str key None"):
            await sdk("k").update_async(data={"a": 2}, if_match=None)
        with pytest.raises(TypeError, match="Invalid variable type"):
            await sdk.list_async(from_=None)
        # A None form field (the SDK leaves its own out) is sent as the text "None": not
        # JSON, 400/54008.
        http = client.http_client
        url = "https://sync.twilio.com/v1/Services/default/Maps/m/Items/k"
        answer = await http.request("POST", url, data={"Data": None})
        assert (answer.status_code, json.loads(answer.text)["code"]) == (400, 54008)

    run(calls)
    assert sync.export_state() == before


def test_the_async_client_closes_as_twilios_does(sync: Sync) -> None:
    _counter(sync)

    async def use() -> None:
        async with AsyncSyncHttpClient(sync) as http:
            made = Client(ACCOUNT, "token", http_client=http, environment={"TWILIO_REGION": ""})
            docs = made.sync.v1.services("default").documents
            assert (await docs("n").fetch_async()).data == {"n": 0}
        with pytest.raises(RuntimeError, match="Session is closed"):
            await docs("n").fetch_async()
        await http.close()  # again: nothing more

    run(use)
