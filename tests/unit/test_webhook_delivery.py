"""Webhooks as Twilio sends them: captured by a ``WebhookRecorder``, delivered into apps.

What is checked against what: the signature against the twilio SDK's own
``RequestValidator`` (twilio/request_validator.py), called inside a Flask view and a
raw ASGI app exactly as an app's code calls it; the parameters against Twilio's webhook
fields (docs/events.md); the environ and scope against PEP 3333 and ASGI 3.
"""

from __future__ import annotations

import asyncio
import pickle
import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

import attrs
import pytest
from flask import Flask, request
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from sync_core import PreconditionFailedError, Sync
from sync_core.sids import DEFAULT_AUTH_TOKEN
from sync_core.testing import Webhook, WebhookRecorder, WebhookResponse
from sync_core.testing.webhooks import (
    CONTENT_TYPE,
    USER_AGENT,
    adeliver,
    app_kind,
    asgi_scope,
    deliver,
    twilio_signature,
    wsgi_environ,
)

URL = "https://app.test/hooks/sync"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def hooked_service(sync: Sync, url: str = URL, *, from_rest: bool = True) -> str:
    """A new service of ``sync`` posting to ``url`` (REST changes too when ``from_rest``)."""
    return sync.services.create(webhook_url=url, webhooks_from_rest_enabled=from_rest).sid


def flask_app(auth_token: str) -> Flask:
    """An app as its authors write it: the view checks the signature with the SDK."""
    app = Flask("webhook_endpoint")
    seen: list[dict[str, Any]] = []
    app.config["seen"] = seen

    @app.post("/hooks/sync")
    def sync_hook() -> tuple[str, int]:
        valid = RequestValidator(auth_token).validate(
            request.url, request.form, request.headers["X-Twilio-Signature"]
        )
        seen.append(
            {
                "url": request.url,
                "form": dict(request.form),
                "headers": dict(request.headers),
                "remote_addr": request.remote_addr,
            }
        )
        if not valid:
            return "bad signature", 403
        return f"ok {request.form['EventType']}", 200

    return app


class RawAsgiApp:
    """A hand-written ASGI 3 app: reads the body, checks the signature, answers."""

    def __init__(self, auth_token: str) -> None:
        self.auth_token = auth_token
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            assert message["type"] == "http.request"
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        headers = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
        }
        query = scope["query_string"].decode("ascii")
        url = f"{scope['scheme']}://{headers['host']}{scope['raw_path'].decode('ascii')}"
        url += f"?{query}" if query else ""
        form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        valid = RequestValidator(self.auth_token).validate(url, form, headers["x-twilio-signature"])
        self.seen.append({"url": url, "body": body, "headers": headers, "scope": scope})
        await send(
            {
                "type": "http.response.start",
                "status": 200 if valid else 403,
                "headers": [(b"content-type", b"text/plain")],
            }
        )
        await send({"type": "http.response.body", "body": b"ok", "more_body": True})
        await send({"type": "http.response.body", "body": b"" if valid else b" not"})


# -- capture


