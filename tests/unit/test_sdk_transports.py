"""What the twilio SDK's transports do around a request, done the same under sync_core.

Each test compares with what twilio's own HTTP clients (``requests`` under
``TwilioHttpClient``, aiohttp under ``AsyncTwilioHttpClient``, twilio's
``ValidationClient``) do: the answer's headers, a refused header, the request an
injected timeout holds, how ``auth`` is recorded, the URL as sent, and that no request
leaves the process.
"""

from __future__ import annotations

import asyncio
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.validation_client import ValidationClient
from twilio.rest import Client

from sync_core import ManualClock, Sync
from sync_core.adapters.twilio import AsyncSyncHttpClient, SyncHttpClient, as_sent, as_sent_async
from sync_core.testing import mock_twilio

ACCOUNT = "AC" + "1" * 32
KEY_SID = "SK" + "1" * 32
CREDENTIAL = "CR" + "1" * 32


#: No TWILIO_* variable of the machine leaks in (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("no_twilio_environment")


@pytest.fixture(scope="module")
def private_key() -> bytes:
    """An RSA key a ValidationClient signs with (made once: it takes a moment)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def _client(http_client: Any) -> Client:
    return Client(ACCOUNT, "token", http_client=http_client)


# -- twilio's ValidationClient ---------------------------------------------------------


def test_a_validation_client_is_answered_in_process(
    blocked_sockets: list[object], private_key: bytes
) -> None:
    with mock_twilio() as sync:
        validating = ValidationClient(sync.account_sid, KEY_SID, CREDENTIAL, private_key)
        client = Client(KEY_SID, "secret", sync.account_sid, http_client=validating)
        made = client.sync.v1.services("default").documents.create(
            unique_name="signed", data={"a": 1}
        )
        assert sync.services("default").documents("signed").fetch().sid == made.sid
        assert [entry.status for entry in sync.requests] == [201]
    assert blocked_sockets == []


def test_a_validation_client_that_cannot_sign_fails_as_it_would_and_writes_nothing(
    blocked_sockets: list[object],
) -> None:
    with mock_twilio() as sync:
        validating = ValidationClient(sync.account_sid, KEY_SID, CREDENTIAL, "not a key")
        client = Client(KEY_SID, "secret", sync.account_sid, http_client=validating)
        documents = client.sync.v1.services("default").documents
        with pytest.raises(jwt.exceptions.InvalidKeyError):  # PyJWT's, as it signs
            documents.create(unique_name="signed")
        assert list(sync.services("default").documents.stream()) == []
        assert sync.requests == []
    assert blocked_sockets == []


def test_a_validation_client_as_the_fallback_still_sends_other_products(
    blocked_sockets: list[object], private_key: bytes
) -> None:
    validating = ValidationClient(ACCOUNT, KEY_SID, CREDENTIAL, private_key)
    with mock_twilio(fallback=validating) as sync:
        client = Client(KEY_SID, "secret", ACCOUNT, http_client=validating)
        client.sync.v1.services("default").documents.create(unique_name="kept")
        assert blocked_sockets == []  # Sync's: answered here
        with pytest.raises(requests.exceptions.ConnectionError):
            client.api.v2010.accounts(ACCOUNT).fetch()
        assert blocked_sockets != []  # the other product's: really sent (and blocked)
        assert sync.services("default").documents("kept").fetch().unique_name == "kept"


# -- the fallback's own Sync requests ----------------------------------------------------


def test_the_fallbacks_own_sync_requests_are_answered_in_process(
    blocked_sockets: list[object],
) -> None:
    app_http = TwilioHttpClient()  # the app's one client, also the test's fallback
    with mock_twilio(fallback=app_http) as sync:
        client = _client(app_http)
        client.sync.v1.services("default").documents.create(unique_name="d")
        assert sync.services("default").documents("d").fetch().revision == "0"
        assert blocked_sockets == []
        with pytest.raises(requests.exceptions.ConnectionError):
            client.api.v2010.accounts(ACCOUNT).fetch()  # another product: it sends
        assert blocked_sockets != []


def test_the_async_fallbacks_own_sync_requests_are_answered_in_process(
    blocked_sockets: list[object],
) -> None:
    async def scenario() -> str:
        app_http = AsyncTwilioHttpClient()
        try:
            with mock_twilio(fallback=app_http) as sync:
                client = _client(app_http)
                await client.sync.v1.services("default").documents.create_async(unique_name="d")
                return sync.services("default").documents("d").fetch().unique_name or ""
        finally:
            await app_http.close()

    assert asyncio.run(scenario()) == "d"
    assert blocked_sockets == []


# -- the answer's headers ----------------------------------------------------------------


def test_the_answers_headers_are_read_case_insensitively_as_requests_and_aiohttp_give_them() -> (
    None
):
    http = SyncHttpClient(Sync(clock=ManualClock(), seed=1))
    client = _client(http)
    client.sync.v1.services("default").documents.create(unique_name="d")
    answered = http._test_only_last_response
    assert answered is not None
    headers = answered.headers
    assert headers["etag"] == headers["ETag"] == headers["ETAG"] == "0"
    assert headers.get("content-type") == "application/json"
    assert headers.get("x-missing", "none") == "none"
    assert "etag" in headers
    assert "X-Missing" not in headers
    with pytest.raises(KeyError):
        headers["x-missing"]
    # *_with_http_info hands them on as twilio's Version does: dict(response.headers).
    answer = client.sync.v1.services("default").documents("d").fetch_with_http_info()
    assert answer.headers == {"Content-Type": "application/json", "ETag": "0"}
    asynchronous = AsyncSyncHttpClient(Sync(clock=ManualClock(), seed=1))
    documents = _client(asynchronous).sync.v1.services("default").documents
    asyncio.run(documents.create_async(unique_name="d"))
    answered = asynchronous._test_only_last_response
    assert answered is not None
    assert answered.headers["etag"] == "0"


def test_under_mock_twilio_the_recorded_answer_has_requests_headers() -> None:
    with mock_twilio():
        client = Client()
        client.sync.v1.services("default").documents.create(unique_name="d")
        answered = client.http_client._test_only_last_response
        assert answered is not None
        assert answered.headers["etag"] == "0"


# -- a header the HTTP library refuses --------------------------------------------------


@pytest.mark.parametrize("if_match", [0, "1\r\nX-Injected: yes", " 1"])
def test_a_header_requests_refuses_is_refused_before_anything_is_sent(if_match: object) -> None:
    sync = Sync(clock=ManualClock(), seed=1)
    http = SyncHttpClient(sync)
    client = _client(http)
    document = client.sync.v1.services("default").documents.create(unique_name="d")
    sync.journal.clear()
    with pytest.raises(requests.exceptions.InvalidHeader):
        document.update(data={"a": 1}, if_match=if_match)
    assert sync.services("default").documents("d").fetch().revision == "0"  # unchanged
    assert sync.requests == []  # nothing reached the service
    recorded = http._test_only_last_request  # recorded first, as requests' client does
    assert recorded is not None
    assert recorded.headers["If-Match"] == if_match
    assert http._test_only_last_response is None


def test_a_header_aiohttp_refuses_is_refused_as_aiohttp_refuses_it() -> None:
    sync = Sync(clock=ManualClock(), seed=1)
    client = _client(AsyncSyncHttpClient(sync))
    documents = client.sync.v1.services("default").documents
    asyncio.run(documents.create_async(unique_name="d"))
    sync.journal.clear()
    with pytest.raises(TypeError, match="Cannot serialize non-str key 0"):
        asyncio.run(documents("d").update_async(data={"a": 1}, if_match=0))
    with pytest.raises(ValueError, match="Forbidden control character"):
        asyncio.run(documents("d").update_async(data={"a": 1}, if_match="1\nX: y"))
    assert sync.services("default").documents("d").fetch().revision == "0"
    assert sync.requests == []


def test_under_mock_twilio_a_refused_header_is_requests_refusal() -> None:
    with mock_twilio() as sync:
        client = Client()
        client.sync.v1.services("default").documents.create(unique_name="d")
        with pytest.raises(requests.exceptions.InvalidHeader):
            client.sync.v1.services("default").documents("d").update(data={}, if_match=7)
        assert sync.services("default").documents("d").fetch().revision == "0"
        assert [entry.status for entry in sync.requests] == [201]


# -- an injected timeout ------------------------------------------------------------------


def test_an_injected_timeout_holds_the_request_as_requests_prepared_it() -> None:
    sync = Sync(clock=ManualClock(), seed=1)
    client = _client(SyncHttpClient(sync))
    sync.faults.inject(timeout=True, times=1)
    with pytest.raises(requests.exceptions.ReadTimeout) as timed_out:
        client.sync.v1.services("default").documents.create(unique_name="d", data={"a": 1})
    prepared = timed_out.value.request
    assert isinstance(prepared, requests.PreparedRequest)
    assert prepared.method == "POST"
    assert prepared.url == "https://sync.twilio.com/v1/Services/default/Documents"
    assert prepared.body == "UniqueName=d&Data=%7B%22a%22%3A+1%7D"
    assert str(prepared.headers["Authorization"]).startswith("Basic ")
    assert list(sync.services("default").documents.stream()) == []


# -- the async client's recorded auth -----------------------------------------------------


def test_the_async_client_records_auth_as_aiohttps_basic_auth() -> None:
    from aiohttp import BasicAuth

    http = AsyncSyncHttpClient(Sync(clock=ManualClock(), seed=1))
    client = _client(http)
    asyncio.run(client.sync.v1.services("default").fetch_async())
    recorded = http._test_only_last_request
    assert recorded is not None
    auth = recorded.auth
    assert isinstance(auth, BasicAuth)
    assert (auth.login, auth.password, auth.encoding) == (ACCOUNT, "token", "latin1")

    async def under_the_mock() -> Any:
        with mock_twilio():
            mocked = AsyncTwilioHttpClient()
            try:
                await _client(mocked).sync.v1.services("default").fetch_async()
                recorded = mocked._test_only_last_request
                assert recorded is not None
                return recorded.auth
            finally:
                await mocked.close()

    recorded = asyncio.run(under_the_mock())
    assert isinstance(recorded, BasicAuth)
    assert (recorded.login, recorded.password) == (ACCOUNT, "token")


# -- the URL as sent ----------------------------------------------------------------------


def test_brackets_are_percent_encoded_as_urllib3_and_yarl_send_them() -> None:
    url = "https://sync.twilio.com/v1/Services/default/Maps/m/Items/a[1]"
    assert as_sent(url).endswith("/Items/a%5B1%5D")
    assert as_sent_async(url).endswith("/Items/a%5B1%5D")
    sync = Sync(clock=ManualClock(), seed=1)
    client = _client(SyncHttpClient(sync))
    sync_map = client.sync.v1.services("default").sync_maps.create(unique_name="m")
    sync_map.sync_map_items.create(key="a[1]", data={})
    assert client.sync.v1.services("default").sync_maps("m").sync_map_items("a[1]").fetch().key
    assert sync.requests[-1].url.endswith("/Items/a%5B1%5D")


# -- the journal's query --------------------------------------------------------------------


def test_the_journal_writes_a_next_page_urls_own_parameters_as_its_query() -> None:
    sync = Sync(clock=ManualClock(), seed=1)
    client = _client(SyncHttpClient(sync))
    for n in range(3):
        sync.services("default").documents.create(unique_name=f"d{n}")
    sync.journal.clear()
    names = [d.unique_name for d in client.sync.v1.services("default").documents.list(page_size=2)]
    assert names == ["d0", "d1", "d2"]
    first, second = sync.requests
    assert first.query == {"PageSize": "2"}
    assert second.query["PageSize"] == "2"
    assert second.query["Page"] == "1"
    assert "PageToken" in second.query


# -- the client's own retries -------------------------------------------------------------


def _statuses(sync: Sync) -> list[int]:
    return [entry.status for entry in sync.requests]


def test_a_clients_max_retries_retries_a_timed_out_read_as_requests_does() -> None:
    with mock_twilio() as sync:
        sync.services("default").documents.create(unique_name="d")
        client = _client(TwilioHttpClient(max_retries=2))
        document = client.sync.v1.services("default").documents("d")
        sync.journal.clear()
        sync.faults.inject(timeout=True, operation="fetch", times=1)
        assert document.fetch().unique_name == "d"  # the second try is answered
        assert _statuses(sync) == [0, 200]
        sync.journal.clear()
        sync.faults.inject(timeout=True, operation="fetch")  # every try times out
        with pytest.raises(requests.exceptions.ConnectionError) as exhausted:
            document.fetch()
        assert not isinstance(exhausted.value, requests.exceptions.ReadTimeout)
        assert exhausted.value.request is not None
        assert _statuses(sync) == [0, 0, 0]  # the first try and two retries
        sync.faults.clear()


def test_a_timed_out_post_is_never_retried_and_a_client_without_retries_retries_nothing() -> None:
    with mock_twilio() as sync:
        documents = _client(TwilioHttpClient(max_retries=2)).sync.v1.services("default").documents
        sync.faults.inject(timeout=True, operation="create", times=1)
        with pytest.raises(requests.exceptions.ReadTimeout):
            documents.create(unique_name="d")  # a POST: urllib3 does not retry it
        assert list(sync.services("default").documents.stream()) == []
        assert _statuses(sync) == [0]
        sync.journal.clear()
        sync.services("default").documents.create(unique_name="d")
        plain = _client(TwilioHttpClient()).sync.v1.services("default").documents("d")
        sync.faults.inject(timeout=True, operation="fetch", times=1)
        with pytest.raises(requests.exceptions.ReadTimeout):
            plain.fetch()  # twilio's default: no retry
        assert _statuses(sync) == [0]


def test_an_adapter_the_app_mounts_retries_its_statuses() -> None:
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    with mock_twilio() as sync:
        http = TwilioHttpClient()
        retry = Retry(total=3, status_forcelist=[503], allowed_methods=None, backoff_factor=0)
        http.session.mount("https://", HTTPAdapter(max_retries=retry))
        documents = _client(http).sync.v1.services("default").documents
        sync.faults.inject(status=503, operation="create", times=2)
        assert documents.create(unique_name="d").unique_name == "d"
        assert _statuses(sync) == [503, 503, 201]
        sync.journal.clear()
        sync.faults.inject(status=503, operation="create")
        with pytest.raises(requests.exceptions.RetryError):
            documents.create(unique_name="e")
        assert _statuses(sync) == [503, 503, 503, 503]
        sync.faults.clear()
        assert [d.unique_name for d in sync.services("default").documents.stream()] == ["d"]
        # A status it does not list is the SDK's error at once.
        sync.faults.inject(status=500, operation="create", times=1)
        sync.journal.clear()
        with pytest.raises(TwilioRestException):
            documents.create(unique_name="f")
        assert _statuses(sync) == [500]


def test_the_async_clients_max_retries_retries_server_errors_as_aiohttp_retry_does() -> None:
    from aiohttp_retry import ExponentialRetry

    async def scenario() -> tuple[str, list[int], list[int], list[int]]:
        with mock_twilio() as sync:
            http = AsyncTwilioHttpClient(max_retries=3)
            try:
                documents = _client(http).sync.v1.services("default").documents
                sync.faults.inject(status=503, operation="create", times=1)
                made = await documents.create_async(unique_name="d")  # POST retried too
                first = _statuses(sync)
                sync.journal.clear()
                # Exhausted: the last answer, the SDK's error (quicker waits here).
                http.session._retry_options = ExponentialRetry(attempts=3, start_timeout=0.001)
                sync.faults.inject(status=503, operation="fetch")
                with pytest.raises(TwilioRestException):
                    await documents("d").fetch_async()
                exhausted = _statuses(sync)
                sync.faults.clear()
                sync.journal.clear()
                sync.faults.inject(timeout=True, operation="fetch", times=1)
                with pytest.raises(asyncio.TimeoutError):
                    await documents("d").fetch_async()  # an exception: not retried
                return made.unique_name or "", first, exhausted, _statuses(sync)
            finally:
                await http.close()

    name, first, exhausted, timed_out = asyncio.run(scenario())
    assert name == "d"
    assert first == [503, 201]
    assert exhausted == [503, 503, 503]
    assert timed_out == [0]


def test_text_that_is_no_utf8_fails_in_process_as_over_a_socket() -> None:
    sync = Sync(clock=ManualClock(), seed=4)
    items = sync.services("default").sync_maps.create(unique_name="m").sync_map_items
    items.create(key="a\ufffd", data={"kept": True})  # what a lenient decoding would name
    before = sync.export_state()
    http = SyncHttpClient(sync)
    sdk = _client(http).sync.v1.services("default").sync_maps("m").sync_map_items
    # A form or a query holding a lone surrogate: requests (and aiohttp) cannot encode
    # it, and raise before sending anything.
    with pytest.raises(UnicodeEncodeError):
        sdk.create(key="\ud800", data={})
    with pytest.raises(UnicodeEncodeError):
        sdk.list(from_="\ud800")
    # An escape of a byte that is not UTF-8, in a path or a query: 400/20001, as the HTTP
    # apps answer it, never another item (a%E9 read as a\ufffd).
    for method in ("GET", "POST", "DELETE"):
        answer = http.api.handle(
            method, "/v1/Services/default/Maps/m/Items/a%E9", data={"Data": "{}"}
        )
        assert (answer.status, answer.body and answer.body["code"]) == (400, 20001)
    listing = http.api.handle("GET", "/v1/Services/default/Maps/m/Items?From=%E9")
    assert (listing.status, listing.body and listing.body["code"]) == (400, 20001)
    with pytest.raises(TwilioRestException) as refused:
        sdk("a%E9").fetch()
    assert (refused.value.status, refused.value.code) == (400, 20001)
    with pytest.raises(TwilioRestException) as odd_path:
        _client(http).sync.v1.services("default").documents("\ud800").fetch()
    assert (odd_path.value.status, odd_path.value.code) == (400, 20001)
    assert sync.export_state() == before
