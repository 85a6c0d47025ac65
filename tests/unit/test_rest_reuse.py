"""What the REST adapter and ``SyncHttpClient`` make once and reuse, and what they make
late, answer as if everything were made afresh on every request.

A URL's parse and route are kept per URL (shared by every ``RestApi``, whichever Sync
answers), the SDK's URLs as sent are kept, journal entries are made when read, and the
client's ``_test_only_last_request`` when first read. None of it may leak one Sync's
state, one API's ``base_url`` or one request's parameters into another.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from support import not_found
from twilio.http.request import Request as TwilioRequest
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

from sync_core import ManualClock, Sync
from sync_core.adapters.rest import RestApi
from sync_core.adapters.twilio import AsyncSyncHttpClient, NotEmulatedError, SyncHttpClient
from sync_core.journal import Journal, JournalEntry

pytestmark = pytest.mark.usefixtures("no_network")

ACCOUNT = "AC" + "0" * 32
DOCUMENT = "https://sync.twilio.com/v1/Services/default/Documents/notes"
DOCUMENTS = "https://sync.twilio.com/v1/Services/default/Documents"


def make_sync(seed: int) -> Sync:
    return Sync(clock=ManualClock(), seed=seed)


def client_on(http: SyncHttpClient) -> Any:
    return Client(ACCOUNT, "token", http_client=http, environment={"TWILIO_REGION": ""})


def test_the_same_url_on_two_syncs_reads_each_ones_own_state() -> None:
    first, second = make_sync(1), make_sync(2)
    api_first, api_second = RestApi(first), RestApi(second)
    made = api_first.handle("POST", DOCUMENTS, data={"UniqueName": "notes", "Data": '{"a": 1}'})
    assert made.status == 201
    # The same URL, parsed once, answered by each API from its own Sync.
    assert api_first.handle("GET", DOCUMENT).body == made.body
    missing = api_second.handle("GET", DOCUMENT)
    assert (missing.status, missing.body) == (
        404,
        {
            "code": 20404,
            "message": not_found("/Services/default/Documents/notes"),
            "more_info": "https://www.twilio.com/docs/errors/20404",
            "status": 404,
        },
    )
    assert second.services("default").documents.list() == []  # the refusal changed nothing
    # Made in the second Sync now: its own record (another sid), the first one's unchanged.
    made_second = api_second.handle("POST", DOCUMENTS, data={"UniqueName": "notes"})
    assert made_second.body is not None
    assert made.body is not None
    assert made_second.body["sid"] != made.body["sid"]
    assert api_second.handle("GET", DOCUMENT).body == made_second.body
    assert api_first.handle("GET", DOCUMENT).body == made.body


def test_the_same_url_under_two_base_urls_answers_each_ones_urls() -> None:
    sync = make_sync(3)
    plain, served = RestApi(sync), RestApi(sync, base_url="http://127.0.0.1:8000")
    plain.handle("POST", DOCUMENTS, data={"UniqueName": "notes"})
    for _ in range(2):  # the second time from what was kept
        mine = served.handle("GET", "/v1/Services/default/Documents/notes").body
        theirs = plain.handle("GET", "/v1/Services/default/Documents/notes").body
        assert mine is not None
        assert theirs is not None
        assert mine["url"] == f"http://127.0.0.1:8000/v1/Services/{mine['service_sid']}" + (
            f"/Documents/{mine['sid']}"
        )
        assert theirs["url"] == mine["url"].replace(
            "http://127.0.0.1:8000", "https://sync.twilio.com"
        )
        listed = served.handle("GET", "/v1/Services/default/Documents").body
        assert listed is not None
        assert listed["meta"]["url"].startswith("http://127.0.0.1:8000/v1/Services/default/")
        listed = plain.handle("GET", "/v1/Services/default/Documents").body
        assert listed is not None
        assert listed["meta"]["url"].startswith("https://sync.twilio.com/v1/Services/default/")


def test_a_urls_own_query_is_read_afresh_and_never_takes_a_requests_parameters() -> None:
    sync = make_sync(4)
    api = RestApi(sync)
    for name in ("a", "b", "c"):
        api.handle("POST", DOCUMENTS, data={"UniqueName": name})
    url = f"{DOCUMENTS}?Page=0"

    def page_size(**params: str) -> int:
        body = api.handle("GET", url, params=params or None).body
        assert body is not None
        size: int = body["meta"]["page_size"]
        assert len(body["documents"]) == min(size, 3)
        return size

    assert page_size() == 50
    assert page_size(PageSize="2") == 2  # the request's parameter, beside the URL's own
    assert page_size() == 50  # and not kept for the next request
    assert page_size(PageSize="1") == 1
    # The journal keeps the query parameters each request sent: the URL's own and the
    # request's (as over HTTP, where they all come in the query string).
    assert [entry.query for entry in sync.requests[-4:]] == [
        {"Page": "0"},
        {"Page": "0", "PageSize": "2"},
        {"Page": "0"},
        {"Page": "0", "PageSize": "1"},
    ]
    assert all(entry.url == url for entry in sync.requests[-4:])
    # A name in both: the URL's own, first on the wire, is the one read.
    both = api.handle("GET", url, params={"Page": "7"}).body
    assert both is not None
    assert both["meta"]["page"] == 0


def test_a_refused_url_is_refused_again_and_a_wrong_method_names_the_routes_methods() -> None:
    sync = make_sync(5)
    api = RestApi(sync)
    for _ in range(2):
        missing = api.handle("GET", "https://sync.twilio.com/v1/Services/default/Nothing")
        assert (missing.status, missing.body and missing.body["code"]) == (404, 20404)
        wrong = api.handle("PUT", DOCUMENT)
        assert (wrong.status, wrong.body and wrong.body["code"]) == (405, 20004)
        assert api.handle("GET", DOCUMENT).status == 404  # the route kept, the state read
    api.handle("POST", DOCUMENTS, data={"UniqueName": "notes"})
    assert api.handle("GET", DOCUMENT).status == 200
    assert [(entry.method, entry.status) for entry in sync.requests] == [
        ("GET", 404),
        ("PUT", 405),
        ("GET", 404),
        ("GET", 404),
        ("PUT", 405),
        ("GET", 404),
        ("POST", 201),
        ("GET", 200),
    ]


def test_a_url_too_long_to_keep_is_answered_and_not_kept() -> None:
    from sync_core.adapters.rest import _KEPT_URL_LENGTH, _kept_target

    sync = make_sync(6)
    api = RestApi(sync)
    sync.services("default").sync_maps.create(unique_name="m")
    key = "€" * 320  # the longest key: 2,880 characters percent-encoded
    made = api.handle(
        "POST", "/v1/Services/default/Maps/m/Items", data={"Key": key, "Data": '{"n": 1}'}
    )
    assert made.status == 201
    url = f"https://sync.twilio.com/v1/Services/default/Maps/m/Items/{'%E2%82%AC' * 320}"
    assert len(url) > _KEPT_URL_LENGTH
    kept = _kept_target.cache_info().currsize
    for _ in range(2):
        found = api.handle("GET", url)
        assert found.status == 200
        assert found.body is not None
        assert found.body["key"] == key
        assert found.body["data"] == {"n": 1}
    assert _kept_target.cache_info().currsize == kept


def test_journal_entries_made_when_read_are_the_entries_recorded() -> None:
    journal = Journal(size=3)
    recorded = JournalEntry("GET", "/v1/Services", {}, {}, 200)
    journal.record(recorded)
    journal.add("POST", "/v1/Services", {}, {"FriendlyName": "a"}, 201)
    journal.add("GET", "/v1/Services/x", {"PageSize": "1"}, {}, 404, 20404, None)
    journal.add("POST", "/v1/Services/x", {}, {}, 0, None, "timeout")
    entries = journal.entries
    assert all(type(entry) is JournalEntry for entry in entries)
    assert entries == [
        JournalEntry("POST", "/v1/Services", {}, {"FriendlyName": "a"}, 201, None, None),
        JournalEntry("GET", "/v1/Services/x", {"PageSize": "1"}, {}, 404, 20404, None),
        JournalEntry("POST", "/v1/Services/x", {}, {}, 0, None, "timeout"),
    ]
    assert entries[1].path == "/v1/Services/x"
    assert list(journal) == entries
    assert len(journal) == 3
    journal.record(recorded)
    assert journal.entries[-1] is recorded  # a recorded entry is kept as it is
    silent = Journal(size=0)
    silent.add("GET", "/v1/Services", {}, {}, 200)
    assert silent.entries == []
    assert len(silent) == 0


def test_the_clients_last_request_is_made_on_reading_and_is_twilios_own() -> None:
    sync = make_sync(7)
    http = SyncHttpClient(sync)
    assert http._test_only_last_request is None  # as twilio's HttpClient starts
    client = client_on(http)
    client.sync.v1.services("default").documents.create(unique_name="notes", data={"a": 1})
    first = http._test_only_last_request
    assert isinstance(first, TwilioRequest)
    assert (first.method, first.url) == ("POST", DOCUMENTS)
    assert first.data == {"UniqueName": "notes", "Data": '{"a": 1}'}
    assert first.params is None
    assert first.auth == (ACCOUNT, "token")
    assert first.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert first == TwilioRequest(
        "POST", DOCUMENTS, (ACCOUNT, "token"), None, first.data, first.headers
    )
    assert http._test_only_last_request is first  # the same one on every read
    client.sync.v1.services("default").documents("notes").fetch()
    second = http._test_only_last_request
    assert second is not first
    assert (second.method, second.url, second.data) == ("GET", DOCUMENT, None)
    assert http._test_only_last_response is not None
    assert http._test_only_last_response.status_code == 200
    # Set from outside (as twilio's own clients and mock_twilio do), it is what was set.
    http._test_only_last_request = None
    assert http._test_only_last_request is None
    replaced = TwilioRequest("GET", "https://example.invalid/")
    http._test_only_last_request = replaced
    assert http._test_only_last_request is replaced
    client.sync.v1.services("default").documents("notes").fetch()
    third = http._test_only_last_request
    assert third is not None
    assert third is not replaced
    assert third.url == DOCUMENT


def test_the_client_records_what_the_fallback_answered_and_what_it_refused() -> None:
    sync = make_sync(10)
    answer = TwilioResponse(201, '{"sid": "SM00000000000000000000000000000000"}')
    http = SyncHttpClient(sync, fallback=lambda *args, **kwargs: answer)
    client = client_on(http)
    client.sync.v1.services("default").documents.create(unique_name="notes")
    client.messaging.v1.services.create(friendly_name="sms")
    made = http._test_only_last_request
    assert made is not None
    assert (made.method, made.url) == ("POST", "https://messaging.twilio.com/v1/Services")
    assert made.data == {"FriendlyName": "sms"}
    assert http._test_only_last_response is answer
    refusing = SyncHttpClient(sync)
    with pytest.raises(NotEmulatedError):
        client_on(refusing).messaging.v1.services.create(friendly_name="sms")
    refused = refusing._test_only_last_request
    assert refused is not None
    assert refused.url == "https://messaging.twilio.com/v1/Services"
    assert refusing._test_only_last_response is None  # as twilio's own, when it fails


def test_a_none_header_is_no_header_whatever_the_case_of_the_others() -> None:
    sync = make_sync(8)
    http = SyncHttpClient(sync)
    made = http.request("POST", DOCUMENTS, data={"UniqueName": "notes", "Data": "{}"})
    assert made.status_code == 201
    # A None value is left out, as requests leaves it out: the next one is read.
    conflicting: dict[str, Any] = {"If-Match": None, "if-match": "7"}
    stale = http.request("POST", DOCUMENT, data={"Data": '{"b": 2}'}, headers=conflicting)
    assert stale.status_code == 412
    assert sync.services("default").documents("notes").fetch().data == {}  # unchanged
    nothing: dict[str, Any] = {"IF-MATCH": None}
    none_at_all = http.request("POST", DOCUMENT, data={"Data": '{"b": 2}'}, headers=nothing)
    assert none_at_all.status_code == 200
    assert sync.services("default").documents("notes").fetch().data == {"b": 2}
    matched = http.request(
        "POST", DOCUMENT, data={"Data": '{"c": 3}', "Ttl": None}, headers={"IF-MATCH": "1"}
    )
    assert matched.status_code == 200
    assert sync.requests[-1].form == {"Data": '{"c": 3}'}  # a None field is left out
    assert sync.services("default").documents("notes").fetch().data == {"c": 3}


def test_the_async_clients_last_request_is_made_on_reading_too() -> None:
    import asyncio

    sync = make_sync(9)
    http = AsyncSyncHttpClient(sync)
    client = client_on(http)
    assert http._test_only_last_request is None

    async def scenario() -> None:
        await client.sync.v1.services("default").documents.create_async(unique_name="notes")
        made = http._test_only_last_request
        assert made is not None
        assert (made.method, made.url, made.data) == ("POST", DOCUMENTS, {"UniqueName": "notes"})
        assert http._test_only_last_request is made
        await client.sync.v1.services("default").documents("notes").fetch_async()
        fetched = http._test_only_last_request
        assert fetched is not None
        assert (fetched.method, fetched.url) == ("GET", DOCUMENT)

    asyncio.run(scenario())
    assert [(entry.method, entry.status) for entry in sync.requests] == [
        ("POST", 201),
        ("GET", 200),
    ]


def test_a_journal_entry_is_the_same_object_on_every_read() -> None:
    """Entries written as tuples (``Journal.add``) are made once, when first read; an
    entry given to ``record`` comes back as itself, of its own class."""

    class Tagged(JournalEntry):
        """A caller's own kind of entry."""

    journal = Journal(size=4)
    journal.add("GET", "/v1/Services", {}, {}, 200)
    tagged = Tagged("POST", "/v1/Services", {}, {"FriendlyName": "a"}, 201)
    journal.record(tagged)
    first = journal.entries
    journal.add("GET", "/v1/Services/x", {}, {}, 404, 20404)
    second = journal.entries
    assert second[0] is first[0]
    assert second[1] is tagged
    assert type(second[1]) is Tagged
    assert [entry.status for entry in second] == [200, 201, 404]


