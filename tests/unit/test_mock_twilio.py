"""mock_twilio: every twilio Client of the process answered by sync_core, for Sync only."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import copy
import functools
import gc
import importlib
import inspect
import json
import os
import pickle
import sys
import threading
import unittest
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from typing import Any, ClassVar

import pytest
import requests
from hypothesis import example, given, settings
from hypothesis import strategies as st
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.request import Request as TwilioRequest
from twilio.http.response import Response
from twilio.rest import Client

from sync_core import ManualClock, Sync
from sync_core.adapters.twilio import NotEmulatedError, SyncHttpClient
from sync_core.testing import current_sync, mock_twilio
from sync_core.testing.mock import TEST_AUTH_TOKEN

ACCOUNT = "AC" + "1" * 32
ORIGINAL = TwilioHttpClient.request


#: No TWILIO_* variable of the machine leaks in (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("no_twilio_environment")


def fresh_import(name: str) -> Any:
    sys.modules.pop(name, None)
    return importlib.import_module(name)


def test_an_app_that_builds_its_client_at_import_time_is_answered(
    blocked_sockets: list[object],
) -> None:
    with mock_twilio() as sync:
        app = fresh_import("apps.presence")  # reads TWILIO_ACCOUNT_SID and _AUTH_TOKEN
        app.send_presence("alice")
        app.send_presence("bob")
        items = sync.services("default").sync_maps("presence").sync_map_items
        assert [item.key for item in items.list()] == ["alice", "bob"]
        assert items("alice").fetch().data == {"online": True}
    assert blocked_sockets == []


def test_the_environment_is_set_when_absent_and_restored_after() -> None:
    with mock_twilio() as sync:
        assert os.environ["TWILIO_ACCOUNT_SID"] == sync.account_sid
        assert os.environ["TWILIO_AUTH_TOKEN"] == TEST_AUTH_TOKEN
    assert "TWILIO_ACCOUNT_SID" not in os.environ
    assert "TWILIO_AUTH_TOKEN" not in os.environ


def test_the_environment_the_user_set_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    with mock_twilio():
        assert os.environ["TWILIO_ACCOUNT_SID"] == ACCOUNT
        assert os.environ["TWILIO_AUTH_TOKEN"] == TEST_AUTH_TOKEN
    assert os.environ["TWILIO_ACCOUNT_SID"] == ACCOUNT


def test_a_client_built_before_entering_is_answered_inside_only(
    blocked_sockets: list[object],
) -> None:
    client = Client(ACCOUNT, "token")
    with mock_twilio() as sync:
        made = client.sync.v1.services("default").documents.create(unique_name="d")
        assert sync.services("default").documents("d").fetch().sid == made.sid
        assert client.http_client._test_only_last_response.status_code == 201
    assert TwilioHttpClient.request is ORIGINAL
    with pytest.raises(Exception, match="network is blocked"):
        client.sync.v1.services("default").documents("d").fetch()  # the real one again
    assert blocked_sockets != []


def test_the_async_client_is_answered(blocked_sockets: list[object]) -> None:
    async def scenario() -> str:
        client = Client(ACCOUNT, "token", http_client=AsyncTwilioHttpClient())
        made = await client.sync.v1.services("default").sync_lists.create_async(unique_name="jobs")
        item = (
            await client.sync.v1.services("default")
            .sync_lists(made.sid)
            .sync_list_items.create_async(data={"n": 1})
        )
        return f"{made.unique_name}:{item.index}"

    with mock_twilio() as sync:
        assert asyncio.run(scenario()) == "jobs:0"
        assert sync.services("default").sync_lists("jobs").fetch().revision == "1"
    assert blocked_sockets == []


def test_regions_and_edges_still_reach_sync_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_REGION", "ie1")
    monkeypatch.setenv("TWILIO_EDGE", "dublin")
    with mock_twilio() as sync:
        client = Client()
        client.sync.v1.services("default").documents.create(unique_name="d")
        assert sync.requests[-1].url.startswith("https://sync.dublin.ie1.twilio.com/v1/")
        assert sync.services("default").documents("d").fetch().unique_name == "d"


def test_another_product_fails_loudly_naming_it(blocked_sockets: list[object]) -> None:
    with mock_twilio() as sync:
        app = fresh_import("apps.presence")
        with pytest.raises(NotEmulatedError) as caught:
            app.text("+15005550009", "hi")
        message = str(caught.value)
        assert "sync_core emulates Twilio Sync only" in message
        assert "the core API" in message
        assert "https://api.twilio.com/2010-04-01/Accounts/" in message
        with pytest.raises(NotEmulatedError, match="for Messaging: POST https://messaging"):
            Client().messaging.v1.services.create(friendly_name="not sync")
        assert sync.services.list() == []  # never answered as a Sync service
    assert blocked_sockets == []


def test_a_fallback_answers_the_other_products() -> None:
    heard: list[tuple[str, str]] = []

    def messaging(method: str, uri: str, **_: Any) -> Response:
        heard.append((method, uri))
        body = {"sid": "SM" + "0" * 32, "status": "queued", "body": "hi"}
        return Response(201, json.dumps(body))

    with mock_twilio(fallback=messaging) as sync:
        app = fresh_import("apps.presence")
        assert app.text("+15005550009", "hi") == "SM" + "0" * 32
        app.send_presence("alice")  # Sync is still sync_core's
        assert sync.services("default").sync_maps("presence").fetch().unique_name == "presence"
    assert heard == [
        ("POST", f"https://api.twilio.com/2010-04-01/Accounts/{sync.account_sid}/Messages.json")
    ]


def caught_sends(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What ``requests`` sends from now on, caught by a fake ``Session.send`` (as
    ``responses`` would catch it), each answered 201 with a Message SID."""
    sent: list[str] = []

    def send(session: requests.Session, prepared: Any, **_: Any) -> requests.Response:
        sent.append(f"{prepared.method} {prepared.url}")
        answer = requests.Response()
        answer.status_code = 201
        answer._content = json.dumps({"sid": "MG" + "0" * 32}).encode()
        return answer

    monkeypatch.setattr(requests.Session, "send", send)
    return sent


