"""Listing the items of Maps and Lists: order, from, bounds, paging, tokens, expiry.

Map Items are listed in Unicode code-point order of their keys (Python's ``str`` order),
List Items by index. ``order`` (asc/desc), ``from_`` (need not exist; in ``desc`` the
upper end) and ``bounds`` (inclusive/exclusive) fix a listing; its pages are cursors and
its page tokens remember those parameters.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from support import not_found, refused, walk

from sync_core import ManualClock, Sync
from sync_core.lists import SyncListItemList
from sync_core.maps import SyncMapItemList, SyncMapList

BAD_ORDER = "Invalid 'Order' query parameter"
BAD_BOUNDS = "Invalid 'Bounds' query parameter"
BAD_TOKEN = "Invalid 'PageToken' query parameter"
BAD_SIZE = "Invalid 'PageSize' query parameter"
BAD_KEY = "Invalid Map Item key"
BAD_INDEX = "Invalid List Item index"


def keys(records: object) -> list[str]:
    return [record.key for record in records]  # type: ignore[attr-defined]


def indexes(records: object) -> list[int]:
    return [record.index for record in records]  # type: ignore[attr-defined]


def new_map(sync: Sync, item_keys: list[str], name: str = "game") -> SyncMapItemList:
    """A Map of a fresh service holding ``item_keys`` (created in that order)."""
    maps = sync.services(sync.services.create().sid).sync_maps
    maps.create(unique_name=name)
    items = maps(name).sync_map_items
    for key in item_keys:
        items.create(key=key, data={"key": key})
    return items


def new_list(sync: Sync, count: int, removed: tuple[int, ...] = ()) -> SyncListItemList:
    """A List of a fresh service with items 0..count-1, less ``removed``."""
    lists = sync.services(sync.services.create().sid).sync_lists
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    for n in range(count):
        items.create(data={"n": n})
    for index in removed:
        items(index).delete()
    return items


LETTERS = ["a", "c", "e", "g", "i"]


# -- order ----------------------------------------------------------------------------


def test_map_items_are_listed_in_code_point_order_of_their_keys(sync: Sync) -> None:
    expected = [" ", "1", "B", "Z", "a", "a0", "ab", "b", "~", "é", "\ufb01", "😀"]
    created = ["b", "😀", "a", "é", "B", "\ufb01", "Z", "a0", "ab", "~", "1", " "]
    items = new_map(sync, created)

    assert keys(items.list()) == expected == sorted(created)
    assert keys(items.stream()) == expected
    assert keys(items.list(order="asc")) == expected
    assert keys(items.list(order="desc")) == expected[::-1]
    assert [record for page in walk(items.page(page_size=5)) for record in page] == items.list()
    assert keys(items.list(page_size=1)) == expected


def test_b_a_b_e_acute_emoji_are_in_that_order(sync: Sync) -> None:
    items = new_map(sync, ["😀", "é", "b", "a", "B"])

    assert keys(items.list()) == ["B", "a", "b", "é", "😀"]
    assert keys(items.list(order="desc")) == ["😀", "é", "b", "a", "B"]


def test_list_items_are_listed_by_index_with_their_gaps(sync: Sync) -> None:
    items = new_list(sync, 7, removed=(1, 4, 6))
    items.create(data={"n": 7})

    assert indexes(items.list()) == [0, 2, 3, 5, 7]
    assert indexes(items.stream()) == [0, 2, 3, 5, 7]
    assert indexes(items.list(order="desc")) == [7, 5, 3, 2, 0]
    assert indexes(items.list(page_size=2)) == [0, 2, 3, 5, 7]


def test_an_empty_container_lists_nothing(sync: Sync) -> None:
    map_items = new_map(sync, [])
    list_items = new_list(sync, 0)

    for items in (map_items, list_items):
        page = items.page()
        assert list(page) == []
        assert (page.next_page(), page.previous_page()) == (None, None)
        assert items.list(order="desc") == []


# -- from and bounds ------------------------------------------------------------------


MAP_RANGES = [
    ("asc", None, "c", ["c", "e", "g", "i"]),
    ("asc", "inclusive", "c", ["c", "e", "g", "i"]),
    ("asc", "exclusive", "c", ["e", "g", "i"]),
    ("asc", "inclusive", "d", ["e", "g", "i"]),
    ("asc", "exclusive", "d", ["e", "g", "i"]),
    ("asc", "inclusive", "A", LETTERS),
    ("asc", "exclusive", "a", ["c", "e", "g", "i"]),
    ("asc", "inclusive", "i", ["i"]),
    ("asc", "exclusive", "i", []),
    ("asc", "inclusive", "j", []),
    ("asc", "inclusive", "😀", []),
    (None, None, "e", ["e", "g", "i"]),
    ("desc", None, "e", ["e", "c", "a"]),
    ("desc", "inclusive", "e", ["e", "c", "a"]),
    ("desc", "exclusive", "e", ["c", "a"]),
    ("desc", "inclusive", "f", ["e", "c", "a"]),
    ("desc", "exclusive", "f", ["e", "c", "a"]),
    ("desc", "inclusive", "😀", ["i", "g", "e", "c", "a"]),
    ("desc", "exclusive", "i", ["g", "e", "c", "a"]),
    ("desc", "inclusive", "a", ["a"]),
    ("desc", "exclusive", "a", []),
    ("desc", "inclusive", "B", []),
    ("desc", "inclusive", "0", []),
]


@pytest.mark.parametrize(("order", "bounds", "from_", "expected"), MAP_RANGES)
def test_map_from_and_bounds_pick_the_range(
    sync: Sync, order: str | None, bounds: str | None, from_: str, expected: list[str]
) -> None:
    items = new_map(sync, LETTERS)

    assert keys(items.list(order=order, from_=from_, bounds=bounds)) == expected
    assert keys(items.stream(order=order, from_=from_, bounds=bounds, page_size=1)) == expected
    pages = walk(items.page(order=order, from_=from_, bounds=bounds, page_size=2))
    assert [keys(page) for page in pages] == (
        [expected[n : n + 2] for n in range(0, len(expected), 2)] or [[]]
    )


LIST_RANGES = [
    ("asc", "inclusive", 2, [2, 4, 6, 8]),
    ("asc", "exclusive", 2, [4, 6, 8]),
    ("asc", "inclusive", 3, [4, 6, 8]),
    ("asc", "exclusive", 3, [4, 6, 8]),
    ("asc", "inclusive", "4", [4, 6, 8]),
    ("asc", "inclusive", 0, [0, 2, 4, 6, 8]),
    ("asc", "exclusive", 0, [2, 4, 6, 8]),
    ("asc", "exclusive", 8, []),
    ("asc", "inclusive", 9, []),
    ("asc", "inclusive", 10**9, []),
    (None, None, 6, [6, 8]),
    ("desc", "inclusive", 4, [4, 2, 0]),
    ("desc", "exclusive", 4, [2, 0]),
    ("desc", "inclusive", 5, [4, 2, 0]),
    ("desc", "exclusive", "5", [4, 2, 0]),
    ("desc", "inclusive", 10**9, [8, 6, 4, 2, 0]),
    ("desc", "inclusive", 0, [0]),
    ("desc", "exclusive", 0, []),
]


@pytest.mark.parametrize(("order", "bounds", "from_", "expected"), LIST_RANGES)
def test_list_from_and_bounds_pick_the_range(
    sync: Sync, order: str | None, bounds: str | None, from_: Any, expected: list[int]
) -> None:
    items = new_list(sync, 9, removed=(1, 3, 5, 7))

    assert indexes(items.list(order=order, from_=from_, bounds=bounds)) == expected
    assert indexes(items.stream(order=order, from_=from_, bounds=bounds, page_size=1)) == expected
    pages = walk(items.page(order=order, from_=from_, bounds=bounds, page_size=2))
    assert [indexes(page) for page in pages] == (
        [expected[n : n + 2] for n in range(0, len(expected), 2)] or [[]]
    )


def test_a_from_beyond_either_end_is_an_empty_page_without_neighbours(sync: Sync) -> None:
    items = new_map(sync, LETTERS)

    for order, from_ in (("asc", "z"), ("desc", "A")):
        page = items.page(order=order, from_=from_)
        assert list(page) == []
        assert (page.next_page_token, page.previous_page_token) == (None, None)
        assert (page.next_page(), page.previous_page()) == (None, None)


# -- bad parameters -------------------------------------------------------------------


def unchanged_map(sync: Sync) -> tuple[SyncMapList, object]:
    """A Map ``game`` with items, and a snapshot of it and its listing."""
    items = new_map(sync, LETTERS)
    maps = sync.services(items.list()[0].service_sid).sync_maps
    return maps, (maps("game").fetch(), items.list())


def streamed(listing: Any, **params: Any) -> list[Any]:
    """Every record ``listing.stream(**params)`` gives."""
    return list(listing.stream(**params))


BAD_LISTINGS = [
    *[("order", value, 54451, BAD_ORDER) for value in ["ascending", "ASC", "Desc", " ", 1, True]],
    *[
        ("bounds", value, 54452, BAD_BOUNDS)
        for value in ["INCLUSIVE", "open", "closed", " ", 0, False]
    ],
    *[("page_size", value, 54454, BAD_SIZE) for value in [0, -1, "x", 2.5, True]],
]


@pytest.mark.parametrize(
    ("name", "value", "code", "message"),
    BAD_LISTINGS,
    ids=[f"{name}-{value!r}" for name, value, _, _ in BAD_LISTINGS],
)
def test_a_bad_order_bounds_or_page_size_is_refused_and_changes_nothing(
    sync: Sync, clock: ManualClock, name: str, value: object, code: int, message: str
) -> None:
    maps, before = unchanged_map(sync)
    queue = new_list(sync, 3)
    clock.advance(5)
    items = maps("game").sync_map_items
    given: dict[str, Any] = {name: value}
    descending = {"order": "desc", **given}

    for listing in (items, queue):
        refused(partial(listing.list, **given), 400, code, message)
        refused(partial(listing.page, **given), 400, code, message)
        refused(partial(streamed, listing, **given), 400, code, message)
        refused(partial(listing.page, **descending), 400, code, message)
    refused(partial(items.page, from_="c", **given), 400, code, message)
    refused(partial(items.page, from_="e", **descending), 400, code, message)

    assert (maps("game").fetch(), items.list()) == before
    assert indexes(queue.list()) == [0, 1, 2]


@pytest.mark.parametrize("from_", ["k" * 321, 42, 1.5], ids=["321-chars", "int", "float"])
def test_a_map_from_that_is_not_a_key_is_54209(sync: Sync, clock: ManualClock, from_: Any) -> None:
    maps, before = unchanged_map(sync)
    clock.advance(5)
    items = maps("game").sync_map_items

    refused(lambda: items.list(from_=from_), 400, 54209, BAD_KEY)
    refused(lambda: items.page(order="desc", from_=from_), 400, 54209, BAD_KEY)

    assert (maps("game").fetch(), items.list()) == before


def test_a_map_from_of_320_characters_is_a_key(sync: Sync) -> None:
    items = new_map(sync, ["k" * 319, "k" * 320, "l"])

    assert keys(items.list(from_="k" * 320)) == ["k" * 320, "l"]
    assert keys(items.list(from_="é" * 320, order="desc")) == ["l", "k" * 320, "k" * 319]


@pytest.mark.parametrize("from_", ["x", -1, "-1", 1.5, "1.5", True], ids=str)
def test_a_list_from_that_is_not_an_index_is_54458(
    sync: Sync, clock: ManualClock, from_: Any
) -> None:
    items = new_list(sync, 3)
    before = items.list()
    clock.advance(5)

    refused(lambda: items.list(from_=from_), 400, 54458, BAD_INDEX)
    refused(lambda: items.page(order="desc", from_=from_), 400, 54458, BAD_INDEX)

    assert items.list() == before


@pytest.mark.parametrize(
    ("map_params", "list_params"),
    [
        ({"order": "up"}, {"order": "up"}),
        ({"bounds": "open"}, {"bounds": "open"}),
        ({"from_": "k" * 321}, {"from_": "x"}),
        ({"page_size": 0}, {"page_size": 0}),
        ({"page_token": "nonsense"}, {"page_token": "nonsense"}),
    ],
    ids=["order", "bounds", "from", "page-size", "page-token"],
)
def test_a_missing_container_is_404_before_any_bad_listing_parameter(
    sync: Sync, clock: ManualClock, map_params: dict[str, Any], list_params: dict[str, Any]
) -> None:
    svc = sync.services.create().sid
    clock.advance(5)
    map_items = sync.services(svc).sync_maps("nope").sync_map_items
    list_items = sync.services(svc).sync_lists("nope").sync_list_items

    map_path = not_found(f"/Services/{svc}/Maps/nope/Items")
    refused(lambda: map_items.page(**map_params), 404, 20404, map_path)
    list_path = not_found(f"/Services/{svc}/Lists/nope/Items")
    refused(lambda: list_items.page(**list_params), 404, 20404, list_path)

    assert sync.services(svc).sync_maps.list() == []
    assert sync.services(svc).sync_lists.list() == []


# -- page sizes, limit, stream --------------------------------------------------------


@pytest.fixture
def big(sync: Sync) -> SyncMapItemList:
    """A Map of 120 items keyed k000..k119."""
    return new_map(sync, [f"k{n:03}" for n in range(120)])


def test_a_page_holds_50_items_by_default(big: SyncMapItemList) -> None:
    page = big.page()

    assert (len(page), page.page_size, page.page_number) == (50, 50, 0)
    assert keys(page) == [f"k{n:03}" for n in range(50)]
    assert page.previous_page() is None


@pytest.mark.parametrize(
    ("asked", "served"), [(1, 1), (99, 99), (100, 100), (101, 100), (1000, 100)]
)
def test_a_page_never_holds_more_than_100_items(
    big: SyncMapItemList, asked: int, served: int
) -> None:
    page = big.page(page_size=asked)

    assert (len(page), page.page_size) == (served, served)
    sizes = [len(records) for records in walk(page)]
    assert sum(sizes) == 120
    assert all(size == served for size in sizes[:-1])


def test_list_and_stream_take_a_limit(big: SyncMapItemList) -> None:
    assert len(big.list()) == 120
    assert keys(big.list(limit=3)) == ["k000", "k001", "k002"]
    assert len(big.list(limit=110)) == 110
    assert keys(big.list(limit=2, order="desc")) == ["k119", "k118"]
    assert keys(big.list(limit=2, from_="k050", bounds="exclusive")) == ["k051", "k052"]
    assert keys(big.stream(limit=2, page_size=1, order="desc", from_="k010")) == ["k010", "k009"]
    assert len(big.list(page_size=7)) == 120
    assert len(big.list(limit=0)) == 120  # twilio-python: 0 means no limit


def test_stream_reads_a_page_at_a_time(big: SyncMapItemList) -> None:
    stream = big.stream(page_size=100)
    first = [next(stream) for _ in range(100)]

    big.create(key="z-late", data={})  # ahead of the cursor: seen
    big.create(key="a-early", data={})  # behind it: not seen
    rest = list(stream)

    assert len(first) == 100
    assert keys(rest) == [*(f"k{n:03}" for n in range(100, 120)), "z-late"]


# -- next and previous pages ----------------------------------------------------------


def test_next_and_previous_pages_keep_order_from_and_bounds(sync: Sync) -> None:
    items = new_map(sync, list("abcdefghijklm"))

    first = items.page(order="desc", from_="k", bounds="exclusive", page_size=3)
    assert keys(first) == ["j", "i", "h"]
    assert first.previous_page() is None
    second = first.next_page()
    assert second is not None
    assert keys(second) == ["g", "f", "e"]
    third = second.next_page()
    assert third is not None
    assert keys(third) == ["d", "c", "b"]
    last = third.next_page()
    assert last is not None
    assert keys(last) == ["a"]
    assert last.next_page() is None
    assert [page.page_number for page in (first, second, third, last)] == [0, 1, 2, 3]

    back = last.previous_page()
    assert back is not None
    assert keys(back) == ["d", "c", "b"]
    back = back.previous_page()
    assert back is not None
    assert keys(back) == ["g", "f", "e"]
    back = back.previous_page()
    assert back is not None
    assert keys(back) == ["j", "i", "h"]
    assert back.page_number == 0
    assert back.previous_page() is None  # "k" and above are outside the listing


@pytest.mark.parametrize(
    ("order", "from_", "bounds", "first_keys"),
    [
        ("asc", "c", "inclusive", ["c", "d"]),
        ("asc", "c", "exclusive", ["d", "e"]),
        ("asc", "bb", "inclusive", ["c", "d"]),
        ("desc", "h", "inclusive", ["h", "g"]),
        ("desc", "h", "exclusive", ["g", "f"]),
        ("desc", "hh", "exclusive", ["h", "g"]),
    ],
)
def test_previous_page_never_steps_before_from(
    sync: Sync, order: str, from_: str, bounds: str, first_keys: list[str]
) -> None:
    items = new_map(sync, list("abcdefghij"))

    first = items.page(order=order, from_=from_, bounds=bounds, page_size=2)
    assert keys(first) == first_keys
    assert first.previous_page_token is None
    assert first.previous_page() is None
    second = first.next_page()
    assert second is not None
    back = second.previous_page()
    assert back is not None
    assert keys(back) == first_keys
    assert back.previous_page() is None


def test_previous_page_after_removing_the_first_item_stays_within_from(sync: Sync) -> None:
    items = new_map(sync, list("abcdefgh"))
    first = items.page(from_="c", page_size=2)
    second = first.next_page()
    assert second is not None
    assert keys(second) == ["e", "f"]

    items("c").delete()

    back = second.previous_page()
    assert back is not None
    assert keys(back) == ["d"]
    assert back.previous_page() is None


def test_list_pages_walk_both_ways_in_desc_order(sync: Sync) -> None:
    items = new_list(sync, 10, removed=(3, 7))

    first = items.page(order="desc", from_=8, page_size=3)
    pages = walk(first)
    assert [indexes(page) for page in pages] == [[8, 6, 5], [4, 2, 1], [0]]
    second = first.next_page()
    assert second is not None
    third = second.next_page()
    assert third is not None
    back = third.previous_page()
    assert back is not None
    assert indexes(back) == [4, 2, 1]
    back = back.previous_page()
    assert back is not None
    assert indexes(back) == [8, 6, 5]
    assert back.previous_page() is None


# -- page tokens ----------------------------------------------------------------------


def test_a_page_token_alone_continues_its_listing(sync: Sync) -> None:
    items = new_map(sync, list("abcdefghij"))
    first = items.page(order="desc", from_="h", bounds="exclusive", page_size=2)
    token = first.next_page_token
    assert token is not None
    assert token.startswith("PT")

    alone = items.page(page_token=token)

    assert keys(alone) == ["e", "d"]
    assert alone.page_size == 2
    assert alone.page_number == 1
    following = alone.next_page()
    assert following is not None
    assert keys(following) == ["c", "b"]
    previous = alone.previous_page()
    assert previous is not None
    assert keys(previous) == ["g", "f"]
    assert previous.previous_page() is None
    assert keys(items.page(page_token=token, page_size=4)) == ["e", "d", "c", "b"]
    same = items.page(page_token=token, order="desc", from_="h", bounds="exclusive")
    assert keys(same) == ["e", "d"]


def test_a_list_page_token_alone_continues_its_listing(sync: Sync) -> None:
    items = new_list(sync, 8, removed=(2,))
    first = items.page(from_="1", bounds="exclusive", page_size=2)  # type: ignore[arg-type]  # text, as REST sends it
    assert indexes(first) == [3, 4]
    token = first.next_page_token

    assert indexes(items.page(page_token=token)) == [5, 6]
    previous_token = items.page(page_token=token).previous_page_token
    assert indexes(items.page(page_token=previous_token)) == [3, 4]
    assert items.page(page_token=previous_token).previous_page() is None


@pytest.mark.parametrize(
    "other",
    [
        {"order": "desc"},
        {"order": "asc"},
        {"from_": "d"},
        {"bounds": "exclusive"},
        {"order": "asc", "from_": "c", "bounds": "exclusive"},
    ],
    ids=["order-desc", "order-only", "other-from", "other-bounds", "all-but-one"],
)
def test_a_page_token_with_other_listing_parameters_is_54453(
    sync: Sync, clock: ManualClock, other: dict[str, Any]
) -> None:
    maps, before = unchanged_map(sync)
    items = maps("game").sync_map_items
    token = items.page(order="asc", from_="c", page_size=1).next_page_token
    assert token is not None
    clock.advance(5)

    refused(lambda: items.page(page_token=token, **other), 400, 54453, BAD_TOKEN)

    assert (maps("game").fetch(), items.list()) == before
    assert keys(items.page(page_token=token)) == ["e"]


def test_an_asc_token_read_as_desc_is_54453(sync: Sync, clock: ManualClock) -> None:
    maps, before = unchanged_map(sync)
    items = maps("game").sync_map_items
    queue = new_list(sync, 4)
    map_token = items.page(page_size=2).next_page_token
    list_token = queue.page(page_size=2).next_page_token
    clock.advance(5)

    refused(lambda: items.page(page_token=map_token, order="desc"), 400, 54453, BAD_TOKEN)
    refused(lambda: queue.page(page_token=list_token, order="desc"), 400, 54453, BAD_TOKEN)

    assert (maps("game").fetch(), items.list()) == before
    assert indexes(queue.list()) == [0, 1, 2, 3]


def test_a_token_of_another_listing_is_54453(sync: Sync, clock: ManualClock) -> None:
    maps, before = unchanged_map(sync)
    items = maps("game").sync_map_items
    maps.create(unique_name="other")
    other = maps("other").sync_map_items
    for key in LETTERS:
        other.create(key=key, data={})
    queue = new_list(sync, 4)
    docs = sync.services("default").documents
    for _ in range(3):
        docs.create()
    tokens = {
        "another-map": other.page(page_size=2).next_page_token,
        "a-list": queue.page(page_size=2).next_page_token,
        "documents": docs.page(page_size=1).next_page_token,
        "maps": maps.page(page_size=1).next_page_token,
    }
    clock.advance(5)

    for token in tokens.values():
        assert token is not None
        refused(partial(items.page, page_token=token), 400, 54453, BAD_TOKEN)
        refused(partial(items.page, page_token=token, order="asc"), 400, 54453, BAD_TOKEN)
    refused(partial(queue.page, page_token=tokens["another-map"]), 400, 54453, BAD_TOKEN)
    for token in ("nonsense", "PT", "PT!!!", "PTeyJ4IjoxfQ"):
        refused(partial(items.page, page_token=token), 400, 54453, BAD_TOKEN)

    assert (maps("game").fetch(), items.list()) == before


def test_a_token_works_whether_the_map_is_addressed_by_sid_or_name(sync: Sync) -> None:
    maps, _ = unchanged_map(sync)
    game = maps("game").fetch()
    token = maps("game").sync_map_items.page(page_size=2).next_page_token

    assert keys(maps(game.sid).sync_map_items.page(page_token=token)) == ["e", "g"]


# -- a listing that changes while it is read ------------------------------------------


def test_an_expired_item_is_gone_from_every_page_at_once(sync: Sync, clock: ManualClock) -> None:
    maps = sync.services(sync.services.create().sid).sync_maps
    maps.create(unique_name="game")
    items = maps("game").sync_map_items
    for key in "abcdef":
        items.create(key=key, data={}, item_ttl=10 if key in "cd" else 0)
    first = items.page(page_size=2)
    second = first.next_page()
    assert second is not None
    assert keys(second) == ["c", "d"]
    desc = items.page(order="desc", page_size=2)
    assert keys(desc) == ["f", "e"]
    tokens = (first.next_page_token, second.next_page_token, second.previous_page_token)

    clock.advance(10)

    assert keys(items.list()) == ["a", "b", "e", "f"]
    assert keys(items.page(page_token=tokens[0])) == ["e", "f"]  # made before the expiry
    assert keys(items.page(page_token=tokens[1])) == ["e", "f"]
    assert keys(items.page(page_token=tokens[2])) == ["a", "b"]
    assert keys(second.next_page() or []) == ["e", "f"]
    assert keys(desc.next_page() or []) == ["b", "a"]
    assert keys(items.list(from_="c")) == ["e", "f"]
    assert keys(items.list(order="desc", from_="d")) == ["b", "a"]
    back = items.page(page_token=tokens[1]).previous_page()
    assert back is not None
    assert keys(back) == ["a", "b"]
    assert maps("game").fetch().revision == "8"


def test_an_expired_list_item_is_gone_from_every_page_at_once(
    sync: Sync, clock: ManualClock
) -> None:
    lists = sync.services(sync.services.create().sid).sync_lists
    lists.create(unique_name="queue")
    items = lists("queue").sync_list_items
    for n in range(6):
        items.create(data={"n": n}, item_ttl=10 if n == 2 else None)
    first = items.page(page_size=2)
    token = first.next_page_token

    clock.advance(10)

    assert indexes(items.page(page_token=token)) == [3, 4]
    assert indexes(first.next_page() or []) == [3, 4]
    assert indexes(items.list(order="desc")) == [5, 4, 3, 1, 0]


def test_items_added_ahead_of_the_cursor_are_seen_and_behind_it_are_not(sync: Sync) -> None:
    items = new_map(sync, ["b", "d", "f", "h", "j"])
    first = items.page(page_size=2)
    assert keys(first) == ["b", "d"]

    items.create(key="a", data={})  # behind
    items.create(key="c", data={})  # behind
    items.create(key="e", data={})  # ahead
    items.create(key="k", data={})  # ahead
    items("h").delete()  # removed ahead
    items("b").delete()  # removed behind

    seen = [keys(page) for page in walk(first.next_page())]
    assert seen == [["e", "f"], ["j", "k"]]


def test_a_desc_list_walk_does_not_see_appended_items(sync: Sync) -> None:
    items = new_list(sync, 6)
    first = items.page(order="desc", page_size=2)
    assert indexes(first) == [5, 4]

    items.create(data={})  # index 6: behind a desc cursor
    items(1).delete()  # removed ahead

    assert [indexes(page) for page in walk(first.next_page())] == [[3, 2], [0]]
    assert indexes(items.list(order="desc")) == [6, 5, 4, 3, 2, 0]


def test_an_asc_list_walk_sees_appended_items(sync: Sync) -> None:
    items = new_list(sync, 4)
    first = items.page(page_size=2)

    items.create(data={})
    items(2).delete()

    assert [indexes(page) for page in walk(first.next_page())] == [[3, 4]]