def test_events_of_a_hooked_service_are_captured_with_twilios_params_and_headers(
    sync: Sync, sync_webhooks: WebhookRecorder
) -> None:
    sid = hooked_service(sync)
    svc = sync.services(sid)
    doc = svc.documents.create(unique_name="prefs", data={"theme": "dark"})
    svc.sync_maps.create(unique_name="scores")
    svc.sync_maps("scores").sync_map_items.create(key="alice", data={"points": 1})

    assert sync_webhooks.event_types == ["document_created", "map_created", "map_item_added"]
    assert len(sync_webhooks) == 3
    first = sync_webhooks[0]
    assert first.url == URL
    assert first.params == {
        "AccountSid": sync.account_sid,
        "ServiceSid": sid,
        "EventType": "document_created",
        "Identity": "system",
        "DocumentSid": doc.sid,
        "DocumentUniqueName": "prefs",
        "DocumentRevision": "0",
        "DocumentData": '{"theme":"dark"}',
    }
    assert first.body == urlencode(first.params).encode("ascii")
    assert list(first.headers) == [
        "Host",
        "Content-Type",
        "I-Twilio-Idempotency-Token",
        "X-Twilio-Signature",
        "Accept",
        "X-Home-Region",
        "User-Agent",
        "Content-Length",
    ]
    assert first.headers["Host"] == "app.test"
    assert first.headers["Content-Type"] == CONTENT_TYPE
    assert first.headers["User-Agent"] == USER_AGENT == "TwilioProxy/1.1"
    assert first.headers["Content-Length"] == str(len(first.body))
    assert first.header("x-twilio-signature") == first.signature
    assert first.signature == twilio_signature(sync.auth_token, URL, first.params)
    assert RequestValidator(DEFAULT_AUTH_TOKEN).validate(URL, first.params, first.signature)
    item = sync_webhooks[-1].params
    assert (item["ItemKey"], item["ItemData"], item["MapUniqueName"]) == (
        "alice",
        '{"points":1}',
        "scores",
    )
    tokens = [hook.idempotency_token for hook in sync_webhooks]
    assert all(UUID.match(token) for token in tokens)
    assert len(set(tokens)) == 3


def test_the_idempotency_token_is_the_same_for_the_same_event_on_every_run() -> None:
    def run() -> list[str]:
        sync = Sync(seed=9)
        recorder = WebhookRecorder(sync)
        svc = sync.services(hooked_service(sync))
        svc.documents.create(unique_name="d", data={"n": 1})
        svc.documents("d").update(data={"n": 2})
        return [hook.idempotency_token for hook in recorder]

    first, second = run(), run()
    assert first == second
    assert first[0] != first[1]


def test_a_client_identitys_changes_are_posted_even_without_webhooks_from_rest(
    sync: Sync, sync_webhooks: WebhookRecorder
) -> None:
    sid = hooked_service(sync, from_rest=False)
    sync.services(sid).sync_lists.create(unique_name="jobs")  # system: not posted
    assert sync_webhooks.calls == []
    alice = sync.services(sid).for_identity("alice")
    alice.sync_lists("jobs").sync_list_items.create(data={"job": 1})
    [hook] = sync_webhooks.calls
    assert hook.params["Identity"] == "alice"
    assert hook.params["EventType"] == "list_item_added"
    assert hook.params["ItemIndex"] == "0"


def test_a_refused_change_captures_nothing(sync: Sync, sync_webhooks: WebhookRecorder) -> None:
    svc = sync.services(hooked_service(sync))
    svc.documents.create(unique_name="d", data={"v": 1})
    svc.documents("d").update(data={"v": 2})
    before = sync_webhooks.calls
    with pytest.raises(PreconditionFailedError):
        svc.documents("d").update(data={"v": 3}, if_match="0")
    assert sync_webhooks.calls == before
    assert svc.documents("d").fetch().data == {"v": 2}


def test_filtering_by_event_type_and_clearing(sync: Sync, sync_webhooks: WebhookRecorder) -> None:
    svc = sync.services(hooked_service(sync))
    svc.documents.create(unique_name="d")
    svc.documents("d").update(data={"v": 1})
    svc.documents("d").delete()
    assert [h.event_type for h in sync_webhooks.of_type("document_updated")] == ["document_updated"]
    assert len(sync_webhooks.of_type("document_created", "document_removed")) == 2
    assert sync_webhooks.of_type("map_created") == []
    with pytest.raises(ValueError, match="unknown event types \\['document_changed'\\]"):
        sync_webhooks.of_type("document_changed")
    with pytest.raises(ValueError, match="at least one"):
        sync_webhooks.of_type()
    assert len(sync_webhooks) == 3  # unchanged by the refusals
    assert [h.event_type for h in sync_webhooks] == sync_webhooks.event_types
    sync_webhooks.clear()
    assert (len(sync_webhooks), sync_webhooks.calls) == (0, [])


