"""Sync Services: the containers of everything else, and their settings.

``sync.services`` is a :class:`ServiceList` (create, list, stream, page);
``sync.services(sid)`` is a :class:`ServiceContext` (fetch, update, delete, and the
``documents`` of the service). ``sync.services("default")`` is the account's default
service, created on first use.

Settings and their checks (Twilio's Service resource): ``friendly_name`` up to 255
characters, not empty (54053); ``webhook_url`` an absolute http(s) URL of up to 512
characters, ``""`` to clear it (54051); the booleans ``acl_enabled``,
``reachability_webhooks_enabled``, ``reachability_debouncing_enabled`` and
``webhooks_from_rest_enabled`` (default false); ``reachability_debouncing_window``
1,000 to 30,000 ms (default 5,000). ``unique_name`` is read-only.

>>> from sync_core import Sync
>>> sync = Sync(seed=7)
>>> svc = sync.services.create(friendly_name="chat")
>>> svc.friendly_name, svc.acl_enabled, svc.reachability_debouncing_window
('chat', False, 5000)
>>> sync.services(svc.sid).update(reachability_debouncing_window=999)
Traceback (most recent call last):
...
sync_core.errors.InvalidParameterError: HTTP 400 error 20001: Invalid parameter (reachability_debouncing_window must be an integer from 1000 to 30000, got 999)
"""

from __future__ import annotations

import re
import string
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import attrs

from .acl import authorize, check_identity
from .actor import SYSTEM, Actor
from .documents import DocumentList
from .errors import (
    FRIENDLY_NAME_INVALID,
    IDENTITY_INVALID,
    PARAMETER_INVALID,
    WEBHOOK_URL_INVALID,
    shown,
)
from .events import Change, EventCallback, Subscription
from .instances import Instance, acting, twin
from .limits import (
    MAX_DEBOUNCING_WINDOW,
    MAX_FRIENDLY_NAME,
    MAX_WEBHOOK_URL,
    MIN_DEBOUNCING_WINDOW,
)
from .listing import Addressing, PlainListing, Source
from .lists import SyncListList
from .lookup import new_service, resolve_service
from .maps import SyncMapList
from .paging import Position, Scope
from .params import UNSET, Unset, check_bool, check_int, given
from .records import BASE_URL, Record, json_fields
from .rows import ServiceRow
from .streams import SyncStreamList

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["ServiceContext", "ServiceList"]

_BOOLEANS: Final = (
    "webhooks_from_rest_enabled",
    "reachability_webhooks_enabled",
    "acl_enabled",
    "reachability_debouncing_enabled",
)
# RFC 3986 characters; anything else must be percent-encoded in a webhook URL.
_URL_CHARS: Final = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")

#: A ``%`` that does not begin an escape (RFC 3986: ``%`` and two hex digits): Twilio's
#: 54051 asks for "a fully-qualified, percent-encoded HTTP URL".
_BAD_ESCAPE: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _record(actor: Actor, row: ServiceRow) -> ServiceRecord:
    shown = {name: getattr(row, name) for name in _SHOWN}
    return ServiceRecord(actor=actor, **shown)