def test_the_async_client_records_what_an_async_fallback_answered() -> None:
    import asyncio

    sync = make_sync(11)
    answer = TwilioResponse(201, '{"sid": "SM00000000000000000000000000000000"}')

    async def elsewhere(*args: Any, **kwargs: Any) -> TwilioResponse:
        return answer

    http = AsyncSyncHttpClient(sync, fallback=elsewhere)
    client = client_on(http)

    async def scenario() -> None:
        await client.messaging.v1.services.create_async(friendly_name="sms")

    asyncio.run(scenario())
    made = http._test_only_last_request
    assert made is not None
    assert made.url == "https://messaging.twilio.com/v1/Services"
    assert http._test_only_last_response is answer


def test_a_journals_bytes_can_be_lowered_later() -> None:
    journal = Journal(size=10)
    for n in range(3):
        journal.add("POST", "/v1/Services", {}, {"FriendlyName": str(n) * 400}, 201)
    journal.max_bytes = 2_000
    assert journal.max_bytes == 2_000
    journal.add("POST", "/v1/Services", {}, {"FriendlyName": "3" * 400}, 201)
    assert [entry.form["FriendlyName"][0] for entry in journal] == ["2", "3"]
    with pytest.raises(ValueError, match="0 bytes or more"):
        journal.max_bytes = -1


