"""What the WSGI and the ASGI app both do, checked once, run against each.

``tests/unit/test_wsgi_app.py`` and ``tests/unit/test_asgi_app.py`` subclass
:class:`AppCases` with their own in-process client (``app_client.py``); every case here
then runs against that app. Each refusal is checked to change nothing: the state, the
clock and the request journal are compared before and after.
"""

from __future__ import annotations

import itertools
import json
import time
from abc import ABC, abstractmethod
from base64 import b64encode
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import pytest
from app_client import Client, Reply

from sync_core import ManualClock, Sync, SystemClock
from sync_core.adapters.rest import RestApi

TWILIO = "https://sync.twilio.com/v1"
BASE = "http://127.0.0.1:8000"
CONTROL = "/_sync_core"
#: Twilio's body for 20001, the answer to text that is not UTF-8.
INVALID_PARAMETER = {
    "code": 20001,
    "message": "Invalid parameter",
    "more_info": "https://www.twilio.com/docs/errors/20001",
    "status": 400,
}
AUTHENTICATE = {
    "code": 20003,
    "detail": "Your AccountSid or AuthToken was incorrect.",
    "message": "Authenticate",
    "more_info": "https://www.twilio.com/docs/errors/20003",
    "status": 401,
}
TOO_LARGE = {
    "code": 54006,
    "message": "Request entity too large",
    "more_info": "https://www.twilio.com/docs/errors/54006",
    "status": 413,
}


def new_sync(**options: Any) -> Sync:
    return Sync(clock=ManualClock(), seed=7, **options)


def state(sync: Sync) -> tuple[Any, ...]:
    """Everything a refusal must leave as it was: the state, the clock, the journal."""
    return sync.export_state(), sync.clock.now(), sync.requests


