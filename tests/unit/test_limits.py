"""Lowered limits: ``Sync(limits=Limits(...))`` reaches each of Twilio's limits with small data.

Each limit is reached through the plain API and through the official twilio SDK (over
``SyncHttpClient``): the limit itself is accepted, one more is refused with Twilio's
status and code, the message naming the lowered limit (over REST it goes to the
``sync_core.rest`` log, as Twilio's body has no room for it), and the refusal changes
nothing. A ``Limits`` is only ever lowered: anything above Twilio's, or not an int from
1, is refused when it is made.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kinds import DOCUMENT, HOLDERS, KINDS, LIST, MAP, STREAM, Home, Kind, home_of
from support import BAD_NAME, INVALID, TOO_LARGE, payload, refused, size
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

import sync_core.limits
from sync_core import DocumentRecord, Limits, ManualClock, Page, Sync, SyncError
from sync_core.adapters.twilio import SyncHttpClient
from sync_core.state import StateFormatError
from sync_core.testing import strategies as sst

pytestmark = pytest.mark.usefixtures("no_network")

ACCOUNT = "AC" + "0" * 32
BAD_KEY = "Invalid Map Item key"

#: Each field of ``Limits`` and Twilio's value of it (the module's constants).
TWILIO = {
    "data_bytes": sync_core.limits.MAX_DATA_BYTES,
    "stream_message_bytes": sync_core.limits.MAX_STREAM_MESSAGE_BYTES,
    "list_items": sync_core.limits.MAX_LIST_ITEMS,
    "page_size": sync_core.limits.MAX_PAGE_SIZE_SERVED,
    "unique_name_length": sync_core.limits.MAX_UNIQUE_NAME,
    "map_key_length": sync_core.limits.MAX_MAP_KEY,
}


@pytest.fixture
def lowered(clock: ManualClock, sync_seed: int) -> Iterator[Callable[..., Sync]]:
    """Makes a Sync on the test's clock with the limits given lowered; checks each after."""
    made: list[Sync] = []

    def make(**fields: int) -> Sync:
        sync = Sync(clock=clock, seed=sync_seed, limits=Limits(**fields))
        made.append(sync)
        return sync

    yield make
    for sync in made:
        sync._check()


def home_in(sync: Sync, kind: Kind) -> Home:
    """A fresh service of ``sync`` with an object of ``kind`` named ``box`` in it."""
    assert isinstance(sync.clock, ManualClock)
    home = home_of(sync, sync.clock, kind)
    home.objects.create(unique_name="box")
    return home


def sdk(sync: Sync) -> Client:
    """The real twilio SDK's ``Client``, answered in-process by ``sync``."""
    return Client(
        ACCOUNT, "token", http_client=SyncHttpClient(sync), environment={"TWILIO_REGION": ""}
    )


def sdk_home(home: Home) -> Any:
    """What ``home.objects`` is, through the SDK: the service's objects of its kind."""
    return home.kind.objects(sdk(home.sync).sync.v1.services(home.service))


def sdk_holder(home: Home) -> tuple[Callable[[Any, str], Any], Callable[[Any], Any]]:
    """Through the SDK: how data is put in ``home`` (a Document named ``at``, or an item
    of ``box`` under the key ``at`` or at the next index), and the context of what was put."""
    objects = sdk_home(home)
    if home.kind is DOCUMENT:

        def put(data: Any, at: str) -> Any:
            return objects.create(unique_name=at, data=data)

        return put, lambda record: objects(record.sid)
    items = home.container.items(objects("box"))
    return partial(home.container.add, items), lambda record: items(home.place(record))


def detailed(error: SyncError, detail: str) -> None:
    """The refusal says what was wrong, naming the lowered limit."""
    assert error.detail == detail
    assert str(error).endswith(f"({detail})")


