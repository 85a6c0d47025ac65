"""sync_core itself accepts every value of sync_core.testing.strategies, refuses every invalid one.

Each property builds a fresh ``Sync`` per example (function-scoped fixtures and
Hypothesis do not mix). Codes: SEMANTICS.md, "Limits".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_core import ManualClock, Sync, SyncError
from sync_core.limits import (
    MAX_DATA_BYTES,
    MAX_IDENTITY,
    MAX_MAP_KEY,
    MAX_PAGE_SIZE_SERVED,
    MAX_STREAM_MESSAGE_BYTES,
    MAX_TTL,
    MAX_UNIQUE_NAME,
)
from sync_core.payload import data_size, encode_data
from sync_core.service import ServiceContext
from sync_core.sids import looks_like_sid
from sync_core.testing import strategies as sst

JsonObject = dict[str, Any]


def new_service(*, acl: bool = False) -> tuple[ServiceContext, ManualClock]:
    clock = ManualClock()
    sync = Sync(clock=clock, seed=7)
    if acl:
        return sync.services(sync.services.create(acl_enabled=True).sid), clock
    return sync.services("default"), clock


def refused(status: int, code: int, call: Callable[[], object]) -> None:
    with pytest.raises(SyncError) as info:
        call()
    assert (info.value.status, info.value.code) == (status, code), repr(info.value)


def measure(data: object) -> int:
    """sync_core's own measure of ``data``, whatever the limit."""
    return data_size(encode_data(data, limit=10**9)[0])


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


#: Where ``data`` goes: a new Document, Map Item or List Item; returns the fetched data.
def put_document(svc: ServiceContext, data: Any) -> JsonObject:
    sid = svc.documents.create(data=data).sid
    return svc.documents(sid).fetch().data


def put_map_item(svc: ServiceContext, data: Any) -> JsonObject:
    items = svc.sync_maps(svc.sync_maps.create().sid).sync_map_items
    key = items.create(key="k", data=data).key
    return items(key).fetch().data


def put_list_item(svc: ServiceContext, data: Any) -> JsonObject:
    items = svc.sync_lists(svc.sync_lists.create().sid).sync_list_items
    index = items.create(data=data).index
    return items(index).fetch().data


PUTS = st.sampled_from([put_document, put_map_item, put_list_item])


def stored(svc: ServiceContext) -> list[object]:
    """Everything the service holds, to see that a refused call changed nothing."""
    found: list[object] = [d.data for d in svc.documents.list()]
    for m in svc.sync_maps.list():
        found += [(i.key, i.data) for i in svc.sync_maps(m.sid).sync_map_items.list()]
    for lst in svc.sync_lists.list():
        found += [(i.index, i.data) for i in svc.sync_lists(lst.sid).sync_list_items.list()]
    return found


# -- data ---------------------------------------------------------------------------


@given(value=sst.json_values())
def test_json_values_round_trip_inside_an_object(value: object) -> None:
    svc, _ = new_service()
    assert put_document(svc, {"v": value}) == {"v": value}


@given(data=sst.json_data(), put=PUTS)
def test_json_data_is_accepted_and_read_back_equal(
    data: JsonObject, put: Callable[[ServiceContext, object], JsonObject]
) -> None:
    assert sst.json_size(data) == measure(data) <= MAX_DATA_BYTES
    svc, _ = new_service()
    assert put(svc, data) == data


@given(data=sst.stream_message_data())
def test_stream_message_data_is_published(data: JsonObject) -> None:
    assert measure(data) <= MAX_STREAM_MESSAGE_BYTES
    svc, _ = new_service()
    stream = svc.sync_streams(svc.sync_streams.create().sid)
    assert stream.stream_messages.create(data=data).data == data


@given(n=st.just(2) | st.integers(6, 2 * MAX_DATA_BYTES) | st.integers(6, 64), data=st.data())
def test_data_of_size_measures_exactly_n(n: int, data: st.DataObject) -> None:
    value = data.draw(sst.data_of_size(n))
    assert isinstance(value, dict)
    assert measure(value) == sst.json_size(value) == n


