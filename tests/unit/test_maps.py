"""What only Maps do: their items' keys (any text of 1 to 320 characters, taken at most once,
percent-encoded in URLs).

What Maps do as Lists do is in tests/unit/test_collections.py, and as every kind does in
tests/unit/test_objects.py; the listing of Map Items in code-point order of their keys is
in tests/unit/test_item_listing.py. Each refusal is checked three ways: the error, that
nothing changed and that nothing was announced (``Home.unchanged``).
"""

from __future__ import annotations

from functools import partial

import pytest
from kinds import MAP, Home, Kind
from support import (
    BAD_DATA,
    BASE,
    NULL_DATA,
    TOO_LARGE,
    TTL,
    payload,
    refused,
)

from sync_core import SyncError, SyncMapItemRecord

BAD_KEY = "Invalid Map Item key"
KEY_TAKEN = "An Item with given key already exists in the Map"


@pytest.fixture
def kind() -> Kind:
    return MAP


def keys(records: list[SyncMapItemRecord]) -> list[str]:
    return [record.key for record in records]


@pytest.mark.parametrize(
    ("key", "encoded"),
    [
        ("plain", "plain"),
        ("a b", "a%20b"),
        ("a/b", "a%2Fb"),
        ("?&=#", "%3F%26%3D%23"),
        ("100%", "100%25"),
        ("é", "%C3%A9"),
        ("😀", "%F0%9F%98%80"),
        ("A-z_0.9~", "A-z_0.9~"),
        ("+:;@", "%2B%3A%3B%40"),
    ],
)
def test_the_key_is_percent_encoded_in_the_item_url(box: Home, key: str, encoded: str) -> None:
    record = box.objects("box").fetch()

    item = box.add({}, at=key)

    assert item.url == f"{BASE}/Services/{box.service}/Maps/{record.sid}/Items/{encoded}"
    assert item.to_dict()["url"] == item.url
    assert item.to_dict()["key"] == key


@pytest.mark.parametrize(
    "key",
    [
        "k",
        "k" * 320,
        "é" * 320,
        "😀" * 320,
        "with spaces",
        " ",
        "a/b/c",
        "/",
        "what?",
        "#hash",
        "😀",
        "MP" + "0" * 32,
        "null",
    ],
    ids=[
        "1-char",
        "320-chars",
        "320-two-byte",
        "320-emoji",
        "spaces",
        "only-space",
        "slashes",
        "slash",
        "question-mark",
        "hash",
        "emoji",
        "sid-shaped",
        "null-text",
    ],
)
def test_a_key_of_1_to_320_characters_of_any_kind_is_accepted(box: Home, key: str) -> None:
    items = box.items()

    item = box.add({"key": key}, at=key)

    assert item.key == key
    assert items(key).fetch() == item
    assert items.list() == [item]
    updated = items(key).update(data={"again": True})
    assert updated.revision == "1"
    assert items.list() == [updated]
    assert items(key).delete() is True
    assert items.list() == []


@pytest.mark.parametrize(
    "key", ["k" * 321, "😀" * 321, "", 42, None], ids=["321", "321-emoji", "empty", "int", "none"]
)
def test_a_bad_key_is_54209_on_create_and_changes_nothing(box: Home, key: object) -> None:
    box.add({}, at="kept")

    with box.unchanged():
        refused(partial(box.items().create, key=key, data={"a": 1}), 400, 54209, BAD_KEY)


def test_a_taken_key_is_409_54208_and_changes_nothing(box: Home) -> None:
    box.add({"score": 1}, at="alice", item_ttl=100)
    box.add({"score": 2}, at="bob")

    with box.unchanged():
        refused(partial(box.add, {"score": 9}, at="alice"), 409, 54208, KEY_TAKEN)
        refused(
            partial(box.add, {"score": 9}, at="alice", item_ttl=5, collection_ttl=5),
            409,
            54208,
            KEY_TAKEN,
        )


def test_bad_parameters_come_before_a_taken_key(box: Home) -> None:
    box.add({}, at="k")

    with box.unchanged():
        refused(partial(box.add, None, at="k"), 400, 54206, NULL_DATA)
        refused(partial(box.add, [1], at="k"), 400, 54008, BAD_DATA)
        refused(partial(box.add, payload(16_385, "x"), at="k"), 413, 54006, TOO_LARGE)
        refused(partial(box.add, {}, at="k", item_ttl=-1), 400, 54011, TTL)
        refused(partial(box.add, {}, at="k", collection_ttl=-1), 400, 54011, TTL)


def test_keys_are_case_sensitive_and_exact(box: Home) -> None:
    created = [box.add({"k": key}, at=key) for key in ("a", "A", "a ", " a")]

    assert sorted(keys(box.items().list())) == sorted(["a", "A", "a ", " a"])
    for item in created:
        assert box.items()(item.key).fetch() == item


def test_a_deleted_key_is_free_again(box: Home) -> None:
    items = box.items()
    old = box.add({"old": True}, at="alice", item_ttl=100)
    items("alice").update(data={"old": "updated"})
    assert items("alice").delete() is True
    box.clock.advance(5)

    again = box.add({"new": True}, at="alice")

    assert again.revision == "0"
    assert again.data == {"new": True}
    assert again.date_expires is None
    assert again.date_created == box.clock.now() != old.date_created
    assert items("alice").fetch() == again
    assert items.list() == [again]
    assert box.objects("box").fetch().revision == "4"


def test_an_expired_key_is_free_again(box: Home) -> None:
    box.add({"old": True}, at="alice", item_ttl=10)
    box.clock.advance(10)

    again = box.add({"new": True}, at="alice")

    assert (again.revision, again.data, again.date_expires) == ("0", {"new": True}, None)
    assert box.items()("alice").fetch() == again
    assert box.items().list() == [again]
    assert box.objects("box").fetch().revision == "3"  # created, expired, created


def test_the_same_key_in_two_maps_is_two_items(home: Home) -> None:
    one = home.objects.create(unique_name="one")
    two = home.objects.create(unique_name="two")

    first = home.add({"in": "one"}, ident="one")
    second = home.add({"in": "two"}, ident="two")
    home.items("one")("k").delete()

    assert (first.map_sid, second.map_sid) == (one.sid, two.sid)
    assert home.items("one").list() == []
    assert home.items("two").list() == [second]
    assert home.objects("two").fetch().revision == "1"
    assert home.objects("one").fetch().revision == "2"


def test_a_key_with_a_lone_surrogate_is_refused_or_works_everywhere(box: Home) -> None:
    """A lone surrogate has no UTF-8 form (data holding one is refused with 54008).

    Whichever way the key is taken, no call may then fail with anything but a
    SyncError: either the create is 400/54209 and changes nothing, or the item's URL,
    its JSON and the paging through it work.
    """
    items = box.items()
    box.add({}, at="a")
    before = box.state()
    box.clock.advance(5)

    outcome: SyncMapItemRecord | SyncError
    try:
        outcome = items.create(key="\ud800", data={"n": 1})
    except SyncError as error:
        outcome = error
    if isinstance(outcome, SyncError):
        assert outcome.to_dict() == {
            "code": 54209,
            "message": BAD_KEY,
            "more_info": "https://www.twilio.com/docs/errors/54209",
            "status": 400,
        }
        assert box.state() == before
        return
    item = outcome
    assert item.to_dict()["url"] == item.url
    assert items("\ud800").fetch() == item
    assert keys(items.list(page_size=1)) == ["a", "\ud800"]
