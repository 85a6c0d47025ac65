"""Records' ``to_dict()`` is the REST JSON of Twilio's OpenAPI description of Sync v1.

``tests/data/twilio_sync_v1.openapi.json`` is a copy of the official description.
"""

from __future__ import annotations

import json

import pytest
from support import check_against

from sync_core import ManualClock, Sync


@pytest.fixture
def seeded() -> Sync:
    return Sync(clock=ManualClock(), seed=99)


def test_a_service_is_the_spec_service(seeded: Sync) -> None:
    svc = seeded.services.create(friendly_name="chat", webhook_url="https://example.com/hook")
    check_against(svc.to_dict(), "sync.v1.service")
    default = seeded.services("default").fetch().to_dict()
    check_against(default, "sync.v1.service")
    assert default["unique_name"] == "default"


def test_a_service_links_to_its_collections(seeded: Sync) -> None:
    svc = seeded.services.create()
    url = f"https://sync.twilio.com/v1/Services/{svc.sid}"
    assert svc.url == url
    assert svc.links == {
        "documents": f"{url}/Documents",
        "lists": f"{url}/Lists",
        "maps": f"{url}/Maps",
        "streams": f"{url}/Streams",
    }


def test_a_document_is_the_spec_document(seeded: Sync) -> None:
    svc = seeded.services.create()
    docs = seeded.services(svc.sid).documents
    for doc in (
        docs.create(),
        docs.create(unique_name="prefs", data={"theme": "dark"}, ttl=3600),
    ):
        check_against(doc.to_dict(), "sync.v1.service.document")


def test_a_document_json_matches_twilios_example_shape(seeded: Sync) -> None:
    svc = seeded.services.create()
    doc = seeded.services(svc.sid).documents.create(unique_name="user_prefs", ttl=3600)
    url = f"https://sync.twilio.com/v1/Services/{svc.sid}/Documents/{doc.sid}"
    assert doc.to_dict() == {
        "account_sid": "AC" + "0" * 32,
        "created_by": "system",
        "data": {},
        "date_expires": "2025-01-01T01:00:00Z",
        "date_created": "2025-01-01T00:00:00Z",
        "date_updated": "2025-01-01T00:00:00Z",
        "revision": "0",
        "service_sid": svc.sid,
        "sid": doc.sid,
        "unique_name": "user_prefs",
        "url": url,
        "links": {"permissions": f"{url}/Permissions"},
    }
    assert json.loads(json.dumps(doc.to_dict())) == doc.to_dict()


def test_to_dict_drops_sub_second_precision(seeded: Sync) -> None:
    clock = seeded.clock
    assert isinstance(clock, ManualClock)
    clock.advance(1.75)
    doc = seeded.services("default").documents.create()
    assert doc.date_created.microsecond == 750_000
    assert doc.to_dict()["date_created"] == "2025-01-01T00:00:01Z"


def test_records_are_frozen(seeded: Sync) -> None:
    doc = seeded.services("default").documents.create()
    with pytest.raises(AttributeError):
        doc.revision = "9"  # type: ignore[misc]
