"""Code written against twilio-python's objects runs on sync_core's by duck typing.

Walks twilio-python's own ``*Instance``, ``*List`` and ``*Context`` classes of the Sync
v1 package and asserts that every public method and property they have (and every
data attribute an instance sets) exists on sync_core's counterpart, but for the names
that cannot apply, each listed with its reason.
"""

from __future__ import annotations

import asyncio
import copy
import importlib
import inspect
import pickle
import pkgutil
from typing import Any

import pytest

import sync_core
from sync_core import Sync

twilio_v1 = pytest.importorskip("twilio.rest.sync.v1.service")

#: twilio-python's name of each class -> sync_core's counterpart.
COUNTERPARTS: dict[str, type] = {
    "ServiceInstance": sync_core.ServiceRecord,
    "ServiceContext": sync_core.ServiceContext,
    "ServiceList": sync_core.ServiceList,
    "DocumentInstance": sync_core.DocumentRecord,
    "DocumentContext": sync_core.DocumentContext,
    "DocumentList": sync_core.DocumentList,
    "DocumentPermissionInstance": sync_core.DocumentPermissionRecord,
    "DocumentPermissionContext": sync_core.PermissionContext,
    "DocumentPermissionList": sync_core.PermissionList,
    "SyncMapInstance": sync_core.SyncMapRecord,
    "SyncMapContext": sync_core.SyncMapContext,
    "SyncMapList": sync_core.SyncMapList,
    "SyncMapItemInstance": sync_core.SyncMapItemRecord,
    "SyncMapItemContext": sync_core.SyncMapItemContext,
    "SyncMapItemList": sync_core.SyncMapItemList,
    "SyncMapPermissionInstance": sync_core.SyncMapPermissionRecord,
    "SyncMapPermissionContext": sync_core.PermissionContext,
    "SyncMapPermissionList": sync_core.PermissionList,
    "SyncListInstance": sync_core.SyncListRecord,
    "SyncListContext": sync_core.SyncListContext,
    "SyncListList": sync_core.SyncListList,
    "SyncListItemInstance": sync_core.SyncListItemRecord,
    "SyncListItemContext": sync_core.SyncListItemContext,
    "SyncListItemList": sync_core.SyncListItemList,
    "SyncListPermissionInstance": sync_core.SyncListPermissionRecord,
    "SyncListPermissionContext": sync_core.PermissionContext,
    "SyncListPermissionList": sync_core.PermissionList,
    "SyncStreamInstance": sync_core.SyncStreamRecord,
    "SyncStreamContext": sync_core.SyncStreamContext,
    "SyncStreamList": sync_core.SyncStreamList,
    "StreamMessageInstance": sync_core.StreamMessageRecord,
    "StreamMessageList": sync_core.StreamMessageList,
}

#: Names of twilio-python's objects that cannot apply to the plain API, and why.
NOT_APPLICABLE: dict[str, str] = {
    "_with_http_info": "an HTTP status code and headers exist only on the wire: the SDK "
    "over SyncHttpClient (or RestApi) gives them",
    "get_page": "reads a page by its absolute URL, an HTTP notion: page(page_token=...) "
    "reads one by its token",
}


def _not_applicable(name: str) -> bool:
    return any(part in name for part in NOT_APPLICABLE)


def _twilio_classes() -> dict[str, type]:
    found: dict[str, type] = {}
    modules = [twilio_v1.__name__] + [
        module.name
        for module in pkgutil.walk_packages(twilio_v1.__path__, f"{twilio_v1.__name__}.")
    ]
    for name in modules:
        module = importlib.import_module(name)
        for class_name, cls in vars(module).items():
            if (
                inspect.isclass(cls)
                and cls.__module__ == name
                and class_name.endswith(("Instance", "List", "Context"))
            ):
                found[class_name] = cls
    return found


TWILIO_CLASSES = _twilio_classes()


def test_every_class_of_the_sdks_sync_package_has_a_counterpart() -> None:
    assert set(TWILIO_CLASSES) == set(COUNTERPARTS)


def _instance_attributes(cls: type) -> set[str]:
    """The data attributes a twilio-python instance sets from its payload."""
    parameters = list(inspect.signature(cls).parameters)[2:]  # version, payload
    instance = cls(None, {}, *(["x"] * len(parameters)))
    return {name for name in vars(instance) if not name.startswith("_")}


@pytest.mark.parametrize("twilio_name", sorted(COUNTERPARTS))
def test_the_counterpart_has_every_public_name(twilio_name: str) -> None:
    theirs = TWILIO_CLASSES[twilio_name]
    ours = COUNTERPARTS[twilio_name]
    names = {name for name in dir(theirs) if not name.startswith("_")} - set(dir(object))
    if twilio_name.endswith("Instance"):
        names |= _instance_attributes(theirs)
    fields = {field.name for field in getattr(ours, "__attrs_attrs__", ())}
    missing = sorted(
        name
        for name in names
        if not _not_applicable(name) and not hasattr(ours, name) and name not in fields
    )
    assert missing == [], f"{ours.__name__} lacks {missing} of {theirs.__name__}"


