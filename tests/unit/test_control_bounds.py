"""What the control routes keep, and the threads their long polls hold, stay bounded
whatever clients send: the events heard (in bytes, not only in number), the snapshots,
and the polls that wait at once (sync_core.adapters.control)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import tracemalloc
from typing import Any

import pytest

from sync_core import ManualClock, Sync
from sync_core.adapters import control as control_module
from sync_core.adapters.asgi import make_app
from sync_core.adapters.control import Control


def test_the_events_heard_are_kept_as_json_about_their_own_size() -> None:
    # 16 KiB of data whose decoded form is fifty times larger (an empty object is 64
    # bytes as a dict, 3 as JSON): kept as text, 30 updates hold about 1 MB, not 24.
    sync = Sync(clock=ManualClock(), seed=1)
    control = Control(sync, "/_c")
    docs = sync.services("default").documents
    docs.create(unique_name="d")
    data: dict[str, object] = {"a": [{}] * 5_000}
    tracemalloc.start()
    try:
        for _ in range(30):
            docs("d").update(data=data)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 5_000_000
    heard = control.handle("GET", "/_c/events", {"after": "30"}, b"").json()
    assert [(e["id"], e["type"]) for e in heard["events"]] == [(31, "document_updated")]
    assert heard["events"][0]["data"] == data
    assert heard["last_id"] == 31


def test_the_events_heard_keep_the_newest_within_their_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(control_module, "EVENT_LOG_BYTES", 6_000)
    sync = Sync(clock=ManualClock(), seed=1)
    control = Control(sync, "/_c")
    docs = sync.services("default").documents
    for n in range(10):
        docs.create(data={"n": n, "pad": "x" * 1_000})
    heard = control.handle("GET", "/_c/events", {}, b"").json()
    ids = [event["id"] for event in heard["events"]]
    assert 1 <= len(ids) < 10
    assert ids == list(range(11 - len(ids), 11))  # the newest, in order
    assert [event["data"]["n"] for event in heard["events"]] == [i - 1 for i in ids]
    assert heard["last_id"] == 10
    assert control.handle("DELETE", "/_c/events", {}, b"").json() == {"cleared": len(ids)}
    docs.create(data={"n": 10})
    assert [e["id"] for e in control.handle("GET", "/_c/events", {}, b"").json()["events"]] == [11]


def test_an_app_keeps_at_most_max_snapshots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(control_module, "MAX_SNAPSHOTS", 3)
    sync = Sync(clock=ManualClock(), seed=1)
    control = Control(sync, "/_c")
    for n in range(1, 4):
        assert control.handle("POST", "/_c/snapshots", {}, b"").json()["id"] == str(n)
    before = sync.export_state()
    refused = control.handle("POST", "/_c/snapshots", {}, b"")
    assert refused.status == 409
    assert "DELETE /_c/snapshots/<id>" in refused.json()["message"]
    assert sync.export_state() == before
    assert control.handle("DELETE", "/_c/snapshots/2", {}, b"").status == 200
    assert control.handle("POST", "/_c/snapshots", {}, b"").json()["id"] == "4"
    assert control.handle("POST", "/_c/snapshots/1/restore", {}, b"").status == 200


def _followers(sync: Sync, count: int) -> None:
    """Wait (5 s at most) until ``count`` followers of the feed wait in ``sync``."""
    for _ in range(500):
        if sync._engine.followers == count:
            return
        time.sleep(0.01)
    raise AssertionError(f"{sync._engine.followers} followers wait, not {count}")


def test_at_most_max_waiting_polls_wait_at_once_the_others_answer_at_once() -> None:
    assert control_module.MAX_WAITING_POLLS == 2
    sync = Sync(clock=ManualClock(), seed=1)
    control = Control(sync, "/_c")
    sid = sync.services.create().sid
    answers: list[dict[str, Any]] = []

    def poll(after: str) -> None:
        answer = control.handle("GET", f"/_c/changes/{sid}", {"after": after, "wait": "30"}, b"")
        answers.append(answer.json())

    waiting = [threading.Thread(target=poll, args=("0",), daemon=True) for _ in range(2)]
    for thread in waiting:
        thread.start()
    _followers(sync, 2)  # both wait
    # A third poll finds no place left: it answers at once with what there is (nothing).
    third = control.handle("GET", f"/_c/changes/{sid}", {"wait": "30"}, b"")
    assert third.json() == {"changes": [], "last": 0}
    assert all(thread.is_alive() for thread in waiting)  # still waiting, as asked
    sync.services(sid).documents.create(unique_name="d")  # wakes them
    for thread in waiting:
        thread.join(10)
    assert not any(thread.is_alive() for thread in waiting)
    assert [[c["object_unique_name"] for c in a["changes"]] for a in answers] == [["d"], ["d"]]
    # Their places are free again: a poll waits (and is woken) once more.
    later = threading.Thread(target=poll, args=("1",), daemon=True)
    later.start()
    _followers(sync, 1)
    sync.services(sid).documents.create(unique_name="e")
    later.join(10)
    assert not later.is_alive()
    assert [c["object_unique_name"] for c in answers[-1]["changes"]] == ["e"]
    control.close()


def test_snapshots_taken_at_once_never_pass_max_snapshots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(control_module, "MAX_SNAPSHOTS", 3)
    sync = Sync(clock=ManualClock(), seed=1)
    control = Control(sync, "/_c")
    for _ in range(2):
        assert control.handle("POST", "/_c/snapshots", {}, b"").status == 201
    taking = sync.snapshot

    def slow() -> Any:  # every request is past the check while the first is taken
        time.sleep(0.05)
        return taking()

    monkeypatch.setattr(sync, "snapshot", slow)
    start = threading.Barrier(8)
    statuses: list[int] = []

    def take() -> None:
        start.wait(5)
        statuses.append(control.handle("POST", "/_c/snapshots", {}, b"").status)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(statuses) == [201] + [409] * 7


async def _asgi_poll(app: Any, sid: str, leaves: asyncio.Event | None = None) -> Any:
    """A ``GET /_c/changes/<sid>?wait=30`` to the ASGI app ``app``, as a server sends it:
    the (empty) body, then nothing until the client leaves (``leaves``) or never; the
    answer's JSON."""
    sent: list[dict[str, Any]] = []
    read = False

    async def receive() -> dict[str, Any]:
        nonlocal read
        if not read:
            read = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await (asyncio.Event() if leaves is None else leaves).wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": f"/_c/changes/{sid}",
        "raw_path": f"/_c/changes/{sid}".encode(),
        "query_string": b"wait=30",
        "headers": [],
    }
    await app(scope, receive, send)
    return json.loads(b"".join(m.get("body", b"") for m in sent[1:]) or b"null")


