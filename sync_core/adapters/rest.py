"""The REST adapter: an HTTP-shaped request in, Twilio's HTTP-shaped answer out.

``RestApi(sync).handle(method, url, params, data, headers)`` answers any request of
the Sync v1 REST API (every operation of Twilio's OpenAPI description) the way
``https://sync.twilio.com/v1`` does, without any I/O: a server maps its routes onto it,
and :mod:`sync_core.adapters.twilio` plugs it under the official SDK.

- Matching is on the path only (any host, regional ones too); path segments are
  percent-decoded. The path must begin with ``/v1/``. The routes are one table of
  data (:data:`ROUTES`: method, path pattern, handler), as moto's ``urls.py``, built
  once at import.
- Form fields and query parameters are read as the text real HTTP delivers: ``Data``
  is JSON text, booleans ``true``/``false``, integers as digits. Values that are not
  strings (the SDK passes ints and bools) are turned into that text first. Unknown
  fields are ignored, as Twilio does.
- ``If-Match`` in (any header case); ``ETag`` (the revision) out on records that have
  one. Create answers 201, delete 204 with no body.
- Listings answer ``{"<key>": [...], "meta": {...}}`` whose ``first_page_url``,
  ``next_page_url`` (null on the last page), ``previous_page_url`` and ``url`` carry
  every paging parameter (``From``, ``Bounds``, ``Order``, ``PageSize``, ``Page``,
  ``PageToken``), so following ``next_page_url`` alone walks the collection.
- Errors are Twilio's JSON ``{"code", "message", "more_info", "status"}``: an unknown
  path 404/20404, a known path with another method 405/20004, and a bug of sync_core
  500/20500 (logged), all from the one table of :mod:`sync_core.errors`. Whatever the
  input, the answer is a status and a JSON body, never an exception.

The REST API acts as ``system``, as Twilio's does.

>>> from sync_core import Sync, ManualClock
>>> api = RestApi(Sync(clock=ManualClock(), seed=5))
>>> made = api.handle("POST", "/v1/Services/default/Documents",
...                   data={"UniqueName": "prefs", "Data": '{"theme": "dark"}'})
>>> made.status, made.headers["ETag"], made.body["data"]
(201, '0', {'theme': 'dark'})
>>> stale = api.handle("POST", "https://sync.twilio.com/v1/Services/default/Documents/prefs",
...                    data={"Data": "{}"}, headers={"If-Match": "7"})
>>> stale.status, stale.body["code"]
(412, 20412)
>>> api.handle("PATCH", "/v1/Services").body["code"]
20004
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any, Final, NamedTuple, TypeAlias, cast
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import attrs

from ..actor import SYSTEM, Actor
from ..documents import DOCUMENTS, DocumentContext, DocumentList
from ..errors import INTERNAL_ERROR, METHOD_NOT_ALLOWED, NOT_FOUND, PARAMETER_INVALID, SyncError
from ..faults import FaultTimeout
from ..items import ItemContext, ItemKind
from ..lists import LIST_ITEMS, SyncListItemList
from ..maps import MAP_ITEMS, SyncMapItemList
from ..objects import ObjectKind
from ..paging import MAX_PAGE_NUMBER, Cursor, Page
from ..params import UNSET
from ..records import BASE_URL
from ..rows import ItemRow, ObjectRow
from ..service import ServiceContext
from ..sync import Sync

__all__ = ["ROUTES", "RestApi", "RestResponse", "Route", "normalize_base_url"]

logger: Final = logging.getLogger("sync_core.rest")

Form: TypeAlias = dict[str, str]
#: A path's variable segments in order (the Service, the object, the item or identity).
Args: TypeAlias = tuple[str, ...]
#: A route's handler: the Sync, the request, and the path's variable segments.
Handler: TypeAlias = Callable[[Sync, "_Request", Args], "RestResponse"]

#: Form fields and query parameters by their REST name -> the library's parameter.
_NAMES: Final = {
    "FriendlyName": "friendly_name",
    "WebhookUrl": "webhook_url",
    "AclEnabled": "acl_enabled",
    "ReachabilityWebhooksEnabled": "reachability_webhooks_enabled",
    "ReachabilityDebouncingEnabled": "reachability_debouncing_enabled",
    "ReachabilityDebouncingWindow": "reachability_debouncing_window",
    "WebhooksFromRestEnabled": "webhooks_from_rest_enabled",
    "UniqueName": "unique_name",
    "Data": "data",
    "Ttl": "ttl",
    "ItemTtl": "item_ttl",
    "CollectionTtl": "collection_ttl",
    "Key": "key",
    "Read": "read",
    "Write": "write",
    "Manage": "manage",
}
#: The form fields each kind of call takes (any other is ignored, as Twilio ignores it).
_SERVICE_FIELDS: Final = frozenset(
    {
        "FriendlyName",
        "WebhookUrl",
        "AclEnabled",
        "ReachabilityWebhooksEnabled",
        "ReachabilityDebouncingEnabled",
        "ReachabilityDebouncingWindow",
        "WebhooksFromRestEnabled",
    }
)
_ITEM_FIELDS: Final = frozenset({"Data", "Ttl", "ItemTtl", "CollectionTtl"})
_FLAGS: Final = frozenset({"Read", "Write", "Manage"})
#: An item listing's own parameters, which its page URLs carry.
_FILTERS: Final = ("From", "Bounds", "Order")
#: Paging parameters, in the order Twilio writes them in its page URLs.
_PAGING: Final = ("From", "Bounds", "Order", "PageSize", "Page", "PageToken")


#: A body not parsed yet: the answer was written as JSON text (:class:`RestResponse`).
_UNPARSED: Final[Any] = object()


class RestResponse:
    """An HTTP-shaped answer: status, headers, and the JSON body (None for 204).

    Made with its ``body`` (a dict), or with its JSON ``text`` already written (the
    records the adapter writes straight from their rows, :func:`_written`); each is
    derived from the other when asked for (a written answer's ``body`` is parsed once).

    >>> answer = RestResponse(200, {}, text='{"a": [1]}')
    >>> answer.body, answer == RestResponse(200, {}, {"a": [1]})
    ({'a': [1]}, True)
    >>> RestResponse(201, {}, {"b": "é"}).text
    '{"b": "é"}'
    """

    __slots__ = ("_body", "_text", "headers", "status")
    __hash__ = None  # type: ignore[assignment]  # its body is a dict

    def __init__(
        self,
        status: int,
        headers: dict[str, str],
        body: dict[str, Any] | None = None,
        *,
        text: str | None = None,
    ) -> None:
        self.status = status
        self.headers = headers
        self._body = _UNPARSED if text is not None else body
        self._text = text

    @property
    def body(self) -> dict[str, Any] | None:
        """The JSON body (None for no body)."""
        body = self._body
        if body is _UNPARSED:
            body = self._body = json.loads(cast(str, self._text))
        return cast(dict[str, Any] | None, body)

    @property
    def text(self) -> str:
        """The body as HTTP carries it: JSON text, or empty for no body."""
        if self._text is not None:
            return self._text
        return "" if self._body is None else json.dumps(self._body, ensure_ascii=False)

    @property
    def written(self) -> bool:
        """Whether it was written as JSON text (its URLs under the request's base already)."""
        return self._text is not None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RestResponse):
            return NotImplemented
        return (self.status, self.headers, self.body) == (other.status, other.headers, other.body)

    def __repr__(self) -> str:
        return f"RestResponse(status={self.status!r}, headers={self.headers!r}, body={self.body!r})"


class _Target(NamedTuple):
    """What a request's URL says, found once per URL (:func:`_target_of`): where it is, and
    which handlers answer there. Immutable, so that one is shared by every request for
    the same URL, whichever Sync answers it."""

    #: As received, without the query (percent-encoded as it came).
    path: str
    #: The URL's own query parameters, in order (they win over a request's ``params``).
    query: tuple[tuple[str, str], ...]
    #: Where /v1 is: the prefix of page URLs ("https://sync.twilio.com/v1").
    root: str
    #: Where records' ``url`` and ``links`` are: the API's ``base_url``, or the real
    #: service's.
    base: str
    #: After /v1, percent-decoded.
    segments: tuple[str, ...]
    #: The path's variable segments (every other one, from the second): the handler's.
    args: Args
    #: The route's handlers by method.
    handlers: dict[str, Handler]


class _Request:
    """A request as the handlers see it: method, decoded path segments, text values
    (a class with slots: one is made for every request)."""

    __slots__ = ("base", "form", "headers", "method", "path", "query", "root", "segments")

    def __init__(
        self,
        method: str,
        target: _Target,
        query: Form,
        form: Form,
        headers: Mapping[str, str | None],
    ) -> None:
        self.method = method
        self.path = target.path
        self.root = target.root
        self.base = target.base
        self.segments = target.segments
        self.query = query
        self.form = form
        self.headers = headers

    def header(self, name: str) -> str | None:
        """A header's value, whatever the case of its name (a ``None`` value is no
        value: ``requests`` does not send it)."""
        headers = self.headers
        names = tuple(headers)
        spellings = _spellings(names) if len(names) <= _MOST_NAMES else _grouped(names)
        for key in spellings.get(name.lower(), ()):
            value = headers[key]
            if value is not None:
                return value
        return None

    def fields(self, names: frozenset[str]) -> dict[str, Any]:
        """The library's keyword arguments for the form fields among ``names``."""
        found = {}
        for name, value in self.form.items():  # a loop: no comprehension's frame
            if name in names:
                found[_NAMES[name]] = value
        return found


#: The header names of recent requests, each set with its names by their lowercase
#: (:func:`_spellings`): a client sends the same names on every request, and finds its
#: header there without lowering every name again.
_SPELLINGS: dict[tuple[str, ...], dict[str, tuple[str, ...]]] = {}
#: How many sets of names :data:`_SPELLINGS` keeps (it starts again when full), and
#: how many names a set kept there has at most: a client sending many, or sets always
#: new, costs the lowering each time, and no more memory.
_MOST_SPELLINGS: Final = 256
_MOST_NAMES: Final = 32


def _grouped(names: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Each of ``names`` (header names as sent) by its lowercase, in their order.

    >>> _grouped(("Accept", "If-Match", "if-match"))["if-match"]
    ('If-Match', 'if-match')
    """
    grouped: dict[str, tuple[str, ...]] = {}
    for key in names:
        lowered = key.lower()
        grouped[lowered] = (*grouped.get(lowered, ()), key)
    return grouped


def _spellings(names: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """:func:`_grouped`, kept for the next request sending the same names.

    >>> _spellings(("Accept", "If-Match")) is _spellings(("Accept", "If-Match"))
    True
    """
    found = _SPELLINGS.get(names)
    if found is None:
        if len(_SPELLINGS) >= _MOST_SPELLINGS:
            _SPELLINGS.clear()
        found = _SPELLINGS[names] = _grouped(names)
    return found


def _text(value: object) -> str:
    """A form or query value as HTTP would carry it."""
    if type(value) is str:
        return value  # the common case (the SDK's form fields), first
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return _text(value[0]) if value else ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _texts(values: Mapping[str, object] | None) -> Form:
    if not values:
        return {}
    return {str(key): _text(value) for key, value in values.items()}


def _error(error: SyncError) -> RestResponse:
    return RestResponse(error.status, {"Content-Type": "application/json"}, error.to_dict())


def _json(status: int, body: dict[str, Any], revision: str | None = None) -> RestResponse:
    headers = {"Content-Type": "application/json"}
    if revision is not None:
        headers["ETag"] = revision
    return RestResponse(status, headers, body)


def _record(status: int, record: Any) -> RestResponse:
    """A record's JSON, with its revision as ``ETag`` when it has one."""
    return _json(status, record.to_dict(), getattr(record, "revision", None))


#: How a kind writes a row's REST JSON text (``ObjectKind.json``, ``ItemKind.json``):
#: the row, the account's sid, and where records' URLs are.
Writer: TypeAlias = Callable[[Any, str, str], str]


def _written(
    status: int, write: Writer, row: ObjectRow | ItemRow, sync: Sync, request: _Request
) -> RestResponse:
    """The answer of a call that gave ``row``: its JSON text written by ``write``, its
    URLs under the request's base, with its revision as ``ETag``."""
    text = write(row, sync._engine.account_sid, request.base)
    headers = {"Content-Type": "application/json", "ETag": str(row.revision)}
    return RestResponse(status, headers, text=text)


def _as_row(actor: Actor, row: Any, data: object = None) -> Any:
    """The record maker of the rows' kinds: the row itself, which the adapter writes."""
    return row


#: The kinds whose calls give their rows (the operations are the plain API's, the
#: answer written straight from the row): Documents, Map Items, List Items.
_DOCUMENT_ROWS: Final = cast(ObjectKind[ObjectRow], attrs.evolve(DOCUMENTS, record=_as_row))
_MAP_ITEM_ROWS: Final = cast(ItemKind[ItemRow], attrs.evolve(MAP_ITEMS, record=_as_row))
_LIST_ITEM_ROWS: Final = cast(ItemKind[ItemRow], attrs.evolve(LIST_ITEMS, record=_as_row))


def _system(sync: Sync, args: Args) -> Actor:
    """``system`` acting on the Service the path names (written out where it is hot)."""
    return Actor(sync._engine, args[0], SYSTEM)


_DELETED: Final = RestResponse(204, {}, None)


def _listing(
    request: _Request, key: str, read: Callable[..., Page[Any]], filters: tuple[str, ...] = ()
) -> RestResponse:
    """One page of a listing, with Twilio's ``meta`` and page URLs.

    ``filters`` are the listing's own parameters (an item listing's ``From``, ``Bounds``
    and ``Order``), which its page URLs carry; any other is ignored, as Twilio ignores it.
    """
    query = request.query
    fixed: dict[str, str] = {name: query[name] for name in filters if name in query}
    page = read(
        page_token=query.get("PageToken", UNSET),
        page_number=query.get("Page", UNSET),
        page_size=query.get("PageSize", UNSET),
    )
    token = query.get("PageToken")
    if filters and token:  # a token alone reads From, Bounds and Order from itself
        for name, value in _token_filters(token).items():
            fixed.setdefault(name, value)
    base = f"{request.root}{request.path[3:]}"

    def url(page_number: int, token: str | None) -> str:
        values: dict[str, str] = {
            **fixed,
            "PageSize": str(page.page_size),
            "Page": str(page_number),
        }
        if token is not None:
            values["PageToken"] = token
        ordered = [(name, values[name]) for name in _PAGING if name in values]
        return f"{base}?{urlencode(ordered, quote_via=quote)}"

    current_token = query.get("PageToken") or None
    number = page.page_number
    return _json(
        200,
        {
            key: [record.to_dict() for record in page],
            "meta": {
                "first_page_url": url(0, None),
                "key": key,
                "next_page_url": None
                if page.next_page_token is None
                else url(min(number + 1, MAX_PAGE_NUMBER), page.next_page_token),
                "page": number,
                "page_size": page.page_size,
                "previous_page_url": None
                if page.previous_page_token is None
                else url(max(number - 1, 0), page.previous_page_token),
                "url": url(number, current_token),
            },
        },
    )


def _token_filters(token: str) -> dict[str, str]:
    """The ``From``, ``Bounds`` and ``Order`` an item listing's page ``token`` (read
    already: a genuine one) was made with, as its page URLs carry them; those left at
    their default are left out, as a first request without them has none.

    >>> from sync_core.paging import Cursor, Scope
    >>> scope = Scope("map_item:MP1", descending=True, start="e", inclusive=False)
    >>> _token_filters(Cursor(scope, ("c",), backwards=False, page=1).to_token())
    {'From': 'e', 'Bounds': 'exclusive', 'Order': 'desc'}
    """
    scope = Cursor.parse(token, scope=None).scope
    filters: dict[str, str] = {}
    if scope.start is not None:
        filters["From"] = str(scope.start)
        if not scope.inclusive:
            filters["Bounds"] = "exclusive"
    if scope.descending:
        filters["Order"] = "desc"
    return filters


# -- the handlers: (sync, request, the path's variable segments) -> answer ---------------


def _service(sync: Sync, args: Args) -> ServiceContext:
    return sync.services(args[0])


def _list_services(sync: Sync, request: _Request, args: Args) -> RestResponse:
    return _listing(request, "services", sync.services.page)


def _create_service(sync: Sync, request: _Request, args: Args) -> RestResponse:
    return _record(201, sync.services.create(**request.fields(_SERVICE_FIELDS)))


def _fetch_service(sync: Sync, request: _Request, args: Args) -> RestResponse:
    return _record(200, _service(sync, args).fetch())


def _update_service(sync: Sync, request: _Request, args: Args) -> RestResponse:
    return _record(200, _service(sync, args).update(**request.fields(_SERVICE_FIELDS)))


def _delete_service(sync: Sync, request: _Request, args: Args) -> RestResponse:
    _service(sync, args).delete()
    return _DELETED


def _names(names: tuple[str, ...]) -> frozenset[str]:
    """The form fields a call takes, as a set (:meth:`_Request.fields`)."""
    return frozenset(names)


@attrs.frozen
class _Collection:
    """One object collection of a service, as the REST API exposes it (OpenAPI's fields)."""

    segment: str  # its path segment: "Documents", "Maps", "Lists", "Streams"
    #: Its name in the SDK's attributes: "document" (a Service's ``documents``, a
    #: Document's ``document_permissions``), "sync_map", "sync_list", "sync_stream".
    stem: str
    create_fields: frozenset[str] = attrs.field(converter=_names)
    update_fields: frozenset[str] = attrs.field(converter=_names)
    #: The OpenAPI name of an item's place ("Key": a create takes a ``Key``, "Index"),
    #: or None without items.
    place: str | None = None
    #: Whether it has permissions, whether an update takes ``If-Match`` (Documents),
    #: and whether it publishes messages (Streams).
    permissions: bool = False
    conditional_update: bool = False
    messages: bool = False
    #: Its objects' list and one object (a sid) whose calls give rows, and how a row
    #: is written (Documents: the answer is written straight from the row), or None.
    rows: Callable[[Actor], Any] | None = None
    row: Callable[[Actor, str], Any] | None = None
    json: Callable[[ObjectRow, str, str], str] | None = None
    #: Its items' kind whose calls give rows, and their list (Maps, Lists), or None.
    item_rows: ItemKind[ItemRow] | None = None
    items_of: Callable[[Actor, str], Any] | None = None

    @property
    def key(self) -> str:
        """The key of its listing's records: "documents", "maps", "lists", "streams"."""
        return self.segment.lower()

    @property
    def owner(self) -> str:
        """The OpenAPI name of its sid in its sub-resources' paths: "DocumentSid"..."""
        return f"{self.segment[:-1]}Sid"

    def objects(self, sync: Sync, args: Args) -> Any:
        return getattr(_service(sync, args), f"{self.stem}s")

    def one(self, sync: Sync, args: Args) -> Any:
        return self.objects(sync, args)(args[1])

    # -- objects

    def list(self, sync: Sync, request: _Request, args: Args) -> RestResponse:
        return _listing(request, self.key, self.objects(sync, args).page)

    def create(self, sync: Sync, request: _Request, args: Args) -> RestResponse:
        fields = request.fields(self.create_fields)
        if self.rows is not None and self.json is not None:
            row = self.rows(Actor(sync._engine, args[0], SYSTEM)).create(**fields)
            return _written(201, self.json, row, sync, request)
        return _record(201, self.objects(sync, args).create(**fields))

    def fetch(self, sync: Sync, request: _Request, args: Args) -> RestResponse:
        if self.row is not None and self.json is not None:
            row = self.row(Actor(sync._engine, args[0], SYSTEM), args[1]).fetch()
            return _written(200, self.json, row, sync, request)
        return _record(200, self.one(sync, args).fetch())

    def update(self, sync: Sync, request: _Request, args: Args) -> RestResponse:
        fields = request.fields(self.update_fields)
        if self.conditional_update:
            fields["if_match"] = request.header("If-Match")
        if self.row is not None and self.json is not None:
            row = self.row(Actor(sync._engine, args[0], SYSTEM), args[1]).update(**fields)
            return _written(200, self.json, row, sync, request)
        return _record(200, self.one(sync, args).update(**fields))

    def delete(self, sync: Sync, request: _Request, args: Args) -> RestResponse:
        self.one(sync, args).delete()
        return _DELETED

    def publish(self, sync: Sync, request: _Request, args: Args) -> RestResponse:
        messages = self.one(sync, args).stream_messages
        return _record(201, messages.create(data=request.form.get("Data")))

    def create_item(self, sync: Sync, request: _Request, args: Args) -> RestResponse:
        fields = request.fields(_ITEM_FIELDS)
        fields.setdefault("data", None)  # missing Data is Twilio's "cannot be null"
        if self.place == "Key":
            fields["key"] = request.form.get("Key", UNSET)
        spec, items_of = self.item_rows, self.items_of
        assert spec is not None
        assert items_of is not None
        row = items_of(Actor(sync._engine, args[0], SYSTEM), args[1]).create(**fields)
        return _written(201, spec.json, row, sync, request)


@attrs.frozen
class _Members:
    """The items, or the permissions, of one object: listed, fetched, updated, deleted."""

    owner: _Collection
    attribute: str  # on the object's context: "sync_map_items", "document_permissions"...
    key: str  # of the listing's records: "items", "permissions"
    fields: frozenset[str]  # what an update takes
    #: Items: a listing takes Order, From and Bounds, an update or delete If-Match.
    items: bool
    #: The items' kind whose calls give their rows (None: permissions).
    rows: ItemKind[ItemRow] | None = attrs.field(init=False)

    @rows.default
    def _rows(self) -> ItemKind[ItemRow] | None:
        return self.owner.item_rows if self.items else None

    def members(self, sync: Sync, args: Args) -> Any:
        return getattr(self.owner.one(sync, args), self.attribute)

    def item(self, sync: Sync, args: Args) -> ItemContext[ItemRow] | None:
        """The item the path names, whose calls give its row (None: a permission)."""
        spec = self.rows
        return None if spec is None else ItemContext(_system(sync, args), args[1], args[2], spec)

    def conditions(self, request: _Request) -> dict[str, Any]:
        return {"if_match": request.header("If-Match")} if self.items else {}

    def list(self, sync: Sync, request: _Request, args: Args) -> RestResponse:
        members, query = self.members(sync, args), request.query
        names = zip(("from_", "bounds", "order"), _FILTERS, strict=True)
        filters = {name: query.get(field, UNSET) for name, field in names if self.items}

        def read(**paging: object) -> Page[Any]:
            page: Page[Any] = members.page(**filters, **paging)
            return page

        return _listing(request, self.key, read, _FILTERS if self.items else ())

    def fetch(self, sync: Sync, request: _Request, args: Args) -> RestResponse:
        spec = self.rows
        if spec is not None:  # self.item(), written out: this runs on every item fetch
            item = ItemContext(Actor(sync._engine, args[0], SYSTEM), args[1], args[2], spec)
            return _written(200, spec.json, item.fetch(), sync, request)
        return _record(200, self.members(sync, args)(args[2]).fetch())

    def update(self, sync: Sync, request: _Request, args: Args) -> RestResponse:
        fields = request.fields(self.fields)
        spec = self.rows
        if spec is not None:
            item = ItemContext(Actor(sync._engine, args[0], SYSTEM), args[1], args[2], spec)
            row = item.update(if_match=request.header("If-Match"), **fields)
            return _written(200, spec.json, row, sync, request)
        member = self.members(sync, args)(args[2])
        return _record(200, member.update(**self.conditions(request), **fields))

    def delete(self, sync: Sync, request: _Request, args: Args) -> RestResponse:
        item = self.item(sync, args)
        (item or self.members(sync, args)(args[2])).delete(**self.conditions(request))
        return _DELETED


#: What a Map's and a List's create and update take.
_CONTAINER_FIELDS: Final = (("UniqueName", "Ttl", "CollectionTtl"), ("Ttl", "CollectionTtl"))
#: Each object collection of a service, with the fields its create and update take.
_COLLECTIONS: Final = (
    _Collection(
        "Documents",
        "document",
        ("UniqueName", "Data", "Ttl"),
        ("Data", "Ttl"),
        conditional_update=True,
        permissions=True,
        rows=functools.partial(DocumentList, spec=_DOCUMENT_ROWS),
        row=functools.partial(DocumentContext, spec=_DOCUMENT_ROWS),
        json=DOCUMENTS.json,
    ),
    _Collection(
        "Maps",
        "sync_map",
        *_CONTAINER_FIELDS,
        place="Key",
        permissions=True,
        item_rows=_MAP_ITEM_ROWS,
        items_of=functools.partial(SyncMapItemList, spec=_MAP_ITEM_ROWS),
    ),
    _Collection(
        "Lists",
        "sync_list",
        *_CONTAINER_FIELDS,
        place="Index",
        permissions=True,
        item_rows=_LIST_ITEM_ROWS,
        items_of=functools.partial(SyncListItemList, spec=_LIST_ITEM_ROWS),
    ),
    _Collection("Streams", "sync_stream", ("UniqueName", "Ttl"), ("Ttl",), messages=True),
)


@attrs.frozen
class Route:
    """One row of the routing table: a method and a path pattern, and their handler.

    ``path`` is written as the OpenAPI description writes it, without ``/v1``:
    ``/Services/{ServiceSid}/Documents/{Sid}``. Every Sync v1 path alternates a fixed
    segment and a variable one, so a route is found by its fixed segments alone.
    """

    method: str
    path: str
    handler: Handler

    @property
    def fixed(self) -> tuple[str, ...]:
        """The fixed segments of the path (every other one, from the first)."""
        segments = self.path.strip("/").split("/")
        assert all(s.startswith("{") for s in segments[1::2]), self.path
        assert not any(s.startswith("{") for s in segments[0::2]), self.path
        return tuple(segments[0::2])

    @property
    def length(self) -> int:
        """How many segments the path has."""
        return self.path.count("/")


def _one(members: _Members) -> dict[str, Handler]:
    """The methods of one item or permission."""
    return {"GET": members.fetch, "POST": members.update, "DELETE": members.delete}


def _routes() -> tuple[Route, ...]:
    paths: dict[str, dict[str, Handler]] = {
        "/Services": {"GET": _list_services, "POST": _create_service},
        "/Services/{Sid}": {
            "GET": _fetch_service,
            "POST": _update_service,
            "DELETE": _delete_service,
        },
    }
    for c in _COLLECTIONS:
        objects = f"/Services/{{ServiceSid}}/{c.segment}"
        owner = f"{objects}/{{{c.owner}}}"  # an object's path, as its sub-resources name it
        paths[objects] = {"GET": c.list, "POST": c.create}
        paths[f"{objects}/{{Sid}}"] = {"GET": c.fetch, "POST": c.update, "DELETE": c.delete}
        if c.place is not None:
            items = _Members(c, f"{c.stem}_items", "items", _ITEM_FIELDS, items=True)
            paths[f"{owner}/Items"] = {"GET": items.list, "POST": c.create_item}
            paths[f"{owner}/Items/{{{c.place}}}"] = _one(items)
        if c.permissions:
            grants = _Members(c, f"{c.stem}_permissions", "permissions", _FLAGS, items=False)
            paths[f"{owner}/Permissions"] = {"GET": grants.list}
            paths[f"{owner}/Permissions/{{Identity}}"] = _one(grants)
        if c.messages:
            paths[f"{owner}/Messages"] = {"POST": c.publish}
    return tuple(
        Route(method, path, handler)
        for path, methods in paths.items()
        for method, handler in methods.items()
    )


#: Every operation of the Sync v1 REST API (the OpenAPI description's 48).
ROUTES: Final = _routes()
#: The routes by their fixed segments and length, then by method: built once.
_TABLE: Final[dict[tuple[tuple[str, ...], int], dict[str, Handler]]] = {}
for _row in ROUTES:
    _TABLE.setdefault((_row.fixed, _row.length), {})[_row.method] = _row.handler
del _row


def normalize_base_url(base_url: str) -> str:
    """Where a server says the v1 API is: ``base_url`` without a trailing ``/``, ``/v1``
    added unless it ends with it.

    >>> normalize_base_url("http://127.0.0.1:8000")
    'http://127.0.0.1:8000/v1'
    >>> normalize_base_url("http://127.0.0.1:8000/v1/")
    'http://127.0.0.1:8000/v1'
    >>> normalize_base_url("https://staging.example/sync")  # an app mounted under /sync
    'https://staging.example/sync/v1'
    >>> normalize_base_url("127.0.0.1:8000")
    Traceback (most recent call last):
    ...
    ValueError: base_url must be an http:// or https:// URL with a host and no query, got '127.0.0.1:8000'

    Raises:
        TypeError: ``base_url`` is not a string.
        ValueError: it is not an absolute http(s) URL (a host, a port from 0 to 65535,
            no space nor control character: it is written into every answer's URLs),
            or it has a query or fragment.
    """
    if not isinstance(base_url, str):
        raise TypeError(f"base_url must be a string, got {type(base_url).__name__}")
    try:
        parts = urlsplit(base_url)
        _ = parts.port  # a port beyond 65535, or not a number, is a ValueError
    except ValueError:
        parts = None
    if (
        parts is None
        # No space nor control character (format characters, as an IDN's ZWNJ, are
        # text); after an IPv6 host's "]", a port or nothing.
        or any(char.isspace() or ord(char) < 32 or 127 <= ord(char) < 160 for char in base_url)
        or not _writable(base_url)
        or _past_the_brackets(parts.netloc)
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or "?" in base_url
        or "#" in base_url
    ):
        raise ValueError(
            f"base_url must be an http:// or https:// URL with a host and no query, got {base_url!r}"
        )
    root = base_url.rstrip("/")
    return root if root.endswith("/v1") else f"{root}/v1"


def _writable(text: str) -> bool:
    """Whether ``text`` has a UTF-8 form (no lone surrogate, as ``surrogateescape``
    leaves in ``os.environ`` from bytes that were not UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _past_the_brackets(netloc: str) -> bool:
    """Whether text other than a port follows an IPv6 host's ``]`` (``urlsplit`` drops
    it: ``[::1]x:8000`` would be written into answers as it is).

    >>> _past_the_brackets("[::1]:8000"), _past_the_brackets("[::1]x:8000")
    (False, True)
    """
    if "]" not in netloc:
        return False
    tail = netloc.rpartition("]")[2]
    port = tail[1:]
    return tail != "" and not (
        tail[0] == ":" and (port == "" or (port.isascii() and port.isdigit()))
    )


#: How long the real service's prefix is: what a rebased URL replaces.
_BASE_LENGTH: Final = len(BASE_URL)


def _rebased(url: object, base_url: str) -> object:
    if isinstance(url, str) and url.startswith(BASE_URL):
        return base_url + url[_BASE_LENGTH:]
    return url


def _rebase(body: dict[str, Any], base_url: str) -> None:
    """Move the ``url`` and ``links`` of the record(s) of ``body`` under ``base_url``.

    Only those fields of the records themselves: a record's ``data`` (the caller's
    own JSON) is never looked into. A listing's ``meta`` URLs are built on the base
    already (``_Request.root``).
    """
    meta = body.get("meta")
    records = body.get(meta["key"], ()) if isinstance(meta, dict) and "key" in meta else (body,)
    for record in records:
        if "url" in record:
            record["url"] = _rebased(record["url"], base_url)
        links = record.get("links")
        if isinstance(links, dict):
            record["links"] = {name: _rebased(link, base_url) for name, link in links.items()}


class RestApi:
    """Answers Sync v1 REST requests with a :class:`~sync_core.Sync`, acting as ``system``.

    Thread-safe, as the Sync underneath is. One method: :meth:`handle`.

    ``base_url`` (a server's own address, ``http://127.0.0.1:8000`` or with ``/v1``)
    puts every ``url`` and ``links`` value of the answers, and every page URL of a
    listing, under it instead of ``https://sync.twilio.com/v1``, so that a client
    following them (``next_page_url``) stays on that server. Without it (the
    default, at no cost) records' URLs are the real service's, and page URLs use the
    request URL's own origin (the real service's for a bare path).

    >>> from sync_core import Sync
    >>> api = RestApi(Sync(seed=1), base_url="http://127.0.0.1:8000")
    >>> made = api.handle("POST", "/v1/Services", data={"FriendlyName": "chat"})
    >>> made.body["url"] == f"http://127.0.0.1:8000/v1/Services/{made.body['sid']}"
    True
    >>> api.handle("GET", "/v1/Services").body["meta"]["url"]
    'http://127.0.0.1:8000/v1/Services?PageSize=50&Page=0'

    Raises:
        ValueError: ``base_url`` is not an absolute http(s) URL (:func:`normalize_base_url`).
    """

    def __init__(self, sync: Sync, *, base_url: str | None = None) -> None:
        self.sync = sync
        #: Where answers say the API is (``https://host:port/v1``), or None: records'
        #: ``url`` and ``links`` under ``https://sync.twilio.com/v1``, and page URLs
        #: under the request's own origin (that one when the request gives a path).
        self.base_url = None if base_url is None else normalize_base_url(base_url)
        # Where this thread's operations note the state's epoch: a request is journaled
        # only if it is the journal's still (Engine.replacements_seen).
        self._seen = sync._engine.replacements_seen()

    def allowed(self, url: str) -> str | None:
        """The methods the REST resource at ``url`` takes, as a 405's ``Allow`` says
        them; None: no route.

        >>> from sync_core import Sync
        >>> RestApi(Sync()).allowed("/v1/Services/default/Documents")
        'GET, POST'
        """
        try:
            target = _target_of(url, self.base_url)
        except SyncError:
            return None
        return ", ".join(sorted(target.handlers))

    def handle(
        self,
        method: str,
        url: str,
        params: Mapping[str, object] | None = None,
        data: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> RestResponse:
        """Answer one request.

        Args:
            method: ``GET``, ``POST`` or ``DELETE`` (any case); others are 405.
            url: an absolute URL or a path (``/v1/Services/...``); a query string in it
                is read as parameters, and wins over ``params`` of the same name, as
                on the wire (``requests`` sends ``params`` after the URL's own query,
                and the HTTP apps read the first value of a name).
            params: query parameters (``PageSize``, ``Order``, ``From``, ...).
            data: form fields (``UniqueName``, ``Data``, ``Ttl``, ...).
            headers: request headers (``If-Match``).

        Returns:
            The status, headers and JSON body Twilio would answer.

        Raises:
            FaultTimeout: an injected timeout (:mod:`sync_core.faults`): no answer; a
                server drops the connection or lets its client time out.
        """
        # The parameters and form fields as text, once: for the request and the journal.
        query = _texts(params) if params and isinstance(params, Mapping) else {}
        form = _texts(data) if data and isinstance(data, Mapping) else {}
        return self._handle(method, url, query, form, headers, params, data)

    def _handle(
        self,
        method: object,
        url: object,
        query: Form,
        form: Form,
        headers: Mapping[str, str | None] | None,
        params: object = None,
        data: object = None,
    ) -> RestResponse:
        """:meth:`handle` with the query parameters and form fields as text already
        (``query``, ``form``: the handlers read them, the journal keeps them as they
        are); ``params`` and ``data`` only when they are not mappings (answered 500).
        A header whose value is ``None`` is no header."""
        verb = str(method).upper()
        fault = None
        journal, seen = self.sync.journal, self._seen
        outer, seen.epoch = getattr(seen, "epoch", None), None  # a callback's own request
        allowed = None
        try:
            asked, given = query, form  # what the handler reads
            if data and not isinstance(data, Mapping):
                given = _texts(data)  # type: ignore[arg-type]  # fails as a bug would: a 500
            if params and not isinstance(params, Mapping):
                asked = _texts(params)  # type: ignore[arg-type]
            target = (
                _kept_target(url, self.base_url)  # _target_of(), its common case first
                if type(url) is str and len(url) <= _KEPT_URL_LENGTH
                else _target_of(url, self.base_url)
            )
            handler = target.handlers.get(verb)
            if handler is None:
                allowed = ", ".join(sorted(target.handlers))
                raise METHOD_NOT_ALLOWED.error(f"{verb} is not one of {allowed} here")
            if target.query:  # the URL's own parameters, first on the wire: they win
                asked = {**asked, **dict(target.query)}
                query = {**query, **dict(target.query)}  # as the journal writes them
            answer = handler(
                self.sync, _Request(verb, target, asked, given, headers or {}), target.args
            )
            if self.base_url is not None and not answer.written and answer.body is not None:
                _rebase(answer.body, self.base_url)
        except SyncError as error:
            # What exactly was wrong is not part of Twilio's body: a client (the SDK)
            # sees the body alone, so the detail goes to the log, for people.
            if error.detail is not None:
                logger.debug("%s %s: %s", method, url, error)
            answer, fault = _error(error), error.fault
            if allowed is not None:  # a 405 says which methods the resource takes (RFC 9110)
                answer.headers["Allow"] = allowed
        except FaultTimeout as timeout:  # an injected one: no answer at all, the
            # caller's transport times out; written down with status 0
            epoch, seen.epoch = seen.epoch, outer
            journal.add(verb, str(url), query, form, 0, None, timeout.fault.name, since=epoch)
            raise
        except Exception:  # a bug of sync_core: still an HTTP answer, and logged
            logger.exception("unexpected failure answering %s %s", method, url)
            answer = _error(INTERNAL_ERROR.error())
        except BaseException:  # a subscriber's KeyboardInterrupt as its events were
            # delivered, say: no answer, and what committed stays; written down, status 0
            epoch, seen.epoch = seen.epoch, outer
            journal.add(verb, str(url), query, form, 0, None, None, since=epoch)
            raise
        # Every request is written down in the Sync's journal with how it was answered
        # (query and form as given: a handler never changes the request's).
        code = answer.body.get("code") if answer.status >= 400 and answer.body else None
        # Not of a state replaced since its operation saw it (by a callback as the
        # operation delivered its events, or by another thread): the journal forgot it.
        epoch, seen.epoch = seen.epoch, outer
        journal.add(verb, str(url), query, form, answer.status, code, fault, since=epoch)
        return answer


#: The origin of the SDK's own URLs, which a request's URL most often begins with.
_ORIGIN: Final = "https://sync.twilio.com"
#: What makes urlsplit() do more than split: characters it removes.
_REMOVED: Final = frozenset("\t\r\n")


def _split(url: str) -> tuple[str, str, str]:
    """The path, the query text and the origin (``scheme://host``, or empty) of ``url``:
    what :func:`urllib.parse.urlsplit` says, without its cost for the SDK's own URLs.

    >>> _split("https://sync.twilio.com/v1/Services?PageSize=5#top")
    ('/v1/Services', 'PageSize=5', 'https://sync.twilio.com')

    Raises:
        ValueError: what ``urlsplit`` raises (an unclosed ``[`` where a host would be).
    """
    if (
        url.startswith(_ORIGIN)
        and url[len(_ORIGIN) : len(_ORIGIN) + 1] == "/"
        and _REMOVED.isdisjoint(url)
    ):
        rest = url[len(_ORIGIN) :].partition("#")[0]
        path, _, query_text = rest.partition("?")
        return path, query_text, _ORIGIN
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return parts.path, parts.query, origin


#: URLs longer than this are parsed on every request, not kept (:func:`_target_of`).
_KEPT_URL_LENGTH: Final = 2_048


def _target_of(url: object, base_url: str | None) -> _Target:
    """What ``url`` says (:func:`_find_target`), found once for the last few hundred
    URLs (requests repeat theirs) and for any URL longer than :data:`_KEPT_URL_LENGTH`
    on every request.

    Raises:
        SyncError: 404, the URL names no route.
    """
    if type(url) is str and len(url) <= _KEPT_URL_LENGTH:
        return _kept_target(url, base_url)
    if not isinstance(url, str):
        raise NOT_FOUND.error(str(url))
    return _find_target(url, base_url)


def _first_of_each(query_text: str) -> tuple[tuple[str, str], ...]:
    """The query's parameters, blank values kept, and of a repeated name the first value
    only, as the HTTP apps read a query (:func:`~sync_core.adapters.http.parse_form`).

    >>> _first_of_each("PageSize=2&PageSize=4&From=")
    (('PageSize', '2'), ('From', ''))

    Raises:
        UnicodeDecodeError: an escape of a byte that is not UTF-8.
    """
    first: dict[str, str] = {}
    for name, value in parse_qsl(query_text, keep_blank_values=True, errors="strict"):
        first.setdefault(name, value)
    return tuple(first.items())


def _find_target(url: str, base_url: str | None) -> _Target:
    """Where ``url`` is (its path split, percent-decoded) and which route answers it.

    >>> target = _find_target("https://sync.twilio.com/v1/Services/IS1/Maps/a%20b?Order=asc", None)
    >>> target.segments, target.args, target.query, sorted(target.handlers)
    (('Services', 'IS1', 'Maps', 'a b'), ('IS1', 'a b'), (('Order', 'asc'),), ['DELETE', 'GET', 'POST'])
    >>> _find_target("/v1/Services/IS1/Nothing", None)
    Traceback (most recent call last):
    ...
    sync_core.errors.NotFoundError: HTTP 404 error 20404: The requested resource /Services/IS1/Nothing was not found

    Raises:
        SyncError: 404, the URL names no route; 400/20001, its path or query is no
            UTF-8 once percent-decoded.
    """
    if url.startswith("/"):  # a path, even "//evil/v1/...": no host in it
        path, _, query_text = url.partition("?")
        path = path.partition("#")[0]
        origin = ""
    else:
        try:
            path, query_text, origin = _split(url)
        except ValueError:  # e.g. an unclosed "[" where a host would be
            raise NOT_FOUND.error(url) from None
    # Text that is no UTF-8 (an escape of a byte that is not, a lone surrogate) is
    # 400/20001, as the HTTP apps answer it (HttpCore.answer), before any route: never
    # read with U+FFFD in its place, which could name another item.
    try:
        query = _first_of_each(query_text) if query_text else ()
        if not (path.isascii() and query_text.isascii()):
            path.encode("utf-8")
            query_text.encode("utf-8")
        # unquote() only where there is something to decode.
        decoded = (
            tuple(unquote(segment, errors="strict") for segment in path.split("/"))
            if "%" in path
            else None
        )
    except UnicodeError as error:
        raise PARAMETER_INVALID.error(f"not UTF-8: {error}") from None
    shown = path[3:] if path.startswith("/v1/") else path
    if not path.startswith("/v1/"):
        raise NOT_FOUND.error(shown)
    raw = path[4:].split("/")
    if "" in raw:
        raise NOT_FOUND.error(shown)
    segments = tuple(raw) if decoded is None else decoded[2:]
    handlers = _TABLE.get((segments[0::2], len(segments)))
    if handlers is None:
        raise NOT_FOUND.error(shown)
    return _Target(
        path,
        query,
        base_url or (f"{origin}/v1" if origin else BASE_URL),
        base_url or BASE_URL,
        segments,
        segments[1::2],
        handlers,
    )


#: The targets of the last URLs asked for (a URL is parsed once, not on every request);
#: a 404 is not kept, so each one is parsed again.
_kept_target: Final = functools.lru_cache(maxsize=512)(_find_target)
