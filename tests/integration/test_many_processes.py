"""Many processes on one SQLite file: opening at once, expiry, races, fork, gunicorn.

Each child process (``tests/integration/procs_child.py``) opens the file with its own
``SqliteStorage`` and ``Sync`` and answers JSON commands; the test drives them. Each
child keeps its own ``ManualClock``, which the test moves by the same step in every
child, so that expiry is deterministic. docs/durable-storage.md, "Many processes on one
file", says what is safe.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from sync_core import ManualClock, MemoryStorage, SqliteStorage, StorageForkedError, Sync

pytestmark = pytest.mark.integration

HERE = Path(__file__).resolve().parent
CHILD = HERE / "procs_child.py"
ROOT = HERE.parents[1]
#: How many processes share the file.
PROCESSES = 4
#: Rounds of processes opening a new file at the same instant.
OPEN_ROUNDS = 30
#: How long any answer of a child may take.
ANSWER_TIMEOUT = 60.0


class Child:
    """A running ``procs_child.py``: send it commands, read its answers (with a timeout)."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, str(CHILD)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env=env,
            text=True,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put("")  # the child is gone

    def send(self, **command: Any) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def answer(self) -> dict[str, Any]:
        line = self._lines.get(timeout=ANSWER_TIMEOUT)
        assert line, f"child {self.process.pid} died (exit code {self.process.poll()})"
        answer: dict[str, Any] = json.loads(line)
        assert "error" not in answer, f"child {self.process.pid}: {answer['error']}"
        return answer

    def ask(self, **command: Any) -> dict[str, Any]:
        self.send(**command)
        return self.answer()

    def call(self, op: str, **args: Any) -> dict[str, Any]:
        return self.ask(cmd="call", op=op, **args)

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            assert self.process.stdin is not None
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


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


def all_ask(children: list[Child], **command: Any) -> list[dict[str, Any]]:
    """Send ``command`` to every child first, then read every answer."""
    for child in children:
        child.send(**command)
    return [child.answer() for child in children]


def open_all(children: list[Child], path: Path) -> None:
    """Every child opens ``path`` at the same instant (a moment from now)."""
    all_ask(children, cmd="open", path=str(path), at=time.time() + 0.1)


def test_processes_opening_a_new_file_at_the_same_instant_never_fail(
    tmp_path: Path, children: list[Child]
) -> None:
    for round_no in range(OPEN_ROUNDS):
        path = tmp_path / f"new-{round_no}.db"
        open_all(children, path)  # an error in any child fails here, naming it
        # Each writes at once, while the others may still be opening.
        for number, child in enumerate(children):
            child.send(cmd="call", op="doc_create", name=f"w{number}")
        assert [child.answer()["status"] for child in children] == [200] * PROCESSES
        all_ask(children, cmd="close")

        storage = SqliteStorage(path)
        try:
            sync = Sync(storage=storage, clock=ManualClock())
            names = sorted(d.unique_name or "" for d in sync.services("default").documents.list())
            assert names == [f"w{n}" for n in range(PROCESSES)], round_no
            assert len(sync.services.list()) == 1  # one default Service, made once
            sync._check()
        finally:
            storage.close()


