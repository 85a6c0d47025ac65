"""Paging: page sizes, cursor tokens, next and previous pages, list and stream."""

from __future__ import annotations

from typing import Any

import pytest
from support import walk

from sync_core import InvalidParameterError, Sync
from sync_core.documents import DocumentList
from sync_core.paging import Cursor


@pytest.fixture
def docs(sync: Sync) -> DocumentList:
    documents = sync.services("default").documents
    for n in range(120):
        documents.create(unique_name=f"d{n:03}")
    return documents


def names(records: object) -> list[str | None]:
    return [record.unique_name for record in records]  # type: ignore[attr-defined]


def test_a_page_holds_50_by_default(docs: DocumentList) -> None:
    page = docs.page()
    assert len(page) == 50
    assert page.page_size == 50
    assert page.page_number == 0
    assert names(page) == [f"d{n:03}" for n in range(50)]


@pytest.mark.parametrize(("asked", "served"), [(1, 1), (99, 99), (100, 100), (101, 100)])
def test_a_page_never_holds_more_than_100(docs: DocumentList, asked: int, served: int) -> None:
    assert len(docs.page(page_size=asked)) == served


def test_1000_is_accepted_and_served_100_at_a_time(docs: DocumentList) -> None:
    page = docs.page(page_size=1000)
    assert (len(page), page.page_size) == (100, 100)
    rest = page.next_page()
    assert rest is not None
    assert names(rest) == [f"d{n:03}" for n in range(100, 120)]
    assert rest.next_page() is None


@pytest.mark.parametrize("size", [1001, 5000, "100000", 10**30])
def test_a_page_size_above_the_maximum_is_clamped_not_refused(
    docs: DocumentList, size: object
) -> None:
    # The official SDKs send PageSize=limit uncapped (SEMANTICS.md): Twilio clamps it.
    page = docs.page(page_size=size)  # type: ignore[arg-type]  # text, as REST sends it
    assert (len(page), page.page_size) == (100, 100)
    assert len(docs.list(limit=5000)) == 120
    assert len(docs.list(limit=110)) == 110


@pytest.mark.parametrize("size", [0, -1, "x", 2.5, True, "1.5", " "])
def test_a_page_size_below_1_or_not_an_integer_is_400_54454(docs: DocumentList, size: Any) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        docs.page(page_size=size)
    err = caught.value
    assert (err.status, err.code, err.message) == (
        400,
        54454,
        "Invalid 'PageSize' query parameter",
    )


def test_next_and_previous_pages_walk_both_ways(docs: DocumentList) -> None:
    first = docs.page(page_size=40)
    assert first.previous_page() is None
    assert first.previous_page_token is None
    second = first.next_page()
    assert second is not None
    third = second.next_page()
    assert third is not None
    assert third.next_page() is None
    assert third.next_page_token is None
    assert [p.page_number for p in (first, second, third)] == [0, 1, 2]
    assert names(third) == [f"d{n:03}" for n in range(80, 120)]
    back = third.previous_page()
    assert back is not None
    assert names(back) == names(second)
    assert back.page_number == 1
    again = back.previous_page()
    assert again is not None
    assert names(again) == names(first)
    assert again.previous_page() is None


