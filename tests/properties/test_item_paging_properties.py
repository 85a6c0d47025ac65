"""Properties of Map Item and List Item paging: order, from_, bounds, sizes, cursors.

docs/maps-and-lists.md and SEMANTICS.md, "Ordering and paging": Map Items are listed in
Unicode code-point order of their keys (Python's ``str`` order), List Items by index.
``order`` is ``asc`` (default) or ``desc``; ``from_`` need not name an item; ``asc``
lists the items ``>= from_`` (``bounds`` inclusive, the default) or ``> from_``
(exclusive); in ``desc`` order ``from_`` is the upper end (``<=`` / ``<``). A page holds
``min(page_size, 100)`` records; ``next_page()``/``previous_page()`` keep order, from_
and bounds, and ``previous_page()`` never goes before ``from_``. Pages are cursors, not
offsets: walking the pages while items come and go never repeats an item, never skips
one that stayed, and keeps the order.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_core import ManualClock, Page, Sync
from sync_core.lists import SyncListItemList
from sync_core.maps import SyncMapItemList
from sync_core.records import SyncListItemRecord, SyncMapItemRecord

SERVED = 100

P = TypeVar("P", str, int)
R = TypeVar("R", SyncMapItemRecord, SyncListItemRecord)

#: Map keys: 1 to 20 characters of any kind (non-ASCII, spaces, '/', emoji...).
keys = st.text(min_size=1, max_size=20)
orders = st.sampled_from([None, "asc", "desc"])
bounds_ = st.sampled_from([None, "inclusive", "exclusive"])
#: Any accepted page size, often a small one (so that there are many pages).
page_sizes = st.integers(1, 1000) | st.integers(1, 10) | st.sampled_from([99, 100, 101])


def unique_keys(count: int) -> st.SearchStrategy[list[str]]:
    """``count`` different keys, in no particular order."""
    return st.lists(keys, min_size=count, max_size=count, unique=True)


def gaps(count: int) -> st.SearchStrategy[set[int]]:
    """Which of the indexes ``0 .. count - 1`` to delete (any of them, even the last)."""
    mask = st.lists(st.booleans(), min_size=count, max_size=count)
    return mask.map(lambda gone: {n for n, out in enumerate(gone) if out})


def new_map(map_keys: Sequence[str], seed: int = 0) -> SyncMapItemList:
    """A fresh Map whose items are ``{"key": key}`` under each of ``map_keys``."""
    maps = Sync(clock=ManualClock(), seed=seed).services("default").sync_maps
    sid = maps.create(unique_name="m").sid
    items = maps(sid).sync_map_items
    for key in map_keys:
        items.create(key=key, data={"key": key})
    return items


def new_list(count: int, deleted: set[int], seed: int = 0) -> SyncListItemList:
    """A fresh List of ``count`` items ``{"n": index}`` less those at ``deleted``."""
    lists = Sync(clock=ManualClock(), seed=seed).services("default").sync_lists
    sid = lists.create(unique_name="l").sid
    items = lists(sid).sync_list_items
    for n in range(count):
        assert items.create(data={"n": n}).index == n
    for n in sorted(deleted):
        assert items(n).delete() is True
    return items


def expected_listing(
    positions: Sequence[P], order: str | None, from_: P | None, bounds: str | None
) -> list[P]:
    """What a listing gives, by the rules, computed with a sorted Python list."""
    descending = order == "desc"
    inclusive = bounds != "exclusive"
    chosen = sorted(positions, reverse=descending)
    if from_ is None:
        return chosen
    if descending:
        return [p for p in chosen if p < from_ or (inclusive and p == from_)]
    return [p for p in chosen if p > from_ or (inclusive and p == from_)]


def walk(first: Page[R], most: int) -> list[Page[R]]:
    """Every page from ``first`` on, by ``next_page()``; there are at most ``most``."""
    pages: list[Page[R]] = []
    page: Page[R] | None = first
    while page is not None:
        pages.append(page)
        assert len(pages) <= most, "the pages do not end"
        page = page.next_page()
    return pages


def check_walk(
    pages: list[Page[R]],
    place: Callable[[R], P],
    expected: list[P],
    page_size: int,
    reread: Callable[[str], Page[R]],
) -> None:
    """The pages hold exactly ``expected``, in full pages but the last, with neighbours."""
    served = min(page_size, SERVED)
    chunks = [[place(record) for record in page] for page in pages]
    assert [p for chunk in chunks for p in chunk] == expected
    assert all(len(chunk) == served for chunk in chunks[:-1])
    assert 1 <= len(chunks[-1]) <= served or expected == []
    assert len(pages) == max(1, -(-len(expected) // served))
    for number, page in enumerate(pages):
        assert page.page_size == served
        assert page.page_number == number
    # The first page has no previous page: not even when there are items before from_.
    assert pages[0].previous_page_token is None
    assert pages[0].previous_page() is None
    assert pages[-1].next_page_token is None
    for before, after in itertools.pairwise(pages):
        previous = after.previous_page()
        assert previous is not None
        assert [place(r) for r in previous] == [place(r) for r in before]
        assert previous.page_number == before.page_number
        # ... and it has a previous page exactly when it is not the first.
        assert (previous.previous_page_token is None) == (before is pages[0])
        forward = previous.next_page()
        assert forward is not None
        assert [place(r) for r in forward] == [place(r) for r in after]
        # A token alone continues its listing with the order, from_ and bounds it keeps.
        assert before.next_page_token is not None
        alone = reread(before.next_page_token)
        assert [place(r) for r in alone] == [place(r) for r in after]


@dataclass
class Drawn(Generic[P]):
    """A Map or a List drawn for a test, with what the test needs to read and change it."""

    items: Any  # its SyncMapItemList or SyncListItemList
    present: set[P]  # where its items are: a Map's keys, a List's indexes
    from_: P | None  # the listing's from_, as a position...
    given_from: object  # ... and as given (a List's index may be decimal text)
    place: Callable[[Any], P]  # a record's position
    holds: Callable[[Any], bool]  # whether a record holds the data it was given
    ever: int  # how many positions it has ever had
    #: Adds an item (a new key, or a removed one again; the next index): its position.
    add: Callable[[], P | None]
    #: Asserts what must hold after the listing (a List never gives an index again).
    after: Callable[[], None] = lambda: None


def draw_map(data: st.DataObject, count: int) -> Drawn[str]:
    initial = data.draw(unique_keys(count), label="keys")
    choices = st.none() | keys
    if initial:
        choices = choices | st.sampled_from(initial)
    from_ = data.draw(choices, label="from_")
    items = new_map(initial)
    ever = list(initial)  # every key ever used, for re-adding a removed one

    def add() -> str | None:
        key = data.draw(keys | st.sampled_from(ever), label="new key")
        if key in drawn.present:
            return None
        assert items.create(key=key, data={"key": key}).key == key
        ever.append(key)
        drawn.ever += 1
        return key

    drawn: Drawn[str] = Drawn(
        items,
        set(initial),
        from_,
        from_,
        place=lambda record: record.key,
        holds=lambda record: bool(record.data == {"key": record.key}),
        ever=len(initial),
        add=add,
    )
    return drawn


def draw_list(data: st.DataObject, count: int) -> Drawn[int]:
    deleted = data.draw(gaps(count), label="deleted")
    from_ = data.draw(st.none() | st.integers(0, count + 50), label="from_")
    # An index may also be given as decimal text.
    as_text = from_ is not None and data.draw(st.booleans(), label="from_ as text?")
    items = new_list(count, deleted)

    def add() -> int:
        index = drawn.ever
        assert items.create(data={"n": index}).index == index
        drawn.ever += 1
        return index

    def after() -> None:  # indexes are never reused: the next goes after every one given
        assert items.create(data={"n": drawn.ever}).index == drawn.ever

    drawn: Drawn[int] = Drawn(
        items,
        {n for n in range(count) if n not in deleted},
        from_,
        str(from_) if as_text else from_,
        place=lambda record: record.index,
        holds=lambda record: bool(record.data == {"n": record.index}),
        ever=count,
        add=add,
        after=after,
    )
    return drawn


Drawer = Callable[[st.DataObject, int], Drawn[Any]]


@dataclass(frozen=True)
class Asked:
    """A listing's parameters: order, bounds, page size (``from_`` is drawn with the items)."""

    order: str | None
    bounds: str | None
    page_size: int

    def listing(self, drawn: Drawn[Any]) -> dict[str, Any]:
        """The parameters of ``list``, ``stream`` and ``page`` (not the page size)."""
        return {"order": self.order, "from_": drawn.given_from, "bounds": self.bounds}

    def expected(self, drawn: Drawn[Any]) -> list[Any]:
        """What the listing gives ``drawn`` as it is now, by the rules."""
        return expected_listing(sorted(drawn.present), self.order, drawn.from_, self.bounds)