async def _waiting(sync: Sync, count: int) -> None:
    """Wait (5 s at most) until ``count`` followers of the feed wait in ``sync``."""
    for _ in range(500):
        if sync._engine.followers == count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{sync._engine.followers} followers wait, not {count}")


def test_under_asgi_a_poll_whose_client_went_away_frees_its_place() -> None:
    sync = Sync(clock=ManualClock(), seed=1)
    sid = sync.services.create().sid
    app = make_app(sync, control_prefix="/_c")

    async def scenario() -> Any:
        leaves = asyncio.Event()
        gone = [asyncio.ensure_future(_asgi_poll(app, sid, leaves)) for _ in range(2)]
        await _waiting(sync, 2)  # both places taken
        leaves.set()  # both clients go away
        await asyncio.wait_for(asyncio.gather(*gone), 5)  # their polls end within a slice
        await _waiting(sync, 0)
        stays = asyncio.ensure_future(_asgi_poll(app, sid))
        await _waiting(sync, 1)  # a place was free: this one waits, as asked
        sync.services(sid).documents.create(unique_name="d")
        return await asyncio.wait_for(stays, 5)

    answer = asyncio.run(scenario())
    assert [change["object_unique_name"] for change in answer["changes"]] == ["d"]


def test_under_asgi_a_poll_waits_for_a_write_while_its_client_stays() -> None:
    # The project's own ASGI client, as a server: after the body, nothing until the
    # answer. The poll waits as asked (in slices) and a write wakes it.
    from app_client import AsgiClient

    sync = Sync(clock=ManualClock(), seed=1)
    sid = sync.services.create().sid
    client = AsgiClient(make_app(sync, control_prefix="/_c"))
    answers: list[Any] = []
    poller = threading.Thread(
        target=lambda: answers.append(
            client.request("GET", f"/_c/changes/{sid}", query="wait=30").json()
        )
    )
    poller.start()
    _followers(sync, 1)
    time.sleep(2 * control_module.POLL_SLICE)  # past a slice or two: still waiting
    assert poller.is_alive()
    sync.services(sid).documents.create(unique_name="d")
    poller.join(10)
    assert [change["object_unique_name"] for change in answers[0]["changes"]] == ["d"]


def test_under_asgi_a_cancelled_poll_frees_its_place() -> None:
    sync = Sync(clock=ManualClock(), seed=1)
    sid = sync.services.create().sid
    app = make_app(sync, control_prefix="/_c")

    async def scenario() -> None:
        polls = [asyncio.ensure_future(_asgi_poll(app, sid)) for _ in range(2)]
        await _waiting(sync, 2)
        for task in polls:
            task.cancel()  # a server's shutdown, a timeout middleware
        await _waiting(sync, 0)  # their threads end within a slice

    asyncio.run(scenario())


def test_a_reset_forgets_the_old_states_events_alone() -> None:
    """The control route's reset forgets the events of the state it replaced, not those
    another client's write committed on the new state meanwhile (delivered before the
    reset returns: it waits for the delivery under way)."""
    sync = Sync(clock=ManualClock(), seed=1)
    control = Control(sync, "/_c")

    def docs() -> Any:
        return sync.services("default").documents

    docs().create(unique_name="old")
    hold, held = threading.Event(), threading.Event()

    def slow(event: Any) -> None:  # another subscriber, slow on one event of the old state
        if event.object_unique_name == "old" and event.type == "document_updated":
            held.set()
            hold.wait(10)

    sync.subscribe(slow)
    old = threading.Thread(target=lambda: docs()("old").update(data={"x": 1}))
    old.start()
    assert held.wait(10)
    answers: list[Any] = []
    resetting = threading.Thread(
        target=lambda: answers.append(control.handle("POST", "/_c/reset", {}, b"{}"))
    )
    resetting.start()
    while sync._engine.replacements == 0:
        time.sleep(0.001)
    new = threading.Thread(target=lambda: docs().create(unique_name="new"))
    new.start()
    time.sleep(0.05)
    hold.set()
    for thread in (old, new, resetting):
        thread.join(10)
    assert [a.status for a in answers] == [200]
    heard = control.handle("GET", "/_c/events", {}, b"").json()["events"]
    assert [(e["type"], e["object_unique_name"]) for e in heard] == [("document_created", "new")]
