"""Hostile input over REST: a well-formed Twilio error, never a 500, and nothing changed.

Each known case of issue 18 (item 3) once, over ``RestApi`` and on both storages
(``MemoryStorage`` and ``SqliteStorage(":memory:")``): data nested deeper than
``MAX_DATA_DEPTH`` (and data at that depth read back on every path, even from a deep
call stack), forged page tokens on every listing, numbers of 5,000 digits in every
numeric parameter, and List indexes beyond 64 bits. tests/properties/test_hostile_rest.py
throws random requests of the same kinds.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
from collections.abc import Callable, Iterator
from enum import Enum
from typing import Any

import pytest

from sync_core import (
    DocumentRecord,
    InvalidParameterError,
    ManualClock,
    MemoryStorage,
    SqliteStorage,
    Storage,
    Sync,
    SyncError,
    SyncEvent,
    SyncListItemRecord,
    SyncMapItemRecord,
)
from sync_core.adapters.rest import RestApi, RestResponse
from sync_core.events import webhook_params
from sync_core.limits import MAX_DATA_DEPTH
from sync_core.payload import data_depth
from sync_core.rows import ItemRow
from sync_core.state import StateFormatError
from sync_core.storage.codec import decode_value, encode_value

SEED = 1818
ERROR_KEYS = {"code", "message", "more_info", "status"}
SERVICE = "/v1/Services/default"
HUGE = "9" * 5_000  # more digits than Python converts to an int (4,300)
#: The in-memory storage in the fast tier; SQLite in the ``sqlite`` tier (CI).
STORAGES = ("memory", pytest.param("sqlite", marks=pytest.mark.sqlite))


def make_storage(name: str) -> Storage:
    return MemoryStorage() if name == "memory" else SqliteStorage(":memory:")


def build(storage: str) -> RestApi:
    """A small world, the same SIDs on either storage: two of everything listed."""
    sync = Sync(clock=ManualClock(), storage=make_storage(storage), seed=SEED)
    api = RestApi(sync)
    sync.services.create(friendly_name="second")
    for kind in ("Documents", "Maps", "Lists", "Streams"):
        for name in ("a", "b"):
            answer = api.handle("POST", f"{SERVICE}/{kind}", data={"UniqueName": name})
            assert answer.status == 201, answer.body
    for key in ("k", "m"):
        answer = api.handle("POST", f"{SERVICE}/Maps/a/Items", data={"Key": key, "Data": "{}"})
        assert answer.status == 201, answer.body
    for n in range(3):
        answer = api.handle("POST", f"{SERVICE}/Lists/a/Items", data={"Data": f'{{"n":{n}}}'})
        assert answer.status == 201, answer.body
    for kind in ("Documents", "Maps", "Lists"):
        for identity in ("alice", "bob"):
            answer = api.handle(
                "POST",
                f"{SERVICE}/{kind}/a/Permissions/{identity}",
                data={"Read": "true", "Write": "false", "Manage": "false"},
            )
            assert answer.status == 200, answer.body
    return api


@pytest.fixture(params=STORAGES)
def api(request: pytest.FixtureRequest) -> Iterator[RestApi]:
    made = build(request.param)
    yield made
    made.sync._check()


def well_formed(answer: RestResponse) -> None:
    """Twilio's answer: a known status; an error is exactly Twilio's four keys."""
    assert answer.status != 500, answer.body
    assert json.loads(answer.text or "null") == answer.body
    if answer.status >= 400:
        body = answer.body
        assert body is not None
        assert set(body) == ERROR_KEYS
        assert body["status"] == answer.status
        assert body["more_info"] == f"https://www.twilio.com/docs/errors/{body['code']}"


def refused(
    api: RestApi, status: int, code: int, method: str, url: str, **request: Any
) -> RestResponse:
    """Send the request; it is refused with ``status``/``code`` and changes nothing."""
    before = api.sync.export_state()
    answer = api.handle(method, url, **request)
    well_formed(answer)
    assert (answer.status, answer.body and answer.body["code"]) == (status, code), (
        method,
        url,
        answer.body,
    )
    assert api.sync.export_state() == before
    return answer


def ok(api: RestApi, method: str, url: str, **request: Any) -> RestResponse:
    answer = api.handle(method, url, **request)
    well_formed(answer)
    assert answer.status in (200, 201, 204), (method, url, answer.body)
    return answer


# -- data nested too deeply ---------------------------------------------------------------


def nested(depth: int) -> str:
    """JSON text of an object ``depth`` levels deep (the object itself is one)."""
    return '{"a":' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


def nested_objects(depth: int) -> str:
    """The same depth made of objects only: ``{"a":{"a":...{}}}``."""
    return '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)


#: Every request that takes ``Data``: (method, path, the other form fields it needs).
WRITES = [
    ("POST", f"{SERVICE}/Documents", {}),
    ("POST", f"{SERVICE}/Documents/a", {}),
    ("POST", f"{SERVICE}/Maps/a/Items", {"Key": "new"}),
    ("POST", f"{SERVICE}/Maps/a/Items/k", {}),
    ("POST", f"{SERVICE}/Lists/a/Items", {}),
    ("POST", f"{SERVICE}/Lists/a/Items/0", {}),
    ("POST", f"{SERVICE}/Streams/a/Messages", {}),
]


def test_the_depth_of_json_text_counts_containers_not_brackets_in_strings() -> None:
    assert data_depth(nested(MAX_DATA_DEPTH)) == MAX_DATA_DEPTH
    assert data_depth(nested_objects(7)) == 7
    assert data_depth('{"a":"[[[{{{","b":[{}]}') == 3
    assert data_depth('{"a":"\\"[[[","b":[]}') == 2  # an escaped quote ends no string


@pytest.mark.parametrize(("method", "path", "form"), WRITES, ids=[w[1][21:] for w in WRITES])
@pytest.mark.parametrize("shape", [nested, nested_objects], ids=["arrays", "objects"])
def test_data_deeper_than_the_limit_is_refused_and_the_limit_accepted(
    api: RestApi, method: str, path: str, form: dict[str, str], shape: Callable[[int], str]
) -> None:
    refused(api, 400, 54008, method, path, data={**form, "Data": shape(MAX_DATA_DEPTH + 1)})
    # What the issue found accepted: about 980 levels, readable back by no one.
    refused(api, 400, 54008, method, path, data={**form, "Data": shape(980)})
    refused(api, 400, 54008, method, path, data={**form, "Data": shape(5_000)})
    answer = ok(api, method, path, data={**form, "Data": shape(MAX_DATA_DEPTH)})
    assert answer.body is not None
    assert data_depth(json.dumps(answer.body["data"])) == MAX_DATA_DEPTH


def test_deep_data_is_refused_by_the_plain_api_too() -> None:
    docs = Sync(seed=SEED).services("default").documents
    value: dict[str, Any] = {}
    for _ in range(MAX_DATA_DEPTH):  # one level more than the limit
        value = {"a": value}
    with pytest.raises(InvalidParameterError, match="54008") as raised:
        docs.create(data=value)
    assert raised.value.detail == "data nests 101 levels deep, the limit is 100"
    for _ in range(2_000):  # deeper than the encoder recurses: still a 400
        value = {"a": value}
    with pytest.raises(InvalidParameterError, match="54008"):
        docs.create(data=value)
    value = {"x": {1, 2}}
    for _ in range(2_000):  # a non-JSON value too deep to point at: still a 400
        value = {"a": value}
    with pytest.raises(InvalidParameterError, match="54008"):
        docs.create(data=value)
    assert docs.list() == []


def test_an_import_with_data_deeper_than_the_limit_is_refused_whole(api: RestApi) -> None:
    state = api.sync.export_state()
    before = json.loads(json.dumps(state))
    default = next(s for s in state["services"] if s["unique_name"] == "default")
    default["documents"][0]["data"] = json.loads(nested(MAX_DATA_DEPTH + 1))
    with pytest.raises(StateFormatError, match=r"documents\[0\].*nests 101 levels deep"):
        api.sync.import_state(state)
    assert api.sync.export_state() == before
    default["documents"][0]["data"] = json.loads(nested(MAX_DATA_DEPTH))
    api.sync.import_state(state)
    assert api.sync.export_state() == state


def stack_depth() -> int:
    """How many frames the calling thread's stack holds."""
    frame, depth = sys._getframe(1), 1
    while frame.f_back is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def descend(frames: int, read: Callable[[], None]) -> None:
    if frames <= 0:
        read()
    else:
        descend(frames - 1, read)