def test_records_act_as_the_identity_that_read_them_and_stay_snapshots(sync: Sync) -> None:
    svc = sync.services.create(acl_enabled=True)
    plain = sync.services(svc.sid)
    doc = plain.documents.create(unique_name="notes", data={"n": 1})
    doc.document_permissions("alice").update(read=True, write=True, manage=False)
    alice_doc = plain.for_identity("alice").documents("notes").fetch()
    updated = alice_doc.update(data={"n": 2})
    assert (updated.revision, alice_doc.revision, alice_doc.data) == ("1", "0", {"n": 1})
    assert plain.documents("notes").fetch().data == {"n": 2}
    with pytest.raises(sync_core.ForbiddenError):
        alice_doc.delete()  # alice has no manage: the record acts as alice, not as system
    assert doc.delete() is True  # read by system, it acts as system
    with pytest.raises(sync_core.NotFoundError):
        alice_doc.fetch()


def test_every_record_reaches_its_sub_resources(sync: Sync) -> None:
    svc = sync.services("default").fetch()
    the_map = svc.sync_maps.create(unique_name="m")
    item = the_map.sync_map_items.create(key="k", data={"a": 1})
    assert item.update(data={"a": 2}).revision == "1"
    assert the_map.fetch().revision == "2"
    the_list = svc.sync_lists.create(unique_name="l")
    entry = the_list.sync_list_items.create(data={})
    assert entry.fetch().index == 0
    assert entry.delete() is True
    grant = the_list.sync_list_permissions("bob").update(read=True, write=False, manage=False)
    assert grant.fetch().read is True
    stream = svc.sync_streams.create(unique_name="s")
    assert stream.stream_messages.create(data={"x": 1}).data == {"x": 1}
    assert stream.update(ttl=60).date_expires is not None
    assert [m.unique_name for m in svc.sync_maps.list()] == ["m"]
    assert svc.update(friendly_name="renamed").friendly_name == "renamed"
    assert item.QueryResultOrder.DESC == "desc"
    assert entry.QueryFromBoundType.EXCLUSIVE == "exclusive"


def test_every_call_has_its_async_twin(sync: Sync) -> None:
    async def scenario() -> list[Any]:
        svc = sync.services("default")
        doc = await svc.documents.create_async(unique_name="d", data={"a": 1})
        updated = await svc.documents("d").update_async(data={"a": 2})
        fetched = await doc.fetch_async()
        page = await svc.documents.page_async(page_size=1)
        listed = await svc.documents.list_async()
        streamed = [d.unique_name async for d in await svc.documents.stream_async(limit=1)]
        the_map = await svc.sync_maps.create_async(unique_name="m")
        item = await the_map.sync_map_items.create_async(key="k", data={})
        items = await the_map.sync_map_items.list_async(order="desc")
        gone = await item.delete_async()
        message = await svc.sync_streams.create(unique_name="s").stream_messages.create_async(
            data={"x": 1}
        )
        service = await svc.fetch_async()
        return [
            updated.revision,
            fetched.data,
            len(page),
            len(listed),
            streamed,
            [i.key for i in items],
            gone,
            message.data,
            service.sid,
        ]

    revision, data, page, listed, streamed, keys, gone, message, service = asyncio.run(scenario())
    assert (revision, data, page, listed, streamed) == ("1", {"a": 2}, 1, 1, ["d"])
    assert (keys, gone, message) == (["k"], True, {"x": 1})
    assert service.startswith("IS")


def test_a_record_pickles_and_copies_and_a_copy_acts_as_the_original(sync: Sync) -> None:
    doc = sync.services("default").documents.create(unique_name="d", data={"a": [1]})
    thawed = pickle.loads(pickle.dumps(doc))
    assert thawed == doc
    with pytest.raises(TypeError, match="not read from a Sync"):
        thawed.fetch()  # a pickle carries no Sync to act on
    deep = copy.deepcopy(doc)
    assert deep == doc
    assert deep.data is not doc.data
    assert deep.update(data={"a": [2]}).revision == "1"
    assert copy.copy(doc).fetch().data == {"a": [2]}


def test_a_sid_generator_must_give_the_prefix_asked() -> None:
    class Careless:
        def __call__(self, prefix: str) -> str:
            return "ZZ" + "0" * 32

    with pytest.raises(ValueError, match="for the prefix 'IS'"):
        Sync(sid_generator=Careless()).services.create()
