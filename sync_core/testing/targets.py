"""The targets sync_core ships for the semantics machine.

Each one owns a fresh service in a :class:`~sync_core.Sync` on a
:class:`~sync_core.ManualClock` (or the ``Sync`` you pass), subscribes to that service
to observe its events, and moves time with the clock:

- :class:`PlainTarget`: the plain API, ``sync.services(sid)...``, acting as ``system``.
- :class:`RestTarget`: :class:`~sync_core.adapters.rest.RestApi`, with requests built
  as HTTP carries them (form fields as text, ``If-Match`` header, ``next_page_url``).
- :class:`TwilioSdkTarget`: the official ``twilio.rest.Client`` over
  :class:`~sync_core.adapters.twilio.SyncHttpClient` (needs the ``twilio`` package,
  imported only when this target is built).

``TwilioSdkTarget(client=...)`` drives any ``twilio.rest.Client`` you built instead:
one whose requests go to your own server over HTTP, say. It then owns a service it
creates through that client and deletes in ``close()``; it observes no events and
cannot travel in time, unless you also give it the ``Sync`` behind your server
(``backend=``).

See :mod:`sync_core.testing.target` for the interface, to write a target of your own.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote

from ..adapters.rest import RestApi
from ..clock import ManualClock
from ..errors import SyncError
from ..events import SyncEvent
from ..records import format_date
from ..sync import Sync
from .target import Bounds, CollectionKind, Json, ObjectKind, Order, Place, SyncTarget, TargetError

__all__ = ["PlainTarget", "RestTarget", "TwilioSdkTarget"]

#: More items than any listing of the machine holds: a listing this long never ends.
_LISTING_CAP: Final = 10_000

#: Each kind's collection in the plain tree and the SDK, and in REST paths.
_ATTRIBUTES: Final = {"document": "documents", "map": "sync_maps", "list": "sync_lists"}
_SEGMENTS: Final = {"document": "Documents", "map": "Maps", "list": "Lists"}
_ITEMS: Final = {"map": "sync_map_items", "list": "sync_list_items"}
_PERMISSIONS: Final = {
    "document": "document_permissions",
    "map": "sync_map_permissions",
    "list": "sync_list_permissions",
}


@contextmanager
def _refusals() -> Iterator[None]:
    """Turn sync_core's errors into :class:`TargetError`."""
    try:
        yield
    except SyncError as error:
        raise TargetError(error.status, error.code, error.message) from error


def _given(**values: object) -> dict[str, object]:
    """The keyword arguments that are given (not None)."""
    return {name: value for name, value in values.items() if value is not None}


#: The friendly name of the service a target creates.
_FRIENDLY_NAME: Final = "semantics machine"


class _Watch:
    """One service of a Sync watched from inside: its events as they come, and its
    clock, when that is a :class:`~sync_core.ManualClock` (time can then be moved)."""

    def __init__(self, sync: Sync, service_sid: str) -> None:
        self.sync = sync
        clock = sync.clock
        self.clock = clock if isinstance(clock, ManualClock) else None
        self.events: list[Json] = []
        self._subscription = sync.services(service_sid).subscribe(self._observe)

    def _observe(self, event: SyncEvent) -> None:
        self.events.append(event.to_dict())

    def advance(self, seconds: int) -> None:
        """Move the clock on; whatever expired by then is removed (and announced) now."""
        if self.clock is None:  # can_travel_in_time is False: the machine never asks
            raise NotImplementedError("this target cannot travel in time")
        self.clock.advance(seconds)
        self.sync.expire()

    def close(self) -> None:
        self._subscription.unsubscribe()


