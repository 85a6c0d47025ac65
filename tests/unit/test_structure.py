"""Where the rules live: one transaction path, explicit identities, one listing, one route table.

These check the shape a newcomer relies on (docs/architecture.md), through the public
API where there is one: operations do not nest, no resource acts as ``system`` unless
told to, every listing pages the same way and its tokens keep their parameters, the
REST routes are the OpenAPI description's operations, and names that moved still
answer, with a DeprecationWarning.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

import sync_core
from sync_core import (
    DocumentList,
    InvalidParameterError,
    ManualClock,
    PermissionList,
    ServiceList,
    Sync,
    SyncListItemList,
    SyncMapItemList,
    SyncStreamList,
)
from sync_core.actor import SYSTEM, Actor
from sync_core.adapters.rest import ROUTES
from sync_core.listing import Listing, PlainListing
from sync_core.paging import Cursor, Scope
from sync_core.records import Record


class CallingBackClock(ManualClock):
    """A clock whose ``now()`` calls into the Sync it serves, once: a nested operation."""

    def __init__(self) -> None:
        super().__init__()
        self.sync: Sync | None = None

    def now(self) -> datetime:
        sync, self.sync = self.sync, None
        if sync is not None:
            sync.services("default").documents.create(unique_name="nested")
        return super().now()


def test_an_operation_inside_another_is_refused_and_changes_nothing() -> None:
    clock = CallingBackClock()
    sync = Sync(clock=clock, seed=1)
    docs = sync.services("default").documents
    docs.create(unique_name="before")
    clock.sync = sync
    with pytest.raises(AssertionError, match="do not nest"):
        docs.create(unique_name="outer")
    assert [d.unique_name for d in docs.list()] == ["before"]
    docs.create(unique_name="after")  # the lock and the engine are free again
    assert [d.unique_name for d in docs.list()] == ["before", "after"]
    sync._check()


def _classes() -> list[type]:
    found: list[type] = []
    for module in pkgutil.walk_packages(sync_core.__path__, "sync_core."):
        if module.name.startswith(("sync_core.testing", "sync_core.bench", "sync_core.adapters")):
            continue
        loaded = importlib.import_module(module.name)
        found += [
            value
            for value in vars(loaded).values()
            if inspect.isclass(value) and value.__module__ == module.name
        ]
    return found


def test_no_constructor_defaults_the_acting_identity() -> None:
    checked = 0
    for cls in _classes():
        try:
            parameters = inspect.signature(cls).parameters
        except ValueError:  # a builtin's subclass (an exception) has no signature to read
            continue
        for name, parameter in parameters.items():
            if name in ("identity", "actor", "acting"):
                checked += 1
                # A record made by hand has no actor: it refuses to act (never as system).
                refuses = parameter.default is None and issubclass(cls, Record)
                assert parameter.default is inspect.Parameter.empty or refuses, cls.__name__
    assert checked >= 2  # Actor itself, and at least one resource that takes one


def test_an_actor_names_its_identity_explicitly() -> None:
    sync = Sync(seed=2)
    service = sync.services("default")
    assert service.identity == SYSTEM
    assert service.for_identity("alice").identity == "alice"
    with pytest.raises(TypeError):
        Actor(sync._engine, "default")  # type: ignore[call-arg]
    made_by_hand = attrs.evolve(service.fetch(), actor=None)
    with pytest.raises(TypeError, match="not read from a Sync"):
        made_by_hand.fetch()


def test_every_collection_pages_through_the_one_listing_mechanism() -> None:
    plain: list[type] = [ServiceList, DocumentList, SyncStreamList, PermissionList]
    assert all(issubclass(cls, PlainListing) for cls in plain)
    items: list[type] = [SyncMapItemList, SyncListItemList]
    assert all(issubclass(cls, Listing) for cls in items)
    assert not any(issubclass(cls, PlainListing) for cls in items)  # order, from_, bounds


def test_a_page_token_carries_its_listing_parameters_as_fields(sync: Sync) -> None:
    sync.services("default").sync_maps.create(unique_name="m")
    items = sync.services("default").sync_maps("m").sync_map_items
    for key in "abcdef":
        items.create(key=key, data={})
    page = items.page(order="desc", from_="e", bounds="exclusive", page_size=2)
    assert page.next_page_token is not None
    cursor = Cursor.parse(page.next_page_token, scope=None)
    assert cursor.scope.descending is True
    assert cursor.scope.start == "e"
    assert cursor.scope.inclusive is False
    assert cursor.scope.name.startswith("map_item:IS")
    assert [item.key for item in items.page(page_token=page.next_page_token)] == ["b", "a"]


def forged(scope: str, position: tuple[str | int, ...], **fixed: Any) -> str:
    return Cursor(Scope(scope, **fixed), position, backwards=False, page=1).to_token()


def test_a_token_whose_positions_are_of_the_wrong_type_is_54453(sync: Sync) -> None:
    svc = sync.services("default")
    svc.documents.create(unique_name="d")
    svc.sync_maps.create(unique_name="m")
    svc.sync_lists.create(unique_name="l")
    map_sid = svc.sync_maps("m").fetch().sid
    list_sid = svc.sync_lists("l").fetch().sid
    service_sid = svc.fetch().sid
    doc_sid = svc.documents("d").fetch().sid
    refusals: list[tuple[Callable[..., object], str]] = [
        (sync.services.page, forged("services", ("one",))),
        (svc.documents.page, forged(f"documents:{service_sid}", ("one",))),
        (svc.sync_maps("m").sync_map_items.page, forged(f"map_item:{map_sid}", (1,))),
        (svc.sync_lists("l").sync_list_items.page, forged(f"list_item:{list_sid}", ("1",))),
        (
            svc.sync_lists("l").sync_list_items.page,
            forged(f"list_item:{list_sid}", (1,), start="x"),
        ),
        (svc.documents("d").document_permissions.page, forged(f"permissions:{doc_sid}", (7,))),
        (svc.documents.page, forged(f"documents:{service_sid}", ())),
        (sync.services.page, forged("services", (1, 2))),
        (svc.sync_maps("m").sync_map_items.page, forged(f"map_item:{map_sid}", ())),
    ]
    for page, token in refusals:
        with pytest.raises(InvalidParameterError) as caught:
            page(page_token=token)
        assert caught.value.code == 54453, token
    sync._check()


def test_the_rest_routes_are_the_specs_operations_in_one_table() -> None:
    spec = json.loads(
        (Path(__file__).parent.parent / "data" / "twilio_sync_v1.openapi.json").read_text()
    )
    operations = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "delete")
    }
    assert {(route.method, f"/v1{route.path}") for route in ROUTES} == operations
    assert len(ROUTES) == 48


def test_the_names_of_public_signatures_are_exported() -> None:
    for name in ("UNSET", "Unset", "EventCallback", "WebhookSink", "JsonData", "__version__"):
        assert name in sync_core.__all__
        assert getattr(sync_core, name) is not None
    metadata = importlib.import_module("importlib.metadata")
    assert sync_core.__version__ == metadata.version("sync_core")
    assert "ttl" in inspect.signature(DocumentList.create).parameters
    annotation = inspect.signature(DocumentList.create).parameters["ttl"].annotation
    assert "int" in str(annotation)
    assert "object" not in str(annotation)


@pytest.mark.parametrize(
    ("module", "name", "home"),
    [
        ("sync_core.acl", "PermissionList", "sync_core.permissions"),
        ("sync_core.acl", "PermissionContext", "sync_core.permissions"),
        ("sync_core.acl", "DOCUMENT_PERMISSIONS", "sync_core.documents"),
        ("sync_core.acl", "MAP_PERMISSIONS", "sync_core.maps"),
        ("sync_core.acl", "LIST_PERMISSIONS", "sync_core.lists"),
        ("sync_core.containers", "ContainerList", "sync_core.objects"),
        ("sync_core.containers", "ContainerContext", "sync_core.objects"),
        ("sync_core.lookup", "expiry_after", "sync_core.params"),
        ("sync_core.acl", "PermissionKind", "sync_core.permissions"),
    ],
)
def test_a_name_that_moved_still_answers_with_a_deprecation_warning(
    module: str, name: str, home: str
) -> None:
    with pytest.deprecated_call(match=f"moved to {home}.{name}"):
        value = getattr(importlib.import_module(module), name)
    assert value is getattr(importlib.import_module(home), name)
    with pytest.raises(AttributeError):
        _ = importlib.import_module(module).no_such_name


def test_streams_have_no_permissions_by_the_acl_module() -> None:
    from sync_core.acl import PERMISSION_KINDS

    assert {"document", "map", "list"} == PERMISSION_KINDS
    sync = Sync(seed=3)
    svc = sync.services.create(acl_enabled=True)
    alice = sync.services(svc.sid).for_identity("alice")
    alice.sync_streams.create(unique_name="s")  # no permission needed, none possible
    assert [s.unique_name for s in alice.sync_streams.list()] == ["s"]
    assert not hasattr(sync.services(svc.sid).sync_streams("s"), "stream_permissions")
