"""The same twilio SDK calls, in-process and over a real HTTP socket, answer the same.

One Sync answers the SDK in-process (``SyncHttpClient``); another, made the same way
(same seed, same manual clock), answers it through a real WSGI server on 127.0.0.1,
reached by twilio's own HTTP clients (``requests``, and ``aiohttp`` for the async
SDK). Every scenario runs on both and must observe exactly the same: records, errors,
page sizes, links, and keys that need percent-encoding or that the wire rewrites.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from typing import Any

import pytest
from http_support import AsyncLocalHttpClient, LocalHttpClient, serving
from hypothesis import HealthCheck, given, settings
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.base.instance_resource import InstanceResource
from twilio.rest import Client

from sync_core import ManualClock, Sync
from sync_core.adapters.twilio import AsyncSyncHttpClient, SyncHttpClient
from sync_core.testing import strategies as sst

pytestmark = [
    pytest.mark.integration,
    # twilio's async client still uses aiohttp's deprecated BasicAuth: not ours to mend.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

ACCOUNT = "AC" + "0" * 32
#: Keys the wire changes: percent-encoded characters, and dot-segments it removes.
AWKWARD_KEYS = ["a b", "a\tb", "line\nbreak", "caf\u00e9 \U0001f600", "..", ".", "...", "a.b", "~x"]


def _shown(value: Any) -> Any:
    """What a scenario compares of an SDK answer: an instance's public attributes."""
    if isinstance(value, list):
        return [_shown(item) for item in value]
    if isinstance(value, InstanceResource):
        return {name: _shown(v) for name, v in vars(value).items() if not name.startswith("_")}
    return value


def _failure(error: Exception) -> Any:
    if isinstance(error, TwilioRestException):
        return ("refused", error.status, error.code, error.msg)
    return ("failed", type(error).__name__, str(error))


def observe(call: Callable[[], Any]) -> Any:
    try:
        return _shown(call())
    except TwilioException as error:
        return _failure(error)


async def observe_async(call: Callable[[], Awaitable[Any]]) -> Any:
    try:
        return _shown(await call())
    except TwilioException as error:
        return _failure(error)


def scenario(client: Client, keys: list[str]) -> list[Any]:
    """Every item of "Fidelity, round two", as an app would call it through the SDK."""
    seen: list[Any] = []
    services = client.sync.v1.services
    made = services.create(friendly_name="chat")
    # 1. A Service update with no parameters is answered unchanged.
    seen.append(observe(lambda: services(made.sid).update()))
    svc = services(made.sid)
    # 2. PageSize above the maximum is clamped; 0 is refused.
    docs = svc.documents
    for n in range(105):
        docs.create(unique_name=f"d{n:03}")
    seen.append(observe(lambda: len(docs.list(limit=5000))))
    seen.append(observe(lambda: len(list(docs.page(page_size=1000)))))
    seen.append(observe(lambda: docs.list(page_size=0)))
    # 3. A Stream's links.
    seen.append(observe(lambda: svc.sync_streams.create(unique_name="s").links))
    # 4. None arguments are absent arguments.
    game = svc.sync_maps.create(unique_name="game")
    for key in ("a", "b", "c"):
        game.sync_map_items.create(key=key, data={"k": key})
    items = svc.sync_maps("game").sync_map_items
    seen.append(observe(lambda: items.list(order=None, from_=None, bounds=None)))
    seen.append(observe(lambda: list(items.page(page_token=None, page_size=None))))
    queue = svc.sync_lists.create(unique_name="queue")
    queue.sync_list_items.create(data={"n": 1})
    seen.append(observe(lambda: svc.sync_lists("queue").sync_list_items.list(from_=None)))
    # 5. Keys as the wire carries them.
    for key in keys:
        item = items(key)
        seen.append(observe(partial(items.create, key=key, data={"key": key})))
        seen.append(observe(item.fetch))
        seen.append(observe(partial(item.update, data={"again": key})))
        seen.append(observe(item.delete))
    seen.append(observe(lambda: [item.key for item in items.list()]))
    # 6. Messages as the real backend writes them.
    seen.append(observe(lambda: docs.create(unique_name="ET" + "0" * 32)))
    seen.append(observe(lambda: docs("nope").fetch()))
    # 7. Instances act, as the SDK's do.
    doc = docs.create(unique_name="inst", data={"a": 1})
    seen.append(observe(lambda: doc.update(data={"a": 2})))
    seen.append(observe(doc.fetch))
    seen.append(observe(lambda: doc.document_permissions("bob").update(True, False, False)))
    seen.append(observe(doc.delete))
    return seen