def test_the_journal_weighs_text_beyond_ascii_by_what_it_holds() -> None:
    """One character beyond the Basic Multilingual Plane makes Python keep four bytes
    for each: such fields weigh what they hold, so the journal stays within its bytes
    (about) whatever a client sends; ASCII weighs its length, as before."""
    ascii_journal, wide_journal = (
        Journal(size=100, max_bytes=40_000),
        Journal(size=100, max_bytes=40_000),
    )
    for _ in range(20):
        ascii_journal.add("POST", "/v1/Services", {}, {"FriendlyName": "x" * 4_000}, 201)
        wide_journal.add("POST", "/v1/Services", {}, {"FriendlyName": "x" * 3_999 + "😀"}, 201)
    assert len(ascii_journal) == 9  # 9 x (4,000 and about 400) bytes
    held = sum(sys.getsizeof(entry.form["FriendlyName"]) for entry in wide_journal)
    assert held <= 40_000 + 16_100  # at most the bound and the newest entry beyond it
    assert 1 <= len(wide_journal) <= 3


def test_a_request_a_subscriber_interrupts_is_written_down_with_no_answer() -> None:
    """A subscriber's KeyboardInterrupt as the request's events are delivered: it is
    raised, what committed stays, and the journal lists the request with status 0 (no
    answer)."""
    sync = Sync(clock=ManualClock(), seed=1)
    api = RestApi(sync)
    sync.services("default").documents.create(unique_name="d", data={"n": 0})
    interrupted: list[int] = []

    def interrupt(event: Any) -> None:
        if not interrupted:
            interrupted.append(1)
            raise KeyboardInterrupt

    handle = sync.subscribe(interrupt)
    with pytest.raises(KeyboardInterrupt):
        api.handle("POST", "/v1/Services/default/Documents/d", data={"Data": '{"n": 1}'})
    handle.unsubscribe()
    assert sync.services("default").documents("d").fetch().data == {"n": 1}
    assert [(e.method, e.status) for e in sync.requests] == [("POST", 0)]