class _SyncBacked(SyncTarget):
    """What the plain and REST targets share: a Sync, a service in it, watched."""

    def __init__(self, sync: Sync | None = None, *, seed: int = 0) -> None:
        self.sync = sync if sync is not None else Sync(clock=ManualClock(), seed=seed)
        self.service_sid = self.sync.services.create(friendly_name=_FRIENDLY_NAME).sid
        self._watch = _Watch(self.sync, self.service_sid)
        self.clock = self._watch.clock
        self.can_travel_in_time = self.clock is not None

    def advance(self, seconds: int) -> None:
        self._watch.advance(seconds)

    def events(self) -> list[Json]:
        return list(self._watch.events)

    def close(self) -> None:
        self._watch.close()


class PlainTarget(_SyncBacked):
    """The plain API (``sync.services(sid).documents(...)``), acting as ``system``.

    Args:
        sync: the Sync to use; by default a new one on a ManualClock with ``seed``.
            Time travel needs its clock to be a :class:`~sync_core.ManualClock`.
        seed: the SID seed of the Sync made when none is given.
    """

    def _objects(self, kind: ObjectKind) -> Any:
        return getattr(self.sync.services(self.service_sid), _ATTRIBUTES[kind])

    def _items(self, kind: CollectionKind, name: str) -> Any:
        return getattr(self._objects(kind)(name), _ITEMS[kind])

    def _permissions(self, kind: ObjectKind, name: str) -> Any:
        return getattr(self._objects(kind)(name), _PERMISSIONS[kind])

    def create_document(self, unique_name: str | None, data: Json | None, ttl: int | None) -> Json:
        with _refusals():
            record = self._objects("document").create(unique_name=unique_name, data=data, ttl=ttl)
            return dict(record.to_dict())

    def fetch_document(self, name: str) -> Json:
        with _refusals():
            return dict(self._objects("document")(name).fetch().to_dict())

    def update_document(
        self,
        name: str,
        *,
        data: Json | None = None,
        ttl: int | None = None,
        if_match: str | None = None,
    ) -> Json:
        with _refusals():
            context = self._objects("document")(name)
            return dict(context.update(data=data, ttl=ttl, if_match=if_match).to_dict())

    def delete_document(self, name: str) -> None:
        with _refusals():
            self._objects("document")(name).delete()

    def create_collection(
        self,
        kind: CollectionKind,
        unique_name: str | None,
        ttl: int | None,
        *,
        ttl_alias: int | None = None,
    ) -> Json:
        with _refusals():
            create = self._objects(kind).create
            record = create(unique_name=unique_name, collection_ttl=ttl, ttl=ttl_alias)
            return dict(record.to_dict())

    def fetch_collection(self, kind: CollectionKind, name: str) -> Json:
        with _refusals():
            return dict(self._objects(kind)(name).fetch().to_dict())

    def update_collection(
        self, kind: CollectionKind, name: str, ttl: int | None, *, ttl_alias: int | None = None
    ) -> Json:
        with _refusals():
            update = self._objects(kind)(name).update
            return dict(update(collection_ttl=ttl, ttl=ttl_alias).to_dict())

    def delete_collection(self, kind: CollectionKind, name: str) -> None:
        with _refusals():
            self._objects(kind)(name).delete()

    def add_item(
        self,
        kind: CollectionKind,
        name: str,
        key: str | None,
        data: Json | None,
        ttl: int | None,
        *,
        ttl_alias: int | None = None,
        collection_ttl: int | None = None,
    ) -> Json:
        with _refusals():
            items = self._items(kind, name)
            where = {} if kind == "list" else {"key": key}
            ttls = {"item_ttl": ttl, "ttl": ttl_alias, "collection_ttl": collection_ttl}
            return dict(items.create(data=data, **ttls, **where).to_dict())

    def fetch_item(self, kind: CollectionKind, name: str, place: Place) -> Json:
        with _refusals():
            return dict(self._items(kind, name)(place).fetch().to_dict())

    def update_item(
        self,
        kind: CollectionKind,
        name: str,
        place: Place,
        *,
        data: Json | None = None,
        ttl: int | None = None,
        if_match: str | None = None,
        ttl_alias: int | None = None,
        collection_ttl: int | None = None,
    ) -> Json:
        with _refusals():
            update = self._items(kind, name)(place).update
            ttls = {"item_ttl": ttl, "ttl": ttl_alias, "collection_ttl": collection_ttl}
            return dict(update(data=data, if_match=if_match, **ttls).to_dict())

    def delete_item(
        self, kind: CollectionKind, name: str, place: Place, *, if_match: str | None = None
    ) -> None:
        with _refusals():
            self._items(kind, name)(place).delete(if_match=if_match)

    def list_items(
        self,
        kind: CollectionKind,
        name: str,
        *,
        order: Order | None = None,
        from_: Place | None = None,
        bounds: Bounds | None = None,
        page_size: int | None = None,
    ) -> list[Json]:
        with _refusals():
            items = self._items(kind, name).stream(
                order=order, from_=from_, bounds=bounds, page_size=page_size
            )
            rows = [dict(item.to_dict()) for item in itertools.islice(items, _LISTING_CAP + 1)]
        if len(rows) > _LISTING_CAP:  # pages that never end fail instead of hanging
            raise RuntimeError(f"a listing of more than {_LISTING_CAP} items")
        return rows

    def set_permission(
        self, kind: ObjectKind, name: str, identity: str, read: bool, write: bool, manage: bool
    ) -> Json:
        with _refusals():
            permission = self._permissions(kind, name)(identity)
            return dict(permission.update(read=read, write=write, manage=manage).to_dict())

    def fetch_permission(self, kind: ObjectKind, name: str, identity: str) -> Json:
        with _refusals():
            return dict(self._permissions(kind, name)(identity).fetch().to_dict())

    def delete_permission(self, kind: ObjectKind, name: str, identity: str) -> None:
        with _refusals():
            self._permissions(kind, name)(identity).delete()

    def list_permissions(self, kind: ObjectKind, name: str) -> list[Json]:
        with _refusals():
            return [dict(p.to_dict()) for p in self._permissions(kind, name).list()]


