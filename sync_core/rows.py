"""What sync_core keeps in a :class:`~sync_core.storage.Storage`: rows of plain values,
never changed once made.

Rows are internal: callers get :mod:`sync_core.records` instead. Every row class is
frozen for the type checker (``mypy --strict`` refuses an assignment); at run time
``ObjectRow`` and ``ItemRow``, made on every item write, are plain slotted classes
(cheaper to make: ``_hot_row``), so nothing but that check stops an assignment to one:
a storage or a tool that holds rows must not assign to them (a snapshot shares them). Every field is a
``str``, ``int``, ``bool``, ``None`` or an aware UTC ``datetime``, and ``data`` is kept as
its compact JSON text, so a durable storage can encode a row without knowing the domain.
Changes make new rows with :func:`attrs.evolve`, or, on the hot paths, with
:data:`build_item_row` and :data:`build_object_row` (every field, positionally).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Final

import attrs

from .limits import DEFAULT_DEBOUNCING_WINDOW

__all__ = [
    "ItemRow",
    "ObjectRow",
    "PermissionRow",
    "ServiceRow",
    "build_item_row",
    "build_object_row",
]


if TYPE_CHECKING:
    from attrs import frozen as _hot_row
else:
    # ObjectRow and ItemRow are made on every item write (the item's, its container's):
    # at run time they are slotted attrs classes without the frozen ``__setattr__``,
    # whose ``__init__`` Python 3.11 runs as specialized slot stores (about 0.2 µs for
    # ten fields, against 0.54 µs for the slot-by-slot builder of a frozen class, and
    # 0.76 µs for a frozen class's own ``__init__``). The type checker sees them frozen
    # (``mypy --strict`` refuses any assignment to a field), equal and hashed by value
    # as before; nothing assigns to a row after it is made.
    _hot_row = attrs.define(slots=True, frozen=False, eq=True, unsafe_hash=True)


@attrs.frozen
class ServiceRow:
    """A Sync Service as stored."""

    sid: str
    account_sid: str
    seq: int  # creation order, for listing
    date_created: datetime
    date_updated: datetime
    friendly_name: str | None = None
    unique_name: str | None = None  # read-only in Twilio: only the default service has one
    webhook_url: str | None = None
    webhooks_from_rest_enabled: bool = False
    reachability_webhooks_enabled: bool = False
    acl_enabled: bool = False
    reachability_debouncing_enabled: bool = False
    reachability_debouncing_window: int = DEFAULT_DEBOUNCING_WINDOW


@_hot_row
class ObjectRow:
    """A named object of a service: a Document, a Map, a List or a Stream.

    ``revision`` is an int here and a decimal string in records and on the wire (a
    Stream has none to show). Maps, Lists and Streams have no ``data``; Maps and Lists
    (containers) count their items, and a List keeps the index its next item gets
    (indexes only grow, so this is not the count).
    """

    kind: str  # "document", "map", "list" or "stream"
    sid: str
    service_sid: str
    seq: int  # creation order within the service and kind, for listing
    date_created: datetime
    date_updated: datetime
    created_by: str
    revision: int = 0
    unique_name: str | None = None
    data: str | None = None  # compact JSON text of a JSON object
    date_expires: datetime | None = None
    item_count: int = 0  # containers: how many items they hold now
    next_index: int = 0  # lists: the index of the next item appended


@_hot_row
class ItemRow:
    """An item of a Map (``position`` is its key) or of a List (its index)."""

    kind: str  # "map_item" or "list_item"
    service_sid: str
    container_sid: str
    position: str | int
    date_created: datetime
    date_updated: datetime
    created_by: str
    data: str  # compact JSON text of a JSON object
    revision: int = 0
    date_expires: datetime | None = None


@attrs.frozen
class PermissionRow:
    """What one identity may do with one Document, Map or List (all false by default)."""

    service_sid: str
    object_sid: str
    identity: str
    read: bool = False
    write: bool = False
    manage: bool = False


#: An :class:`ItemRow` from every field's value, in order: for the rows written on every
#: item write (the class itself, whose ``__init__`` is cheap: see ``_hot_row``).
build_item_row: Final = ItemRow
#: An :class:`ObjectRow` likewise: a container's row on every item write.
build_object_row: Final = ObjectRow
