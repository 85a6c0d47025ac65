"""Permission resources of Documents, Maps and Lists: update, fetch, delete, list, records.

These are the resources themselves (what is stored, returned and refused), not their
enforcement. Each test runs over the three kinds that have permissions. Each refusal is
checked twice: the error (status, Twilio code, exact message) and that nothing changed
(the permission fetched again, or the listing, is as before).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote

import pytest
from kinds import GUARDED, Kind
from support import BASE, INVALID, check_against, not_found, refused

from sync_core import (
    ManualClock,
    PermissionContext,
    PermissionList,
    Sync,
    SyncEvent,
)
from sync_core.acl import check_identity

BAD_IDENTITY = "Invalid identity"
BAD_PAGE_SIZE = "Invalid 'PageSize' query parameter"
BAD_PAGE_TOKEN = "Invalid 'PageToken' query parameter"
MISSING_SERVICE = "IS" + "0123456789abcdef" * 2


def make(kind: Kind, sync: Sync, service: str, **params: Any) -> Any:
    return kind.of(sync, service).create(**params)


def context_of(kind: Kind, sync: Sync, service: str, obj: str) -> Any:
    return kind.of(sync, service)(obj)


def perms_of(kind: Kind, sync: Sync, service: str, obj: str) -> PermissionList[Any]:
    assert kind.permissions is not None
    return kind.permissions(context_of(kind, sync, service, obj))


def perm_path(kind: Kind, service: str, obj: str, identity: str | None = None) -> str:
    parts = [obj, "Permissions"] if identity is None else [obj, "Permissions", identity]
    return kind.path(service, *parts)


@pytest.fixture(params=GUARDED, ids=str)
def kind(request: pytest.FixtureRequest) -> Kind:
    param: Kind = request.param
    return param


@dataclass
class Setup:
    service: str
    sid: str  # the object's sid
    name: str  # its unique name


@pytest.fixture
def obj(sync: Sync, kind: Kind) -> Setup:
    """A fresh service with one object of ``kind`` named "notes"."""
    service = sync.services.create().sid
    record = make(kind, sync, service, unique_name="notes")
    return Setup(service, record.sid, "notes")


def flags(record: Any) -> tuple[bool, bool, bool]:
    return (record.read, record.write, record.manage)


def permission_rows(sync: Sync) -> list[tuple[Any, ...]]:
    """The keys of every stored permission row: (service_sid, object_sid, identity)."""
    return [tuple(key) for key, _ in sync.storage.scan("permissions", ())]


def identities(perms: PermissionList[Any]) -> list[str]:
    return [record.identity for record in perms.list()]


# -- update and fetch -----------------------------------------------------------------


def test_update_creates_a_permission_and_fetch_returns_it(
    sync: Sync, kind: Kind, obj: Setup
) -> None:
    grant = perms_of(kind, sync, obj.service, obj.sid)("alice")
    assert isinstance(grant, PermissionContext)

    record = grant.update(read=True, write=False, manage=True)

    assert kind.permission_record is not None
    assert isinstance(record, kind.permission_record)
    assert record.account_sid == sync.account_sid
    assert record.service_sid == obj.service
    assert getattr(record, kind.sid_field) == obj.sid
    assert record.identity == "alice"
    assert flags(record) == (True, False, True)
    assert grant.fetch() == record
    assert perms_of(kind, sync, obj.service, obj.sid).get("alice").fetch() == record


def test_an_object_addressed_by_unique_name_gives_its_sid(
    sync: Sync, kind: Kind, obj: Setup
) -> None:
    record = perms_of(kind, sync, obj.service, obj.name)("alice").update(
        read=True, write=True, manage=False
    )

    assert getattr(record, kind.sid_field) == obj.sid
    assert perms_of(kind, sync, obj.service, obj.sid)("alice").fetch() == record
    assert perms_of(kind, sync, obj.service, obj.name)("alice").fetch() == record


def test_the_default_service_alias_gives_the_service_sid(sync: Sync, kind: Kind) -> None:
    created = make(kind, sync, "default", unique_name="notes")
    service_sid = sync.services("default").fetch().sid

    record = perms_of(kind, sync, "default", "notes")("bob").update(
        read=False, write=True, manage=False
    )

    assert record.service_sid == service_sid
    assert getattr(record, kind.sid_field) == created.sid
    assert perms_of(kind, sync, service_sid, created.sid)("bob").fetch() == record


def test_update_replaces_the_flags(sync: Sync, kind: Kind, obj: Setup) -> None:
    grant = perms_of(kind, sync, obj.service, obj.sid)("alice")
    grant.update(read=True, write=True, manage=True)

    record = grant.update(read=False, write=True, manage=False)

    assert flags(record) == (False, True, False)
    assert flags(grant.fetch()) == (False, True, False)
    assert identities(perms_of(kind, sync, obj.service, obj.sid)) == ["alice"]


@pytest.mark.parametrize(
    ("read", "write", "manage", "expected"),
    [
        ("true", "false", "TRUE", (True, False, True)),
        ("False", "True", "fAlSe", (False, True, False)),
        (True, "false", False, (True, False, False)),
    ],
)
def test_flags_are_accepted_as_rest_text(
    sync: Sync, kind: Kind, obj: Setup, read: Any, write: Any, manage: Any, expected: Any
) -> None:
    grant = perms_of(kind, sync, obj.service, obj.sid)("alice")

    record = grant.update(read=read, write=write, manage=manage)

    assert flags(record) == expected
    assert all(type(flag) is bool for flag in flags(record))
    assert flags(grant.fetch()) == expected


def test_all_false_keeps_a_permission(sync: Sync, kind: Kind, obj: Setup) -> None:
    grant = perms_of(kind, sync, obj.service, obj.sid)("alice")
    grant.update(read=True, write=True, manage=True)

    record = grant.update(read=False, write=False, manage=False)

    assert flags(record) == (False, False, False)
    assert grant.fetch() == record
    assert identities(perms_of(kind, sync, obj.service, obj.sid)) == ["alice"]


FLAGS = ("read", "write", "manage")
MISSING = object()  # the flag is not given at all
#: Flags that are not a boolean (or its text), or not there: each refused with 20001.
BAD_FLAGS = [
    pytest.param(flag, value, id=f"{flag}-{name}")
    for flag in FLAGS
    for value, name in [
        *[(bad, repr(bad)) for bad in ["yes", 1, 0, "1", "", 1.0, "t", [True]]],
        (None, "none"),
        (MISSING, "omitted"),
    ]
]


@pytest.mark.parametrize(("flag", "bad"), BAD_FLAGS)
def test_every_flag_is_required_and_must_be_a_boolean(
    sync: Sync, kind: Kind, obj: Setup, flag: str, bad: Any
) -> None:
    perms = perms_of(kind, sync, obj.service, obj.sid)
    grant = perms("alice")
    before = grant.update(read=True, write=False, manage=True)
    given = {"read": False, "write": True, "manage": False, flag: bad}
    if bad is MISSING:
        del given[flag]

    refused(partial(grant.update, **given), 400, 20001, INVALID)
    refused(partial(perms("carol").update, **given), 400, 20001, INVALID)

    assert grant.fetch() == before
    assert identities(perms) == ["alice"]


def test_update_with_no_flags_is_refused(sync: Sync, kind: Kind, obj: Setup) -> None:
    perms = perms_of(kind, sync, obj.service, obj.sid)

    refused(lambda: perms("alice").update(), 400, 20001, INVALID)

    assert perms.list() == []


# -- identities -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "identity",
    ["a", "a b/é", "\U0001f600", "x" * 256, "user@example.com", "%41", "..", "?q=1#f", "system"],
)
def test_any_identity_of_1_to_256_characters_is_kept(
    sync: Sync, kind: Kind, obj: Setup, identity: str
) -> None:
    grant = perms_of(kind, sync, obj.service, obj.sid)(identity)

    record = grant.update(read=True, write=False, manage=False)

    assert record.identity == identity
    assert grant.fetch() == record
    assert identities(perms_of(kind, sync, obj.service, obj.sid)) == [identity]
    assert grant.delete() is True


@pytest.mark.parametrize("identity", ["", "x" * 257, "\ud800", 5, None, b"alice"])
def test_a_malformed_identity_is_refused(sync: Sync, kind: Kind, obj: Setup, identity: Any) -> None:
    perms = perms_of(kind, sync, obj.service, obj.sid)
    perms("alice").update(read=True, write=True, manage=True)
    before = perms.list()
    grant = perms(identity)

    refused(lambda: grant.update(read=True, write=True, manage=True), 400, 54351, BAD_IDENTITY)
    refused(grant.fetch, 400, 54351, BAD_IDENTITY)
    refused(grant.delete, 400, 54351, BAD_IDENTITY)

    assert perms.list() == before


def test_the_identity_is_checked_before_the_flags(sync: Sync, kind: Kind, obj: Setup) -> None:
    grant = perms_of(kind, sync, obj.service, obj.sid)("")

    refused(lambda: grant.update(read="yes"), 400, 54351, BAD_IDENTITY)  # type: ignore[arg-type]  # text, as REST sends it


def test_check_identity() -> None:
    assert check_identity("a") == "a"
    assert check_identity("é" * 256) == "é" * 256
    refused(lambda: check_identity(""), 400, 54351, BAD_IDENTITY)
    refused(lambda: check_identity("é" * 257), 400, 54351, BAD_IDENTITY)
    refused(lambda: check_identity(None), 400, 54351, BAD_IDENTITY)
    refused(lambda: check_identity("a\udfffb"), 400, 54351, BAD_IDENTITY)


# -- fetch and delete -----------------------------------------------------------------


def test_fetching_an_identity_never_set_is_404(sync: Sync, kind: Kind, obj: Setup) -> None:
    perms = perms_of(kind, sync, obj.service, obj.sid)
    perms("alice").update(read=True, write=True, manage=True)

    refused(perms("bob").fetch, 404, 20404, not_found(perm_path(kind, obj.service, obj.sid, "bob")))
    by_name = perms_of(kind, sync, obj.service, obj.name)("bob")
    refused(by_name.fetch, 404, 20404, not_found(perm_path(kind, obj.service, obj.name, "bob")))
    refused(
        perms("bob").delete, 404, 20404, not_found(perm_path(kind, obj.service, obj.sid, "bob"))
    )

    assert identities(perms) == ["alice"]


def test_the_404_names_the_identity_as_given(sync: Sync, kind: Kind, obj: Setup) -> None:
    grant = perms_of(kind, sync, obj.service, obj.name)("a b/é")

    refused(grant.fetch, 404, 20404, not_found(perm_path(kind, obj.service, obj.name, "a b/é")))


def test_delete_removes_the_permission(sync: Sync, kind: Kind, obj: Setup) -> None:
    perms = perms_of(kind, sync, obj.service, obj.sid)
    perms("alice").update(read=True, write=True, manage=True)
    kept = perms("bob").update(read=True, write=False, manage=False)
    path = perm_path(kind, obj.service, obj.sid, "alice")

    assert perms("alice").delete() is True

    refused(perms("alice").fetch, 404, 20404, not_found(path))
    refused(perms("alice").delete, 404, 20404, not_found(path))
    assert perms.list() == [kept]
    assert perms("bob").fetch() == kept


def test_a_deleted_permission_can_be_set_again(sync: Sync, kind: Kind, obj: Setup) -> None:
    grant = perms_of(kind, sync, obj.service, obj.sid)("alice")
    grant.update(read=True, write=True, manage=True)
    grant.delete()

    record = grant.update(read=False, write=False, manage=True)

    assert flags(grant.fetch()) == flags(record) == (False, False, True)


def test_delete_by_unique_name(sync: Sync, kind: Kind, obj: Setup) -> None:
    perms_of(kind, sync, obj.service, obj.sid)("alice").update(read=True, write=True, manage=True)

    assert perms_of(kind, sync, obj.service, obj.name)("alice").delete() is True

    assert perms_of(kind, sync, obj.service, obj.sid).list() == []


# -- missing service or object ----------------------------------------------------------


@pytest.mark.parametrize("missing", ["service", "service_name", "object_sid", "object_name"])
@pytest.mark.parametrize("identity", ["alice", "", "x" * 257])
def test_a_missing_service_or_object_is_404_before_the_identity_check(
    sync: Sync, kind: Kind, obj: Setup, missing: str, identity: str
) -> None:
    service, owner = obj.service, obj.sid
    if missing == "service":
        service = MISSING_SERVICE
    elif missing == "service_name":
        service = "nope"
    elif missing == "object_sid":
        owner = kind.prefix + "0123456789abcdef" * 2
    else:
        owner = "nope"
    perms_of(kind, sync, obj.service, obj.sid)("alice").update(read=True, write=True, manage=True)
    before = permission_rows(sync)
    perms = perms_of(kind, sync, service, owner)
    grant = perms(identity)
    one = not_found(perm_path(kind, service, owner, identity))
    every = not_found(perm_path(kind, service, owner))

    refused(grant.fetch, 404, 20404, one)
    refused(lambda: grant.update(read=True, write=True, manage=True), 404, 20404, one)
    refused(lambda: grant.update(read="yes"), 404, 20404, one)  # type: ignore[arg-type]  # text, as REST sends it
    refused(grant.delete, 404, 20404, one)
    refused(perms.list, 404, 20404, every)
    refused(perms.stream, 404, 20404, every)
    refused(perms.page, 404, 20404, every)

    assert permission_rows(sync) == before


def test_an_object_of_another_kind_is_not_found(sync: Sync, obj: Setup, kind: Kind) -> None:
    other = next(k for k in GUARDED if k is not kind)
    make(other, sync, obj.service, unique_name="elsewhere")
    sid = context_of(other, sync, obj.service, "elsewhere").fetch().sid
    perms = perms_of(kind, sync, obj.service, sid)

    refused(perms.list, 404, 20404, not_found(perm_path(kind, obj.service, sid)))
    refused(
        lambda: perms("alice").update(read=True, write=True, manage=True),
        404,
        20404,
        not_found(perm_path(kind, obj.service, sid, "alice")),
    )
    assert permission_rows(sync) == []


def test_the_default_alias_is_named_in_a_404(sync: Sync, kind: Kind) -> None:
    grant = perms_of(kind, sync, "default", "nope")("alice")

    refused(grant.fetch, 404, 20404, not_found(perm_path(kind, "default", "nope", "alice")))


# -- listing ----------------------------------------------------------------------------

UNSORTED = ["b", "é", "a", "B", "ab", "Z", "0"]
SORTED = ["0", "B", "Z", "a", "ab", "b", "é"]


def grant_all(perms: PermissionList[Any], names: list[str]) -> None:
    for number, name in enumerate(names):
        perms(name).update(read=number % 2 == 0, write=number % 3 == 0, manage=False)


def test_listing_is_in_code_point_order_of_identity(sync: Sync, kind: Kind, obj: Setup) -> None:
    perms = perms_of(kind, sync, obj.service, obj.sid)
    grant_all(perms, UNSORTED)

    records = perms.list()

    assert [record.identity for record in records] == SORTED == sorted(UNSORTED)
    assert records == [perms(name).fetch() for name in SORTED]
    assert list(perms.stream()) == records
    assert all(getattr(record, kind.sid_field) == obj.sid for record in records)


def test_listing_shows_only_that_objects_permissions(sync: Sync, kind: Kind, obj: Setup) -> None:
    other = make(kind, sync, obj.service, unique_name="other")
    elsewhere = sync.services.create().sid
    far = make(kind, sync, elsewhere, unique_name="notes")
    different = next(k for k in GUARDED if k is not kind)
    make(different, sync, obj.service, unique_name="notes")
    perms = perms_of(kind, sync, obj.service, obj.sid)
    perms("alice").update(read=True, write=False, manage=False)
    perms_of(kind, sync, obj.service, other.sid)("bob").update(read=True, write=True, manage=True)
    perms_of(kind, sync, elsewhere, far.sid)("carol").update(read=True, write=True, manage=True)
    perms_of(different, sync, obj.service, "notes")("dave").update(
        read=True, write=True, manage=True
    )

    assert identities(perms) == ["alice"]
    assert identities(perms_of(kind, sync, obj.service, "other")) == ["bob"]
    assert identities(perms_of(kind, sync, elsewhere, "notes")) == ["carol"]
    assert identities(perms_of(different, sync, obj.service, "notes")) == ["dave"]
    refused(perms("bob").fetch, 404, 20404, not_found(perm_path(kind, obj.service, obj.sid, "bob")))


def test_an_object_without_permissions_lists_nothing(sync: Sync, kind: Kind, obj: Setup) -> None:
    perms = perms_of(kind, sync, obj.service, obj.sid)

    page = perms.page()

    assert perms.list() == []
    assert list(page) == []
    assert page.next_page_token is None
    assert page.previous_page_token is None
    assert page.next_page() is None


def test_paging_across_several_pages(sync: Sync, kind: Kind, obj: Setup) -> None:
    perms = perms_of(kind, sync, obj.service, obj.sid)
    grant_all(perms, UNSORTED)

    first = perms.page(page_size=3)
    second = first.next_page()
    assert second is not None
    third = second.next_page()
    assert third is not None

    assert [r.identity for r in first] == SORTED[:3]
    assert [r.identity for r in second] == SORTED[3:6]
    assert [r.identity for r in third] == SORTED[6:]
    assert (first.page_number, second.page_number, third.page_number) == (0, 1, 2)
    assert first.page_size == second.page_size == third.page_size == 3
    assert first.previous_page_token is None
    assert third.next_page_token is None
    assert third.next_page() is None
    assert second.next_page_token is not None
    again = perms.page(page_token=second.next_page_token)
    assert list(again) == list(third)
    back = third.previous_page()
    assert back is not None
    assert list(back) == list(second)
    assert perms.list(page_size=3) == perms.list()


def test_paging_sees_a_permission_added_after_the_cursor(
    sync: Sync, kind: Kind, obj: Setup
) -> None:
    perms = perms_of(kind, sync, obj.service, obj.sid)
    grant_all(perms, ["a", "c"])
    first = perms.page(page_size=1)

    perms("b").update(read=True, write=True, manage=True)
    perms("a").delete()

    second = first.next_page()
    assert second is not None
    assert [r.identity for r in second] == ["b"]
    third = second.next_page()
    assert third is not None
    assert [r.identity for r in third] == ["c"]


@pytest.mark.parametrize(("limit", "page_size"), [(1, None), (4, None), (4, 3), (7, 2), (9, 3)])
def test_limit_caps_list_and_stream(
    sync: Sync, kind: Kind, obj: Setup, limit: int, page_size: int | None
) -> None:
    perms = perms_of(kind, sync, obj.service, obj.sid)
    grant_all(perms, UNSORTED)

    listed = perms.list(limit=limit, page_size=page_size)

    assert [r.identity for r in listed] == SORTED[:limit]
    assert list(perms.stream(limit=limit, page_size=page_size)) == listed


def test_bad_page_parameters_are_refused(sync: Sync, kind: Kind, obj: Setup) -> None:
    perms = perms_of(kind, sync, obj.service, obj.sid)
    grant_all(perms, UNSORTED)
    other = make(kind, sync, obj.service, unique_name="other")
    other_perms = perms_of(kind, sync, obj.service, other.sid)
    grant_all(other_perms, UNSORTED)
    foreign = other_perms.page(page_size=2).next_page_token
    before = perms.list()

    refused(lambda: perms.page(page_size=0), 400, 54454, BAD_PAGE_SIZE)
    refused(lambda: perms.page(page_size=-1), 400, 54454, BAD_PAGE_SIZE)
    refused(lambda: perms.page(page_token="PTnonsense"), 400, 54453, BAD_PAGE_TOKEN)
    refused(lambda: perms.page(page_token=foreign), 400, 54453, BAD_PAGE_TOKEN)
    refused(lambda: perms.list(limit=-1), 400, 20001, INVALID)

    assert perms.list() == before


# -- permissions go with their object ---------------------------------------------------


def test_deleting_the_object_deletes_its_permissions(sync: Sync, kind: Kind, obj: Setup) -> None:
    perms = perms_of(kind, sync, obj.service, obj.sid)
    grant_all(perms, ["alice", "bob"])
    other = make(kind, sync, obj.service, unique_name="other")
    kept = perms_of(kind, sync, obj.service, other.sid)("carol").update(
        read=True, write=True, manage=True
    )

    assert context_of(kind, sync, obj.service, obj.sid).delete() is True

    assert permission_rows(sync) == [(obj.service, other.sid, "carol")]
    sync._check()
    refused(
        perms("alice").fetch, 404, 20404, not_found(perm_path(kind, obj.service, obj.sid, "alice"))
    )
    refused(perms.list, 404, 20404, not_found(perm_path(kind, obj.service, obj.sid)))
    again = make(kind, sync, obj.service, unique_name=obj.name)
    assert again.sid != obj.sid
    fresh = perms_of(kind, sync, obj.service, obj.name)
    assert fresh.list() == []
    refused(
        fresh("alice").fetch, 404, 20404, not_found(perm_path(kind, obj.service, obj.name, "alice"))
    )
    assert perms_of(kind, sync, obj.service, "other")("carol").fetch() == kept


def test_deleting_the_service_deletes_every_permission(sync: Sync, kind: Kind) -> None:
    service = sync.services.create().sid
    kept_service = sync.services.create().sid
    for k in GUARDED:
        make(k, sync, service, unique_name="notes")
        grant_all(perms_of(k, sync, service, "notes"), ["alice", "bob"])
    kept = make(kind, sync, kept_service, unique_name="notes")
    perms_of(kind, sync, kept_service, "notes")("carol").update(read=True, write=True, manage=True)
    assert len(permission_rows(sync)) == 7

    assert sync.services(service).delete() is True

    assert permission_rows(sync) == [(kept_service, kept.sid, "carol")]
    sync._check()
    refused(
        perms_of(kind, sync, service, "notes")("alice").fetch,
        404,
        20404,
        not_found(perm_path(kind, service, "notes", "alice")),
    )


def test_an_object_that_expires_takes_its_permissions(
    sync: Sync, kind: Kind, clock: ManualClock
) -> None:
    service = sync.services.create().sid
    doomed = make(kind, sync, service, unique_name="doomed", ttl=60)
    lasting = make(kind, sync, service, unique_name="lasting")
    grant_all(perms_of(kind, sync, service, doomed.sid), ["alice", "bob"])
    perms_of(kind, sync, service, lasting.sid)("carol").update(read=True, write=True, manage=True)
    clock.advance(59)
    assert identities(perms_of(kind, sync, service, "doomed")) == ["alice", "bob"]

    clock.advance(1)

    refused(
        perms_of(kind, sync, service, doomed.sid)("alice").fetch,
        404,
        20404,
        not_found(perm_path(kind, service, doomed.sid, "alice")),
    )
    assert permission_rows(sync) == [(service, lasting.sid, "carol")]
    sync._check()
    make(kind, sync, service, unique_name="doomed")
    assert perms_of(kind, sync, service, "doomed").list() == []


# -- permissions do not touch their object ------------------------------------------------


def test_permissions_change_neither_the_object_nor_emit_events(
    sync: Sync, kind: Kind, obj: Setup, clock: ManualClock
) -> None:
    before = context_of(kind, sync, obj.service, obj.sid).fetch()
    seen: list[SyncEvent] = []
    sync.services(obj.service).subscribe(seen.append)
    everything: list[SyncEvent] = []
    sync.subscribe(everything.append)
    perms = perms_of(kind, sync, obj.service, obj.sid)
    clock.advance(10)

    perms("alice").update(read=True, write=True, manage=True)
    perms("alice").update(read=False, write=False, manage=False)
    perms("bob").update(read="true", write="false", manage="false")  # type: ignore[arg-type]  # text, as REST sends it
    perms("alice").fetch()
    perms.list()
    perms("alice").delete()
    perms("bob").delete()

    after = context_of(kind, sync, obj.service, obj.sid).fetch()
    assert after == before
    assert after.revision == before.revision
    assert after.date_updated == before.date_updated
    assert seen == []
    assert everything == []
    context_of(kind, sync, obj.service, obj.sid).delete()
    assert [event.type for event in seen] == [f"{kind.name}_removed"]


# -- records ----------------------------------------------------------------------------


@pytest.mark.parametrize("identity", ["alice", "a b/é", "\U0001f600", "100%?&=#+"])
def test_to_dict_is_the_rest_json(sync: Sync, kind: Kind, obj: Setup, identity: str) -> None:
    record = perms_of(kind, sync, obj.service, obj.name)(identity).update(
        read=True, write=False, manage=True
    )
    url = (
        f"{BASE}/Services/{obj.service}/{kind.collection}/{obj.sid}"
        f"/Permissions/{quote(identity, safe='')}"
    )

    assert record.to_dict() == {
        "account_sid": sync.account_sid,
        "service_sid": obj.service,
        kind.sid_field: obj.sid,
        "identity": identity,
        "read": True,
        "write": False,
        "manage": True,
        "url": url,
    }
    assert record.url == url
    assert "/" not in url.rsplit("/Permissions/", 1)[1]
    assert json.loads(json.dumps(record.to_dict())) == record.to_dict()


def test_a_records_url_percent_encodes_the_identity(sync: Sync, kind: Kind, obj: Setup) -> None:
    record = perms_of(kind, sync, obj.service, obj.sid)("a b/é").update(
        read=False, write=False, manage=False
    )

    assert record.url.endswith(f"/{kind.collection}/{obj.sid}/Permissions/a%20b%2F%C3%A9")


@pytest.mark.parametrize("identity", ["alice", "a b/é", "x" * 256])
def test_records_match_the_openapi_schema(
    sync: Sync, kind: Kind, obj: Setup, identity: str
) -> None:
    perms = perms_of(kind, sync, obj.service, obj.sid)
    updated = perms(identity).update(read="true", write=False, manage="FALSE")  # type: ignore[arg-type]  # text, as REST sends it

    for record in (updated, perms(identity).fetch(), *perms.list()):
        check_against(record.to_dict(), kind.permission_schema)


def test_records_are_frozen(sync: Sync, kind: Kind, obj: Setup) -> None:
    grant = perms_of(kind, sync, obj.service, obj.sid)("alice")
    record = grant.update(read=True, write=True, manage=True)

    for field in ("read", "identity", kind.sid_field, "service_sid"):
        with pytest.raises(AttributeError):
            setattr(record, field, False)

    assert flags(record) == (True, True, True)
    assert grant.fetch() == record


def test_a_record_is_a_snapshot(sync: Sync, kind: Kind, obj: Setup) -> None:
    grant = perms_of(kind, sync, obj.service, obj.sid)("alice")
    record = grant.update(read=True, write=True, manage=True)

    grant.update(read=False, write=False, manage=False)
    grant.delete()

    assert flags(record) == (True, True, True)


# -- streams ------------------------------------------------------------------------------


def test_streams_have_no_permission_resources(sync: Sync) -> None:
    service = sync.services.create().sid
    stream = sync.services(service).sync_streams.create(unique_name="feed")
    context = sync.services(service).sync_streams(stream.sid)

    assert not hasattr(context, "sync_stream_permissions")
    assert not hasattr(context, "permissions")
    assert not hasattr(context, "document_permissions")
    assert "links" not in stream.to_dict() or "permissions" not in stream.to_dict()["links"]
    assert permission_rows(sync) == []


def test_the_three_kinds_have_their_own_permission_lists(sync: Sync) -> None:
    service = sync.services.create().sid
    for kind in GUARDED:
        make(kind, sync, service, unique_name="notes")
        perms = perms_of(kind, sync, service, "notes")
        assert isinstance(perms, PermissionList)
        assert repr(perms) == f"<PermissionList {perm_path(kind, service, 'notes')}>"
        assert repr(perms("a")) == f"<PermissionContext {perm_path(kind, service, 'notes', 'a')}>"
