"""Operations per second of single writes and reads, against two baselines (``ops``).

Times a map item create, update and fetch, a document create, update and fetch, and a
list append on
sync_core (in memory, a :class:`~sync_core.ManualClock`), each beside the same work
on two baselines, with the same 100-byte :data:`~sync_core.bench.common.PAYLOAD`:

- ``dict+json``: a plain ``dict`` with ``json.dumps`` on write and ``json.loads`` on
  read, the floor any implementation must pay;
- ``fakeredis``: ``HSET`` of the JSON text on write, ``json.loads`` of ``HGET`` on
  read, on a ``fakeredis.FakeRedis()`` (``pip install 'sync_core[bench]'``; without it
  that column says ``skipped``).

Creates and appends write a new key each call; updates and fetches use one key of a
Map (and a dict, and a hash) already holding ``items`` items.

>>> rows = measure_operations(items=20, repeat=2, batch=3)
>>> [row.operation for row in rows]
['map item create', 'map item update', 'map item fetch', 'document create', 'document update', 'document fetch', 'list append']
>>> all(row.seconds > 0 and row.dict_json > 0 for row in rows)
True
"""

from __future__ import annotations

import importlib
import itertools
import json
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from ..clock import ManualClock
from ..sync import Sync
from .common import PAYLOAD, Target, compact, interleave, ops, payload, rate, table

__all__ = [
    "FAKEREDIS_MISSING",
    "OPERATIONS",
    "OpsTiming",
    "fakeredis_client",
    "measure_operations",
    "operation_targets",
    "report_operations",
]

OPERATIONS: tuple[str, ...] = (
    "map item create",
    "map item update",
    "map item fetch",
    "document create",
    "document update",
    "document fetch",
    "list append",
)
#: Map item create and fetch against fakeredis's HSET and HGET, and against the
#: dict+json floor: what each must reach (ops/s ratios).
CREATE_TARGET: float = 4.0
FETCH_TARGET: float = 6.0
FLOOR_TARGET: float = 0.3
FAKEREDIS_MISSING: str = "fakeredis is not installed (pip install 'sync_core[bench]')"


@attrs.frozen
class OpsTiming:
    """Median seconds per call of one operation on sync_core and on the baselines.

    ``fakeredis`` is ``None`` when fakeredis is not installed.
    """

    operation: str
    seconds: float
    dict_json: float
    fakeredis: float | None


def fakeredis_client() -> Any | None:
    """A fresh ``fakeredis.FakeRedis()``, or ``None`` if fakeredis cannot be imported."""
    try:
        module = importlib.import_module("fakeredis")
    except ImportError:
        return None
    return module.FakeRedis()


Work = Callable[[], object]


def _sync_core(items: int) -> dict[str, Work]:
    sync = Sync(clock=ManualClock(), seed=0)
    service = sync.services("default")
    service.sync_maps.create(unique_name="bench")
    map_items = service.sync_maps("bench").sync_map_items
    service.sync_lists.create(unique_name="bench")
    list_items = service.sync_lists("bench").sync_list_items
    for n in range(items):
        map_items.create(key=f"key-{n:08d}", data=payload(n))
        list_items.create(data=payload(n))
    documents = service.documents
    documents.create(unique_name="bench", data=PAYLOAD)
    middle = f"key-{items // 2:08d}"
    fresh = itertools.count()
    return {
        "map item create": lambda: map_items.create(key=f"new-{next(fresh):08d}", data=PAYLOAD),
        "map item update": lambda: map_items(middle).update(data=PAYLOAD),
        "map item fetch": lambda: map_items(middle).fetch(),
        "document create": lambda: documents.create(data=PAYLOAD),
        "document update": lambda: documents("bench").update(data=PAYLOAD),
        "document fetch": lambda: documents("bench").fetch(),
        "list append": lambda: list_items.create(data=PAYLOAD),
    }