def at_stack_depth(frames: int, read: Callable[[], None]) -> None:
    """Call ``read`` from a call stack ``frames`` frames deep (a deep server thread's)."""
    descend(frames - stack_depth(), read)


def read_every_path(api: RestApi, events: list[SyncEvent]) -> None:
    """Read data of ``MAX_DATA_DEPTH`` on every path a client or a test has."""
    for url in (
        f"{SERVICE}/Documents/deep",
        f"{SERVICE}/Documents",
        f"{SERVICE}/Maps/a/Items/deep",
        f"{SERVICE}/Maps/a/Items",
        f"{SERVICE}/Lists/a/Items/3",
        f"{SERVICE}/Lists/a/Items",
    ):
        answer = api.handle("GET", url)
        assert answer.status == 200, (url, answer.body)
        assert data_depth(answer.text) >= MAX_DATA_DEPTH  # serialized whole
    service = api.sync.services("default")
    item = service.sync_lists("a").sync_list_items(3).fetch()
    records: list[DocumentRecord | SyncMapItemRecord | SyncListItemRecord] = [
        service.documents("deep").fetch(),
        service.sync_maps("a").sync_map_items("deep").fetch(),
        item,
    ]
    for record in records:
        assert data_depth(json.dumps(record.to_dict())) == MAX_DATA_DEPTH + 1
    assert len(events) == 4
    for event in events:
        assert data_depth(json.dumps(event.to_dict())) == MAX_DATA_DEPTH + 1
        params = webhook_params(event)
        assert any(data_depth(value) == MAX_DATA_DEPTH for value in params.values())
        assert event.data is not None
        assert data_depth(json.dumps(event.data)) == MAX_DATA_DEPTH
    exported = json.dumps(api.sync.export_state())
    assert data_depth(exported) > MAX_DATA_DEPTH
    row = api.sync._engine.store.item("list_item", item.service_sid, item.list_sid, 3)
    assert isinstance(row, ItemRow)
    assert decode_value(encode_value(row)) == row  # the SQLite codec's round trip