def for_maps_and_lists(
    most: int, page_size: st.SearchStrategy[int]
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Run the test on a Map and on a List of up to ``most`` items, with these page sizes."""

    def decorate(test: Callable[..., None]) -> Callable[..., None]:
        asked = st.builds(Asked, orders, bounds_, page_size)
        run = given(count=st.integers(0, most), asked=asked, data=st.data())(test)
        by_kind = pytest.mark.parametrize("draw", [draw_map, draw_list], ids=["map", "list"])
        marked: Callable[..., None] = by_kind(run)
        return marked

    return decorate


# -- a Map, or a List with gaps, walked page by page --------------------------------------------


@for_maps_and_lists(150, page_sizes)
def test_item_pages_give_the_sorted_slice(
    draw: Drawer, count: int, asked: Asked, data: st.DataObject
) -> None:
    drawn = draw(data, count)
    items, place, page_size = drawn.items, drawn.place, asked.page_size
    expected, listing = asked.expected(drawn), asked.listing(drawn)

    first = items.page(page_size=page_size, **listing)
    pages = walk(first, most=len(expected) + 1)
    check_walk(pages, place, expected, page_size, lambda token: items.page(page_token=token))
    for page in pages:
        assert all(drawn.holds(record) for record in page)

    assert [place(r) for r in items.list(page_size=page_size, **listing)] == expected
    assert [place(r) for r in items.list(**listing)] == expected
    assert [place(r) for r in items.stream(page_size=page_size, **listing)] == expected
    drawn.after()


# -- walking while items come and go ----------------------------------------------------------


class Walk(Generic[P]):
    """What a walk over a changing collection must show, by the cursor rules.

    ``due`` holds the items that must be seen: those in the listing's range that were
    present when the walk began, or were added ahead of the cursor, and have stayed.
    """

    def __init__(self, order: str | None, from_: P | None, bounds: str | None) -> None:
        self.descending = order == "desc"
        self.inclusive = bounds != "exclusive"
        self.from_: P | None = from_
        self.cursor: P | None = None  # the last position seen
        self.seen: list[P] = []
        self.due: set[P] = set()

    def in_range(self, position: P) -> bool:
        """Whether ``position`` is within the listing's from_ and bounds."""
        if self.from_ is None or position == self.from_:
            return self.from_ is None or self.inclusive
        return position < self.from_ if self.descending else position > self.from_

    def ahead(self, position: P) -> bool:
        """Whether ``position`` is still to come: in range and past the cursor."""
        if not self.in_range(position):
            return False
        if self.cursor is None:
            return True
        return position < self.cursor if self.descending else position > self.cursor

    def added(self, position: P) -> None:
        if self.ahead(position):
            self.due.add(position)

    def removed(self, position: P) -> None:
        self.due.discard(position)

    def read(self, positions: list[P], present: set[P]) -> None:
        assert set(positions) <= present, "a page showed an item that is not there"
        assert all(self.in_range(p) for p in positions), "a page showed an item out of range"
        self.seen.extend(positions)
        if positions:
            self.cursor = positions[-1]

    def check(self) -> None:
        assert len(self.seen) == len(set(self.seen)), "an item was repeated"
        assert self.seen == sorted(self.seen, reverse=self.descending), "out of order"
        missed = self.due - set(self.seen)
        assert not missed, f"items that stayed were skipped: {sorted(missed)}"


@for_maps_and_lists(60, st.integers(1, 12))
def test_walking_item_pages_while_items_change(
    draw: Drawer, count: int, asked: Asked, data: st.DataObject
) -> None:
    drawn = draw(data, count)
    items, present, listing = drawn.items, drawn.present, asked.listing(drawn)
    walk: Walk[Any] = Walk(asked.order, drawn.from_, asked.bounds)
    for position in present:
        walk.added(position)

    page: Page[Any] | None = items.page(page_size=asked.page_size, **listing)
    pages_read = 0
    while page is not None:
        pages_read += 1
        # Every page but the last shows at least one item never shown before.
        assert pages_read <= drawn.ever + 1, "the pages do not end"
        walk.read([drawn.place(r) for r in page], present)
        if page.next_page_token is not None and pages_read <= 40:
            # Change the Map or List between this page and the next: remove any item
            # (seen, not yet seen, the cursor's own), add a new one or one removed before.
            for _ in range(data.draw(st.integers(0, 4), label="changes")):
                if len(present) > 0 and data.draw(st.booleans(), label="remove?"):
                    victim = data.draw(st.sampled_from(sorted(present)), label="victim")
                    assert items(victim).delete() is True
                    present.discard(victim)
                    walk.removed(victim)
                    continue
                added = drawn.add()
                if added is not None:
                    present.add(added)
                    walk.added(added)
        page = page.next_page()

    walk.check()
    assert [drawn.place(r) for r in items.list(**listing)] == asked.expected(drawn)