def _dict_json(items: int) -> dict[str, Work]:
    map_: dict[str, str] = {f"key-{n:08d}": compact(payload(n)) for n in range(items)}
    list_: dict[int, str] = {n: compact(payload(n)) for n in range(items)}
    documents: dict[str, str] = {"bench": compact(PAYLOAD)}
    middle = f"key-{items // 2:08d}"
    fresh, index = itertools.count(), itertools.count(items)

    def create() -> None:
        map_[f"new-{next(fresh):08d}"] = json.dumps(PAYLOAD, separators=(",", ":"))

    def update() -> None:
        map_[middle] = json.dumps(PAYLOAD, separators=(",", ":"))

    def document() -> None:
        documents["bench"] = json.dumps(PAYLOAD, separators=(",", ":"))

    def new_document() -> None:
        documents[f"new-{next(fresh):08d}"] = json.dumps(PAYLOAD, separators=(",", ":"))

    def append() -> None:
        list_[next(index)] = json.dumps(PAYLOAD, separators=(",", ":"))

    return {
        "map item create": create,
        "map item update": update,
        "map item fetch": lambda: json.loads(map_[middle]),
        "document create": new_document,
        "document update": document,
        "document fetch": lambda: json.loads(documents["bench"]),
        "list append": append,
    }


def _fakeredis(redis: Any, items: int) -> dict[str, Work]:
    redis.hset("map", mapping={f"key-{n:08d}": compact(payload(n)) for n in range(items)})
    redis.hset("list", mapping={str(n): compact(payload(n)) for n in range(items)})
    redis.hset("documents", "bench", compact(PAYLOAD))
    hset, hget = redis.hset, redis.hget
    middle = f"key-{items // 2:08d}"
    fresh, index = itertools.count(), itertools.count(items)
    return {
        "map item create": lambda: hset("map", f"new-{next(fresh):08d}", compact(PAYLOAD)),
        "map item update": lambda: hset("map", middle, compact(PAYLOAD)),
        "map item fetch": lambda: json.loads(hget("map", middle)),
        "document create": lambda: hset("documents", f"new-{next(fresh):08d}", compact(PAYLOAD)),
        "document update": lambda: hset("documents", "bench", compact(PAYLOAD)),
        "document fetch": lambda: json.loads(hget("documents", "bench")),
        "list append": lambda: hset("list", str(next(index)), compact(PAYLOAD)),
    }


def measure_operations(items: int = 10_000, repeat: int = 50, batch: int = 100) -> list[OpsTiming]:
    """Time every operation of :data:`OPERATIONS` on sync_core and on the baselines.

    Each round calls every operation ``batch`` times on each of sync_core, dict+json
    and fakeredis (see :func:`~sync_core.bench.common.interleave`); the figure is the
    median of ``repeat`` rounds, per call.
    """
    sides: dict[str, dict[str, Work]] = {
        "sync_core": _sync_core(items),
        "dict+json": _dict_json(items),
    }
    redis = fakeredis_client()
    if redis is not None:
        sides["fakeredis"] = _fakeredis(redis, items)
    workloads = [
        (f"{side}|{operation}", works[operation])
        for operation in OPERATIONS
        for side, works in sides.items()
    ]
    medians = interleave(workloads, rounds=repeat, batch=batch)
    return [
        OpsTiming(
            operation,
            medians[f"sync_core|{operation}"],
            medians[f"dict+json|{operation}"],
            medians.get(f"fakeredis|{operation}"),
        )
        for operation in OPERATIONS
    ]


def report_operations(rows: Sequence[OpsTiming]) -> str:
    """A table: µs per call and ops/s of each, and sync_core's ops/s as a ratio to each."""
    headers = [
        "operation",
        "sync_core µs",
        "sync_core ops/s",
        "dict+json ops/s",
        "fakeredis ops/s",
        "÷ dict+json",
        "÷ fakeredis",
    ]
    body = [
        [
            row.operation,
            f"{row.seconds * 1e6:.1f}",
            ops(row.seconds),
            ops(row.dict_json),
            ops(row.fakeredis),
            rate(row.dict_json, row.seconds),
            rate(row.fakeredis, row.seconds),
        ]
        for row in rows
    ]
    return table(headers, body)


def operation_targets(rows: Sequence[OpsTiming]) -> list[Target]:
    """Map item create: >= 4x fakeredis HSET's ops/s; fetch: >= 6x HGET's; both >= 0.3x
    the dict+json floor's."""
    targets = []
    for row in rows:
        if row.operation not in ("map item create", "map item fetch"):
            continue
        create = row.operation.endswith("create")
        targets.append(
            Target(
                f"{row.operation}, ops/s / fakeredis {'HSET' if create else 'HGET'}",
                None if row.fakeredis is None else row.fakeredis / row.seconds,
                CREATE_TARGET if create else FETCH_TARGET,
                note="" if row.fakeredis is not None else "  (fakeredis not installed)",
            )
        )
        targets.append(
            Target(f"{row.operation}, ops/s / dict+json", row.dict_json / row.seconds, FLOOR_TARGET)
        )
    return targets
