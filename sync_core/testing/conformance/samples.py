"""Sample keys and values: strings and ints at the edges of their orders, and rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from ...rows import ItemRow, ObjectRow, PermissionRow, ServiceRow

# -- sample keys and values ---------------------------------------------------------

#: Strings in code-point order traps: prefixes of one another, NUL and separators,
#: Latin-1, the BMP's top, and astral characters (above U+FFFF, where UTF-16 disagrees).
STRINGS: Final = (
    "",
    " ",
    "/",
    "0",
    "10",
    "9",
    "A",
    "Z",
    "a",
    "a\x00",
    "a\x00b",
    "a/",
    "ab",
    "b",
    "z",
    "~",
    "\x7f",
    "\u00e9",
    "\u00ff",
    "\u0100",
    "\u4e2d",
    "\ufb01",
    "\uffff",
    "\U00010000",
    "\U0001f600",
    "\U0010ffff",
)

#: Ints whose numeric order differs from their text order, across 32 and 53 bits.
INTS: Final = (
    -(2**63),
    -(2**31),
    -10,
    -1,
    0,
    1,
    2,
    9,
    10,
    11,
    100,
    255,
    256,
    2**31,
    2**32,
    2**53 + 1,
    2**63 - 1,
)

_T0: Final = datetime(2025, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC)
_SID_IS: Final = "IS" + "0123456789abcdef" * 2
_SID_ET: Final = "ET" + "fedcba9876543210" * 2
_SID_MP: Final = "MP" + "00112233445566778899aabbccddeeff"
_SID_ES: Final = "ES" + "0f" * 16
_SID_AC: Final = "AC" + "1" * 32


def _object(kind: str, sid: str, seq: int, **fields: Any) -> ObjectRow:
    """An object row of the sample service, made at ``_T0`` by ``system`` unless told."""
    dated: dict[str, Any] = {"date_created": _T0, "date_updated": _T0, "created_by": "system"}
    return ObjectRow(kind=kind, sid=sid, service_sid=_SID_IS, seq=seq, **{**dated, **fields})


def _item(kind: str, container: str, position: str | int, **fields: Any) -> ItemRow:
    """An item row of a sample container, made at ``_T0`` by ``system``."""
    dated: dict[str, Any] = {"date_created": _T0, "date_updated": _T0, "created_by": "system"}
    return ItemRow(
        kind=kind,
        service_sid=_SID_IS,
        container_sid=container,
        position=position,
        **dated,
        **fields,
    )


def sample_values() -> list[object]:
    """Values sync_core stores: every kind of row, with and without optional fields."""
    return [
        ServiceRow(sid=_SID_IS, account_sid=_SID_AC, seq=1, date_created=_T0, date_updated=_T0),
        ServiceRow(
            sid=_SID_IS,
            account_sid=_SID_AC,
            seq=2**40,
            date_created=datetime(1970, 1, 1, tzinfo=UTC),
            date_updated=_T0 + timedelta(microseconds=1),
            friendly_name="caf\u00e9 \U0001f600 \x00 '\"",
            unique_name="default",
            webhook_url="https://example.com/hook?a=1&b=%20",
            webhooks_from_rest_enabled=True,
            reachability_webhooks_enabled=True,
            acl_enabled=True,
            reachability_debouncing_enabled=True,
            reachability_debouncing_window=1,
        ),
        _object(
            "document",
            _SID_ET,
            3,
            date_updated=_T0 + timedelta(days=1),
            revision=7,
            unique_name="\U0001f600 notes",
            data='{"a":1,"b":[true,null],"c":"\U0001f600\\u0000"}',
            date_expires=None,
        ),
        _object(
            "map",
            _SID_MP,
            1,
            created_by="\u00e9ve",
            revision=2**40,
            date_expires=datetime(2026, 1, 2, 3, 4, 5, 999_999, tzinfo=UTC),
            item_count=3,
        ),
        _object("list", _SID_ES, 2, next_index=7, item_count=0),
        _item(
            "map_item",
            _SID_MP,
            "k\x00\U0001f600",
            data='{"x":"' + "y\u00e9\U0001f600" * 5_000 + '"}',
            revision=1,
            date_expires=_T0 + timedelta(seconds=31_536_000),
        ),
        _item("list_item", _SID_ES, 0, data="{}"),
        PermissionRow(
            service_sid=_SID_IS, object_sid=_SID_ET, identity="alice", read=True, manage=True
        ),
        PermissionRow(service_sid=_SID_IS, object_sid=_SID_MP, identity="\U0001f600"),
        "",
        "sid",
        "\U0001f600" * 10_000,
        0,
        1,
        -1,
        2**62,
    ]