@pytest.mark.parametrize("n", [-1, 0, 1, 3, 4, 5])
def test_data_of_size_refuses_impossible_sizes(n: int) -> None:
    with pytest.raises(ValueError, match="no JSON object"):
        sst.data_of_size(n)


@given(
    at=sst.data_of_size(MAX_DATA_BYTES),
    over=sst.data_of_size(MAX_DATA_BYTES + 1),
    put=PUTS,
)
def test_data_at_the_limit_is_accepted_one_byte_more_is_413(
    at: JsonObject, over: JsonObject, put: Callable[[ServiceContext, object], JsonObject]
) -> None:
    svc, _ = new_service()
    assert put(svc, at) == at
    before = stored(svc)
    refused(413, 54006, lambda: put(svc, over))
    assert stored(svc) == before


@given(data=sst.oversized_data(), put=PUTS)
def test_oversized_data_is_413(
    data: JsonObject, put: Callable[[ServiceContext, object], JsonObject]
) -> None:
    assert measure(data) > MAX_DATA_BYTES
    svc, _ = new_service()
    refused(413, 54006, lambda: put(svc, data))
    assert svc.documents.list() == []


@given(
    at=sst.data_of_size(MAX_STREAM_MESSAGE_BYTES),
    over=sst.data_of_size(MAX_STREAM_MESSAGE_BYTES + 1)
    | sst.oversized_data(MAX_STREAM_MESSAGE_BYTES),
)
def test_stream_messages_at_4096_are_accepted_above_are_413(
    at: JsonObject, over: JsonObject
) -> None:
    svc, _ = new_service()
    messages = svc.sync_streams(svc.sync_streams.create().sid).stream_messages
    assert messages.create(data=at).data == at
    refused(413, 54006, lambda: messages.create(data=over))


@given(data=sst.invalid_data(), put=PUTS)
def test_invalid_data_is_54008(
    data: object, put: Callable[[ServiceContext, object], JsonObject]
) -> None:
    svc, _ = new_service()
    refused(400, 54008, lambda: put(svc, data))
    assert stored(svc) == []


@given(data=sst.invalid_data())
def test_invalid_data_is_54008_on_update_and_in_streams(data: Any) -> None:
    svc, _ = new_service()
    sid = svc.documents.create(data={"v": 1}).sid
    refused(400, 54008, lambda: svc.documents(sid).update(data=data))
    assert (svc.documents(sid).fetch().data, svc.documents(sid).fetch().revision) == ({"v": 1}, "0")
    messages = svc.sync_streams(svc.sync_streams.create().sid).stream_messages
    refused(400, 54008, lambda: messages.create(data=data))


def test_null_data_has_its_own_codes() -> None:
    # None is in no invalid_* strategy: it is "null data", one code per kind.
    svc, _ = new_service()
    sid = svc.documents.create().sid
    refused(400, 54101, lambda: svc.documents(sid).update(data="null"))
    items = svc.sync_maps(svc.sync_maps.create().sid).sync_map_items
    refused(400, 54206, lambda: items.create(key="k", data="null"))
    list_items = svc.sync_lists(svc.sync_lists.create().sid).sync_list_items
    refused(400, 54156, lambda: list_items.create(data="null"))
    messages = svc.sync_streams(svc.sync_streams.create().sid).stream_messages
    refused(400, 54251, lambda: messages.create(data="null"))


# -- map keys -----------------------------------------------------------------------


@given(key=sst.map_keys(), data=sst.json_data(max_bytes=64))
def test_map_keys_are_accepted(key: str, data: JsonObject) -> None:
    assert 1 <= len(key) <= MAX_MAP_KEY
    assert encodable(key)
    svc, _ = new_service()
    items = svc.sync_maps(svc.sync_maps.create().sid).sync_map_items
    assert items.create(key=key, data=data).key == key
    assert items(key).fetch().data == data
    assert [item.key for item in items.list()] == [key]
    refused(409, 54208, lambda: items.create(key=key, data={}))


