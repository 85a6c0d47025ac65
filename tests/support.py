"""Helpers the test modules share: checking a refusal exactly, Twilio's texts, sizes, the spec.

``tests/`` is on ``sys.path`` (pytest puts the folder of the root ``conftest.py`` there),
so test modules say ``from support import refused``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from sync_core import (
    ConflictError,
    ForbiddenError,
    InvalidParameterError,
    MemoryStorage,
    NotFoundError,
    Page,
    PayloadTooLargeError,
    PreconditionFailedError,
    RateLimitedError,
    ServiceUnavailableError,
    Storage,
    SyncError,
    UnauthorizedError,
)
from sync_core.storage import Key

#: Whether CI's thorough Hypothesis profile is loaded (tests/conftest.py loads it when
#: ``CI`` is set; the plain ``python -m pytest`` loads the fast one).
THOROUGH = bool(os.environ.get("CI"))


def examples(thorough: int) -> int:
    """A test's example count: ``thorough`` in CI, at most the fast profile's own in the
    plain run (the fast tier stays under its minute; CI searches as wide as asked).

    >>> examples(10) <= 10
    True
    """
    return thorough if THOROUGH else min(thorough, settings.get_profile("fast").max_examples)


#: The error class of each HTTP status.
ERROR_CLASSES: dict[int, type[SyncError]] = {
    400: InvalidParameterError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    413: PayloadTooLargeError,
    429: RateLimitedError,
    503: ServiceUnavailableError,
}

BASE = "https://sync.twilio.com/v1"
#: Where the ``sync`` fixture's clock starts.
START = datetime(2025, 1, 1, tzinfo=UTC)
#: The longest TTL, in seconds.
YEAR = 31_536_000

# Twilio's messages.
NOTHING = "Expected at least 1 optional parameter, but none were provided"
INVALID = "Invalid parameter"
BAD_IF_MATCH = "Invalid If-Match header"
BAD_NAME = (
    "Invalid unique name. Expected a string with length 1-320 not matching the SID pattern "
    "[A-Z]{2}[a-f0-9]{32}"
)
NAME_TAKEN = "Unique name already exists"
TTL = (
    "The TTL value in seconds must either be empty or an integer between 0 and 31 536 000 (1 year)"
)
NULL_DATA = "The 'Data' parameter cannot be null"
BAD_DATA = "Invalid request body: the type of one of the attributes is invalid"
TOO_LARGE = "Request entity too large"

#: TTLs every kind refuses with 54011.
BAD_TTLS = [YEAR + 1, -1, 1.5, True, False, "abc", "1.5", "-5", " "]
#: Data that is not a JSON object: refused with 54008.
BAD_DATA_VALUES = [
    [1, 2],
    "[1, 2]",
    '"text"',
    "42",
    "{not json",
    "",
    42,
    {"x": float("nan")},
    {"x": float("inf")},
    '{"x": NaN}',
    {1: "a"},
    {"t": (1, 2)},
    {"s": {1, 2}},
]

SPEC: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "twilio_sync_v1.openapi.json").read_text()
)
DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
JSON_TYPES: dict[str, type] = {"string": str, "boolean": bool, "integer": int, "object": dict}


def refused(call: Callable[[], object], status: int, code: int, message: str) -> SyncError:
    """Run ``call``, which must fail with exactly this Twilio error; return the error."""
    with pytest.raises(SyncError) as info:
        call()
    error = info.value
    assert isinstance(error, ERROR_CLASSES[status])
    assert error.to_dict() == {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return error


def not_found(path: str) -> str:
    """Twilio's 404 message for ``path``."""
    return f"The requested resource {path} was not found"


def size(data: dict[str, Any]) -> int:
    """Twilio's measure of ``data``: UTF-8 bytes of its compact JSON."""
    return len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())