def test_a_webhook_is_an_immutable_record_that_pickles(
    sync: Sync, sync_webhooks: WebhookRecorder
) -> None:
    svc = sync.services(hooked_service(sync))
    svc.documents.create(unique_name="d", data={"a": 1})
    hook = sync_webhooks[0]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        hook.url = "https://evil.test/"  # type: ignore[misc]
    hook.params["EventType"] = "changed"  # a fresh copy: the record is unchanged
    hook.headers["X-Twilio-Signature"] = "changed"
    assert hook.event_type == "document_created"
    assert hook.signature != "changed"
    assert pickle.loads(pickle.dumps(hook)) == hook
    assert hash(hook) == hash(pickle.loads(pickle.dumps(hook)))
    # the list given out is a copy too
    sync_webhooks.calls.clear()
    assert len(sync_webhooks) == 1


# -- attaching


def test_the_fixture_is_the_syncs_sink(sync: Sync, sync_webhooks: WebhookRecorder) -> None:
    assert sync_webhooks.sync is sync
    assert sync.webhook_sink is sync_webhooks
    assert sync_webhooks.auth_token == sync.auth_token
    assert "attached" in repr(sync_webhooks)


def test_a_previous_sink_is_chained_and_put_back() -> None:
    earlier: list[str] = []

    def sink(url: str, params: dict[str, str]) -> None:
        earlier.append(params["EventType"])

    sync = Sync(seed=5, webhook_sink=sink)
    svc = sync.services(hooked_service(sync))
    with WebhookRecorder(sync) as recorder:
        svc.documents.create(unique_name="d")
        assert recorder.event_types == earlier == ["document_created"]
    assert sync.webhook_sink is sink
    assert recorder.sync is None
    svc.documents("d").delete()
    assert earlier == ["document_created", "document_removed"]
    assert recorder.event_types == ["document_created"]  # not attached any more


def test_recorders_stack_and_detach_in_reverse_order() -> None:
    sync = Sync(seed=6, auth_token="secret-token")
    outer = WebhookRecorder(sync)
    inner = WebhookRecorder(sync)
    svc = sync.services(hooked_service(sync))
    svc.documents.create(unique_name="d")
    assert len(outer) == len(inner) == 1
    assert outer[0] == inner[0]
    assert outer[0].signature == twilio_signature("secret-token", URL, outer[0].params)

    with pytest.raises(RuntimeError, match="was replaced after this recorder attached"):
        outer.detach()
    assert (outer.sync, sync.webhook_sink) == (sync, inner)  # the refusal changed nothing
    inner.detach()
    outer.detach()
    assert sync.webhook_sink is None
    outer.detach()  # not attached: nothing to do
    assert outer.sync is None


def test_attaching_twice_or_to_something_else_is_refused() -> None:
    first, second = Sync(seed=7), Sync(seed=8)
    recorder = WebhookRecorder(first)
    with pytest.raises(RuntimeError, match="already attached"):
        recorder.attach(second)
    with pytest.raises(RuntimeError, match="already attached"):
        recorder.attach(first)
    assert (recorder.sync, first.webhook_sink, second.webhook_sink) == (first, recorder, None)
    with pytest.raises(TypeError, match="attaches to a Sync"):
        WebhookRecorder().attach("sync")  # type: ignore[arg-type]
    recorder.detach()
    other = Sync(seed=2, webhook_sink=recorder)
    with pytest.raises(RuntimeError, match="already the webhook sink"):
        recorder.attach(other)
    assert (recorder.sync, other.webhook_sink) == (None, recorder)
    with pytest.raises(ValueError, match="auth_token"):
        WebhookRecorder(auth_token="")


def test_an_unattached_recorder_is_a_sink_of_its_own() -> None:
    recorder = WebhookRecorder(auth_token="tok")
    sync = Sync(seed=2, webhook_sink=recorder)
    sync.services(hooked_service(sync)).documents.create(unique_name="d")
    [hook] = recorder
    assert recorder.sync is None
    assert RequestValidator("tok").validate(URL, hook.params, hook.signature)