def test_a_ttl_written_by_one_process_is_honoured_by_every_other(
    tmp_path: Path, children: list[Child]
) -> None:
    a, b, c, d = children
    open_all(children, tmp_path / "shared.db")
    # Every child has looked at the (empty) state: each knows nothing expires.
    assert [x["names"] for x in all_ask(children, cmd="call", op="doc_list")] == [[]] * 4
    a.call("map_create", name="board")
    a.call("list_create", name="jobs")
    a.call("list_item_create", list="jobs", data={"keep": True})  # index 0, stays
    # A writes what expires in 60 s; B and C do not look at it before it expires, D does.
    assert a.call("doc_create", name="session", ttl=60)["status"] == 200
    assert a.call("map_item_create", map="board", key="k", ttl=60)["status"] == 200
    assert a.call("list_item_create", list="jobs", ttl=60)["index"] == 1
    assert d.call("doc_fetch", name="session")["status"] == 200  # D sees it, live

    all_ask(children, cmd="advance", seconds=59)
    assert a.call("doc_fetch", name="session")["status"] == 200  # not yet
    all_ask(children, cmd="advance", seconds=1)  # exactly date_expires: gone

    assert b.call("doc_fetch", name="session") == {"status": 404, "code": 20404}
    assert b.call("map_item_fetch", map="board", key="k")["status"] == 404
    assert c.call("doc_list")["names"] == []
    assert c.call("map_items", map="board")["keys"] == []
    assert c.call("list_items", list="jobs")["items"] == [[0, {"keep": True}]]
    # The name is free again: D (which saw the old one live) makes a new Document.
    new = d.call("doc_create", name="session")
    assert new["status"] == 200
    assert a.call("doc_fetch", name="session")["sid"] == new["sid"]
    # The List counted the expired item's removal once: created 0, two adds, one removal.
    assert d.call("list_fetch", list="jobs")["revision"] == "3"

    # Each removal was announced once, by whichever process made it, as expired.
    removals = [r for x in all_ask(children, cmd="removals") for r in x["removals"]]
    assert sorted(removals, key=repr) == sorted(
        [
            ["document_removed", "session", None, None, True],
            ["map_item_removed", "board", "k", None, True],
            ["list_item_removed", "jobs", None, 1, True],
        ],
        key=repr,
    )


def test_a_storage_used_in_a_forked_child_is_refused(tmp_path: Path) -> None:
    if not hasattr(os, "fork"):
        pytest.skip("this platform has no fork()")
    path = tmp_path / "forked.db"
    storage = SqliteStorage(path, synchronous="OFF")
    sync = Sync(storage=storage, clock=ManualClock())
    sync.services("default").documents.create(unique_name="before", data={"n": 1})
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what happened, then leave at once
        report: dict[str, Any] = {}
        try:
            try:
                sync.services("default").documents.create(unique_name="in-child")
            except StorageForkedError as refused:
                report["create"] = str(refused)
            try:
                storage.get("objects", ("x",))
            except StorageForkedError:
                report["get"] = "refused"
            storage.close()  # lets go, without touching the parent's connection
            report["closed"] = True
            fresh = SqliteStorage(path, synchronous="OFF")  # the rule: open anew
            again = Sync(storage=fresh, clock=ManualClock())
            report["fresh"] = [
                doc.unique_name for doc in again.services("default").documents.list()
            ]
            again.services("default").documents.create(unique_name="child-fresh")
            fresh.close()
        except BaseException as exc:
            report["error"] = repr(exc)
        os.write(writer, json.dumps(report).encode())
        os._exit(0)
    os.close(writer)
    deadline = time.monotonic() + 30
    while (waited := os.waitpid(pid, os.WNOHANG)) == (0, 0):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child did not finish in 30 s")
        time.sleep(0.01)
    assert waited[1] == 0
    with os.fdopen(reader) as pipe:
        report = json.loads(pipe.read())
    assert "error" not in report, report["error"]
    assert "must not cross a fork" in report.get("create", ""), report
    assert "post_fork" in report["create"]
    assert report.get("get") == "refused", report
    assert report["closed"] is True
    assert report["fresh"] == ["before"]
    # The parent's storage works on; the refused write is nowhere, the fresh one is there.
    docs = sync.services("default").documents
    assert sorted(doc.unique_name or "" for doc in docs.list()) == ["before", "child-fresh"]
    sync._check()
    storage.close()


def test_racing_if_match_increments_and_appends_lose_nothing(
    tmp_path: Path, children: list[Child]
) -> None:
    path = tmp_path / "race.db"
    setup = SqliteStorage(path, synchronous="OFF")
    sync = Sync(storage=setup, clock=ManualClock())
    sync.services("default").documents.create(unique_name="counter", data={"n": 0})
    sync.services("default").sync_lists.create(unique_name="jobs")
    setup.close()
    open_all(children, path)
    each = 25

    results = all_ask(children, cmd="increments", name="counter", count=each, at=time.time() + 0.1)
    assert [r["done"] for r in results] == [each] * PROCESSES
    conflicts = sum(r["conflicts"] for r in results)
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
        assert indexes == sorted(indexes)  # each process's appends in its own order
    items = children[1].call("list_items", list="jobs")["items"]
    assert [index for index, _ in items] == list(range(each * PROCESSES))
    assert sorted((data["w"], data["i"]) for _, data in items) == [
        (w, i) for w in range(PROCESSES) for i in range(each)
    ]
    print(f"\n{conflicts} If-Match conflicts (412) retried among {each * PROCESSES} increments")


