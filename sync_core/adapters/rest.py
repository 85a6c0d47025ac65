"""The REST adapter: an HTTP-shaped request in, Twilio's HTTP-shaped answer out.

``RestApi(sync).handle(method, url, params, data, headers)`` answers any request of
the Sync v1 REST API (every operation of Twilio's OpenAPI description) the way
``https://sync.twilio.com/v1`` does, without any I/O: a server maps its routes onto it,
and :mod:`sync_core.adapters.twilio` plugs it under the official SDK.

- Matching is on the path only (any host, regional ones too); path segments are
  percent-decoded. The path must begin with ``/v1/``.
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
  path 404/20404, a known path with another method 405/20004. Whatever the input, the
  answer is a status and a JSON body, never an exception.

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

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeAlias
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import attrs

from ..errors import MORE_INFO, SyncError, fail
from ..paging import Page
from ..params import UNSET
from ..records import BASE_URL
from ..service import ServiceContext
from ..sync import Sync

__all__ = ["RestApi", "RestResponse"]

logger: Final = logging.getLogger("sync_core.rest")

Form: TypeAlias = dict[str, str]
Handler: TypeAlias = Callable[["_Request"], "RestResponse"]

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
_SERVICE_FIELDS: Final = (
    "FriendlyName",
    "WebhookUrl",
    "AclEnabled",
    "ReachabilityWebhooksEnabled",
    "ReachabilityDebouncingEnabled",
    "ReachabilityDebouncingWindow",
    "WebhooksFromRestEnabled",
)
#: Each object collection of a service: its path segment -> (attribute, listing key).
_COLLECTIONS: Final = {
    "Documents": ("documents", "documents"),
    "Maps": ("sync_maps", "maps"),
    "Lists": ("sync_lists", "lists"),
    "Streams": ("sync_streams", "streams"),
}
#: Which fields each collection's create and update take (the OpenAPI description's).
_CREATE_FIELDS: Final = {
    "Documents": ("UniqueName", "Data", "Ttl"),
    "Maps": ("UniqueName", "Ttl", "CollectionTtl"),
    "Lists": ("UniqueName", "Ttl", "CollectionTtl"),
    "Streams": ("UniqueName", "Ttl"),
}
_UPDATE_FIELDS: Final = {
    "Documents": ("Data", "Ttl"),
    "Maps": ("Ttl", "CollectionTtl"),
    "Lists": ("Ttl", "CollectionTtl"),
    "Streams": ("Ttl",),
}
_ITEM_FIELDS: Final = ("Data", "Ttl", "ItemTtl", "CollectionTtl")
#: The item and permission sub-resources of each collection that has them.
_ITEMS: Final = {"Maps": "sync_map_items", "Lists": "sync_list_items"}
_PERMISSIONS: Final = {
    "Documents": "document_permissions",
    "Maps": "sync_map_permissions",
    "Lists": "sync_list_permissions",
}
#: Paging parameters, in the order Twilio writes them in its page URLs.
_PAGING: Final = ("From", "Bounds", "Order", "PageSize", "Page", "PageToken")


@attrs.frozen
class RestResponse:
    """An HTTP-shaped answer: status, headers, and the JSON body (None for 204)."""

    status: int
    headers: dict[str, str]
    body: dict[str, Any] | None

    @property
    def text(self) -> str:
        """The body as HTTP carries it: JSON text, or empty for no body."""
        return "" if self.body is None else json.dumps(self.body, ensure_ascii=False)


@attrs.frozen
class _Request:
    """A request as the handlers see it: method, decoded path segments, text values."""

    method: str
    origin: str  # scheme and host to write page URLs with
    path: str  # as received, without the query (percent-encoded as it came)
    segments: tuple[str, ...]  # after /v1, percent-decoded
    query: Form
    form: Form
    headers: Mapping[str, str]

    def header(self, name: str) -> str | None:
        """A header's value, whatever the case of its name."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None

    def fields(self, names: tuple[str, ...]) -> dict[str, object]:
        """The library's keyword arguments for the given form fields."""
        return {_NAMES[name]: self.form[name] for name in names if name in self.form}


def _text(value: object) -> str:
    """A form or query value as HTTP would carry it."""
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


_DELETED: Final = RestResponse(204, {}, None)


