"""The operations a client identity can attempt, and the permission flag each needs.

Shared by ``tests/unit/test_acl.py`` (one example per flag, kind and operation) and
``tests/properties/test_acl_properties.py`` (random permission tables). The world is
one Service holding a Document ``d``, a Map ``m`` with item ``k``, a List ``l`` with
item ``0`` and a Stream ``s``; every case acts on it through an identity's view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import attrs

from sync_core import ServiceContext, Sync

Flag = Literal["read", "write", "manage"] | None
Kind = Literal["document", "map", "list", "stream", "service"]


@attrs.frozen
class Case:
    """One operation: on which object kind, needing which flag (None: no flag covers it)."""

    name: str
    kind: Kind
    flag: Flag
    run: Callable[[ServiceContext], Any]
    on_object: bool = True  # False: on the collection (create, list), not on s, d, m or l


def _noop(event: object) -> None:
    """A subscriber that ignores what it gets."""


CASES: list[Case] = [
    # Documents
    Case("fetch a document", "document", "read", lambda v: v.documents("d").fetch()),
    Case(
        "subscribe to a document", "document", "read", lambda v: v.documents("d").subscribe(_noop)
    ),
    Case(
        "update a document's data",
        "document",
        "write",
        lambda v: v.documents("d").update(data={"by": "client"}),
    ),
    Case("update a document's ttl", "document", "write", lambda v: v.documents("d").update(ttl=60)),
    Case("delete a document", "document", "manage", lambda v: v.documents("d").delete()),
    # Maps and their items
    Case("fetch a map", "map", "read", lambda v: v.sync_maps("m").fetch()),
    Case("subscribe to a map", "map", "read", lambda v: v.sync_maps("m").subscribe(_noop)),
    Case("list map items", "map", "read", lambda v: v.sync_maps("m").sync_map_items.list()),
    Case(
        "page map items",
        "map",
        "read",
        lambda v: v.sync_maps("m").sync_map_items.page(order="desc"),
    ),
    Case("fetch a map item", "map", "read", lambda v: v.sync_maps("m").sync_map_items("k").fetch()),
    Case(
        "add a map item",
        "map",
        "write",
        lambda v: v.sync_maps("m").sync_map_items.create(key="new", data={"n": 1}),
    ),
    Case(
        "update a map item",
        "map",
        "write",
        lambda v: v.sync_maps("m").sync_map_items("k").update(data={"n": 2}),
    ),
    Case(
        "remove a map item", "map", "write", lambda v: v.sync_maps("m").sync_map_items("k").delete()
    ),
    Case("update a map's ttl", "map", "write", lambda v: v.sync_maps("m").update(ttl=60)),
    Case("delete a map", "map", "manage", lambda v: v.sync_maps("m").delete()),
    # Lists and their items
    Case("fetch a list", "list", "read", lambda v: v.sync_lists("l").fetch()),
    Case("subscribe to a list", "list", "read", lambda v: v.sync_lists("l").subscribe(_noop)),
    Case("list list items", "list", "read", lambda v: v.sync_lists("l").sync_list_items.list()),
    Case(
        "page list items",
        "list",
        "read",
        lambda v: v.sync_lists("l").sync_list_items.page(from_=0),
    ),
    Case(
        "fetch a list item", "list", "read", lambda v: v.sync_lists("l").sync_list_items(0).fetch()
    ),
    Case(
        "append a list item",
        "list",
        "write",
        lambda v: v.sync_lists("l").sync_list_items.create(data={"n": 1}),
    ),
    Case(
        "update a list item",
        "list",
        "write",
        lambda v: v.sync_lists("l").sync_list_items(0).update(data={"n": 2}),
    ),
    Case(
        "remove a list item",
        "list",
        "write",
        lambda v: v.sync_lists("l").sync_list_items(0).delete(),
    ),
    Case(
        "update a list's ttl", "list", "write", lambda v: v.sync_lists("l").update(collection_ttl=9)
    ),
    Case("delete a list", "list", "manage", lambda v: v.sync_lists("l").delete()),
]

#: What no flag covers: refused to any client identity while ACLs are on.
UNCOVERED: list[Case] = [
    Case("create a document", "service", None, lambda v: v.documents.create(data={})),
    Case("list documents", "service", None, lambda v: v.documents.list()),
    Case("create a map", "service", None, lambda v: v.sync_maps.create()),
    Case("list maps", "service", None, lambda v: v.sync_maps.list()),
    Case("create a list", "service", None, lambda v: v.sync_lists.create()),
    Case("list lists", "service", None, lambda v: v.sync_lists.list()),
    Case("fetch the service", "service", None, lambda v: v.fetch()),
    Case("update the service", "service", None, lambda v: v.update(friendly_name="mine")),
    Case("delete the service", "service", None, lambda v: v.delete()),
    Case("subscribe to the service", "service", None, lambda v: v.subscribe(_noop)),
    Case(
        "set a document permission",
        "document",
        None,
        lambda v: (
            v.documents("d").document_permissions("eve").update(read=True, write=True, manage=True)
        ),
    ),
    Case(
        "list map permissions",
        "map",
        None,
        lambda v: v.sync_maps("m").sync_map_permissions.list(),
    ),
    Case(
        "fetch a list permission",
        "list",
        None,
        lambda v: v.sync_lists("l").sync_list_permissions("owner").fetch(),
    ),
    Case(
        "delete a document permission",
        "document",
        None,
        lambda v: v.documents("d").document_permissions("owner").delete(),
    ),
]

#: Streams have no permissions: an identity may do everything with them (docs).
STREAM_CASES: list[Case] = [
    Case("create a stream", "stream", None, lambda v: v.sync_streams.create(), on_object=False),
    Case("list streams", "stream", None, lambda v: v.sync_streams.list(), on_object=False),
    Case("fetch a stream", "stream", None, lambda v: v.sync_streams("s").fetch()),
    Case("update a stream", "stream", None, lambda v: v.sync_streams("s").update(ttl=5)),
    Case(
        "publish to a stream",
        "stream",
        None,
        lambda v: v.sync_streams("s").stream_messages.create(data={"x": 1}),
    ),
    Case("subscribe to a stream", "stream", None, lambda v: v.sync_streams("s").subscribe(_noop)),
    Case("delete a stream", "stream", None, lambda v: v.sync_streams("s").delete()),
]

#: The object each kind of case acts on, by unique name.
OBJECT_OF: dict[str, str] = {"document": "d", "map": "m", "list": "l"}


def build_world(sync: Sync, *, acl_enabled: bool) -> ServiceContext:
    """One Service with d, m (item k), l (item 0) and s, made by ``system``.

    ``owner`` may read d, m and l (and never acts).
    """
    svc = sync.services.create(friendly_name="world", acl_enabled=acl_enabled)
    tree = sync.services(svc.sid)
    tree.documents.create(unique_name="d", data={"v": 0})
    tree.sync_maps.create(unique_name="m")
    tree.sync_maps("m").sync_map_items.create(key="k", data={"v": 0})
    tree.sync_lists.create(unique_name="l")
    tree.sync_lists("l").sync_list_items.create(data={"v": 0})
    tree.sync_streams.create(unique_name="s")
    for kind in OBJECT_OF:  # an identity that never acts, so that permissions exist
        grant(tree, kind, "owner", read=True)
    return tree


def grant(tree: ServiceContext, kind: str, identity: str, **flags: bool) -> None:
    """Set ``identity``'s permission on the object of ``kind`` (missing flags false)."""
    values = {"read": False, "write": False, "manage": False, **flags}
    name = OBJECT_OF[kind]
    if kind == "document":
        tree.documents(name).document_permissions(identity).update(**values)
    elif kind == "map":
        tree.sync_maps(name).sync_map_permissions(identity).update(**values)
    else:
        tree.sync_lists(name).sync_list_permissions(identity).update(**values)