# -- delivery into a WSGI app (Flask)


@pytest.mark.parametrize(
    "url",
    [
        "https://app.test/hooks/sync",
        "http://app.test/hooks/sync",
        "http://localhost:8080/hooks/sync",
        "https://app.test:8443/hooks/sync?tenant=acme&mode=a%20b",
        "https://app.test:443/hooks/sync?x=1",
        # As the validator rebuilds them (urlparse(url).geturl()): signed over the URL
        # without its empty "?", the scheme in lower case; were 403s.
        "https://app.test/hooks/sync?",
        "HTTPS://app.test/hooks/sync",
        "Http://app.test/hooks/sync?#top",
    ],
)
def test_a_delivered_webhook_passes_the_sdks_validator_in_a_flask_view(
    sync: Sync, sync_webhooks: WebhookRecorder, url: str
) -> None:
    svc = sync.services(hooked_service(sync, url))
    svc.documents.create(unique_name="notes", data={"text": "é & = + ? %20 #"})
    app = flask_app(sync.auth_token)

    response = sync_webhooks.deliver(app)

    assert (response.status, response.reason, response.text) == (200, "OK", "ok document_created")
    assert response.header("content-type") == "text/html; charset=utf-8"
    [seen] = app.config["seen"]
    hook = sync_webhooks[0]
    assert seen["form"] == hook.params
    assert seen["headers"]["X-Twilio-Signature"] == hook.signature
    assert seen["headers"]["User-Agent"] == "TwilioProxy/1.1"
    assert seen["headers"]["I-Twilio-Idempotency-Token"] == hook.idempotency_token
    assert seen["headers"]["Content-Type"] == CONTENT_TYPE
    assert seen["remote_addr"] == "127.0.0.1"
    assert seen["url"].split("?")[0].endswith("/hooks/sync")


def test_a_tampered_webhook_fails_the_sdks_validator(
    sync: Sync, sync_webhooks: WebhookRecorder
) -> None:
    alice = sync.services(hooked_service(sync)).for_identity("alice")
    alice.documents.create(unique_name="d", data={"a": 1})
    app = flask_app(sync.auth_token)
    hook = sync_webhooks[0]

    forged = hook.forged(Identity="mallory")
    assert forged.signature == hook.signature
    assert sync_webhooks.deliver(app, forged).status == 403
    wrong_token = Webhook.signed(hook.url, hook.params, auth_token="not-the-token")
    assert sync_webhooks.deliver(app, wrong_token).status == 403
    moved = attrs.evolve(hook, url="https://app.test/hooks/sync?extra=1")
    assert sync_webhooks.deliver(app, moved).status == 403
    assert sync_webhooks.deliver(app, hook).status == 200
    assert [seen["form"]["Identity"] for seen in app.config["seen"]] == [
        "mallory",
        "alice",
        "alice",
        "alice",
    ]


def test_deliver_all_delivers_every_captured_webhook_in_order(
    sync: Sync, sync_webhooks: WebhookRecorder
) -> None:
    svc = sync.services(hooked_service(sync))
    svc.sync_streams.create(unique_name="ticks")
    svc.sync_streams("ticks").stream_messages.create(data={"t": 1})
    app = flask_app(sync.auth_token)
    responses = sync_webhooks.deliver_all(app)
    assert [r.text for r in responses] == [
        "ok stream_created",
        "ok stream_message_published",
    ]
    assert [seen["form"]["EventType"] for seen in app.config["seen"]] == sync_webhooks.event_types
    assert sync_webhooks.deliver(app, 0).text == "ok stream_created"
    assert len(sync_webhooks) == 2  # delivering does not consume