def test_a_real_twilio_client_as_the_fallback_really_sends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Under mock_twilio the SDK's client class is patched; a TwilioHttpClient given as
    # the fallback still sends through requests (here caught by a fake Session.send, as
    # `responses` would catch it), rather than coming back to sync_core.
    sent = caught_sends(monkeypatch)
    with mock_twilio(fallback=TwilioHttpClient()):
        made = Client().messaging.v1.services.create(friendly_name="sms")
    assert made.sid == "MG" + "0" * 32
    assert sent == ["POST https://messaging.twilio.com/v1/Services"]


def test_a_fallback_that_hands_on_to_a_real_twilio_client_really_sends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fallback of the app's own (a function logging, then calling a real
    ``TwilioHttpClient``; or that client's bound ``request`` taken inside a block), and a
    ``SyncHttpClient``'s own fallback used inside a block: what they hand to the real
    client is sent (caught by a fake ``Session.send``), once, not handed back to a
    fallback for ever."""
    sent = caught_sends(monkeypatch)
    real = TwilioHttpClient()
    logged: list[str] = []

    def logging_fallback(method: str, url: str, **kwargs: Any) -> Any:
        logged.append(url)
        return real.request(method, url, **kwargs)

    with mock_twilio(fallback=logging_fallback):
        made = Client().messaging.v1.services.create(friendly_name="sms")
    assert made.sid == "MG" + "0" * 32
    with mock_twilio(), mock_twilio(fallback=TwilioHttpClient().request):
        Client().messaging.v1.services.create(friendly_name="bound")
    own = Client(ACCOUNT, "token", http_client=SyncHttpClient(Sync(), fallback=TwilioHttpClient()))
    with mock_twilio():
        own.messaging.v1.services.create(friendly_name="own")
    assert logged == ["https://messaging.twilio.com/v1/Services"]
    assert sent == ["POST https://messaging.twilio.com/v1/Services"] * 3


def test_a_url_without_a_host_is_no_sync_request_and_the_error_says_whose_host_it_is() -> None:
    """A client's URL without a scheme (``requests`` refuses it) is not Sync's; the
    refusal names the host when it is not Twilio's, and takes ``sync.twilio.com.``
    (a fully qualified name) as Sync's."""
    sync = Sync()
    client = Client(ACCOUNT, "token", http_client=SyncHttpClient(sync))
    for url in (
        "messaging.twilio.com/v1/Services",
        "/v1/Services",
        "//sync.twilio.com/v1/Services",
        "https://[::1/v1/Services",
    ):
        with pytest.raises(NotEmulatedError, match="without a scheme or host"):
            client.request("POST", url, data={"FriendlyName": "x"})
    assert sync.requests == []
    with mock_twilio(sync):
        custom = Client(ACCOUNT, "token")
        custom.sync.base_url = "https://sync.mycorp.example"
        with pytest.raises(NotEmulatedError, match=r"sync\.mycorp\.example, not a Twilio host"):
            custom.sync.v1.services("default").documents.create()
        dotted = Client(ACCOUNT, "token")
        dotted.sync.base_url = "https://sync.twilio.com."
        assert dotted.sync.v1.services("default").documents.create().revision == "0"


def test_a_fallback_of_a_twilio_client_subclass_runs_its_own_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A subclass's own request (here adding a header, then twilio's own) is what answers
    # the other products, and what it hands on to twilio's request really sends.
    sent: list[tuple[str, str | None]] = []

    def send(session: requests.Session, prepared: Any, **_: Any) -> requests.Response:
        sent.append((f"{prepared.method} {prepared.url}", prepared.headers.get("X-Tenant")))
        answer = requests.Response()
        answer.status_code = 201
        answer._content = json.dumps({"sid": "MG" + "0" * 32}).encode()
        return answer

    class Tenanted(TwilioHttpClient):  # type: ignore[misc]  # twilio is untyped
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            headers = {**(kwargs.pop("headers", None) or {}), "X-Tenant": "acme"}
            return super().request(method, url, *args, headers=headers, **kwargs)

    monkeypatch.setattr(requests.Session, "send", send)
    fallback = Tenanted()
    with mock_twilio(fallback=fallback) as sync:
        made = Client().messaging.v1.services.create(friendly_name="sms")
        Client().sync.v1.services("default").documents.create(unique_name="d")
        with mock_twilio(sync, fallback=fallback):  # the same fallback, nested
            Client().messaging.v1.services.create(friendly_name="inner")
        Client().messaging.v1.services.create(friendly_name="outer again")
    assert made.sid == "MG" + "0" * 32
    assert sent == [("POST https://messaging.twilio.com/v1/Services", "acme")] * 3
    assert fallback._test_only_last_request.data == {"FriendlyName": "outer again"}
    assert sync.services("default").documents("d").fetch().unique_name == "d"


def test_the_host_check_applies_to_the_clients_used_directly(sync: Sync) -> None:
    client = Client(ACCOUNT, "token", http_client=SyncHttpClient(sync))
    with pytest.raises(NotEmulatedError, match="Messaging"):
        client.messaging.v1.services.create(friendly_name="not sync")
    assert sync.services.list() == []


def test_nested_blocks_answer_from_the_innermost() -> None:
    outer, inner = Sync(clock=ManualClock(), seed=1), Sync(clock=ManualClock(), seed=2)
    client = Client(ACCOUNT, "token")
    docs = client.sync.v1.services("default").documents
    with mock_twilio(outer):
        docs.create(unique_name="first")
        with mock_twilio(inner) as answering:
            assert answering is inner
            assert current_sync() is inner
            docs.create(unique_name="second")
        assert current_sync() is outer
        docs.create(unique_name="third")

    def names(sync: Sync) -> list[str | None]:
        return [d.unique_name for d in sync.services("default").documents.list()]

    assert (names(outer), names(inner)) == (["first", "third"], ["second"])
    assert TwilioHttpClient.request is ORIGINAL


