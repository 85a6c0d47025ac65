"""``python -m sync_core`` prints the tour, the same every time."""

from __future__ import annotations

import pytest

from sync_core.__main__ import tour


def test_the_tour_runs_and_is_reproducible(capsys: pytest.CaptureFixture[str]) -> None:
    tour()
    first = capsys.readouterr().out
    tour()
    assert capsys.readouterr().out == first
    for line in [
        "stale If-Match: 412 20412 The revision of the Document does not match",
        "16,385-byte data: 413 54006 Request entity too large",
        "asc: ['alice', 'bob', 'carol', 'dave']",
        "desc from 'c': ['bob', 'alice']",
        "taken key: 409 54208 An Item with given key already exists in the Map",
        "appended: [0, 1, 2], removed 2, next 3",
        "after 60 s, the item with item_ttl=60: [0, 1, 3]",
        "after 3,600 s: 404 The requested resource",
        "map_item_updated ['alice']: {'points': 10}",
        "stream_message_published: {'x': 4, 'y': 2}",
        "webhook sink got: ['map_item_updated', 'stream_created', 'stream_message_published']",
        "list_item_removed [4] (expired): was {'job': 'soon gone'}",
        "document_removed (expired): was {'theme': 'light'}",
        "alice writes without permission: 403 54007 Access forbidden for identity",
        "event 27: map_item_updated ['alice']: {'points': 11} (by alice)",
        "alice deletes without manage: 403 54007 Access forbidden for identity",
    ]:
        assert line in first
