"""Whatever is thrown at the REST adapter, it answers like Twilio and a refusal changes nothing.

Methods, paths, query parameters, form fields and headers are drawn from the real
vocabulary of the Sync v1 API (segments, sids and names of a small pre-built world,
parameter names, plausible values) mixed with arbitrary text, and sent to a
``RestApi`` over that world. Every answer must be one of Twilio's statuses with a JSON
body (none for 204), errors exactly Twilio's four keys, never a 500; and every refused
request (status >= 400) must leave the whole world as it was.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from kinds import everything
from support import check_rest_answer

from sync_core import ManualClock, Sync
from sync_core.adapters.rest import RestApi, RestResponse

ALLOWED_STATUSES = {200, 201, 204, 400, 403, 404, 405, 409, 412, 413}
SEED = 4242


def build_world() -> tuple[Sync, dict[str, str]]:
    """A small world: two services, one of each object, items and permissions."""
    sync = Sync(clock=ManualClock(), seed=SEED)
    names: dict[str, str] = {}
    default = sync.services("default")
    names["default"] = default.fetch().sid
    names["doc"] = default.documents.create(unique_name="doc", data={"a": 1}).sid
    names["map"] = default.sync_maps.create(unique_name="map").sid
    items = default.sync_maps("map").sync_map_items
    items.create(key="k", data={"v": 1})
    items.create(key="a b/c", data={"v": 2})
    names["list"] = default.sync_lists.create(unique_name="list").sid
    for n in range(3):
        default.sync_lists("list").sync_list_items.create(data={"n": n})
    names["stream"] = default.sync_streams.create(unique_name="stream").sid
    for identity in ("alice", "bob smith"):
        default.documents("doc").document_permissions(identity).update(
            read=True, write=True, manage=False
        )
        default.sync_maps("map").sync_map_permissions(identity).update(
            read=True, write=False, manage=True
        )
        default.sync_lists("list").sync_list_permissions(identity).update(
            read=False, write=True, manage=True
        )
    other = sync.services.create(friendly_name="other", acl_enabled=True)
    names["other"] = other.sid
    names["other_doc"] = sync.services(other.sid).documents.create(unique_name="od").sid
    return sync, names


_TEMPLATE, SIDS = build_world()
_PAGE = _TEMPLATE.services("default").documents.page(page_size=1)
# A real page token of a listing of the world (valid where it was made, 400 elsewhere).
REAL_TOKEN = _PAGE.next_page_token or "PT"

SEGMENTS = [
    "Services",
    "default",
    *SIDS.values(),
    "doc",
    "map",
    "list",
    "stream",
    "od",
    "Documents",
    "Maps",
    "Lists",
    "Streams",
    "Items",
    "Permissions",
    "Messages",
    "k",
    "a%20b%2Fc",
    "0",
    "2",
    "7",
    "alice",
    "bob%20smith",
    "v1",
]
PREFIXES = [
    "/v1/",
    "https://sync.twilio.com/v1/",
    "https://sync.dublin.ie1.twilio.com/v1/",
    "http://[::1]:8080/v1/",
    "http://[/v1/",
    "/v2/",
    "/",
    "",
]
VALUES = [
    "true",
    "false",
    "True",
    "0",
    "1",
    "60",
    "-1",
    "2000",
    "31536001",
    "\u00b9",  # a digit to str.isdigit, not to int()
    "\u0663",  # ARABIC-INDIC DIGIT THREE
    "{}",
    '{"a": 1}',
    '{"a": [1, null, "x"]}',
    "null",
    "[]",
    "nope",
    "",
    "asc",
    "desc",
    "inclusive",
    "exclusive",
    "k",
    "alice",
    "doc",
    REAL_TOKEN,
    "https://example.com/hook",
    "https://[oops/hook",
    '"0"',
    '"1"',
    "W/1",
    json.dumps({"big": "y" * 17_000}),  # over every data limit: 413
]
FORM_NAMES = [
    "FriendlyName",
    "WebhookUrl",
    "AclEnabled",
    "ReachabilityWebhooksEnabled",
    "ReachabilityDebouncingEnabled",
    "ReachabilityDebouncingWindow",
    "WebhooksFromRestEnabled",
    "UniqueName",
    "Data",
    "Ttl",
    "ItemTtl",
    "CollectionTtl",
    "Key",
    "Read",
    "Write",
    "Manage",
]
QUERY_NAMES = ["PageSize", "Page", "PageToken", "Order", "From", "Bounds"]

hex_digit = st.sampled_from("0123456789abcdefABCDEFgz%")
percent_escape = st.builds(lambda a, b: f"%{a}{b}", hex_digit, hex_digit)
segment = st.one_of(
    st.sampled_from(SEGMENTS),
    st.just(""),
    st.text(max_size=8),
    st.lists(st.one_of(percent_escape, st.text(max_size=3)), max_size=4).map("".join),
)
structured_path = st.builds(
    lambda prefix, parts, query: prefix + "/".join(parts) + query,
    st.sampled_from(PREFIXES),
    st.lists(segment, min_size=0, max_size=7),
    st.one_of(st.just(""), st.text(max_size=10).map(lambda q: "?" + q)),
)
real_path = st.builds(
    lambda parts: "/v1/" + "/".join(parts),
    st.sampled_from(
        [
            ["Services"],
            ["Services", "default"],
            ["Services", "default", "Documents"],
            ["Services", "default", "Documents", "doc"],
            ["Services", "default", "Documents", "doc", "Permissions"],
            ["Services", "default", "Documents", "doc", "Permissions", "alice"],
            ["Services", "default", "Maps", "map", "Items"],
            ["Services", "default", "Maps", "map", "Items", "k"],
            ["Services", "default", "Maps", "map", "Items", "a%20b%2Fc"],
            ["Services", "default", "Maps", "map", "Permissions", "bob%20smith"],
            ["Services", "default", "Lists", "list", "Items"],
            ["Services", "default", "Lists", "list", "Items", "1"],
            ["Services", "default", "Lists", "list", "Permissions"],
            ["Services", "default", "Streams", "stream"],
            ["Services", "default", "Streams", "stream", "Messages"],
            ["Services", SIDS["other"], "Documents", "od"],
            ["Services", SIDS["other"]],
        ]
    ),
)
path = st.one_of(real_path, structured_path, real_path, st.text(max_size=40))
method = st.one_of(
    st.sampled_from(["GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "get", "post", "Delete"]),
    st.text(max_size=8),
)
value = st.one_of(st.sampled_from(VALUES), st.text(max_size=20))
sdk_value = st.one_of(value, st.integers(-5, 100_000), st.booleans())
form = st.builds(
    lambda real, other: {**other, **real},
    st.dictionaries(st.sampled_from(FORM_NAMES), sdk_value, max_size=6),
    st.dictionaries(st.text(max_size=8), value, max_size=2),
)
params = st.one_of(
    st.none(),
    st.builds(
        lambda real, other: {**other, **real},
        st.dictionaries(st.sampled_from(QUERY_NAMES), sdk_value, max_size=4),
        st.dictionaries(st.text(max_size=8), value, max_size=2),
    ),
)
headers = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(["If-Match", "if-match", "IF-MATCH", "X-Other"]), value, max_size=2
    ),
)
request = st.fixed_dictionaries(
    {"method": method, "url": path, "params": params, "data": st.one_of(st.none(), form)},
    optional={"headers": headers},
)


def check_answer(response: RestResponse) -> None:
    check_rest_answer(response, ALLOWED_STATUSES)


@given(requests=st.lists(request, min_size=1, max_size=4))
def test_any_request_gets_a_twilio_answer_and_a_refusal_changes_nothing(
    requests: list[dict[str, Any]],
) -> None:
    sync, _ = build_world()
    api = RestApi(sync)
    for sent in requests:
        before = everything(sync)
        response = api.handle(**sent)
        check_answer(response)
        if response.status >= 400:
            assert everything(sync) == before, (sent, response.body)
    sync._check()


@given(
    method=st.sampled_from(["GET", "POST", "DELETE"]),
    path=real_path,
    data=form,
    if_match=value,
)
def test_real_paths_with_arbitrary_fields_and_if_match(
    method: str, path: str, data: dict[str, object], if_match: str
) -> None:
    sync, _ = build_world()
    api = RestApi(sync)
    before = everything(sync)
    response = api.handle(method, path, data=data, headers={"If-Match": if_match})
    check_answer(response)
    if response.status >= 400:
        assert everything(sync) == before, response.body
    sync._check()
