"""Many processes on one PostgreSQL schema: opening at once, and racing writes.

Each child (``tests/integration/procs_child.py``, driven as in test_many_processes.py)
opens the schema with its own ``PostgresStorage`` and ``Sync``. Their transactions
are serialized by one locked row (docs/durable-storage.md, "PostgreSQL"): no update is
lost, no List index is given twice, no unique name is taken twice.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest
from test_many_processes import PROCESSES, Child, all_ask

from sync_core import ManualClock, PostgresStorage, Sync

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

#: Rounds of processes opening a new schema at the same instant.
OPEN_ROUNDS = 8


@pytest.fixture
def children() -> Iterator[list[Child]]:
    """``PROCESSES`` children, always stopped after the test."""
    started: list[Child] = []
    try:
        for _ in range(PROCESSES):
            started.append(Child())
        yield started
    finally:
        for child in started:
            child.stop()


def open_all(children: list[Child], dsn: str, schema: str) -> None:
    """Every child opens ``schema`` at the same instant (a moment from now)."""
    all_ask(children, cmd="open", dsn=dsn, schema=schema, at=time.time() + 0.1)


def test_processes_opening_a_new_schema_at_the_same_instant_never_fail(
    pg_dsn: str, pg_schema: str, children: list[Child]
) -> None:
    for round_no in range(OPEN_ROUNDS):
        schema = f"{pg_schema}_{round_no}"
        open_all(children, pg_dsn, schema)  # an error in any child fails here, naming it
        for number, child in enumerate(children):
            child.send(cmd="call", op="doc_create", name=f"w{number}")
        assert [child.answer()["status"] for child in children] == [200] * PROCESSES
        all_ask(children, cmd="close")

        storage = PostgresStorage(pg_dsn, schema=schema)
        try:
            sync = Sync(storage=storage, clock=ManualClock())
            names = sorted(d.unique_name or "" for d in sync.services("default").documents.list())
            assert names == [f"w{n}" for n in range(PROCESSES)], round_no
            assert len(sync.services.list()) == 1  # one default Service, made once
            sync._check()
        finally:
            storage.close()


def test_racing_increments_appends_and_unique_names_lose_nothing(
    pg_dsn: str, pg_schema: str, children: list[Child]
) -> None:
    setup = PostgresStorage(pg_dsn, schema=pg_schema)
    sync = Sync(storage=setup, clock=ManualClock())
    sync.services("default").documents.create(unique_name="counter", data={"n": 0})
    sync.services("default").sync_lists.create(unique_name="jobs")
    setup.close()
    open_all(children, pg_dsn, pg_schema)
    each = 25

    started = time.monotonic()
    results = all_ask(children, cmd="increments", name="counter", count=each, at=time.time() + 0.1)
    assert [r["done"] for r in results] == [each] * PROCESSES
    counter = children[0].call("doc_fetch", name="counter")
    assert counter["data"] == {"n": each * PROCESSES}  # no update lost
    assert counter["revision"] == str(each * PROCESSES)  # one revision per success

    at = time.time() + 0.1
    for worker, child in enumerate(children):
        child.send(cmd="appends", list="jobs", count=each, worker=worker, at=at)
    given = [child.answer()["indexes"] for child in children]
    flat = sorted(index for indexes in given for index in indexes)
    assert flat == list(range(each * PROCESSES))  # dense, none given twice
    for indexes in given:
        assert indexes == sorted(indexes)
    items = children[1].call("list_items", list="jobs")["items"]
    assert [index for index, _ in items] == list(range(each * PROCESSES))
    assert sorted((data["w"], data["i"]) for _, data in items) == [
        (w, i) for w in range(PROCESSES) for i in range(each)
    ]

    names = [f"name-{n}" for n in range(each)]
    answers = all_ask(children, cmd="creates", names=names, at=time.time() + 0.1)
    for at_name, name in enumerate(names):
        outcomes = Counter(tuple(answer["answers"][at_name]) for answer in answers)
        assert outcomes == {(200, None): 1, (409, 54301): PROCESSES - 1}, name
    listed = children[2].call("doc_list")["names"]
    assert sorted(listed) == sorted(["counter", *names])
    assert time.monotonic() - started < 120
    conflicts = sum(r["conflicts"] for r in results)
    print(f"\n{conflicts} If-Match conflicts (412) retried among {each * PROCESSES} increments")