def test_credentials_and_fragment_are_not_signed_and_credentials_authenticate(
    sync: Sync, sync_webhooks: WebhookRecorder
) -> None:
    url = "https://twilio:s3cret@app.test/hooks/sync#rc=3&rp=all"
    sync.services(hooked_service(sync, url)).documents.create(unique_name="d")
    hook = sync_webhooks[0]
    assert hook.url == url
    assert hook.request_url == URL
    assert hook.headers["Host"] == "app.test"
    assert hook.header("Authorization") == "Basic dHdpbGlvOnMzY3JldA=="  # twilio:s3cret
    app = flask_app(sync.auth_token)
    assert sync_webhooks.deliver(app).status == 200
    assert app.config["seen"][0]["headers"]["Authorization"] == hook.header("Authorization")


def test_the_wsgi_environ_follows_pep_3333() -> None:
    hook = Webhook.signed(
        "https://app.test:8443/a%2Fb/c%C3%A9?q=1&r=%20", {"EventType": "x", "Data": "é"}
    )
    environ = wsgi_environ(hook)
    assert environ["REQUEST_METHOD"] == "POST"
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("", "/a/b/c\xc3\xa9")  # latin-1
    assert environ["QUERY_STRING"] == "q=1&r=%20"
    assert environ["REQUEST_URI"] == "/a%2Fb/c%C3%A9?q=1&r=%20"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("app.test", "8443")
    assert environ["HTTP_HOST"] == "app.test:8443"
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["wsgi.version"] == (1, 0)
    assert environ["CONTENT_TYPE"] == CONTENT_TYPE
    assert environ["CONTENT_LENGTH"] == str(len(hook.body))
    assert "HTTP_CONTENT_TYPE" not in environ
    assert "HTTP_CONTENT_LENGTH" not in environ
    assert environ["HTTP_X_TWILIO_SIGNATURE"] == hook.signature
    assert environ["HTTP_I_TWILIO_IDEMPOTENCY_TOKEN"] == hook.idempotency_token
    assert environ["HTTP_USER_AGENT"] == USER_AGENT
    assert environ["REMOTE_ADDR"] == "127.0.0.1"
    assert environ["wsgi.input"].read() == hook.body
    assert all(isinstance(v, str) for k, v in environ.items() if k.isupper())
    # each environ is fresh: its input can be read again
    assert wsgi_environ(hook)["wsgi.input"].read() == hook.body


def test_a_wsgi_app_may_write_stream_and_is_closed() -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"b"
            yield b""
            yield b"c"

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Body:
        write = start_response("202 Accepted", [("X-Seen", environ["HTTP_X_HOME_REGION"])])
        write(b"a")
        return Body()

    response = deliver(app, Webhook.signed(URL, {"EventType": "x"}))
    assert response == WebhookResponse(202, (("X-Seen", "us1"),), b"abc", "Accepted")
    assert closed == [True]


def test_a_wsgi_app_may_replace_its_status_with_exc_info_before_the_body() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [])
        try:
            raise KeyError("boom")
        except KeyError:
            import sys

            start_response("500 Internal Server Error", [], sys.exc_info())
        return [b"failed"]

    response = deliver(app, Webhook.signed(URL, {}))
    assert (response.status, response.reason, response.body) == (
        500,
        "Internal Server Error",
        b"failed",
    )


