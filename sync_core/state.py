"""The state of a whole :class:`~sync_core.Sync` as JSON: export it, import it, keep it in a file.

``sync.export_state()`` gives a JSON-serializable dict; ``sync.import_state(data)``
makes the Sync's state exactly that (``Sync.import_state(data)`` makes a new Sync with
it). A round trip is exact: the export of an import is the data imported (what has
expired by the Sync's clock is removed before an export, as before any call). The format
(docs/state.md) is versioned and small enough to write by hand, as a fixture file a
test suite keeps in its repository; everything but ``version`` and the names that
identify a thing (an item's ``key``, a permission's ``identity``) may be left out:

>>> from sync_core import Sync, ManualClock
>>> fixture = {
...     "version": 1,
...     "services": [{
...         "unique_name": "default",
...         "documents": [{"unique_name": "prefs", "data": {"theme": "dark"}}],
...         "maps": [{"unique_name": "users", "items": [{"key": "alice", "data": {"n": 1}}]}],
...     }],
... }
>>> sync = Sync.import_state(fixture, clock=ManualClock(), seed=1)
>>> sync.services("default").sync_maps("users").sync_map_items("alice").fetch().data
{'n': 1}
>>> Sync(seed=1).import_state({"version": 1, "services": [{"documents": [{"data": []}]}]})
Traceback (most recent call last):
...
sync_core.state.StateFormatError: services[0].documents[0].data: data must be a JSON object, not list

What import checks (each refusal names the place, and nothing is imported): the
shape of every value, unknown fields (a typo is an error, not a silent default), each
value by the rule the API applies to it (data of at most 16 KiB, unique names, keys,
identities, webhook URLs...) and under the Sync's limits (``sync.limits``: lowered ones
too), SIDs of the right prefix and unique (a Service's among Services, an object's
among its Service's objects, as the API keeps them), unique names unique within their
service and kind, keys unique within their Map, indexes unique and below the List's
``next_index``, revisions, indexes and counters below 2**62 (room for any number of
later writes), dates with a timezone and within years 1 to 9999 in UTC.

What is left out is filled in as creating it would: a SID from the Sync's generator,
``date_created`` now (the Sync's clock), ``date_updated`` equal to it, ``revision``
``"0"``, ``created_by`` ``system``, a Document's ``data`` ``{}``, a List item's
``index`` the next one, a List's ``next_index`` one past its last item, a service's
``last_event`` (the sequence number of its last event) 0; no made-up SID is one the
file gives elsewhere. Services and the objects of each kind keep the order of the file,
which is their creation (listing) order; items are in key (Map) or index (List) order
and permissions in identity order, whatever the file's. Creation order is renumbered
from 1: page tokens of another Sync do not carry over.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, NoReturn, cast

import attrs

from .acl import check_identity
from .errors import SyncError, shown
from .limits import DEFAULT_DEBOUNCING_WINDOW
from .lookup import DEFAULT_SERVICE_FRIENDLY_NAME, DEFAULT_SERVICE_NAME
from .params import check_index, check_int, check_key, check_unique_name
from .payload import decode_data, encode_data
from .rows import ItemRow, ObjectRow, PermissionRow, ServiceRow
from .service import check_friendly_name, check_webhook_url, check_window
from .sids import fresh_sid, is_sid
from .store import ITEM_KIND, ITEM_TABLES, OBJECT_ORDER, SERVICE_ORDER, Store, history_counter

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["FORMAT", "VERSION", "StateFormatError", "export_state", "import_state"]

#: What ``format`` says, when a file says it.
FORMAT: Final = "sync_core.state"
#: The version of the format this code writes and reads.
VERSION: Final = 1

#: Each kind of object: its key in a service, its SID prefix, and whether it has
#: data, items and permissions.
_KINDS: Final = {
    "document": ("documents", "ET"),
    "map": ("maps", "MP"),
    "list": ("lists", "ES"),
    "stream": ("streams", "TO"),
}
_SERVICE_FLAGS: Final = (
    "webhooks_from_rest_enabled",
    "reachability_webhooks_enabled",
    "acl_enabled",
    "reachability_debouncing_enabled",
)
_SERVICE_FIELDS: Final = frozenset(
    {
        "sid",
        "unique_name",
        "friendly_name",
        "webhook_url",
        *_SERVICE_FLAGS,
        "reachability_debouncing_window",
        "date_created",
        "date_updated",
        "last_event",
        *(collection for collection, _ in _KINDS.values()),
    }
)
_DATED: Final = ("created_by", "date_created", "date_updated", "date_expires")
_OBJECT_FIELDS: Final = {
    "document": frozenset({"sid", "unique_name", "data", "revision", *_DATED, "permissions"}),
    "map": frozenset({"sid", "unique_name", "revision", *_DATED, "items", "permissions"}),
    "list": frozenset(
        {"sid", "unique_name", "revision", *_DATED, "items", "next_index", "permissions"}
    ),
    "stream": frozenset({"sid", "unique_name", *_DATED}),
}
_ITEM_FIELDS: Final = {
    "map": frozenset({"key", "data", "revision", *_DATED}),
    "list": frozenset({"index", "data", "revision", *_DATED}),
}
_PERMISSION_FIELDS: Final = frozenset({"identity", "read", "write", "manage"})
#: Revisions, indexes and counters are 64-bit integers in every storage; an import keeps
#: them below 2**62, so that no amount of later writes can overflow one.
_TOO_BIG: Final = 1 << 62
#: The types of data's leaves: no SID is under them.
_LEAVES: Final = frozenset({str, int, float, bool, type(None)})
#: A count written as text: its decimal digits, as an export writes it.
_DIGITS: Final = re.compile(r"0|[1-9][0-9]*")


class StateFormatError(ValueError):
    """Data given to ``import_state`` that is not a valid sync_core state.

    ``place`` says where, as a path into the data (``services[0].maps[1].items[3].key``).
    """

    def __init__(self, place: str, problem: str) -> None:
        super().__init__(f"{place}: {problem}" if place else problem)
        self.place = place
        self.problem = problem


# -- export -------------------------------------------------------------------------


def _date(when: datetime | None) -> str | None:
    """A date as ISO 8601 in UTC with ``Z``, microseconds kept when there are any."""
    if when is None:
        return None
    text = when.astimezone(UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


def export_state(engine: Engine) -> dict[str, Any]:
    """The whole state now, as the format of this module. O(state)."""
    with engine.operation():
        store = engine.store
        return {
            "format": FORMAT,
            "version": VERSION,
            "account_sid": engine.account_sid,
            "services": [
                _export_service(store, cast(str, sid)) for _, sid in _scan(store, SERVICE_ORDER, ())
            ],
        }


def _scan(store: Store, table: str, prefix: tuple[str, ...]) -> Iterator[tuple[Any, object]]:
    return store.storage.scan(table, prefix)


def _export_service(store: Store, sid: str) -> dict[str, Any]:
    row = store.service(sid)
    assert row is not None
    exported: dict[str, Any] = {
        "sid": row.sid,
        "unique_name": row.unique_name,
        "friendly_name": row.friendly_name,
        "webhook_url": row.webhook_url,
        **{flag: getattr(row, flag) for flag in _SERVICE_FLAGS},
        "reachability_debouncing_window": row.reachability_debouncing_window,
        "date_created": _date(row.date_created),
        "date_updated": _date(row.date_updated),
        "last_event": cast(int | None, store.storage.get("counters", (f"events:{sid}",))) or 0,
    }
    for kind, (collection, _) in _KINDS.items():
        exported[collection] = [
            _export_object(store, store.object_by_sid(sid, cast(str, object_sid)))
            for _, object_sid in _scan(store, OBJECT_ORDER, (sid, kind))
        ]
    return exported


def _export_object(store: Store, row: ObjectRow | None) -> dict[str, Any]:
    assert row is not None
    exported: dict[str, Any] = {"sid": row.sid, "unique_name": row.unique_name}
    if row.kind == "document":
        assert row.data is not None
        exported["data"] = decode_data(row.data)
    if row.kind != "stream":
        exported["revision"] = str(row.revision)
    exported.update(_export_dated(row))
    item_kind = ITEM_KIND.get(row.kind)
    if item_kind is not None:
        place = "key" if row.kind == "map" else "index"
        table = ITEM_TABLES[item_kind][0]
        exported["items"] = [
            {
                place: item.position,
                "data": decode_data(item.data),
                "revision": str(item.revision),
                **_export_dated(item),
            }
            for _, value in _scan(store, table, (row.service_sid, row.sid))
            if (item := cast(ItemRow, value))
        ]
    if row.kind == "list":
        exported["next_index"] = row.next_index
    if row.kind != "stream":
        exported["permissions"] = [
            {
                "identity": grant.identity,
                "read": grant.read,
                "write": grant.write,
                "manage": grant.manage,
            }
            for _, value in _scan(store, "permissions", (row.service_sid, row.sid))
            if (grant := cast(PermissionRow, value))
        ]
    return exported


def _export_dated(row: ObjectRow | ItemRow) -> dict[str, Any]:
    return {
        "created_by": row.created_by,
        "date_created": _date(row.date_created),
        "date_updated": _date(row.date_updated),
        "date_expires": _date(row.date_expires),
    }


# -- import -------------------------------------------------------------------------


class _Rows:
    """Every row and counter an import writes, built and checked before any is written."""

    def __init__(self) -> None:
        self.services: list[ServiceRow] = []
        self.objects: list[ObjectRow] = []
        self.items: list[ItemRow] = []
        self.permissions: list[PermissionRow] = []
        self.counters: dict[str, int] = {}


class _Reader:
    """Reads the data, place by place, into :class:`_Rows`; the first problem raises."""

    def __init__(self, engine: Engine, now: datetime) -> None:
        self.engine = engine
        self.limits = engine.limits  # Twilio's, or lowered: an import obeys them too
        self.now = now
        self.rows = _Rows()
        self.services: set[str] = set()
        #: Every SID the data gives (read before any is made up, so none is made twice).
        self.explicit: set[str] = set()
        self.grants: set[tuple[str, str, str]] = set()

    # -- values ---------------------------------------------------------------------

    def fail(self, place: str, problem: str) -> NoReturn:
        raise StateFormatError(place, problem)

    def mapping(self, value: object, place: str, fields: frozenset[str]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(place or "state", f"must be an object, not {_type(value)}")
        for name in value:
            if name not in fields:
                known = ", ".join(sorted(fields))
                self.fail(_at(place, str(name)), f"unknown field (known here: {known})")
        return value

    def sequence(self, value: object, place: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(place, f"must be a list, not {type(value).__name__}")
        return value

    def checked(self, check: Callable[..., Any], value: object, place: str, *args: object) -> Any:
        """``check(value, *args)``, its SyncError told as a problem at ``place``."""
        try:
            return check(value, *args)
        except SyncError as error:
            self.fail(place, error.detail or error.message)

    def text(self, value: object, place: str) -> str:
        if not isinstance(value, str):
            self.fail(place, f"must be a string, not {_type(value)}")
        return value

    def flag(self, value: object, place: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail(place, f"must be true or false, not {shown(value)}")
        return value

    def count(self, value: object, place: str, default: int = 0) -> int:
        if value is None:
            return default
        # An int, or its decimal digits as text as an export writes a revision: never
        # another spelling ("+7", " 5000 "), which would not come back as given.
        canonical = isinstance(value, int) or (
            isinstance(value, str) and _DIGITS.fullmatch(value) is not None
        )
        number = check_int(value) if canonical else None
        if number is not None and number >= _TOO_BIG:
            self.fail(place, f"must be below 2**62, not {shown(value)}")
        if number is None or number < 0:
            self.fail(place, f"must be a non-negative integer, not {shown(value)}")
        return number

    def date(self, value: object, place: str, default: datetime | None) -> datetime | None:
        if value is None:
            return default
        if not isinstance(value, str):
            self.fail(place, f"must be an ISO 8601 date, not {_type(value)}")
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            self.fail(
                place, f"must be an ISO 8601 date such as 2025-01-01T00:00:00Z, not {shown(value)}"
            )
        if when.tzinfo is None:
            self.fail(place, f"must say its timezone (2025-01-01T00:00:00Z), not {shown(value)}")
        try:
            return when.astimezone(UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00: before year 1 in UTC
            self.fail(place, f"is outside the years 1 to 9999 in UTC: {shown(value)}")

    def sid(self, value: object, place: str, prefix: str, taken: set[str]) -> str:
        """A SID given, or a new one; unique in ``taken`` (the services, or the objects
        of one service: the scope the API keeps SIDs unique in)."""
        if value is None:  # a new one, which no SID of the file (read or not yet) is
            explicit = self.explicit
            sid = fresh_sid(
                self.engine.sids, prefix, lambda made: made in taken or made in explicit
            )
        else:
            sid = self.text(value, place)
            # Lowercase hex, as every SID Twilio or sync_core makes: a unique name may be
            # SID-shaped in uppercase (lookup.find_object tells them apart by it).
            if not is_sid(sid, prefix) or sid[2:] != sid[2:].lower():
                self.fail(
                    place, f"must be a SID: {prefix} and 32 lowercase hex digits, not {sid!r}"
                )
            if sid in taken:
                self.fail(place, f"{sid} is the SID of something else already")
        taken.add(sid)
        return sid

    def dated(self, value: Mapping[str, Any], place: str) -> dict[str, Any]:
        created = self.date(value.get("date_created"), _at(place, "date_created"), self.now)
        assert created is not None
        return {
            "created_by": self.checked(
                check_identity, value.get("created_by", "system"), _at(place, "created_by")
            ),
            "date_created": created,
            "date_updated": self.date(
                value.get("date_updated"), _at(place, "date_updated"), created
            ),
            "date_expires": self.date(value.get("date_expires"), _at(place, "date_expires"), None),
        }

    def data(self, value: object, place: str) -> str:
        if value is None:
            self.fail(place, "missing: data is a JSON object")
        if not isinstance(value, Mapping):  # not its JSON text either: export writes none
            self.fail(place, f"data must be a JSON object, not {_type(value)}")
        try:
            return encode_data(value, limit=self.limits.data_bytes)[0]
        except SyncError as error:
            self.fail(place, error.detail or error.message)

    # -- the tree -------------------------------------------------------------------

    def state(self, data: object) -> _Rows:
        _given_sids(data, self.explicit)
        top = self.mapping(data, "", frozenset({"format", "version", "account_sid", "services"}))
        if "format" in top and top["format"] != FORMAT:
            self.fail("format", f"must be {FORMAT!r}, not {shown(top['format'])}")
        if type(top.get("version")) is not int or top["version"] != VERSION:
            given = "missing" if "version" not in top else f"{shown(top['version'])}"
            self.fail(
                "version", f"must be {VERSION} (the version this sync_core reads), not {given}"
            )
        account = top.get("account_sid")
        if account is not None and account != self.engine.account_sid:
            self.fail(
                "account_sid",
                f"{account!r} is not this Sync's account ({self.engine.account_sid})",
            )
        services = self.sequence(top.get("services"), "services")
        names: set[str] = set()
        for number, service in enumerate(services):
            self.service(service, f"services[{number}]", number + 1, names)
        self.rows.counters["services"] = len(services)
        return self.rows

    def service(self, value: object, place: str, seq: int, names: set[str]) -> None:
        service = self.mapping(value, place, _SERVICE_FIELDS)
        sid = self.sid(service.get("sid"), _at(place, "sid"), "IS", self.services)
        unique_name = service.get("unique_name")
        if unique_name is not None:
            if unique_name != DEFAULT_SERVICE_NAME:
                self.fail(
                    _at(place, "unique_name"),
                    f"only the default service has a unique name, {DEFAULT_SERVICE_NAME!r}; "
                    f"not {unique_name!r}",
                )
            if unique_name in names:
                self.fail(_at(place, "unique_name"), "there is one default service only")
            names.add(unique_name)
        friendly = service.get("friendly_name")
        if friendly is None and unique_name == DEFAULT_SERVICE_NAME:
            friendly = DEFAULT_SERVICE_FRIENDLY_NAME
        settings: dict[str, Any] = {
            "friendly_name": None
            if friendly is None
            else self.checked(check_friendly_name, friendly, _at(place, "friendly_name")),
            "webhook_url": None
            if service.get("webhook_url") is None
            else self.checked(check_webhook_url, service["webhook_url"], _at(place, "webhook_url")),
            "reachability_debouncing_window": self.checked(
                check_window,
                service.get("reachability_debouncing_window", DEFAULT_DEBOUNCING_WINDOW),
                _at(place, "reachability_debouncing_window"),
            ),
        }
        for flag in _SERVICE_FLAGS:
            settings[flag] = self.flag(service.get(flag), _at(place, flag))
        created = self.date(service.get("date_created"), _at(place, "date_created"), self.now)
        assert created is not None
        self.rows.services.append(
            ServiceRow(
                sid=sid,
                account_sid=self.engine.account_sid,
                seq=seq,
                date_created=created,
                date_updated=self.date(
                    service.get("date_updated"), _at(place, "date_updated"), created
                )
                or created,
                unique_name=unique_name,
                **settings,
            )
        )
        last_event = self.count(service.get("last_event"), _at(place, "last_event"))
        self.rows.counters[f"events:{sid}"] = last_event
        # The history up to it is not imported: a follower holding one of its events is
        # told so (ChangeFeed.read).
        self.rows.counters[history_counter(sid)] = last_event
        sids: set[str] = set()  # the objects' SIDs in this service
        for kind, (collection, prefix) in _KINDS.items():
            objects = self.sequence(service.get(collection), _at(place, collection))
            taken: set[str] = set()
            for number, obj in enumerate(objects):
                where = f"{_at(place, collection)}[{number}]"
                self.named(obj, where, kind, prefix, sid, number + 1, taken, sids)
            self.rows.counters[f"{kind}:{sid}"] = len(objects)

    def named(
        self,
        value: object,
        place: str,
        kind: str,
        prefix: str,
        service_sid: str,
        seq: int,
        taken: set[str],
        sids: set[str],
    ) -> None:
        obj = self.mapping(value, place, _OBJECT_FIELDS[kind])
        sid = self.sid(obj.get("sid"), _at(place, "sid"), prefix, sids)
        unique_name = obj.get("unique_name")
        if unique_name is not None:
            self.checked(
                check_unique_name,
                unique_name,
                _at(place, "unique_name"),
                self.limits.unique_name_length,
            )
            if unique_name in taken:
                self.fail(
                    _at(place, "unique_name"),
                    f"another {kind} of this service is named {unique_name!r}",
                )
            taken.add(unique_name)
        data = None
        if kind == "document":
            data = self.data(obj.get("data", {}), _at(place, "data"))
        row = ObjectRow(
            kind=kind,
            sid=sid,
            service_sid=service_sid,
            seq=seq,
            unique_name=unique_name,
            data=data,
            revision=self.count(obj.get("revision"), _at(place, "revision")),
            **self.dated(obj, place),
        )
        if kind in ITEM_KIND:
            row = self.items(obj, place, row)
        self.rows.objects.append(row)
        for number, grant in enumerate(
            self.sequence(obj.get("permissions"), _at(place, "permissions"))
        ):
            self.permission(grant, f"{_at(place, 'permissions')}[{number}]", row)

    def items(self, obj: Mapping[str, Any], place: str, row: ObjectRow) -> ObjectRow:
        """Read a Map's or List's items; its row with their count (and next index)."""
        kind = "map" if row.kind == "map" else "list"
        items = self.sequence(obj.get("items"), _at(place, "items"))
        most = self.limits.list_items
        if kind == "list" and len(items) > most:
            self.fail(_at(place, "items"), f"a List holds at most {most:,} items")
        positions: set[str | int] = set()
        next_index = 0
        for number, value in enumerate(items):
            where = f"{_at(place, 'items')}[{number}]"
            item = self.mapping(value, where, _ITEM_FIELDS[kind])
            position: str | int
            if kind == "map":
                if "key" not in item:
                    self.fail(_at(where, "key"), "missing: each Map item has a key")
                position = self.checked(
                    check_key, item["key"], _at(where, "key"), self.limits.map_key_length
                )
            elif item.get("index") is None:
                position = next_index
            else:
                position = self.checked(check_index, item["index"], _at(where, "index"))
                if isinstance(item["index"], bool | str):
                    self.fail(
                        _at(where, "index"), f"must be an integer, not {shown(item['index'])}"
                    )
                if isinstance(position, int) and position >= _TOO_BIG:
                    self.fail(_at(where, "index"), f"must be below 2**62, not {shown(position)}")
            if position in positions:
                self.fail(
                    where,
                    f"{'key' if kind == 'map' else 'index'} {position!r} is taken by another item",
                )
            positions.add(position)
            if isinstance(position, int):
                next_index = max(next_index, position + 1)
            self.rows.items.append(
                ItemRow(
                    kind=f"{kind}_item",
                    service_sid=row.service_sid,
                    container_sid=row.sid,
                    position=position,
                    data=self.data(item.get("data"), _at(where, "data")),
                    revision=self.count(item.get("revision"), _at(where, "revision")),
                    **self.dated(item, where),
                )
            )
        if kind == "list":
            given = self.count(obj.get("next_index"), _at(place, "next_index"), next_index)
            if given < next_index:
                self.fail(
                    _at(place, "next_index"),
                    f"must be above every item's index: {next_index} or more, not {given}",
                )
            next_index = given
        return attrs.evolve(
            row, item_count=len(items), next_index=next_index if kind == "list" else 0
        )

    def permission(self, value: object, place: str, row: ObjectRow) -> None:
        grant = self.mapping(value, place, _PERMISSION_FIELDS)
        if "identity" not in grant:
            self.fail(_at(place, "identity"), "missing: each permission names an identity")
        identity = self.checked(check_identity, grant["identity"], _at(place, "identity"))
        # Keyed as the store keys permissions: an object SID is unique in its Service only.
        granted = (row.service_sid, row.sid, identity)
        if granted in self.grants:
            self.fail(_at(place, "identity"), f"{identity!r} has another permission on this object")
        self.grants.add(granted)
        self.rows.permissions.append(
            PermissionRow(
                service_sid=row.service_sid,
                object_sid=row.sid,
                identity=identity,
                read=self.flag(grant.get("read"), _at(place, "read")),
                write=self.flag(grant.get("write"), _at(place, "write")),
                manage=self.flag(grant.get("manage"), _at(place, "manage")),
            )
        )


def _given_sids(value: object, found: set[str]) -> None:
    """Collect every ``sid`` the data gives, wherever it is (malformed data too: data
    that holds itself is walked once, and refused afterwards)."""
    stack, seen = [value], set()
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind in _LEAVES:  # most of what data holds, told apart at once
            continue
        if kind is not dict and kind is not list and not isinstance(item, Mapping | list):
            continue
        if id(item) in seen:  # a reference cycle, or a part given twice
            continue
        seen.add(id(item))
        if kind is list or (kind is not dict and isinstance(item, list)):
            stack.extend(cast(list[object], item))
            continue
        mapping = cast(Mapping[str, object], item)
        sid = mapping.get("sid")
        if isinstance(sid, str):
            found.add(sid)
        stack.extend(mapping.values())


def _at(place: str, name: str) -> str:
    return f"{place}.{name}" if place else name


def _type(value: object) -> str:
    return "null" if value is None else type(value).__name__


def import_state(engine: Engine, data: object) -> None:
    """Make the state exactly ``data`` (this module's format), or change nothing.

    Raises:
        StateFormatError: ``data`` is not a valid state; its message names the place.
    """
    with engine.exclusive(sweep=False) as now:
        place = engine._sids_place()  # a seeded generator's, with getstate and setstate
        store = engine.store
        try:
            rows = _Reader(engine, now).state(data)
            with store.storage.atomic():  # one transaction: the old state, or the new
                store._clear_each()
                _write(store, rows)
                store.claim_account(engine.account_sid)  # its account's, with no gap
        except BaseException:  # refused (or failed): the SIDs made up are not spent
            if place is not None:
                cast(Any, engine.sids).setstate(place)
            raise
        try:
            engine.replaced()
        finally:  # imported: the rest is done, whatever replaced() met
            engine.on_replaced()


def _write(store: Store, rows: _Rows) -> None:
    for service in rows.services:
        store.put_service(service)
    for obj in rows.objects:
        store.put_object(obj, None)
    for item in rows.items:
        store.put_item(item, None)
    for grant in rows.permissions:
        store.put_permission(grant)
    for name, value in rows.counters.items():
        if value:
            store.storage.put("counters", (name,), value)
