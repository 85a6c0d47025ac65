"""The REST adapter answers every operation of Twilio's Sync v1 OpenAPI description.

``RestApi(sync).handle(method, url, params, data, headers)`` is checked against
``tests/data/twilio_sync_v1.openapi.json``: each of its 48 operations once for real (status
and response schema), then ETags and ``If-Match``, form values as HTTP text, paths,
listings walked through their page URLs, and the shape of every error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from kinds import everything
from support import not_found

from sync_core import ManualClock, Sync
from sync_core.adapters.rest import RestApi, RestResponse

SPEC: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "data" / "twilio_sync_v1.openapi.json").read_text()
)
DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
ERROR_KEYS = {"code", "message", "more_info", "status"}
METHODS = ("get", "post", "delete", "put", "patch")
META_KEYS = {
    "first_page_url",
    "key",
    "next_page_url",
    "page",
    "page_size",
    "previous_page_url",
    "url",
}


# -- a small JSON-schema checker over the OpenAPI description ---------------------------


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$ref`` (``#/a/b/c``) followed, as often as needed."""
    while "$ref" in schema:
        found: Any = SPEC
        for part in schema["$ref"].removeprefix("#/").split("/"):
            found = found[part]
        schema = found
    return schema


def check_against(value: Any, schema: dict[str, Any], where: str = "$") -> None:
    """Assert ``value`` is valid for ``schema`` (the parts of JSON schema the spec uses)."""
    schema = resolve(schema)
    if value is None:
        assert schema.get("nullable"), f"{where} may not be null"
        return
    if "enum" in schema:
        assert value in schema["enum"], f"{where}={value!r} not in {schema['enum']}"
    kind = schema.get("type")
    if kind == "object":
        assert isinstance(value, dict), f"{where}={value!r} is not an object"
        if "properties" in schema:
            properties = schema["properties"]
            assert set(value) == set(properties), f"{where}: fields differ"
            for field, rule in properties.items():
                check_against(value[field], rule, f"{where}.{field}")
        if schema.get("format") == "uri-map":
            for name, url in value.items():
                assert isinstance(url, str), f"{where}.{name}"
                assert url.startswith("https://"), f"{where}.{name}={url!r}"
    elif kind == "array":
        assert isinstance(value, list), f"{where}={value!r} is not an array"
        for index, item in enumerate(value):
            check_against(item, schema.get("items", {}), f"{where}[{index}]")
    elif kind == "string":
        assert isinstance(value, str), f"{where}={value!r} is not a string"
        if "pattern" in schema:
            assert re.search(schema["pattern"], value), f"{where}={value!r}"
        if "minLength" in schema:
            assert len(value) >= schema["minLength"], f"{where}={value!r}"
        if "maxLength" in schema:
            assert len(value) <= schema["maxLength"], f"{where}={value!r}"
        if schema.get("format") == "date-time":
            assert DATE.fullmatch(value), f"{where}={value!r}"
        if schema.get("format") == "uri":
            assert value.startswith("https://"), f"{where}={value!r}"
    elif kind == "integer":
        assert isinstance(value, int), f"{where}={value!r} is not an integer"
        assert not isinstance(value, bool), f"{where}={value!r} is a boolean"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{where}={value!r} is not a boolean"


@dataclass(frozen=True)
class Operation:
    """One operation of the spec: its method, path template, status and response schema."""

    operation_id: str
    method: str
    template: str
    status: int
    schema: dict[str, Any] | None


