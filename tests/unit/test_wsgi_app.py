"""The WSGI app (``sync_core.adapters.wsgi.make_app``), in-process, as PEP 3333 servers call it.

Every request goes through ``wsgiref.validate.validator``: each answer is also checked
for PEP 3333 conformance. The cases both apps share are ``app_cases.AppCases``; the
ones here are WSGI's own: the status line's reason phrase, the path as ``RAW_URI``,
``REQUEST_URI`` or ``PATH_INFO`` give it, a mount point, and how the body is read.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from app_cases import INVALID_PARAMETER, TOO_LARGE, AppCases, new_sync, state
from app_client import WsgiClient

from sync_core import Sync
from sync_core.adapters.wsgi import make_app, request_path


class TestWsgiApp(AppCases):
    reasons = True

    def client(self, sync: Sync, **options: Any) -> WsgiClient:
        return WsgiClient(make_app(sync, **options))


def test_status_lines_carry_their_reason_phrase() -> None:
    client = WsgiClient(make_app(new_sync(), max_body=20))
    lines = {
        f"{reply.status} {reply.reason}"
        for reply in (
            client.request("POST", "/v1/Services", form={"FriendlyName": "x"}),
            client.request("GET", "/v1/Services"),
            client.request("GET", "/v1/Services/nope"),
            client.request("PUT", "/v1/Services"),
            client.request("POST", "/v1/Services", form=b"FriendlyName=abcdefghijklmnop"),
            client.request("DELETE", "/v1/Services/default"),
        )
    }
    assert lines == {
        "201 Created",
        "200 OK",
        "404 Not Found",
        "405 Method Not Allowed",
        "413 Request Entity Too Large",
        "204 No Content",
    }


def test_an_injected_status_without_a_name_gets_a_generic_reason() -> None:
    sync = new_sync()
    sync.faults.inject(499, operation="list")
    reply = WsgiClient(make_app(sync)).request("GET", "/v1/Services")
    assert (reply.status, reply.reason) == (499, "Client Error")
    assert reply.json()["code"] == 20499


def test_the_path_as_sent_keeps_an_encoded_slash_in_a_key() -> None:
    sync = new_sync()
    sync.services("default").sync_maps.create(unique_name="m")
    sync.services("default").sync_maps("m").sync_map_items.create(key="a/b", data={})
    path = "/v1/Services/default/Maps/m/Items/a%2Fb"
    gunicorn = WsgiClient(make_app(sync))  # RAW_URI
    assert gunicorn.request("GET", path).json()["key"] == "a/b"
    waitress = WsgiClient(make_app(sync), raw_uri=False)
    fetched = waitress.request("GET", path, REQUEST_URI=path + "?x=1")
    assert fetched.json()["key"] == "a/b"
    # wsgiref gives PATH_INFO alone, decoded: the key's slash is a path's slash.
    decoded = WsgiClient(make_app(sync), raw_uri=False).request("GET", path)
    assert decoded.json()["code"] == 20404


def test_a_raw_uri_that_disagrees_with_path_info_is_not_trusted() -> None:
    environ = {"PATH_INFO": "/v1/Services/b", "RAW_URI": "/v1/Services/a"}
    assert request_path(environ) == b"/v1/Services/b"
    absolute = {"PATH_INFO": "/v1/Services/a%b", "RAW_URI": "http://h:1/v1/Services/a%25b"}
    assert request_path(absolute) == b"/v1/Services/a%25b"
    bad = {"PATH_INFO": "/v1/x", "RAW_URI": "/v1/\u2603"}  # not latin-1: not as sent
    assert request_path(bad) == b"/v1/x"


def test_an_app_mounted_under_a_script_name() -> None:
    sync = new_sync()
    app = make_app(sync, base_url="http://h.test/sync")
    client = WsgiClient(app, SCRIPT_NAME="/sync")
    made = client.request(
        "POST", "/v1/Services", form={"FriendlyName": "x"}, RAW_URI="/sync/v1/Services"
    )
    assert made.status == 201
    assert made.json()["url"].startswith("http://h.test/sync/v1/Services/IS")
    listing = client.request("GET", "/v1/Services", RAW_URI="/sync/v1/Services").json()
    assert listing["meta"]["url"] == "http://h.test/sync/v1/Services?PageSize=50&Page=0"


def test_no_length_and_an_input_that_may_not_end_is_no_body() -> None:
    sync = new_sync()
    client = WsgiClient(make_app(sync))
    environ = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/v1/Services",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": _Unreadable(),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    reply = client.call(environ)
    assert reply.status == 201
    assert reply.json()["friendly_name"] is None


class _Unreadable(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        raise AssertionError("the body was read")


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "\u0661"])
def test_a_malformed_content_length_is_refused(length: str) -> None:
    sync = new_sync()
    client = WsgiClient(make_app(sync))
    before = state(sync)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/v1/Services",
        "CONTENT_LENGTH": length,
        "wsgi.input": _Unreadable(),
    }
    reply = client.call(environ, validate=False)  # the validator refuses it first
    assert (reply.status, reply.json()) == (400, INVALID_PARAMETER)
    assert state(sync) == before


class _Trickle(io.RawIOBase):
    """A body that comes a few bytes a read, and ends after ``body`` (a client that went
    away, under gunicorn: its reads give what came, then b"")."""

    def __init__(self, body: bytes) -> None:
        self._left = body

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        assert size is not None
        assert size > 0
        taken, self._left = self._left[: min(size, 7)], self._left[min(size, 7) :]
        return taken


def test_a_body_that_ends_before_its_content_length_is_400_and_changes_nothing() -> None:
    sync = new_sync()
    client = WsgiClient(make_app(sync))
    before = state(sync)
    full = b"UniqueName=prefs&Data=%7B%22a%22%3A1%7D"
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/v1/Services/default/Documents",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(full)),
    }
    reply = client.call({**environ, "wsgi.input": _Trickle(full[:20])}, validate=False)
    assert (reply.status, reply.json()) == (400, INVALID_PARAMETER)
    assert state(sync) == before
    # The whole body, in as many short reads, is read whole.
    reply = client.call({**environ, "wsgi.input": _Trickle(full)}, validate=False)
    assert reply.status == 201
    assert (reply.json()["unique_name"], reply.json()["data"]) == ("prefs", {"a": 1})


def test_a_chunked_body_is_read_in_blocks_of_at_most_what_is_left() -> None:
    sync = new_sync()
    client = WsgiClient(make_app(sync, max_body=100))
    sizes: list[int] = []

    class Recording(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def read(self, size: int | None = -1) -> bytes:
            assert size is not None
            sizes.append(size)
            return b"x" * size

    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/v1/Services", "wsgi.input": Recording()}
    reply = client.call({**environ, "wsgi.input_terminated": True}, validate=False)
    assert (reply.status, reply.json()) == (413, TOO_LARGE)
    assert sum(sizes) == 101


def test_a_content_length_of_thousands_of_digits_is_answered_never_raised() -> None:
    sync = new_sync()
    client = WsgiClient(make_app(sync))
    client.validated = client.app  # wsgiref's validator itself cannot read such a length
    before = state(sync)
    huge = client.request("POST", "/v1/Services", CONTENT_LENGTH="9" * 5000, read_limit=0)
    assert (huge.status, huge.json()) == (413, TOO_LARGE)
    assert state(sync) == before
    padded = client.request("POST", "/v1/Services", CONTENT_LENGTH="0" * 5000 + "0")
    assert padded.status == 201  # zero bytes, however many zeros say so


def test_an_absolute_form_target_names_no_host() -> None:
    client = WsgiClient(make_app(new_sync(), control_prefix="/_sync_core"))
    listed = client.request("GET", "/v1/Services", RAW_URI="http://evil.example/v1/Services")
    assert listed.json()["meta"]["url"].startswith("https://sync.twilio.com/v1/Services")
    clock = client.request("GET", "/_sync_core/clock", RAW_URI="http://h/_sync_core/clock")
    assert clock.status == 200


def test_the_journal_of_a_server_stays_within_its_bytes_under_large_forms() -> None:
    import tracemalloc

    sync = Sync(seed=1, journal_bytes=3_000_000)
    client = WsgiClient(make_app(sync))
    before = sync.export_state()
    # 20,000 short fields a body (about 2.2 MB once parsed, by the journal's count),
    # to a path that is no resource: nothing is made, and each is journaled.
    body = "&".join(f"f{n}=v" for n in range(20_000)).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/v1/Services/default/Nothing",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
    }
    tracemalloc.start()
    try:
        for _ in range(8):
            reply = client.call({**environ, "wsgi.input": io.BytesIO(body)}, validate=False)
            assert reply.status == 404
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(sync.requests) == 1  # the newest alone: two are over the 3 MB
    assert len(sync.requests[0].form) == 20_000
    assert held < 8_000_000  # not 8 requests' 2 MB and more each
    assert sync.export_state() == before
    small = client.call(
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/v1/Services/default", "wsgi.input": io.BytesIO()},
        validate=False,
    )
    assert small.status == 200
    assert [entry.path for entry in sync.requests] == [environ["PATH_INFO"], "/v1/Services/default"]
