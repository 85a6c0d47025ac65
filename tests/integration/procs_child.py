"""A child of tests/integration/test_many_processes.py (one process on a shared SQLite file)
and of test_postgres_processes.py (one process on a shared PostgreSQL schema).

``python tests/integration/procs_child.py`` reads one JSON command a line on stdin and
answers each with one JSON line on stdout, until stdin closes. Each child keeps its own
``ManualClock`` (the test moves every child's clock by the same step, so that time is
deterministic) and hears its own events (a subscription records every removal it
announces). Commands:

- ``{"cmd": "open", "path": P, "at": T}``: at wall-clock time ``T`` (so that several
  children open at the same instant), open ``P`` (``SqliteStorage``,
  ``synchronous=OFF``) and a ``Sync`` on it; ``{"cmd": "open", "dsn": D, "schema": S,
  "at": T}`` opens schema ``S`` of PostgreSQL database ``D`` (``PostgresStorage``)
  instead; ``{"cmd": "close"}`` closes it;
- ``{"cmd": "advance", "seconds": S}``: move this child's clock;
- ``{"cmd": "call", "op": NAME, ...}``: one call of the public API (see ``CALLS``),
  answered ``{"status": 200, ...}`` or the ``SyncError``'s status and code;
- ``{"cmd": "increments", "name": N, "count": K, "at": T}``: from ``T``, ``K``
  successful increments of Document ``N``'s ``{"n": ...}``, each a fetch then an
  update with ``if_match`` the fetched revision, again after each 412;
- ``{"cmd": "appends", "list": L, "count": K, "worker": W, "at": T}``: from ``T``,
  ``K`` items appended to List ``L``, ``{"w": W, "i": i}``; answers their indexes;
- ``{"cmd": "creates", "names": [N, ...], "at": T}``: from ``T``, a Document created
  under each name; answers each one's status (200, or the refusal's) and code;
- ``{"cmd": "removals"}``: the removals this child announced: type, the object's unique
  name, the item's key and index (None for an object), and whether it expired.

Any other failure is answered ``{"error": repr}``. The child makes no network call.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from collections.abc import Callable
from typing import Any, NoReturn

from sync_core import (
    ManualClock,
    PostgresStorage,
    SqliteStorage,
    Storage,
    Sync,
    SyncError,
    SyncEvent,
)

Handler = Callable[[Sync, dict[str, Any]], dict[str, Any]]


def _no_network(*args: object, **kwargs: object) -> NoReturn:
    raise OSError("procs_child: no network connections")


def _forbid_network() -> None:
    socket.socket.connect = _no_network  # type: ignore[method-assign]
    socket.socket.connect_ex = _no_network  # type: ignore[method-assign]
    socket.create_connection = _no_network
    socket.getaddrinfo = _no_network


def _wait_until(at: float) -> None:
    """Sleep until wall-clock time ``at``, spinning for the last milliseconds."""
    while (left := at - time.time()) > 0.002:
        time.sleep(left - 0.002)
    while time.time() < at:
        pass


def _doc_create(sync: Sync, c: dict[str, Any]) -> dict[str, Any]:
    doc = sync.services("default").documents.create(
        unique_name=c["name"], data=c.get("data", {}), ttl=c.get("ttl")
    )
    return {"sid": doc.sid, "revision": doc.revision}


def _doc_fetch(sync: Sync, c: dict[str, Any]) -> dict[str, Any]:
    doc = sync.services("default").documents(c["name"]).fetch()
    return {"sid": doc.sid, "revision": doc.revision, "data": doc.data}


def _doc_update(sync: Sync, c: dict[str, Any]) -> dict[str, Any]:
    doc = sync.services("default").documents(c["name"]).update(data=c["data"])
    return {"revision": doc.revision}


def _doc_list(sync: Sync, c: dict[str, Any]) -> dict[str, Any]:
    return {"names": [d.unique_name for d in sync.services("default").documents.list()]}


def _map_create(sync: Sync, c: dict[str, Any]) -> dict[str, Any]:
    return {"sid": sync.services("default").sync_maps.create(unique_name=c["name"]).sid}


def _map_item_create(sync: Sync, c: dict[str, Any]) -> dict[str, Any]:
    items = sync.services("default").sync_maps(c["map"]).sync_map_items
    return {"key": items.create(key=c["key"], data={}, item_ttl=c.get("ttl")).key}


def _map_item_fetch(sync: Sync, c: dict[str, Any]) -> dict[str, Any]:
    item = sync.services("default").sync_maps(c["map"]).sync_map_items(c["key"]).fetch()
    return {"key": item.key}


def _map_items(sync: Sync, c: dict[str, Any]) -> dict[str, Any]:
    items = sync.services("default").sync_maps(c["map"]).sync_map_items
    return {"keys": [item.key for item in items.list()]}


def _list_create(sync: Sync, c: dict[str, Any]) -> dict[str, Any]:
    return {"sid": sync.services("default").sync_lists.create(unique_name=c["name"]).sid}


def _list_item_create(sync: Sync, c: dict[str, Any]) -> dict[str, Any]:
    items = sync.services("default").sync_lists(c["list"]).sync_list_items
    return {"index": items.create(data=c.get("data", {}), ttl=c.get("ttl")).index}


def _list_items(sync: Sync, c: dict[str, Any]) -> dict[str, Any]:
    items = sync.services("default").sync_lists(c["list"]).sync_list_items
    return {"items": [[item.index, item.data] for item in items.list()]}


def _list_fetch(sync: Sync, c: dict[str, Any]) -> dict[str, Any]:
    lst = sync.services("default").sync_lists(c["list"]).fetch()
    return {"revision": lst.revision}


#: The calls a ``{"cmd": "call"}`` may make, by ``op``.
CALLS: dict[str, Handler] = {
    "doc_create": _doc_create,
    "doc_fetch": _doc_fetch,
    "doc_update": _doc_update,
    "doc_list": _doc_list,
    "map_create": _map_create,
    "map_item_create": _map_item_create,
    "map_item_fetch": _map_item_fetch,
    "map_items": _map_items,
    "list_create": _list_create,
    "list_item_create": _list_item_create,
    "list_items": _list_items,
    "list_fetch": _list_fetch,
}


class Child:
    """One process's Sync on the shared file, and what it heard."""

    def __init__(self) -> None:
        self.clock = ManualClock()
        self.sync: Sync | None = None
        self.removals: list[list[Any]] = []

    def _heard(self, event: SyncEvent) -> None:
        if event.type.endswith("_removed"):
            where = [event.object_unique_name, event.item_key, event.item_index]
            self.removals.append([event.type, *where, event.expired])

    def open(self, c: dict[str, Any]) -> dict[str, Any]:
        _wait_until(c["at"])
        storage: Storage
        if "dsn" in c:
            storage = PostgresStorage(c["dsn"], schema=c["schema"])
        else:
            storage = SqliteStorage(c["path"], synchronous="OFF")
        self.sync = Sync(storage=storage, clock=self.clock)
        self.sync.subscribe(self._heard)
        return {}

    def increments(self, sync: Sync, c: dict[str, Any]) -> dict[str, Any]:
        doc = sync.services("default").documents(c["name"])
        _wait_until(c["at"])
        done = conflicts = 0
        while done < c["count"]:
            seen = doc.fetch()
            try:
                doc.update(data={"n": seen.data["n"] + 1}, if_match=seen.revision)
            except SyncError as refused:
                if refused.status != 412:
                    raise
                conflicts += 1
                continue
            done += 1
        return {"done": done, "conflicts": conflicts}

    def appends(self, sync: Sync, c: dict[str, Any]) -> dict[str, Any]:
        items = sync.services("default").sync_lists(c["list"]).sync_list_items
        _wait_until(c["at"])
        indexes = [items.create(data={"w": c["worker"], "i": i}).index for i in range(c["count"])]
        return {"indexes": indexes}

    def creates(self, sync: Sync, c: dict[str, Any]) -> dict[str, Any]:
        docs = sync.services("default").documents
        _wait_until(c["at"])
        answers: list[list[Any]] = []
        for name in c["names"]:
            try:
                docs.create(unique_name=name)
                answers.append([200, None])
            except SyncError as refused:
                answers.append([refused.status, refused.code])
        return {"answers": answers}

    def run(self, c: dict[str, Any]) -> dict[str, Any]:
        command = c["cmd"]
        if command == "open":
            return self.open(c)
        if command == "advance":
            self.clock.advance(c["seconds"])
            return {}
        if command == "removals":
            return {"removals": self.removals}
        sync = self.sync
        assert sync is not None, "open first"
        if command == "close":
            sync.storage.close()
            self.sync = None
            return {}
        if command == "increments":
            return self.increments(sync, c)
        if command == "appends":
            return self.appends(sync, c)
        if command == "creates":
            return self.creates(sync, c)
        assert command == "call", command
        try:
            return {"status": 200, **CALLS[c["op"]](sync, c)}
        except SyncError as error:
            return {"status": error.status, "code": error.code}


def main() -> None:
    _forbid_network()
    child = Child()
    for line in sys.stdin:
        try:
            answer = child.run(json.loads(line))
        except Exception as exc:  # answered: the test reports it
            answer = {"error": repr(exc)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