def _segment(value: Place) -> str:
    """A name, key or index as one percent-encoded path segment."""
    return quote(str(value), safe="")


class RestTarget(_SyncBacked):
    """The REST adapter, :class:`~sync_core.adapters.rest.RestApi`, driven like HTTP.

    Form fields and query parameters are sent as text (``Data`` as JSON text, TTLs as
    digits), ``if_match`` as the ``If-Match`` header, and listings follow
    ``meta.next_page_url`` to the last page. Arguments as :class:`PlainTarget`.
    """

    def __init__(self, sync: Sync | None = None, *, seed: int = 0) -> None:
        super().__init__(sync, seed=seed)
        self.api = RestApi(self.sync)

    def _call(
        self,
        method: str,
        path: str,
        *,
        form: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        if_match: str | None = None,
    ) -> Json:
        """One request; its JSON body ({} for 204), or TargetError for an error answer."""
        data = {
            name: _form_text(value) for name, value in (form or {}).items() if value is not None
        }
        params = {name: str(value) for name, value in (query or {}).items() if value is not None}
        headers = {} if if_match is None else {"If-Match": if_match}
        answer = self.api.handle(method, path, params=params, data=data, headers=headers)
        body = answer.body or {}
        if answer.status >= 400:
            raise TargetError(body["status"], body["code"], body.get("message", ""))
        return body

    def _path(self, kind: ObjectKind, *segments: Place) -> str:
        """``/v1/Services/<sid>/<Kind>/<segment>/...``, each segment percent-encoded."""
        base = f"/v1/Services/{self.service_sid}/{_SEGMENTS[kind]}"
        return "/".join([base, *(_segment(segment) for segment in segments)])

    def _walk(self, path: str, key: str, query: Mapping[str, object]) -> list[Json]:
        """Every record of a listing: the first page, then each ``next_page_url``."""
        body = self._call("GET", path, query=query)
        records = list(body[key])
        while body["meta"]["next_page_url"] is not None:
            body = self._call("GET", body["meta"]["next_page_url"])
            records.extend(body[key])
        return records

    def create_document(self, unique_name: str | None, data: Json | None, ttl: int | None) -> Json:
        form = {"UniqueName": unique_name, "Data": data, "Ttl": ttl}
        return self._call("POST", self._path("document"), form=form)

    def fetch_document(self, name: str) -> Json:
        return self._call("GET", self._path("document", name))

    def update_document(
        self,
        name: str,
        *,
        data: Json | None = None,
        ttl: int | None = None,
        if_match: str | None = None,
    ) -> Json:
        form = {"Data": data, "Ttl": ttl}
        return self._call("POST", self._path("document", name), form=form, if_match=if_match)

    def delete_document(self, name: str) -> None:
        self._call("DELETE", self._path("document", name))

    def create_collection(
        self,
        kind: CollectionKind,
        unique_name: str | None,
        ttl: int | None,
        *,
        ttl_alias: int | None = None,
    ) -> Json:
        form = {"UniqueName": unique_name, "CollectionTtl": ttl, "Ttl": ttl_alias}
        return self._call("POST", self._path(kind), form=form)

    def fetch_collection(self, kind: CollectionKind, name: str) -> Json:
        return self._call("GET", self._path(kind, name))

    def update_collection(
        self, kind: CollectionKind, name: str, ttl: int | None, *, ttl_alias: int | None = None
    ) -> Json:
        form = {"CollectionTtl": ttl, "Ttl": ttl_alias}
        return self._call("POST", self._path(kind, name), form=form)

    def delete_collection(self, kind: CollectionKind, name: str) -> None:
        self._call("DELETE", self._path(kind, name))

    def add_item(
        self,
        kind: CollectionKind,
        name: str,
        key: str | None,
        data: Json | None,
        ttl: int | None,
        *,
        ttl_alias: int | None = None,
        collection_ttl: int | None = None,
    ) -> Json:
        form = {"Key": key, "Data": data, **_ttl_form(ttl, ttl_alias, collection_ttl)}
        return self._call("POST", self._path(kind, name, "Items"), form=form)

    def fetch_item(self, kind: CollectionKind, name: str, place: Place) -> Json:
        return self._call("GET", self._path(kind, name, "Items", place))

    def update_item(
        self,
        kind: CollectionKind,
        name: str,
        place: Place,
        *,
        data: Json | None = None,
        ttl: int | None = None,
        if_match: str | None = None,
        ttl_alias: int | None = None,
        collection_ttl: int | None = None,
    ) -> Json:
        path = self._path(kind, name, "Items", place)
        form = {"Data": data, **_ttl_form(ttl, ttl_alias, collection_ttl)}
        return self._call("POST", path, form=form, if_match=if_match)

    def delete_item(
        self, kind: CollectionKind, name: str, place: Place, *, if_match: str | None = None
    ) -> None:
        self._call("DELETE", self._path(kind, name, "Items", place), if_match=if_match)

    def list_items(
        self,
        kind: CollectionKind,
        name: str,
        *,
        order: Order | None = None,
        from_: Place | None = None,
        bounds: Bounds | None = None,
        page_size: int | None = None,
    ) -> list[Json]:
        query = {"Order": order, "From": from_, "Bounds": bounds, "PageSize": page_size}
        return self._walk(self._path(kind, name, "Items"), "items", query)

    def set_permission(
        self, kind: ObjectKind, name: str, identity: str, read: bool, write: bool, manage: bool
    ) -> Json:
        form = {"Read": read, "Write": write, "Manage": manage}
        return self._call("POST", self._path(kind, name, "Permissions", identity), form=form)

    def fetch_permission(self, kind: ObjectKind, name: str, identity: str) -> Json:
        return self._call("GET", self._path(kind, name, "Permissions", identity))

    def delete_permission(self, kind: ObjectKind, name: str, identity: str) -> None:
        self._call("DELETE", self._path(kind, name, "Permissions", identity))

    def list_permissions(self, kind: ObjectKind, name: str) -> list[Json]:
        return self._walk(self._path(kind, name, "Permissions"), "permissions", {})