def check_friendly_name(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_FRIENDLY_NAME:
        raise FRIENDLY_NAME_INVALID.error(
            detail=f"friendly_name must be 1 to {MAX_FRIENDLY_NAME} characters, got {shown(value)}",
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # it could not travel in JSON or a form
        raise FRIENDLY_NAME_INVALID.error(
            detail="friendly_name may not hold a lone surrogate"
        ) from None
    return value


def check_webhook_url(value: object) -> str | None:
    if value == "":
        return None  # an empty URL removes the webhook
    problem = None
    if not isinstance(value, str):
        problem = "must be a string"
    elif len(value) > MAX_WEBHOOK_URL:
        problem = f"must be at most {MAX_WEBHOOK_URL} characters, got {len(value)}"
    elif not set(value) <= _URL_CHARS:
        problem = "must be percent-encoded (it holds spaces or other characters)"
    elif "%" in value and _BAD_ESCAPE.search(value):
        problem = "must be percent-encoded (a % is not followed by two hex digits)"
    else:
        try:
            parts = urlsplit(value)
            _ = parts.port  # a port out of 0-65535 (or not a number) raises here
            valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:  # e.g. an unclosed "[" where the host should be
            valid = False
        if not valid:
            problem = "must be an absolute http or https URL"
    if problem is not None:
        raise WEBHOOK_URL_INVALID.error(detail=f"webhook_url {problem}: {shown(value)}")
    assert isinstance(value, str)
    return value


def check_window(value: object) -> int:
    window = check_int(value)
    if window is None or not MIN_DEBOUNCING_WINDOW <= window <= MAX_DEBOUNCING_WINDOW:
        raise PARAMETER_INVALID.error(
            detail="reachability_debouncing_window must be an integer from "
            f"{MIN_DEBOUNCING_WINDOW} to {MAX_DEBOUNCING_WINDOW}, got {shown(value)}",
        )
    return window


def _arguments(names: dict[str, object]) -> dict[str, object]:
    """The settings a method was called with: its ``locals()`` at its start, but ``self``."""
    return {name: value for name, value in names.items() if name != "self"}


def _settings(params: dict[str, object]) -> dict[str, Any]:
    """The given settings, checked: name -> value to store."""
    changes: dict[str, Any] = {}
    for name, value in params.items():
        if not given(value):
            continue
        if name == "friendly_name":
            changes[name] = check_friendly_name(value)
        elif name == "webhook_url":
            changes[name] = check_webhook_url(value)
        elif name == "reachability_debouncing_window":
            changes[name] = check_window(value)
        else:
            assert name in _BOOLEANS, name
            changes[name] = check_bool(value, name)
    return changes


class ServiceList(PlainListing["ServiceRecord"], Addressing[str, "ServiceContext"]):
    """All Services of the account: ``sync.services``.

    Services are the account's own business: only the REST API (``system``) manages
    them, so this list, and every Service it gives, acts as ``system``;
    :meth:`ServiceContext.for_identity` gives a Service acting as a client identity.
    """

    #: What an injected fault sees this resource as (sync_core.faults).
    _fault_kind = "service"

    def __init__(self, engine: Engine) -> None:
        self._held_engine = engine

    @property
    def _engine(self) -> Engine:
        return self._held_engine

    def create(
        self,
        friendly_name: str | Unset | None = UNSET,
        webhook_url: str | Unset | None = UNSET,
        reachability_webhooks_enabled: bool | Unset | None = UNSET,
        acl_enabled: bool | Unset | None = UNSET,
        reachability_debouncing_enabled: bool | Unset | None = UNSET,
        reachability_debouncing_window: int | Unset | None = UNSET,
        webhooks_from_rest_enabled: bool | Unset | None = UNSET,
    ) -> ServiceRecord:
        """Create a Service. Every setting is optional (see the module's text).

        Raises:
            InvalidParameterError: 54053 friendly name, 54051 webhook URL, 20001 a flag
                or the debouncing window.
        """
        changes = _settings(_arguments(locals()))
        engine = self._engine
        with engine.operation("create", self) as now:
            row = new_service(engine, now, **changes)
            return _record(Actor(engine, row.sid, SYSTEM), row)

    create_async = twin(create)

    def _source(self, now: datetime, filters: None, page_token: object) -> Source[ServiceRecord]:
        """The Services in creation order."""
        engine = self._engine
        store = engine.store

        def fetch_slice(
            after: Position | None, backwards: bool, limit: int
        ) -> list[tuple[Position, ServiceRecord]]:
            start = None if after is None else int(after[0])
            rows = store.services_from(start, inclusive=False, reverse=backwards, limit=limit)
            return [((row.seq,), _record(Actor(engine, row.sid, SYSTEM), row)) for row in rows]

        return Source(Scope("services"), fetch_slice, int)

    def _context(self, sid: str) -> ServiceContext:
        return ServiceContext(Actor(self._held_engine, sid, SYSTEM))

    def __repr__(self) -> str:
        return "<ServiceList>"


class ServiceContext:
    """One Service: ``sync.services(sid)``, acting as its actor's identity."""

    #: What an injected fault sees this resource as (sync_core.faults).
    _fault_kind = "service"

    def __init__(self, actor: Actor) -> None:
        self._actor = actor
        self.sid = actor.service

    @property
    def identity(self) -> str:
        """Who this tree acts as: ``system`` (the plain API), or a client identity."""
        return self._actor.identity

    def for_identity(self, identity: str) -> ServiceContext:
        """The same Service, acting as the client ``identity`` (1-256 characters).

        Everything made through it has ``created_by`` set to the identity, its events
        carry it, and while the Service has ``acl_enabled`` every operation is checked
        against the identity's permissions (403/54007 when refused). The plain tree acts
        as ``system`` and bypasses them (docs/permissions.md).

        >>> from sync_core import Sync
        >>> alice = Sync(seed=2).services("default").for_identity("alice")
        >>> alice.documents.create(data={"hi": 1}).created_by
        'alice'

        Raises:
            InvalidParameterError: 54351, not 1 to 256 characters, or ``system``: that
                is the REST API's identity, which bypasses permissions; a client may
                not act as it.
        """
        if identity == SYSTEM:
            raise IDENTITY_INVALID.error(
                detail="'system' is the identity of the REST API; use the plain tree for it",
            )
        return ServiceContext(self._actor._replace(identity=check_identity(identity)))

    def _service(self, now: datetime) -> ServiceRow:
        """The Service (404), if the acting identity may touch its settings (403)."""
        actor = self._actor
        row = resolve_service(actor.engine, now, self.sid)
        authorize(actor.engine.store, row, actor.identity, None, actor.service_path)
        return row

    @property
    def documents(self) -> DocumentList:
        """The Documents of this Service."""
        return DocumentList(self._actor)

    @property
    def sync_maps(self) -> SyncMapList:
        """The Maps of this Service."""
        return SyncMapList(self._actor)

    @property
    def sync_lists(self) -> SyncListList:
        """The Lists of this Service."""
        return SyncListList(self._actor)

    @property
    def sync_streams(self) -> SyncStreamList:
        """The Streams of this Service."""
        return SyncStreamList(self._actor)

    def fetch(self) -> ServiceRecord:
        """The Service now.

        Raises:
            NotFoundError: 20404, no such service.
        """
        with self._actor.engine.operation("fetch", self) as now:
            return _record(self._actor, self._service(now))

    def update(
        self,
        webhook_url: str | Unset | None = UNSET,
        friendly_name: str | Unset | None = UNSET,
        reachability_webhooks_enabled: bool | Unset | None = UNSET,
        acl_enabled: bool | Unset | None = UNSET,
        reachability_debouncing_enabled: bool | Unset | None = UNSET,
        reachability_debouncing_window: int | Unset | None = UNSET,
        webhooks_from_rest_enabled: bool | Unset | None = UNSET,
    ) -> ServiceRecord:
        """Change some settings; the others stay. ``date_updated`` becomes now.

        With no setting at all, the Service is answered unchanged (its ``date_updated``
        too): Twilio answers 200 there, where Documents, Maps, Lists and items answer
        400/54010 (a live acceptance suite of a third-party Twilio SDK,
        RJPearson94/twilio-sdk-go, calls it and expects no error; SEMANTICS.md).

        Raises:
            NotFoundError: 20404, no such service.
            InvalidParameterError: 54053, 54051, 20001 as for create.
        """
        params = _arguments(locals())
        engine = self._actor.engine
        with engine.operation("update", self) as now:
            row = self._service(now)
            if not any(given(value) for value in params.values()):
                return _record(self._actor, row)
            new = attrs.evolve(row, date_updated=max(now, row.date_updated), **_settings(params))
            engine.store.put_service(new)
            return _record(self._actor, new)

    def delete(self) -> bool:
        """Remove the Service and everything in it; True.

        Raises:
            NotFoundError: 20404, no such service.
        """
        engine, identity = self._actor.engine, self._actor.identity
        with engine.operation("delete", self) as now:
            row = self._service(now)
            objects = engine.store.objects_in(row.sid)
            for obj in objects:
                engine.emit(
                    Change(
                        f"{obj.kind}_removed", obj, identity=identity, when=now, previous=obj.data
                    )
                )
            store = engine.store
            store.delete_service(row, objects)
            if not store.changes_from(row.sid, 0, 1):
                # Nothing kept of it (no feed, or no object to announce the removal of
                # and its events pruned): nothing to read under its SID any more.
                store.forget_feed(row.sid)
            listening = engine.events.to_service(row.sid)
        engine.events.end(listening)  # committed: they hear no more of it
        return True

    def subscribe(self, callback: EventCallback) -> Subscription:
        """Call ``callback`` with every event of every object of this Service, from now on.

        Besides the events of each object this includes the ``*_created`` ones. Deleting
        the Service announces the removal of each object in it.

        >>> from sync_core import Sync
        >>> sync = Sync(seed=9)
        >>> seen = []
        >>> handle = sync.services("default").subscribe(lambda e: seen.append(e.type))
        >>> lst = sync.services("default").sync_lists.create(unique_name="jobs")
        >>> _ = sync.services("default").sync_lists("jobs").sync_list_items.create(data={})
        >>> seen
        ['list_created', 'list_item_added']
        >>> handle.unsubscribe()

        Raises:
            NotFoundError: 20404, no such service.
            TypeError: ``callback`` cannot be called with the event (not callable, an
                async function, or one that takes no argument).
        """
        engine = self._actor.engine
        with engine.operation("subscribe", self) as now:
            row = self._service(now)
            return engine.events.subscribe(callback, row.sid, None, self._actor.identity)

    def __repr__(self) -> str:
        identity = self._actor.identity
        acting = "" if identity == SYSTEM else f" as {identity!r}"
        return f"<ServiceContext /Services/{self.sid}{acting}>"

    fetch_async = twin(fetch)
    update_async = twin(update)
    delete_async = twin(delete)


@attrs.frozen(kw_only=True)
class ServiceRecord(Record, Instance[ServiceContext]):
    """A Sync Service, as ``client.sync.v1.services(sid).fetch()`` returns it.

    Like twilio-python's ``ServiceInstance`` it also acts: ``fetch``, ``update``,
    ``delete`` (and their ``_async`` twins), ``documents``, ``sync_maps``,
    ``sync_lists`` and ``sync_streams``, as the identity that read it.
    """

    sid: str
    unique_name: str | None
    account_sid: str
    friendly_name: str | None
    date_created: datetime
    date_updated: datetime
    webhook_url: str | None
    webhooks_from_rest_enabled: bool
    reachability_webhooks_enabled: bool
    acl_enabled: bool
    reachability_debouncing_enabled: bool
    reachability_debouncing_window: int

    @property
    def url(self) -> str:
        """The absolute URL of this Service."""
        return f"{BASE_URL}/Services/{self.sid}"

    @property
    def links(self) -> dict[str, str]:
        """The URLs of the Service's documents, lists, maps and streams."""
        return {name: f"{self.url}/{name.title()}" for name in _SERVICE_LINKS}

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this Service (its fields in Twilio's order)."""
        return json_fields(self, _JSON)

    def _context(self) -> ServiceContext:
        return ServiceContext(self._acting(self.sid))

    fetch, fetch_async = acting(ServiceContext.fetch)
    update, update_async = acting(ServiceContext.update)
    delete, delete_async = acting(ServiceContext.delete)

    @property
    def documents(self) -> DocumentList:
        """The Documents of this Service."""
        return self._context().documents

    @property
    def sync_maps(self) -> SyncMapList:
        """The Maps of this Service."""
        return self._context().sync_maps

    @property
    def sync_lists(self) -> SyncListList:
        """The Lists of this Service."""
        return self._context().sync_lists

    @property
    def sync_streams(self) -> SyncStreamList:
        """The Streams of this Service."""
        return self._context().sync_streams


_SERVICE_LINKS: Final = ("documents", "lists", "maps", "streams")
#: The Service's REST JSON, in the order of Twilio's examples.
_JSON: Final = (
    "sid",
    "unique_name",
    "account_sid",
    "friendly_name",
    "date_created",
    "date_updated",
    "url",
    "webhook_url",
    "webhooks_from_rest_enabled",
    "reachability_webhooks_enabled",
    "acl_enabled",
    "reachability_debouncing_enabled",
    "reachability_debouncing_window",
    "links",
)
#: What a Service's record shows of its row: every field but its creation number.
_SHOWN: Final = tuple(
    field.name
    for field in attrs.fields(ServiceRecord)
    if field.name in attrs.fields_dict(ServiceRow)
)