@given(key=sst.invalid_map_keys())
def test_invalid_map_keys_are_54209(key: Any) -> None:
    svc, _ = new_service()
    items = svc.sync_maps(svc.sync_maps.create().sid).sync_map_items
    refused(400, 54209, lambda: items.create(key=key, data={"v": 1}))
    refused(400, 54209, lambda: items(key).fetch())
    assert items.list() == []


# -- unique names -------------------------------------------------------------------


@given(name=sst.unique_names())
def test_unique_names_are_accepted_by_every_kind(name: str) -> None:
    assert 1 <= len(name) <= MAX_UNIQUE_NAME
    assert encodable(name)
    assert not looks_like_sid(name)
    svc, _ = new_service()
    doc = svc.documents.create(unique_name=name)
    assert svc.documents(name).fetch().sid == doc.sid
    assert svc.sync_maps(svc.sync_maps.create(unique_name=name).sid).fetch().unique_name == name
    created = svc.sync_lists.create(unique_name=name)
    assert svc.sync_lists(name).fetch().sid == created.sid
    stream = svc.sync_streams.create(unique_name=name)
    assert svc.sync_streams(name).fetch().sid == stream.sid
    refused(409, 54301, lambda: svc.documents.create(unique_name=name))


@given(name=sst.invalid_unique_names())
def test_invalid_unique_names_are_54302(name: Any) -> None:
    svc, _ = new_service()
    refused(400, 54302, lambda: svc.documents.create(unique_name=name))
    refused(400, 54302, lambda: svc.sync_maps.create(unique_name=name))
    refused(400, 54302, lambda: svc.sync_lists.create(unique_name=name))
    refused(400, 54302, lambda: svc.sync_streams.create(unique_name=name))
    assert svc.documents.list() == []
    assert svc.sync_maps.list() == []
    assert svc.sync_lists.list() == []
    assert svc.sync_streams.list() == []


# -- TTLs ---------------------------------------------------------------------------


@given(ttl=sst.ttls())
def test_ttls_are_accepted(ttl: int) -> None:
    assert 0 <= ttl <= MAX_TTL
    svc, clock = new_service()
    expected = None if ttl == 0 else clock.now() + timedelta(seconds=ttl)
    assert svc.documents.create(ttl=ttl).date_expires == expected
    assert svc.sync_maps.create(collection_ttl=ttl).date_expires == expected
    items = svc.sync_lists(svc.sync_lists.create(ttl=ttl).sid).sync_list_items
    assert items.create(data={}, item_ttl=ttl).date_expires == expected
    assert svc.sync_streams.create(ttl=ttl).date_expires == expected


@given(ttl=sst.invalid_ttls())
def test_invalid_ttls_are_54011(ttl: Any) -> None:
    svc, _ = new_service()
    refused(400, 54011, lambda: svc.documents.create(ttl=ttl))
    refused(400, 54011, lambda: svc.sync_maps.create(collection_ttl=ttl))
    refused(400, 54011, lambda: svc.sync_streams.create(ttl=ttl))
    items = svc.sync_lists(svc.sync_lists.create().sid).sync_list_items
    refused(400, 54011, lambda: items.create(data={}, item_ttl=ttl))
    sid = svc.documents.create(data={"v": 1}).sid
    refused(400, 54011, lambda: svc.documents(sid).update(ttl=ttl))
    assert svc.documents(sid).fetch().revision == "0"
    assert items.list() == []


# -- identities and permissions -----------------------------------------------------