def spec_operations() -> dict[str, Operation]:
    found: dict[str, Operation] = {}
    for template, item in SPEC["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            (code,) = operation["responses"]
            content = operation["responses"][code].get("content")
            schema = None if content is None else content["application/json"]["schema"]
            found[operation["operationId"]] = Operation(
                operation["operationId"], method.upper(), template, int(code), schema
            )
    return found


OPERATIONS = spec_operations()


def test_the_spec_has_48_operations() -> None:
    assert len(OPERATIONS) == 48
    assert len({(op.method, op.template) for op in OPERATIONS.values()}) == 48


def test_the_checker_rejects_what_the_spec_does_not_allow() -> None:
    document = resolve({"$ref": "#/components/schemas/sync.v1.service.document"})
    sid = document["properties"]["sid"]
    check_against("ET" + "0" * 32, sid)
    for bad in ("XX" + "0" * 32, "ET0", 7):
        with pytest.raises(AssertionError):
            check_against(bad, sid)
    with pytest.raises(AssertionError):
        check_against("2025-01-01 00:00:00", document["properties"]["date_created"])
    with pytest.raises(AssertionError):
        check_against({"sid": "ET" + "0" * 32}, document)
    with pytest.raises(AssertionError):
        check_against("sideways", {"type": "string", "enum": ["asc", "desc"]})
    with pytest.raises(AssertionError):
        check_against(None, {"type": "string"})
    with pytest.raises(AssertionError):
        check_against(True, {"type": "integer"})


# -- fixtures and helpers ---------------------------------------------------------------


@pytest.fixture
def api(sync: Sync) -> RestApi:
    return RestApi(sync)


def answer(response: RestResponse, status: int) -> dict[str, Any]:
    """The body of a response that must have ``status`` (and be JSON)."""
    assert response.status == status, response.body
    assert response.body is not None
    assert json.loads(response.text) == response.body
    return response.body


def refusal(response: RestResponse, status: int, code: int) -> dict[str, Any]:
    """The body of a Twilio error answer with exactly ``status`` and ``code``."""
    body = answer(response, status)
    assert set(body) == ERROR_KEYS
    assert body["status"] == status
    assert body["code"] == code
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert isinstance(body["message"], str)
    assert body["message"]
    return body


def fill(template: str, **ids: str) -> str:
    """The path of ``template`` with each ``{Name}`` percent-encoded from ``ids``."""
    return re.sub(r"\{(\w+)\}", lambda m: quote(ids[m.group(1)], safe=""), template)


# -- every operation, for real ----------------------------------------------------------


@dataclass(frozen=True)
class Step:
    operation_id: str
    ids: dict[str, str]
    data: dict[str, object] | None = None
    params: dict[str, object] | None = None


def test_every_operation_of_the_spec_answers_its_status_and_schema(api: RestApi) -> None:
    created: dict[str, str] = {}
    exercised: list[str] = []

    def run(step: Step) -> dict[str, Any] | None:
        operation = OPERATIONS[step.operation_id]
        ids = {k: created.get(v, v) for k, v in {"ServiceSid": "service", **step.ids}.items()}
        path = fill(operation.template, **ids)
        response = api.handle(operation.method, path, params=step.params, data=step.data)
        assert response.status == operation.status, (step.operation_id, response.body)
        exercised.append(step.operation_id)
        if operation.status == 204:
            assert response.body is None
            assert response.text == ""
            return None
        assert operation.schema is not None
        assert response.body is not None
        assert json.loads(response.text) == response.body
        check_against(response.body, operation.schema, step.operation_id)
        return response.body

    def create(step: Step, name: str) -> None:
        body = run(step)
        assert body is not None
        created[name] = body["sid"]

    perm: dict[str, object] = {"Read": "true", "Write": "false", "Manage": "true"}
    create(Step("CreateService", {}, {"FriendlyName": "all", "AclEnabled": "true"}), "service")
    service = created["service"]
    run(Step("ListService", {}))
    run(Step("FetchService", {"Sid": service}))
    run(Step("UpdateService", {"Sid": service}, {"FriendlyName": "renamed"}))
    # Documents and their permissions.
    create(Step("CreateDocument", {}, {"UniqueName": "doc", "Data": '{"a": 1}'}), "doc")
    run(Step("ListDocument", {}))
    run(Step("FetchDocument", {"Sid": "doc"}))
    run(Step("UpdateDocument", {"Sid": "doc"}, {"Data": '{"a": 2}', "Ttl": "60"}))
    run(Step("UpdateDocumentPermission", {"DocumentSid": "doc", "Identity": "ann"}, perm))
    run(Step("FetchDocumentPermission", {"DocumentSid": "doc", "Identity": "ann"}))
    run(Step("ListDocumentPermission", {"DocumentSid": "doc"}))
    run(Step("DeleteDocumentPermission", {"DocumentSid": "doc", "Identity": "ann"}))
    run(Step("DeleteDocument", {"Sid": "doc"}))
    # Maps, their items and permissions.
    create(Step("CreateSyncMap", {}, {"UniqueName": "map", "CollectionTtl": "600"}), "map")
    run(Step("ListSyncMap", {}))
    run(Step("FetchSyncMap", {"Sid": "map"}))
    run(Step("UpdateSyncMap", {"Sid": "map"}, {"Ttl": "0"}))
    item = {"MapSid": "map", "Key": "k"}
    run(Step("CreateSyncMapItem", {"MapSid": "map"}, {"Key": "k", "Data": '{"v": 1}'}))
    run(Step("ListSyncMapItem", {"MapSid": "map"}, params={"Order": "desc"}))
    run(Step("FetchSyncMapItem", item))
    run(Step("UpdateSyncMapItem", item, {"Data": '{"v": 2}', "ItemTtl": "30"}))
    run(Step("DeleteSyncMapItem", item))
    run(Step("UpdateSyncMapPermission", {"MapSid": "map", "Identity": "ann"}, perm))
    run(Step("FetchSyncMapPermission", {"MapSid": "map", "Identity": "ann"}))
    run(Step("ListSyncMapPermission", {"MapSid": "map"}))
    run(Step("DeleteSyncMapPermission", {"MapSid": "map", "Identity": "ann"}))
    run(Step("DeleteSyncMap", {"Sid": "map"}))
    # Lists, their items and permissions.
    create(Step("CreateSyncList", {}, {"UniqueName": "list", "Ttl": "600"}), "list")
    run(Step("ListSyncList", {}))
    run(Step("FetchSyncList", {"Sid": "list"}))
    run(Step("UpdateSyncList", {"Sid": "list"}, {"CollectionTtl": "0"}))
    entry = {"ListSid": "list", "Index": "0"}
    run(Step("CreateSyncListItem", {"ListSid": "list"}, {"Data": '{"v": 1}'}))
    run(Step("ListSyncListItem", {"ListSid": "list"}, params={"From": "0"}))
    run(Step("FetchSyncListItem", entry))
    run(Step("UpdateSyncListItem", entry, {"Data": '{"v": 2}'}))
    run(Step("DeleteSyncListItem", entry))
    run(Step("UpdateSyncListPermission", {"ListSid": "list", "Identity": "ann"}, perm))
    run(Step("FetchSyncListPermission", {"ListSid": "list", "Identity": "ann"}))
    run(Step("ListSyncListPermission", {"ListSid": "list"}))
    run(Step("DeleteSyncListPermission", {"ListSid": "list", "Identity": "ann"}))
    run(Step("DeleteSyncList", {"Sid": "list"}))
    # Streams and their messages.
    create(Step("CreateSyncStream", {}, {"UniqueName": "stream"}), "stream")
    run(Step("ListSyncStream", {}))
    run(Step("FetchSyncStream", {"Sid": "stream"}))
    run(Step("UpdateSyncStream", {"Sid": "stream"}, {"Ttl": "60"}))
    run(Step("CreateStreamMessage", {"StreamSid": "stream"}, {"Data": '{"x": 1}'}))
    run(Step("DeleteSyncStream", {"Sid": "stream"}))
    # The service itself, last.
    run(Step("DeleteService", {"Sid": service}))

    assert sorted(exercised) == sorted(OPERATIONS)  # each operation exactly once


def test_listings_in_the_walkthrough_are_not_empty(api: RestApi) -> None:
    """The schema check above also holds for listings that hold records."""
    answer(api.handle("POST", "/v1/Services/default/Documents", data={"UniqueName": "d"}), 201)
    answer(api.handle("POST", "/v1/Services/default/Maps", data={"UniqueName": "m"}), 201)
    answer(
        api.handle("POST", "/v1/Services/default/Maps/m/Items", data={"Key": "k", "Data": "{}"}),
        201,
    )
    perm = {"Read": "true", "Write": "true", "Manage": "false"}
    answer(api.handle("POST", "/v1/Services/default/Maps/m/Permissions/ann", data=perm), 200)
    for operation_id, path, key in (
        ("ListService", "/v1/Services", "services"),
        ("ListDocument", "/v1/Services/default/Documents", "documents"),
        ("ListSyncMapItem", "/v1/Services/default/Maps/m/Items", "items"),
        ("ListSyncMapPermission", "/v1/Services/default/Maps/m/Permissions", "permissions"),
    ):
        body = answer(api.handle("GET", path), 200)
        assert len(body[key]) == 1
        check_against(body, OPERATIONS[operation_id].schema or {}, operation_id)


# -- ETag and If-Match ------------------------------------------------------------------

COLLECTION_CREATES: dict[str, dict[str, object]] = {
    "Documents": {"UniqueName": "o", "Data": '{"n": 0}'},
    "Maps": {"UniqueName": "o"},
    "Lists": {"UniqueName": "o"},
}
COLLECTION_UPDATES: dict[str, dict[str, object]] = {
    "Documents": {"Data": '{"n": 1}'},
    "Maps": {"Ttl": "100"},
    "Lists": {"Ttl": "100"},
}


@pytest.mark.parametrize("collection", sorted(COLLECTION_CREATES))
def test_the_etag_of_an_object_is_its_revision(api: RestApi, collection: str) -> None:
    base = f"/v1/Services/default/{collection}"
    made = api.handle("POST", base, data=COLLECTION_CREATES[collection])
    fetched = api.handle("GET", f"{base}/o")
    updated = api.handle("POST", f"{base}/o", data=COLLECTION_UPDATES[collection])
    for response, status in ((made, 201), (fetched, 200), (updated, 200)):
        body = answer(response, status)
        assert response.headers["ETag"] == body["revision"]
    assert answer(updated, 200)["revision"] != answer(made, 201)["revision"]


@pytest.mark.parametrize("collection", ["Maps", "Lists"])
def test_the_etag_of_an_item_is_its_revision(api: RestApi, collection: str) -> None:
    api.handle("POST", f"/v1/Services/default/{collection}", data={"UniqueName": "o"})
    items = f"/v1/Services/default/{collection}/o/Items"
    data: dict[str, object] = {"Data": '{"n": 0}'}
    if collection == "Maps":
        data["Key"] = "k"
    made = api.handle("POST", items, data=data)
    path = f"{items}/{'k' if collection == 'Maps' else '0'}"
    fetched = api.handle("GET", path)
    updated = api.handle("POST", path, data={"Data": '{"n": 1}'})
    for response, status in ((made, 201), (fetched, 200), (updated, 200)):
        body = answer(response, status)
        assert response.headers["ETag"] == body["revision"]
    assert updated.headers["ETag"] != made.headers["ETag"]


def test_answers_without_a_revision_have_no_etag(api: RestApi) -> None:
    made = api.handle("POST", "/v1/Services/default/Streams", data={"UniqueName": "s"})
    assert "revision" not in answer(made, 201)
    assert "ETag" not in made.headers
    assert "ETag" not in api.handle("GET", "/v1/Services/default").headers
    assert "ETag" not in api.handle("GET", "/v1/Services/default/Documents").headers


IF_MATCH_NAMES = ["If-Match", "if-match", "IF-MATCH", "iF-mAtCh"]


def conditional_targets(api: RestApi) -> dict[str, str]:
    """A Document, a Map Item and a List Item, each at revision 0: name -> path."""
    base = "/v1/Services/default"
    api.handle("POST", f"{base}/Documents", data={"UniqueName": "d", "Data": '{"n": 0}'})
    api.handle("POST", f"{base}/Maps", data={"UniqueName": "m"})
    api.handle("POST", f"{base}/Maps/m/Items", data={"Key": "k", "Data": '{"n": 0}'})
    api.handle("POST", f"{base}/Lists", data={"UniqueName": "l"})
    api.handle("POST", f"{base}/Lists/l/Items", data={"Data": '{"n": 0}'})
    return {
        "document": f"{base}/Documents/d",
        "map item": f"{base}/Maps/m/Items/k",
        "list item": f"{base}/Lists/l/Items/0",
    }


@pytest.mark.parametrize("header", IF_MATCH_NAMES)
@pytest.mark.parametrize("quoted", [False, True])
@pytest.mark.parametrize("target", ["document", "map item", "list item"])
def test_if_match_guards_updates(api: RestApi, header: str, quoted: bool, target: str) -> None:
    path = conditional_targets(api)[target]

    def revision(value: str) -> dict[str, str]:
        return {header: f'"{value}"' if quoted else value}

    before = answer(api.handle("GET", path), 200)
    stale = api.handle("POST", path, data={"Data": '{"n": 9}'}, headers=revision("1"))
    body = refusal(stale, 412, 20412)
    assert "revision" in body["message"]
    assert answer(api.handle("GET", path), 200) == before  # refused: nothing changed
    fresh = api.handle("POST", path, data={"Data": '{"n": 1}'}, headers=revision("0"))
    assert answer(fresh, 200)["data"] == {"n": 1}
    assert fresh.headers["ETag"] == "1"
    again = api.handle("POST", path, data={"Data": '{"n": 2}'}, headers=revision("0"))
    refusal(again, 412, 20412)
    assert answer(api.handle("GET", path), 200)["data"] == {"n": 1}


@pytest.mark.parametrize("header", IF_MATCH_NAMES)
@pytest.mark.parametrize("quoted", [False, True])
@pytest.mark.parametrize("target", ["map item", "list item"])
def test_if_match_guards_item_deletes(api: RestApi, header: str, quoted: bool, target: str) -> None:
    path = conditional_targets(api)[target]
    before = answer(api.handle("GET", path), 200)
    stale = api.handle("DELETE", path, headers={header: '"3"' if quoted else "3"})
    refusal(stale, 412, 20412)
    assert answer(api.handle("GET", path), 200) == before
    gone = api.handle("DELETE", path, headers={header: '"0"' if quoted else "0"})
    assert gone.status == 204
    assert gone.body is None
    assert gone.text == ""
    refusal(api.handle("GET", path), 404, 20404)


def test_a_malformed_if_match_is_refused_and_changes_nothing(api: RestApi) -> None:
    path = conditional_targets(api)["document"]
    before = answer(api.handle("GET", path), 200)
    for value in ("abc", "W/1", "-1"):
        response = api.handle("POST", path, data={"Data": "{}"}, headers={"If-Match": value})
        refusal(response, 400, 54003)
    assert answer(api.handle("GET", path), 200) == before


# -- form values as HTTP text -----------------------------------------------------------


def twin_apis() -> tuple[RestApi, RestApi]:
    """Two RestApis over identical fresh Syncs (same seed, same clock start)."""
    return RestApi(Sync(clock=ManualClock(), seed=77)), RestApi(Sync(clock=ManualClock(), seed=77))


FORM_CASES: list[tuple[str, str, dict[str, object], dict[str, object]]] = [
    (
        "POST",
        "/v1/Services",
        {
            "AclEnabled": "true",
            "ReachabilityWebhooksEnabled": "false",
            "ReachabilityDebouncingEnabled": "true",
            "ReachabilityDebouncingWindow": "2000",
            "WebhooksFromRestEnabled": "true",
        },
        {
            "AclEnabled": True,
            "ReachabilityWebhooksEnabled": False,
            "ReachabilityDebouncingEnabled": True,
            "ReachabilityDebouncingWindow": 2000,
            "WebhooksFromRestEnabled": True,
        },
    ),
    (
        "POST",
        "/v1/Services/default/Documents",
        {"UniqueName": "d", "Data": '{"a": [1, true, null]}', "Ttl": "60"},
        {"UniqueName": "d", "Data": '{"a": [1, true, null]}', "Ttl": 60},
    ),
    (
        "POST",
        "/v1/Services/default/Maps",
        {"UniqueName": "m", "Ttl": "60", "CollectionTtl": "90"},
        {"UniqueName": "m", "Ttl": 60, "CollectionTtl": 90},
    ),
    (
        "POST",
        "/v1/Services/default/Documents/x/Permissions/ann",
        {"Read": "true", "Write": "false", "Manage": "true"},
        {"Read": True, "Write": False, "Manage": True},
    ),
]


@pytest.mark.parametrize(("method", "path", "text", "python"), FORM_CASES)
def test_sdk_style_values_give_the_same_answer_as_http_text(
    method: str, path: str, text: dict[str, object], python: dict[str, object]
) -> None:
    as_text, as_python = twin_apis()
    for twin in (as_text, as_python):
        twin.handle("POST", "/v1/Services/default/Documents", data={"UniqueName": "x"})
    first = as_text.handle(method, path, data=text)
    second = as_python.handle(method, path, data=python)
    assert first.status in (200, 201)
    assert (first.status, first.headers, first.body) == (second.status, second.headers, second.body)


def test_form_text_becomes_typed_values(api: RestApi, clock: ManualClock) -> None:
    doc = api.handle(
        "POST",
        "/v1/Services/default/Documents",
        data={"UniqueName": "d", "Data": '{"a": [1, true, null], "b": "x"}', "Ttl": "60"},
    )
    body = answer(doc, 201)
    assert body["data"] == {"a": [1, True, None], "b": "x"}
    assert body["date_expires"] == "2025-01-01T00:01:00Z"
    service = api.handle(
        "POST",
        "/v1/Services",
        data={"AclEnabled": "true", "WebhooksFromRestEnabled": "false"},
    )
    settings = answer(service, 201)
    assert settings["acl_enabled"] is True
    assert settings["webhooks_from_rest_enabled"] is False
    updated = api.handle("POST", f"/v1/Services/{settings['sid']}", data={"AclEnabled": "false"})
    assert answer(updated, 200)["acl_enabled"] is False
    perm = api.handle(
        "POST",
        "/v1/Services/default/Documents/d/Permissions/ann",
        data={"Read": "false", "Write": "true", "Manage": "false"},
    )
    flags = answer(perm, 200)
    assert (flags["read"], flags["write"], flags["manage"]) == (False, True, False)


BAD_FORMS: list[tuple[str, str, dict[str, object], int, int]] = [
    ("POST", "/v1/Services/default/Documents", {"Data": "nope"}, 400, 54008),
    ("POST", "/v1/Services/default/Documents", {"Data": "[1, 2]"}, 400, 54008),
    ("POST", "/v1/Services/default/Documents", {"Data": '{"a": 1'}, 400, 54008),
    ("POST", "/v1/Services/default/Documents", {"Ttl": "x"}, 400, 54011),
    ("POST", "/v1/Services/default/Documents", {"Ttl": "-1"}, 400, 54011),
    ("POST", "/v1/Services/default/Documents", {"Ttl": "1.5"}, 400, 54011),
    ("POST", "/v1/Services/default/Documents", {"Ttl": "31536001"}, 400, 54011),
    ("POST", "/v1/Services", {"AclEnabled": "maybe"}, 400, 20001),
    ("POST", "/v1/Services", {"AclEnabled": "1"}, 400, 20001),
    ("POST", "/v1/Services", {"ReachabilityDebouncingWindow": "soon"}, 400, 20001),
    ("POST", "/v1/Services/default", {"WebhooksFromRestEnabled": "yes"}, 400, 20001),
    ("POST", "/v1/Services/default/Maps/m/Items", {"Key": "k"}, 400, 54206),
    ("POST", "/v1/Services/default/Lists/l/Items", {}, 400, 54156),
    ("POST", "/v1/Services/default/Lists/l/Items", {"Ttl": "5"}, 400, 54156),
    ("POST", "/v1/Services/default/Streams/s/Messages", {}, 400, 54251),
    ("POST", "/v1/Services/default/Streams/s/Messages", {"Data": "nope"}, 400, 54008),
    (
        "POST",
        "/v1/Services/default/Documents/d/Permissions/ann",
        {"Read": "maybe", "Write": "true", "Manage": "true"},
        400,
        20001,
    ),
    (
        "POST",
        "/v1/Services/default/Documents/d/Permissions/ann",
        {"Read": "true", "Write": "true"},
        400,
        20001,
    ),
    ("POST", "/v1/Services/default/Maps", {"UniqueName": "ET" + "0" * 32}, 400, 54302),
    ("GET", "/v1/Services/default/Maps/m/Items?Order=sideways", {}, 400, 54451),
    ("GET", "/v1/Services/default/Maps/m/Items?Bounds=both", {}, 400, 54452),
    ("GET", "/v1/Services?PageToken=PTnonsense", {}, 400, 54453),
    ("GET", "/v1/Services?PageSize=0", {}, 400, 54454),
    ("GET", "/v1/Services/default/Lists/l/Items?From=x", {}, 400, 54458),
]


def small_world(api: RestApi) -> None:
    base = "/v1/Services/default"
    assert api.handle("POST", f"{base}/Documents", data={"UniqueName": "d"}).status == 201
    assert api.handle("POST", f"{base}/Maps", data={"UniqueName": "m"}).status == 201
    assert api.handle("POST", f"{base}/Lists", data={"UniqueName": "l"}).status == 201
    assert api.handle("POST", f"{base}/Streams", data={"UniqueName": "s"}).status == 201


@pytest.mark.parametrize(("method", "url", "data", "status", "code"), BAD_FORMS)
def test_bad_values_get_twilios_errors_and_change_nothing(
    sync: Sync, api: RestApi, method: str, url: str, data: dict[str, object], status: int, code: int
) -> None:
    small_world(api)
    before = everything(sync)
    refusal(api.handle(method, url, data=data), status, code)
    assert everything(sync) == before


# -- paths ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["https://sync.twilio.com", "https://sync.dublin.ie1.twilio.com", "http://localhost:8080", ""],
)
def test_any_host_reaches_the_same_resources(api: RestApi, host: str) -> None:
    made = api.handle("POST", f"{host}/v1/Services/default/Documents", data={"UniqueName": "d"})
    body = answer(made, 201)
    assert body["url"].startswith("https://sync.twilio.com/v1/Services/")
    assert answer(api.handle("GET", f"{host}/v1/Services/default/Documents/d"), 200) == body
    listing = answer(api.handle("GET", f"{host}/v1/Services/default/Documents"), 200)
    assert listing["documents"] == [body]
    origin = host or "https://sync.twilio.com"
    assert listing["meta"]["url"].startswith(f"{origin}/v1/Services/default/Documents?")