def test_an_exception_in_the_block_restores_everything() -> None:
    def broken_app() -> None:
        with mock_twilio():
            assert TwilioHttpClient.request is not ORIGINAL
            raise RuntimeError("the app broke")

    with pytest.raises(RuntimeError, match="the app broke"):
        broken_app()
    assert TwilioHttpClient.request is ORIGINAL
    assert "TWILIO_AUTH_TOKEN" not in os.environ
    with pytest.raises(RuntimeError, match="no mock_twilio"):
        current_sync()


def test_the_journal_lists_every_request_reads_included() -> None:
    with mock_twilio() as sync:
        app = fresh_import("apps.presence")
        app.send_presence("alice")
        Client().sync.v1.services("default").sync_maps("presence").sync_map_items.list(page_size=10)
    journal = [(r.method, r.path.rsplit("/", 1)[-1], r.status, r.code) for r in sync.requests]
    assert journal == [
        ("GET", "presence", 404, 20404),
        ("POST", "Maps", 201, None),
        ("POST", "Items", 201, None),
        ("GET", "Items", 200, None),
    ]
    assert sync.requests[2].form == {"Key": "alice", "Data": '{"online": true}'}
    assert sync.requests[3].query == {"PageSize": "10"}
    sync.journal.clear()
    assert sync.requests == []


@mock_twilio
def test_a_decorated_function_runs_inside_a_block() -> None:
    made = Client().sync.v1.services("default").documents.create(unique_name="d")
    assert current_sync().services("default").documents("d").fetch().sid == made.sid


@mock_twilio()
async def coroutine() -> str:
    client = Client(http_client=AsyncTwilioHttpClient())
    made = await client.sync.v1.services("default").documents.create_async(unique_name="d")
    return str(made.unique_name)


def test_a_decorated_coroutine_function_runs_inside_a_block() -> None:
    assert asyncio.run(coroutine()) == "d"
    assert TwilioHttpClient.request is ORIGINAL


@mock_twilio
class TestADecoratedClass:
    """Each test method runs in a block of its own, on a fresh Sync."""

    def test_one(self) -> None:
        Client().sync.v1.services("default").documents.create(unique_name="d")
        assert len(current_sync().services("default").documents.list()) == 1

    def test_two_starts_fresh(self) -> None:
        assert current_sync().services("default").documents.list() == []


@mock_twilio
class ADecoratedTestCase(unittest.TestCase):
    """A unittest class: setUp and the test share one block."""

    def setUp(self) -> None:
        self.client = Client()
        self.client.sync.v1.services("default").documents.create(unique_name="from setUp")

    def test_sees_what_setup_made(self) -> None:
        docs = current_sync().services("default").documents.list()
        assert [d.unique_name for d in docs] == ["from setUp"]


def test_the_unittest_class_restores_everything_after_its_tests() -> None:
    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(ADecoratedTestCase).run(result)
    assert (result.testsRun, result.failures, result.errors) == (1, [], [])
    assert TwilioHttpClient.request is ORIGINAL


@pytest.fixture
def app_with_client(mock_twilio: Sync) -> tuple[Sync, Any]:
    return mock_twilio, fresh_import("apps.presence")


def test_the_pytest_fixture_answers_an_app_and_yields_the_sync(
    app_with_client: tuple[Sync, Any], sync: Sync
) -> None:
    answering, app = app_with_client
    assert answering is sync
    app.send_presence("carol")
    assert sync.services("default").sync_maps("presence").sync_map_items("carol").fetch()


# -- the last request, as twilio's own clients record it --------------------------------


def test_each_client_records_its_last_request_as_twilio_does() -> None:
    with mock_twilio():
        first, second = Client(ACCOUNT, "token"), Client(ACCOUNT, "token")
        first.sync.v1.services("default").documents.create(unique_name="d", data={"a": 1})
        second.sync.v1.services("default").documents("d").fetch()
        made = first.http_client._test_only_last_request
        assert isinstance(made, TwilioRequest)
        assert (made.method, made.url) == (
            "POST",
            "https://sync.twilio.com/v1/Services/default/Documents",
        )
        assert made.auth == (ACCOUNT, "token")
        assert made.data["UniqueName"] == "d"
        assert json.loads(made.data["Data"]) == {"a": 1}
        assert first.http_client._test_only_last_request is made  # the same on every read
        fetched = second.http_client._test_only_last_request
        assert (fetched.method, fetched.url) == (
            "GET",
            "https://sync.twilio.com/v1/Services/default/Documents/d",
        )
        assert first.http_client._test_only_last_response.status_code == 201
        assert second.http_client._test_only_last_response.status_code == 200


def test_a_last_request_never_read_is_never_made(monkeypatch: pytest.MonkeyPatch) -> None:
    import sync_core.adapters.twilio as adapter

    made: list[TwilioRequest] = []

    class Counted(TwilioRequest):  # type: ignore[misc]  # twilio is untyped
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            made.append(self)

    monkeypatch.setattr(adapter, "TwilioRequest", Counted)
    with mock_twilio():
        client = Client(ACCOUNT, "token")
        documents = client.sync.v1.services("default").documents
        for name in ("a", "b", "c"):
            documents.create(unique_name=name)
        assert made == []  # three requests answered, none of their Requests made
        last = client.http_client._test_only_last_request
        assert last.data == {"UniqueName": "c"}
        assert made == [last]  # made at the first read, once


