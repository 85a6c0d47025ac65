"""A randomized run of operations against a plain model of a storage."""

from __future__ import annotations

import random
from collections.abc import Callable

from ...storage.base import Key, RangeDeletes, Storage
from .samples import sample_values
from .support import (
    ScanOptions,
    _expect_scan,
    _expect_table,
    _Planned,
    _require,
    _same_value,
    _scan_call,
    _show,
)


def _randomized(storage: Storage, thorough: bool) -> None:
    for round_ in range(4 if thorough else 1):
        _RandomRun(storage, round_, 3_000 if thorough else 500).run()


class _RandomRun:
    """Random operations on two tables, each compared with a ``dict`` at once."""

    def __init__(self, storage: Storage, round_: int, operations: int) -> None:
        self.storage = storage
        self.seed = f"storage-conformance-{round_}"
        self.rng = random.Random(self.seed)
        self.left = operations
        self.tables: dict[str, Callable[[], Key]] = {
            f"r{round_}_si": self._str_int_key,
            f"r{round_}_iss": self._int_str_str_key,
        }
        self.model: dict[str, dict[Key, object]] = {name: {} for name in self.tables}
        self.log: list[str] = []
        self.values = sample_values()
        #: Whether the storage offers ``delete_range`` (then some scans become range
        #: deletes; for a storage without, the run is the same as before it existed).
        self.ranged = isinstance(storage, RangeDeletes)

    def _str(self) -> str:
        return self.rng.choice(("", "a", "a\x00", "ab", "b", "\u00e9", "\uffff", "\U0001f600"))

    def _int(self) -> int:
        return self.rng.choice((-1, 0, 1, 2, 10, 2**40))

    def _str_int_key(self) -> Key:
        return (self._str(), self._int())

    def _int_str_str_key(self) -> Key:
        return (self._int(), self._str(), self._str())

    def _existing_or_new(self, table: str) -> Key:
        rows = self.model[table]
        if rows and self.rng.random() < 0.6:
            return self.rng.choice(sorted(rows))
        return self.tables[table]()

    def _fail(self, err: AssertionError) -> AssertionError:
        recent = "\n    ".join(self.log[-12:])
        return AssertionError(
            f"{err} (seed {self.seed!r}, operation {len(self.log)}; the last ones:\n    {recent})"
        )

    def run(self) -> None:
        try:
            self._operations(depth=0)
            for table, rows in self.model.items():
                _expect_table(self.storage, table, rows, "at the end")
        except AssertionError as err:
            raise self._fail(err) from None

    def _operations(self, depth: int, count: int | None = None) -> None:
        done = 0
        while self.left > 0 and (count is None or done < count):
            self.left -= 1
            done += 1
            self._one(depth)

    def _one(self, depth: int) -> None:
        rng, storage = self.rng, self.storage
        table = rng.choice(sorted(self.tables))
        rows = self.model[table]
        roll = rng.random()
        if roll < 0.4:
            key, value = self._existing_or_new(table), rng.choice(self.values)
            self.log.append(f"put({table!r}, {key!r}, {_show(value)})")
            storage.put(table, key, value)
            rows[key] = value
        elif roll < 0.55:
            key = self._existing_or_new(table)
            self.log.append(f"delete({table!r}, {key!r})")
            was = storage.delete(table, key)
            _require(was is (key in rows), f"delete({table!r}, {key!r}) returned {was!r}")
            rows.pop(key, None)
        elif roll < 0.65:
            key = self._existing_or_new(table)
            self.log.append(f"get({table!r}, {key!r})")
            got = storage.get(table, key)
            if key in rows:
                _same_value(got, rows[key], f"get({table!r}, {key!r})")
            else:
                _require(got is None, f"get({table!r}, {key!r}) of a missing key: {got!r}")
        elif roll < 0.86 or (roll < 0.9 and not self.ranged):
            self._scan(table)
        elif roll < 0.9:
            self._delete_range(table)
        elif depth < 3:
            self._atomic(depth)

    def _scan(self, table: str) -> None:
        rng = self.rng
        base = self._existing_or_new(table)
        prefix = base[: rng.randint(0, len(base))]
        start: Key | None = None
        if rng.random() < 0.6:
            other = self._existing_or_new(table)
            start = (*prefix, *other[len(prefix) :])
        options = ScanOptions(
            start=start,
            inclusive=rng.random() < 0.5,
            reverse=rng.random() < 0.5,
            limit=rng.choice((None, None, 0, 1, 2, rng.randint(0, 30))),
        )
        self.log.append(f"{table!r} {_scan_call(prefix, options)}")
        _expect_scan(self.storage, table, self.model[table], prefix, **options)

    def _delete_range(self, table: str) -> None:
        rng, storage = self.rng, self.storage
        assert isinstance(storage, RangeDeletes)
        base = self._existing_or_new(table)
        prefix = base[: rng.randint(0, len(base))]
        other = self._existing_or_new(table)
        roll = rng.random()
        if roll < 0.6:  # a key under the prefix
            stop = (*prefix, *other[len(prefix) :])
        elif roll < 0.75:  # shorter than a key (the prefix itself, or less)
            stop = other[: rng.randint(0, len(other) - 1)]
        elif roll < 0.9:  # an int beyond 64 bits in place of one of the key's
            at = rng.choice([i for i, e in enumerate(other) if isinstance(e, int)])
            stop = (*other[:at], rng.choice((2**64, -(2**64))), *other[at + 1 :])
        else:  # anywhere
            stop = other
        rows = self.model[table]
        self.log.append(f"delete_range({table!r}, {prefix!r}, {stop!r})")
        width = len(prefix)
        gone = [key for key in rows if key[:width] == prefix and key <= stop]
        got = storage.delete_range(table, prefix, stop)
        _require(
            type(got) is int and got == len(gone),
            f"delete_range({table!r}, {prefix!r}, {stop!r}) returned {got!r}, not {len(gone)}",
        )
        for key in gone:
            del rows[key]

    def _atomic(self, depth: int) -> None:
        raises = self.rng.random() < 0.35
        snapshot = {name: dict(rows) for name, rows in self.model.items()}
        self.log.append(f"{'  ' * depth}atomic() {{ # depth {depth}")
        try:
            with self.storage.atomic():
                self._operations(depth + 1, self.rng.randint(0, 8))
                if raises:
                    self.log.append(f"{'  ' * depth}}} raise")
                    raise _Planned
                self.log.append(f"{'  ' * depth}}} end")
        except _Planned:
            if depth == 0:  # only the outermost block rolls back
                self.model = snapshot