def test_path_segments_are_percent_decoded(api: RestApi) -> None:
    api.handle("POST", "/v1/Services/default/Maps", data={"UniqueName": "my map"})
    made = api.handle(
        "POST", "/v1/Services/default/Maps/my%20map/Items", data={"Key": "a b/c", "Data": "{}"}
    )
    item = answer(made, 201)
    assert item["key"] == "a b/c"
    assert item["url"].endswith("/Items/a%20b%2Fc")
    fetched = answer(api.handle("GET", "/v1/Services/default/Maps/my%20map/Items/a%20b%2Fc"), 200)
    assert fetched == item
    # An unescaped "/" is a path separator, so the key is not found that way.
    refusal(api.handle("GET", "/v1/Services/default/Maps/my%20map/Items/a%20b/c"), 404, 20404)
    api.handle("POST", "/v1/Services/default/Documents", data={"UniqueName": "d"})
    perm = api.handle(
        "POST",
        "/v1/Services/default/Documents/d/Permissions/Ann%20Smith%20%C3%A9",
        data={"Read": "true", "Write": "true", "Manage": "false"},
    )
    assert answer(perm, 200)["identity"] == "Ann Smith é"
    listed = answer(api.handle("GET", "/v1/Services/default/Documents/d/Permissions"), 200)
    assert [p["identity"] for p in listed["permissions"]] == ["Ann Smith é"]
    gone = api.handle("DELETE", "/v1/Services/default/Documents/d/Permissions/Ann%20Smith%20%C3%A9")
    assert gone.status == 204


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("/v1/Nope", "/Nope"),
        ("https://sync.twilio.com/v1/Nope", "/Nope"),
        ("/v2/Services", "/v2/Services"),
        ("/v1/Services/", "/Services/"),
        ("/v1/Services/default/Documents/", "/Services/default/Documents/"),
        ("/v1/Services/x/Documents/y/Extra", "/Services/x/Documents/y/Extra"),
        ("/v1/Services/default/Streams/s/Items", "/Services/default/Streams/s/Items"),
        ("/v1/Services/default/Documents/d/Items", "/Services/default/Documents/d/Items"),
        ("/v1/Services/default/Maps/m/Items/k/More", "/Services/default/Maps/m/Items/k/More"),
        ("/v1/Services//Documents", "/Services//Documents"),
        ("/v1/Services/default/Widgets", "/Services/default/Widgets"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_unknown_paths_are_twilios_404_naming_the_path(
    sync: Sync, api: RestApi, url: str, shown: str, method: str
) -> None:
    before = everything(sync)
    body = refusal(api.handle(method, url), 404, 20404)
    assert body["message"] == not_found(shown)
    assert everything(sync) == before


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("PUT", "/v1/Services"),
        ("PATCH", "/v1/Services"),
        ("DELETE", "/v1/Services"),
        ("PUT", "/v1/Services/default"),
        ("DELETE", "/v1/Services/default/Documents"),
        ("PATCH", "/v1/Services/default/Maps"),
        ("DELETE", "/v1/Services/default/Maps/m/Items"),
        ("DELETE", "/v1/Services/default/Lists/l/Items"),
        ("POST", "/v1/Services/default/Maps/m/Permissions"),
        ("DELETE", "/v1/Services/default/Maps/m/Permissions"),
        ("GET", "/v1/Services/default/Streams/s/Messages"),
        ("DELETE", "/v1/Services/default/Streams/s/Messages"),
        ("OPTIONS", "/v1/Services/default/Documents/d"),
        ("HEAD", "/v1/Services"),
    ],
)
def test_a_known_path_with_another_method_is_405(
    sync: Sync, api: RestApi, method: str, url: str
) -> None:
    small_world(api)
    before = everything(sync)
    answer = api.handle(method, url)
    body = refusal(answer, 405, 20004)
    assert body["message"] == "Method not allowed"
    # RFC 9110, 15.5.6: a 405 says, in Allow, which methods the resource takes.
    allowed = answer.headers["Allow"].split(", ")
    assert method not in allowed
    assert allowed == sorted(allowed)
    assert everything(sync) == before
    if "GET" in allowed:
        assert api.handle("GET", url).status == 200


