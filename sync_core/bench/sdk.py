"""The twilio SDK on sync_core against the SDK on a no-op ``HttpClient`` (``sdk``).

Two ``twilio.rest.Client``: one with ``http_client=SyncHttpClient(sync)`` (every
request answered by sync_core), and one whose ``http_client`` is a subclass of twilio's
``HttpClient`` that returns, without looking at the request, a canned
``twilio.http.response.Response`` holding the JSON text sync_core answered for the same
request. The second is the ceiling: what the SDK itself costs (building the request,
parsing the answer into an instance). Both time
``client.sync.v1.services(s).documents.create(data=...)``,
``client.sync.v1.services(s).sync_maps(m).sync_map_items(key).fetch()`` and
``.update(data=...)`` with the 100-byte payload; the ratio is sync_core's ops/s to the
ceiling's. The plain API's ops/s for the same work is given beside them, and the SDK's
through :func:`~sync_core.testing.mock_twilio` (a ``Client`` built with twilio's own
``TwilioHttpClient``, answered by the same Sync: what most test suites run).

Needs the ``twilio`` package (``pip install 'sync_core[bench]'``); without it the
section says it is skipped.

>>> rows = measure_sdk(repeat=2, batch=2)
>>> [row.operation for row in rows]
['document create', 'map item fetch', 'map item update']
>>> all(row.seconds > 0 and row.ceiling > 0 and row.plain > 0 and row.mocked > 0
...     for row in rows)
True
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import attrs

from ..clock import ManualClock
from ..sync import Sync
from .common import PAYLOAD, Target, interleave, ops, payload, rate, table

__all__ = [
    "SDK_OPERATIONS",
    "TWILIO_MISSING",
    "SdkTiming",
    "measure_sdk",
    "report_sdk",
    "sdk_targets",
    "twilio_available",
]

SDK_OPERATIONS: tuple[str, ...] = ("document create", "map item fetch", "map item update")
#: What the SDK through SyncHttpClient must reach, as a ratio to the no-op client.
SDK_TARGET: float = 0.6
TWILIO_MISSING: str = "the twilio package is not installed (pip install 'sync_core[bench]')"
ACCOUNT: str = "AC" + "0" * 32


@attrs.frozen
class SdkTiming:
    """Median seconds per call through the SDK on sync_core, on the no-op client, plain,
    and through the SDK under ``mock_twilio``."""

    operation: str
    seconds: float
    ceiling: float
    plain: float
    mocked: float


def twilio_available() -> bool:
    """Whether the twilio package can be imported."""
    try:
        importlib.import_module("twilio.rest")
    except ImportError:
        return False
    return True


def _filled_sync() -> Sync:
    sync = Sync(clock=ManualClock(), seed=0)
    service = sync.services("default")
    service.sync_maps.create(unique_name="bench")
    map_items = service.sync_maps("bench").sync_map_items
    for n in range(100):
        map_items.create(key=f"key-{n:08d}", data=payload(n))
    return sync


def _client(http_client: Any) -> Any:
    from twilio.rest import Client

    return Client(ACCOUNT, "token", http_client=http_client, environment={"TWILIO_REGION": ""})


def _canned_client(status: int, text: str) -> Any:
    """A twilio ``HttpClient`` answering every request with one canned status and text."""
    import logging

    from twilio.http import HttpClient
    from twilio.http.response import Response

    class CannedHttpClient(HttpClient):  # type: ignore[misc]  # the twilio package is untyped
        def __init__(self) -> None:
            super().__init__(logging.getLogger("sync_core.bench"), False)

        def request(self, method: str, uri: str, *args: object, **kwargs: object) -> Any:
            return Response(status, text)

    return CannedHttpClient()


def _item(client: Any) -> Any:
    return client.sync.v1.services("default").sync_maps("bench").sync_map_items("key-00000050")


def measure_sdk(repeat: int = 50, batch: int = 100) -> list[SdkTiming]:
    """Time a document create, and a map item fetch and update, through the SDK on
    sync_core and on the ceiling.

    The canned answers are the very texts sync_core gave the SDK for one call of each
    (the same item), so both clients parse the same JSON.
    """
    from ..adapters.twilio import SyncHttpClient
    from ..testing.mock import mock_twilio

    sync = _filled_sync()
    real = _client(SyncHttpClient(sync))
    calls: dict[str, Callable[[Any], object]] = {
        "document create": lambda client: client.sync.v1.services("default").documents.create(
            data=PAYLOAD
        ),
        "map item fetch": lambda client: _item(client).fetch(),
        "map item update": lambda client: _item(client).update(data=PAYLOAD),
    }
    canned: dict[str, Any] = {}
    for operation, call in calls.items():
        call(real)
        response = real.http_client._test_only_last_response
        canned[operation] = _client(_canned_client(response.status_code, response.text))
    service = sync.services("default")
    map_items = service.sync_maps("bench").sync_map_items
    plain: dict[str, Callable[[], object]] = {
        "document create": lambda: service.documents.create(data=PAYLOAD),
        "map item fetch": lambda: map_items("key-00000050").fetch(),
        "map item update": lambda: map_items("key-00000050").update(data=PAYLOAD),
    }
    with mock_twilio(sync):
        mocked = _client(None)  # twilio's own TwilioHttpClient, answered by the block
        works: dict[str, dict[str, Callable[[], object]]] = {
            operation: {
                "sdk": partial(call, real),
                "ceiling": partial(call, canned[operation]),
                "plain": plain[operation],
                "mocked": partial(call, mocked),
            }
            for operation, call in calls.items()
        }
        workloads = [
            (f"{side}|{operation}", work)
            for operation, sides in works.items()
            for side, work in sides.items()
        ]
        medians = interleave(workloads, rounds=repeat, batch=batch)
    return [
        SdkTiming(
            op,
            medians[f"sdk|{op}"],
            medians[f"ceiling|{op}"],
            medians[f"plain|{op}"],
            medians[f"mocked|{op}"],
        )
        for op in SDK_OPERATIONS
    ]


def report_sdk(rows: Sequence[SdkTiming]) -> str:
    """A table: ops/s through the SDK on sync_core, on the no-op client, plain, and
    through the SDK under ``mock_twilio`` (with its ratio to the no-op client)."""
    headers = [
        "operation",
        "SyncHttpClient ops/s",
        "no-op HttpClient ops/s",
        "ratio",
        "plain API ops/s",
        "mock_twilio ops/s",
        "mock_twilio ratio",
    ]
    body = [
        [
            row.operation,
            ops(row.seconds),
            ops(row.ceiling),
            rate(row.ceiling, row.seconds),
            ops(row.plain),
            ops(row.mocked),
            rate(row.ceiling, row.mocked),
        ]
        for row in rows
    ]
    return table(headers, body)


def sdk_targets(rows: Sequence[SdkTiming] | None) -> list[Target]:
    """Each operation through the SDK: >= 0.6x the no-op client's ops/s."""
    if rows is None:
        return [
            Target(
                f"SDK {op}, ops/s / no-op HttpClient",
                None,
                SDK_TARGET,
                note="  (twilio not installed)",
            )
            for op in SDK_OPERATIONS
        ]
    return [
        Target(
            f"SDK {row.operation}, ops/s / no-op HttpClient",
            row.ceiling / row.seconds,
            SDK_TARGET,
        )
        for row in rows
    ]