def test_a_recorded_request_is_plain_data_that_outlives_the_block() -> None:
    with mock_twilio() as sync:
        client = Client(ACCOUNT, "token")
        client.sync.v1.services("default").documents.create(unique_name="d")
        copied = copy.deepcopy(client.http_client)  # as Django's setUpTestData copies
        unread = client.http_client._test_only_last_request
        kept = pickle.loads(pickle.dumps(copied._test_only_last_request))
    assert TwilioHttpClient.request is ORIGINAL
    assert "_test_only_last_request" not in vars(TwilioHttpClient)
    assert kept == unread
    assert kept.data == {"UniqueName": "d"}
    assert copied._test_only_last_request.url.endswith("/Services/default/Documents")
    # Nothing recorded holds the answering Sync: a client outliving the block keeps
    # only the request's own arguments.
    assert not any(referent is sync for referent in gc.get_referents(vars(copied)))
    assert TwilioHttpClient()._test_only_last_request is None  # as twilio starts it


def test_an_assigned_last_request_is_kept_until_the_next_request() -> None:
    with mock_twilio():
        client = Client(ACCOUNT, "token")
        client.http_client._test_only_last_request = "assigned"
        assert client.http_client._test_only_last_request == "assigned"
        client.sync.v1.services("default").documents.create(unique_name="d")
        assert client.http_client._test_only_last_request.data == {"UniqueName": "d"}
        made = client.http_client._test_only_last_request
        made.url = "changed"  # a value set before the others are read is kept
        assert (made.url, made.method) == ("changed", "POST")


def test_a_request_the_fallback_answers_is_the_one_recorded() -> None:
    def messaging(method: str, uri: str, **_: Any) -> Response:
        return Response(201, json.dumps({"sid": "SM" + "0" * 32}))

    with mock_twilio(fallback=messaging):
        client = Client(ACCOUNT, "token")
        client.sync.v1.services("default").documents.create(unique_name="d")
        client.messaging.v1.services.create(friendly_name="sms")
        made = client.http_client._test_only_last_request
        assert (made.method, made.url) == ("POST", "https://messaging.twilio.com/v1/Services")
        assert made.data == {"FriendlyName": "sms"}


def test_a_refused_request_is_recorded_with_no_answer_as_twilio_does() -> None:
    with mock_twilio():
        client = Client(ACCOUNT, "token")
        client.sync.v1.services("default").documents.create(unique_name="d")
        with pytest.raises(NotEmulatedError):
            client.messaging.v1.services.create(friendly_name="not sync")
        made = client.http_client._test_only_last_request
        assert made.url == "https://messaging.twilio.com/v1/Services"
        assert client.http_client._test_only_last_response is None