def test_methods_are_read_in_any_case(api: RestApi) -> None:
    assert (
        api.handle("post", "/v1/Services/default/Documents", data={"UniqueName": "d"}).status == 201
    )
    assert api.handle("get", "/v1/Services/default/Documents/d").status == 200
    assert api.handle("Delete", "/v1/Services/default/Documents/d").status == 204


def test_a_query_string_in_the_url_is_read_and_wins_over_params_as_on_the_wire(
    api: RestApi,
) -> None:
    # requests sends params after the URL's own query (?PageSize=1&PageSize=2), and the
    # HTTP apps read a name's first value: so does RestApi (params won before).
    for name in "abc":
        api.handle("POST", "/v1/Services/default/Documents", data={"UniqueName": name})
    in_url = answer(api.handle("GET", "/v1/Services/default/Documents?PageSize=1"), 200)
    assert in_url["meta"]["page_size"] == 1
    both = api.handle("GET", "/v1/Services/default/Documents?PageSize=1", params={"PageSize": 2})
    assert answer(both, 200)["meta"]["page_size"] == 1
    blank = api.handle("GET", "/v1/Services/default/Documents?PageSize=", params={"PageSize": 2})
    assert answer(blank, 200)["meta"]["page_size"] == 50  # the first, empty: not given
    apart = api.handle("GET", "/v1/Services/default/Documents?Page=0", params={"PageSize": 2})
    assert answer(apart, 200)["meta"]["page_size"] == 2


