"""Storage conformance: the checks any :class:`~sync_core.storage.Storage` must pass.

A storage author calls :func:`run_storage_conformance` from one test, with anything that
makes a fresh, empty storage:

>>> from sync_core import MemoryStorage
>>> run_storage_conformance(MemoryStorage)

Each check runs on a storage of its own from ``make_storage()`` and closes it after.
Every check is run, and the failures are reported together in one
:class:`AssertionError`, a line per failed check: its name and the first thing it found
wrong (a check stops at its first problem). A storage method that raises instead of
answering counts as a failure of the check that called it.

To see each check as a test of its own, parametrize over :data:`CHECKS`, ``(name,
check)`` pairs:

.. code-block:: python

    @pytest.mark.parametrize("name, check", CHECKS, ids=[name for name, _ in CHECKS])
    def test_my_storage(name: str, check: CheckFunction) -> None:
        check(MyStorage)  # a fresh storage, closed after; AssertionError if it fails

What is checked is what sync_core relies on (:mod:`sync_core.store`), and the
:class:`~sync_core.storage.Storage` protocol's own words:

- point access: a missing key (or table) reads as None; ``put`` then ``get``; ``put``
  replaces; ``delete`` says whether the key was there; tables are independent, even
  when their names share a beginning; writes outside ``atomic()`` are kept.
- values come back equal and of the same types: the frozen rows of
  :mod:`sync_core.rows` (``bool`` stays ``bool``, aware UTC datetimes keep their
  microseconds and their zone, None fields stay None), strings (empty, long,
  non-ASCII, astral) and ints (beyond 32 bits).
- keys come back as tuples with their element types, ordered as Python orders
  tuples: ints numerically (signed 64-bit, negative too), strings by code point
  (so ``"\\uffff" < "\\U00010000"``, unlike UTF-16; ``"a" < "a\\x00" < "ab"``). All the
  keys of one table have one length, as in sync_core.
- ``scan``: the prefix matches whole elements (prefix ``("a",)`` matches neither
  ``("ab", 1)`` nor ``("a\\x00", 1)``, prefix ``(1,)`` not ``(10, "x")``); the empty
  prefix matches all; a prefix as long as a key matches that key, a longer one
  nothing; ``start`` inclusive or not, in both directions, existing or not, before or
  after every key under the prefix (never leaking keys of a neighbouring prefix);
  ``reverse``; ``limit`` 0, 1 and more than there is; a scan of a missing table; a
  scan read to its limit and left, then writes (what sync_core's expiry does).
- reads naming an int beyond 64 bits (a client's page token or List index can hold
  any number): ``get`` None, ``delete`` False, and a scan from such a start (or under
  such a prefix) as Python's order says. A storage may refuse to *store* such a key.
- ``atomic()``: writes of a block are seen inside it (``get`` and ``scan``) and kept
  when it ends; when it raises (an ``Exception`` or any ``BaseException``), every put,
  replace and delete of the block is undone, in every table, even a table first
  written in the block, and the exception propagates unchanged (the same object).
  Re-entrancy is :class:`~sync_core.MemoryStorage`'s: **only the outermost block
  rolls back**. An inner block that raises undoes nothing by itself; if the outer
  block catches the exception and ends normally, the inner block's writes are kept;
  if the outer block raises, everything since it began is undone. Finished blocks
  are never undone by a later failure.
- ``snapshot``, ``restore`` and ``clear``, for a storage that offers them
  (:class:`~sync_core.storage.base.Snapshots`; for one that does not, this check asks
  nothing): a snapshot that later writes, and restores, do not change; ``restore``
  brings back exactly its tables (a table written after it is empty again); ``clear``
  empties every table and the storage takes writes after it.
- ``close()`` raising is a failure of the check that used the storage, reported with
  the others, not the end of the run.
- ``delete_range``, for a storage that offers it
  (:class:`~sync_core.storage.base.RangeDeletes`; for one that does not, these checks
  ask nothing and pass), against a ``dict`` model: prefixes of every length (the
  empty one too; ``("a",)`` leaves ``("a\\x00", 1)`` and ``("ab", 1)`` alone), a
  ``stop`` before every key, after every key, between keys, at a key, shorter than
  the keys (as the prefix itself), beyond 64 bits (a huge int in the prefix matches
  nothing), a missing table, and the count returned; inside ``atomic()``, the
  block's reads see it, and a block that raises brings back everything it removed
  (with the block's other writes), nested blocks as above.
- randomized: hundreds of random puts, deletes, gets, scans (random prefix, start,
  inclusive, reverse, limit), range deletes (when the storage offers them) and atomic
  blocks, nested, some raising, compared with a plain ``dict`` model
  (``thorough=True``: several thousand, with several seeds).
- end to end: a :class:`~sync_core.Sync` on the storage (services, documents, maps
  with items, lists, permissions, streams, expiry by a manual clock, a service
  deleted) answers exactly as one on :class:`~sync_core.MemoryStorage` driven the
  same way, ``sync._check()`` passes, and every table holds the same entries.

Nothing here needs pytest or Hypothesis: randomness comes from seeded
:class:`random.Random`, so every run checks the same things.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, NamedTuple, Protocol

from ...storage.base import Storage
from .atomic import _atomic_commit, _atomic_exception_propagates, _atomic_nested, _atomic_rollback
from .basics import (
    _get_put_delete,
    _is_a_storage,
    _keys_ordered,
    _tables_are_independent,
    _values_round_trip,
)
from .end_to_end import SYNC_TABLES, _sync_end_to_end
from .randomized import _randomized
from .ranges import _delete_range, _delete_range_atomic
from .samples import INTS, STRINGS, sample_values
from .scans import (
    _reads_beyond_64_bits,
    _scan_limit,
    _scan_prefix,
    _scan_reverse,
    _scan_start,
    _scan_then_write,
)
from .snapshots import _snapshots
from .support import _PlannedBase

__all__ = [
    "CHECKS",
    "INTS",
    "STRINGS",
    "SYNC_TABLES",
    "Check",
    "CheckFunction",
    "StorageFactory",
    "run_storage_conformance",
    "sample_values",
]

#: Makes a fresh, empty storage (a class with no required arguments will do).
StorageFactory = Callable[[], Storage]


class CheckFunction(Protocol):
    """One check: runs on a fresh storage from ``make_storage``; AssertionError if it fails."""

    def __call__(self, make_storage: StorageFactory, *, thorough: bool = False) -> None: ...


class Check(NamedTuple):
    """A named check, as listed in :data:`CHECKS`."""

    name: str
    run: CheckFunction


def run_storage_conformance(make_storage: StorageFactory, *, thorough: bool = False) -> None:
    """Run every check of :data:`CHECKS`, each on a fresh storage from ``make_storage()``.

    All the checks run; the failures are reported together.

    Args:
        make_storage: makes a fresh, empty storage; each one is closed after its check.
        thorough: run many more randomized operations (a few seconds, not a fraction).

    Raises:
        AssertionError: one line per failed check, its name and what went wrong.
    """
    failures: list[str] = []
    for _, check in CHECKS:
        try:
            check(make_storage, thorough=thorough)
        except AssertionError as err:
            failures.append(str(err))
    if failures:
        lines = "\n".join(f"- {failure}" for failure in failures)
        raise AssertionError(
            f"storage conformance: {len(failures)} of {len(CHECKS)} checks failed:\n{lines}"
        )


# -- the list -----------------------------------------------------------------------


def _named(name: str, body: Callable[[Storage, bool], None]) -> Check:
    def run(make_storage: StorageFactory, *, thorough: bool = False) -> None:
        storage = make_storage()
        failure: AssertionError | None = None
        cause: BaseException | None = None
        try:
            body(storage, thorough)
        except AssertionError as err:
            failure, cause = AssertionError(f"{name}: {err}"), err
        except (Exception, _PlannedBase) as err:  # a storage that raises fails the check
            failure, cause = AssertionError(f"{name}: raised {type(err).__name__}: {err}"), err
        try:
            storage.close()
        except Exception as err:  # a method that raises: a failure, not the suite's end
            if failure is None:
                failure = AssertionError(f"{name}: close() raised {type(err).__name__}: {err}")
                cause = err
        if failure is not None:
            raise failure from cause

    run.__name__ = run.__qualname__ = name
    run.__doc__ = body.__doc__
    return Check(name, run)


#: Every check, as ``(name, check)``; ``check(make_storage, thorough=False)`` runs one.
CHECKS: Final[tuple[Check, ...]] = (
    _named("is_a_storage", _is_a_storage),
    _named("get_put_delete", _get_put_delete),
    _named("tables_are_independent", _tables_are_independent),
    _named("values_round_trip", _values_round_trip),
    _named("keys_ordered", _keys_ordered),
    _named("scan_prefix", _scan_prefix),
    _named("scan_reverse", _scan_reverse),
    _named("scan_start", _scan_start),
    _named("scan_limit", _scan_limit),
    _named("scan_then_write", _scan_then_write),
    _named("reads_beyond_64_bits", _reads_beyond_64_bits),
    _named("atomic_commit", _atomic_commit),
    _named("atomic_rollback", _atomic_rollback),
    _named("atomic_exception_propagates", _atomic_exception_propagates),
    _named("atomic_nested", _atomic_nested),
    _named("delete_range", _delete_range),
    _named("delete_range_atomic", _delete_range_atomic),
    _named("snapshots", _snapshots),
    _named("randomized", _randomized),
    _named("sync_end_to_end", _sync_end_to_end),
)