class RestApi:
    """Answers Sync v1 REST requests with a :class:`~sync_core.Sync`, acting as ``system``.

    Thread-safe, as the Sync underneath is. One method: :meth:`handle`.
    """

    def __init__(self, sync: Sync) -> None:
        self.sync = sync

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
                is read as parameters (``params`` win over it).
            params: query parameters (``PageSize``, ``Order``, ``From``, ...).
            data: form fields (``UniqueName``, ``Data``, ``Ttl``, ...).
            headers: request headers (``If-Match``).

        Returns:
            The status, headers and JSON body Twilio would answer.
        """
        try:
            request = self._parse(method, url, params, data, headers)
            return self._route(request)(request)
        except SyncError as error:
            return _error(error)
        except Exception:  # a bug of sync_core: still an HTTP answer, and logged
            logger.exception("unexpected failure answering %s %s", method, url)
            return _json(
                500,
                {
                    "code": 20500,
                    "message": "Internal Server Error",
                    "more_info": MORE_INFO.format(code=20500),
                    "status": 500,
                },
            )

    # -- parsing and routing -----------------------------------------------------

    @staticmethod
    def _parse(
        method: object,
        url: object,
        params: Mapping[str, object] | None,
        data: Mapping[str, object] | None,
        headers: Mapping[str, str] | None,
    ) -> _Request:
        if not isinstance(url, str):
            raise fail("not_found", path=str(url))
        try:
            parts = urlsplit(url)
        except ValueError:  # e.g. an unclosed "[" where a host would be
            raise fail("not_found", path=url) from None
        path = parts.path
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
        query = dict(parse_qsl(parts.query, keep_blank_values=True)) if parts.query else {}
        if params:
            query.update(_texts(params))
        shown = path[3:] if path.startswith("/v1/") else path
        if not path.startswith("/v1/"):
            raise fail("not_found", path=shown)
        raw = path[4:].split("/")
        if "" in raw:
            raise fail("not_found", path=shown)
        # unquote() only where there is something to decode: this runs on every request.
        segments = tuple(unquote(segment) if "%" in segment else segment for segment in raw)
        return _Request(
            method=str(method).upper(),
            origin=origin or BASE_URL[: -len("/v1")],
            path=path,
            segments=segments,
            query=query,
            form=_texts(data),
            headers=dict(headers or {}),
        )

    def _route(self, request: _Request) -> Handler:
        """The handler of the request's path and method (404 or 405 when none)."""
        handlers = self._handlers(request.segments)
        if handlers is None:
            raise fail("not_found", path=request.path[3:])
        handler = handlers.get(request.method)
        if handler is None:
            allowed = ", ".join(sorted(handlers))
            raise fail(
                "method_not_allowed", detail=f"{request.method} is not one of {allowed} here"
            )
        return handler

    def _handlers(self, segments: tuple[str, ...]) -> dict[str, Handler] | None:
        """The methods a path takes, each with its handler; None for an unknown path."""
        if segments[0] != "Services":
            return None
        if len(segments) == 1:
            return {"GET": self._list_services, "POST": self._create_service}
        if len(segments) == 2:
            return {
                "GET": self._fetch_service,
                "POST": self._update_service,
                "DELETE": self._delete_service,
            }
        collection = segments[2]
        if collection not in _COLLECTIONS:
            return None
        if len(segments) == 3:
            return {"GET": self._list_objects, "POST": self._create_object}
        if len(segments) == 4:
            return {
                "GET": self._fetch_object,
                "POST": self._update_object,
                "DELETE": self._delete_object,
            }
        sub = segments[4]
        if len(segments) == 5:
            if sub == "Items" and collection in _ITEMS:
                return {"GET": self._list_items, "POST": self._create_item}
            if sub == "Permissions" and collection in _PERMISSIONS:
                return {"GET": self._list_permissions}
            if sub == "Messages" and collection == "Streams":
                return {"POST": self._publish}
            return None
        if len(segments) == 6:
            if sub == "Items" and collection in _ITEMS:
                return {
                    "GET": self._fetch_item,
                    "POST": self._update_item,
                    "DELETE": self._delete_item,
                }
            if sub == "Permissions" and collection in _PERMISSIONS:
                return {
                    "GET": self._fetch_permission,
                    "POST": self._update_permission,
                    "DELETE": self._delete_permission,
                }
        return None

    # -- listings ----------------------------------------------------------------

    @staticmethod
    def _listing(request: _Request, key: str, read: Callable[..., Page[Any]]) -> RestResponse:
        """One page of a listing, with Twilio's ``meta`` and page URLs."""
        query = request.query
        fixed: dict[str, str] = {
            name: query[name] for name in ("From", "Bounds", "Order") if name in query
        }
        page = read(
            page_token=query.get("PageToken", UNSET),
            page_number=query.get("Page", UNSET),
            page_size=query.get("PageSize", UNSET),
        )
        base = f"{request.origin}{request.path}"

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
                    else url(number + 1, page.next_page_token),
                    "page": number,
                    "page_size": page.page_size,
                    "previous_page_url": None
                    if page.previous_page_token is None
                    else url(max(number - 1, 0), page.previous_page_token),
                    "url": url(number, current_token),
                },
            },
        )

    # -- services -------------------------------------------------------------------

    def _service(self, request: _Request) -> ServiceContext:
        return self.sync.services(request.segments[1])

    def _list_services(self, request: _Request) -> RestResponse:
        return self._listing(request, "services", self.sync.services.page)

    def _create_service(self, request: _Request) -> RestResponse:
        return _record(201, self.sync.services.create(**request.fields(_SERVICE_FIELDS)))

    def _fetch_service(self, request: _Request) -> RestResponse:
        return _record(200, self._service(request).fetch())

    def _update_service(self, request: _Request) -> RestResponse:
        return _record(200, self._service(request).update(**request.fields(_SERVICE_FIELDS)))

    def _delete_service(self, request: _Request) -> RestResponse:
        self._service(request).delete()
        return _DELETED

    # -- documents, maps, lists, streams ----------------------------------------------

    def _objects(self, request: _Request) -> Any:
        attribute = _COLLECTIONS[request.segments[2]][0]
        return getattr(self._service(request), attribute)

    def _object(self, request: _Request) -> Any:
        return self._objects(request)(request.segments[3])

    def _list_objects(self, request: _Request) -> RestResponse:
        key = _COLLECTIONS[request.segments[2]][1]
        return self._listing(request, key, self._objects(request).page)

    def _create_object(self, request: _Request) -> RestResponse:
        fields = request.fields(_CREATE_FIELDS[request.segments[2]])
        return _record(201, self._objects(request).create(**fields))

    def _fetch_object(self, request: _Request) -> RestResponse:
        return _record(200, self._object(request).fetch())

    def _update_object(self, request: _Request) -> RestResponse:
        fields = request.fields(_UPDATE_FIELDS[request.segments[2]])
        if request.segments[2] == "Documents":
            fields["if_match"] = request.header("If-Match")
        return _record(200, self._object(request).update(**fields))

    def _delete_object(self, request: _Request) -> RestResponse:
        self._object(request).delete()
        return _DELETED

    def _publish(self, request: _Request) -> RestResponse:
        messages = self._object(request).stream_messages
        return _record(201, messages.create(data=request.form.get("Data")))

    # -- items ----------------------------------------------------------------------

    def _items(self, request: _Request) -> Any:
        return getattr(self._object(request), _ITEMS[request.segments[2]])

    def _item(self, request: _Request) -> Any:
        return self._items(request)(request.segments[5])

    def _list_items(self, request: _Request) -> RestResponse:
        items = self._items(request)
        query = request.query

        def read(**paging: object) -> Page[Any]:
            page: Page[Any] = items.page(
                order=query.get("Order", UNSET),
                from_=query.get("From", UNSET),
                bounds=query.get("Bounds", UNSET),
                **paging,
            )
            return page

        return self._listing(request, "items", read)

    def _create_item(self, request: _Request) -> RestResponse:
        fields = request.fields(_ITEM_FIELDS)
        fields.setdefault("data", None)  # missing Data is Twilio's "cannot be null"
        if request.segments[2] == "Maps":
            fields["key"] = request.form.get("Key", UNSET)
        return _record(201, self._items(request).create(**fields))

    def _fetch_item(self, request: _Request) -> RestResponse:
        return _record(200, self._item(request).fetch())

    def _update_item(self, request: _Request) -> RestResponse:
        fields = request.fields(_ITEM_FIELDS)
        return _record(
            200, self._item(request).update(if_match=request.header("If-Match"), **fields)
        )

    def _delete_item(self, request: _Request) -> RestResponse:
        self._item(request).delete(if_match=request.header("If-Match"))
        return _DELETED

    # -- permissions ----------------------------------------------------------------

    def _permissions(self, request: _Request) -> Any:
        return getattr(self._object(request), _PERMISSIONS[request.segments[2]])

    def _permission(self, request: _Request) -> Any:
        return self._permissions(request)(request.segments[5])

    def _list_permissions(self, request: _Request) -> RestResponse:
        return self._listing(request, "permissions", self._permissions(request).page)

    def _fetch_permission(self, request: _Request) -> RestResponse:
        return _record(200, self._permission(request).fetch())

    def _update_permission(self, request: _Request) -> RestResponse:
        fields = request.fields(("Read", "Write", "Manage"))
        return _record(200, self._permission(request).update(**fields))

    def _delete_permission(self, request: _Request) -> RestResponse:
        self._permission(request).delete()
        return _DELETED
