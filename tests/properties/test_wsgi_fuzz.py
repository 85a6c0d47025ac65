"""The WSGI app over raw bytes: method, path, query, headers and body of any kind.

Whatever a client sends, the answer is a well-formed status line with Twilio's JSON
error body for a refusal (never a 500), and a refused request changes nothing. The
request is built as a server hands it over (PEP 3333: the path's bytes as latin-1,
``RAW_URI`` as sent), from raw bytes that Hypothesis biases towards what breaks
parsers: percent escapes of invalid UTF-8, huge digit strings, deep JSON, odd methods.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_client import WsgiClient
from hypothesis import given
from hypothesis import strategies as st

from sync_core import ManualClock, MemoryStorage, SqliteStorage, Sync
from sync_core.adapters.wsgi import make_app

#: Every status an answer may have (an injected fault or a rate limit is not set here).
STATUSES = {200, 201, 204, 400, 401, 403, 404, 405, 409, 412, 413, 429}

SEGMENTS = st.one_of(
    st.sampled_from(
        [
            b"v1",
            b"Services",
            b"default",
            b"Documents",
            b"Maps",
            b"Lists",
            b"Streams",
            b"Items",
            b"Permissions",
            b"Messages",
            b"doc",
            b"map",
            b"list",
            b"stream",
            b"k",
            b"0",
            b"%FF",
            b"%C3%28",
            b"%2F",
            b"9" * 5000,
            b"-1",
            b"",
        ]
    ),
    st.binary(max_size=12),
)
VALUES = st.one_of(
    st.binary(max_size=24),
    st.sampled_from(
        [
            b"",
            b"%FF",
            b"9" * 5000,
            b"true",
            b"-5",
            b'{"a":1}',
            b"[" * 1100,
            (b'{"a":' * 150) + b"1" + b"}" * 150,
            b"PT" + b"x" * 40,
        ]
    ),
)
NAMES = st.sampled_from(
    [b"Data", b"Ttl", b"ItemTtl", b"CollectionTtl", b"Key", b"UniqueName", b"PageSize",
     b"PageToken", b"From", b"Order", b"Bounds", b"Read", b"Write", b"Manage",
     b"WebhookUrl", b"FriendlyName", b"AclEnabled"]
)  # fmt: skip
PAIRS = st.lists(st.tuples(st.one_of(NAMES, st.binary(max_size=6)), VALUES), max_size=4)


def encoded(pairs: list[tuple[bytes, bytes]]) -> bytes:
    """Pairs as a form or a query: ``name=value&...``, the bytes as they come (raw)."""
    return b"&".join(name + b"=" + value for name, value in pairs)


@pytest.fixture(params=["memory", pytest.param("sqlite", marks=pytest.mark.sqlite)], scope="module")
def served(request: pytest.FixtureRequest) -> tuple[Sync, WsgiClient]:
    storage = SqliteStorage(":memory:") if request.param == "sqlite" else MemoryStorage()
    sync = Sync(clock=ManualClock(), seed=3, storage=storage)
    home = sync.services("default")
    home.documents.create(unique_name="doc", data={"v": 1})
    home.sync_maps.create(unique_name="map").sync_map_items.create(key="k", data={})
    home.sync_lists.create(unique_name="list").sync_list_items.create(data={})
    home.sync_streams.create(unique_name="stream")
    return sync, WsgiClient(make_app(sync))


@pytest.mark.filterwarnings("ignore::wsgiref.validate.WSGIWarning")  # odd methods: meant
@given(
    method=st.one_of(
        st.sampled_from(["GET", "POST", "DELETE", "PUT", "get", "HEAD"]),
        st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8),
    ),
    segments=st.lists(SEGMENTS, max_size=9),
    query=PAIRS,
    form=st.one_of(PAIRS.map(encoded), st.binary(max_size=40)),
    if_match=st.one_of(st.none(), st.binary(max_size=8)),
    content_type=st.sampled_from(
        [
            None,
            "application/x-www-form-urlencoded",
            "application/json",
            "text/plain; charset=latin-1",
        ]
    ),
)
def test_any_request_gets_a_twilio_answer_and_a_refusal_changes_nothing(
    served: tuple[Sync, WsgiClient],
    method: str,
    segments: list[bytes],
    query: list[tuple[bytes, bytes]],
    form: bytes,
    if_match: bytes | None,
    content_type: str | None,
) -> None:
    sync, client = served
    before = sync.export_state()
    headers: dict[str, str] = {}
    if if_match is not None:
        headers["If-Match"] = if_match.decode("latin-1")
    if content_type is not None:
        headers["Content-Type"] = content_type
    reply = client.request(
        method, b"/" + b"/".join(segments), query=encoded(query), form=form, headers=headers
    )
    assert reply.status in STATUSES, (reply.status, reply.body[:200])
    if method == "HEAD":
        assert reply.body == b""  # a HEAD answer carries no body
    elif reply.status >= 400:
        body: Any = json.loads(reply.body)
        assert set(body) == {"code", "message", "more_info", "status"}
        assert body["status"] == reply.status
        assert body["more_info"] == f"https://www.twilio.com/docs/errors/{body['code']}"
    if reply.status >= 400:
        assert sync.export_state() == before