def test_a_broken_wsgi_app_is_reported() -> None:
    hook = Webhook.signed(URL, {})

    def silent(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        return []

    def twice(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [])
        start_response("200 OK", [])
        return []

    def bad_status(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("OK", [])
        return []

    with pytest.raises(RuntimeError, match="without calling start_response"):
        deliver(silent, hook)
    with pytest.raises(RuntimeError, match="twice"):
        deliver(twice, hook)
    with pytest.raises(ValueError, match="not a WSGI status"):
        deliver(bad_status, hook)


# -- delivery into an ASGI app


def test_a_raw_asgi_app_gets_the_same_request_and_the_signature_validates(
    sync: Sync, sync_webhooks: WebhookRecorder
) -> None:
    url = "https://app.test:8443/hooks/sync?tenant=acme"
    svc = sync.services(hooked_service(sync, url))
    svc.documents.create(unique_name="d", data={"text": "é & = +"})
    app = RawAsgiApp(sync.auth_token)

    response = sync_webhooks.deliver(app)

    assert (response.status, response.reason, response.body) == (200, "OK", b"ok")
    assert response.headers == (("content-type", "text/plain"),)
    [seen] = app.seen
    hook = sync_webhooks[0]
    assert seen["body"] == hook.body
    assert seen["url"] == url
    assert seen["headers"] == {name.lower(): value for name, value in hook.header_fields}
    scope = seen["scope"]
    assert scope["asgi"]["version"] == "3.0"
    assert (scope["method"], scope["http_version"], scope["scheme"]) == ("POST", "1.1", "https")
    assert (scope["path"], scope["raw_path"], scope["query_string"]) == (
        "/hooks/sync",
        b"/hooks/sync",
        b"tenant=acme",
    )
    assert scope["server"] == ("app.test", 8443)
    assert scope["client"][0] == "127.0.0.1"
    assert all(isinstance(n, bytes) and isinstance(v, bytes) for n, v in scope["headers"])

    forged = hook.forged(DocumentData='{"text":"forged"}')
    assert sync_webhooks.deliver(app, forged).body == b"ok not"
    assert sync_webhooks.deliver(app, forged).status == 403


def test_adeliver_runs_on_the_current_loop_and_deliver_refuses_inside_one(
    sync: Sync, sync_webhooks: WebhookRecorder
) -> None:
    sync.services(hooked_service(sync)).documents.create(unique_name="d")
    app = RawAsgiApp(sync.auth_token)

    async def scenario() -> tuple[int, list[int]]:
        with pytest.raises(RuntimeError, match="an event loop is running"):
            sync_webhooks.deliver(app)
        one = await sync_webhooks.adeliver(app)
        every = await sync_webhooks.adeliver_all(app)
        return one.status, [r.status for r in every]

    assert asyncio.run(scenario()) == (200, [200])
    assert len(app.seen) == 2  # the refused delivery never reached the app
    assert len(sync_webhooks) == 1


def test_an_asgi_app_waits_for_disconnect_after_the_response() -> None:
    events: list[str] = []

    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        assert (await receive())["type"] == "http.request"
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        events.append((await receive())["type"])

    response = deliver(app, Webhook.signed(URL, {}))
    assert (response.status, response.reason, response.body) == (204, "No Content", b"")
    assert events == ["http.disconnect"]


def test_a_broken_asgi_app_is_reported() -> None:
    hook = Webhook.signed(URL, {})

    async def silent(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        return None

    async def body_first(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await send({"type": "http.response.body", "body": b"x"})

    async def websocket(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await send({"type": "websocket.accept"})

    with pytest.raises(RuntimeError, match=re.escape("without sending http.response.start")):
        deliver(silent, hook)
    with pytest.raises(RuntimeError, match=re.escape("before http.response.start")):
        deliver(body_first, hook)
    with pytest.raises(RuntimeError, match="unexpected ASGI message"):
        deliver(websocket, hook)


def test_the_asgi_scope_decodes_the_path_and_keeps_it_raw() -> None:
    scope = asgi_scope(Webhook.signed("http://app.test/a%2Fb/c%C3%A9", {}))
    assert (scope["path"], scope["raw_path"], scope["query_string"]) == (
        "/a/b/cé",
        b"/a%2Fb/c%C3%A9",
        b"",
    )
    assert scope["server"] == ("app.test", 80)
    assert (b"host", b"app.test") in scope["headers"]


# -- delivery into a plain callable


def test_a_callable_receives_the_webhook(sync: Sync, sync_webhooks: WebhookRecorder) -> None:
    sync.services(hooked_service(sync)).documents.create(unique_name="d")
    received: list[Webhook] = []
    response = sync_webhooks.deliver(received.append)
    assert received == [sync_webhooks[0]]
    assert (response.status, response.body) == (200, b"")

    assert sync_webhooks.deliver(lambda hook: 202).status == 202
    assert sync_webhooks.deliver(lambda hook: hook.event_type).text == "document_created"
    assert sync_webhooks.deliver(lambda hook: WebhookResponse(418)).status == 418
    with pytest.raises(TypeError, match="returned True"):
        sync_webhooks.deliver(lambda hook: True)

    async def handler(hook: Webhook) -> str:
        return str(hook.params["DocumentUniqueName"])

    assert sync_webhooks.deliver(handler).text == "d"
    assert asyncio.run(sync_webhooks.adeliver(handler)).text == "d"
    assert asyncio.run(adeliver(received.append, sync_webhooks[0])).status == 200
    assert len(received) == 2


def test_how_an_app_is_called_is_told_or_said(sync: Sync) -> None:
    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [])
        return [b"wsgi"]

    assert app_kind(wsgi) == "wsgi"
    assert app_kind(flask_app(sync.auth_token)) == "wsgi"
    assert app_kind(RawAsgiApp("t")) == "asgi"
    assert app_kind(lambda hook: None) == "callable"

    def either(*args: Any) -> None:
        return None

    with pytest.raises(TypeError, match="give kind="):
        app_kind(either)
    hook = Webhook.signed(URL, {})
    assert deliver(either, hook, kind="callable").status == 200
    with pytest.raises(ValueError, match="kind must be"):
        deliver(wsgi, hook, kind="http")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="delivered to a callable"):
        deliver("app", hook)
    with pytest.raises(TypeError, match="delivered to a callable"):
        deliver("app", hook, kind="wsgi")
    with pytest.raises(TypeError, match="expected a Webhook"):
        deliver(wsgi, {"EventType": "x"})  # type: ignore[arg-type]


def test_delivering_what_was_not_captured_is_refused(sync_webhooks: WebhookRecorder) -> None:
    received: list[Webhook] = []
    with pytest.raises(LookupError, match="no webhook was captured"):
        sync_webhooks.deliver(received.append)
    sync_webhooks(URL, {"EventType": "document_created"})
    with pytest.raises(IndexError, match="no webhook at index 5: 1 captured"):
        sync_webhooks.deliver(received.append, 5)
    with pytest.raises(TypeError, match="an index or None"):
        sync_webhooks.deliver(received.append, "0")  # type: ignore[arg-type]
    assert received == []
    assert sync_webhooks.deliver_all(received.append) == [WebhookResponse(200, reason="OK")]
    assert received == sync_webhooks.calls


# -- the signature itself


def test_a_bad_webhook_is_refused() -> None:
    with pytest.raises(ValueError, match="absolute http or https"):
        Webhook.signed("/relative", {})
    with pytest.raises(ValueError, match="ASCII"):
        Webhook.signed("https://app.test/é", {})
    with pytest.raises(ValueError, match="malformed"):
        Webhook.signed("https://app.test:99999/", {})
    with pytest.raises(TypeError, match="map text to text"):
        Webhook.signed(URL, {"n": 1})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="auth_token"):
        Webhook.signed(URL, {}, auth_token="")


@given(
    params=st.dictionaries(st.text(), st.text(), max_size=8),
    token=st.text(min_size=1),
    url=st.sampled_from(
        [URL, "http://app.test:8080/h?a=1&b=%20", "https://app.test:443/h", "http://app.test/"]
    ),
)
def test_any_text_params_get_a_signature_the_sdk_accepts(
    params: dict[str, str], token: str, url: str
) -> None:
    hook = Webhook.signed(url, params, auth_token=token)
    validator = RequestValidator(token)
    assert validator.validate(url, params, hook.signature)
    assert hook.signature == validator.compute_signature(url, params)
    # the body carries exactly these fields, in order
    assert parse_qsl(hook.body.decode("ascii"), keep_blank_values=True) == list(params.items())
    if params:
        name = next(iter(params))
        assert not validator.validate(url, {**params, name: params[name] + "x"}, hook.signature)
