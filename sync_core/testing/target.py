"""The small adapter the semantics machine drives: :class:`SyncTarget`.

:func:`sync_core.testing.machine.semantics_machine` checks a *target* against a plain
model of Twilio Sync's rules. A target is whatever answers Sync requests: the plain
API, the REST adapter, the twilio SDK path (all three in
:mod:`sync_core.testing.targets`), or your own service. To check your own, subclass
:class:`SyncTarget` and implement its methods in REST-JSON terms:

- every object is addressed by its unique name or its SID (a ``name`` argument is
  either, as in Twilio's URLs) within **one** service that the target owns (and may
  create in ``__init__`` and remove in :meth:`SyncTarget.close`); an object may have no
  unique name;
- results are the REST JSON of Twilio, what ``record.to_dict()`` gives (the machine
  reads ``sid``, ``unique_name``, ``account_sid``, ``service_sid``, ``revision``,
  ``data``, ``date_created``, ``date_updated``, ``date_expires``, ``created_by``,
  ``key``, ``index``, ``map_sid``, ``list_sid``, ``identity``, ``read``, ``write`` and
  ``manage``);
- failures raise :class:`TargetError` with Twilio's HTTP status and error code.

This module needs nothing but the standard library.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Literal, TypeAlias

__all__ = [
    "Bounds",
    "CollectionKind",
    "Json",
    "ObjectKind",
    "Order",
    "Place",
    "SyncTarget",
    "TargetError",
]

#: One resource's REST JSON, or one event's ``SyncEvent.to_dict()``.
Json: TypeAlias = dict[str, Any]
#: The kinds of object that hold items.
CollectionKind: TypeAlias = Literal["map", "list"]
#: The kinds of object that have permissions.
ObjectKind: TypeAlias = Literal["document", "map", "list"]
#: An item's address: a key (Map) or an index (List).
Place: TypeAlias = str | int
Order: TypeAlias = Literal["asc", "desc"]
Bounds: TypeAlias = Literal["inclusive", "exclusive"]


class TargetError(Exception):
    """A refused request, as Twilio reports it: HTTP ``status`` and Twilio ``code``."""

    def __init__(self, status: int, code: int, message: str = "") -> None:
        super().__init__(f"HTTP {status} error {code}" + (f": {message}" if message else ""))
        self.status = status
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"TargetError({self.status}, {self.code}, {self.message!r})"


class SyncTarget(ABC):
    """One Sync service under test, seen through Twilio's REST JSON.

    ``ttl`` arguments are seconds (0 means "never expires"); ``None`` means "not
    given", as in the SDK. ``ttl_alias`` is Twilio's ``Ttl`` parameter of Maps, Lists
    and items, an alias of ``CollectionTtl`` (``ItemTtl``), ignored when that is given.
    ``data`` is a JSON object; ``None`` means "not given" too (which an item's create
    refuses). ``name`` is a unique name or a SID, ``place`` a Map item's key or a List
    item's index, which the machine sometimes gives malformed (an index as text too,
    as in a URL). Every method raises :class:`TargetError` when the service refuses.

    Class attributes tell the machine what the target can do:

    - ``can_travel_in_time``: :meth:`advance` works, and the service's clock stands
      still between two calls of it (the machine then checks every date). A target
      over a real service leaves it False, and the machine then never gives a positive
      TTL and checks no date.
    - ``conditional_item_deletes``: item deletes honour ``if_match``. The twilio SDK
      drops ``If-Match`` on item deletes, so its target sets it False and the machine
      sends no stale or malformed ``if_match`` there.
    - ``addresses_any_key``: a Map item's key may hold any character (``z/1``). The
      twilio SDK does not percent-encode keys in its paths, so its target sets it
      False and the machine gives no such key.
    """

    can_travel_in_time: bool = False
    conditional_item_deletes: bool = True
    addresses_any_key: bool = True

    # -- time and events ------------------------------------------------------------

    def advance(self, seconds: int) -> None:
        """Move the service's clock forward; whatever expired by then is gone.

        The removals must be in :meth:`events` when this returns (sync_core's targets
        call ``sync.expire()`` for that).
        """
        raise NotImplementedError("this target cannot travel in time")

    def events(self) -> list[Json] | None:
        """Every event of the service so far, oldest first, as ``SyncEvent.to_dict()``.

        None when the target cannot observe events: the machine then skips its event
        checks. The machine reads ``type``, ``object_unique_name``, ``item_key`` and
        ``item_index``, and compares ``sequence`` (in a strict machine), ``account_sid``,
        ``service_sid``, ``identity``, ``date``, ``object_sid``, ``object_revision``,
        ``revision``, ``message_sid``, ``expired``, ``data`` and ``previous_data`` when
        an event has them.
        """
        return None

    def close(self) -> None:
        """Release what the target holds (a real service's test data); called once."""
        return None

    # -- documents ------------------------------------------------------------------

    @abstractmethod
    def create_document(self, unique_name: str | None, data: Json | None, ttl: int | None) -> Json:
        """Create a Document, named ``unique_name`` (None: no unique name)."""

    @abstractmethod
    def fetch_document(self, name: str) -> Json:
        """The Document now."""

    @abstractmethod
    def update_document(
        self,
        name: str,
        *,
        data: Json | None = None,
        ttl: int | None = None,
        if_match: str | None = None,
    ) -> Json:
        """Replace its data and/or TTL, only at revision ``if_match`` when given."""

    @abstractmethod
    def delete_document(self, name: str) -> None:
        """Delete the Document."""

    # -- maps and lists -------------------------------------------------------------

    @abstractmethod
    def create_collection(
        self,
        kind: CollectionKind,
        unique_name: str | None,
        ttl: int | None,
        *,
        ttl_alias: int | None = None,
    ) -> Json:
        """Create an empty Map or List; ``ttl`` is its ``collection_ttl``."""

    @abstractmethod
    def fetch_collection(self, kind: CollectionKind, name: str) -> Json:
        """The Map or List now."""

    @abstractmethod
    def update_collection(
        self, kind: CollectionKind, name: str, ttl: int | None, *, ttl_alias: int | None = None
    ) -> Json:
        """Set (or with 0 clear) the Map's or List's expiry, its ``collection_ttl``."""

    @abstractmethod
    def delete_collection(self, kind: CollectionKind, name: str) -> None:
        """Delete the Map or List with its items."""

    # -- items ----------------------------------------------------------------------

    @abstractmethod
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
        """Add a Map item at ``key``, or append a List item (``key`` None).

        ``ttl`` is its ``item_ttl``; ``collection_ttl`` sets the container's expiry.
        """

    @abstractmethod
    def fetch_item(self, kind: CollectionKind, name: str, place: Place) -> Json:
        """One item, by key (Map) or index (List)."""

    @abstractmethod
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
        """Replace an item's data and/or TTL (its ``item_ttl``), and maybe the
        container's expiry (``collection_ttl``, only with one of the others)."""

    @abstractmethod
    def delete_item(
        self, kind: CollectionKind, name: str, place: Place, *, if_match: str | None = None
    ) -> None:
        """Remove an item."""

    @abstractmethod
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
        """Every item of the listing, walking every page."""

    # -- permissions ----------------------------------------------------------------

    @abstractmethod
    def set_permission(
        self, kind: ObjectKind, name: str, identity: str, read: bool, write: bool, manage: bool
    ) -> Json:
        """Create or replace ``identity``'s permission on the object."""

    @abstractmethod
    def fetch_permission(self, kind: ObjectKind, name: str, identity: str) -> Json:
        """``identity``'s permission on the object."""

    @abstractmethod
    def delete_permission(self, kind: ObjectKind, name: str, identity: str) -> None:
        """Remove ``identity``'s permission on the object."""

    @abstractmethod
    def list_permissions(self, kind: ObjectKind, name: str) -> list[Json]:
        """Every permission on the object, walking every page."""