async def scenario_async(client: Client, keys: list[str]) -> list[Any]:
    """The scenario through the SDK's ``*_async`` methods."""
    seen: list[Any] = []
    services = client.sync.v1.services
    made = await services.create_async(friendly_name="chat")
    seen.append(await observe_async(lambda: services(made.sid).update_async()))
    svc = services(made.sid)
    docs = svc.documents
    for n in range(105):
        await docs.create_async(unique_name=f"d{n:03}")
    seen.append(len(await docs.list_async(limit=5000)))
    seen.append(await observe_async(lambda: docs.list_async(page_size=0)))
    stream = await svc.sync_streams.create_async(unique_name="s")
    seen.append(stream.links)
    game = await svc.sync_maps.create_async(unique_name="game")
    for key in ("a", "b", "c"):
        await game.sync_map_items.create_async(key=key, data={"k": key})
    items = svc.sync_maps("game").sync_map_items
    # No None argument here: twilio's aiohttp client raises TypeError for a None query
    # parameter (yarl refuses it) where requests drops it; AsyncSyncHttpClient drops it.
    seen.append(await observe_async(lambda: items.list_async(order="desc")))
    for key in keys:
        item = items(key)
        seen.append(await observe_async(partial(items.create_async, key=key, data={})))
        seen.append(await observe_async(item.fetch_async))
        seen.append(await observe_async(item.delete_async))
    seen.append(await observe_async(lambda: docs.create_async(unique_name="ET" + "0" * 32)))
    doc = await docs.create_async(unique_name="inst", data={"a": 1})
    seen.append(await observe_async(lambda: doc.update_async(data={"a": 2})))
    return seen


def fresh() -> Sync:
    return Sync(clock=ManualClock(), seed=77)


def client_of(http_client: Any) -> Client:
    return Client(ACCOUNT, "token", http_client=http_client, environment={"SYNC_CORE": "test"})


@pytest.fixture
def server() -> Iterator[tuple[Sync, str]]:
    sync = fresh()
    with serving(sync) as base:
        yield sync, base


def test_the_sdk_answers_the_same_in_process_and_over_a_socket(
    server: tuple[Sync, str],
) -> None:
    served, base = server
    in_process = fresh()
    here = scenario(client_of(SyncHttpClient(in_process)), AWKWARD_KEYS)
    there = scenario(client_of(LocalHttpClient(base)), AWKWARD_KEYS)
    assert here == there
    assert in_process.services.list() == served.services.list()
    served._check()
    in_process._check()


def test_the_async_sdk_answers_the_same_in_process_and_over_a_socket(
    server: tuple[Sync, str],
) -> None:
    _, base = server
    in_process = fresh()

    async def both() -> tuple[list[Any], list[Any]]:
        here = await scenario_async(client_of(AsyncSyncHttpClient(in_process)), AWKWARD_KEYS)
        remote = AsyncLocalHttpClient(base)
        try:
            there = await scenario_async(client_of(remote), AWKWARD_KEYS)
        finally:
            await remote.close()
        return here, there

    here, there = asyncio.run(both())
    assert here == there


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
@given(key=sst.sdk_safe_map_keys())
def test_an_sdk_safe_key_round_trips_alike_in_process_and_over_a_socket(
    server: tuple[Sync, str], key: str
) -> None:
    served, base = server
    in_process = fresh()
    local = client_of(SyncHttpClient(in_process))
    remote = client_of(LocalHttpClient(base))
    results = []
    for client, sync in ((local, in_process), (remote, served)):
        items = client.sync.v1.services("default").sync_maps
        name = f"m{len(sync.services('default').sync_maps.list())}"
        items.create(unique_name=name)
        map_items = items(name).sync_map_items
        made = map_items.create(key=key, data={"v": 1})
        fetched = map_items(key).fetch()
        assert (made.key, fetched.key) == (key, key)
        assert sync.services("default").sync_maps(name).sync_map_items(key).fetch().key == key
        item_path = made.url.rsplit("/Items/", 1)[1]  # the map's sid differs: one is fresh
        results.append((item_path, fetched.data, [i.key for i in map_items.list()]))
    assert results[0] == results[1]