def test_each_thread_s_client_records_its_own_request() -> None:
    names = {"left": [f"left-{n}" for n in range(150)], "right": [f"right-{n}" for n in range(150)]}
    wrong: list[tuple[str, object]] = []

    def run(side: str, client: Client) -> None:
        documents = client.sync.v1.services("default").documents
        for name in names[side]:
            documents.create(unique_name=name)
            made = client.http_client._test_only_last_request
            if made.data != {"UniqueName": name}:
                wrong.append((name, made.data))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as can be
    try:
        with mock_twilio():
            clients = {side: Client(ACCOUNT, "token") for side in names}
            threads = [
                threading.Thread(target=run, args=(side, client))
                for side, client in clients.items()
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
    finally:
        sys.setswitchinterval(interval)
    assert wrong == []


def test_a_request_while_a_block_is_being_entered_waits_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sync_core.testing.mock as mock

    client = Client(ACCOUNT, "token")
    results: list[object] = []

    def ask() -> None:
        try:
            results.append(client.sync.v1.services("default").documents.create().sid)
        except Exception as error:  # what a request racing the entry got
            results.append(error)

    patch = mock._patch

    def patch_then_ask() -> None:
        patch()  # the classes are patched; the block is not on the stack yet
        asking = threading.Thread(target=ask)
        asking.start()
        asking.join(timeout=0.2)  # it waits for the block, which waits here

    monkeypatch.setattr(mock, "_patch", patch_then_ask)
    with mock_twilio() as sync:
        for _ in range(200):
            if results:
                break
            threading.Event().wait(0.05)
        assert [type(result) for result in results] == [str]
        assert sync.services("default").documents.list()[0].sid == results[0]


def test_a_recorded_request_reads_as_a_plain_one_before_and_after_its_first_read() -> None:
    with mock_twilio():
        client = Client(ACCOUNT, "token")
        client.sync.v1.services("default").documents.create(unique_name="d")
        made = client.http_client._test_only_last_request
        assert {"method", "url", "data"} <= set(dir(made))  # dir() sets them first
        del made.auth
        assert not hasattr(made, "auth")  # deleted, as from a plain Request
        with pytest.raises(AttributeError, match="has no attribute 'nope'"):
            _ = made.nope
        client.sync.v1.services("default").documents("d").fetch()
        fresh = client.http_client._test_only_last_request
        del fresh.params  # a del before any read sets the others first
        assert fresh.method == "GET"
        assert not hasattr(fresh, "params")


def test_a_first_read_racing_another_thread_s_finds_what_it_set() -> None:
    from sync_core.adapters.twilio import sent_request

    made = sent_request("post", "https://sync.twilio.com/v1/Services", None, None, None, None)
    # Thread B's plain lookup missed "url"; thread A's first read then set every field;
    # B's __getattr__ runs after: it must find the field, not refuse it.
    assert made.method == "POST"  # A's first read
    assert made.__getattr__("url") == "https://sync.twilio.com/v1/Services"  # B's


def test_a_timeout_is_what_twilio_s_clients_make_of_it() -> None:
    heard: list[object] = []

    def elsewhere(method: str, uri: str, **kwargs: Any) -> Response:
        heard.append(kwargs["timeout"])
        return Response(201, json.dumps({"sid": "SM" + "0" * 32}))

    with mock_twilio(fallback=elsewhere) as sync:
        client = Client(ACCOUNT, "token", http_client=TwilioHttpClient(timeout=7))
        client.messaging.v1.services.create(friendly_name="sms")
        assert heard == [7]  # none given: the client's own, as TwilioHttpClient sends
        for refused in (0, -1):
            with pytest.raises(ValueError, match=str(refused)):
                client.http_client.request(
                    "GET", "https://sync.twilio.com/v1/Services", timeout=refused
                )
        assert sync.requests == []  # refused before anything was asked


def test_the_async_client_records_its_last_request() -> None:
    async def scenario() -> Any:
        client = Client(ACCOUNT, "token", http_client=AsyncTwilioHttpClient())
        await client.sync.v1.services("default").documents.create_async(unique_name="d")
        await client.http_client.close()
        return client.http_client

    with mock_twilio():
        http = asyncio.run(scenario())
        made = http._test_only_last_request
        assert isinstance(made, TwilioRequest)
        assert made.data == {"UniqueName": "d"}
        assert http._test_only_last_request is made
        assert http._test_only_last_response.status_code == 201


# -- async apps ------------------------------------------------------------------------


def _async_client() -> Client:
    return Client("AC" + "0" * 32, "token", http_client=AsyncTwilioHttpClient())


def test_coroutines_decorated_at_once_each_get_their_own_sync(
    blocked_sockets: list[object],
) -> None:
    @mock_twilio
    async def writes(name: str) -> tuple[str, list[str]]:
        client = _async_client()
        await client.sync.v1.services("default").documents.create_async(unique_name=name)
        await asyncio.sleep(0)  # the other coroutine runs meanwhile
        await client.http_client.close()
        names = current_sync().services("default").documents.list()
        return name, [str(document.unique_name) for document in names]

    async def both() -> list[tuple[str, list[str]]]:
        return list(await asyncio.gather(writes("A"), writes("B")))

    assert asyncio.run(both()) == [("A", ["A"]), ("B", ["B"])]
    assert blocked_sockets == []


def test_a_closed_aiohttp_session_is_refused_as_aiohttp_refuses_it(
    blocked_sockets: list[object],
) -> None:
    for retries in (None, 2):
        with mock_twilio() as sync:
            sync.services("default").documents.create(unique_name="d")

            async def after_close(retries: int | None = retries) -> None:
                http = AsyncTwilioHttpClient(max_retries=retries)
                client = Client("AC" + "0" * 32, "token", http_client=http)
                documents = client.sync.v1.services("default").documents
                assert (await documents("d").fetch_async()).unique_name == "d"
                await http.close()
                with pytest.raises(RuntimeError, match="Session is closed"):
                    await documents("d").fetch_async()

            asyncio.run(after_close())
            assert [entry.status for entry in sync.requests] == [200]
    assert blocked_sockets == []


def test_a_sync_client_given_an_async_fallback_fails_at_once() -> None:
    async def elsewhere(*args: Any, **kwargs: Any) -> Response:
        return Response(200, "{}")

    with mock_twilio(fallback=elsewhere):
        client = Client("AC" + "0" * 32, "token")
        with pytest.raises(TypeError, match="answered a sync client with an awaitable"):
            client.api.v2010.accounts("AC" + "0" * 32).fetch()


def test_requests_are_logged_as_twilios_clients_log_them(caplog: pytest.LogCaptureFixture) -> None:
    with mock_twilio(), caplog.at_level("INFO", logger="twilio"):
        Client("AC" + "0" * 32, "token").sync.v1.services("default").documents.create(
            unique_name="d"
        )

        async def fetch() -> None:
            client = _async_client()
            await client.sync.v1.services("default").documents("d").fetch_async()
            await client.http_client.close()

        asyncio.run(fetch())
    logged = [(record.name, record.getMessage()) for record in caplog.records]
    for name in ("twilio.http_client", "twilio.async_http_client"):
        mine = [message for logger, message in logged if logger == name]
        assert mine[0] == "-- BEGIN Twilio API Request --"
        assert any(message.startswith("Response Status Code: 20") for message in mine)


def test_a_block_entered_again_while_active_leaves_cleanly() -> None:
    sync = Sync(clock=ManualClock(), seed=2)
    shared = mock_twilio(sync)
    with shared:
        with shared:
            assert current_sync() is sync
        assert current_sync() is sync
    with pytest.raises(RuntimeError, match="no mock_twilio"):
        current_sync()


def test_twilios_logging_methods_are_called_as_twilio_calls_them() -> None:
    from unittest import mock

    with mock_twilio():
        http = TwilioHttpClient()
        client = Client("AC" + "0" * 32, "token", http_client=http)
        with (
            mock.patch.object(http, "log_request") as logged,
            mock.patch.object(http, "log_response") as answered,
        ):
            client.sync.v1.services("default").documents.create(unique_name="d")
        assert logged.call_count == answered.call_count == 1
        sent = logged.call_args.args[0]
        assert (sent["method"], sent["data"]["UniqueName"]) == ("POST", "d")
        assert answered.call_args.args[0] == 201


def test_blocks_ending_in_another_order_leave_the_environment_as_it_was() -> None:
    # Two coroutines under @mock_twilio at once: the first to begin ends first, while
    # the other still runs (and still reads TWILIO_* to build its Client).
    seen: list[str | None] = []

    @mock_twilio
    async def short() -> None:
        await asyncio.sleep(0)

    @mock_twilio
    async def long() -> None:
        await asyncio.sleep(0)
        await asyncio.sleep(0)  # short() has ended by now
        seen.append(os.environ.get("TWILIO_ACCOUNT_SID"))

    async def both() -> None:
        await asyncio.gather(short(), long())

    asyncio.run(both())
    assert seen[0] is not None
    assert seen[0].startswith("AC")
    assert "TWILIO_ACCOUNT_SID" not in os.environ
    assert "TWILIO_AUTH_TOKEN" not in os.environ


def test_a_block_entered_again_leaves_the_environment_as_it_was() -> None:
    block = mock_twilio()
    with block, block:
        assert "TWILIO_ACCOUNT_SID" in os.environ
    assert "TWILIO_ACCOUNT_SID" not in os.environ
    assert "TWILIO_AUTH_TOKEN" not in os.environ
    assert TwilioHttpClient.request is ORIGINAL


class _InheritedTests:
    """A mixin's tests, inherited by a decorated class."""

    def test_inherited(self) -> None:
        assert current_sync().services("default").documents.list() == []

    @staticmethod
    def test_static_inherited() -> None:
        Client().sync.v1.services("default").documents.create(unique_name="s")
        assert len(current_sync().services("default").documents.list()) == 1


@pytest.mark.usefixtures("blocked_sockets")  # were they not run in a block: no network
@mock_twilio
class TestADecoratedClassWithInheritedAndStaticTests(_InheritedTests):
    """Every test* method pytest collects runs in a block: inherited, static, class."""

    @staticmethod
    def test_static() -> None:
        assert current_sync().services("default").documents.list() == []

    @classmethod
    def test_class(cls) -> None:
        assert issubclass(cls, TestADecoratedClassWithInheritedAndStaticTests)
        assert current_sync().services("default").documents.list() == []


_BASE_SYNC = Sync(clock=ManualClock(), seed=21)
_SUB_SYNC = Sync(clock=ManualClock(), seed=22)
_OWN_SYNC = Sync(clock=ManualClock(), seed=23)


@mock_twilio(_BASE_SYNC)
class TestABaseClassWithASyncOfItsOwn:
    """Its tests run in its block; a decorated subclass's, in the subclass's."""

    answering: ClassVar[Sync] = _BASE_SYNC

    def test_runs_in_the_block_of_its_class_alone(self) -> None:
        from sync_core.testing import mock as mock_module

        assert current_sync() is self.answering
        assert len(mock_module._stack) == 1


@mock_twilio(_SUB_SYNC)
class TestASubclassWithASyncOfItsOwn(TestABaseClassWithASyncOfItsOwn):
    """Decorated again: its inherited test runs in its own block (its Sync), alone."""

    answering: ClassVar[Sync] = _SUB_SYNC


_LOGGED: list[str] = []


def _logged(function: Any) -> Any:
    @functools.wraps(function)
    def log(*args: Any, **kwargs: Any) -> Any:
        _LOGGED.append(function.__name__)
        return function(*args, **kwargs)

    return log


@mock_twilio
class TestAMethodWithABlockOfItsOwn:
    """A test's own @mock_twilio, under the class's, is the one that answers; a
    decorator above it still runs."""

    @_logged
    @mock_twilio(_OWN_SYNC)
    def test_keeps_its_own_block_and_the_decorator_above_it(self) -> None:
        assert current_sync() is _OWN_SYNC
        assert _LOGGED[-1] == "test_keeps_its_own_block_and_the_decorator_above_it"


@mock_twilio(_BASE_SYNC)
class ABaseTestCase(unittest.TestCase):
    answering: ClassVar[Sync] = _BASE_SYNC

    def test_runs_in_the_block_of_its_class_alone(self) -> None:
        from sync_core.testing import mock as mock_module

        assert current_sync() is self.answering
        assert len(mock_module._stack) == 1


@mock_twilio(_SUB_SYNC)
class ASubTestCase(ABaseTestCase):
    answering: ClassVar[Sync] = _SUB_SYNC


def test_the_mixin_itself_is_left_as_it_was() -> None:
    assert not hasattr(_InheritedTests.test_inherited, "__wrapped__")
    static = inspect.getattr_static(_InheritedTests, "test_static_inherited")
    assert isinstance(static, staticmethod)
    assert not hasattr(static.__func__, "__wrapped__")
    decorated = inspect.getattr_static(
        TestADecoratedClassWithInheritedAndStaticTests, "test_static_inherited"
    )
    assert isinstance(decorated, staticmethod)
    assert getattr(decorated.__func__, "__wrapped__", None) is static.__func__


def test_an_inner_block_without_a_fallback_refuses_the_outer_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent = caught_sends(monkeypatch)
    http = TwilioHttpClient()
    app = Client(ACCOUNT, "token", http_client=http)
    with mock_twilio(fallback=http):
        # The innermost answers: it has no fallback.
        with mock_twilio(), pytest.raises(NotEmulatedError, match="Messaging"):
            app.messaging.v1.services.create(friendly_name="sms")
        assert sent == []
        app.messaging.v1.services.create(friendly_name="sms")  # the outer one's again
    assert sent == ["POST https://messaging.twilio.com/v1/Services"]


@pytest.mark.usefixtures("blocked_sockets")
def test_a_header_http_client_cannot_send_is_refused_before_anything_is_sent() -> None:
    # http.client puts a header value as Latin-1 (HTTPConnection.putheader): an app's
    # user_agent_extensions entry outside it fails every request of that app.
    with mock_twilio() as sync:
        client = Client(user_agent_extensions=["app-\u2615"])
        with pytest.raises(UnicodeEncodeError, match="latin-1"):
            client.sync.v1.services("default").documents.create(unique_name="d")
        with pytest.raises(UnicodeEncodeError, match="latin-1"):
            Client().sync.v1.services("default").documents("d").update(if_match="\u2615")
        assert sync.requests == []
        assert Client(user_agent_extensions=["app-\xe9"]).sync.v1.services.list() == []
        assert len(sync.requests) == 1  # Latin-1 goes


@pytest.mark.usefixtures("blocked_sockets")
def test_a_client_on_oauth_credentials_is_given_a_token_and_answered() -> None:
    # twilio's ClientCredentialProvider asks POST https://oauth.twilio.com/v2/token
    # (its own Client()) before the first request: answered in-process as Twilio's docs
    # show it (credentials are not checked), so its Sync requests come.
    from twilio.credential.client_credential_provider import ClientCredentialProvider

    with mock_twilio() as sync:
        provider = ClientCredentialProvider("client-id", "client-secret")
        client = Client(account_sid=ACCOUNT, credential_provider=provider)
        made = client.sync.v1.services.create(friendly_name="oauth")
        assert sync.services(made.sid).fetch().friendly_name == "oauth"
        client.sync.v1.services(made.sid).fetch()  # the same token, asked once
        assert [entry.method for entry in sync.requests] == ["POST", "GET"]
        token = provider.auth_strategy.token
        assert provider.auth_strategy.is_token_expired(token) is False
    with pytest.raises(NotEmulatedError, match="Messaging"):  # still Sync only
        SyncHttpClient(Sync()).request("POST", "https://messaging.twilio.com/v1/Services")
    answer = SyncHttpClient(Sync()).request("POST", "https://oauth.twilio.com/v2/token")
    assert answer.status_code == 200
    assert json.loads(answer.text)["token_type"] == "Bearer"


@pytest.mark.usefixtures("blocked_sockets")
def test_an_apps_response_hooks_run_as_requests_runs_them() -> None:
    # TwilioHttpClient(request_hooks=...) hands them to requests, which calls each
    # with the response (a hook's return value replacing it); so do the session's.
    seen: list[tuple[str, int, str]] = []

    def meter(response: requests.Response, **kwargs: Any) -> None:
        seen.append((response.request.method or "", response.status_code, response.url))
        assert "timeout" in kwargs

    def rewrite(response: requests.Response, **kwargs: Any) -> requests.Response:
        response.headers["X-Seen-By"] = "hook"
        return response

    http = TwilioHttpClient(request_hooks={"response": [meter]})
    http.session.hooks["response"].append(rewrite)  # replaced by the request's (merge_hooks)
    on_session = TwilioHttpClient(request_hooks={"response": []})
    on_session.session.hooks["response"].append(rewrite)  # the request has none: these run
    with mock_twilio():
        client = Client(ACCOUNT, "token", http_client=http)
        client.sync.v1.services("default").documents.create(unique_name="d")
        with pytest.raises(TwilioRestException):
            client.sync.v1.services("default").documents("nope").fetch()
        Client(ACCOUNT, "token", http_client=on_session).sync.v1.services.list()
    assert [(method, status) for method, status, _ in seen] == [("POST", 201), ("GET", 404)]
    assert seen[0][2] == "https://sync.twilio.com/v1/Services/default/Documents"
    assert "X-Seen-By" not in http._test_only_last_response.headers
    assert on_session._test_only_last_response.headers["X-Seen-By"] == "hook"


@pytest.fixture
@mock_twilio
def answered_fixture() -> Iterator[Sync]:
    """A yield fixture under @mock_twilio: its block lasts from setup to teardown."""
    client = Client()
    client.sync.v1.services("default").documents.create(unique_name="from the fixture")
    yield current_sync()
    client.sync.v1.services("default").documents("from the fixture").delete()


def test_a_yield_fixture_under_mock_twilio_keeps_its_block_until_its_teardown(
    answered_fixture: Sync,
) -> None:
    assert current_sync() is answered_fixture
    made = Client().sync.v1.services("default").documents("from the fixture").fetch()
    assert made.unique_name == "from the fixture"


def test_a_generator_under_mock_twilio_keeps_its_block_until_it_is_closed() -> None:
    torn_down: list[Sync] = []

    @mock_twilio
    def fixture() -> Generator[Sync, None, None]:
        Client().sync.v1.services("default").documents.create(unique_name="d")
        yield current_sync()
        Client().sync.v1.services("default").documents("d").delete()
        torn_down.append(current_sync())

    running = fixture()
    answering = next(running)
    assert current_sync() is answering
    running.close()  # as pytest ends a yield fixture: a GeneratorExit at the yield
    assert torn_down == []  # closed: the code after the yield does not run
    running = fixture()
    answering = next(running)
    with pytest.raises(StopIteration):
        next(running)  # as pytest tears a yield fixture down
    assert torn_down == [answering]
    assert answering.services("default").documents.list() == []
    assert TwilioHttpClient.request is ORIGINAL


def test_an_async_generator_under_mock_twilio_keeps_its_block_while_it_runs() -> None:
    @mock_twilio
    async def documents() -> AsyncIterator[str]:
        client = Client(http_client=AsyncTwilioHttpClient())
        for name in ("a", "b"):
            made = await client.sync.v1.services("default").documents.create_async(unique_name=name)
            yield made.unique_name
        assert [d.unique_name for d in current_sync().services("default").documents.list()] == [
            "a",
            "b",
        ]

    async def scenario() -> list[str]:
        return [name async for name in documents()]

    assert asyncio.run(scenario()) == ["a", "b"]
    assert TwilioHttpClient.request is ORIGINAL


def test_mock_twilio_above_pytest_fixture_is_refused() -> None:
    def made() -> None:
        return None

    with pytest.raises(TypeError, match="below"):
        mock_twilio(pytest.fixture(made))


@mock_twilio(_BASE_SYNC)
class AnOwnSetUpBase(unittest.TestCase):
    def setUp(self) -> None:
        self.base_saw = current_sync()


class AnOwnSetUpChild(AnOwnSetUpBase):
    """Not decorated; its own setUp runs code before calling super().setUp()."""

    def setUp(self) -> None:
        self.child_saw = current_sync()  # inside the block already
        Client().sync.v1.services("default").fetch()
        super().setUp()

    def test_one_block_from_the_first_line_of_set_up(self) -> None:
        from sync_core.testing import mock as mock_module

        assert self.child_saw is self.base_saw is current_sync() is _BASE_SYNC
        assert len(mock_module._stack) == 1


@mock_twilio(_SUB_SYNC)
class AnOwnSetUpDecoratedChild(AnOwnSetUpBase):
    def setUp(self) -> None:
        self.child_saw = current_sync()
        super().setUp()

    def test_its_own_block_alone(self) -> None:
        from sync_core.testing import mock as mock_module

        assert self.child_saw is self.base_saw is current_sync() is _SUB_SYNC
        assert len(mock_module._stack) == 1


@pytest.mark.usefixtures("blocked_sockets")  # were a set-up line outside a block: no network
def test_a_subclass_set_up_calling_super_runs_in_one_block_from_its_first_line() -> None:
    result = unittest.TestResult()
    for case in (AnOwnSetUpChild, AnOwnSetUpDecoratedChild):
        unittest.defaultTestLoader.loadTestsFromTestCase(case).run(result)
    assert (result.testsRun, result.failures, result.errors) == (2, [], [])


_EXAMPLES: list[Sync] = []


@mock_twilio
@settings(max_examples=5, database=None)
@given(n=st.integers(0, 3))
def test_each_hypothesis_example_under_mock_twilio_runs_on_a_fresh_sync(n: int) -> None:
    Client().sync.v1.services("default").documents.create(unique_name="once")  # 409 if shared
    assert all(current_sync() is not seen for seen in _EXAMPLES)
    _EXAMPLES.append(current_sync())


@mock_twilio
class TestHypothesisInADecoratedClass:
    @settings(max_examples=5, database=None)
    @given(n=st.integers(0, 3))
    def test_each_example_runs_on_a_fresh_sync(self, n: int) -> None:
        Client().sync.v1.services("default").documents.create(unique_name="once")
        assert all(current_sync() is not seen for seen in _EXAMPLES)
        _EXAMPLES.append(current_sync())


def test_a_fallback_handing_on_in_another_thread_sends_with_its_context_or_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In a worker thread the request handed to a real client comes back to the
    fallback (the thread has not the context that says it is being forwarded): run
    there in the fallback's own context, it is sent once; without, it is refused once
    it came back 256 times (also when the fallback copies what it hands on), rather
    than spun in new threads for ever."""
    sent = caught_sends(monkeypatch)
    real = TwilioHttpClient()

    def in_context(method: str, url: str, **kwargs: Any) -> Any:
        context = contextvars.copy_context()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(lambda: context.run(real.request, method, url, **kwargs)).result()

    with mock_twilio(fallback=in_context):
        assert Client().messaging.v1.services.create(friendly_name="sms").sid == "MG" + "0" * 32
    assert sent == ["POST https://messaging.twilio.com/v1/Services"]
    calls: list[str] = []

    def in_a_bare_thread(method: str, url: str, **kwargs: Any) -> Any:
        calls.append(url)
        copied = {**kwargs, "headers": {**(kwargs.get("headers") or {}), "X-Hop": "1"}}
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(real.request, method, url, **copied).result()

    with (
        mock_twilio(fallback=in_a_bare_thread),
        pytest.raises(RuntimeError, match="came back to the fallback 256 times"),
    ):
        Client().messaging.v1.services.create(friendly_name="sms")
    assert len(calls) == 256
    assert sent == ["POST https://messaging.twilio.com/v1/Services"]  # nothing more went


def test_an_async_generator_under_mock_twilio_is_sent_and_thrown_to_as_it_is() -> None:
    @mock_twilio
    async def echo() -> AsyncGenerator[str, str]:
        received = "start"
        while True:
            try:
                received = yield f"{received} in {current_sync().account_sid[:2]}"
            except ValueError as error:
                received = f"caught {error}"

    async def scenario() -> list[str]:
        running = echo()
        heard = [await running.__anext__(), await running.asend("one")]
        heard.append(await running.athrow(ValueError("two")))
        await running.aclose()
        return heard

    assert asyncio.run(scenario()) == ["start in AC", "one in AC", "caught two in AC"]


def test_a_decorated_test_case_debugged_runs_in_a_block() -> None:
    @mock_twilio
    class Debugged(unittest.TestCase):
        def test_runs_in_a_block(self) -> None:
            assert current_sync().services("default").documents.list() == []

    Debugged("test_runs_in_a_block").debug()  # unittest's debug(): no run()


class _UndecoratedHypothesisBase:
    @settings(max_examples=4, database=None)
    @given(n=st.integers(0, 3))
    def test_inherited_examples_each_run_on_a_fresh_sync(self, n: int) -> None:
        Client().sync.v1.services("default").documents.create(unique_name="once")


@mock_twilio
class TestInheritedHypothesisTests(_UndecoratedHypothesisBase):
    pass


_RAN: list[int] = []


@settings(max_examples=3, database=None)
@example(n=-12345)
@mock_twilio
@given(n=st.integers(0, 100))
def test_settings_and_examples_above_mock_twilio_still_apply(n: int) -> None:
    Client().sync.v1.services("default").documents.create(unique_name="once")
    _RAN.append(n)


def test_the_settings_and_the_example_above_were_read() -> None:
    _RAN.clear()
    test_settings_and_examples_above_mock_twilio_still_apply()
    assert -12345 in _RAN
    assert len(_RAN) <= 3 + 1  # max_examples=3, and the explicit example


def test_many_requests_in_fallbacks_hands_at_once_are_each_answered() -> None:
    """200 requests for another product at once, each awaiting its (async) fallback:
    none is taken for one coming back to it, whatever their number."""

    async def slow_fallback(method: str, url: str, **kwargs: Any) -> Response:
        await asyncio.sleep(0.01)
        return Response(201, json.dumps({"sid": "MG" + "0" * 32}))

    async def scenario() -> list[str]:
        http = AsyncTwilioHttpClient()
        client = Client(ACCOUNT, "token", http_client=http)
        try:
            made = await asyncio.gather(
                *(
                    client.messaging.v1.services.create_async(friendly_name=f"sms{n}")
                    for n in range(200)
                )
            )
        finally:
            await http.close()
        return [service.sid for service in made]

    with mock_twilio(fallback=slow_fallback):
        assert asyncio.run(scenario()) == ["MG" + "0" * 32] * 200
