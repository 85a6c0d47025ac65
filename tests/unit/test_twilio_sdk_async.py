"""The twilio SDK's ``*_async`` methods over ``AsyncSyncHttpClient``.

pytest-asyncio is not installed: each test is an ordinary function running its
coroutine with ``asyncio.run``. No request may leave the process.
"""

from __future__ import annotations

import asyncio
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
