"""``python -m sync_core.bench``: what sync_core costs, beside what it must cost at least.

One run measures, side by side, in sections that each flag selects (``--ops``,
``--pages``, ``--expiry``, ``--sdk``, ``--import``, ``--memory``, ``--storages``; any
number of them, all when none is given), and prints a table per section, then the
targets of issue 9 and whether this run meets each (information only: the exit code
never depends on a timing):

- ``ops`` (:mod:`.operations`): ops/s of a map item create, update and fetch, a
  document update and a list append, beside a plain ``dict`` with ``json.dumps`` on
  write and ``json.loads`` on read (the floor) and fakeredis ``HSET``/``HGET`` of the
  same JSON (``pip install 'sync_core[bench]'``; skipped, not an error, without it),
  with sync_core's ops/s as a ratio to each.
- ``pages`` (:mod:`.pages`): one 100-item page (first, middle, ``desc``, by token) and
  one item fetch on a Map and a List of 1,000, 100,000 and 1,000,000 items, as ratios
  to the smallest.
- ``expiry`` (:mod:`.expiry`): the one ``sync.expire()`` that removes 100,000 due map
  items, and its µs per expired item.
- ``sdk`` (:mod:`.sdk`): the twilio SDK on ``SyncHttpClient`` against the SDK on a
  no-op ``HttpClient`` returning a canned answer (the ceiling), for a map item fetch
  and update.
- ``import`` (:mod:`.imports`): ``import sync_core`` in fresh processes, and a fresh
  ``Sync()``.
- ``memory`` (:mod:`.memory`): RSS per stored map item for 1,000,000 items, against a
  dict of JSON strings and a fakeredis hash, each in a fresh process.
- ``storages`` (:mod:`.storages`): SQLite (``NORMAL``, ``FULL``) and PostgreSQL against
  in-memory; then map item updates per second with 1, 2 and 4 processes writing at once
  (to different objects, and to one), on SQLite and on PostgreSQL. PostgreSQL is the
  server named by ``--postgres-dsn``, or one pgserver starts in a temporary directory
  (``pip install 'sync_core[postgres]' pgserver``; its rows read "skipped" without).
- ``http`` (:mod:`.http`): a map item fetch and update over HTTP to the WSGI app
  (:func:`sync_core.adapters.wsgi.make_app`) under one server on 127.0.0.1 (waitress
  when installed, else ``wsgiref``), against :class:`~sync_core.adapters.rest.RestApi`
  called directly: what the HTTP layer costs.
- ``state`` (:mod:`.snapshots`): ``reset()``, ``snapshot()``, ``restore()`` (and the
  first write after it), ``export_state()``, ``import_state()`` and a ``SyncFactory``
  Sync, with 10,000 map items and 10,000 list items, in memory and on SQLite, against
  building the same state through the API.

Every item stored, by sync_core or a baseline, is 100 bytes of compact JSON (the
timed writes store :data:`~sync_core.bench.common.PAYLOAD` itself). Timings are medians of interleaved rounds
(round 0 only warms up), and every comparison is a ratio within the same run: the
machines are shared and noisy, so only ratios compare across runs.

The large collections are filled through the public API, one item at a time (about
20 µs an item on a 2-core machine): the pages section's 1,000,000-item Map and List
in this process, the memory section's 1,000,000-item Map again in a process of its
own (a fresh process is what makes the RSS growth the Map's alone, so the pages
section's Map cannot be reused for it). The default run took 95 s there;
``--quick`` (every section, tiny sizes, few rounds: a few seconds) is the smoke run CI
makes.

>>> main(["--expiry", "--quick", "--expire-items", "20"])  # doctest: +ELLIPSIS
Expiry: one sync.expire() removing 20 due map items, median of 1 fills (quick)
expired map items  one sync.expire()  µs per expired item
20                 ...
<BLANKLINE>
Ran in ... s.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from .common import PAYLOAD, Target, compact, report_targets
from .expiry import ExpiryTiming, measure_expiry, report_expiry
from .http import HttpTiming, measure_http, report_http, server_name
from .imports import ImportTiming, import_targets, measure_imports, report_imports
from .memory import MemoryUse, measure_memory, memory_targets, report_memory
from .operations import (
    FAKEREDIS_MISSING,
    OpsTiming,
    fakeredis_client,
    measure_operations,
    operation_targets,
    report_operations,
)
from .pages import PAGE, Timing, measure, page_targets, report
from .sdk import TWILIO_MISSING, SdkTiming, measure_sdk, report_sdk, sdk_targets, twilio_available
from .snapshots import SnapshotTiming, measure_snapshots, report_snapshots
from .storages import (
    STORAGES,
    ProcessesTiming,
    StorageTiming,
    measure_processes,
    measure_storages,
    postgres_server,
    report_processes,
    report_storages,
)

__all__ = [
    "PAGE",
    "SECTIONS",
    "STORAGES",
    "ExpiryTiming",
    "HttpTiming",
    "ImportTiming",
    "MemoryUse",
    "OpsTiming",
    "ProcessesTiming",
    "SdkTiming",
    "SnapshotTiming",
    "StorageTiming",
    "Target",
    "Timing",
    "main",
    "measure",
    "measure_expiry",
    "measure_http",
    "measure_imports",
    "measure_memory",
    "measure_operations",
    "measure_processes",
    "measure_sdk",
    "measure_snapshots",
    "measure_storages",
    "report",
    "report_http",
    "report_processes",
    "report_snapshots",
    "report_storages",
    "report_targets",
]

#: The sections, in the order a run prints them.
SECTIONS: tuple[str, ...] = (
    "ops",
    "pages",
    "expiry",
    "sdk",
    "import",
    "memory",
    "storages",
    "http",
    "state",
)
_HELP = {
    "ops": "ops/s of single writes and reads against dict+json and fakeredis",
    "pages": "the page cost by collection size",
    "expiry": "one sync.expire() sweeping many due map items",
    "sdk": "the twilio SDK on SyncHttpClient against a no-op HttpClient",
    "import": "import sync_core in fresh processes, and a fresh Sync()",
    "memory": "memory per stored map item against a dict of JSON strings",
    "storages": "SQLite (NORMAL, FULL) and PostgreSQL against in-memory, and many processes",
    "http": "the WSGI app under a server on 127.0.0.1 against RestApi called directly",
    "state": "reset(), snapshot(), restore(), export and import against building the state",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sync_core.bench",
        description=(
            "What sync_core costs against a dict+json floor, fakeredis and the twilio SDK's "
            "own cost; pages by size; expiry; import time; memory; SQLite. Prints tables "
            "of medians and ratios, then the targets (information only)."
        ),
    )
    chosen = parser.add_argument_group("sections (any number; all when none is given)")
    for section in SECTIONS:
        chosen.add_argument(f"--{section}", action="store_true", help=f"run {_HELP[section]}")
    parser.add_argument(
        "--quick", action="store_true", help="every section, tiny sizes, few rounds: a smoke run"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        help="rounds per timing in ops, pages, sdk, import (Sync()), storages "
        "(default 50; quick: 5)",
    )
    parser.add_argument(
        "--batch", type=int, help="calls per round in ops, sdk, Sync() (default 100; quick: 10)"
    )
    parser.add_argument(
        "--sizes",
        help="pages: collection sizes, comma-separated "
        "(default 1000,100000,1000000; quick: 1000,10000)",
    )
    parser.add_argument("--kinds", default="map,list", help="pages: map, list or both")
    parser.add_argument(
        "--items",
        type=int,
        help="ops, storages: items already in the Map (default 10000; quick: 1000)",
    )
    parser.add_argument(
        "--state-items",
        type=int,
        help="state: map items and list items in the state (default 10000; quick: 500)",
    )
    parser.add_argument(
        "--dir", help="storages: where the SQLite files go (default: the system temporary one)"
    )
    parser.add_argument(
        "--postgres-dsn",
        help="storages: the PostgreSQL server to measure (a libpq DSN; default: one that "
        "pgserver starts in a temporary directory)",
    )
    parser.add_argument(
        "--process-seconds",
        type=float,
        help="storages: seconds each many-process run writes (default 2; quick: 0.25)",
    )
    parser.add_argument(
        "--expire-items", type=int, help="expiry: items swept (default 100000; quick: 1000)"
    )
    parser.add_argument(
        "--expire-rounds", type=int, help="expiry: fills and sweeps (default 3; quick: 1)"
    )
    parser.add_argument(
        "--memory-items",
        type=int,
        help="memory: items per store (default 1000000; quick: 20000)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        help="import: fresh processes of each kind (default 11; quick: 3)",
    )
    return parser


def _option(given: int | None, default: int, quick: int, args: argparse.Namespace) -> int:
    if given is not None:
        return given
    return quick if args.quick else default


def main(argv: Sequence[str] | None = None) -> None:
    """Run the chosen sections (all by default), print their tables, then the targets."""
    args = _parser().parse_args(argv)
    started = time.perf_counter()
    sections = [s for s in SECTIONS if getattr(args, s)] or list(SECTIONS)
    quick = " (quick)" if args.quick else ""
    repeat = _option(args.repeat, 50, 5, args)
    batch = _option(args.batch, 100, 10, args)
    items = _option(args.items, 10_000, 1000, args)
    targets: list[Target] = []

    def section(name: str, title: str) -> None:
        spent = time.perf_counter() - started
        print(f"sync_core.bench: {name} ({spent:.0f} s so far)", file=sys.stderr, flush=True)
        print(title)

    if "ops" in sections:
        section(
            "ops",
            f"Operations per second, payload of {len(compact(PAYLOAD))} bytes, a Map of "
            f"{items:,} items, median of {repeat} rounds of {batch} calls{quick}",
        )
        ops_rows = measure_operations(items, repeat=repeat, batch=batch)
        print(report_operations(ops_rows))
        if fakeredis_client() is None:
            print(f"fakeredis: skipped, {FAKEREDIS_MISSING}")
        targets += operation_targets(ops_rows)
        print()
    if "pages" in sections:
        sizes_text = args.sizes or ("1000,10000" if args.quick else "1000,100000,1000000")
        sizes = [int(size) for size in sizes_text.split(",")]
        section("pages", f"One page of {PAGE} items, median of {repeat} runs each{quick}")
        rows: list[Timing] = []
        for kind in args.kinds.split(","):
            rows += measure(kind, sizes, repeat=repeat)
        print(report(rows))
        targets += page_targets(rows)
        print()
    if "expiry" in sections:
        expire_items = _option(args.expire_items, 100_000, 1000, args)
        rounds = _option(args.expire_rounds, 3, 1, args)
        section(
            "expiry",
            f"Expiry: one sync.expire() removing {expire_items:,} due map items, "
            f"median of {rounds} fills{quick}",
        )
        print(report_expiry(measure_expiry(expire_items, rounds)))
        print()
    if "sdk" in sections:
        section(
            "sdk",
            "The twilio SDK on SyncHttpClient against the SDK on a no-op HttpClient "
            f"(canned answer), and under mock_twilio, median of {repeat} rounds of {batch} "
            f"calls{quick}",
        )
        if twilio_available():
            sdk_rows = measure_sdk(repeat=repeat, batch=batch)
            print(report_sdk(sdk_rows))
            targets += sdk_targets(sdk_rows)
        else:
            print(f"skipped: {TWILIO_MISSING}")
            targets += sdk_targets(None)
        print()
    if "import" in sections:
        processes = _option(args.processes, 11, 3, args)
        section(
            "import",
            f"import sync_core: median of {processes} fresh processes of each kind; "
            f"Sync(): median of {repeat} rounds of {batch} calls{quick}",
        )
        timing = measure_imports(processes, repeat=repeat, batch=batch)
        print(report_imports(timing))
        targets += import_targets(timing)
        print()
    if "memory" in sections:
        memory_items = _option(args.memory_items, 1_000_000, 20_000, args)
        section(
            "memory",
            f"Memory per stored map item, {memory_items:,} items of "
            f"{len(compact(PAYLOAD))}-byte data, RSS growth in a fresh process each"
            + (" (quick: far fewer items, rough figures)" if args.quick else ""),
        )
        has_fakeredis = fakeredis_client() is not None
        memory_rows = measure_memory(memory_items, fakeredis=has_fakeredis)
        print(report_memory(memory_rows))
        if not has_fakeredis:
            print(f"fakeredis: skipped, {FAKEREDIS_MISSING}")
        targets += memory_targets(memory_rows)
        print()
    if "storages" in sections:
        with postgres_server(args.postgres_dsn) as (dsn, why):
            section(
                "storages",
                f"SQLite and PostgreSQL against in-memory, a Map of {items:,} items, median "
                f"of {repeat} runs each",
            )
            print(
                report_storages(
                    measure_storages(items, repeat=repeat, directory=args.dir, postgres_dsn=dsn)
                )
            )
            if dsn is None:
                print(f"postgres: skipped, {why}")
            print()
            seconds = args.process_seconds or (0.25 if args.quick else 2.0)
            section(
                "processes",
                "Processes writing at once: map item updates per second, all processes "
                f"together, {seconds:g} s each{quick}",
            )
            print(
                report_processes(measure_processes(seconds, directory=args.dir, postgres_dsn=dsn))
            )
            if dsn is None:
                print(f"postgres: skipped, {why}")
            print()
    if "http" in sections:
        section(
            "http",
            f"HTTP: the WSGI app under {server_name()} on 127.0.0.1 against RestApi called "
            f"directly, median of {repeat} rounds of {batch} requests{quick}",
        )
        print(report_http(measure_http(repeat=repeat, batch=batch)))
        print()
    if "state" in sections:
        state_items = _option(args.state_items, 10_000, 500, args)
        rounds = _option(args.repeat, 5, 2, args)
        section(
            "state",
            f"Shaping test state: {state_items:,} map items and {state_items:,} list items, "
            f"median of {rounds} rounds{quick}",
        )
        print(report_snapshots(measure_snapshots(state_items, repeat=rounds)))
        print()
    if targets:
        print("Targets (information only: the exit code never depends on them)")
        print(report_targets(targets))
        print()
    print(f"Ran in {time.perf_counter() - started:.0f} s.")
