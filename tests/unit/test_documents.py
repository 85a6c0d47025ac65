"""What only Documents do: hold data, updated as a whole, conditionally with ``If-Match``.

What Documents do as every kind does (create, unique names, TTLs, fetch, 404s, delete,
listing, expiry) is in tests/unit/test_objects.py. Each refusal is checked three ways:
the error (status, Twilio code, exact message), that nothing changed (the document
fetched again, the listing) and that nothing was announced (``Home.unchanged``).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from kinds import DOCUMENT, Home, Kind
from support import (
    BAD_IF_MATCH,
    BAD_TTLS,
    NOTHING,
    TTL,
    refused,
)

STALE = "The revision of the Document does not match the expected revision"


@pytest.fixture
def kind() -> Kind:
    return DOCUMENT


def test_create_keeps_the_data(home: Home) -> None:
    doc = home.objects.create(unique_name="box", data={"theme": "dark", "n": [1, 2.5, None]})

    assert doc.data == {"theme": "dark", "n": [1, 2.5, None]}
    assert doc.to_dict()["data"] == {"theme": "dark", "n": [1, 2.5, None]}
    assert doc.revision == "0"
    assert home.objects("box").fetch() == doc


# -- update and revisions -------------------------------------------------------------


def test_each_update_adds_one_to_the_revision_and_moves_date_updated(home: Home) -> None:
    doc = home.objects.create(unique_name="box", data={"n": 0})

    for n in range(1, 6):
        home.clock.advance(7)
        updated = home.objects("box").update(data={"n": n})
        assert updated.revision == str(n)
        assert updated.data == {"n": n}
        assert updated.date_updated == home.clock.now()
        assert updated.date_created == doc.date_created
        assert (updated.sid, updated.unique_name, updated.created_by) == (doc.sid, "box", "system")
        assert home.objects(doc.sid).fetch() == updated


@pytest.mark.parametrize("if_match", ["2", '"2"'], ids=["plain", "quoted-etag"])
def test_an_if_match_equal_to_the_revision_lets_the_update_through(
    home: Home, if_match: str
) -> None:
    doc = home.objects.create(data={"v": 0})
    home.objects(doc.sid).update(data={"v": 1})
    home.objects(doc.sid).update(data={"v": 2})

    updated = home.objects(doc.sid).update(data={"v": 3}, if_match=if_match)

    assert (updated.revision, updated.data) == ("3", {"v": 3})


@pytest.mark.parametrize(
    "change",
    [{"data": {"v": "mine"}}, {"ttl": 60}, {"data": {"v": "mine"}, "ttl": 0}],
    ids=["data", "ttl", "both"],
)
def test_a_stale_if_match_is_412_and_changes_nothing(home: Home, change: dict[str, Any]) -> None:
    doc = home.objects.create(unique_name="box", data={"v": 0}, ttl=600)
    home.objects("box").update(data={"v": "theirs"}, if_match=doc.revision)
    update = home.objects("box").update

    with home.unchanged():
        refused(partial(update, if_match=doc.revision, **change), 412, 20412, STALE)
        refused(partial(update, if_match="7", **change), 412, 20412, STALE)


@pytest.mark.parametrize("if_match", ["abc", "1.0", "-1", "0x1", "*"])
def test_an_if_match_that_is_not_a_revision_is_54003_and_changes_nothing(
    home: Home, if_match: str
) -> None:
    home.objects.create(unique_name="box", data={"v": 0})
    update = partial(home.objects("box").update, data={"v": 1}, if_match=if_match)

    with home.unchanged():
        refused(update, 400, 54003, BAD_IF_MATCH)


def test_an_update_with_only_an_if_match_is_54010_and_changes_nothing(home: Home) -> None:
    home.objects.create(unique_name="box", data={"v": 0}, ttl=60)

    with home.unchanged():
        refused(partial(home.objects("box").update, if_match="0"), 400, 54010, NOTHING)


# -- data and TTL in one update -------------------------------------------------------


@pytest.mark.parametrize("ttl", BAD_TTLS)
def test_a_bad_ttl_with_data_is_54011_and_changes_nothing(home: Home, ttl: object) -> None:
    home.objects.create(unique_name="box", data={"a": 1}, ttl=600)

    with home.unchanged():
        refused(partial(home.objects("box").update, data={"a": 2}, ttl=ttl), 400, 54011, TTL)


@pytest.mark.parametrize("ttl", [0, "30"])
def test_a_ttl_only_update_keeps_the_data(home: Home, ttl: object) -> None:
    doc = home.objects.create(data={"a": 1}, ttl=600)
    home.clock.advance(100)

    updated = home.objects(doc.sid).update(ttl=ttl)

    assert (updated.revision, updated.data) == ("1", {"a": 1})
    assert home.objects(doc.sid).fetch() == updated


# -- data -----------------------------------------------------------------------------