@given(identity=sst.identities(), flags=sst.permissions())
def test_identities_are_accepted(identity: str, flags: dict[str, bool]) -> None:
    assert 1 <= len(identity) <= MAX_IDENTITY
    assert encodable(identity)
    svc, _ = new_service()
    assert svc.for_identity(identity).documents.create(unique_name="d").created_by == identity
    grant = svc.documents("d").document_permissions(identity)
    record = grant.update(**flags)
    assert (record.identity, record.read, record.write, record.manage) == (
        identity,
        flags["read"],
        flags["write"],
        flags["manage"],
    )
    assert grant.fetch().identity == identity


@given(identity=sst.invalid_identities())
def test_invalid_identities_are_54351(identity: object) -> None:
    svc, _ = new_service()
    refused(400, 54351, lambda: svc.for_identity(identity))  # type: ignore[arg-type]
    svc.documents.create(unique_name="d")
    grant = svc.documents("d").document_permissions(identity)  # type: ignore[arg-type]
    refused(400, 54351, lambda: grant.update(read=True, write=True, manage=True))
    refused(400, 54351, grant.fetch)
    assert svc.documents("d").document_permissions.list() == []


@given(
    table=sst.permission_tables(
        identities=sst.identities().filter(lambda i: i != "system"),
        objects=st.sampled_from(["d", "e"]),
    )
)
def test_permission_tables_are_set_and_read_back(
    table: dict[tuple[str, str], dict[str, bool]],
) -> None:
    svc, _ = new_service(acl=True)
    for name in ("d", "e"):
        svc.documents.create(unique_name=name, data={"name": name})
    for (identity, name), flags in table.items():
        svc.documents(name).document_permissions(identity).update(**flags)
    for name in ("d", "e"):
        listed = svc.documents(name).document_permissions.list()
        expected = {i: f for (i, n), f in table.items() if n == name}
        assert {
            p.identity: {"read": p.read, "write": p.write, "manage": p.manage} for p in listed
        } == expected
        for identity, flags in expected.items():
            reader = svc.for_identity(identity).documents(name)
            if flags["read"]:
                assert reader.fetch().data == {"name": name}
            else:
                refused(403, 54007, reader.fetch)


# -- list indexes and page sizes ----------------------------------------------------


@given(index=sst.list_indexes())
def test_list_indexes_are_accepted(index: int) -> None:
    assert index >= 0
    svc, _ = new_service()
    items = svc.sync_lists(svc.sync_lists.create().sid).sync_list_items
    items.create(data={"at": 0})
    if index == 0:
        assert items(index).fetch().data == {"at": 0}
    else:
        refused(404, 20404, items(index).fetch)  # well formed, just not there
    assert [i.index for i in items.list(from_=index)] == ([0] if index == 0 else [])


@given(index=sst.invalid_list_indexes())
def test_invalid_list_indexes_are_54458(index: Any) -> None:
    svc, _ = new_service()
    items = svc.sync_lists(svc.sync_lists.create().sid).sync_list_items
    items.create(data={"at": 0})
    refused(400, 54458, items(index).fetch)
    refused(400, 54458, lambda: items(index).update(data={"v": 1}))
    refused(400, 54458, items(index).delete)
    refused(400, 54458, lambda: items.list(from_=index))
    assert [i.data for i in items.list()] == [{"at": 0}]


@given(size=sst.page_sizes())
def test_page_sizes_are_accepted(size: int) -> None:
    assert size >= 1  # any size: a larger one than a page holds is clamped, not refused
    svc, _ = new_service()
    for n in range(3):
        svc.documents.create(data={"n": n})
    page = svc.documents.page(page_size=size)
    assert page.page_size == min(size, MAX_PAGE_SIZE_SERVED)
    assert len(list(page)) == min(size, 3)


@given(size=sst.invalid_page_sizes())
def test_invalid_page_sizes_are_54454(size: Any) -> None:
    svc, _ = new_service()
    refused(400, 54454, lambda: svc.documents.page(page_size=size))
    items = svc.sync_maps(svc.sync_maps.create().sid).sync_map_items
    refused(400, 54454, lambda: items.page(page_size=size))