class Server:
    """gunicorn serving ``procs_wsgi:app`` with ``PROCESSES`` workers on 127.0.0.1."""

    def __init__(self, db: Path, clock_file: Path) -> None:
        self.clock_file = clock_file
        self.log: list[str] = []
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "SYNC_DB": str(db),
            "SYNC_CLOCK": str(clock_file),
        }
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn"),
                *("--workers", str(PROCESSES), "--preload", "--config", "python:procs_wsgi"),
                *("--bind", "127.0.0.1:0", "--graceful-timeout", "5", "procs_wsgi:app"),
            ],
            cwd=HERE,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its workers are stopped with it
        )
        self._read = threading.Thread(target=self._log, daemon=True)
        self._read.start()
        try:
            self.port = self._wait_until_up()
        except BaseException:
            self.stop()
            raise

    def _log(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line)

    def _wait_until_up(self) -> int:
        """The port, once gunicorn listens and has booted every worker (30 s at most)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "gunicorn exited:\n" + "".join(self.log)
            text = "".join(self.log)
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
            if found and text.count("Booting worker") >= PROCESSES:
                port = int(found.group(1))
                with contextlib.suppress(OSError):
                    if self.request("GET", "/v1/Services", port=port)[0] == 200:
                        return port
            time.sleep(0.05)
        raise AssertionError("gunicorn did not come up in 30 s:\n" + "".join(self.log))

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        port: int | None = None,
    ) -> tuple[int, dict[str, Any] | None, int]:
        """(status, JSON body, the worker's pid) of one request."""
        connection = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=10)
        try:
            body = None if form is None else urlencode(form)
            sent = dict(headers or {})
            if body is not None:
                sent["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            raw = response.read()
            pid = int(response.getheader("X-Worker-Pid") or 0)
            return response.status, json.loads(raw) if raw else None, pid
        finally:
            connection.close()

    def at_once(self, count: int, method: str, path: str) -> list[tuple[int, int]]:
        """(status, pid) of ``count`` requests sent together, each held a moment by the
        worker serving it, so that several workers serve them."""
        answers: list[tuple[int, int]] = []

        def one() -> None:
            status, _, pid = self.request(method, path, headers={"X-Test-Delay": "0.2"})
            answers.append((status, pid))

        threads = [threading.Thread(target=one) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(answers) == count
        return answers

    def set_clock(self, seconds: float) -> None:
        """Every worker's clock: ``DEFAULT_START`` plus ``seconds``."""
        self.clock_file.write_text(str(seconds))

    def stop(self) -> None:
        """SIGTERM to gunicorn (it stops its workers), SIGKILL to the group if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._read.join(timeout=5)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    pytest.importorskip("gunicorn")
    if sys.platform == "win32":
        pytest.skip("gunicorn runs on POSIX only")
    clock_file = tmp_path / "clock"
    clock_file.write_text("0")
    running = Server(tmp_path / "served.db", clock_file)
    try:
        yield running
    finally:
        running.stop()


def test_gunicorn_workers_share_one_file(server: Server) -> None:
    # The 4 workers opened the new file at once, in post_fork: they all came up (above).
    docs = "/v1/Services/default/Documents"
    served = server.at_once(8, "GET", docs)
    assert {status for status, _ in served} == {200}
    assert len({pid for _, pid in served}) >= 2  # several workers answered

    assert server.request("POST", docs, {"UniqueName": "session", "Ttl": "60"})[0] == 201
    assert server.request("POST", docs, {"UniqueName": "counter", "Data": '{"n": 0}'})[0] == 201
    lists = "/v1/Services/default/Lists"
    assert server.request("POST", lists, {"UniqueName": "jobs"})[0] == 201

    # Racing If-Match increments and appends over HTTP, from 4 clients at once.
    each, clients = 10, 4
    conflicts: list[int] = []
    indexes: list[int] = []

    def increments() -> None:
        done = 0
        while done < each:
            _, doc, _ = server.request("GET", f"{docs}/counter")
            assert doc is not None
            form = {"Data": json.dumps({"n": doc["data"]["n"] + 1})}
            status, _, _ = server.request(
                "POST", f"{docs}/counter", form, {"If-Match": doc["revision"]}
            )
            assert status in (200, 412), status
            if status == 412:
                conflicts.append(1)
            else:
                done += 1

    def appends(worker: int) -> None:
        for i in range(each):
            status, item, _ = server.request(
                "POST", f"{lists}/jobs/Items", {"Data": json.dumps({"w": worker, "i": i})}
            )
            assert status == 201
            assert item is not None
            indexes.append(item["index"])

    threads = [threading.Thread(target=increments) for _ in range(clients)]
    threads += [threading.Thread(target=appends, args=(w,)) for w in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    _, counter, _ = server.request("GET", f"{docs}/counter")
    assert counter is not None
    assert counter["data"] == {"n": each * clients}
    assert counter["revision"] == str(each * clients)
    assert sorted(indexes) == list(range(each * clients))

    # The TTL one worker wrote is honoured by every worker.
    server.set_clock(60)
    gone = server.at_once(8, "GET", f"{docs}/session")
    assert {status for status, _ in gone} == {404}
    assert len({pid for _, pid in gone}) >= 2
    _, listing, _ = server.request("GET", docs)
    assert listing is not None
    assert [d["unique_name"] for d in listing["documents"]] == ["counter"]
    assert server.request("POST", docs, {"UniqueName": "session"})[0] == 201

    server.stop()
    log = "".join(server.log)
    assert "Traceback" not in log, log
    assert log.count("Booting worker") == PROCESSES, log  # no worker died and came back
    print(f"\n{len(conflicts)} If-Match conflicts (412) over HTTP")


@pytest.mark.parametrize("kind", ["sqlite", "memory"])
def test_a_fork_while_a_thread_is_inside_an_operation_is_refused_not_hung(
    tmp_path: Path, kind: str
) -> None:
    """One of the parent's threads is inside an operation (holding the Sync's lock, and
    the file's) at the fork: the child, which has no such thread, meets the storage's
    refusal at its first call, as documented, instead of waiting forever. In memory
    too: the state may be half-written there (it waited forever)."""
    if not hasattr(os, "fork"):
        pytest.skip("this platform has no fork()")

    class HeldClock(ManualClock):
        """Its reads wait while ``hold`` is set: the reading thread holds the locks."""

        hold = threading.Event()
        inside = threading.Event()

        def now(self) -> datetime:
            if self.hold.is_set():
                self.inside.set()
                time.sleep(1.0)
            return super().now()

    clock = HeldClock()
    storage = (
        SqliteStorage(tmp_path / "busy.db", synchronous="OFF")
        if kind == "sqlite"
        else MemoryStorage()
    )
    sync = Sync(storage=storage, clock=clock)
    sync.services("default").documents.create(unique_name="d")
    clock.hold.set()
    busy = threading.Thread(target=lambda: sync.services("default").documents("d").fetch())
    busy.start()
    assert clock.inside.wait(10)
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what its first call does, then leave at once
        clock.hold.clear()
        try:
            sync.services("default").documents("d").fetch()
            outcome = "answered"
        except StorageForkedError:
            outcome = "refused"
        except BaseException as exc:
            outcome = repr(exc)
        os.write(writer, outcome.encode())
        os._exit(0)
    os.close(writer)
    clock.hold.clear()
    busy.join(timeout=30)
    deadline = time.monotonic() + 20
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child hung at its first call")
        time.sleep(0.01)
    with os.fdopen(reader) as pipe:
        assert pipe.read() == "refused"
    assert sync.services("default").documents("d").fetch().unique_name == "d"
    sync._check()
