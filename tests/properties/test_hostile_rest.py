"""Hostile requests to the REST adapter: a Twilio answer every time, never a 500.

Raw-ish input, on a Sync holding a few objects, in memory and on SQLite: any method
string; paths of every route with their variable segments replaced by hostile ones
(percent-escapes, invalid UTF-8 escapes such as ``%FF``, unicode and lone surrogates,
numbers of 5,000 digits or beyond 64 bits, empty segments), and paths of random
segments; query parameters and form fields of the real names and of random ones, with
arbitrary text, huge digit strings, JSON nested around and far beyond
``MAX_DATA_DEPTH``, real and forged page tokens; random ``If-Match`` headers.

Every answer has one of Twilio's statuses and, for an error, exactly Twilio's four keys
matching that status; and a refused request leaves ``export_state()`` as it was.
tests/unit/test_hostile_input.py holds each known case once; tests/properties/
test_rest_fuzz.py fuzzes with the API's own vocabulary.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import check_rest_answer

from sync_core import ManualClock, MemoryStorage, Page, SqliteStorage, Sync
from sync_core.adapters.rest import RestApi, RestResponse
from sync_core.limits import MAX_DATA_DEPTH
from sync_core.payload import data_depth

#: 20 examples a test in the fast profile; in the thorough one (CI), three times its own
#: for requests of the API's operations, its own for raw ones (most of which are 404).
EXAMPLES = 20 if settings().max_examples <= 50 else 3 * settings().max_examples
RAW_EXAMPLES = 20 if settings().max_examples <= 50 else settings().max_examples
SPEC = "twilio_sync_v1.openapi.json"
ALLOWED_STATUSES = {200, 201, 204, 400, 401, 403, 404, 405, 409, 412, 413, 429}
SEED = 1919
#: The in-memory storage in the fast tier; SQLite in the ``sqlite`` tier (CI).
STORAGES = ("memory", pytest.param("sqlite", marks=pytest.mark.sqlite))
HUGE = "9" * 5_000


def build_world(storage: str) -> Sync:
    """Two services; two of each object; Map and List items; permissions."""
    sync = Sync(
        clock=ManualClock(),
        storage=MemoryStorage() if storage == "memory" else SqliteStorage(":memory:"),
        seed=SEED,
    )
    sync.services.create(friendly_name="second")
    service = sync.services("default")
    for name in ("a", "b"):
        service.documents.create(unique_name=name, data={"n": name})
        service.sync_maps.create(unique_name=name)
        service.sync_lists.create(unique_name=name)
        service.sync_streams.create(unique_name=name)
    for key in ("k", "m"):
        service.sync_maps("a").sync_map_items.create(key=key, data={"key": key})
    for n in range(3):
        service.sync_lists("a").sync_list_items.create(data={"n": n})
    for identity in ("alice", "bob"):
        service.documents("a").document_permissions(identity).update(
            read=True, write=False, manage=False
        )
        service.sync_maps("a").sync_map_permissions(identity).update(
            read=True, write=True, manage=False
        )
        service.sync_lists("a").sync_list_permissions(identity).update(
            read=False, write=True, manage=True
        )
    return sync


def _token_fields(token: str) -> list[Any]:
    body = token.removeprefix("PT")
    fields: list[Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return fields


def _token(fields: list[Any]) -> str:
    raw = json.dumps(fields, separators=(",", ":")).encode()
    return "PT" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


#: The world once, to read its SIDs and page tokens from (every world has the same).
TEMPLATE = build_world("memory")


def _tokens() -> list[str]:
    """Real next-page tokens of every listing of the world, and forged variants of each."""
    service = TEMPLATE.services("default")
    listings: list[Callable[..., Page[Any]]] = [
        service.documents.page,
        service.sync_maps.page,
        service.sync_lists.page,
        service.sync_streams.page,
        service.sync_maps("a").sync_map_items.page,
        service.sync_lists("a").sync_list_items.page,
        service.documents("a").document_permissions.page,
        service.sync_maps("a").sync_map_permissions.page,
        service.sync_lists("a").sync_list_permissions.page,
    ]
    tokens: list[str] = []
    for listing in listings:
        token = listing(page_size=1).next_page_token
        assert token is not None
        tokens.append(token)
        fields = _token_fields(token)
        for position in ([], ["x"], [1], [10**30], [2**64], [-1], [None], [[1]], "x", None):
            tokens.append(_token([*fields[:4], position, *fields[5:]]))
        for start in (10**30, -1, "k", None, 1.5):
            tokens.append(_token([*fields[:2], start, *fields[3:]]))
        tokens.append(_token(fields[:7]))
    return tokens


TOKENS = _tokens()


def nested(depth: int) -> str:
    """JSON text of an object ``depth`` levels deep."""
    return '{"a":' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


# -- hostile atoms ----------------------------------------------------------------------


def _long(name: str) -> str:
    """Long hostile strings by name (so that the strategies' reprs stay short)."""
    return {
        "nines": HUGE,
        "-nines": "-" + HUGE,
        "+nines": "+" + HUGE,
        "zeros then 1": "0" * 4_999 + "1",
        "1,100 [": "[" * 1_100,
        "1,100 objects open": '{"a":' * 1_100,
        "5,000 deep": nested(5_000),
        "17 KB": json.dumps({"big": "y" * 17_000}),  # over every data limit: 413
    }[name]


big_numbers = st.one_of(
    st.sampled_from(["nines", "-nines", "+nines", "zeros then 1"]).map(_long),
    st.sampled_from([str(10**30), str(2**63), str(2**64), str(2**63 - 1), str(2**62)]),
    st.sampled_from(["-1", "-0", " 7 ", "1e3", "0x10", "1_000"]),
    st.integers(-(2**70), 2**70).map(str),
)
deep_json = st.one_of(
    st.integers(MAX_DATA_DEPTH - 2, MAX_DATA_DEPTH + 2).map(nested),
    st.integers(1, 1_200).map(nested),
    st.sampled_from(["1,100 [", "1,100 objects open", "5,000 deep", "17 KB"]).map(_long),
)
odd_text = st.one_of(
    st.text(max_size=12),
    # Lone surrogates, private use, unassigned, spaces, symbols, combining marks.
    st.text(st.characters(categories=["Cs", "Co", "Cn", "Zs", "So", "Mn"]), max_size=6),
    st.sampled_from(
        ["\ud800", "a\udfff", '{"a":"\\ud800"}', "\x00", "\u200b", "\U0001f600", "", " ", "%"]
    ),
)
plausible = st.sampled_from(
    [
        "true",
        "false",
        "0",
        "1",
        "60",
        "2000",
        "31536000",
        "31536001",
        "asc",
        "desc",
        "inclusive",
        "exclusive",
        "{}",
        '{"a": 1}',
        "null",
        "[]",
        "k",
        "a",
        "alice",
        "https://example.com/hook",
        '"0"',
        "W/1",
    ]
)
value = st.one_of(
    plausible,
    big_numbers,
    deep_json,
    odd_text,
    st.integers(0, len(TOKENS) - 1).map(TOKENS.__getitem__),
    st.integers(),
    st.booleans(),
)

hex_digit = st.sampled_from("0123456789abcdefABCDEFgz%")
escapes = st.one_of(
    st.sampled_from(["%FF", "%C3%28", "%ED%A0%80", "%E2%82", "%00", "%2F", "%25", "%20", "%"]),
    st.builds(lambda a, b: f"%{a}{b}", hex_digit, hex_digit),
)
hostile_segment = st.one_of(
    big_numbers,
    st.lists(st.one_of(escapes, st.text(max_size=3)), max_size=4).map("".join),
    odd_text,
    st.just(""),
)

QUERY_NAMES = ["PageSize", "Page", "PageToken", "Order", "From", "Bounds"]
FORM_NAMES = [
    "Data",
    "Ttl",
    "ItemTtl",
    "CollectionTtl",
    "Key",
    "UniqueName",
    "FriendlyName",
    "WebhookUrl",
    "AclEnabled",
    "ReachabilityWebhooksEnabled",
    "ReachabilityDebouncingEnabled",
    "ReachabilityDebouncingWindow",
    "WebhooksFromRestEnabled",
    "Read",
    "Write",
    "Manage",
]
#: Each name's likeliest trouble first: numbers for numbers, JSON for Data, tokens.
NUMERIC = {"PageSize", "Page", "From", "Ttl", "ItemTtl", "CollectionTtl"}
IF_MATCH = st.one_of(st.sampled_from(["0", "1", '"0"', "*", "W/0", ""]), big_numbers, odd_text)


def value_for(name: str) -> st.SearchStrategy[object]:
    if name in NUMERIC or name == "ReachabilityDebouncingWindow":
        return st.one_of(big_numbers, value)
    if name == "Data":
        return st.one_of(deep_json, value)
    if name == "PageToken":
        return st.one_of(st.integers(0, len(TOKENS) - 1).map(TOKENS.__getitem__), value)
    return value


@st.composite
def fields(draw: st.DrawFn, names: list[str]) -> dict[str, object] | None:
    """None now and then; else each of ``names`` two times in three, with a value for
    it, and some random names too."""
    if not draw(st.integers(0, 7)):
        return None
    chosen = {name: draw(value_for(name)) for name in names if draw(st.integers(0, 2))}
    return {**draw(st.dictionaries(st.text(max_size=5), value, max_size=2)), **chosen}


headers = st.one_of(
    st.none(),
    st.dictionaries(st.sampled_from(["If-Match", "if-match", "IF-MATCH"]), IF_MATCH, max_size=1),
)


class Operation(NamedTuple):
    """One operation of Twilio's OpenAPI description: what a request of it may carry."""

    method: str
    path: str  # with its {placeholders}
    form: list[str]
    query: list[str]
    if_match: bool


def _operations() -> list[Operation]:
    spec = json.loads((Path(__file__).parent.parent / "data" / SPEC).read_text())
    found = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method not in ("get", "post", "delete"):
                continue
            body = operation.get("requestBody", {}).get("content", {})
            schema = body.get("application/x-www-form-urlencoded", {}).get("schema", {})
            given = operation.get("parameters", [])
            query = [p["name"] for p in given if p["in"] == "query"]
            if_match = any(p["in"] == "header" and p["name"] == "If-Match" for p in given)
            found.append(
                Operation(method.upper(), path, list(schema.get("properties", {})), query, if_match)
            )
    return found


OPERATIONS = _operations()
#: The operations, those that take ``Data`` three times over (they are a few of 48).
WEIGHTED = [op for op in OPERATIONS for _ in range(3 if "Data" in op.form else 1)]
#: Names a path's variable segments take in the world, by their OpenAPI names (a
#: path's first one is always its Service).
REAL_SEGMENTS = {
    "Sid": ["a", "b", "missing"],
    "DocumentSid": ["a", "b"],
    "MapSid": ["a", "b"],
    "ListSid": ["a", "b"],
    "StreamSid": ["a", "b"],
    "Key": ["k", "m", "new"],
    "Index": ["0", "2", "3", str(10**30), str(2**64)],
    "Identity": ["alice", "bob", "carol"],
}
SERVICES = ["default", "default", TEMPLATE.services.list()[0].sid]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@st.composite
def operation_request(draw: st.DrawFn) -> dict[str, Any]:
    """A request of one operation: mostly its method and the world's names, at most one
    hostile path segment, and its own form fields, query parameters and ``If-Match``
    (some of them, with hostile values), plus random ones."""
    operation = draw(st.sampled_from(WEIGHTED))
    names = PLACEHOLDER.findall(operation.path)
    hostile = draw(st.integers(0, 3 * len(names) - 1)) if names else None  # 1 time in 3
    segments = [
        draw(hostile_segment)
        if at == hostile
        else draw(st.sampled_from(SERVICES if at == 0 else REAL_SEGMENTS[name]))
        for at, name in enumerate(names)
    ]
    filled = iter(segments)
    real = operation.method
    method = draw(st.sampled_from([real, real, real, real.lower(), ""]))
    if_match = st.fixed_dictionaries({"If-Match": IF_MATCH}) if operation.if_match else headers
    return {
        "method": method or draw(st.text(max_size=8)),  # any text one time in five
        "url": PLACEHOLDER.sub(lambda _: next(filled), operation.path),
        "params": draw(fields(operation.query)),
        "data": draw(fields(operation.form)),
        "headers": draw(st.one_of(if_match, headers)),
    }


raw_path = st.builds(
    lambda prefix, parts, query: prefix + "/".join(parts) + query,
    st.sampled_from(
        ["/v1/", "https://sync.twilio.com/v1/", "http://[::1]/v1/", "http://[/v1/", ""]
    ),
    st.lists(
        st.one_of(st.sampled_from(["Services", "default", "Documents", "Items"]), hostile_segment),
        max_size=7,
    ),
    st.one_of(st.just(""), st.text(max_size=10).map(lambda q: "?" + q)),
)
raw_request = st.fixed_dictionaries(
    {
        "method": st.one_of(st.sampled_from(["GET", "POST", "DELETE", "PUT"]), st.text()),
        "url": raw_path,
        "params": fields(QUERY_NAMES),
        "data": fields(FORM_NAMES),
        "headers": headers,
    }
)


def check_answer(response: RestResponse) -> None:
    check_rest_answer(response, ALLOWED_STATUSES)


def stored_data(state: dict[str, Any]) -> list[Any]:
    """Every ``data`` an export holds: Documents', Map Items' and List Items'."""
    found = []
    for service in state["services"]:
        found += [document["data"] for document in service.get("documents", [])]
        for kind in ("maps", "lists"):
            for container in service.get(kind, []):
                found += [item["data"] for item in container.get("items", [])]
    return found


def send(sync: Sync, request: dict[str, Any]) -> None:
    """Send one request; check its answer, that a refusal changed nothing, and that
    nothing stored nests deeper than the limit (what is accepted reads back)."""
    before = sync.export_state()
    response = RestApi(sync).handle(**request)
    check_answer(response)
    after = sync.export_state()
    if response.status >= 400:
        assert after == before, (request, response.body)
    for data in stored_data(after):
        assert data_depth(json.dumps(data)) <= MAX_DATA_DEPTH


@pytest.mark.parametrize("storage", STORAGES)
@settings(max_examples=EXAMPLES)
@given(requests=st.lists(operation_request(), min_size=1, max_size=3))
def test_hostile_requests_of_every_operation_get_a_twilio_answer(
    storage: str, requests: list[dict[str, Any]]
) -> None:
    sync = build_world(storage)
    for request in requests:
        send(sync, request)
    sync._check()


@pytest.mark.parametrize("storage", STORAGES)
@settings(max_examples=RAW_EXAMPLES)
@given(request=raw_request)
def test_raw_requests_get_a_twilio_answer(storage: str, request: dict[str, Any]) -> None:
    sync = build_world(storage)
    send(sync, request)
    sync._check()
