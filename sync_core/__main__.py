"""``python -m sync_core``: a short printed tour of what sync_core does, end to end.

It runs on the in-memory default with a manual clock and seeded SIDs, so it prints the
same thing every time.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from . import DocumentRecord, ManualClock, Page, SyncError, SyncEvent, __version__
from .sync import Sync


def _show(label: str, value: object) -> None:
    print(f"  {label}: {value}")


def _print_event(event: SyncEvent) -> None:
    place = event.item_key if event.item_key is not None else event.item_index
    what = f"{event.type}" + ("" if place is None else f" [{place!r}]")
    if event.data is not None:
        what += f": {event.data}"
    elif event.previous_data is not None:
        what += f"{' (expired)' if event.expired else ''}: was {event.previous_data}"
    if event.identity != "system":
        what += f" (by {event.identity})"
    _show(f"event {event.sequence}", what)


def tour() -> None:
    """Print a tour of every part of sync_core, the same every time."""
    clock = ManualClock()
    posted: list[str] = []  # what a server would POST to the service's webhook_url
    sync = Sync(
        clock=clock, seed=2024, webhook_sink=lambda url, params: posted.append(params["EventType"])
    )
    print(
        f"sync_core {__version__}: Twilio Sync in-process (clock at {clock.now():%Y-%m-%d %H:%M}Z)"
    )

    print("\n1. A service")
    svc = sync.services.create(friendly_name="chat", acl_enabled=False)
    _show("created", f"{svc.sid} {svc.friendly_name!r}")
    _show("default service", sync.services("default").fetch().friendly_name)

    print("\n2. A document, with revisions and If-Match")
    docs = sync.services(svc.sid).documents
    doc = docs.create(unique_name="prefs", data={"theme": "dark"}, ttl=3600)
    _show("created", f"{doc.sid} revision {doc.revision} data {doc.data}")
    doc = docs("prefs").update(data={"theme": "light"}, if_match=doc.revision)
    _show("updated", f"revision {doc.revision} data {doc.data}")
    try:
        docs("prefs").update(data={"theme": "blue"}, if_match="0")
    except SyncError as err:
        _show("stale If-Match", f"{err.status} {err.code} {err.message}")

    print("\n3. Twilio's limits, as Twilio's errors")
    attempts: list[tuple[str, Callable[[], object]]] = [
        ("16,385-byte data", lambda: docs.create(data={"x": "y" * 16_377})),
        ("SID-shaped unique name", lambda: docs.create(unique_name="ET" + "a" * 32)),
        ("TTL over one year", lambda: docs.create(ttl=31_536_001)),
        ("taken unique name", lambda: docs.create(unique_name="prefs")),
    ]
    for label, attempt in attempts:
        try:
            attempt()
        except SyncError as err:
            _show(label, f"{err.status} {err.code} {err.message}")
    _show(
        "16,384-byte data", f"accepted, revision {docs.create(data={'x': 'y' * 16_376}).revision}"
    )

    print("\n4. The REST JSON of a record")
    print("  " + json.dumps(docs("prefs").fetch().to_dict(), indent=2).replace("\n", "\n  "))

    print("\n5. Cursor paging")
    for n in range(7):
        docs.create(unique_name=f"note-{n}")
    page: Page[DocumentRecord] | None = docs.page(page_size=4)
    while page is not None:
        _show(f"page {page.page_number}", [d.unique_name or d.sid[:8] for d in page])
        page = page.next_page()

    print("\n6. A Map: items under keys, in key order, with From/Bounds/Order")
    maps = sync.services(svc.sid).sync_maps
    maps.create(unique_name="scores")
    scores = maps("scores").sync_map_items
    for key, points in [("carol", 7), ("alice", 9), ("bob", 3), ("dave", 5)]:
        scores.create(key=key, data={"points": points})
    _show("asc", [item.key for item in scores.list()])
    _show("desc from 'c'", [item.key for item in scores.list(order="desc", from_="c")])
    try:
        scores.create(key="bob", data={})
    except SyncError as err:
        _show("taken key", f"{err.status} {err.code} {err.message}")
    scores("bob").update(data={"points": 4}, if_match="0")
    _show("map revision after 4 adds and 1 update", maps("scores").fetch().revision)

    print("\n7. A List: appended items, indexes never reused")
    lists = sync.services(svc.sid).sync_lists
    lists.create(unique_name="queue")
    queue = lists("queue").sync_list_items
    indexes = [queue.create(data={"job": n}).index for n in range(3)]
    queue(indexes[-1]).delete()
    _show("appended", f"{indexes}, removed {indexes[-1]}, next {queue.create(data={}).index}")
    queue.create(data={"job": "soon gone"}, item_ttl=60)
    _show("items", [item.index for item in queue.list()])

    print("\n8. Every change is an event: subscriptions, streams, webhooks")
    sync.services(svc.sid).update(
        webhook_url="https://example.com/hook", webhooks_from_rest_enabled=True
    )
    watched = sync.services(svc.sid).subscribe(_print_event)
    scores("alice").update(data={"points": 10})
    streams = sync.services(svc.sid).sync_streams
    streams.create(unique_name="cursor")
    streams("cursor").stream_messages.create(data={"x": 4, "y": 2})
    _show("webhook sink got", posted)

    print("\n9. Client identities and permissions (ACL)")
    sync.services(svc.sid).update(acl_enabled=True)
    alice = sync.services(svc.sid).for_identity("alice")
    try:
        alice.sync_maps("scores").sync_map_items("alice").update(data={"points": 99})
    except SyncError as err:
        _show("alice writes without permission", f"{err.status} {err.code} {err.message}")
    maps("scores").sync_map_permissions("alice").update(read=True, write=True, manage=False)
    item = alice.sync_maps("scores").sync_map_items("alice").update(data={"points": 11})
    _show("with read and write", f"revision {item.revision}, data {item.data}")
    try:
        alice.sync_maps("scores").delete()
    except SyncError as err:
        _show("alice deletes without manage", f"{err.status} {err.code} {err.message}")
    sync.services(svc.sid).update(acl_enabled=False)

    print("\n10. Expiry by the injected clock, announced")
    clock.advance(60)
    _show("after 60 s, the item with item_ttl=60", [item.index for item in queue.list()])
    clock.advance(3539)
    _show("after 3,599 s, the document with ttl=3600, revision", docs("prefs").fetch().revision)
    clock.advance(1)
    try:
        docs("prefs").fetch()
    except SyncError as err:
        _show("after 3,600 s", f"{err.status} {err.message}")
    watched.unsubscribe()
    print("\nDone. Tests: pip install -e '.[test]' && python -m pytest")


if __name__ == "__main__":
    tour()
