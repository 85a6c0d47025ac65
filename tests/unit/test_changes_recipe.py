"""docs/changes.md's Python blocks run as written: the first one as it is, and the
websocket forwarding recipe driven by a fake websocket (catch-up, then live events,
no duplicate, in order)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from sync_core import ManualClock, Sync

DOC = Path(__file__).resolve().parents[2] / "docs" / "changes.md"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_first_example_runs(capsys: Any) -> None:
    exec(compile(blocks()[0], str(DOC), "exec"), {})
    assert "1 document_created {'theme': 'dark'}" in capsys.readouterr().out


class FakeWebsocket:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_json(self, message: dict[str, Any]) -> None:
        self.sent.append(message)


def test_the_websocket_recipe_forwards_every_change_once_in_order() -> None:
    recipe: dict[str, Any] = {}
    exec(compile(blocks()[1], str(DOC), "exec"), recipe)
    sync = Sync(clock=ManualClock(), seed=8)
    sid = sync.services.create().sid
    docs = sync.services(sid).documents
    docs.create(unique_name="d", data={"n": 0})  # 1: the client saw it already
    docs("d").update(data={"n": 1})  # 2: missed while it was away

    async def scenario() -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        broadcaster = recipe["Broadcaster"](sync, sid, 2, loop)
        socket = FakeWebsocket()
        client = asyncio.create_task(recipe["serve_client"](socket, broadcaster, 1))
        while not socket.sent:
            await asyncio.sleep(0.01)
        for n in range(2, 6):  # 3..6: live
            await asyncio.to_thread(docs("d").update, data={"n": n})
        for _ in range(1000):
            if len(socket.sent) >= 5:
                break
            await asyncio.sleep(0.01)
        client.cancel()
        return socket.sent

    sent = asyncio.run(scenario())
    assert [m["sequence"] for m in sent] == [2, 3, 4, 5, 6]
    assert [m["data"]["n"] for m in sent] == [1, 2, 3, 4, 5]


def test_the_websocket_recipe_catches_up_past_a_page_and_stops_when_the_service_goes() -> None:
    """A client that missed more than one page (1,000 events) gets them all before the
    live ones; a reset under the follower ends it with a ``gone`` message to clients."""
    recipe: dict[str, Any] = {}
    exec(compile(blocks()[1], str(DOC), "exec"), recipe)
    sync = Sync(clock=ManualClock(), seed=9)
    sid = sync.services.create().sid
    items = sync.services(sid).sync_maps.create().sync_map_items
    for n in range(1500):
        items.create(key=f"k{n}", data={})  # 2..1501, all missed by the client

    async def scenario() -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        broadcaster = recipe["Broadcaster"](sync, sid, 1501, loop)
        socket = FakeWebsocket()
        client = asyncio.create_task(recipe["serve_client"](socket, broadcaster, 0))
        for _ in range(1000):
            if len(socket.sent) >= 1501:
                break
            await asyncio.sleep(0.01)
        await asyncio.to_thread(items.create, key="live", data={})  # 1502
        await asyncio.to_thread(sync.reset)
        for _ in range(1000):
            if socket.sent and socket.sent[-1].get("type") == "gone":
                break
            await asyncio.sleep(0.01)
        client.cancel()
        return socket.sent

    sent = asyncio.run(scenario())
    assert [m["sequence"] for m in sent[:-1]] == list(range(1, 1503))
    assert sent[-1] == {"type": "gone"}


def test_the_websocket_recipe_after_a_rewind_resyncs_and_sends_the_new_events() -> None:
    """A restore rewinds the feed under a client that saw everything (6): it is told to
    resync, and then gets the new events, numbered 2, 3, 4 again."""
    recipe: dict[str, Any] = {}
    exec(compile(blocks()[1], str(DOC), "exec"), recipe)
    sync = Sync(clock=ManualClock(), seed=3)
    sid = sync.services.create().sid
    docs = sync.services(sid).documents
    docs.create(unique_name="d", data={"n": 0})  # 1
    snapshot = sync.snapshot()  # the feed at 1
    for n in range(1, 5):
        docs("d").update(data={"n": n})  # 2..5

    async def until(done: Any) -> None:
        for _ in range(1000):
            if done():
                return
            await asyncio.sleep(0.01)

    async def scenario() -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        broadcaster = recipe["Broadcaster"](sync, sid, 5, loop)
        socket = FakeWebsocket()
        client = asyncio.create_task(recipe["serve_client"](socket, broadcaster, 5))
        await asyncio.to_thread(docs("d").update, data={"n": 5})  # 6: live
        await until(lambda: len(socket.sent) >= 1)
        await asyncio.to_thread(sync.restore, snapshot)  # the feed rewound to 1
        await until(lambda: any(m.get("type") == "resync" for m in socket.sent))
        for n in (100, 101, 102):  # 2, 3, 4 again
            await asyncio.to_thread(docs("d").update, data={"n": n})
        await until(lambda: len(socket.sent) >= 5)
        client.cancel()
        return socket.sent

    sent = asyncio.run(scenario())
    assert [m.get("sequence") for m in sent] == [6, None, 2, 3, 4]
    assert sent[1]["type"] == "resync"
    assert [m["data"]["n"] for m in sent[2:]] == [100, 101, 102]