def sdk_refused(
    call: Callable[[], object],
    status: int,
    code: int,
    message: str,
    detail: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``call`` (through the SDK) fails with exactly this Twilio error; the log says why."""
    caplog.clear()
    with (
        caplog.at_level(logging.DEBUG, logger="sync_core.rest"),
        pytest.raises(TwilioRestException) as info,
    ):
        call()
    assert (info.value.status, info.value.code) == (status, code)
    assert info.value.msg.endswith(f": {message}")  # "Unable to create record: {message}"
    assert any(record.getMessage().endswith(f"({detail})") for record in caplog.records)


# -- making a Limits ------------------------------------------------------------------


def test_the_limits_are_twilios_unless_lowered() -> None:
    assert attrs.asdict(Limits()) == TWILIO
    assert Sync().limits == Limits() == sync_core.limits.TWILIO_LIMITS
    lowered = Limits(data_bytes=100, page_size=3)
    sync = Sync(limits=lowered)
    assert sync.limits is lowered
    assert attrs.asdict(sync.limits) == {**TWILIO, "data_bytes": 100, "page_size": 3}


@pytest.mark.parametrize("field", TWILIO)
def test_each_limit_may_be_lowered_to_1_or_left_at_twilios(field: str) -> None:
    assert getattr(Limits(**{field: 1}), field) == 1
    assert getattr(Limits(**{field: TWILIO[field]}), field) == TWILIO[field]
    assert getattr(Limits(**{field: TWILIO[field] - 1}), field) == TWILIO[field] - 1


@pytest.mark.parametrize("field", TWILIO)
def test_a_limit_above_twilios_is_refused_naming_the_field(field: str) -> None:
    over = TWILIO[field] + 1
    with pytest.raises(ValueError, match=f"Limits.{field} may only be lowered") as info:
        Limits(**{field: over})
    assert f"Twilio's limit is {TWILIO[field]}, got {over}" in str(info.value)


@pytest.mark.parametrize("value", [0, -1, -TWILIO["data_bytes"]])
@pytest.mark.parametrize("field", TWILIO)
def test_a_limit_below_1_is_refused_naming_the_field(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=f"^Limits.{field} must be at least 1, got {value}$"):
        Limits(**{field: value})


@pytest.mark.parametrize("value", [True, False, "3", 3.0, None, [3]])
@pytest.mark.parametrize("field", TWILIO)
def test_a_limit_that_is_not_an_int_is_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(TypeError, match=f"^Limits.{field} must be an int from 1 to "):
        Limits(**{field: value})  # type: ignore[arg-type]


def test_limits_are_immutable_named_and_read_only_on_the_sync() -> None:
    limits = Limits(list_items=5)
    sync = Sync(limits=limits)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        limits.list_items = 6  # type: ignore[misc]
    with pytest.raises(AttributeError):
        sync.limits = Limits()  # type: ignore[misc]
    with pytest.raises(TypeError):
        Limits(5)  # type: ignore[call-arg]  # keywords only: a number says nothing alone
    with pytest.raises(TypeError):
        Limits(data_size=5)  # type: ignore[call-arg]  # no such limit
    with pytest.raises(ValueError, match=r"Limits\.list_items may only be lowered"):
        attrs.evolve(limits, list_items=2_000_000)  # evolving checks again
    assert sync.limits == Limits(list_items=5)


@pytest.mark.parametrize("given_limits", [{"data_bytes": 5}, 5, "Limits()"])
def test_a_sync_refuses_limits_that_are_not_a_limits(given_limits: object) -> None:
    with pytest.raises(TypeError, match=r"limits must be a sync_core\.Limits"):
        Sync(limits=given_limits)  # type: ignore[arg-type]


# -- data size ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", HOLDERS, ids=str)
def test_data_at_a_lowered_limit_is_accepted_and_one_byte_more_refused(
    lowered: Callable[..., Sync], kind: Kind
) -> None:
    home = home_in(lowered(data_bytes=100), kind)
    at = home.put(payload(100, "é"), at="a")  # 2-byte characters count as 2
    assert home.held(at).fetch().data == payload(100, "é")

    with home.unchanged():
        error = refused(partial(home.put, payload(101, "x"), at="b"), 413, 54006, TOO_LARGE)
        detailed(error, "data is 101 bytes, the limit is 100")
        error = refused(
            partial(home.held(at).update, data=payload(101, "€")), 413, 54006, TOO_LARGE
        )
        detailed(error, "data is 101 bytes, the limit is 100")

    assert home.held(at).update(data=payload(99, "x")).data == payload(99, "x")


@pytest.mark.parametrize("kind", HOLDERS, ids=str)
def test_data_over_a_lowered_limit_is_refused_through_the_sdk(
    lowered: Callable[..., Sync], kind: Kind, caplog: pytest.LogCaptureFixture
) -> None:
    home = home_in(lowered(data_bytes=100), kind)
    create, held = sdk_holder(home)
    made = create(payload(100, "x"), "a")
    assert made.data == payload(100, "x")

    too_long = "data is 101 bytes, the limit is 100"
    with home.unchanged():
        sdk_refused(
            partial(create, payload(101, "x"), "b"), 413, 54006, TOO_LARGE, too_long, caplog
        )
        sdk_refused(
            partial(held(made).update, data=payload(101, "é")),
            413,
            54006,
            TOO_LARGE,
            too_long,
            caplog,
        )

    assert held(made).update(data=payload(100, "é")).data == payload(100, "é")


def test_the_data_and_stream_message_limits_are_separate(lowered: Callable[..., Sync]) -> None:
    sync = lowered(data_bytes=10)
    svc = sync.services("default")
    stream = svc.sync_streams.create(unique_name="s")
    assert stream.stream_messages.create(data=payload(4_096, "x")).data == payload(4_096, "x")

    sync = lowered(stream_message_bytes=10)
    svc = sync.services("default")
    assert svc.documents.create(data=payload(16_384, "x")).data == payload(16_384, "x")


# -- stream message size --------------------------------------------------------------


def test_a_stream_message_at_a_lowered_limit_is_published_and_one_byte_more_refused(
    lowered: Callable[..., Sync],
) -> None:
    home = home_in(lowered(stream_message_bytes=50), STREAM)
    messages = home.objects("box").stream_messages
    heard = home.watch()

    published = messages.create(data=payload(50, "é"))
    assert published.data == payload(50, "é")
    assert [(event.type, event.data) for event in heard] == [
        ("stream_message_published", payload(50, "é"))
    ]

    with home.unchanged():  # nothing published, nothing heard
        error = refused(partial(messages.create, data=payload(51, "x")), 413, 54006, TOO_LARGE)
    detailed(error, "data is 51 bytes, the limit is 50")
    assert len(heard) == 1


def test_a_stream_message_over_a_lowered_limit_is_refused_through_the_sdk(
    lowered: Callable[..., Sync], caplog: pytest.LogCaptureFixture
) -> None:
    home = home_in(lowered(stream_message_bytes=50), STREAM)
    messages = sdk_home(home)("box").stream_messages
    heard = home.watch()

    assert messages.create(data=payload(50, "x")).data == payload(50, "x")
    with home.unchanged():
        sdk_refused(
            partial(messages.create, data=payload(51, "x")),
            413,
            54006,
            TOO_LARGE,
            "data is 51 bytes, the limit is 50",
            caplog,
        )
    assert [event.type for event in heard] == ["stream_message_published"]


# -- list length ----------------------------------------------------------------------


def test_a_list_lowered_to_5_items_refuses_the_6th_and_takes_one_again_after_a_delete(
    lowered: Callable[..., Sync],
) -> None:
    home = home_in(lowered(list_items=5), LIST)
    items = home.items()
    assert [items.create(data={"n": n}).index for n in range(5)] == [0, 1, 2, 3, 4]

    with home.unchanged():
        error = refused(partial(items.create, data={"n": 5}), 400, 20001, INVALID)
    detailed(error, "a List holds at most 5 items")

    # The limit counts the items a List holds now (its item_count), not the indexes
    # ever given: a delete makes room, and the new item takes the next index.
    items(2).delete()
    assert items.create(data={"n": 5}).index == 5
    assert [item.index for item in items.list()] == [0, 1, 3, 4, 5]
    with home.unchanged():
        refused(partial(items.create, data={"n": 6}), 400, 20001, INVALID)


def test_a_list_lowered_to_5_items_refuses_the_6th_through_the_sdk(
    lowered: Callable[..., Sync], caplog: pytest.LogCaptureFixture
) -> None:
    home = home_in(lowered(list_items=5), LIST)
    items = sdk_home(home)("box").sync_list_items
    assert [items.create(data={"n": n}).index for n in range(5)] == [0, 1, 2, 3, 4]

    with home.unchanged():
        sdk_refused(
            partial(items.create, data={"n": 5}),
            400,
            20001,
            INVALID,
            "a List holds at most 5 items",
            caplog,
        )
    assert items(0).delete() is True
    assert items.create(data={"n": 5}).index == 5


# -- page size ------------------------------------------------------------------------


@pytest.mark.parametrize("asked", [None, 3, 50, 1_000])
def test_pages_hold_at_most_a_lowered_page_size(
    lowered: Callable[..., Sync], asked: int | None
) -> None:
    docs = lowered(page_size=3).services("default").documents
    names = [docs.create(unique_name=f"d{n}").unique_name for n in range(8)]

    page: Page[DocumentRecord] | None = docs.page(page_size=asked)  # None: the default
    sizes, seen = [], []
    while page is not None:
        assert page.page_size == 3
        sizes.append(len(page))
        seen += [doc.unique_name for doc in page]
        page = page.next_page()

    assert (sizes, seen) == ([3, 3, 2], names)
    assert [doc.unique_name for doc in docs.list(page_size=asked)] == names
    assert [doc.unique_name for doc in docs.stream(limit=5)] == names[:5]


def test_a_smaller_page_size_than_the_lowered_one_is_still_honoured(
    lowered: Callable[..., Sync],
) -> None:
    home = home_in(lowered(page_size=3), MAP)
    for key in "abcde":
        home.add({}, at=key)
    first = home.items().page(page_size=2)
    assert ([item.key for item in first], first.page_size) == (["a", "b"], 2)
    assert [item.key for item in first.next_page() or []] == ["c", "d"]


def test_a_page_token_of_a_larger_page_is_clamped_to_the_lowered_page_size(
    lowered: Callable[..., Sync],
) -> None:
    # A token made by a Sync of Twilio's limits (pages of 50) read by one lowered to 3:
    # the token keeps its place, and the page holds 3.
    twilio, small = lowered(), lowered(page_size=3)
    for sync in (twilio, small):
        for n in range(8):
            sync.services("default").documents.create(unique_name=f"d{n}")
    token = twilio.services("default").documents.page(page_size=5).next_page_token
    assert token is not None
    page = small.services("default").documents.page(page_token=token)
    assert ([doc.unique_name for doc in page], page.page_size) == (["d5", "d6", "d7"], 3)


def test_a_lowered_page_size_pages_the_sdk_by_3_and_next_page_url_walks_them_all(
    lowered: Callable[..., Sync],
) -> None:
    home = home_in(lowered(page_size=3), LIST)
    for n in range(8):
        home.add({"n": n})
    items = sdk_home(home)("box").sync_list_items

    page = items.page(page_size=50)
    pages = []
    while page is not None:
        assert page._payload["meta"]["page_size"] == 3
        url = page.next_page_url
        pages.append([item.index for item in page])
        if url is not None:
            assert parse_qs(urlsplit(url).query)["PageSize"] == ["3"]
        page = page.next_page()

    assert pages == [[0, 1, 2], [3, 4, 5], [6, 7]]
    assert [item.index for item in items.list()] == list(range(8))
    assert [item.index for item in items.list(page_size=100, limit=7)] == list(range(7))


# -- unique names ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_a_unique_name_at_a_lowered_length_is_accepted_and_one_more_refused(
    lowered: Callable[..., Sync], kind: Kind
) -> None:
    home = home_in(lowered(unique_name_length=5), kind)
    assert home.objects.create(unique_name="abcd€").unique_name == "abcd€"

    with home.unchanged():
        error = refused(partial(home.objects.create, unique_name="abcdef"), 400, 54302, BAD_NAME)
    detailed(error, "a unique name must be 1 to 5 characters, got 6")
    assert [record.unique_name for record in home.objects.list()] == ["box", "abcd€"]


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_a_unique_name_over_a_lowered_length_is_refused_through_the_sdk(
    lowered: Callable[..., Sync], kind: Kind, caplog: pytest.LogCaptureFixture
) -> None:
    home = home_in(lowered(unique_name_length=5), kind)
    objects = sdk_home(home)
    assert objects.create(unique_name="abcde").unique_name == "abcde"
    with home.unchanged():
        sdk_refused(
            partial(objects.create, unique_name="abcdef"),
            400,
            54302,
            BAD_NAME,
            "a unique name must be 1 to 5 characters, got 6",
            caplog,
        )


# -- map keys -------------------------------------------------------------------------


def test_a_key_at_a_lowered_length_is_accepted_and_one_more_refused(
    lowered: Callable[..., Sync],
) -> None:
    home = home_in(lowered(map_key_length=4), MAP)
    items = home.items()
    assert items.create(key="abc€", data={}).key == "abc€"

    with home.unchanged():
        error = refused(partial(items.create, key="abcde", data={}), 400, 54209, BAD_KEY)
        detailed(error, "a key must be 1 to 4 characters, got 5")
        # Addressed, a longer key is malformed as a 321-character one is on Twilio.
        for call in (
            items("abcde").fetch,
            partial(items("abcde").update, data={}),
            items("abcde").delete,
            partial(items.list, from_="abcde"),
        ):
            refused(call, 400, 54209, BAD_KEY)
    assert items("abc€").fetch().key == "abc€"


def test_a_key_over_a_lowered_length_is_refused_through_the_sdk(
    lowered: Callable[..., Sync], caplog: pytest.LogCaptureFixture
) -> None:
    home = home_in(lowered(map_key_length=4), MAP)
    items = sdk_home(home)("box").sync_map_items
    assert items.create(key="abcd", data={"a": 1}).key == "abcd"
    with home.unchanged():
        sdk_refused(
            partial(items.create, key="abcde", data={}),
            400,
            54209,
            BAD_KEY,
            "a key must be 1 to 4 characters, got 5",
            caplog,
        )
        sdk_refused(
            items("abcde").fetch,
            400,
            54209,
            BAD_KEY,
            "a key must be 1 to 4 characters, got 5",
            caplog,
        )
    assert items("abcd").fetch().data == {"a": 1}


# -- import_state ---------------------------------------------------------------------


def state_of(**service: Any) -> dict[str, Any]:
    return {"version": 1, "services": [{"unique_name": "default", **service}]}


@pytest.mark.parametrize(
    ("limits", "at", "over", "place", "problem"),
    [
        (
            {"data_bytes": 20},
            state_of(documents=[{"data": payload(20, "x")}]),
            state_of(documents=[{"data": payload(21, "x")}]),
            "services[0].documents[0].data",
            "data is 21 bytes, the limit is 20",
        ),
        (
            {"data_bytes": 20},
            state_of(maps=[{"items": [{"key": "k", "data": payload(20, "é")}]}]),
            state_of(maps=[{"items": [{"key": "k", "data": payload(21, "é")}]}]),
            "services[0].maps[0].items[0].data",
            "data is 21 bytes, the limit is 20",
        ),
        (
            {"unique_name_length": 3},
            state_of(streams=[{"unique_name": "abc"}]),
            state_of(streams=[{"unique_name": "abcd"}]),
            "services[0].streams[0].unique_name",
            "a unique name must be 1 to 3 characters, got 4",
        ),
        (
            {"map_key_length": 3},
            state_of(maps=[{"items": [{"key": "abc", "data": {}}]}]),
            state_of(maps=[{"items": [{"key": "abcd", "data": {}}]}]),
            "services[0].maps[0].items[0].key",
            "a key must be 1 to 3 characters, got 4",
        ),
        (
            {"list_items": 2},
            state_of(lists=[{"items": [{"data": {}}] * 2}]),
            state_of(lists=[{"items": [{"data": {}}] * 3}]),
            "services[0].lists[0].items",
            "a List holds at most 2 items",
        ),
    ],
    ids=["document-data", "item-data", "unique-name", "key", "list-length"],
)
def test_import_state_checks_the_lowered_limits_and_changes_nothing_when_refused(
    lowered: Callable[..., Sync],
    limits: dict[str, int],
    at: dict[str, Any],
    over: dict[str, Any],
    place: str,
    problem: str,
) -> None:
    sync = lowered(**limits)
    sync.services("default").documents.create(unique_name="b", data={"n": 1})
    before = sync.export_state()

    with pytest.raises(StateFormatError) as info:
        sync.import_state(over)
    assert str(info.value) == f"{place}: {problem}"
    assert sync.export_state() == before

    sync.import_state(at)  # at the limit: imported
    assert sync.export_state() != before
    with pytest.raises(StateFormatError, match=problem):
        Sync.import_state(over, limits=Limits(**limits))
    assert Sync.import_state(over).limits == Limits()  # Twilio's limits take it


# -- the rule, for any data -----------------------------------------------------------


@given(data=sst.json_data(max_bytes=300), choice=st.data())
def test_a_create_succeeds_iff_the_compact_json_fits_the_lowered_limit(
    data: dict[str, Any], choice: st.DataObject
) -> None:
    n = size(data)
    limit = choice.draw(st.integers(max(1, n - 2), n + 2) | st.integers(1, 16_384), label="limit")
    docs = Sync(seed=1, limits=Limits(data_bytes=limit)).services("default").documents
    if n <= limit:
        created = docs.create(data=data)
        assert docs(created.sid).fetch().data == data
    else:
        error = refused(partial(docs.create, data=data), 413, 54006, TOO_LARGE)
        assert error.detail == f"data is {n} bytes, the limit is {limit}"
        assert docs.list() == []
