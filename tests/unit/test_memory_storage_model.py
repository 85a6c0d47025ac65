"""MemoryStorage against a model of plain dicts and ``sorted()``, over random steps.

Each step (a put, a delete, a ``delete_range``, a scan with every option, an atomic block that may raise,
with nested blocks and scans inside, a snapshot, a restore, a restore into a second
storage) is done on both; every answer must be the model's, and after every step
``_check()`` holds and every key of a small universe reads the same. ``_check()`` and
``get`` leave the keys put since a table's last scan pending, so the steps run against
tables with pending keys, sorted keys, and both.
"""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from sync_core import MemoryStorage
from sync_core.storage import Key
from sync_core.storage.memory import MemorySnapshot

Model = dict[str, dict[Key, object]]

TABLES = ("t", "u")
HEADS = ("a", "b", "c")
#: Every key the steps use: ("a",), ("a", 0), ... ("c", 5): a key may be a prefix of another.
UNIVERSE: list[Key] = [(head,) for head in HEADS] + [(h, n) for h in HEADS for n in range(6)]

tables = st.sampled_from(TABLES)
keys = st.sampled_from(UNIVERSE)
values = st.integers(0, 1_000)
prefixes = st.sampled_from([(), *((head,) for head in HEADS), ("a", 2), ("b", 0)])


class Boom(Exception):
    """What a failing block raises."""


def model_scan(
    rows: dict[Key, object],
    prefix: Key,
    start: Key | None,
    inclusive: bool,
    reverse: bool,
    limit: int | None,
) -> list[tuple[Key, object]]:
    """The Storage protocol's scan, on a dict: sorted(), filtered, sliced."""
    found = sorted((key for key in rows if key[: len(prefix)] == prefix), reverse=reverse)
    if start is not None:
        if reverse:
            found = [key for key in found if key < start or (inclusive and key == start)]
        else:
            found = [key for key in found if key > start or (inclusive and key == start)]
    if limit is not None:
        found = found[:limit]
    return [(key, rows[key]) for key in found]


def copy_model(model: Model) -> Model:
    return {name: dict(rows) for name, rows in model.items()}


@st.composite
def scans(draw: st.DrawFn) -> tuple[str, Key, dict[str, Any]]:
    """A table, a prefix and scan options; ``start`` (when given) begins with the prefix."""
    table, prefix = draw(tables), draw(prefixes)
    under = [key for key in UNIVERSE if key[: len(prefix)] == prefix]
    start = draw(st.one_of(st.none(), st.sampled_from(under)))
    options = {
        "start": start,
        "inclusive": draw(st.booleans()),
        "reverse": draw(st.booleans()),
        "limit": draw(st.one_of(st.none(), st.integers(0, 5))),
    }
    return table, prefix, options


#: One step of an atomic block: a put, a delete, a scan, or a nested block (its steps,
#: and whether it raises an exception its parent catches: a nested block does not roll
#: back on its own, its writes are kept unless the outermost block fails).
steps: st.SearchStrategy[tuple[Any, ...]] = st.recursive(
    st.one_of(
        st.tuples(st.just("put"), tables, keys, values),
        st.tuples(st.just("delete"), tables, keys),
        st.tuples(st.just("delete_range"), tables, prefixes, keys),
        st.tuples(st.just("scan"), scans()),
    ),
    lambda inner: st.tuples(st.just("nested"), st.lists(inner, max_size=5), st.booleans()),
    max_leaves=8,
)


class MemoryStorageModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.storage = MemoryStorage()
        self.model: Model = {name: {} for name in TABLES}
        self.snapshots: list[tuple[MemorySnapshot, Model]] = []

    # -- steps on the storage and on a model at once ---------------------------------

    def do(self, step: tuple[Any, ...], model: Model) -> None:
        """Do ``step`` on the storage and on ``model``, comparing every answer."""
        storage = self.storage
        if step[0] == "put":
            _, table, key, value = step
            storage.put(table, key, value)
            model[table][key] = value
        elif step[0] == "delete":
            _, table, key = step
            assert storage.delete(table, key) == (key in model[table])
            model[table].pop(key, None)
        elif step[0] == "delete_range":
            _, table, prefix, stop = step
            gone = [key for key in model[table] if key[: len(prefix)] == prefix and key <= stop]
            assert storage.delete_range(table, prefix, stop) == len(gone), (prefix, stop)
            for key in gone:
                del model[table][key]
        elif step[0] == "scan":
            table, prefix, options = step[1]
            got = list(storage.scan(table, prefix, **options))
            assert got == model_scan(model[table], prefix, **options), (table, prefix, options)
        else:
            _, inner, raises = step
            try:
                with storage.atomic():
                    for each in inner:
                        self.do(each, model)
                    if raises:
                        raise Boom
            except Boom:
                pass

    @rule(table=tables, key=keys, value=values)
    def put(self, table: str, key: Key, value: int) -> None:
        self.do(("put", table, key, value), self.model)

    @rule(table=tables, key=keys)
    def delete(self, table: str, key: Key) -> None:
        self.do(("delete", table, key), self.model)

    @rule(table=tables, prefix=prefixes, stop=keys)
    def delete_range(self, table: str, prefix: Key, stop: Key) -> None:
        self.do(("delete_range", table, prefix, stop), self.model)

    @rule(scan=scans())
    def scan(self, scan: tuple[str, Key, dict[str, Any]]) -> None:
        self.do(("scan", scan), self.model)

    @rule(block=st.lists(steps, max_size=6), raises=st.booleans())
    def atomic(self, block: list[tuple[Any, ...]], raises: bool) -> None:
        scratch = copy_model(self.model)
        try:
            with self.storage.atomic():
                for step in block:
                    self.do(step, scratch)
                if raises:
                    raise Boom
        except Boom:
            return  # all undone: the model stays as it was
        self.model = scratch

    @rule()
    def snapshot(self) -> None:
        self.snapshots.append((self.storage.snapshot(), copy_model(self.model)))

    @precondition(lambda self: self.snapshots)
    @rule(data=st.data())
    def restore(self, data: st.DataObject) -> None:
        snapshot, model = data.draw(st.sampled_from(self.snapshots))
        self.storage.restore(snapshot)
        self.model = copy_model(model)

    @precondition(lambda self: self.snapshots)
    @rule(data=st.data(), writes=st.lists(st.tuples(tables, keys, values), max_size=4))
    def restore_into_another(self, data: st.DataObject, writes: list[Any]) -> None:
        """A second storage from a snapshot holds the snapshot's rows, and its writes
        reach neither the snapshot nor this storage (checked by the invariants)."""
        snapshot, model = data.draw(st.sampled_from(self.snapshots))
        other = MemoryStorage()
        other.restore(snapshot)
        for table, key, value in writes:
            other.put(table, key, value)
        expected = copy_model(model)
        for table, key, value in writes:
            expected[table][key] = value
        for table in TABLES:
            assert list(other.scan(table, ())) == model_scan(
                expected[table], (), None, True, False, None
            )
        other._check()
        restored = MemoryStorage()
        restored.restore(snapshot)
        for table in TABLES:
            assert list(restored.scan(table, ())) == model_scan(
                model[table], (), None, True, False, None
            )

    # -- after every step ---------------------------------------------------------------

    @invariant()
    def same_rows(self) -> None:
        self.storage._check()
        for table in TABLES:
            for key in UNIVERSE:
                assert self.storage.get(table, key) == self.model[table].get(key), (table, key)


# As many examples as the profile asks (tests/conftest.py), each of up to 30 steps.
MemoryStorageModel.TestCase.settings = settings(stateful_step_count=30)
TestMemoryStorageModel = MemoryStorageModel.TestCase