def _ttl_form(ttl: int | None, alias: int | None, collection_ttl: int | None) -> Json:
    """An item's TTL form fields."""
    return {"ItemTtl": ttl, "Ttl": alias, "CollectionTtl": collection_ttl}


def _form_text(value: object) -> str:
    """A form value as HTTP carries it: JSON text for data, ``true``/``false``, digits."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _sdk_json(instance: object) -> Json:
    """The REST JSON an SDK instance was built from (its public attributes, dates as text).

    The SDK parses dates into datetimes; they are written back in Twilio's format.
    """
    return {
        name: format_date(value) if isinstance(value, datetime) else value
        for name, value in vars(instance).items()
        if not name.startswith("_")
    }


class TwilioSdkTarget(SyncTarget):
    """The official ``twilio`` SDK's ``client.sync.v1``: answered by sync_core in-process,
    or by whatever server your own ``client`` reaches.

    By default (or with ``sync``) the target builds its client on
    :class:`~sync_core.adapters.twilio.SyncHttpClient`, with explicit credentials and a
    non-empty ``environment`` so that no ``TWILIO_*`` variable of the machine running the
    tests leaks in, creates its service in the Sync, and observes it as
    :class:`PlainTarget` does.

    With ``client``, any ``twilio.rest.Client`` you built (its HTTP client sending to
    your server, say), the target creates its service through that client
    (``client.sync.v1.services.create``) and deletes it in :meth:`close`. It cannot see
    behind the server: :meth:`events` is None and ``can_travel_in_time`` False (the
    machine then checks no event, gives no positive TTL and checks no date), unless you
    pass the Sync that answers your server as ``backend``, whose service the target
    then observes, and whose :class:`~sync_core.ManualClock` it moves.

    >>> from twilio.rest import Client
    >>> from sync_core.adapters.twilio import SyncHttpClient
    >>> server = Sync(seed=1)   # stands for your server
    >>> client = Client("AC" + "0" * 32, "test-token", http_client=SyncHttpClient(server),
    ...                 environment={"MY_TESTS": "1"})
    >>> target = TwilioSdkTarget(client=client)
    >>> target.create_document("notes", {"n": 1}, None)["service_sid"] == target.service_sid
    True
    >>> target.events(), target.can_travel_in_time
    (None, False)
    >>> target.close()
    >>> server.services.list()   # the service is deleted
    []
    >>> TwilioSdkTarget(server, client=client)
    Traceback (most recent call last):
    TypeError: sync= cannot go with client=, which drives the server it reaches (backend= is the Sync behind that server, if at hand)

    The SDK drops ``If-Match`` on item deletes and does not percent-encode keys
    (docs/twilio-sdk.md), so ``conditional_item_deletes`` and ``addresses_any_key`` are
    False.

    Args:
        sync: the Sync answering in-process; by default a new one on a ManualClock with
            ``seed`` (0 when not given). Not with ``client``.
        seed: the SID seed of the Sync made when none is given. Not with ``client``.
        client: a ``twilio.rest.Client`` to drive instead of an in-process one.
        backend: with ``client``, the Sync behind the server it reaches, if at hand.

    Raises:
        TypeError: ``client`` is not a ``twilio.rest.Client``, or comes with ``sync`` or
            ``seed``; or ``backend`` comes without ``client``.
        ValueError: ``backend`` does not hold the service the client created (which is
            deleted again).
    """

    conditional_item_deletes = False
    addresses_any_key = False

    #: Whether :meth:`close` deletes the service: one made through the ``client`` given.
    owns_service: bool
    #: The Sync that answers the client (``sync``, or ``backend``), if the target has it.
    sync: Sync | None

    def __init__(
        self,
        sync: Sync | None = None,
        *,
        seed: int | None = None,
        client: Any = None,
        backend: Sync | None = None,
    ) -> None:
        from twilio.rest import Client  # lazily: the twilio package is optional

        if client is None:
            if backend is not None:
                raise TypeError("backend= goes with client=: it is the Sync behind its server")
            from ..adapters.twilio import SyncHttpClient

            self.sync = sync if sync is not None else Sync(clock=ManualClock(), seed=seed or 0)
            self.service_sid = self.sync.services.create(friendly_name=_FRIENDLY_NAME).sid
            self.owns_service = False
            self.client = Client(
                self.sync.account_sid,
                "semantics-machine-token",
                http_client=SyncHttpClient(self.sync),
                environment={"TWILIO_REGION": ""},
            )
            self.service = self.client.sync.v1.services(self.service_sid)
            self._watch: _Watch | None = _Watch(self.sync, self.service_sid)
        else:
            given = [name for name, value in (("sync", sync), ("seed", seed)) if value is not None]
            if given:
                raise TypeError(
                    f"{'= and '.join(given)}= cannot go with client=, which drives the server "
                    "it reaches (backend= is the Sync behind that server, if at hand)"
                )
            if not isinstance(client, Client):
                raise TypeError(f"client must be a twilio.rest.Client, not {type(client).__name__}")
            self.sync = backend
            self.client = client
            self.service_sid = client.sync.v1.services.create(friendly_name=_FRIENDLY_NAME).sid
            self.owns_service = True
            self.service = client.sync.v1.services(self.service_sid)
            self._watch = None if backend is None else self._behind(backend)
        self.clock = None if self._watch is None else self._watch.clock
        self.can_travel_in_time = self.clock is not None

    def _behind(self, backend: Sync) -> _Watch:
        """Watch the new service in ``backend``; if it has none such, ``backend`` is not
        the Sync behind the client's server: ValueError, once the service is deleted."""
        try:
            backend.services(self.service_sid).fetch()
        except SyncError as error:
            self._run(self.service.delete)
            raise ValueError(
                f"backend holds no service {self.service_sid}, the one the client just "
                "created: it is not the Sync behind the client's server"
            ) from error
        return _Watch(backend, self.service_sid)

    def advance(self, seconds: int) -> None:
        if self._watch is None:  # can_travel_in_time is False: the machine never asks
            super().advance(seconds)
            return
        self._watch.advance(seconds)

    def events(self) -> list[Json] | None:
        return None if self._watch is None else list(self._watch.events)

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
        if self.owns_service:
            self._run(self.service.delete)

    def _run(self, call: Callable[[], Any]) -> Any:
        """Run an SDK call; map its exceptions to TargetError."""
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            return call()
        except TwilioRestException as error:
            raise TargetError(error.status, error.code or 0, error.msg) from error
        except TwilioException as error:  # a page request refused: "Unable to fetch page"
            response = error.args[1] if len(error.args) > 1 else None
            if response is None:
                raise
            body = json.loads(response.text)
            raise TargetError(body["status"], body["code"], body.get("message", "")) from error

    def _objects(self, kind: ObjectKind) -> Any:
        return getattr(self.service, _ATTRIBUTES[kind])

    def _items(self, kind: CollectionKind, name: str) -> Any:
        return getattr(self._objects(kind)(name), _ITEMS[kind])

    def _permission(self, kind: ObjectKind, name: str, identity: str) -> Any:
        return getattr(self._objects(kind)(name), _PERMISSIONS[kind])(identity)

    def create_document(self, unique_name: str | None, data: Json | None, ttl: int | None) -> Json:
        create = self._objects("document").create
        given = _given(unique_name=unique_name, data=data, ttl=ttl)
        return _sdk_json(self._run(lambda: create(**given)))

    def fetch_document(self, name: str) -> Json:
        return _sdk_json(self._run(self._objects("document")(name).fetch))

    def update_document(
        self,
        name: str,
        *,
        data: Json | None = None,
        ttl: int | None = None,
        if_match: str | None = None,
    ) -> Json:
        update = self._objects("document")(name).update
        given = _given(data=data, ttl=ttl, if_match=if_match)
        return _sdk_json(self._run(lambda: update(**given)))

    def delete_document(self, name: str) -> None:
        self._run(self._objects("document")(name).delete)

    def create_collection(
        self,
        kind: CollectionKind,
        unique_name: str | None,
        ttl: int | None,
        *,
        ttl_alias: int | None = None,
    ) -> Json:
        create = self._objects(kind).create
        given = _given(unique_name=unique_name, collection_ttl=ttl, ttl=ttl_alias)
        return _sdk_json(self._run(lambda: create(**given)))

    def fetch_collection(self, kind: CollectionKind, name: str) -> Json:
        return _sdk_json(self._run(self._objects(kind)(name).fetch))

    def update_collection(
        self, kind: CollectionKind, name: str, ttl: int | None, *, ttl_alias: int | None = None
    ) -> Json:
        update = self._objects(kind)(name).update
        given = _given(collection_ttl=ttl, ttl=ttl_alias)
        return _sdk_json(self._run(lambda: update(**given)))

    def delete_collection(self, kind: CollectionKind, name: str) -> None:
        self._run(self._objects(kind)(name).delete)

    def add_item(
        self,
        kind: CollectionKind,
        name: str,
        key: str | None,
        data: Json | None,
        ttl: int | None,
        *,
        ttl_alias: int | None = None,
        collection_ttl: int | None = None,
    ) -> Json:
        create = self._items(kind, name).create
        given = _given(key=key, item_ttl=ttl, ttl=ttl_alias, collection_ttl=collection_ttl)
        # data is required by the SDK: None is sent (as JSON null), to be refused.
        return _sdk_json(self._run(lambda: create(data=data, **given)))

    def fetch_item(self, kind: CollectionKind, name: str, place: Place) -> Json:
        return _sdk_json(self._run(self._items(kind, name)(place).fetch))

    def update_item(
        self,
        kind: CollectionKind,
        name: str,
        place: Place,
        *,
        data: Json | None = None,
        ttl: int | None = None,
        if_match: str | None = None,
        ttl_alias: int | None = None,
        collection_ttl: int | None = None,
    ) -> Json:
        update = self._items(kind, name)(place).update
        given = _given(
            data=data,
            item_ttl=ttl,
            if_match=if_match,
            ttl=ttl_alias,
            collection_ttl=collection_ttl,
        )
        return _sdk_json(self._run(lambda: update(**given)))

    def delete_item(
        self, kind: CollectionKind, name: str, place: Place, *, if_match: str | None = None
    ) -> None:
        delete = self._items(kind, name)(place).delete
        self._run(lambda: delete(**_given(if_match=if_match)))

    def list_items(
        self,
        kind: CollectionKind,
        name: str,
        *,
        order: Order | None = None,
        from_: Place | None = None,
        bounds: Bounds | None = None,
        page_size: int | None = None,
    ) -> list[Json]:
        listing = self._items(kind, name).list
        given = _given(
            order=order,
            from_=None if from_ is None else str(from_),
            bounds=bounds,
            page_size=page_size,
        )
        return [_sdk_json(item) for item in self._run(lambda: listing(**given))]

    def set_permission(
        self, kind: ObjectKind, name: str, identity: str, read: bool, write: bool, manage: bool
    ) -> Json:
        update = self._permission(kind, name, identity).update
        return _sdk_json(self._run(lambda: update(read=read, write=write, manage=manage)))

    def fetch_permission(self, kind: ObjectKind, name: str, identity: str) -> Json:
        return _sdk_json(self._run(self._permission(kind, name, identity).fetch))

    def delete_permission(self, kind: ObjectKind, name: str, identity: str) -> None:
        self._run(self._permission(kind, name, identity).delete)

    def list_permissions(self, kind: ObjectKind, name: str) -> list[Json]:
        permissions = getattr(self._objects(kind)(name), _PERMISSIONS[kind])
        return [_sdk_json(p) for p in self._run(permissions.list)]
