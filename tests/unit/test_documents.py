"""Documents: create, fetch, conditional update, unique names, TTL, data, 404s, listing.

Each refusal is checked twice: the error (status, Twilio code, exact message) and that
nothing changed (the document fetched again, or the listing, is as before).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from support import not_found, refused, size

from sync_core import (
    DocumentList,
    DocumentRecord,
    ManualClock,
    Sync,
)

BASE = "https://sync.twilio.com/v1"
START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR = 31_536_000

NOTHING = "Expected at least 1 optional parameter, but none were provided"
STALE = "The revision of the Document does not match the expected revision"
BAD_IF_MATCH = "Invalid If-Match header"
BAD_NAME = "Invalid unique name"
NAME_TAKEN = "Unique name already exists"
TTL = (
    "The TTL value in seconds must either be empty or an integer between 0 and 31 536 000 (1 year)"
)
NULL_DATA = "The 'Data' parameter cannot be null"
BAD_DATA = "Invalid request body: the type of one of the attributes is invalid"
TOO_LARGE = "Request entity too large"


def documents(sync: Sync) -> DocumentList:
    """The documents of a fresh service."""
    return sync.services(sync.services.create().sid).documents


def sid_shaped(prefix: str) -> str:
    return prefix + "0123456789abcdef" * 2


# -- create ---------------------------------------------------------------------------


def test_a_new_document_has_twilio_defaults(sync: Sync, clock: ManualClock) -> None:
    svc = sync.services.create()

    doc = sync.services(svc.sid).documents.create()

    assert re.fullmatch(r"ET[0-9a-f]{32}", doc.sid)
    assert doc.account_sid == sync.account_sid
    assert doc.service_sid == svc.sid
    assert doc.revision == "0"
    assert doc.data == {}
    assert doc.created_by == "system"
    assert doc.unique_name is None
    assert doc.date_expires is None
    assert doc.date_created == doc.date_updated == clock.now() == START
    assert doc.url == f"{BASE}/Services/{svc.sid}/Documents/{doc.sid}"
    assert doc.links == {
        "permissions": f"{BASE}/Services/{svc.sid}/Documents/{doc.sid}/Permissions"
    }
    assert sync.services(svc.sid).documents(doc.sid).fetch() == doc


def test_create_keeps_data_unique_name_and_ttl(sync: Sync, clock: ManualClock) -> None:
    docs = documents(sync)
    clock.advance(30)

    doc = docs.create(unique_name="prefs", data={"theme": "dark", "n": [1, 2.5, None]}, ttl=3600)

    assert doc.unique_name == "prefs"
    assert doc.data == {"theme": "dark", "n": [1, 2.5, None]}
    assert doc.date_expires == clock.now() + timedelta(seconds=3600)
    assert doc.revision == "0"
    assert docs("prefs").fetch() == doc


def test_none_means_not_given_on_create(sync: Sync) -> None:
    doc = documents(sync).create(unique_name=None, data=None, ttl=None)

    assert (doc.unique_name, doc.data, doc.date_expires) == (None, {}, None)


def test_to_dict_is_the_rest_json(sync: Sync, clock: ManualClock) -> None:
    svc = sync.services.create()
    clock.advance(timedelta(hours=1, seconds=2, microseconds=600_000))

    doc = sync.services(svc.sid).documents.create(unique_name="prefs", data={"a": 1}, ttl=60)

    url = f"{BASE}/Services/{svc.sid}/Documents/{doc.sid}"
    assert doc.to_dict() == {
        "sid": doc.sid,
        "unique_name": "prefs",
        "account_sid": sync.account_sid,
        "service_sid": svc.sid,
        "url": url,
        "links": {"permissions": f"{url}/Permissions"},
        "revision": "0",
        "data": {"a": 1},
        "date_expires": "2025-01-01T01:01:02Z",
        "date_created": "2025-01-01T01:00:02Z",
        "date_updated": "2025-01-01T01:00:02Z",
        "created_by": "system",
    }
    assert sync.services(svc.sid).documents.create().to_dict()["date_expires"] is None


# -- fetch ----------------------------------------------------------------------------


def test_a_document_is_fetched_by_sid_and_by_unique_name(sync: Sync) -> None:
    docs = documents(sync)
    named = docs.create(unique_name="prefs", data={"a": 1})
    anonymous = docs.create(data={"b": 2})

    assert docs(named.sid).fetch() == named
    assert docs("prefs").fetch() == named
    assert docs.get("prefs").fetch() == named
    assert docs(anonymous.sid).fetch() == anonymous


def test_a_document_is_reached_through_the_default_alias_too(sync: Sync) -> None:
    doc = sync.services("default").documents.create(unique_name="prefs")
    svc = sync.services("default").fetch()

    assert sync.services(svc.sid).documents("prefs").fetch() == doc
    assert sync.services("default").documents(doc.sid).fetch() == doc


# -- update and revisions -------------------------------------------------------------


def test_each_update_adds_one_to_the_revision_and_moves_date_updated(
    sync: Sync, clock: ManualClock
) -> None:
    docs = documents(sync)
    doc = docs.create(unique_name="counter", data={"n": 0})

    for n in range(1, 6):
        clock.advance(7)
        updated = docs("counter").update(data={"n": n})
        assert updated.revision == str(n)
        assert updated.data == {"n": n}
        assert updated.date_updated == clock.now()
        assert updated.date_created == doc.date_created
        assert docs(doc.sid).fetch() == updated


@pytest.mark.parametrize("if_match", ["2", '"2"'], ids=["plain", "quoted-etag"])
def test_an_if_match_equal_to_the_revision_lets_the_update_through(
    sync: Sync, if_match: str
) -> None:
    docs = documents(sync)
    doc = docs.create(data={"v": 0})
    docs(doc.sid).update(data={"v": 1})
    docs(doc.sid).update(data={"v": 2})

    updated = docs(doc.sid).update(data={"v": 3}, if_match=if_match)

    assert (updated.revision, updated.data) == ("3", {"v": 3})


@pytest.mark.parametrize(
    "change",
    [{"data": {"v": "mine"}}, {"ttl": 60}, {"data": {"v": "mine"}, "ttl": 0}],
    ids=["data", "ttl", "both"],
)
def test_a_stale_if_match_is_412_and_changes_nothing(
    sync: Sync, clock: ManualClock, change: dict[str, Any]
) -> None:
    docs = documents(sync)
    doc = docs.create(unique_name="prefs", data={"v": 0}, ttl=600)
    current = docs("prefs").update(data={"v": "theirs"}, if_match=doc.revision)
    clock.advance(5)

    refused(lambda: docs("prefs").update(if_match=doc.revision, **change), 412, 20412, STALE)
    refused(lambda: docs("prefs").update(if_match="7", **change), 412, 20412, STALE)

    assert docs("prefs").fetch() == current
    assert docs.list() == [current]


@pytest.mark.parametrize("if_match", ["abc", "1.0", "-1", "0x1", "*"])
def test_an_if_match_that_is_not_a_revision_is_54003_and_changes_nothing(
    sync: Sync, clock: ManualClock, if_match: str
) -> None:
    docs = documents(sync)
    doc = docs.create(data={"v": 0})
    clock.advance(5)

    refused(
        lambda: docs(doc.sid).update(data={"v": 1}, if_match=if_match), 400, 54003, BAD_IF_MATCH
    )

    assert docs(doc.sid).fetch() == doc


@pytest.mark.parametrize(
    "params",
    [{}, {"if_match": "0"}, {"data": None, "ttl": None}],
    ids=["nothing", "only-if-match", "only-nones"],
)
def test_an_update_without_data_or_ttl_is_54010_and_changes_nothing(
    sync: Sync, clock: ManualClock, params: dict[str, Any]
) -> None:
    docs = documents(sync)
    doc = docs.create(data={"v": 0}, ttl=60)
    clock.advance(5)

    refused(lambda: docs(doc.sid).update(**params), 400, 54010, NOTHING)

    assert docs(doc.sid).fetch() == doc


def test_an_update_replaces_the_whole_data_object(sync: Sync) -> None:
    docs = documents(sync)
    doc = docs.create(data={"a": 1, "b": {"c": 2, "d": 3}})

    updated = docs(doc.sid).update(data={"b": {"c": 20}})

    assert updated.data == {"b": {"c": 20}}
    assert docs(doc.sid).fetch().data == {"b": {"c": 20}}
    assert docs(doc.sid).update(data={}).data == {}


def test_an_update_keeps_the_unique_name_sid_and_creation_date(
    sync: Sync, clock: ManualClock
) -> None:
    docs = documents(sync)
    doc = docs.create(unique_name="prefs", data={"a": 1})
    clock.advance(10)

    updated = docs("prefs").update(data={"a": 2})

    assert (updated.sid, updated.unique_name, updated.created_by) == (doc.sid, "prefs", "system")
    assert updated.date_created == doc.date_created


# -- unique names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "x",
        "n" * 320,
        "é" * 320,
        "ET" + "A" * 32,
        "ET" + "0123456789ABCDEF" * 2,
        "et" + "0" * 32,
        "ET" + "0" * 31,
        "ET" + "0" * 33,
        "with spaces/and:punctuation",
    ],
    ids=[
        "1-char",
        "320-chars",
        "320-non-ascii",
        "uppercase-hex-A",
        "uppercase-hex",
        "lowercase-prefix",
        "31-hex",
        "33-hex",
        "punctuation",
    ],
)
def test_a_unique_name_of_1_to_320_characters_not_shaped_like_a_sid_is_accepted(
    sync: Sync, name: str
) -> None:
    docs = documents(sync)

    doc = docs.create(unique_name=name, data={"n": name})

    assert doc.unique_name == name
    assert docs(name).fetch() == doc
    assert docs(doc.sid).fetch() == doc


@pytest.mark.parametrize(
    "name",
    ["n" * 321, "", sid_shaped("ET"), sid_shaped("IS"), sid_shaped("MP"), "ES" + "0" * 32, 42],
    ids=["321-chars", "empty", "ET-sid", "IS-sid", "MP-sid", "ES-zeros", "not-text"],
)
def test_a_bad_unique_name_is_54302_and_nothing_is_created(sync: Sync, name: object) -> None:
    docs = documents(sync)
    kept = docs.create(unique_name="kept")

    refused(lambda: docs.create(unique_name=name, data={"a": 1}), 400, 54302, BAD_NAME)

    assert docs.list() == [kept]


def test_a_unique_name_is_unique_within_a_service_only(sync: Sync, clock: ManualClock) -> None:
    first = sync.services.create()
    second = sync.services.create()
    doc = sync.services(first.sid).documents.create(unique_name="prefs", data={"a": 1})
    clock.advance(5)

    refused(
        lambda: sync.services(first.sid).documents.create(unique_name="prefs", data={"a": 2}),
        409,
        54301,
        NAME_TAKEN,
    )

    assert sync.services(first.sid).documents.list() == [doc]
    assert sync.services(first.sid).documents("prefs").fetch() == doc
    other = sync.services(second.sid).documents.create(unique_name="prefs", data={"b": 1})
    assert other.sid != doc.sid
    assert sync.services(second.sid).documents("prefs").fetch() == other
    assert sync.services(first.sid).documents("prefs").fetch() == doc


def test_delete_returns_true_and_frees_the_unique_name(sync: Sync) -> None:
    svc = sync.services.create()
    docs = sync.services(svc.sid).documents
    doc = docs.create(unique_name="prefs", data={"a": 1})

    assert docs("prefs").delete() is True

    message = not_found(f"/Services/{svc.sid}/Documents/prefs")
    refused(lambda: docs("prefs").fetch(), 404, 20404, message)
    again = docs.create(unique_name="prefs", data={"a": 2})
    assert again.sid != doc.sid
    assert again.revision == "0"
    assert docs("prefs").fetch() == again
    assert docs.list() == [again]


def test_a_deleted_document_is_404_by_sid_and_by_name(sync: Sync) -> None:
    svc = sync.services.create()
    docs = sync.services(svc.sid).documents
    doc = docs.create(unique_name="prefs")
    kept = docs.create(unique_name="kept")

    assert docs(doc.sid).delete() is True

    for ident in (doc.sid, "prefs"):
        message = not_found(f"/Services/{svc.sid}/Documents/{ident}")
        refused(lambda ident=ident: docs(ident).fetch(), 404, 20404, message)
        refused(lambda ident=ident: docs(ident).update(data={}), 404, 20404, message)
        refused(lambda ident=ident: docs(ident).delete(), 404, 20404, message)
    assert docs.list() == [kept]


# -- ttl ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ttl", "seconds"),
    [(0, None), (1, 1), (YEAR, YEAR), ("60", 60), ("0", None)],
    ids=["zero-never", "one", "one-year", "text", "text-zero"],
)
def test_a_ttl_from_0_to_one_year_is_accepted(
    sync: Sync, clock: ManualClock, ttl: object, seconds: int | None
) -> None:
    docs = documents(sync)
    clock.advance(12.5)

    doc = docs.create(ttl=ttl)

    expected = None if seconds is None else clock.now() + timedelta(seconds=seconds)
    assert doc.date_expires == expected
    assert docs(doc.sid).fetch().date_expires == expected


BAD_TTLS = [YEAR + 1, -1, 1.5, True, False, "abc", "1.5", "-5", ""]


@pytest.mark.parametrize("ttl", BAD_TTLS)
def test_a_bad_ttl_is_54011_on_create_and_nothing_is_created(sync: Sync, ttl: object) -> None:
    docs = documents(sync)
    kept = docs.create(unique_name="kept")

    refused(lambda: docs.create(unique_name="new", ttl=ttl), 400, 54011, TTL)

    assert docs.list() == [kept]


@pytest.mark.parametrize("ttl", BAD_TTLS)
def test_a_bad_ttl_is_54011_on_update_and_changes_nothing(
    sync: Sync, clock: ManualClock, ttl: object
) -> None:
    docs = documents(sync)
    doc = docs.create(data={"a": 1}, ttl=600)
    clock.advance(5)

    refused(lambda: docs(doc.sid).update(data={"a": 2}, ttl=ttl), 400, 54011, TTL)

    assert docs(doc.sid).fetch() == doc


def test_ttl_zero_on_update_clears_the_expiry(sync: Sync, clock: ManualClock) -> None:
    docs = documents(sync)
    doc = docs.create(data={"a": 1}, ttl=600)
    clock.advance(5)

    updated = docs(doc.sid).update(ttl=0)

    assert updated.date_expires is None
    assert updated.revision == "1"
    assert updated.data == {"a": 1}
    assert updated.date_updated == clock.now()
    assert docs(doc.sid).fetch() == updated


def test_a_data_only_update_keeps_date_expires(sync: Sync, clock: ManualClock) -> None:
    docs = documents(sync)
    doc = docs.create(data={"a": 1}, ttl=600)
    clock.advance(100)

    updated = docs(doc.sid).update(data={"a": 2})

    assert updated.date_expires == doc.date_expires == START + timedelta(seconds=600)
    assert docs(doc.sid).fetch().date_expires == doc.date_expires


def test_a_ttl_update_moves_the_expiry_to_now_plus_ttl_and_bumps_the_revision(
    sync: Sync, clock: ManualClock
) -> None:
    docs = documents(sync)
    doc = docs.create(data={"a": 1}, ttl=600)
    clock.advance(100)

    updated = docs(doc.sid).update(ttl="30")

    assert updated.date_expires == clock.now() + timedelta(seconds=30)
    assert updated.revision == "1"
    assert updated.data == doc.data
    assert updated.date_updated == clock.now()
    never = docs.create()
    assert docs(never.sid).update(ttl=45).date_expires == clock.now() + timedelta(seconds=45)


# -- data -----------------------------------------------------------------------------


def test_data_may_be_given_as_json_text(sync: Sync) -> None:
    docs = documents(sync)

    doc = docs.create(data='{"a": [1, 2], "b": {"c": null}, "é": "ü"}')
    assert doc.data == {"a": [1, 2], "b": {"c": None}, "é": "ü"}
    assert docs(doc.sid).fetch().data == doc.data

    updated = docs(doc.sid).update(data='{"z": true}')
    assert updated.data == {"z": True}
    assert docs(doc.sid).fetch().data == {"z": True}


def test_null_data_is_54101_and_changes_nothing(sync: Sync, clock: ManualClock) -> None:
    docs = documents(sync)
    doc = docs.create(data={"a": 1})
    clock.advance(5)

    refused(lambda: docs.create(data="null"), 400, 54101, NULL_DATA)
    refused(lambda: docs(doc.sid).update(data="null"), 400, 54101, NULL_DATA)

    assert docs.list() == [doc]


BAD_DATA_VALUES = [
    [1, 2],
    "[1, 2]",
    '"text"',
    "42",
    "{not json",
    "",
    42,
    {"x": float("nan")},
    {"x": float("inf")},
    '{"x": NaN}',
    {1: "a"},
    {"t": (1, 2)},
    {"s": {1, 2}},
]


@pytest.mark.parametrize("data", BAD_DATA_VALUES)
def test_data_that_is_not_a_json_object_is_54008_and_changes_nothing(
    sync: Sync, clock: ManualClock, data: object
) -> None:
    docs = documents(sync)
    doc = docs.create(data={"a": 1})
    clock.advance(5)

    refused(lambda: docs.create(data=data), 400, 54008, BAD_DATA)
    refused(lambda: docs(doc.sid).update(data=data), 400, 54008, BAD_DATA)

    assert docs.list() == [doc]


def _payload(total: int, char: str) -> dict[str, Any]:
    """``{"big": ...}`` of exactly ``total`` bytes, mostly ``char`` (1 or 2 UTF-8 bytes)."""
    width = len(char.encode())
    room = total - size({"big": ""})
    data = {"big": char * (room // width) + "x" * (room % width)}
    assert size(data) == total
    return data


@pytest.mark.parametrize("char", ["x", "é"], ids=["ascii", "two-byte"])
def test_data_of_16384_bytes_is_accepted(sync: Sync, char: str) -> None:
    docs = documents(sync)
    data = _payload(16_384, char)

    doc = docs.create(data=data)
    assert docs(doc.sid).fetch().data == data
    assert docs(doc.sid).update(data=data).revision == "1"
    assert docs.create(data=json.dumps(data, indent=4)).data == data  # formatting is free


@pytest.mark.parametrize("char", ["x", "é"], ids=["ascii", "two-byte"])
def test_data_of_16385_bytes_is_413_and_changes_nothing(
    sync: Sync, clock: ManualClock, char: str
) -> None:
    docs = documents(sync)
    doc = docs.create(data={"a": 1})
    clock.advance(5)
    data = _payload(16_385, char)

    refused(lambda: docs.create(data=data), 413, 54006, TOO_LARGE)
    refused(lambda: docs(doc.sid).update(data=data), 413, 54006, TOO_LARGE)
    refused(lambda: docs(doc.sid).update(data=json.dumps(data)), 413, 54006, TOO_LARGE)

    assert docs.list() == [doc]


def test_data_is_never_shared_with_the_caller(sync: Sync) -> None:
    docs = documents(sync)
    mine: dict[str, Any] = {"list": [1, 2], "nested": {"k": "v"}}

    created = docs.create(data=mine)
    mine["list"].append(3)
    mine["nested"]["k"] = "changed"
    created.data["list"].append(4)
    created.data["new"] = True
    fetched = docs(created.sid).fetch()
    fetched.data["nested"]["k"] = "also changed"

    assert docs(created.sid).fetch().data == {"list": [1, 2], "nested": {"k": "v"}}

    update: dict[str, Any] = {"list": ["a"]}
    updated = docs(created.sid).update(data=update)
    update["list"].append("b")
    updated.data["list"].append("c")
    assert docs(created.sid).fetch().data == {"list": ["a"]}
    assert docs.list()[0].data == {"list": ["a"]}


# -- 404s -----------------------------------------------------------------------------


def test_a_missing_document_is_404_naming_the_path_as_addressed(sync: Sync) -> None:
    svc = sync.services.create()
    docs = sync.services(svc.sid).documents
    doc = docs.create(unique_name="kept")

    for ident in ("nope", "ET" + "0" * 32, "ET" + "A" * 32):
        message = not_found(f"/Services/{svc.sid}/Documents/{ident}")
        refused(lambda ident=ident: docs(ident).fetch(), 404, 20404, message)
        refused(lambda ident=ident: docs(ident).update(data={"a": 1}), 404, 20404, message)
        refused(lambda ident=ident: docs(ident).delete(), 404, 20404, message)

    message = not_found("/Services/default/Documents/nope")
    refused(lambda: sync.services("default").documents("nope").fetch(), 404, 20404, message)
    assert docs.list() == [doc]


@pytest.mark.parametrize("service", ["IS" + "0" * 32, "nope"])
@pytest.mark.parametrize("ident", ["prefs", "ET" + "0" * 32])
def test_a_document_of_a_missing_service_is_404_naming_the_whole_path(
    sync: Sync, service: str, ident: str
) -> None:
    existing = sync.services.create()
    docs = sync.services(service).documents
    message = not_found(f"/Services/{service}/Documents/{ident}")

    refused(lambda: docs(ident).fetch(), 404, 20404, message)
    refused(lambda: docs(ident).update(data={"a": 1}), 404, 20404, message)
    refused(lambda: docs(ident).delete(), 404, 20404, message)

    assert sync.services.list() == [existing]


@pytest.mark.parametrize("service", ["IS" + "0" * 32, "nope"])
def test_the_documents_of_a_missing_service_are_404(sync: Sync, service: str) -> None:
    existing = sync.services.create()
    docs = sync.services(service).documents
    message = not_found(f"/Services/{service}/Documents")

    refused(lambda: docs.list(), 404, 20404, message)
    refused(lambda: docs.page(), 404, 20404, message)
    refused(lambda: docs.create(unique_name="prefs", data={"a": 1}), 404, 20404, message)

    assert sync.services.list() == [existing]
    assert sync.services(existing.sid).documents.list() == []


@pytest.mark.parametrize("prefix", ["MP", "ES", "TO", "IS", "AC"])
def test_a_document_addressed_by_a_sid_of_another_prefix_is_404(sync: Sync, prefix: str) -> None:
    svc = sync.services.create()
    docs = sync.services(svc.sid).documents
    doc = docs.create(data={"a": 1})
    other = prefix + doc.sid[2:]
    message = not_found(f"/Services/{svc.sid}/Documents/{other}")

    refused(lambda: docs(other).fetch(), 404, 20404, message)
    refused(lambda: docs(other).update(data={"a": 2}), 404, 20404, message)
    refused(lambda: docs(other).delete(), 404, 20404, message)

    assert docs(doc.sid).fetch() == doc


def test_a_document_is_404_through_another_service(sync: Sync) -> None:
    home = sync.services.create()
    away = sync.services.create()
    doc = sync.services(home.sid).documents.create(unique_name="prefs")

    for ident in (doc.sid, "prefs"):
        message = not_found(f"/Services/{away.sid}/Documents/{ident}")
        refused(
            lambda ident=ident: sync.services(away.sid).documents(ident).fetch(),
            404,
            20404,
            message,
        )
        refused(
            lambda ident=ident: sync.services(away.sid).documents(ident).delete(),
            404,
            20404,
            message,
        )
    assert sync.services(home.sid).documents(doc.sid).fetch() == doc


# -- listing --------------------------------------------------------------------------


def test_documents_are_listed_in_creation_order(sync: Sync, clock: ManualClock) -> None:
    docs = documents(sync)
    other = documents(sync)
    created: list[DocumentRecord] = []
    for n, name in enumerate(["zeta", None, "alpha", None, "mid"]):
        created.append(docs.create(unique_name=name, data={"n": n}))
        other.create(data={"elsewhere": n})
        clock.advance(1)

    assert docs.list() == created
    assert list(docs.stream()) == created
    assert docs.list(limit=3) == created[:3]

    updated = docs(created[0].sid).update(data={"n": "changed"})
    assert docs.list() == [updated, *created[1:]]


def test_documents_page_in_creation_order(sync: Sync) -> None:
    docs = documents(sync)
    created = [docs.create(data={"n": n}) for n in range(7)]

    page = docs.page(page_size=3)
    seen = list(page)
    while (page := page.next_page()) is not None:
        seen.extend(page)

    assert seen == created


def test_a_new_service_has_no_documents(sync: Sync) -> None:
    assert documents(sync).list() == []