@pytest.mark.parametrize("where", ["thread", "main"])
def test_data_at_the_limit_reads_back_on_every_path_from_a_deep_stack(
    api: RestApi, where: str
) -> None:
    deepest = nested(MAX_DATA_DEPTH)
    events: list[SyncEvent] = []
    api.sync.subscribe(events.append)
    ok(api, "POST", f"{SERVICE}/Documents", data={"UniqueName": "deep", "Data": deepest})
    ok(api, "POST", f"{SERVICE}/Maps/a/Items", data={"Key": "deep", "Data": deepest})
    answer = ok(api, "POST", f"{SERVICE}/Lists/a/Items", data={"Data": deepest})
    assert answer.body is not None
    assert answer.body["index"] == 3
    ok(api, "POST", f"{SERVICE}/Streams/a/Messages", data={"Data": deepest})
    failures: list[BaseException] = []

    def deep_reads() -> None:
        try:
            at_stack_depth(800, lambda: read_every_path(api, events))
        except BaseException as failure:  # reported in the test's own thread
            failures.append(failure)

    if where == "thread":
        thread = threading.Thread(target=deep_reads)
        thread.start()
        thread.join()
    else:
        deep_reads()
    assert failures == []


# -- page tokens -------------------------------------------------------------------------

#: Every listing of the world, with what its positions are.
LISTINGS = {
    "services": ("/v1/Services", int),
    "documents": (f"{SERVICE}/Documents", int),
    "maps": (f"{SERVICE}/Maps", int),
    "lists": (f"{SERVICE}/Lists", int),
    "streams": (f"{SERVICE}/Streams", int),
    "map items": (f"{SERVICE}/Maps/a/Items", str),
    "list items": (f"{SERVICE}/Lists/a/Items", int),
    "document permissions": (f"{SERVICE}/Documents/a/Permissions", str),
    "map permissions": (f"{SERVICE}/Maps/a/Permissions", str),
    "list permissions": (f"{SERVICE}/Lists/a/Permissions", str),
}