# -- listings ---------------------------------------------------------------------------


def walk(api: RestApi, first: dict[str, Any], key: str) -> Iterator[dict[str, Any]]:
    """Every page of a listing from ``first``, following ``next_page_url`` alone."""
    page = first
    while True:
        yield page
        url = page["meta"]["next_page_url"]
        if url is None:
            return
        page = answer(api.handle("GET", url), 200)
        assert page["meta"]["key"] == key


def walk_back(api: RestApi, last: dict[str, Any]) -> list[dict[str, Any]]:
    """The pages before ``last`` (and it), following ``previous_page_url`` alone."""
    pages = [last]
    while (url := pages[-1]["meta"]["previous_page_url"]) is not None:
        pages.append(answer(api.handle("GET", url), 200))
    pages.reverse()
    return pages


def check_walk(
    api: RestApi,
    path: str,
    key: str,
    params: dict[str, str],
    expected: list[Any],
    ident: Callable[[dict[str, Any]], Any],
) -> None:
    first = answer(api.handle("GET", path, params=params), 200)
    pages = list(walk(api, first, key))
    seen = [ident(record) for page in pages for record in page[key]]
    assert seen == expected  # each record exactly once, in order
    size = int(params["PageSize"])
    assert all(len(page[key]) <= size for page in pages)
    assert len(pages) == max(1, -(-len(expected) // size))
    for number, page in enumerate(pages):
        meta = page["meta"]
        assert set(meta) == META_KEYS
        assert meta["key"] == key
        assert meta["page"] == number
        assert meta["page_size"] == size
        for name in ("first_page_url", "next_page_url", "previous_page_url", "url"):
            url = meta[name]
            if url is None:
                continue
            parts = urlsplit(url)
            assert f"{parts.scheme}://{parts.netloc}{parts.path}".endswith(path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            for name_, value in params.items():
                assert query[name_] == value, (name, url)
    assert pages[0]["meta"]["previous_page_url"] is None
    assert pages[-1]["meta"]["next_page_url"] is None
    # The first page URL answers the first page; previous_page_url walks back.
    again = answer(api.handle("GET", pages[-1]["meta"]["first_page_url"]), 200)
    assert again[key] == pages[0][key]
    back = walk_back(api, pages[-1])
    assert [page[key] for page in back] == [page[key] for page in pages]
    assert [page["meta"]["page"] for page in back] == list(range(len(pages)))


def test_walking_services_visits_each_once(api: RestApi) -> None:
    sids = [answer(api.handle("POST", "/v1/Services"), 201)["sid"] for _ in range(5)]
    check_walk(api, "/v1/Services", "services", {"PageSize": "2"}, sids, lambda r: r["sid"])


@pytest.mark.parametrize(
    ("collection", "key", "extra"),
    [
        ("Documents", "documents", {}),
        ("Maps", "maps", {}),
        ("Lists", "lists", {}),
        ("Streams", "streams", {}),
    ],
)
def test_walking_objects_visits_each_once(
    api: RestApi, collection: str, key: str, extra: dict[str, str]
) -> None:
    path = f"/v1/Services/default/{collection}"
    sids = [
        answer(api.handle("POST", path, data={"UniqueName": f"n{i}", **extra}), 201)["sid"]
        for i in range(7)
    ]
    check_walk(api, path, key, {"PageSize": "2"}, sids, lambda r: r["sid"])
    check_walk(api, path, key, {"PageSize": "7"}, sids, lambda r: r["sid"])


@pytest.mark.parametrize("count", [0, 1, 6])
def test_walking_a_small_listing_is_one_or_more_pages(api: RestApi, count: int) -> None:
    path = "/v1/Services/default/Streams"
    sids = [answer(api.handle("POST", path), 201)["sid"] for _ in range(count)]
    check_walk(api, path, "streams", {"PageSize": "3"}, sids, lambda r: r["sid"])


def test_walking_map_items_with_order_from_and_bounds(api: RestApi) -> None:
    api.handle("POST", "/v1/Services/default/Maps", data={"UniqueName": "m"})
    path = "/v1/Services/default/Maps/m/Items"
    keys = ["a", "b b", "c/d", "e", "f", "g", "h"]
    for key in keys:
        answer(api.handle("POST", path, data={"Key": key, "Data": "{}"}), 201)
    params = {"Order": "desc", "From": "g", "Bounds": "exclusive", "PageSize": "2"}
    expected = ["f", "e", "c/d", "b b", "a"]
    check_walk(api, path, "items", params, expected, lambda r: r["key"])
    inclusive = {"Order": "asc", "From": "c/d", "Bounds": "inclusive", "PageSize": "2"}
    check_walk(api, path, "items", inclusive, keys[2:], lambda r: r["key"])


def test_walking_list_items_with_order_from_and_bounds(api: RestApi) -> None:
    api.handle("POST", "/v1/Services/default/Lists", data={"UniqueName": "l"})
    path = "/v1/Services/default/Lists/l/Items"
    for n in range(8):
        answer(api.handle("POST", path, data={"Data": json.dumps({"n": n})}), 201)
    assert api.handle("DELETE", f"{path}/3").status == 204  # a gap in the indexes
    params = {"Order": "desc", "From": "6", "Bounds": "exclusive", "PageSize": "2"}
    check_walk(api, path, "items", params, [5, 4, 2, 1, 0], lambda r: r["index"])
    ascending = {"Order": "asc", "From": "2", "Bounds": "inclusive", "PageSize": "2"}
    check_walk(api, path, "items", ascending, [2, 4, 5, 6, 7], lambda r: r["index"])


def test_walking_permissions_visits_each_once(api: RestApi) -> None:
    api.handle("POST", "/v1/Services/default/Lists", data={"UniqueName": "l"})
    names = ["ann", "bob smith", "cy", "dee", "é"]
    for name in names:
        response = api.handle(
            "POST",
            f"/v1/Services/default/Lists/l/Permissions/{quote(name)}",
            data={"Read": True, "Write": False, "Manage": False},
        )
        answer(response, 200)
    path = "/v1/Services/default/Lists/l/Permissions"
    check_walk(api, path, "permissions", {"PageSize": "2"}, names, lambda r: r["identity"])


def test_a_walk_survives_changes_between_pages(api: RestApi) -> None:
    path = "/v1/Services/default/Documents"
    sids = [answer(api.handle("POST", path), 201)["sid"] for _ in range(4)]
    first = answer(api.handle("GET", path, params={"PageSize": "2"}), 200)
    assert [r["sid"] for r in first["documents"]] == sids[:2]
    assert api.handle("DELETE", f"{path}/{sids[0]}").status == 204
    late = answer(api.handle("POST", path), 201)["sid"]
    rest = [
        r["sid"]
        for page in walk(api, first, "documents")
        if page is not first
        for r in page["documents"]
    ]
    assert rest == [*sids[2:], late]


# -- errors -----------------------------------------------------------------------------


def test_every_error_status_is_twilios_four_key_body(api: RestApi) -> None:
    small_world(api)
    base = "/v1/Services/default"
    cases: list[tuple[RestResponse, int, int]] = [
        (api.handle("POST", f"{base}/Documents", data={"Data": "nope"}), 400, 54008),
        (api.handle("GET", f"{base}/Documents/missing"), 404, 20404),
        (api.handle("GET", "/v1/Services/IS" + "0" * 32), 404, 20404),
        (api.handle("PUT", f"{base}/Documents"), 405, 20004),
        (api.handle("POST", f"{base}/Documents", data={"UniqueName": "d"}), 409, 54301),
        (api.handle("POST", f"{base}/Maps/m/Items", data={"Key": "k", "Data": "{}"}), 201, 0),
        (api.handle("POST", f"{base}/Maps/m/Items", data={"Key": "k", "Data": "{}"}), 409, 54208),
        (
            api.handle(
                "POST", f"{base}/Documents/d", data={"Data": "{}"}, headers={"If-Match": "5"}
            ),
            412,
            20412,
        ),
        (
            api.handle(
                "POST", f"{base}/Documents/d", data={"Data": json.dumps({"x": "y" * 17000})}
            ),
            413,
            54006,
        ),
        (
            api.handle(
                "POST", f"{base}/Streams/s/Messages", data={"Data": json.dumps({"x": "y" * 5000})}
            ),
            413,
            54006,
        ),
    ]
    for response, status, code in cases:
        if status < 400:
            assert response.status == status
            continue
        body = refusal(response, status, code)
        assert response.headers["Content-Type"] == "application/json"
        assert json.loads(response.text) == body


def test_a_deleted_object_is_404_afterwards(api: RestApi) -> None:
    small_world(api)
    for collection in ("Documents", "Maps", "Lists", "Streams"):
        path = f"/v1/Services/default/{collection}/"
        name = {"Documents": "d", "Maps": "m", "Lists": "l", "Streams": "s"}[collection]
        assert api.handle("DELETE", path + name).status == 204
        body = refusal(api.handle("GET", path + name), 404, 20404)
        assert body["message"] == not_found(f"/Services/default/{collection}/{name}")
        refusal(api.handle("DELETE", path + name), 404, 20404)


# -- text that Python reads leniently but HTTP does not (regressions of 500s) ----------


@pytest.mark.parametrize(
    ("method", "url", "params", "data", "code"),
    [
        ("POST", "/v1/Services/default/Documents", None, {"Ttl": "\u00b9"}, 54011),
        ("GET", "/v1/Services", {"PageSize": "\u00b2"}, None, 54454),
        ("GET", "/v1/Services", {"Page": "\u00b9"}, None, 20001),
        ("POST", "/v1/Services", None, {"ReachabilityDebouncingWindow": "\u2460"}, 20001),
        ("GET", "/v1/Services/default/Lists/l/Items", {"From": "\u00b9"}, None, 54458),
        ("GET", "/v1/Services/default/Lists/l/Items/\u00b9", None, None, 54458),
        ("POST", "/v1/Services/default/Documents", None, {"Ttl": "\u0663"}, 54011),
        ("GET", "/v1/Services", {"Page": "\u0663"}, None, 20001),
        ("POST", "/v1/Services/default/Documents", None, {"Ttl": "+-1"}, 54011),
    ],
)
def test_digit_like_characters_that_are_not_decimal_are_a_400(
    sync: Sync,
    api: RestApi,
    method: str,
    url: str,
    params: dict[str, object] | None,
    data: dict[str, object] | None,
    code: int,
) -> None:
    """``str.isdigit`` holds for "¹", "①" and "٣": none is an HTTP integer (was a 500)."""
    small_world(api)
    before = everything(sync)
    refusal(api.handle(method, url, params=params, data=data), 400, code)
    assert everything(sync) == before


def test_a_url_python_cannot_split_is_a_404_not_a_500(api: RestApi) -> None:
    """Bug: ``urlsplit`` raises ValueError ("Invalid IPv6 URL") on an unclosed ``[``."""
    refusal(api.handle("GET", "http://[/v1/Services"), 404, 20404)


def test_a_webhook_url_python_cannot_split_is_a_400_not_a_500(sync: Sync, api: RestApi) -> None:
    """Bug: the Service's WebhookUrl check calls ``urlsplit`` unguarded."""
    before = everything(sync)
    response = api.handle("POST", "/v1/Services", data={"WebhookUrl": "https://[oops/hook"})
    refusal(response, 400, 54051)
    assert everything(sync) == before


@pytest.mark.parametrize(
    ("path", "params", "data"),
    [
        ("/v1/Services", {"PageSize": "9" * 5000}, None),
        ("/v1/Services/default/Documents", None, {"Ttl": "1" * 5000}),
        ("/v1/Services", None, {"ReachabilityDebouncingWindow": "5" * 4400}),
    ],
    ids=["page-size", "ttl", "debouncing-window"],
)
def test_a_number_of_more_digits_than_python_converts_is_a_400(
    api: RestApi, path: str, params: dict[str, str] | None, data: dict[str, str] | None
) -> None:
    method = "GET" if data is None else "POST"
    answer = api.handle(method, path, params=params, data=data)
    assert answer.status == 400
    assert answer.body is not None
    assert answer.body["code"] in (54454, 54011, 20001)


def test_a_listing_ignores_and_does_not_echo_another_listings_parameters(api: RestApi) -> None:
    answer = api.handle("GET", "/v1/Services", params={"From": "\ud800", "Order": "desc"})
    assert answer.status == 200
    assert answer.body is not None
    assert "From" not in answer.body["meta"]["url"]
    assert "Order" not in answer.body["meta"]["url"]


def test_a_repeated_query_parameter_counts_by_its_first_value_as_over_http(
    api: RestApi,
) -> None:
    # The HTTP apps keep the first value of a repeated name (adapters/http.py); a URL
    # given whole to RestApi (how SyncHttpClient follows a page URL) reads the same.
    for n in range(5):
        api.handle("POST", "/v1/Services/default/Documents", data={"UniqueName": f"d{n}"})
    body = answer(api.handle("GET", "/v1/Services/default/Documents?PageSize=2&PageSize=4"), 200)
    assert body["meta"]["page_size"] == 2
    assert len(body["documents"]) == 2
    refused = answer(api.handle("GET", "/v1/Services/default/Documents?PageSize=0&PageSize=4"), 400)
    assert refused["code"] == 54454


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("Order=desc&From=e", {"Order": ["desc"], "From": ["e"]}),
        ("From=b&Bounds=exclusive", {"From": ["b"], "Bounds": ["exclusive"]}),
        ("", {}),
    ],
)
def test_a_page_token_alone_gives_urls_of_its_own_listing(
    api: RestApi, query: str, filters: dict[str, list[str]]
) -> None:
    # The SDK's page(page_token=...) sends the token alone: the page's URLs carry the
    # From, Bounds and Order it was made with, so its first page is that listing's.
    items = "/v1/Services/default/Maps/m/Items"
    api.handle("POST", "/v1/Services/default/Maps", data={"UniqueName": "m"})
    for key in "abcdef":
        api.handle("POST", items, data={"Key": key, "Data": "{}"})
    first = answer(api.handle("GET", f"{items}?{query}&PageSize=2"), 200)
    token = parse_qs(urlsplit(first["meta"]["next_page_url"]).query)["PageToken"][0]
    alone = answer(api.handle("GET", items, params={"PageToken": token}), 200)
    urls = [alone["meta"][name] for name in ("first_page_url", "url", "previous_page_url")]
    for page_url in [*urls, alone["meta"]["next_page_url"] or urls[0]]:
        given = parse_qs(urlsplit(page_url).query)
        assert {k: v for k, v in given.items() if k in ("From", "Bounds", "Order")} == filters
    again = answer(api.handle("GET", alone["meta"]["first_page_url"]), 200)
    assert [i["key"] for i in again["items"]] == [i["key"] for i in first["items"]]