def basic(user: str, password: str) -> dict[str, str]:
    token = b64encode(f"{user}:{password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


def urls_of(record: dict[str, Any]) -> list[str]:
    """A record's own URLs: ``url`` and its ``links``."""
    return [record["url"], *record.get("links", {}).values()]


class AppCases(ABC):
    """The shared cases; a subclass says how to make its app's client."""

    #: Whether the client sees a reason phrase (WSGI's status line; ASGI has none).
    reasons: bool = False

    @abstractmethod
    def client(self, sync: Sync, **options: Any) -> Client:
        """A client of the app built over ``sync`` with ``options`` (``make_app``'s)."""

    def check(self, reply: Reply, status: int) -> Reply:
        assert reply.status == status, (reply.status, reply.body)
        if self.reasons:
            assert reply.reason == HTTPStatus(status).phrase
        return reply

    # -- statuses and reason phrases

    def test_each_answer_has_its_status_and_reason(self) -> None:
        client = self.client(new_sync())
        docs = "/v1/Services/default/Documents"
        made = self.check(client.request("POST", docs, form={"UniqueName": "d", "Data": "{}"}), 201)
        assert made.headers["content-type"] == "application/json"
        assert made.headers["etag"] == "0"
        assert int(made.headers["content-length"]) == len(made.body)
        self.check(client.request("GET", f"{docs}/d"), 200)
        stale = client.request("POST", f"{docs}/d", form={"Data": "{}"}, headers={"If-Match": "9"})
        assert self.check(stale, 412).json()["code"] == 20412
        assert self.check(client.request("PATCH", f"{docs}/d"), 405).headers["allow"] == (
            "DELETE, GET, POST"
        )
        self.check(client.request("GET", f"{docs}/nope"), 404)
        gone = self.check(client.request("DELETE", f"{docs}/d"), 204)
        assert gone.body == b""
        assert "content-type" not in gone.headers

    # -- base_url

    def test_base_url_puts_every_url_on_the_server_and_paging_stays_there(self) -> None:
        sync = new_sync()
        service = sync.services("default")
        service.sync_maps.create(unique_name="m")
        items = service.sync_maps("m").sync_map_items
        for n in range(120):
            items.create(key=f"k{n:03}", data={"n": n})
        client = self.client(sync, base_url=f"{BASE}/v1")
        made = client.request(
            "POST",
            "/v1/Services/default/Documents",
            form={"UniqueName": "d", "Data": json.dumps({"url": f"{TWILIO}/Services/x"})},
        ).json()
        assert all(url.startswith(f"{BASE}/v1/Services/") for url in urls_of(made))
        assert made["data"] == {"url": f"{TWILIO}/Services/x"}  # the caller's data: untouched
        the_map = client.request("GET", "/v1/Services/default/Maps/m").json()
        assert (
            the_map["links"]["items"]
            == f"{BASE}/v1/Services/{the_map['service_sid']}/Maps/{the_map['sid']}/Items"
        )

        seen: list[str] = []
        target = "/v1/Services/default/Maps/m/Items"
        query = "PageSize=50"
        pages = 0
        while True:
            page = self.check(client.request("GET", target, query=query), 200).json()
            pages += 1
            meta = page["meta"]
            for name in ("url", "first_page_url", "next_page_url", "previous_page_url"):
                assert meta[name] is None or meta[name].startswith(f"{BASE}/v1/"), meta[name]
            for item in page["items"]:
                assert item["url"].startswith(f"{BASE}/v1/Services/")
                seen.append(item["key"])
            if meta["next_page_url"] is None:
                break
            parts = urlsplit(meta["next_page_url"])
            assert f"{parts.scheme}://{parts.netloc}" == BASE
            target, query = parts.path, parts.query
        assert pages == 3
        assert seen == [f"k{n:03}" for n in range(120)]

    def test_base_url_without_v1_and_the_default(self) -> None:
        rebased = self.client(new_sync(), base_url=BASE + "/")
        listing = rebased.request("GET", "/v1/Services").json()
        assert listing["meta"]["url"] == f"{BASE}/v1/Services?PageSize=50&Page=0"
        plain = self.client(new_sync())
        made = plain.request("POST", "/v1/Services", form={"FriendlyName": "x"}).json()
        assert all(url.startswith(f"{TWILIO}/Services/IS") for url in urls_of(made))
        assert plain.request("GET", "/v1/Services").json()["meta"]["url"].startswith(TWILIO)

    # -- form and query values

    def test_blank_values_are_kept_as_in_process(self) -> None:
        sync, twin = new_sync(), new_sync()
        client, api = self.client(sync), RestApi(twin)
        hook = {"FriendlyName": "s", "WebhookUrl": "https://app.test/hook"}
        made = client.request("POST", "/v1/Services", form=hook).json()
        assert made == api.handle("POST", "/v1/Services", data=hook).body
        cleared = client.request("POST", f"/v1/Services/{made['sid']}", form={"WebhookUrl": ""})
        expected = api.handle("POST", f"/v1/Services/{made['sid']}", data={"WebhookUrl": ""})
        assert self.check(cleared, 200).json() == expected.body
        assert cleared.json()["webhook_url"] is None

        before = state(sync)
        refused = client.request("POST", "/v1/Services/default/Documents", form=b"UniqueName=")
        in_process = api.handle("POST", "/v1/Services/default/Documents", data={"UniqueName": ""})
        assert self.check(refused, 400).json() == in_process.body
        assert refused.json()["code"] == 54302
        assert state(sync)[:2] == before[:2]
        assert sync.services("default").documents.list() == []

    def test_a_repeated_name_takes_its_first_value(self) -> None:
        client = self.client(new_sync())
        made = client.request("POST", "/v1/Services", form=b"FriendlyName=a&FriendlyName=b")
        assert made.json()["friendly_name"] == "a"
        listing = client.request("GET", "/v1/Services", query="PageSize=1&PageSize=7")
        assert listing.json()["meta"]["page_size"] == 1

    @pytest.mark.parametrize(
        ("path", "query", "form"),
        [
            (b"/v1/Services/%FF", b"", b""),
            (b"/v1/Services/caf\xe9", b"", b""),  # latin-1, not UTF-8
            (b"/v1/Services/%C3%28", b"", b""),
            (b"/v1/Services", b"PageSize=%FF", b""),
            (b"/v1/Services", b"%FF=1", b""),
            (b"/v1/Services", b"Page=\xff", b""),
            (b"/v1/Services", b"", b"FriendlyName=%C3"),
            (b"/v1/Services", b"", b"%FF=x"),
            (b"/v1/Services", b"", b"FriendlyName=caf\xe9"),
        ],
    )
    def test_text_that_is_not_utf8_is_refused(self, path: bytes, query: bytes, form: bytes) -> None:
        sync = new_sync()
        client = self.client(sync)
        before = state(sync)
        for method in ("GET", "POST"):
            refused = client.request(method, path, query=query, form=form)
            assert self.check(refused, 400).json() == INVALID_PARAMETER
        assert state(sync) == before
        assert sync.services.list() == []

    def test_utf8_in_path_query_and_body_is_read(self) -> None:
        client = self.client(new_sync())
        made = client.request("POST", "/v1/Services", form=b"FriendlyName=caf%C3%A9+%E2%98%95")
        assert made.json()["friendly_name"] == "café ☕"
        key = "clé/☕"
        client.request("POST", "/v1/Services/default/Maps", form={"UniqueName": "m"})
        client.request("POST", "/v1/Services/default/Maps/m/Items", form={"Key": key, "Data": "{}"})
        fetched = client.request("GET", "/v1/Services/default/Maps/m/Items/cl%C3%A9%2F%E2%98%95")
        assert self.check(fetched, 200).json()["key"] == key

    # -- the body: chunked, and over max_body

    def test_a_chunked_body_is_read_whole(self) -> None:
        client = self.client(new_sync())
        chunks = [b"FriendlyName=ch", b"unk", b"ed&Webhook", b"Url="]
        made = client.request("POST", "/v1/Services", chunks=chunks)
        assert self.check(made, 201).json()["friendly_name"] == "chunked"

    def test_a_body_of_max_body_bytes_is_taken_by_length_or_chunked(self) -> None:
        form = b"FriendlyName=" + b"x" * 37
        client = self.client(new_sync(), max_body=len(form))
        assert self.check(client.request("POST", "/v1/Services", form=form), 201)
        chunked = client.request("POST", "/v1/Services", chunks=[form[:20], form[20:]])
        self.check(chunked, 201)

    def test_a_length_over_max_body_is_refused_without_reading_the_body(self) -> None:
        sync = new_sync()
        client = self.client(sync, max_body=100)
        before = state(sync)
        refused = client.request("POST", "/v1/Services", declared=101, read_limit=0)
        assert self.check(refused, 413).json() == TOO_LARGE
        assert state(sync) == before

    def test_a_chunked_body_over_max_body_is_read_no_further(self) -> None:
        sync = new_sync()
        client = self.client(sync, max_body=100)
        before = state(sync)
        endless = itertools.repeat(b"x" * 10)  # the test fails if the app reads on
        refused = client.request("POST", "/v1/Services", chunks=endless, read_limit=110)
        assert self.check(refused, 413).json() == TOO_LARGE
        assert state(sync) == before

    # -- auth

    def test_auth_is_off_by_default(self) -> None:
        client = self.client(new_sync())
        self.check(client.request("POST", "/v1/Services", form={"FriendlyName": "x"}), 201)

    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"Authorization": "Bearer abc"},
            {"Authorization": "Basic not-base64!"},
            {"Authorization": "Basic " + b64encode(b"no colon").decode()},
            basic("AC" + "1" * 32, "test-token"),
            "wrong password",
        ],
        ids=["none", "bearer", "bad-base64", "no-colon", "other-account", "wrong-password"],
    )
    def test_auth_refuses_anything_but_the_account_sid_and_auth_token(
        self, headers: dict[str, str] | str
    ) -> None:
        sync = new_sync(auth_token="s3cret")
        if headers == "wrong password":
            headers = basic(sync.account_sid, "s3cre")
        assert isinstance(headers, dict)
        client = self.client(sync, auth=True, control_prefix=CONTROL)
        before = state(sync)
        for method, path in (("POST", "/v1/Services"), ("POST", f"{CONTROL}/reset")):
            refused = client.request(method, path, form={"FriendlyName": "x"}, headers=headers)
            assert self.check(refused, 401).json() == AUTHENTICATE
            assert refused.headers["www-authenticate"] == 'Basic realm="Twilio API"'
        assert state(sync) == before

    def test_auth_lets_the_account_sid_and_auth_token_through(self) -> None:
        sync = new_sync(auth_token="s3cret")
        client = self.client(sync, auth=True)
        right = basic(sync.account_sid, "s3cret")
        made = client.request("POST", "/v1/Services", form={"FriendlyName": "x"}, headers=right)
        self.check(made, 201)
        assert [s.friendly_name for s in sync.services.list()] == ["x"]

    def test_auth_takes_a_non_ascii_token_as_requests_and_aiohttp_send_it(self) -> None:
        """``requests`` and aiohttp (the twilio SDK's clients) encode Basic credentials
        as Latin-1: a token beyond ASCII is taken so, and only so; one Latin-1 cannot
        write (the SDK cannot send it) as UTF-8."""

        def credentials(sync: Any, password: str, encoding: str) -> dict[str, str]:
            raw = f"{sync.account_sid}:{password}".encode(encoding)
            return {"Authorization": "Basic " + b64encode(raw).decode("ascii")}

        sync = new_sync(auth_token="s\u00e9cret")
        client = self.client(sync, auth=True)
        form = {"FriendlyName": "latin"}
        right = credentials(sync, "s\u00e9cret", "latin-1")
        self.check(client.request("POST", "/v1/Services", form=form, headers=right), 201)
        for wrong in (
            credentials(sync, "s\u00e9cret", "utf-8"),
            credentials(sync, "s\u00e8cret", "latin-1"),
        ):
            self.check(client.request("POST", "/v1/Services", headers=wrong), 401)
        assert [s.friendly_name for s in sync.services.list()] == ["latin"]
        euro = new_sync(auth_token="s\u20accret")
        beyond = self.client(euro, auth=True)
        utf8 = credentials(euro, "s\u20accret", "utf-8")
        self.check(beyond.request("POST", "/v1/Services", headers=utf8), 201)

    # -- an injected timeout

    def test_an_injected_timeout_is_a_504_marked_as_such(self) -> None:
        sync = new_sync()
        sync.services("default").documents.create(unique_name="d")
        fault = sync.faults.inject(timeout=True, operation="fetch", times=1, name="slow")
        client = self.client(sync)
        held = client.request("GET", "/v1/Services/default/Documents/d")
        assert self.check(held, 504).json() == {
            "code": 20504,
            "message": "Gateway Timeout",
            "more_info": "https://www.twilio.com/docs/errors/20504",
            "status": 504,
        }
        assert held.headers["sync-core-fault"] == "timeout"
        assert [(r.status, r.fault) for r in sync.requests] == [(0, "slow")]
        assert fault.injected == 1
        self.check(client.request("GET", "/v1/Services/default/Documents/d"), 200)

    def test_an_injected_timeout_is_held_timeout_hold_seconds(self) -> None:
        sync = new_sync()
        sync.faults.inject(timeout=True, operation="list", times=1)
        client = self.client(sync, timeout_hold=0.05)
        started = time.monotonic()
        self.check(client.request("GET", "/v1/Services"), 504)
        assert time.monotonic() - started >= 0.05
        started = time.monotonic()
        self.check(client.request("GET", "/v1/Services"), 200)
        assert time.monotonic() - started < 0.05

    # -- control routes

    def test_no_control_route_without_a_prefix(self) -> None:
        sync = new_sync()
        sync.services("default").documents.create(unique_name="d")
        client = self.client(sync)
        before = state(sync)[:2]
        for method, path in (("POST", "/_sync_core/reset"), ("GET", "/_sync_core/state")):
            answer = client.request(method, path)
            assert self.check(answer, 404).json()["code"] == 20404
        assert state(sync)[:2] == before

    def control(self, sync: Sync, **options: Any) -> Client:
        return self.client(sync, control_prefix=CONTROL, **options)

    def ask(
        self, client: Client, method: str, route: str, body: Any = None, *, status: int = 200
    ) -> Any:
        form = b"" if body is None else json.dumps(body).encode()
        path, _, query = route.partition("?")
        reply = client.request(method, CONTROL + path, query=query, form=form)
        self.check(reply, status)
        assert reply.headers["content-type"] == "application/json"
        return reply.json()

    def test_control_reset(self) -> None:
        sync = new_sync()
        client = self.control(sync)
        client.request("POST", "/v1/Services", form={"FriendlyName": "x"})
        assert self.ask(client, "POST", "/reset") == {"reset": True}
        assert sync.services.list() == []
        assert sync.requests == []

    def test_control_clock_and_advance(self) -> None:
        sync = new_sync()
        docs = sync.services("default").documents
        docs.create(unique_name="short", ttl=60)
        client = self.control(sync)
        assert self.ask(client, "GET", "/clock") == {"now": "2025-01-01T00:00:00Z", "manual": True}
        before = state(sync)
        for bad in ({"seconds": -1}, {"seconds": "9"}, {"seconds": True}, {}, [1], None):
            refused = self.ask(client, "POST", "/clock/advance", bad, status=400)
            assert refused["status"] == 400
            assert "seconds" in refused["message"] or "JSON" in refused["message"]
        assert self.ask(client, "POST", "/clock/advance", {"seconds": 1e300}, status=400)
        assert state(sync) == before
        assert self.ask(client, "POST", "/clock/advance", {"seconds": 90}) == {
            "now": "2025-01-01T00:01:30Z"
        }
        assert docs.list() == []
        events = self.ask(client, "GET", "/events")["events"]
        assert [(e["type"], e["expired"]) for e in events] == [("document_removed", True)]

    def test_control_advance_refuses_a_clock_that_is_not_manual(self) -> None:
        sync = Sync(clock=SystemClock(), seed=7)
        client = self.control(sync)
        refused = self.ask(client, "POST", "/clock/advance", {"seconds": 5}, status=409)
        assert refused == {
            "status": 409,
            "message": "the Sync's clock is SystemClock(), not a ManualClock: it cannot be advanced",
        }
        assert self.ask(client, "GET", "/clock")["manual"] is False

    def test_control_events(self) -> None:
        sync = new_sync()
        client = self.control(sync)
        for name in ("a", "b"):
            client.request("POST", "/v1/Services/default/Documents", form={"UniqueName": name})
        every = self.ask(client, "GET", "/events")
        assert [(e["id"], e["type"], e["object_unique_name"]) for e in every["events"]] == [
            (1, "document_created", "a"),
            (2, "document_created", "b"),
        ]
        assert every["last_id"] == 2
        later = self.ask(client, "GET", "/events?after=1")
        assert [e["id"] for e in later["events"]] == [2]
        refused = self.ask(client, "GET", "/events?after=-1", status=400)
        assert refused["status"] == 400
        assert self.ask(client, "DELETE", "/events") == {"cleared": 2}
        assert self.ask(client, "GET", "/events") == {"events": [], "last_id": 2}
        sync.services("default").documents.create(unique_name="c")
        assert [e["id"] for e in self.ask(client, "GET", "/events?after=2")["events"]] == [3]

    def test_control_journal(self) -> None:
        sync = new_sync()
        client = self.control(sync)
        client.request("POST", "/v1/Services", form={"FriendlyName": "x"})
        client.request("GET", "/v1/Services/nope")
        journal = self.ask(client, "GET", "/journal")["requests"]
        assert [(r["method"], r["path"], r["status"], r["code"]) for r in journal] == [
            ("POST", "/v1/Services", 201, None),
            ("GET", "/v1/Services/nope", 404, 20404),
        ]
        assert journal[0]["form"] == {"FriendlyName": "x"}
        assert self.ask(client, "DELETE", "/journal") == {"cleared": 2}
        assert self.ask(client, "GET", "/journal") == {"requests": []}

    def test_control_snapshots(self) -> None:
        sync = new_sync()
        docs = sync.services("default").documents
        docs.create(unique_name="d", data={"v": 1})
        client = self.control(sync)
        taken = self.ask(client, "POST", "/snapshots", status=201)
        assert taken == {"id": "1", "taken_at": "2025-01-01T00:00:00Z"}
        docs("d").update(data={"v": 2})
        assert self.ask(client, "POST", "/snapshots/1/restore") == {"restored": "1"}
        assert docs("d").fetch().data == {"v": 1}
        before = state(sync)
        assert self.ask(client, "POST", "/snapshots/9/restore", status=404)["status"] == 404
        assert self.ask(client, "DELETE", "/snapshots/1") == {"deleted": "1"}
        assert self.ask(client, "POST", "/snapshots/1/restore", status=404)["status"] == 404
        assert self.ask(client, "DELETE", "/snapshots/1", status=404)["status"] == 404
        assert state(sync)[:2] == before[:2]
        assert self.ask(client, "POST", "/snapshots", status=201)["id"] == "2"

    def test_control_state(self) -> None:
        source = new_sync()
        source.services("default").documents.create(unique_name="d", data={"a": 1})
        sync = new_sync()
        client = self.control(sync)
        assert self.ask(client, "GET", "/state") == sync.export_state()
        exported = source.export_state()
        assert self.ask(client, "PUT", "/state", exported) == {"imported": True}
        assert sync.services("default").documents("d").fetch().data == {"a": 1}
        before = state(sync)
        refused = self.ask(client, "PUT", "/state", {"version": 2}, status=400)
        assert refused["message"].startswith("not a valid state: version:")
        reply = client.request("PUT", f"{CONTROL}/state", form=b"{not json")
        assert self.check(reply, 400).json()["message"] == "the body must be JSON (UTF-8)"
        # A field named by a lone surrogate's escape (valid JSON, ASCII): a JSON 400 that
        # names it escaped, never a crash.
        odd = client.request("PUT", f"{CONTROL}/state", form=b'{"version": 1, "\\ud800": 1}')
        assert "unknown field" in self.check(odd, 400).json()["message"]
        assert "\ud800" in odd.json()["message"]
        assert state(sync) == before

    def test_control_unknown_routes_and_methods(self) -> None:
        sync = new_sync()
        client = self.control(sync)
        before = state(sync)
        wrong = client.request("GET", f"{CONTROL}/reset")
        assert self.check(wrong, 405).headers["allow"] == "POST"
        assert self.ask(client, "POST", "/nope", status=404)["message"] == (
            f"no control route {CONTROL}/nope"
        )
        assert self.ask(client, "GET", "", status=404)["status"] == 404
        assert state(sync) == before
        # A path that only begins like the prefix is the REST API's.
        other = client.request("GET", f"{CONTROL}x/reset")
        assert self.check(other, 404).json()["code"] == 20404

    def test_control_routes_can_be_closed(self) -> None:
        sync = new_sync()
        client = self.control(sync)
        client.app.close()
        sync.services("default").documents.create(unique_name="d")
        assert self.ask(client, "GET", "/events") == {"events": [], "last_id": 0}

    # -- options

    @pytest.mark.parametrize(
        "options",
        [
            {"base_url": "127.0.0.1:8000"},
            {"base_url": "ftp://host"},
            {"base_url": "http://host/v1?x=1"},
            {"base_url": " http://host"},
            {"base_url": "http://host\n.example"},
            {"base_url": "http://host y"},
            {"base_url": "http://host:99999"},
            {"base_url": "http://:8000"},
            {"base_url": "http://[::1]x:8000"},
            {"base_url": "http://a\udc80b:8000"},  # a lone surrogate (surrogateescape)
            {"base_url": "http://host\x85.example"},
            {"max_body": -1},
            {"max_body": 1.5},
            {"control_prefix": "_sync_core"},
            {"control_prefix": "/_sync_core/"},
            {"control_prefix": "/v1"},
            {"control_prefix": "/v1/x"},
            {"timeout_hold": -1},
        ],
    )
    def test_bad_options_are_refused(self, options: dict[str, Any]) -> None:
        """(Hosts of every kind a URL may name stay taken: IPv6, userinfo, an IDN with a
        ZWNJ, ``test_base_urls_of_every_kind_are_taken``.)"""
        sync = new_sync()
        with pytest.raises(ValueError, match=next(iter(options))):
            self.client(sync, **options)
        # No app was made: no subscription was left behind.
        assert sync._engine.events.subscriptions == []

    @pytest.mark.parametrize(
        "base_url",
        [
            "http://[::1]:8000",
            "http://[::1]",
            "https://user@host:443/sync",
            "http://\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645.ir",  # a ZWNJ
            "http://host:0",
        ],
    )
    def test_base_urls_of_every_kind_are_taken(self, base_url: str) -> None:
        client = self.client(new_sync(), base_url=base_url)
        made = self.check(client.request("POST", "/v1/Services"), 201).json()
        assert made["url"].startswith(base_url.rstrip("/") + "/v1/Services/IS")

    # -- what a review sent over real servers (each was a 500, a leak or a framing bug)

    def test_control_routes_refuse_hostile_json_and_numbers_with_400(self) -> None:
        sync = new_sync()
        client = self.client(sync, control_prefix=CONTROL)
        before = state(sync)
        for path, method, body in [
            (f"{CONTROL}/clock/advance", "POST", b'{"seconds": 1' + b"0" * 400 + b"}"),
            (f"{CONTROL}/clock/advance", "POST", b"[" * 100_000),
            (f"{CONTROL}/state", "PUT", b'{"a":' * 100_000),
        ]:
            reply = client.request(method, path, form=body)
            assert reply.status == 400, (path, reply.body[:200])
            assert reply.json()["status"] == 400
        reply = client.request("GET", f"{CONTROL}/events", query="after=" + "9" * 4301)
        assert reply.status == 400
        assert state(sync) == before

    def test_a_control_body_is_json_as_it_is_not_a_form(self) -> None:
        sync = new_sync()
        client = self.client(sync, control_prefix=CONTROL)
        link = {"link": "http://example.com/caf%E9"}  # a "%XX" that is no UTF-8 in a form
        sync.services("default").documents.create(unique_name="legacy", data=link)
        exported = client.request("GET", f"{CONTROL}/state")
        assert exported.status == 200
        imported = client.request("PUT", f"{CONTROL}/state", form=exported.body)
        assert imported.status == 200, imported.body
        assert sync.services("default").documents("legacy").fetch().data == link
        moved = client.request(
            "POST", f"{CONTROL}/clock/advance", form=b'{"seconds":1,"why":"100%FF"}'
        )
        assert moved.status == 200, moved.body

    def test_a_double_slash_names_no_host(self) -> None:
        sync = new_sync()
        client = self.client(sync)
        gone = client.request("GET", "//evil/v1/Services")
        assert gone.status == 404
        assert gone.json()["code"] == 20404
        # Nor is "//v1/..." the path "/v1/...", on a server that drops the extra slash
        # from PATH_INFO (waitress) too: nothing is deleted.
        sync.services("default").sync_maps.create(unique_name="m")
        kept = client.request("DELETE", "//v1/Services/default/Maps/m")
        assert kept.status == 404
        assert kept.json()["code"] == 20404
        assert sync.services("default").sync_maps("m").fetch().unique_name == "m"

    def test_a_head_request_gets_no_body(self) -> None:
        client = self.client(new_sync())
        reply = client.request("HEAD", "/v1/Services")
        assert reply.status == 405
        assert reply.body == b""

    @pytest.mark.filterwarnings("ignore:Unknown REQUEST_METHOD")  # wsgiref's validator's
    def test_methods_are_case_sensitive_a_lowercase_post_makes_nothing(self) -> None:
        sync = new_sync()
        client = self.client(sync, control_prefix="/_sync_core")
        docs = "/v1/Services/default/Documents"
        before = state(sync)
        for method, path, allowed in (
            ("post", docs, "GET, POST"),
            ("Post", docs, "GET, POST"),
            ("get", "/_sync_core/clock", "GET"),
            ("get", "/v1/Nowhere", ""),
        ):
            refused = self.check(client.request(method, path, form={"UniqueName": "d"}), 405)
            assert refused.json()["code"] == 20004
            assert refused.headers["allow"] == allowed  # RFC 9110, 15.5.6
        assert state(sync) == before
        self.check(client.request("POST", docs, form={"UniqueName": "d"}), 201)
