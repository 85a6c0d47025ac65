"""The REST answers written straight from rows say exactly what the records' ``to_dict``
says.

The REST adapter answers a Document's, a Map Item's and a List Item's calls by writing
the JSON text from the row the operation gave (``ObjectKind.json``, ``ItemKind.json``:
the stored data spliced in, not decoded and encoded again), where the plain API builds
a record. Both must give the same JSON: for any data, key, identity, unique name and
TTL, and under another base URL, the written text parses to the record's ``to_dict()``
(URLs moved under the base), in the same member order; and a REST answer is that text.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import examples

from sync_core import ManualClock, Sync
from sync_core.adapters.rest import RestApi, RestResponse
from sync_core.documents import DOCUMENTS
from sync_core.lists import LIST_ITEMS
from sync_core.maps import MAP_ITEMS
from sync_core.records import BASE_URL
from sync_core.testing.strategies import identities, json_data, map_keys, ttls, unique_names

BASES = st.sampled_from([BASE_URL, "http://127.0.0.1:8000/v1", 'http://h/a"b\\c/v1'])


def moved(body: Any, base: str) -> Any:
    """``body`` (a record's ``to_dict()``) with its ``url`` and ``links`` under ``base``."""

    def under(url: str) -> str:
        assert url.startswith(BASE_URL)
        return base + url[len(BASE_URL) :]

    out = dict(body)
    out["url"] = under(body["url"])
    if "links" in body:
        out["links"] = {name: under(link) for name, link in body["links"].items()}
    return out


def same(text: str, record: Any, base: str) -> None:
    expected = moved(record.to_dict(), base)
    parsed = json.loads(text)
    assert parsed == expected
    assert list(parsed) == list(expected)  # the same members, in the same order


@settings(max_examples=examples(60), deadline=None)
@given(
    data=json_data(max_bytes=2_000),
    key=map_keys(),
    identity=identities(),
    ttl=ttls(),
    advance=st.integers(0, 10**6),
    base=BASES,
)
def test_a_map_item_written_from_its_row_is_its_record(
    data: dict[str, Any], key: str, identity: str, ttl: int, advance: int, base: str
) -> None:
    clock = ManualClock()
    clock.advance(advance + 0.25)  # sub-second instants are dropped alike
    sync = Sync(clock=clock, seed=1)
    service = sync.services("default").for_identity(identity)
    service.sync_maps.create(unique_name="m")
    items = service.sync_maps("m").sync_map_items
    made = items.create(key=key, data=data, ttl=ttl)
    engine = sync._engine
    row = engine.store.item("map_item", made.service_sid, made.map_sid, key)
    assert row is not None
    same(MAP_ITEMS.json(row, sync.account_sid, base), made, base)
    same(MAP_ITEMS.json(row, sync.account_sid, base), items(key).fetch(), base)


@settings(max_examples=examples(40), deadline=None)
@given(data=json_data(max_bytes=2_000), identity=identities(), ttl=ttls(), base=BASES)
def test_a_list_item_written_from_its_row_is_its_record(
    data: dict[str, Any], identity: str, ttl: int, base: str
) -> None:
    sync = Sync(clock=ManualClock(), seed=2)
    service = sync.services("default").for_identity(identity)
    service.sync_lists.create(unique_name="l")
    made = service.sync_lists("l").sync_list_items.create(data=data, item_ttl=ttl)
    row = sync._engine.store.item("list_item", made.service_sid, made.list_sid, made.index)
    assert row is not None
    same(LIST_ITEMS.json(row, sync.account_sid, base), made, base)


@settings(max_examples=examples(60), deadline=None)
@given(
    data=json_data(max_bytes=2_000),
    name=st.none() | unique_names(),
    identity=identities(),
    ttl=ttls(),
    base=BASES,
)
def test_a_document_written_from_its_row_is_its_record(
    data: dict[str, Any], name: str | None, identity: str, ttl: int, base: str
) -> None:
    sync = Sync(clock=ManualClock(), seed=3)
    documents = sync.services("default").for_identity(identity).documents
    made = documents.create(unique_name=name, data=data, ttl=ttl)
    row = sync._engine.store.object_by_sid(made.service_sid, made.sid)
    assert row is not None
    assert DOCUMENTS.json is not None
    same(DOCUMENTS.json(row, sync.account_sid, base), made, base)
    same(DOCUMENTS.json(row, sync.account_sid, base), documents(made.sid).fetch(), base)


@settings(max_examples=examples(40), deadline=None)
@given(data=json_data(max_bytes=2_000), key=map_keys())
def test_the_rest_answers_are_the_records(data: dict[str, Any], key: str) -> None:
    """Create, fetch and update over REST answer what the plain API's records hold."""
    sync = Sync(clock=ManualClock(), seed=4)
    api = RestApi(sync)
    plain = sync.services("default")
    plain.sync_maps.create(unique_name="m")
    text = json.dumps(data)
    made = api.handle("POST", "/v1/Services/default/Maps/m/Items", data={"Key": key, "Data": text})
    assert made.status == 201, made.body
    record = plain.sync_maps("m").sync_map_items(key).fetch()
    assert made.body == record.to_dict()
    assert made.headers["ETag"] == record.revision == "0"
    doc = api.handle("POST", "/v1/Services/default/Documents", data={"Data": text}).body
    assert doc is not None
    assert doc == plain.documents(doc["sid"]).fetch().to_dict()
    updated = api.handle(
        "POST", f"/v1/Services/default/Documents/{doc['sid']}", data={"Data": text}
    )
    assert updated.body == plain.documents(doc["sid"]).fetch().to_dict()
    assert updated.headers["ETag"] == "1"


def test_a_written_answer_is_its_body_as_text() -> None:
    written = RestResponse(200, {"ETag": "0"}, text='{"a": {"b": [1, "é"]}}')
    built = RestResponse(200, {"ETag": "0"}, {"a": {"b": [1, "é"]}})
    assert written == built
    assert written.written
    assert not built.written
    assert written.text == built.text == '{"a": {"b": [1, "é"]}}'
    assert RestResponse(204, {}, None).text == ""
    assert "body={'a': {'b': [1, 'é']}}" in repr(written)


@settings(max_examples=examples(300), deadline=None)
@given(
    rest=st.text(st.sampled_from("/v1Sabc?#=&%20 \t\n\r[]:@é"), max_size=30),
    origin=st.sampled_from(["https://sync.twilio.com", "https://sync.twilio.com:443", "http://x"]),
)
def test_the_quick_split_of_a_url_is_urlsplits(rest: str, origin: str) -> None:
    """The REST adapter's split of the SDK's URLs is what urllib.parse.urlsplit says."""
    from urllib.parse import urlsplit

    from sync_core.adapters.rest import _split

    url = origin + rest
    try:
        parts = urlsplit(url)
    except ValueError:
        with pytest.raises(ValueError, match=r"."):
            _split(url)
        return
    expected_origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    assert _split(url) == (parts.path, parts.query, expected_origin)
