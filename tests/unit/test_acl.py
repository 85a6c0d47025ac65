"""Enforcement of permissions: each flag, on each object kind, for each operation.

With ``acl_enabled`` a client identity (``service.for_identity(...)``) may do exactly
what its flags allow (read, write, manage; each alone), nothing that no flag covers,
and everything with Streams; ``system`` (the plain tree) bypasses it all; with ACLs off
every identity may do everything. A refusal is 403/54007 and changes nothing: no
state, no event.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from acl_cases import CASES, STREAM_CASES, UNCOVERED, Case, build_world, grant, snapshot
from support import not_found, refused

from sync_core import ServiceContext, Sync, SyncEvent

FORBIDDEN = "Access forbidden for identity"
FLAGS = ("read", "write", "manage")


def case_id(case: Case) -> str:
    return case.name.replace(" ", "-")


def refused_unchanged(tree: ServiceContext, case: Case, identity: str = "alice") -> None:
    """``case`` as ``identity`` is 403/54007, and the world and its events are unchanged."""
    seen: list[SyncEvent] = []
    tree.subscribe(seen.append)
    before = snapshot(tree)
    refused(lambda: case.run(tree.for_identity(identity)), 403, 54007, FORBIDDEN)
    assert snapshot(tree) == before
    assert seen == []


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_an_operation_succeeds_with_exactly_its_flag(sync: Sync, case: Case) -> None:
    tree = build_world(sync, acl_enabled=True)
    assert case.flag is not None
    grant(tree, case.kind, "alice", **{case.flag: True})
    case.run(tree.for_identity("alice"))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_other_two_flags_do_not_stand_in_for_the_one_needed(sync: Sync, case: Case) -> None:
    tree = build_world(sync, acl_enabled=True)
    grant(tree, case.kind, "alice", **{flag: flag != case.flag for flag in FLAGS})
    refused_unchanged(tree, case)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_an_identity_without_any_permission_is_refused(sync: Sync, case: Case) -> None:
    tree = build_world(sync, acl_enabled=True)
    grant(tree, case.kind, "bob", read=True, write=True, manage=True)  # someone else's
    refused_unchanged(tree, case)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_a_flag_on_another_object_does_not_count(sync: Sync, case: Case) -> None:
    tree = build_world(sync, acl_enabled=True)
    for kind in {"document", "map", "list"} - {case.kind}:
        grant(tree, kind, "alice", read=True, write=True, manage=True)
    refused_unchanged(tree, case)


@pytest.mark.parametrize("case", UNCOVERED, ids=case_id)
def test_what_no_flag_covers_is_refused_even_with_every_flag(sync: Sync, case: Case) -> None:
    tree = build_world(sync, acl_enabled=True)
    for kind in ("document", "map", "list"):
        grant(tree, kind, "alice", read=True, write=True, manage=True)
    refused_unchanged(tree, case)


@pytest.mark.parametrize("case", CASES + UNCOVERED + STREAM_CASES, ids=case_id)
def test_with_acls_off_an_identity_may_do_everything(sync: Sync, case: Case) -> None:
    tree = build_world(sync, acl_enabled=False)
    case.run(tree.for_identity("alice"))


@pytest.mark.parametrize("case", CASES + UNCOVERED + STREAM_CASES, ids=case_id)
def test_system_bypasses_permissions(sync: Sync, case: Case) -> None:
    tree = build_world(sync, acl_enabled=True)
    case.run(tree)


@pytest.mark.parametrize("case", STREAM_CASES, ids=case_id)
def test_streams_have_no_permissions_and_are_open_to_identities(sync: Sync, case: Case) -> None:
    tree = build_world(sync, acl_enabled=True)
    case.run(tree.for_identity("alice"))


def test_a_denial_names_the_identity_and_the_path(sync: Sync) -> None:
    tree = build_world(sync, acl_enabled=True)
    error = refused(
        lambda: tree.for_identity("alice").sync_maps("m").sync_map_items("k").delete(),
        403,
        54007,
        FORBIDDEN,
    )
    assert error.detail == f"'alice' may not write to /Services/{tree.sid}/Maps/m/Items/k"


def test_a_missing_object_is_404_before_any_permission_check(sync: Sync) -> None:
    tree = build_world(sync, acl_enabled=True)
    alice = tree.for_identity("alice")
    refused(
        lambda: alice.documents("nope").fetch(),
        404,
        20404,
        not_found(f"/Services/{tree.sid}/Documents/nope"),
    )


def test_permission_is_checked_before_the_parameters(sync: Sync) -> None:
    tree = build_world(sync, acl_enabled=True)
    alice = tree.for_identity("alice")
    refused(lambda: alice.documents("d").update(data="not json"), 403, 54007, FORBIDDEN)
    grant(tree, "document", "alice", write=True)
    refused(
        lambda: alice.documents("d").update(data="not json"),
        400,
        54008,
        "Invalid request body: the type of one of the attributes is invalid",
    )


def test_deleting_a_permission_takes_every_flag_away(sync: Sync) -> None:
    tree = build_world(sync, acl_enabled=True)
    alice = tree.for_identity("alice")
    grant(tree, "list", "alice", read=True)
    assert alice.sync_lists("l").fetch().unique_name == "l"
    tree.sync_lists("l").sync_list_permissions("alice").delete()
    refused(lambda: alice.sync_lists("l").fetch(), 403, 54007, FORBIDDEN)


def test_turning_acls_on_and_off_takes_effect_at_once(sync: Sync) -> None:
    tree = build_world(sync, acl_enabled=False)
    alice = tree.for_identity("alice")
    assert alice.documents("d").fetch().data == {"v": 0}
    tree.update(acl_enabled=True)
    refused(lambda: alice.documents("d").fetch(), 403, 54007, FORBIDDEN)
    tree.update(acl_enabled=False)
    assert alice.documents("d").fetch().data == {"v": 0}


def test_what_an_identity_creates_is_created_by_it(sync: Sync) -> None:
    tree = build_world(sync, acl_enabled=False)
    alice = tree.for_identity("alice")
    assert alice.documents.create(data={}).created_by == "alice"
    assert alice.sync_maps.create().created_by == "alice"
    assert alice.sync_lists("l").sync_list_items.create(data={}).created_by == "alice"
    assert alice.sync_streams.create().created_by == "alice"
    tree.update(acl_enabled=True)
    grant(tree, "map", "alice", write=True)
    assert alice.sync_maps("m").sync_map_items.create(key="a", data={}).created_by == "alice"
    assert tree.documents("d").fetch().created_by == "system"


def test_events_carry_the_acting_identity(sync: Sync) -> None:
    tree = build_world(sync, acl_enabled=True)
    seen: list[SyncEvent] = []
    tree.subscribe(seen.append)
    grant(tree, "document", "alice", write=True)
    tree.for_identity("alice").documents("d").update(data={"by": "alice"})
    tree.documents("d").update(data={"by": "system"})
    tree.for_identity("bob").sync_streams("s").stream_messages.create(data={"hi": 1})
    assert [(e.type, e.identity) for e in seen] == [
        ("document_updated", "alice"),
        ("document_updated", "system"),
        ("stream_message_published", "bob"),
    ]


def test_an_identity_view_must_be_a_valid_identity(sync: Sync) -> None:
    tree = sync.services("default")
    assert tree.for_identity("x" * 256).identity == "x" * 256
    bad_identities: list[Any] = ["", "x" * 257, 7, None]  # not all of them text, on purpose
    for bad in bad_identities:
        refused(partial(tree.for_identity, bad), 400, 54351, "Invalid identity")
    assert tree.identity == "system"
    refused(lambda: tree.for_identity("system"), 400, 54351, "Invalid identity")
    assert "as 'alice'" in repr(tree.for_identity("alice"))


# -- subscriptions of identities ------------------------------------------------------


def subscribe_as(tree: ServiceContext, identity: str, kind: str) -> list[SyncEvent]:
    seen: list[SyncEvent] = []
    view = tree.for_identity(identity)
    targets: dict[str, Callable[[], Any]] = {
        "document": lambda: view.documents("d"),
        "map": lambda: view.sync_maps("m"),
        "list": lambda: view.sync_lists("l"),
    }
    target = targets[kind]()
    target.subscribe(seen.append)
    return seen


def test_an_identity_subscribed_with_read_gets_the_events(sync: Sync) -> None:
    tree = build_world(sync, acl_enabled=True)
    grant(tree, "map", "alice", read=True)
    seen = subscribe_as(tree, "alice", "map")
    tree.sync_maps("m").sync_map_items("k").update(data={"v": 1})
    tree.sync_maps("m").delete()
    assert [e.type for e in seen] == ["map_item_updated", "map_removed"]


def test_losing_read_stops_the_events_and_regaining_it_resumes_them(sync: Sync) -> None:
    tree = build_world(sync, acl_enabled=True)
    grant(tree, "document", "alice", read=True)
    seen = subscribe_as(tree, "alice", "document")
    tree.documents("d").update(data={"v": 1})
    grant(tree, "document", "alice", write=True)  # read taken away
    tree.documents("d").update(data={"v": 2})
    grant(tree, "document", "alice", read=True)
    tree.documents("d").update(data={"v": 3})
    assert [e.data for e in seen] == [{"v": 1}, {"v": 3}]


def test_with_acls_turned_on_a_service_subscriber_hears_only_what_it_may_read(
    sync: Sync,
) -> None:
    tree = build_world(sync, acl_enabled=False)
    seen: list[SyncEvent] = []
    tree.for_identity("alice").subscribe(seen.append)
    tree.update(acl_enabled=True)
    grant(tree, "list", "alice", read=True)
    tree.documents("d").update(data={"secret": True})
    tree.sync_lists("l").sync_list_items.create(data={"public": True})
    tree.sync_streams("s").stream_messages.create(data={"stream": True})
    assert [e.type for e in seen] == ["list_item_added", "stream_message_published"]


def test_the_removal_of_a_readable_object_reaches_its_reader(sync: Sync) -> None:
    tree = build_world(sync, acl_enabled=True)
    grant(tree, "list", "alice", read=True)
    seen = subscribe_as(tree, "alice", "list")
    tree.sync_lists("l").delete()  # the permission goes with the list, after the event
    assert [e.type for e in seen] == ["list_removed"]