def test_a_token_goes_back_to_page(docs: DocumentList) -> None:
    first = docs.page(page_size=10)
    assert first.next_page_token is not None
    assert first.next_page_token.startswith("PT")
    second = docs.page(page_token=first.next_page_token)
    assert names(second) == [f"d{n:03}" for n in range(10, 20)]
    assert second.page_size == 10  # the token keeps its listing's page size
    bigger = docs.page(page_token=first.next_page_token, page_size=30)
    assert len(bigger) == 30


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "PT",
        "PT!!!",
        "PTeyJ4IjoxfQ",  # base64 of {"x":1}
        Cursor("services", (1,), backwards=False, page=1).to_token(),  # another listing
        Cursor("documents:ISx", (1,), backwards=False, page=-1).to_token(),
    ],
)
def test_a_token_not_made_by_this_listing_is_400_54453(docs: DocumentList, token: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        docs.page(page_token=token)
    assert (caught.value.status, caught.value.code) == (400, 54453)


def _forged(token: str, change: Any) -> str:
    """``token`` with its JSON fields changed by ``change`` (a forgery)."""
    import base64
    import json

    body = token[2:]
    fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    change(fields)
    raw = json.dumps(fields, separators=(",", ":")).encode()
    return "PT" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_token_tampered_with_is_400_54453_and_a_genuine_one_still_reads(
    docs: DocumentList,
) -> None:
    token = docs.page(page_size=2).next_page_token
    assert token is not None
    tampered = [
        token[:6] + "...." + token[6:],  # characters base64 would drop
        token[:6] + "!!!!" + token[6:],
        token[:-4] + "====" + token[-4:],  # padding inside
        token + "$$$$",
        token + "=",  # padding a token never has
        _forged(token, lambda f: f.__setitem__(7, True)),  # a size of the wrong type
        _forged(token, lambda f: f.__setitem__(6, False)),  # a page of the wrong type
    ]
    for forged in tampered:
        with pytest.raises(InvalidParameterError) as caught:
            docs.page(page_token=forged)
        assert (caught.value.status, caught.value.code) == (400, 54453), forged
    assert names(docs.page(page_token=token)) == ["d002", "d003"]
    assert names(docs.page(page_token=_forged(token, lambda f: None))) == ["d002", "d003"]


def test_a_token_of_one_services_documents_is_refused_by_another(sync: Sync) -> None:
    one = sync.services.create().sid
    other = sync.services.create().sid
    for _ in range(3):
        sync.services(one).documents.create()
    token = sync.services(one).documents.page(page_size=1).next_page_token
    with pytest.raises(InvalidParameterError):
        sync.services(other).documents.page(page_token=token)


def test_page_number_is_client_state(docs: DocumentList) -> None:
    assert docs.page(page_number=7).page_number == 7
    page = docs.page(page_number=7, page_size=50).next_page()
    assert page is not None
    assert page.page_number == 8
    with pytest.raises(InvalidParameterError):
        docs.page(page_number=-1)


def test_list_and_stream_respect_limit_and_page_size(docs: DocumentList) -> None:
    assert len(docs.list()) == 120
    assert names(docs.list(limit=3)) == ["d000", "d001", "d002"]
    assert len(docs.list(limit=110)) == 110
    assert len(docs.list(page_size=7)) == 120
    assert names(docs.stream(limit=2, page_size=1)) == ["d000", "d001"]
    # As in twilio-python, a limit of 0 means no limit.
    assert len(docs.list(limit=0)) == 120
    with pytest.raises(InvalidParameterError):
        docs.list(limit=-1)


def test_stream_reads_a_page_at_a_time(docs: DocumentList) -> None:
    stream = docs.stream(page_size=100)
    first = [next(stream) for _ in range(100)]
    docs.create(unique_name="late")  # ahead of the cursor: seen
    rest = list(stream)
    assert len(first) == 100
    assert names(rest)[-1] == "late"
    assert len(rest) == 21


def test_a_page_is_a_cursor_not_an_offset(docs: DocumentList) -> None:
    page = docs.page(page_size=10)
    docs("d000").delete()  # behind the cursor: the next page does not shift
    docs("d015").delete()  # ahead of it: simply not seen
    following = page.next_page()
    assert following is not None
    assert names(following) == [f"d{n:03}" for n in range(10, 21) if n != 15]


def test_the_previous_page_of_an_emptied_neighbourhood(docs: DocumentList) -> None:
    first = docs.page(page_size=10)
    second = first.next_page()
    assert second is not None
    for n in range(10):
        docs(f"d{n:03}").delete()
    # The token was made when page 0 had records: it now reads an empty page.
    back = second.previous_page()
    assert back is not None
    assert list(back) == []
    assert docs.page(page_size=10).previous_page() is None


def test_an_empty_listing_has_one_empty_page(sync: Sync) -> None:
    page = sync.services.create().sid
    empty = sync.services(page).documents.page()
    assert len(empty) == 0
    assert empty.next_page() is None
    assert empty.previous_page() is None
    assert list(empty) == []


def test_services_page_the_same_way(sync: Sync) -> None:
    made = [sync.services.create(friendly_name=f"s{n}").sid for n in range(5)]
    page = sync.services.page(page_size=2)
    seen = [s.sid for records in walk(page) for s in records]
    assert seen == made
    assert [s.sid for s in sync.services.list(limit=3)] == made[:3]
    assert page[0].sid == made[0]
    assert "Page 0" in repr(page)
