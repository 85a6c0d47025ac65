"""The child of tests/integration/test_crash_safety.py: acknowledged writes until it is killed.

``python tests/integration/crash_child.py DB SYNCHRONOUS SEED FIRST_N`` opens ``DB`` (set up by the
test: a Document ``d0``, a Map ``m`` and a List ``l`` in the default service) and loops
forever over a random mix of writes. Around each call it prints one JSON line, flushed:

- ``{"ev": "op", ...}`` just before the call: what it is about to do (the intent);
- ``{"ev": "ack", ...}`` just after the call returned: the effect, as returned;
- ``{"ev": "tx", "sql": "BEGIN"}`` (or ``COMMIT``, ``ROLLBACK``) as SQLite starts
  running that statement (a trace callback on the storage's connection), to tell
  where in a call a kill landed.

So the test knows every acknowledged write, and the one write (at most) that may have
committed without its acknowledgement reaching the pipe. Every ``data`` is
``{"n": n}`` with ``n`` counting up from ``FIRST_N``, unique across rounds. The child
refuses every network connection (sync_core makes none; this makes sure).
"""

from __future__ import annotations

import json
import random
import socket
import sys
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

#: The keys the Map's items use: few, so that items are created, updated, deleted and
#: created again under the same key.
MAP_KEYS = [f"k{n}" for n in range(8)]
#: The identities whose permissions the child sets, and on which objects.
IDENTITIES = ["u0", "u1", "u2"]
PERMISSION_TARGETS = ["doc", "map", "list"]
#: The writes, each as often as it appears here.
WRITES = [
    *["doc_create", "doc_update", "doc_update"],
    *["map_set", "map_set", "map_delete"],
    *["list_append", "list_append", "list_update", "list_delete"],
    *["perm_update", "perm_delete"],
]
#: Bounds that keep the store small however many rounds run.
MAX_DOCS = 12
MAX_LIST_ITEMS = 25


def _no_network(*args: object, **kwargs: object) -> NoReturn:
    raise OSError("crash_child: no network connections")


def _forbid_network() -> None:
    socket.socket.connect = _no_network  # type: ignore[method-assign]
    socket.socket.connect_ex = _no_network  # type: ignore[method-assign]
    socket.create_connection = _no_network
    socket.getaddrinfo = _no_network


def _say(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"ev": event, **fields}) + "\n")
    sys.stdout.flush()


def _trace(statement: str) -> None:
    if statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
        _say("tx", sql=statement.split()[0])


def main(db: str, synchronous: Any, seed: int, first_n: int) -> NoReturn:
    _forbid_network()
    from sync_core import ManualClock, PermissionList, SqliteStorage, Sync

    start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=seed)
    storage = SqliteStorage(db, synchronous=synchronous)
    # Where in a call the kill lands: say when each transaction begins and commits.
    storage._db.set_trace_callback(_trace)
    sync = Sync(
        storage=storage,
        clock=ManualClock(start=start),
        seed=seed,
    )
    svc = sync.services("default")
    docs = svc.documents
    map_items = svc.sync_maps("m").sync_map_items
    list_items = svc.sync_lists("l").sync_list_items
    permissions: dict[str, PermissionList[Any]] = {
        "doc": docs("d0").document_permissions,
        "map": svc.sync_maps("m").sync_map_permissions,
        "list": svc.sync_lists("l").sync_list_permissions,
    }
    # What is in the store now (the child is its only writer while it runs).
    doc_sids = [doc.sid for doc in docs.list()]
    keys = {item.key for item in map_items.list()}
    indexes = [item.index for item in list_items.list()]
    perms = {
        (target, perm.identity)
        for target, listing in permissions.items()
        for perm in listing.list()
    }
    rng = random.Random(seed)
    n = first_n
    _say("ready", docs=len(doc_sids), keys=len(keys), items=len(indexes), perms=len(perms))
    while True:
        n += 1
        data = {"n": n}
        kind = rng.choice(WRITES)
        if kind == "doc_create" and len(doc_sids) >= MAX_DOCS:
            kind = "doc_update"
        if kind == "map_delete" and not keys:
            kind = "map_set"
        if kind in ("list_update", "list_delete") and not indexes:
            kind = "list_append"
        if kind == "list_append" and len(indexes) >= MAX_LIST_ITEMS:
            kind = "list_delete"

        if kind == "doc_create":
            _say("op", kind=kind, data=data)
            doc = docs.create(data=data)
            doc_sids.append(doc.sid)
            _say("ack", kind=kind, sid=doc.sid, rev=int(doc.revision), data=doc.data)
        elif kind == "doc_update":
            sid = rng.choice(doc_sids)
            _say("op", kind=kind, sid=sid, data=data)
            doc = docs(sid).update(data=data)
            _say("ack", kind=kind, sid=doc.sid, rev=int(doc.revision), data=doc.data)
        elif kind == "map_set":
            key = rng.choice(MAP_KEYS)
            _say("op", kind=kind, key=key, data=data)
            if key in keys:
                item = map_items(key).update(data=data)
            else:
                item = map_items.create(key=key, data=data)
                keys.add(key)
            _say("ack", kind=kind, key=item.key, rev=int(item.revision), data=item.data)
        elif kind == "map_delete":
            key = rng.choice(sorted(keys))
            _say("op", kind=kind, key=key)
            assert map_items(key).delete() is True
            keys.discard(key)
            _say("ack", kind=kind, key=key)
        elif kind == "list_append":
            _say("op", kind=kind, data=data)
            entry = list_items.create(data=data)
            indexes.append(entry.index)
            _say("ack", kind=kind, index=entry.index, rev=int(entry.revision), data=entry.data)
        elif kind == "list_update":
            index = rng.choice(indexes)
            _say("op", kind=kind, index=index, data=data)
            entry = list_items(index).update(data=data)
            _say("ack", kind=kind, index=entry.index, rev=int(entry.revision), data=entry.data)
        elif kind == "list_delete":
            index = rng.choice(indexes)
            _say("op", kind=kind, index=index)
            assert list_items(index).delete() is True
            indexes.remove(index)
            _say("ack", kind=kind, index=index)
        else:
            target = rng.choice(PERMISSION_TARGETS)
            identity = rng.choice(IDENTITIES)
            if kind == "perm_delete" and (target, identity) not in perms:
                kind = "perm_update"
            if kind == "perm_update":
                flags = [rng.random() < 0.5 for _ in range(3)]
                _say("op", kind=kind, target=target, identity=identity, flags=flags)
                perm = permissions[target](identity).update(
                    read=flags[0], write=flags[1], manage=flags[2]
                )
                got = [perm.read, perm.write, perm.manage]
                perms.add((target, identity))
                _say("ack", kind=kind, target=target, identity=perm.identity, flags=got)
            else:
                _say("op", kind=kind, target=target, identity=identity)
                perms.discard((target, identity))
                assert permissions[target](identity).delete() is True
                _say("ack", kind=kind, target=target, identity=identity)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
