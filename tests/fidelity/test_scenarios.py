"""Scenarios that run on sync_core and, opt-in, on the real Twilio Sync: fidelity checks.

Each scenario drives a ``twilio.rest.Client`` and asserts what Twilio Sync does. By
default the client is answered by sync_core (the plugin's ``twilio_client``). With
real credentials in the environment the same scenarios also run against
https://sync.twilio.com, in a Service created for the test and deleted after it, so
anyone with an account can check sync_core's fidelity (as fakeredis runs its suite on
real Redis):

    SYNC_CORE_REAL_TWILIO=1 TWILIO_ACCOUNT_SID=AC... TWILIO_AUTH_TOKEN=... \\
        python -m pytest tests/fidelity

Without all three variables the real runs are skipped, and no test touches the network.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from sync_core import MemoryStorage, Storage

REAL = "real Twilio"
FAKE = "sync_core"


def real_credentials() -> tuple[str, str] | None:
    """The account to run against, when the user opted in."""
    sid = os.environ.get("TWILIO_ACCOUNT_SID")
    token = os.environ.get("TWILIO_AUTH_TOKEN")
    if os.environ.get("SYNC_CORE_REAL_TWILIO") != "1" or not sid or not token:
        return None
    return sid, token


@pytest.fixture
def sync_storage() -> Storage:
    """In memory: the scenarios are about fidelity, not storage (asked for lazily below)."""
    return MemoryStorage()


@pytest.fixture(params=[FAKE, REAL])
def service(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh Service's client context, on sync_core or (opt-in) on real Twilio."""
    if request.param == FAKE:
        client = request.getfixturevalue("twilio_client")
    else:
        credentials = real_credentials()
        if credentials is None:
            pytest.skip("set SYNC_CORE_REAL_TWILIO=1, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN")
        client = Client(*credentials)
    created = client.sync.v1.services.create(friendly_name="sync_core fidelity")
    try:
        yield client.sync.v1.services(created.sid)
    finally:
        client.sync.v1.services(created.sid).delete()


def failure(call: Callable[[], object]) -> tuple[int, int]:
    """The HTTP status and Twilio code ``call`` fails with."""
    with pytest.raises(TwilioRestException) as info:
        call()
    return info.value.status, info.value.code


def data_of(size: int) -> dict[str, str]:
    """A JSON object whose compact UTF-8 JSON is exactly ``size`` bytes."""
    data = {"x": "y" * (size - len('{"x":""}'))}
    assert len(json.dumps(data, separators=(",", ":")).encode()) == size
    return data


def test_documents_count_revisions_and_refuse_a_stale_if_match(service: Any) -> None:
    doc = service.documents.create(unique_name="prefs", data={"theme": "dark"})
    assert (doc.revision, doc.data, doc.created_by) == ("0", {"theme": "dark"}, "system")
    updated = service.documents("prefs").update(data={"theme": "light"}, if_match="0")
    assert updated.revision == "1"
    assert failure(lambda: service.documents("prefs").update(data={}, if_match="0")) == (
        412,
        20412,
    )
    assert service.documents("prefs").fetch().data == {"theme": "light"}


def test_data_is_16_kib_at_most(service: Any) -> None:
    assert service.documents.create(data=data_of(16_384)).revision == "0"
    assert failure(lambda: service.documents.create(data=data_of(16_385))) == (413, 54006)


def test_unique_names_keys_and_ttls_are_checked(service: Any) -> None:
    service.documents.create(unique_name="taken")
    assert failure(lambda: service.documents.create(unique_name="taken")) == (409, 54301)
    assert failure(lambda: service.documents.create(ttl=31_536_001)) == (400, 54011)
    service.sync_maps.create(unique_name="m")
    service.sync_maps("m").sync_map_items.create(key="k", data={})
    assert failure(lambda: service.sync_maps("m").sync_map_items.create(key="k", data={})) == (
        409,
        54208,
    )


def test_a_missing_document_is_404_naming_the_path(service: Any) -> None:
    sid = service.fetch().sid
    with pytest.raises(TwilioRestException) as info:
        service.documents("nope").fetch()
    assert (info.value.status, info.value.code) == (404, 20404)
    assert f"/Services/{sid}/Documents/nope was not found" in info.value.msg


def test_map_items_are_listed_in_key_order(service: Any) -> None:
    service.sync_maps.create(unique_name="board")
    items = service.sync_maps("board").sync_map_items
    for key in ["b", "a", "B", "c"]:
        items.create(key=key, data={"key": key})
    assert [item.key for item in items.list()] == ["B", "a", "b", "c"]
    assert [item.key for item in items.list(order="desc", from_="b")] == ["b", "a", "B"]
    assert [item.key for item in items.list(from_="a", bounds="exclusive")] == ["b", "c"]
    assert service.sync_maps("board").fetch().revision == "4"


def test_list_indexes_are_never_reused(service: Any) -> None:
    service.sync_lists.create(unique_name="queue")
    items = service.sync_lists("queue").sync_list_items
    assert [items.create(data={"n": n}).index for n in range(3)] == [0, 1, 2]
    items(2).delete()
    assert items.create(data={"n": 3}).index == 3
    assert [item.index for item in items.list(order="desc")] == [3, 1, 0]


def test_stream_messages_are_4_kib_at_most(service: Any) -> None:
    service.sync_streams.create(unique_name="cursor")
    messages = service.sync_streams("cursor").stream_messages
    assert messages.create(data=data_of(4_096)).sid.startswith("TZ")
    assert failure(lambda: messages.create(data=data_of(4_097))) == (413, 54006)


def test_permissions_are_set_read_and_removed(service: Any) -> None:
    service.documents.create(unique_name="d")
    grant = service.documents("d").document_permissions("alice")
    updated = grant.update(read=True, write=False, manage=False)
    assert (updated.identity, updated.read, updated.write, updated.manage) == (
        "alice",
        True,
        False,
        False,
    )
    assert grant.fetch().read is True
    assert grant.delete() is True
    assert failure(grant.fetch) == (404, 20404)