def snapshot(tree: ServiceContext) -> dict[str, Any]:
    """Everything in the world as ``system`` sees it, as plain data."""
    return {
        "service": tree.fetch().to_dict(),
        "documents": [d.to_dict() for d in tree.documents.list()],
        "maps": [m.to_dict() for m in tree.sync_maps.list()],
        "lists": [lst.to_dict() for lst in tree.sync_lists.list()],
        "streams": [s.to_dict() for s in tree.sync_streams.list()],
        "map items": {
            m.sid: [i.to_dict() for i in tree.sync_maps(m.sid).sync_map_items.list()]
            for m in tree.sync_maps.list()
        },
        "list items": {
            lst.sid: [i.to_dict() for i in tree.sync_lists(lst.sid).sync_list_items.list()]
            for lst in tree.sync_lists.list()
        },
        "permissions": {
            **{
                d.sid: [p.to_dict() for p in tree.documents(d.sid).document_permissions.list()]
                for d in tree.documents.list()
            },
            **{
                m.sid: [p.to_dict() for p in tree.sync_maps(m.sid).sync_map_permissions.list()]
                for m in tree.sync_maps.list()
            },
            **{
                lst.sid: [
                    p.to_dict() for p in tree.sync_lists(lst.sid).sync_list_permissions.list()
                ]
                for lst in tree.sync_lists.list()
            },
        },
    }
