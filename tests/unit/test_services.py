"""Services: defaults, every setting and its checks, the `default` alias, delete, listing.

Each refusal is checked twice: the error (status, Twilio code, exact message) and that
nothing changed (the service fetched again, or the listing, is as before).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from support import not_found, refused, walk

from sync_core import (
    ManualClock,
    NotFoundError,
    ServiceRecord,
    Sync,
    SyncEvent,
)

BASE = "https://sync.twilio.com/v1"
START = datetime(2025, 1, 1, tzinfo=UTC)

FRIENDLY_NAME = "Invalid friendly name"
WEBHOOK_URL = "Invalid webhook URL"
INVALID = "Invalid parameter"
NOTHING = "Expected at least 1 optional parameter, but none were provided"
TTL = (
    "The TTL value in seconds must either be empty or an integer between 0 and 31 536 000 (1 year)"
)

FLAGS = [
    "acl_enabled",
    "reachability_webhooks_enabled",
    "reachability_debouncing_enabled",
    "webhooks_from_rest_enabled",
]


def url_of_length(length: int) -> str:
    head = "https://example.com/"
    return head + "a" * (length - len(head))


# -- creating -------------------------------------------------------------------------


def test_a_new_service_has_twilio_defaults(sync: Sync, clock: ManualClock) -> None:
    svc = sync.services.create()

    assert re.fullmatch(r"IS[0-9a-f]{32}", svc.sid)
    assert svc.account_sid == sync.account_sid
    assert svc.friendly_name is None
    assert svc.unique_name is None
    assert svc.webhook_url is None
    for flag in FLAGS:
        assert getattr(svc, flag) is False, flag
    assert svc.reachability_debouncing_window == 5000
    assert svc.date_created == svc.date_updated == clock.now() == START


def test_a_service_has_its_url_and_links(sync: Sync) -> None:
    svc = sync.services.create()

    assert svc.url == f"{BASE}/Services/{svc.sid}"
    assert svc.links == {
        "documents": f"{BASE}/Services/{svc.sid}/Documents",
        "lists": f"{BASE}/Services/{svc.sid}/Lists",
        "maps": f"{BASE}/Services/{svc.sid}/Maps",
        "streams": f"{BASE}/Services/{svc.sid}/Streams",
    }


def test_a_service_to_dict_is_the_rest_json(sync: Sync, clock: ManualClock) -> None:
    clock.advance(1.75)  # dates show whole seconds on the wire
    svc = sync.services.create(friendly_name="chat", acl_enabled=True)

    assert svc.to_dict() == {
        "sid": svc.sid,
        "unique_name": None,
        "account_sid": sync.account_sid,
        "friendly_name": "chat",
        "date_created": "2025-01-01T00:00:01Z",
        "date_updated": "2025-01-01T00:00:01Z",
        "url": f"{BASE}/Services/{svc.sid}",
        "webhook_url": None,
        "webhooks_from_rest_enabled": False,
        "reachability_webhooks_enabled": False,
        "acl_enabled": True,
        "reachability_debouncing_enabled": False,
        "reachability_debouncing_window": 5000,
        "links": svc.links,
    }


def test_create_keeps_every_setting_given(sync: Sync) -> None:
    svc = sync.services.create(
        friendly_name="chat",
        webhook_url="https://example.com/hook?x=1",
        reachability_webhooks_enabled=True,
        acl_enabled=True,
        reachability_debouncing_enabled=True,
        reachability_debouncing_window=12000,
        webhooks_from_rest_enabled=True,
    )

    assert svc.friendly_name == "chat"
    assert svc.webhook_url == "https://example.com/hook?x=1"
    for flag in FLAGS:
        assert getattr(svc, flag) is True, flag
    assert svc.reachability_debouncing_window == 12000
    assert sync.services(svc.sid).fetch() == svc


def test_none_means_not_given_on_create(sync: Sync) -> None:
    svc = sync.services.create(friendly_name=None, webhook_url=None, acl_enabled=None)

    assert (svc.friendly_name, svc.webhook_url, svc.acl_enabled) == (None, None, False)


# -- friendly_name --------------------------------------------------------------------


@pytest.mark.parametrize("length", [1, 255])
def test_a_friendly_name_of_1_to_255_characters_is_accepted(sync: Sync, length: int) -> None:
    name = "n" * length
    svc = sync.services.create(friendly_name=name)

    assert svc.friendly_name == name
    assert sync.services(svc.sid).update(friendly_name=name[::-1]).friendly_name == name[::-1]


# -- webhook_url ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        url_of_length(512),
        "http://example.com",
        "https://hooks.example.com:8443/sync?token=a%20b#frag",
        "http://127.0.0.1/hook",
    ],
    ids=["512-chars", "http", "https-with-port-query", "ip-address"],
)
def test_an_absolute_http_url_of_at_most_512_characters_is_a_webhook(sync: Sync, url: str) -> None:
    svc = sync.services.create(webhook_url=url)

    assert svc.webhook_url == url
    assert sync.services(svc.sid).fetch().webhook_url == url


BAD_URLS = [
    url_of_length(513),
    "/hook",
    "example.com/hook",
    "ftp://example.com/hook",
    "mailto:ops@example.com",
    "https://",
    "https://example.com/a b",
    "https://example.com:99999/hook",  # no such port: no request could be sent there
    "https://example.com:http/hook",
    "https://example.com/%zz",  # not percent-encoded: a % begins an escape
    "https://example.com/100%",
    "https://example.com/?q=%2",
    42,
]


def test_an_empty_webhook_url_removes_the_webhook(sync: Sync) -> None:
    svc = sync.services.create(webhook_url="https://example.com/hook")

    updated = sync.services(svc.sid).update(webhook_url="")

    assert updated.webhook_url is None
    assert sync.services(svc.sid).fetch().webhook_url is None
    assert sync.services.create(webhook_url="").webhook_url is None


# -- flags ----------------------------------------------------------------------------


@pytest.mark.parametrize("flag", FLAGS)
@pytest.mark.parametrize(
    ("value", "expected"), [(True, True), ("true", True), (False, False), ("false", False)]
)
def test_a_flag_takes_a_boolean_or_its_text(
    sync: Sync, flag: str, value: Any, expected: bool
) -> None:
    created = sync.services.create(**{flag: value})
    assert getattr(created, flag) is expected

    updated = sync.services(created.sid).update(**{flag: not expected})  # type: ignore[arg-type]  # text, as REST sends it
    assert getattr(updated, flag) is (not expected)
    updated = sync.services(created.sid).update(**{flag: value})
    assert getattr(updated, flag) is expected
    assert getattr(sync.services(created.sid).fetch(), flag) is expected


BAD_FLAGS = ["yes", "1", "", 1, 0, "on"]


# -- reachability_debouncing_window ---------------------------------------------------


@pytest.mark.parametrize(
    ("window", "expected"), [(1000, 1000), (30000, 30000), (5000, 5000), ("2500", 2500)]
)
def test_a_debouncing_window_from_1000_to_30000_ms_is_accepted(
    sync: Sync, window: Any, expected: int
) -> None:
    svc = sync.services.create(reachability_debouncing_window=window)
    assert svc.reachability_debouncing_window == expected

    other = sync.services.create()
    updated = sync.services(other.sid).update(reachability_debouncing_window=window)
    assert updated.reachability_debouncing_window == expected


BAD_WINDOWS = [999, 30001, 0, -1000, 1500.5, True, "abc"]


# -- bad settings ---------------------------------------------------------------------

#: Each setting Twilio refuses, with its refusal: (settings, code, message).
BAD_SETTINGS = [
    *[({"friendly_name": name}, 54053, FRIENDLY_NAME) for name in ["n" * 256, "", 42, "\ud800"]],
    *[({"webhook_url": url}, 54051, WEBHOOK_URL) for url in [*BAD_URLS, "https://[x"]],
    *[({flag: value}, 20001, INVALID) for flag in FLAGS for value in BAD_FLAGS],
    *[({"reachability_debouncing_window": window}, 20001, INVALID) for window in BAD_WINDOWS],
]
BAD_SETTING_IDS = [
    "-".join(f"{name}={value!r}"[:40] for name, value in settings.items())
    for settings, _, _ in BAD_SETTINGS
]


@pytest.mark.parametrize(("settings", "code", "message"), BAD_SETTINGS, ids=BAD_SETTING_IDS)
def test_a_bad_setting_is_refused_on_create_and_nothing_is_created(
    sync: Sync, settings: dict[str, Any], code: int, message: str
) -> None:
    refused(partial(sync.services.create, **settings), 400, code, message)

    assert sync.services.list() == []


ONE_BAD_OF_THREE = {
    "friendly_name": "renamed",
    "acl_enabled": True,
    "reachability_debouncing_window": 999,
}


@pytest.mark.parametrize(
    ("settings", "code", "message"),
    [*BAD_SETTINGS, (ONE_BAD_OF_THREE, 20001, INVALID)],
    ids=[*BAD_SETTING_IDS, "one-bad-of-three"],
)
def test_a_bad_setting_is_refused_on_update_and_changes_nothing(
    sync: Sync, clock: ManualClock, settings: dict[str, Any], code: int, message: str
) -> None:
    svc = sync.services.create(
        friendly_name="before",
        webhook_url="https://example.com/hook",
        reachability_debouncing_window=2000,
    )
    clock.advance(5)

    refused(partial(sync.services(svc.sid).update, **settings), 400, code, message)

    assert sync.services(svc.sid).fetch() == svc


# -- fetch and 404 --------------------------------------------------------------------


def test_a_service_is_fetched_by_its_sid(sync: Sync) -> None:
    first = sync.services.create(friendly_name="first")
    second = sync.services.create(friendly_name="second")

    assert sync.services(first.sid).fetch() == first
    assert sync.services.get(second.sid).fetch() == second


@pytest.mark.parametrize(
    "sid",
    ["IS" + "0" * 32, "IS" + "ab" * 16, "nope", "Default"],
    ids=["zeros", "hex", "name", "case"],
)
def test_an_unknown_service_is_404_for_fetch_update_and_delete(sync: Sync, sid: str) -> None:
    existing = sync.services.create(friendly_name="kept")
    message = not_found(f"/Services/{sid}")

    refused(lambda: sync.services(sid).fetch(), 404, 20404, message)
    refused(lambda: sync.services(sid).update(friendly_name="x"), 404, 20404, message)
    refused(lambda: sync.services(sid).delete(), 404, 20404, message)

    assert sync.services.list() == [existing]


# -- the default alias ----------------------------------------------------------------


def test_the_default_alias_is_created_on_first_use(sync: Sync, clock: ManualClock) -> None:
    clock.advance(3)
    assert sync.services.list() == []

    default = sync.services("default").fetch()

    assert re.fullmatch(r"IS[0-9a-f]{32}", default.sid)
    assert default.unique_name == "default"
    assert default.friendly_name == "Default Service"
    assert default.date_created == default.date_updated == clock.now()
    assert default.acl_enabled is False
    assert default.reachability_debouncing_window == 5000
    assert sync.services.list() == [default]


def test_the_default_alias_names_the_same_service_each_time(sync: Sync) -> None:
    first = sync.services("default").fetch()
    doc = sync.services("default").documents.create(unique_name="prefs")

    assert sync.services("default").fetch() == first
    assert doc.service_sid == first.sid
    assert sync.services(first.sid).fetch() == first
    assert sync.services(first.sid).documents("prefs").fetch() == doc
    assert [svc.sid for svc in sync.services.list()] == [first.sid]


def test_the_default_service_can_be_updated_through_the_alias(
    sync: Sync, clock: ManualClock
) -> None:
    default = sync.services("default").fetch()
    clock.advance(60)

    updated = sync.services("default").update(friendly_name="Renamed", acl_enabled="true")  # type: ignore[arg-type]  # text, as REST sends it

    assert updated.sid == default.sid
    assert updated.unique_name == "default"
    assert (updated.friendly_name, updated.acl_enabled) == ("Renamed", True)
    assert updated.date_updated == clock.now()
    assert sync.services(default.sid).fetch() == updated


def test_a_refused_call_on_the_default_alias_does_not_create_it(sync: Sync) -> None:
    refused(lambda: sync.services("default").update(acl_enabled="maybe"), 400, 20001, INVALID)  # type: ignore[arg-type]  # text, as REST sends it
    refused(lambda: sync.services("default").documents.create(ttl=-1), 400, 54011, TTL)

    assert sync.services.list() == []


def test_a_deleted_default_service_is_replaced_by_a_new_one_on_next_use(sync: Sync) -> None:
    old = sync.services("default").fetch()
    sync.services.create(friendly_name="other")

    assert sync.services("default").delete() is True
    refused(lambda: sync.services(old.sid).fetch(), 404, 20404, not_found(f"/Services/{old.sid}"))

    new = sync.services("default").fetch()
    assert new.sid != old.sid
    assert new.unique_name == "default"


def test_a_created_service_never_gets_a_unique_name(sync: Sync) -> None:
    svc = sync.services.create(friendly_name="default")

    assert svc.unique_name is None
    assert sync.services("default").fetch().sid != svc.sid


# -- update ---------------------------------------------------------------------------


def test_update_changes_only_the_given_settings_and_moves_date_updated(
    sync: Sync, clock: ManualClock
) -> None:
    svc = sync.services.create(
        friendly_name="chat",
        webhook_url="https://example.com/hook",
        acl_enabled=True,
        reachability_debouncing_window=2000,
    )
    clock.advance(300)

    updated = sync.services(svc.sid).update(reachability_webhooks_enabled=True)

    expected: dict[str, Any] = {
        **svc.to_dict(),
        "reachability_webhooks_enabled": True,
        "date_updated": "2025-01-01T00:05:00Z",
    }
    assert updated.to_dict() == expected
    assert updated.date_created == START
    assert updated.date_updated == clock.now()
    assert sync.services(svc.sid).fetch() == updated


def test_update_can_change_every_setting_at_once(sync: Sync) -> None:
    svc = sync.services.create()

    updated = sync.services(svc.sid).update(
        webhook_url="http://example.com/new",
        friendly_name="new",
        reachability_webhooks_enabled="true",  # type: ignore[arg-type]  # text, as REST sends it
        acl_enabled=True,
        reachability_debouncing_enabled="true",  # type: ignore[arg-type]  # text, as REST sends it
        reachability_debouncing_window="30000",  # type: ignore[arg-type]  # text, as REST sends it
        webhooks_from_rest_enabled=True,
    )

    assert updated.webhook_url == "http://example.com/new"
    assert updated.friendly_name == "new"
    for flag in FLAGS:
        assert getattr(updated, flag) is True, flag
    assert updated.reachability_debouncing_window == 30000


@pytest.mark.parametrize(
    "params",
    [{}, {"friendly_name": None, "acl_enabled": None, "webhook_url": None}],
    ids=["nothing", "only-nones"],
)
def test_update_with_nothing_answers_the_service_unchanged(
    sync: Sync, clock: ManualClock, params: dict[str, Any]
) -> None:
    # Twilio answers 200 here (a third-party SDK's live acceptance suite calls it and
    # expects no error; SEMANTICS.md), where Documents, Maps, Lists and items say 54010.
    svc = sync.services.create(friendly_name="chat")
    clock.advance(5)
    heard: list[SyncEvent] = []
    with sync.subscribe(heard.append):
        assert sync.services(svc.sid).update(**params) == svc

    assert sync.services(svc.sid).fetch() == svc  # date_updated too
    assert heard == []


def test_update_with_nothing_still_needs_the_service(sync: Sync) -> None:
    refused(
        lambda: sync.services("IS" + "0" * 32).update(),
        404,
        20404,
        not_found(f"/Services/IS{'0' * 32}"),
    )


# -- delete ---------------------------------------------------------------------------


def test_delete_returns_true_and_then_the_service_is_404(sync: Sync) -> None:
    kept = sync.services.create(friendly_name="kept")
    gone = sync.services.create(friendly_name="gone")
    message = not_found(f"/Services/{gone.sid}")

    assert sync.services(gone.sid).delete() is True

    refused(lambda: sync.services(gone.sid).fetch(), 404, 20404, message)
    refused(lambda: sync.services(gone.sid).update(friendly_name="x"), 404, 20404, message)
    refused(lambda: sync.services(gone.sid).delete(), 404, 20404, message)
    assert sync.services.list() == [kept]


def test_deleting_a_service_deletes_its_documents(sync: Sync) -> None:
    gone = sync.services.create()
    kept = sync.services.create()
    doc = sync.services(gone.sid).documents.create(unique_name="prefs", data={"a": 1})
    twin = sync.services(kept.sid).documents.create(unique_name="prefs", data={"b": 2})

    assert sync.services(gone.sid).delete() is True

    # The other service keeps its own document of the same name; the `sync` fixture's
    # _check() also asserts that no document of the deleted service is left behind.
    assert sync.services(kept.sid).documents("prefs").fetch() == twin
    assert sync.services(kept.sid).documents.list() == [twin]
    assert sync.services.list() == [kept]
    for ident in ("prefs", doc.sid):
        with pytest.raises(NotFoundError):
            sync.services(gone.sid).documents(ident).fetch()
    # The 404 names the path as addressed, as the real REST API does.
    by_name = f"/Services/{gone.sid}/Documents/prefs"
    by_sid = f"/Services/{gone.sid}/Documents/{doc.sid}"
    refused(
        lambda: sync.services(gone.sid).documents("prefs").fetch(), 404, 20404, not_found(by_name)
    )
    refused(
        lambda: sync.services(gone.sid).documents(doc.sid).fetch(), 404, 20404, not_found(by_sid)
    )
    refused(
        lambda: sync.services(gone.sid).documents.list(),
        404,
        20404,
        not_found(f"/Services/{gone.sid}/Documents"),
    )


# -- listing --------------------------------------------------------------------------


def test_services_are_listed_in_creation_order(sync: Sync, clock: ManualClock) -> None:
    created: list[ServiceRecord] = []
    for n in range(5):
        created.append(sync.services.create(friendly_name=f"svc{n}"))
        clock.advance(1)
    default = sync.services("default").fetch()
    last = sync.services.create(friendly_name="last")

    assert sync.services.list() == [*created, default, last]
    assert [svc.sid for svc in sync.services.stream()] == [
        svc.sid for svc in [*created, default, last]
    ]
    assert sync.services.list(limit=2) == created[:2]


def test_an_update_does_not_move_a_service_in_the_listing(sync: Sync) -> None:
    first, second, third = (sync.services.create(friendly_name=n) for n in ("a", "b", "c"))

    updated = sync.services(first.sid).update(friendly_name="z")

    assert sync.services.list() == [updated, second, third]


def test_a_listing_pages_in_creation_order(sync: Sync) -> None:
    created = [sync.services.create(friendly_name=f"svc{n}") for n in range(7)]

    pages = walk(sync.services.page(page_size=3))

    assert pages == [created[:3], created[3:6], created[6:]]
