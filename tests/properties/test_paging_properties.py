"""Properties of Document paging: sizes, order, neighbours, and cursors under change.

SEMANTICS.md, "Ordering and paging": ``PageSize`` 1 to 1,000 is accepted, a page never
holds more than 100; pages are cursors, not offsets, so walking the pages of a
collection that changes meanwhile never repeats or skips an item that stayed in it.
"""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from sync_core import DocumentRecord, ManualClock, Page, Sync
from sync_core.documents import DocumentList

SERVED = 100


def new_docs(count: int, seed: int = 0) -> tuple[DocumentList, list[str]]:
    """A fresh service's documents with ``count`` of them; their sids in creation order."""
    docs = Sync(clock=ManualClock(), seed=seed).services("default").documents
    sids = [docs.create(data={"n": n}).sid for n in range(count)]
    return docs, sids


def sids_of(page: Page[DocumentRecord]) -> list[str]:
    return [record.sid for record in page]


@given(count=st.integers(0, 250), page_size=st.integers(1, 1000))
def test_walking_pages_yields_every_document_once_in_order(count: int, page_size: int) -> None:
    docs, sids = new_docs(count)
    served = min(page_size, SERVED)
    pages: list[list[str]] = []
    page: Page[DocumentRecord] | None = docs.page(page_size=page_size)
    assert page is not None
    assert page.previous_page() is None
    while page is not None:
        pages.append(sids_of(page))
        assert page.page_size == served
        assert page.page_number == len(pages) - 1
        page = page.next_page()

    assert [sid for chunk in pages for sid in chunk] == sids
    assert all(len(chunk) == served for chunk in pages[:-1])
    assert 1 <= len(pages[-1]) <= served or count == 0
    assert len(pages) == max(1, -(-count // served))
    # The data came along with each record, in the same order.
    walked = [r.data["n"] for p in _pages(docs, page_size) for r in p]
    assert walked == list(range(count))


def _pages(docs: DocumentList, page_size: int) -> list[Page[DocumentRecord]]:
    found: list[Page[DocumentRecord]] = []
    page: Page[DocumentRecord] | None = docs.page(page_size=page_size)
    while page is not None:
        found.append(page)
        page = page.next_page()
    return found


@given(count=st.integers(0, 250), page_size=st.integers(1, 1000))
def test_previous_page_gives_back_the_page_before(count: int, page_size: int) -> None:
    docs, _ = new_docs(count)
    pages = _pages(docs, page_size)
    assert pages[-1].next_page_token is None
    for before, after in itertools.pairwise(pages):
        previous = after.previous_page()
        assert previous is not None
        assert sids_of(previous) == sids_of(before)
        assert previous.page_number == before.page_number
        # ... and the way forward from there is the page we came from.
        forward = previous.next_page()
        assert forward is not None
        assert sids_of(forward) == sids_of(after)


@given(count=st.integers(0, 250), data=st.data())
def test_list_with_a_limit_gives_the_first_documents(count: int, data: st.DataObject) -> None:
    docs, sids = new_docs(count)
    limit = data.draw(st.integers(1, count + 120), label="limit")
    page_size = data.draw(st.none() | st.integers(1, 1000), label="page_size")
    assert [d.sid for d in docs.list(limit=limit, page_size=page_size)] == sids[:limit]
    assert [d.sid for d in docs.list(limit=limit)] == sids[:limit]
    assert [d.sid for d in docs.stream(limit=limit, page_size=page_size)] == sids[:limit]
    # As in twilio-python (``read_limits``), a limit of 0 is no limit at all.
    assert [d.sid for d in docs.list(limit=0, page_size=page_size)] == sids


@given(count=st.integers(0, 250), page_size=st.none() | st.integers(1, 1000))
def test_stream_gives_every_document(count: int, page_size: int | None) -> None:
    docs, sids = new_docs(count)
    assert [d.sid for d in docs.stream(page_size=page_size)] == sids
    assert [d.sid for d in docs.list(page_size=page_size)] == sids


@given(
    initial=st.integers(0, 60),
    page_size=st.integers(1, 12),
    data=st.data(),
)
def test_walking_pages_while_documents_change(
    initial: int, page_size: int, data: st.DataObject
) -> None:
    docs, sids = new_docs(initial)
    creation_order = list(sids)  # every document ever made, in creation order
    present = list(sids)  # the documents there now, in creation order
    stayed = set(sids)  # the documents there since the walk began
    seen: list[str] = []

    page: Page[DocumentRecord] | None = docs.page(page_size=page_size)
    pages_read = 0
    while page is not None:
        pages_read += 1
        got = sids_of(page)
        assert set(got) <= set(present), "a page showed a document that is not there"
        seen.extend(got)
        # Change the collection between this page and the next (for a while).
        if pages_read <= 40:
            for _ in range(data.draw(st.integers(0, 4), label="changes")):
                if len(present) > 0 and data.draw(st.booleans(), label="delete?"):
                    # Deleting any document: already seen, not yet seen, or the cursor's.
                    victim = data.draw(st.sampled_from(present), label="victim")
                    docs(victim).delete()
                    present.remove(victim)
                    stayed.discard(victim)
                else:
                    sid = docs.create(data={}).sid
                    creation_order.append(sid)
                    present.append(sid)
        page = page.next_page()

    assert len(seen) == len(set(seen)), "a document was repeated"
    missed = stayed - set(seen)
    assert not missed, f"documents that stayed were skipped: {sorted(missed)}"
    # What was seen came in creation order.
    position = {sid: n for n, sid in enumerate(creation_order)}
    assert seen == sorted(seen, key=position.__getitem__)
    assert [d.sid for d in docs.list()] == present