def test_the_header_names_kept_per_set_never_carry_one_requests_values_into_another() -> None:
    from sync_core.adapters import rest

    sync = make_sync(10)
    http = SyncHttpClient(sync)
    http.request("POST", DOCUMENTS, data={"UniqueName": "notes", "Data": "{}"})
    names = {"Accept": "application/json", "If-Match": "0"}
    assert (
        http.request("POST", DOCUMENT, data={"Data": '{"a": 1}'}, headers=names).status_code == 200
    )
    # The same names, another value: read from this request, not the last one.
    stale = http.request("POST", DOCUMENT, data={"Data": '{"a": 2}'}, headers=names)
    assert stale.status_code == 412
    assert sync.services("default").documents("notes").fetch().data == {"a": 1}
    # A None first spelling, then another: the one with a value, as before.
    spelled: dict[str, Any] = {"if-match": None, "Accept": "application/json", "IF-MATCH": "1"}
    assert (
        http.request("POST", DOCUMENT, data={"Data": '{"a": 3}'}, headers=spelled).status_code
        == 200
    )
    # Many names (more than a kept set holds) are still read, and not kept.
    many: dict[str, Any] = {f"X-Extra-{n}": "x" for n in range(40)}
    many["if-Match"] = "1"
    assert (
        http.request("POST", DOCUMENT, data={"Data": '{"a": 4}'}, headers=many).status_code == 412
    )
    assert tuple(many) not in rest._SPELLINGS
    # Sets always new are kept 256 at most.
    for n in range(300):
        http.request("GET", DOCUMENT, headers={f"X-Once-{n}": "1"})
    assert len(rest._SPELLINGS) <= 256
    assert sync.services("default").documents("notes").fetch().data == {"a": 3}