def payload(total: int, char: str) -> dict[str, Any]:
    """``{"big": ...}`` of exactly ``total`` bytes, mostly ``char`` (1 to 3 UTF-8 bytes)."""
    width = len(char.encode())
    room = total - size({"big": ""})
    data = {"big": char * (room // width) + "x" * (room % width)}
    assert size(data) == total
    return data


def sid_shaped(prefix: str) -> str:
    """A string shaped like a SID of ``prefix`` (which no unique name may be)."""
    return prefix + "0123456789abcdef" * 2


def schema(name: str) -> dict[str, Any]:
    """The OpenAPI schema ``name`` of tests/data/twilio_sync_v1.openapi.json."""
    found: dict[str, Any] = SPEC["components"]["schemas"][name]
    return found


def check_against(value: dict[str, Any], name: str) -> None:
    """``value`` has exactly the fields of the OpenAPI schema ``name``, each of its type."""
    properties = schema(name)["properties"]
    assert set(value) == set(properties), f"{name}: fields differ"
    for field, rule in properties.items():
        item = value[field]
        if item is None:
            assert rule.get("nullable"), f"{field} may not be null"
            continue
        if "pattern" in rule:
            assert re.fullmatch(rule["pattern"].strip("^$"), item), f"{field}={item!r}"
        if "maxLength" in rule:
            assert rule.get("minLength", 0) <= len(item) <= rule["maxLength"], field
        if rule.get("format") == "date-time":
            assert DATE.fullmatch(item), f"{field}={item!r}"
        if rule.get("format") == "uri":
            assert item.startswith("https://"), f"{field}={item!r}"
        if rule.get("type") in JSON_TYPES:
            assert isinstance(item, JSON_TYPES[rule["type"]]), f"{field}={item!r}"
            if rule["type"] == "integer":
                assert not isinstance(item, bool), field


def walk(page: Page[Any] | None) -> list[list[Any]]:
    """Each page's records, from ``page`` to the last one, by ``next_page()``."""
    pages = []
    while page is not None:
        pages.append(list(page))
        page = page.next_page()
    return pages


def stamped(created: str, expires: str | None) -> dict[str, Any]:
    """The REST JSON fields of a record created by the system at ``created`` (its text)."""
    return {
        "date_expires": expires,
        "date_created": created,
        "date_updated": created,
        "created_by": "system",
    }


def is_rest_json(record: Any, expected: dict[str, Any], schema_name: str) -> None:
    """``record.to_dict()`` is ``expected``, plain JSON, of the OpenAPI schema ``schema_name``."""
    assert record.to_dict() == expected
    assert json.loads(json.dumps(expected)) == expected
    check_against(record.to_dict(), schema_name)


def mirrors(instance: Any, record: Any) -> None:
    """The SDK instance shows every field of the plain API's record, with equal values."""
    shown = record.to_dict()
    assert shown, "nothing to compare"
    for name in shown:
        assert getattr(instance, name) == getattr(record, name), name
    for name in ("date_created", "date_updated"):
        if name in shown:
            assert isinstance(getattr(instance, name), datetime)
    if "data" in shown and record.data is not None:
        assert isinstance(instance.data, dict)


class Delegating:
    """A storage that hands every call to ``inner`` (a fresh MemoryStorage unless given).

    Tests that watch a storage, or break one, override what they watch or break.
    """

    def __init__(self, inner: Storage | None = None) -> None:
        self.inner: Storage = MemoryStorage() if inner is None else inner

    def get(self, table: str, key: Key) -> object | None:
        return self.inner.get(table, key)

    def put(self, table: str, key: Key, value: object) -> None:
        self.inner.put(table, key, value)

    def delete(self, table: str, key: Key) -> bool:
        return self.inner.delete(table, key)

    def scan(self, table: str, prefix: Key, **options: Any) -> Iterator[tuple[Key, object]]:
        return self.inner.scan(table, prefix, **options)

    def atomic(self) -> AbstractContextManager[None]:
        return self.inner.atomic()

    def close(self) -> None:
        self.inner.close()


#: The keys of Twilio's error body.
ERROR_KEYS = frozenset({"code", "message", "more_info", "status"})


def check_rest_answer(response: Any, allowed: set[int]) -> None:
    """A REST answer as Twilio gives one: a status among ``allowed`` (never 500), JSON
    text equal to its body, no body for 204, Twilio's error body for a refusal."""
    from hypothesis import event

    assert isinstance(response.status, int)
    event(f"status {response.status}")
    assert response.status != 500, response.body  # a 500 is a bug of sync_core
    assert response.status in allowed, response
    if response.status == 204:
        assert response.body is None
        assert response.text == ""
        return
    assert isinstance(response.body, dict)
    assert json.loads(response.text) == response.body
    if response.status >= 400:
        body = response.body
        assert set(body) == ERROR_KEYS, body
        assert body["status"] == response.status
        assert isinstance(body["code"], int)
        assert isinstance(body["message"], str)
        assert body["more_info"] == f"https://www.twilio.com/docs/errors/{body['code']}"


class SteppedClock:
    """A clock of the real world, set by hand, and stepped back as an NTP correction
    steps one (``ManualClock`` refuses to go back)."""

    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at
