"""The ASGI app (``sync_core.adapters.asgi.make_app``), in-process, as ASGI 3 servers call it.

The cases both apps share are ``app_cases.AppCases``; the ones here are ASGI's own:
``lifespan``, ``websocket``, a client gone before its body ends, ``raw_path`` and
``root_path``, repeated headers.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from app_cases import INVALID_PARAMETER, AppCases, new_sync, state
from app_client import AsgiClient

from sync_core import Sync
from sync_core.adapters.asgi import make_app, request_path


class TestAsgiApp(AppCases):
    def client(self, sync: Sync, **options: Any) -> AsgiClient:
        return AsgiClient(make_app(sync, **options))


def run(app: Any, scope: dict[str, Any], incoming: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run ``app`` on ``scope``, receiving ``incoming`` in order; what it sent."""
    sent: list[dict[str, Any]] = []
    pending = list(incoming)

    async def receive() -> dict[str, Any]:
        assert pending, "the app asked for more than the test sends"
        return pending.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def test_lifespan_startup_and_shutdown_are_acknowledged() -> None:
    sent = run(
        make_app(new_sync()),
        {"type": "lifespan", "asgi": {"version": "3.0"}},
        [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}],
    )
    assert sent == [{"type": "lifespan.startup.complete"}, {"type": "lifespan.shutdown.complete"}]


def test_a_websocket_is_closed_at_its_handshake() -> None:
    sent = run(
        make_app(new_sync()), {"type": "websocket", "path": "/v1"}, [{"type": "websocket.connect"}]
    )
    assert sent == [{"type": "websocket.close", "code": 1008}]


def test_another_scope_type_is_an_error() -> None:
    with pytest.raises(ValueError, match="serves http, not 'telepathy'"):
        run(make_app(new_sync()), {"type": "telepathy"}, [])


def test_a_client_gone_before_its_body_ends_gets_nothing_and_changes_nothing() -> None:
    sync = new_sync()
    before = state(sync)
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/Services",
        "raw_path": b"/v1/Services",
        "query_string": b"",
        "headers": [(b"transfer-encoding", b"chunked")],
    }
    incoming: list[dict[str, Any]] = [
        {"type": "http.request", "body": b"FriendlyName=", "more_body": True},
        {"type": "http.disconnect"},
    ]
    assert run(make_app(sync), scope, incoming) == []
    assert state(sync) == before


def test_the_path_comes_from_raw_path_after_root_path() -> None:
    sync = new_sync()
    client = AsgiClient(make_app(sync, base_url="http://h.test/sync"), root_path="/sync")
    made = client.request("POST", "/sync/v1/Services", form={"FriendlyName": "x"})
    assert made.json()["url"].startswith("http://h.test/sync/v1/Services/IS")
    # uvicorn replaces a bad escape in "path"; raw_path still shows it.
    refused = client.request("GET", "/sync/v1/Services/%FF")
    assert (refused.status, refused.json()) == (400, INVALID_PARAMETER)
    assert request_path({"path": "/sync/v1/x", "root_path": "/sync"}) == b"/v1/x"
    assert request_path({"path": "/v1/x", "raw_path": b"/v1/x", "root_path": "/sync"}) == b"/v1/x"


@pytest.mark.parametrize("odd", [chr(0xDCFF), chr(0xD800)])
def test_a_path_without_raw_path_holding_a_lone_surrogate_is_400(odd: str) -> None:
    # raw_path is optional (ASGI 3); a server decoding with surrogateescape carries %FF
    # so in "path".
    sync = new_sync()
    sync.services("default").documents.create(unique_name="d")
    before = state(sync)
    scope = {
        "type": "http",
        "method": "DELETE",
        "path": f"/v1/Services/default/Documents/d{odd}",
        "query_string": b"",
        "headers": [],
    }
    sent = run(make_app(sync), scope, [{"type": "http.request", "body": b""}])
    assert sent[0]["status"] == 400
    assert json.loads(sent[1]["body"]) == INVALID_PARAMETER
    assert state(sync) == before


def test_repeated_headers_are_joined() -> None:
    sync = new_sync()
    sync.services("default").documents.create(unique_name="d")
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/Services/default/Documents/d",
        "query_string": b"",
        "headers": [(b"content-length", b"11"), (b"if-match", b"0"), (b"If-Match", b"1")],
    }
    sent = run(make_app(sync), scope, [{"type": "http.request", "body": b"Data=%7B%7D"}])
    assert sent[0]["status"] == 400  # "0, 1" is not a revision
    assert json.loads(sent[1]["body"])["code"] == 54003
    assert sync.services("default").documents("d").fetch().revision == "0"


@pytest.mark.parametrize("length", [b"abc", b"-1"])
def test_a_malformed_content_length_is_refused(length: bytes) -> None:
    sync = new_sync()
    before = state(sync)
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/Services",
        "query_string": b"",
        "headers": [(b"content-length", length)],
    }
    sent = run(make_app(sync), scope, [])
    assert sent[0]["status"] == 400
    assert state(sync) == before


def test_a_content_length_of_thousands_of_digits_is_answered_never_raised() -> None:
    sync = new_sync()
    client = AsgiClient(make_app(sync))
    before = state(sync)
    huge = client.request(
        "POST", "/v1/Services", form=b"", headers={"Content-Length": "9" * 5000}, read_limit=0
    )
    assert huge.status == 413
    assert state(sync) == before
    padded = client.request(
        "POST", "/v1/Services", form=b"", headers={"Content-Length": "0" * 5000 + "0"}
    )
    assert padded.status == 201  # zero bytes, however many zeros say so


def test_an_absolute_form_target_names_no_host() -> None:
    client = AsgiClient(make_app(new_sync(), control_prefix="/_sync_core"))
    listed = client.request("GET", "http://evil.example/v1/Services")
    assert listed.status == 200
    assert listed.json()["meta"]["url"].startswith("https://sync.twilio.com/v1/Services")
    assert client.request("GET", "http://h/_sync_core/clock").status == 200
