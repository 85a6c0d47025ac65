"""What only Lists do: their items' indexes (0, 1, 2... in order, never given twice) and the
length limit of 1,000,000 items (reached here with ``Sync(limits=Limits(list_items=3))``).

What Lists do as Maps do is in tests/unit/test_collections.py, and as every kind does in
tests/unit/test_objects.py. Each refusal is checked three ways: the error, that nothing
changed and that nothing was announced (``Home.unchanged``).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from kinds import LIST, Home, Kind, home_of
from support import (
    BAD_DATA,
    BASE,
    INVALID,
    NULL_DATA,
    TOO_LARGE,
    TTL,
    not_found,
    payload,
    refused,
)

import sync_core.limits
from sync_core import Limits, ManualClock, Storage, Sync, SyncListItemRecord


@pytest.fixture
def kind() -> Kind:
    return LIST


def indexes(records: list[SyncListItemRecord]) -> list[int]:
    return [record.index for record in records]


# -- indexes --------------------------------------------------------------------------


def test_items_get_indexes_0_1_2_in_order(box: Home) -> None:
    items = box.items()

    created = [items.create(data={"n": n}) for n in range(5)]

    assert indexes(created) == [0, 1, 2, 3, 4]
    assert items.list() == created
    for n, item in enumerate(created):
        assert items(n).fetch() == item
    assert box.objects("box").fetch().revision == "5"


def test_indexes_are_never_reused_after_a_delete(box: Home) -> None:
    items = box.items()
    for n in range(4):
        items.create(data={"n": n})

    assert items(3).delete() is True  # the last one
    assert items(1).delete() is True  # a middle one
    fresh = items.create(data={"n": "fresh"})
    assert fresh.index == 4
    assert indexes(items.list()) == [0, 2, 4]

    for index in (0, 2, 4):
        items(index).delete()
    assert items.list() == []
    assert items.create(data={}).index == 5  # even when the List is empty
    assert indexes(items.list()) == [5]


def test_indexes_are_never_reused_after_an_expiry(box: Home) -> None:
    items = box.items()
    items.create(data={"n": 0})
    items.create(data={"n": 1}, item_ttl=10)
    box.clock.advance(10)

    assert indexes(items.list()) == [0]
    assert items.create(data={"n": 2}).index == 2
    assert indexes(items.list()) == [0, 2]


def test_indexes_are_per_list(home: Home) -> None:
    home.objects.create(unique_name="one")
    home.objects.create(unique_name="two")

    for _ in range(3):
        home.items("one").create(data={})

    assert home.items("two").create(data={}).index == 0
    assert home.items("one").create(data={}).index == 3


@pytest.mark.parametrize("gone", ["deleted", "expired"])
def test_a_new_list_under_an_old_name_starts_at_index_0(box: Home, gone: str) -> None:
    box.objects.create(unique_name="old", collection_ttl=10)
    for _ in range(3):
        box.items("old").create(data={})

    if gone == "deleted":
        box.objects("old").delete()
    else:
        box.clock.advance(10)
    box.objects.create(unique_name="old")

    assert box.items("old").create(data={}).index == 0


@pytest.mark.parametrize(
    ("given", "index"),
    [(2, 2), ("2", 2), ("0", 0), (" 2 ", 2), ("+2", 2)],
    ids=["int", "text", "text-zero", "spaces", "plus"],
)
def test_an_index_given_as_decimal_text_works(box: Home, given: object, index: int) -> None:
    record = box.objects("box").fetch()
    items = box.items()
    for n in range(3):
        items.create(data={"n": n})

    assert items(given).fetch() == items(index).fetch()
    box.clock.advance(1)
    updated = items(given).update(data={"changed": True})
    assert (updated.index, updated.revision, updated.data) == (index, "1", {"changed": True})
    assert updated.url == f"{BASE}/Services/{box.service}/Lists/{record.sid}/Items/{index}"
    assert items(given).delete() is True
    assert index not in indexes(items.list())
    message = not_found(box.path("box", "Items", index))
    refused(items(str(index)).delete, 404, 20404, message)


# -- the length limit -----------------------------------------------------------------


@pytest.fixture
def small(clock: ManualClock, sync_seed: int, sync_storage: Storage) -> Iterator[Home]:
    """``box``, a List of a Sync whose Lists hold at most 3 items (instead of 1,000,000)."""
    sync = Sync(clock=clock, seed=sync_seed, storage=sync_storage, limits=Limits(list_items=3))
    home = home_of(sync, clock, LIST)
    home.objects.create(unique_name="box")
    yield home
    sync._check()
    sync_storage.close()


@pytest.fixture
def full(small: Home) -> Home:
    """``small`` with its List full: items 0, 1 and 2, 3 at most."""
    for n in range(3):
        small.items().create(data={"n": n})
    return small


def test_the_real_limit_is_a_million_items(sync: Sync) -> None:
    assert sync_core.limits.MAX_LIST_ITEMS == 1_000_000
    assert sync.limits.list_items == Limits().list_items == 1_000_000


def test_a_full_list_refuses_a_create_with_20001_and_changes_nothing(full: Home) -> None:
    items = full.items()
    full.objects("box").update(collection_ttl=600)

    with full.unchanged():
        refused(partial(items.create, data={"n": 3}), 400, 20001, INVALID)
        refused(
            partial(items.create, data={"n": 3}, item_ttl=5, collection_ttl=5), 400, 20001, INVALID
        )

    assert indexes(items.list()) == [0, 1, 2]
    # Other Lists have their own room.
    full.objects.create(unique_name="other")
    assert full.items("other").create(data={}).index == 0


def test_a_full_list_takes_an_item_again_after_a_delete_at_the_next_index(full: Home) -> None:
    items = full.items()
    refused(partial(items.create, data={}), 400, 20001, INVALID)

    items(1).delete()
    full.clock.advance(5)
    fresh = items.create(data={"n": "fresh"})

    assert fresh.index == 3
    assert indexes(items.list()) == [0, 2, 3]
    assert full.objects("box").fetch().revision == "5"  # 3 added, 1 removed, 1 added
    refused(partial(items.create, data={}), 400, 20001, INVALID)

    items(0).delete()
    assert items.create(data={}).index == 4


def test_a_full_list_takes_an_item_again_after_an_expiry(small: Home) -> None:
    items = small.items()
    items.create(data={"n": 0})
    items.create(data={"n": 1}, item_ttl=10)
    items.create(data={"n": 2})
    small.clock.advance(9)
    refused(partial(items.create, data={}), 400, 20001, INVALID)

    small.clock.advance(1)

    assert items.create(data={}).index == 3
    assert indexes(items.list()) == [0, 2, 3]


@pytest.mark.parametrize("room", ["room", "full"])
def test_a_bad_create_is_refused_before_a_full_list_and_uses_up_no_index(
    small: Home, room: str
) -> None:
    items = small.items()
    for n in range(2 if room == "room" else 3):
        items.create(data={"n": n})

    with small.unchanged():
        refused(partial(items.create, data=None), 400, 54156, NULL_DATA)
        refused(partial(items.create, data=[1]), 400, 54008, BAD_DATA)
        refused(partial(items.create, data=payload(16_385, "x")), 413, 54006, TOO_LARGE)
        refused(partial(items.create, data={}, item_ttl=-1), 400, 54011, TTL)

    if room == "room":
        assert items.create(data={}).index == 2
