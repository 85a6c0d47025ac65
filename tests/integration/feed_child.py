"""A child of tests/integration/test_change_feed_processes.py: one process on a shared store.

``python tests/integration/feed_child.py ROLE STORE SERVICE [N]`` opens ``STORE``
(``sqlite:<path>``, or ``postgres:<schema>:<dsn>``) with a ``Sync`` of its own, then:

- ``writer W N``: ``N`` rounds of changes: Document ``w<W>`` updated to ``{"w": W,
  "i": i}``, an item ``{"w": W, "i": i}`` appended to List ``jobs``, Map item
  ``w<W>-<i>`` created in Map ``m``; prints ``{"written": <events>}``;
- ``follower N``: follows the feed of ``SERVICE`` from the start, with ``wait``, until it
  has ``N`` events (or 120 s pass); prints each event's ``to_dict()`` on a line, then
  ``{"end": true}``;
- ``late``: reads the feed from the start with a retention of the last 10 events;
  prints ``{"gone": oldest, "latest": latest}`` if told it fell behind, else the count.

The child makes no network call beyond the database's own socket.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from sync_core import ChangeRetention, ChangesGoneError, Storage, Sync


def open_store(spec: str) -> Storage:
    kind, _, rest = spec.partition(":")
    if kind == "sqlite":
        from sync_core import SqliteStorage

        return SqliteStorage(rest, synchronous="OFF")
    schema, _, dsn = rest.partition(":")
    from sync_core.storage.postgres import PostgresStorage

    return PostgresStorage(dsn, schema=schema)


def emit(line: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def writer(sync: Sync, service: str, worker: int, rounds: int) -> None:
    home = sync.services(service)
    home.documents.create(unique_name=f"w{worker}", data={"w": worker, "i": -1})
    written = 1
    for i in range(rounds):
        home.documents(f"w{worker}").update(data={"w": worker, "i": i})
        home.sync_lists("jobs").sync_list_items.create(data={"w": worker, "i": i})
        home.sync_maps("m").sync_map_items.create(key=f"w{worker}-{i}", data={"w": worker})
        written += 3
    emit({"written": written})


def follower(sync: Sync, service: str, expected: int) -> None:
    after, got = 0, 0
    deadline = time.monotonic() + 120
    while got < expected and time.monotonic() < deadline:
        for event in sync.changes(service, after=after, limit=50, wait=2):
            emit(event.to_dict())
            after = event.sequence
            got += 1
    emit({"end": True})


def late(sync: Sync, service: str) -> None:
    try:
        emit({"count": len(sync.changes(service, after=0, limit=1000))})
    except ChangesGoneError as gone:
        emit({"gone": gone.oldest, "latest": gone.latest})


def main() -> None:
    role, spec, service = sys.argv[1:4]
    retention = ChangeRetention(age=None, count=10) if role == "late" else ChangeRetention()
    storage = open_store(spec)
    sync = Sync(storage=storage, change_retention=retention)
    try:
        if role == "writer":
            writer(sync, service, int(sys.argv[4]), int(sys.argv[5]))
        elif role == "follower":
            follower(sync, service, int(sys.argv[4]))
        else:
            late(sync, service)
    finally:
        storage.close()


if __name__ == "__main__":
    main()