def token_of(raw: str) -> str:
    """A page token holding ``raw`` (what sync_core's tokens look like)."""
    return "PT" + base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def real_token(api: RestApi, path: str) -> list[Any]:
    """The fields of the next-page token of a listing's first page of one."""
    answer = ok(api, "GET", path, params={"PageSize": "1"})
    assert answer.body is not None
    url = answer.body["meta"]["next_page_url"]
    token = url.split("PageToken=")[1]
    body = token.removeprefix("PT")
    fields: list[Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert token_of(json.dumps(fields, separators=(",", ":"))) == token
    return fields


def with_position(fields: list[Any], position: object) -> str:
    changed = list(fields)
    changed[4] = position
    return token_of(json.dumps(changed))


def with_page(fields: list[Any], page: int) -> str:
    changed = list(fields)
    changed[6] = page
    return token_of(json.dumps(changed))


def with_start(fields: list[Any], start: object) -> str:
    """The token with another From (a forgery's: one no query's From could give)."""
    changed = list(fields)
    changed[2] = start
    return token_of(json.dumps(changed))


def deep_position(fields: list[Any]) -> str:
    """The token's JSON with its position nested 1,100 lists deep."""
    parts = [json.dumps(field) for field in fields]
    parts[4] = "[" * 1_100 + "]" * 1_100
    return "[" + ",".join(parts) + "]"


@pytest.mark.parametrize("listing", list(LISTINGS))
def test_a_forged_page_token_is_400_54453_on_every_listing(api: RestApi, listing: str) -> None:
    path, position_type = LISTINGS[listing]
    fields = real_token(api, path)
    wrong = ["x"] if position_type is int else [1]
    forged = [
        "[" * 1_100,
        token_of("[" * 1_100),
        token_of("[" * 1_100 + "]" * 1_100),
        token_of("{" * 1_100),
        with_position(fields, []),  # emptied
        with_position(fields, wrong),  # the wrong type
        with_position(fields, [fields[4][0], fields[4][0]]),  # one too many
        with_position(fields, fields[4][0]),  # not a list
        with_position(fields, None),
        with_position(fields, [None]),
        with_position(fields, [True]),
        with_position(fields, [1.5]),
        with_position(fields, [[fields[4][0]]]),
        token_of(deep_position(fields)),
        token_of(json.dumps(fields[:7])),  # a field short
        "PT" + "!" * 12,
        "PT",
        "PT\ud800",
        HUGE,
        with_page(fields, -1),
        with_page(fields, int(HUGE[:4_299])),  # a number Python still reads, not a page's
        with_page(fields, 2**63),  # beyond 64 bits
    ]
    if position_type is str:  # text no token made here holds: a lone surrogate
        forged += [with_position(fields, ["\ud800"]), with_start(fields, "\ud800")]
    if listing.endswith("items"):  # a From no query's From could give
        forged += [with_start(fields, "\ud800" if position_type is str else -1)]
        forged += [with_start(fields, "k" * 321)] if position_type is str else []
    for token in forged:
        refused(api, 400, 54453, "GET", path, params={"PageToken": token})
    # The real token still works.
    ok(api, "GET", path, params={"PageToken": with_position(fields, fields[4])})


@pytest.mark.parametrize("listing", [name for name, (_, kind) in LISTINGS.items() if kind is int])
def test_a_token_moved_beyond_64_bits_reads_the_same_page_on_both_storages(
    listing: str,
) -> None:
    path, _ = LISTINGS[listing]
    memory, sqlite = build("memory"), build("sqlite")
    fields = real_token(memory, path)
    assert real_token(sqlite, path) == fields
    for position in (10**30, 2**63, 2**64, 2**63 - 1, -(2**63) - 1, -1):
        token = with_position(fields, [position])
        answers = [api.handle("GET", path, params={"PageToken": token}) for api in (memory, sqlite)]
        for answer in answers:
            well_formed(answer)
            assert answer.status == 200
        assert answers[0].body == answers[1].body, position
        assert answers[0].body is not None
        expected = 0 if position > 0 else 1  # before every position: from the first
        assert len(answers[0].body[answers[0].body["meta"]["key"]]) == expected


# -- numbers of 5,000 digits -------------------------------------------------------------

#: Every TTL parameter of every request that takes one: (method, path, form).
TTLS = [
    ("POST", f"{SERVICE}/Documents", {}, "Ttl"),
    ("POST", f"{SERVICE}/Documents/a", {}, "Ttl"),
    ("POST", f"{SERVICE}/Maps", {}, "Ttl"),
    ("POST", f"{SERVICE}/Maps", {}, "CollectionTtl"),
    ("POST", f"{SERVICE}/Maps/a", {}, "Ttl"),
    ("POST", f"{SERVICE}/Maps/a", {}, "CollectionTtl"),
    ("POST", f"{SERVICE}/Lists", {}, "Ttl"),
    ("POST", f"{SERVICE}/Lists", {}, "CollectionTtl"),
    ("POST", f"{SERVICE}/Lists/a", {}, "Ttl"),
    ("POST", f"{SERVICE}/Lists/a", {}, "CollectionTtl"),
    ("POST", f"{SERVICE}/Streams", {}, "Ttl"),
    ("POST", f"{SERVICE}/Streams/a", {}, "Ttl"),
    ("POST", f"{SERVICE}/Maps/a/Items", {"Key": "new", "Data": "{}"}, "Ttl"),
    ("POST", f"{SERVICE}/Maps/a/Items", {"Key": "new", "Data": "{}"}, "ItemTtl"),
    ("POST", f"{SERVICE}/Maps/a/Items", {"Key": "new", "Data": "{}"}, "CollectionTtl"),
    ("POST", f"{SERVICE}/Maps/a/Items/k", {"Data": "{}"}, "Ttl"),
    ("POST", f"{SERVICE}/Maps/a/Items/k", {"Data": "{}"}, "ItemTtl"),
    ("POST", f"{SERVICE}/Maps/a/Items/k", {"Data": "{}"}, "CollectionTtl"),
    ("POST", f"{SERVICE}/Lists/a/Items", {"Data": "{}"}, "Ttl"),
    ("POST", f"{SERVICE}/Lists/a/Items", {"Data": "{}"}, "ItemTtl"),
    ("POST", f"{SERVICE}/Lists/a/Items", {"Data": "{}"}, "CollectionTtl"),
    ("POST", f"{SERVICE}/Lists/a/Items/0", {"Data": "{}"}, "Ttl"),
    ("POST", f"{SERVICE}/Lists/a/Items/0", {"Data": "{}"}, "ItemTtl"),
    ("POST", f"{SERVICE}/Lists/a/Items/0", {"Data": "{}"}, "CollectionTtl"),
]


@pytest.mark.parametrize("digits", [HUGE, "-" + HUGE, "+" + HUGE, str(10**30)])
def test_a_ttl_of_5000_digits_is_400_54011_for_every_ttl_parameter(
    api: RestApi, digits: str
) -> None:
    for method, path, form, name in TTLS:
        refused(api, 400, 54011, method, path, data={**form, name: digits})


@pytest.mark.parametrize("digits", [HUGE, "-" + HUGE])
def test_an_index_of_5000_digits_is_400_54458(api: RestApi, digits: str) -> None:
    for method in ("GET", "POST", "DELETE"):
        refused(api, 400, 54458, method, f"{SERVICE}/Lists/a/Items/{digits}", data={"Data": "{}"})
    refused(api, 400, 54458, "GET", f"{SERVICE}/Lists/a/Items", params={"From": digits})
    # A Map's From is a key: 5,000 characters are over its 320.
    refused(api, 400, 54209, "GET", f"{SERVICE}/Maps/a/Items", params={"From": digits})


@pytest.mark.parametrize("storage", STORAGES)
def test_an_empty_ttl_is_no_ttl_for_every_ttl_parameter(storage: str) -> None:
    # Twilio's 54011: "must either be empty or an integer between 0 and 31 536 000".
    for method, path, form, name in TTLS:
        blank, without = build(storage), build(storage)
        answer = blank.handle(method, path, data={**form, name: ""})
        expected = without.handle(method, path, data=form)
        well_formed(answer)
        assert (answer.status, answer.body) == (expected.status, expected.body), (path, name)
        assert blank.sync.export_state() == without.sync.export_state()
    # Beside an empty TTL, its alias counts; an empty alias is no alias either.
    api = build(storage)
    made = ok(
        api,
        "POST",
        f"{SERVICE}/Maps/a/Items",
        data={"Key": "t", "Data": "{}", "ItemTtl": "", "Ttl": "60"},
    )
    assert made.body is not None
    assert made.body["date_expires"] is not None
    kept = ok(
        api, "POST", f"{SERVICE}/Maps/a/Items/t", data={"Data": "{}", "ItemTtl": "", "Ttl": ""}
    )
    assert kept.body is not None
    assert kept.body["date_expires"] == made.body["date_expires"]


@pytest.mark.parametrize("listing", list(LISTINGS))
def test_paging_numbers_of_5000_digits_are_400(api: RestApi, listing: str) -> None:
    path, _ = LISTINGS[listing]
    for digits in (HUGE, "-" + HUGE):
        refused(api, 400, 54454, "GET", path, params={"PageSize": digits})
        refused(api, 400, 20001, "GET", path, params={"Page": digits})
    # Numbers Python still reads (4,299 digits), or beyond 64 bits: refused too; the
    # highest page number is answered, and the URLs of its page are answered too (its
    # next page is numbered the same: the number is a label, the token says where).
    for digits in ("9" * 4_299, str(2**63)):
        refused(api, 400, 20001, "GET", path, params={"Page": digits, "PageSize": "1"})
    for number in (2**63 - 2, 2**63 - 1):
        page = api.handle("GET", path, params={"Page": str(number), "PageSize": "1"})
        assert page.status == 200
        assert page.body is not None
        for name in ("url", "next_page_url", "previous_page_url", "first_page_url"):
            linked = page.body["meta"][name]
            if linked is not None:
                assert api.handle("GET", linked).status == 200, (name, linked)


@pytest.mark.parametrize("listing", list(LISTINGS))
def test_an_empty_paging_parameter_is_none_on_every_listing(api: RestApi, listing: str) -> None:
    # As an empty From, PageToken or If-Match: an empty PageSize, Page, Order or Bounds
    # is not given (docs/maps-and-lists.md). The page URLs echo what was sent.
    path, _ = LISTINGS[listing]

    def page(params: dict[str, str]) -> tuple[Any, ...]:
        body = ok(api, "GET", path, params=params).body
        assert body is not None
        meta = body["meta"]
        records = body[meta["key"]]
        return records, meta["page"], meta["page_size"], meta["next_page_url"] is None

    names = ["Page", "Order", "Bounds"] if "Items" in path else ["Page"]
    for name in names:
        assert page({"PageSize": "1", name: ""}) == page({"PageSize": "1"}), name
    assert page({"PageSize": ""}) == page({})


@pytest.mark.parametrize("listing", list(LISTINGS))
def test_a_bad_page_beside_a_page_token_is_400_20001_as_alone(api: RestApi, listing: str) -> None:
    path, _ = LISTINGS[listing]
    first = ok(api, "GET", path, params={"PageSize": "1"})
    assert first.body is not None
    following = first.body["meta"]["next_page_url"]
    assert following is not None
    assert "Page=1&" in following
    for bad in ("-1", "abc", str(2**63)):
        refused(api, 400, 20001, "GET", following.replace("Page=1&", f"Page={bad}&"))
    # The token's own number is the one echoed, a good Page beside it or not.
    answer = ok(api, "GET", following.replace("Page=1&", "Page=7&"))
    assert answer.body is not None
    assert answer.body["meta"]["page"] == 1


def test_a_debouncing_window_of_5000_digits_is_400_20001(api: RestApi) -> None:
    field = {"ReachabilityDebouncingWindow": HUGE}
    refused(api, 400, 20001, "POST", "/v1/Services", data=field)
    refused(api, 400, 20001, "POST", SERVICE, data=field)


# -- List indexes beyond 64 bits -----------------------------------------------------------

BIG_INDEXES = [str(10**30), str(2**63), str(2**64), str(2**63 - 1), str(2**62)]


@pytest.mark.parametrize("index", BIG_INDEXES)
def test_a_list_index_beyond_64_bits_is_404_on_both_storages(api: RestApi, index: str) -> None:
    path = f"{SERVICE}/Lists/a/Items/{index}"
    refused(api, 404, 20404, "GET", path)
    refused(api, 404, 20404, "POST", path, data={"Data": "{}"})
    refused(api, 404, 20404, "POST", path, data={"Data": "{}"}, headers={"If-Match": "0"})
    refused(api, 404, 20404, "DELETE", path)


def test_a_negative_list_index_is_400_54458_on_both_storages(api: RestApi) -> None:
    for method in ("GET", "POST", "DELETE"):
        refused(api, 400, 54458, method, f"{SERVICE}/Lists/a/Items/-1", data={"Data": "{}"})
    refused(api, 400, 54458, "GET", f"{SERVICE}/Lists/a/Items", params={"From": "-1"})


@pytest.mark.parametrize("index", BIG_INDEXES)
def test_listing_from_an_index_beyond_64_bits_answers_as_in_memory(index: str) -> None:
    memory, sqlite = build("memory"), build("sqlite")
    path = f"{SERVICE}/Lists/a/Items"
    for order, bounds, expected in [
        ("asc", "inclusive", []),
        ("asc", "exclusive", []),
        ("desc", "inclusive", [2, 1, 0]),
        ("desc", "exclusive", [2, 1, 0]),
    ]:
        params = {"From": index, "Order": order, "Bounds": bounds, "PageSize": "2"}
        answers = [api.handle("GET", path, params=params) for api in (memory, sqlite)]
        for answer in answers:
            well_formed(answer)
            assert answer.status == 200, answer.body
        assert answers[0].body == answers[1].body
        body = answers[0].body
        assert body is not None
        assert [item["index"] for item in body["items"]] == expected[:2]
        if len(expected) > 2:  # the next page keeps From, and reads the same on both
            next_url = body["meta"]["next_page_url"]
            pages = [api.handle("GET", next_url) for api in (memory, sqlite)]
            assert pages[0].body == pages[1].body
            assert pages[0].body is not None
            assert [item["index"] for item in pages[0].body["items"]] == expected[2:]


@pytest.mark.parametrize("start", [10**30, 2**64])
def test_a_list_item_token_starting_beyond_64_bits_reads_as_in_memory(start: int) -> None:
    memory, sqlite = build("memory"), build("sqlite")
    path = f"{SERVICE}/Lists/a/Items"
    fields = real_token(memory, path)
    for descending in (False, True):
        changed = [fields[0], descending, start, *fields[3:]]
        token = token_of(json.dumps(changed))
        answers = [api.handle("GET", path, params={"PageToken": token}) for api in (memory, sqlite)]
        for answer in answers:
            well_formed(answer)
            assert answer.status == 200, answer.body
        assert answers[0].body == answers[1].body


# -- a clock at the end of the calendar ----------------------------------------------------


@pytest.mark.parametrize("storage", STORAGES)
def test_a_ttl_ending_past_year_9999_is_400_54011_and_writes_nothing(storage: str) -> None:
    from datetime import UTC, datetime

    clock = ManualClock(datetime(9999, 6, 1, tzinfo=UTC))
    sync = Sync(clock=clock, storage=make_storage(storage), seed=SEED)
    api = RestApi(sync)
    ok(api, "POST", f"{SERVICE}/Maps", data={"UniqueName": "a"})
    ok(api, "POST", f"{SERVICE}/Maps/a/Items", data={"Key": "k", "Data": "{}"})
    ok(api, "POST", f"{SERVICE}/Streams", data={"UniqueName": "a"})
    year = "31536000"
    for method, path, form in [
        ("POST", f"{SERVICE}/Documents", {"UniqueName": "d", "Ttl": year}),
        ("POST", f"{SERVICE}/Maps", {"UniqueName": "b", "Ttl": year}),
        ("POST", f"{SERVICE}/Maps/a", {"Ttl": year}),
        ("POST", f"{SERVICE}/Maps/a/Items", {"Key": "n", "Data": "{}", "ItemTtl": year}),
        ("POST", f"{SERVICE}/Maps/a/Items", {"Key": "n", "Data": "{}", "CollectionTtl": year}),
        ("POST", f"{SERVICE}/Maps/a/Items/k", {"Data": "{}", "ItemTtl": year}),
        ("POST", f"{SERVICE}/Streams", {"UniqueName": "s", "Ttl": year}),
        ("POST", f"{SERVICE}/Streams/a", {"Ttl": year}),
    ]:
        refused(api, 400, 54011, method, path, data=form)
    # The plain API refuses it the same; a TTL that ends within the calendar is kept.
    documents = sync.services("default").documents
    with pytest.raises(InvalidParameterError) as error:
        documents.create(unique_name="d", ttl=int(year))
    assert error.value.code == 54011
    assert documents.create(unique_name="d", ttl=60).date_expires == datetime(
        9999, 6, 1, 0, 1, tzinfo=UTC
    )
    sync._check()


def test_a_python_int_too_long_to_write_out_is_refused_by_the_plain_api() -> None:
    # Python refuses to turn an int of over 4,300 digits into text: refusals that showed
    # the value raised that ValueError, not Twilio's error. As over HTTP (its text is no
    # number there), such an int is none.
    sync = Sync(seed=1)
    svc = sync.services("default")
    svc.documents.create(unique_name="d")
    svc.sync_maps.create(unique_name="m")
    svc.sync_lists.create(unique_name="l")
    before = sync.export_state()
    big: Any = 10**5000  # any parameter: the refusals are what is tested
    calls: list[tuple[int, Callable[[], object]]] = [
        (54011, lambda: svc.documents.create(ttl=big)),
        (54011, lambda: svc.sync_maps("m").sync_map_items.create(key="k", data={}, item_ttl=big)),
        (20001, lambda: sync.services.create(reachability_debouncing_window=big)),
        (20001, lambda: sync.services.create(acl_enabled=big)),
        (54053, lambda: sync.services.create(friendly_name=big)),
        (54458, lambda: svc.sync_lists("l").sync_list_items(big).fetch()),
        (54458, lambda: svc.sync_lists("l").sync_list_items.list(from_=big)),
        (20001, lambda: svc.documents.page(page_number=big)),
        (54454, lambda: svc.documents.page(page_size=-big)),
        (54209, lambda: svc.sync_maps("m").sync_map_items.create(key=big, data={})),
        (54302, lambda: svc.documents.create(unique_name=big)),
        (54351, lambda: svc.documents("d").document_permissions(big).fetch()),
        (54003, lambda: svc.documents("d").update(data={}, if_match=big)),
        (54451, lambda: svc.sync_maps("m").sync_map_items.list(order=big)),
    ]
    for code, call in calls:
        with pytest.raises(SyncError) as refusal:
            call()
        assert (refusal.value.status, refusal.value.code) == (400, code)
        assert "bits" in str(refusal.value)
    assert sync.export_state() == before


class _Name(str, Enum):  # noqa: UP042  # not StrEnum: its str() is not its value
    """What an app may pass for text: a ``(str, Enum)`` member."""

    KEY = "name"


@pytest.mark.parametrize("storage", STORAGES)
def test_a_str_subclass_is_kept_as_its_text_on_every_storage(storage: str) -> None:
    # A (str, Enum) member is its value on the wire, but str() of it is "_Name.KEY":
    # it was kept as the member (URLs read ".../Items/_Name.KEY", a webhook's ItemKey
    # was the member while its signature was over "name"), and SQLite kept "name".
    sync = Sync(storage=make_storage(storage), seed=1)
    svc = sync.services("default")
    svc.sync_maps.create(unique_name="m")
    item = svc.sync_maps("m").sync_map_items.create(key=_Name.KEY, data={})
    assert type(item.key) is str
    assert item.url.endswith("/Items/name")
    doc = svc.documents.create(unique_name=_Name.KEY)
    assert type(doc.unique_name) is str
    assert doc.unique_name == "name"
    grant = (
        svc.documents("name")
        .document_permissions(_Name.KEY)
        .update(read=True, write=False, manage=False)
    )
    assert grant.url.endswith("/Permissions/name")
    made = svc.for_identity(_Name.KEY).sync_lists.create(unique_name="l")
    assert type(made.created_by) is str
    assert made.created_by == "name"
    sync._check()


def test_data_over_twilios_size_is_413_however_deep() -> None:
    # Twilio's 16 KiB comes first: data over it is 413/54006 also when it nests deeper
    # than sync_core's own depth limit (it was 400/54008); under it, deep data is 54008.
    sync = Sync(seed=1)
    docs = sync.services("default").documents
    deep: dict[str, Any] = {"pad": "x" * 20_000}
    for _ in range(MAX_DATA_DEPTH + 1):
        deep = {"a": deep}
    with pytest.raises(SyncError) as too_large:
        docs.create(data=deep)
    assert (too_large.value.status, too_large.value.code) == (413, 54006)
    shallow_deep: dict[str, Any] = {}
    for _ in range(MAX_DATA_DEPTH + 1):
        shallow_deep = {"a": shallow_deep}
    with pytest.raises(SyncError) as too_deep:
        docs.create(data=shallow_deep)
    assert (too_deep.value.status, too_deep.value.code) == (400, 54008)
    assert docs.list() == []
