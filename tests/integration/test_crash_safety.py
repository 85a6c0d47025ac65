"""Crash safety of ``SqliteStorage``: a process killed at random moments loses no acked write.

A child process (``tests/integration/crash_child.py``) runs a random mix of writes on one store
file: Document create and update, Map item create, update and delete, List item append,
update and delete, permission update and delete. Around each call it prints the intent
(``op``) and, once the call has returned, the effect (``ack``). The test starts it, waits
a random short time, kills it with SIGKILL, and reopens the file; many times, on the
same file, so state accumulates across rounds.

After each kill the store must hold exactly the acknowledged state, or that state plus
the effect of the one call that was running when the child died (it may have committed
without its ack reaching the pipe): never less, never anything else. In particular
every acked revision and value is there, deleted things stay deleted, each object's and
container's revision is exactly right, a List never gives an index again, and the store
is sound (``sync._check()``: indexes match rows; ``PRAGMA integrity_check``). The child
also reports when SQLite starts each BEGIN and COMMIT, so the test checks that every ack
came after its COMMIT and that a write found committed without its ack had reached
COMMIT, and counts where the kills landed (printed; ``pytest -s`` or ``-rA`` shows it).

Both ``synchronous=FULL`` and ``NORMAL`` must pass: a killed process (unlike a power
loss) loses nothing that was committed under either. ``CI`` set runs more rounds. The
waits are seeded, but where a kill lands depends on timing: no two runs are the same.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import random
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sync_core import ManualClock, PermissionList, SqliteStorage, Sync

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL to kill the child process"),
]

CHILD = Path(__file__).resolve().parent / "crash_child.py"
ROOT = CHILD.parents[2]
#: Kill-and-reopen rounds per ``synchronous`` mode...
ROUNDS = 60 if os.environ.get("CI") else 25
#: ... unless this many seconds have passed (a slow machine), once 10 rounds have run.
BUDGET = 27.0 if os.environ.get("CI") else 13.0
MIN_ROUNDS = 10
#: Seeds the test's choices (when to kill); the child's seed is the round number.
SEED = 20250101
#: How long the child may take to start and acknowledge its first write.
START_TIMEOUT = 20.0


@dataclass
class State:
    """What the store holds, as the test sees it (all through sync_core's public API)."""

    #: Document sid -> (revision, data).
    docs: dict[str, tuple[int, Any]] = field(default_factory=dict)
    map_rev: int = 0
    #: Map item key -> (revision, data).
    map_items: dict[str, tuple[int, Any]] = field(default_factory=dict)
    list_rev: int = 0
    #: List item index -> (revision, data).
    list_items: dict[int, tuple[int, Any]] = field(default_factory=dict)
    #: (target, identity) -> (read, write, manage).
    perms: dict[tuple[str, str], tuple[bool, bool, bool]] = field(default_factory=dict)


def read_state(sync: Sync) -> State:
    svc = sync.services("default")
    lst = svc.sync_lists("l")
    mp = svc.sync_maps("m")
    permissions: dict[str, PermissionList[Any]] = {
        "doc": svc.documents("d0").document_permissions,
        "map": mp.sync_map_permissions,
        "list": lst.sync_list_permissions,
    }
    return State(
        docs={doc.sid: (int(doc.revision), doc.data) for doc in svc.documents.list()},
        map_rev=int(mp.fetch().revision),
        map_items={i.key: (int(i.revision), i.data) for i in mp.sync_map_items.list()},
        list_rev=int(lst.fetch().revision),
        list_items={i.index: (int(i.revision), i.data) for i in lst.sync_list_items.list()},
        perms={
            (target, p.identity): (p.read, p.write, p.manage)
            for target, listing in permissions.items()
            for p in listing.list()
        },
    )


def differences(acked: State, stored: State) -> str:
    """What ``stored`` has that ``acked`` has not, and the other way round, line by line."""
    lines = []
    for name in ("docs", "map_rev", "map_items", "list_rev", "list_items", "perms"):
        a, b = getattr(acked, name), getattr(stored, name)
        if not isinstance(a, dict):
            if a != b:
                lines.append(f"{name}: acked {a}, stored {b}")
            continue
        for key in sorted(set(a) | set(b), key=repr):
            if a.get(key) != b.get(key):
                lines.append(f"{name}[{key!r}]: acked {a.get(key)}, stored {b.get(key)}")
    return "\n".join(lines)


@dataclass
class Model:
    """The acknowledged state, and the highest List index ever given."""

    state: State
    max_index: int = -1


def apply(model: Model, ack: dict[str, Any], *, in_place: bool = False) -> Model:
    """``model`` after the write ``ack`` reports; asserts the write is a sane successor."""
    new = model if in_place else copy.deepcopy(model)
    s = new.state
    kind = ack["kind"]
    if kind == "doc_create":
        assert ack["sid"] not in s.docs, ack
        assert ack["rev"] == 0, ack
        s.docs[ack["sid"]] = (0, ack["data"])
    elif kind == "doc_update":
        assert ack["rev"] == s.docs[ack["sid"]][0] + 1, (ack, s.docs.get(ack["sid"]))
        s.docs[ack["sid"]] = (ack["rev"], ack["data"])
    elif kind == "map_set":
        old = s.map_items.get(ack["key"])
        assert ack["rev"] == (0 if old is None else old[0] + 1), (ack, old)
        s.map_items[ack["key"]] = (ack["rev"], ack["data"])
        s.map_rev += 1
    elif kind == "map_delete":
        del s.map_items[ack["key"]]
        s.map_rev += 1
    elif kind == "list_append":
        assert ack["index"] > new.max_index, f"List index {ack['index']} given again: {ack}"
        assert ack["rev"] == 0, ack
        s.list_items[ack["index"]] = (0, ack["data"])
        s.list_rev += 1
        new.max_index = ack["index"]
    elif kind == "list_update":
        assert ack["rev"] == s.list_items[ack["index"]][0] + 1, ack
        s.list_items[ack["index"]] = (ack["rev"], ack["data"])
        s.list_rev += 1
    elif kind == "list_delete":
        del s.list_items[ack["index"]]
        s.list_rev += 1
    elif kind == "perm_update":
        read, write, manage = ack["flags"]
        s.perms[ack["target"], ack["identity"]] = (read, write, manage)
    elif kind == "perm_delete":
        del s.perms[ack["target"], ack["identity"]]
    else:
        raise AssertionError(f"unknown write {ack}")
    return new


def effect_of(model: Model, op: dict[str, Any], actual: State) -> dict[str, Any] | None:
    """The ack ``op`` (a call that never returned) would have printed, had it committed.

    A new Document's sid and a new List item's index are not known before the call; they
    are taken from ``actual`` when it holds exactly one new one (else None: the call
    cannot have committed).
    """
    s = model.state
    ack = dict(op, ev="ack")
    kind = op["kind"]
    if kind == "doc_create":
        new = set(actual.docs) - set(s.docs)
        if len(new) != 1:
            return None
        ack.update(sid=new.pop(), rev=0)
    elif kind == "doc_update":
        ack["rev"] = s.docs[op["sid"]][0] + 1
    elif kind == "map_set":
        old = s.map_items.get(op["key"])
        ack["rev"] = 0 if old is None else old[0] + 1
    elif kind == "list_append":
        indexes = set(actual.list_items) - set(s.list_items)
        if len(indexes) != 1:
            return None
        ack.update(index=indexes.pop(), rev=0)
    elif kind == "list_update":
        ack["rev"] = s.list_items[op["index"]][0] + 1
    return ack


@dataclass
class Output:
    """What the child printed, read back: the acked writes and the call cut short."""

    ready: bool = False
    #: (intent, ack) of each write that returned.
    acked: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    #: The intent of the call the kill interrupted, if it was in one.
    pending: dict[str, Any] | None = None
    #: The last transaction statement the pending call started (BEGIN, COMMIT), if any.
    phase: str | None = None


def parse(lines: list[bytes]) -> Output:
    """The child's output; a last line cut short by the kill (no newline) never was one."""
    out = Output()
    for line in lines:
        if not line.endswith(b"\n"):
            continue
        event = json.loads(line)
        if event["ev"] == "ready":
            out.ready = True
        elif event["ev"] == "tx":
            if out.pending is not None:
                out.phase = event["sql"]
        elif event["ev"] == "op":
            assert out.ready, event
            assert out.pending is None, (out.pending, event)
            out.pending, out.phase = event, None
        else:
            assert event["ev"] == "ack", event
            pending = out.pending
            assert pending is not None, event
            assert pending["kind"] == event["kind"], (pending, event)
            assert out.phase == "COMMIT", (out.phase, event)
            for name in ("sid", "key", "index", "data", "target", "identity", "flags"):
                if name in pending:
                    assert event[name] == pending[name], (pending, event)
            out.acked.append((pending, event))
            out.pending = out.phase = None
    return out


def wal_frames(db: Path) -> tuple[int, int]:
    """(frames up to the last commit, frames after it) in ``db``'s WAL, as the kill left it.

    Frames after the last commit frame (with the WAL header's salts) belong to a
    transaction that was being written when the process died: a kill inside COMMIT.
    """
    try:
        raw = (db.parent / (db.name + "-wal")).read_bytes()
    except FileNotFoundError:
        return 0, 0
    if len(raw) < 32:
        return 0, 0
    page_size = struct.unpack(">I", raw[8:12])[0]
    salts = raw[16:24]
    frames = committed = 0
    at = 32
    while at + 24 + page_size <= len(raw) and raw[at + 8 : at + 16] == salts:
        frames += 1
        if struct.unpack(">I", raw[at + 4 : at + 8])[0]:  # db size after commit: a commit
            committed = frames
        at += 24 + page_size
    return committed, frames - committed


def open_sync(db: Path, synchronous: Any, seed: int) -> Sync:
    clock = ManualClock(start=datetime(2030, 1, 1, tzinfo=UTC) + timedelta(minutes=seed))
    return Sync(storage=SqliteStorage(db, synchronous=synchronous), clock=clock, seed=seed)


class Child:
    """The child process, its output read as it comes (so it never blocks on the pipe)."""

    def __init__(self, db: Path, synchronous: str, round_no: int, stderr: Path) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
        self.lines: list[bytes] = []
        self.acked = threading.Event()
        self.stderr_path = stderr
        first_n = str(round_no * 1_000_000)  # the child's data {"n": n} start above it
        with stderr.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, str(CHILD), str(db), synchronous, str(round_no), first_n],
                stdout=subprocess.PIPE,
                stderr=err,
                env=env,
            )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.startswith(b'{"ev": "ack"'):
                self.acked.set()
        self.acked.set()  # end of output: stop waiting

    def kill(self) -> int:
        """SIGKILL it (if it is still there), reap it, read the rest; its return code."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):  # it is gone already
                os.kill(self.proc.pid, signal.SIGKILL)
        code = self.proc.wait(timeout=30)
        self.reader.join(timeout=30)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        return code

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


@pytest.mark.parametrize("synchronous", ["FULL", "NORMAL"])
def test_a_killed_process_loses_no_acknowledged_write(tmp_path: Path, synchronous: str) -> None:
    db = tmp_path / "crash.db"
    rng = random.Random(f"{SEED}-{synchronous}")
    setup = open_sync(db, synchronous, seed=0)
    svc = setup.services("default")
    svc.documents.create(unique_name="d0", data={"n": 0})
    svc.sync_maps.create(unique_name="m")
    svc.sync_lists.create(unique_name="l")
    model = Model(read_state(setup))
    setup.storage.close()

    stats: Counter[str] = Counter()
    started = time.monotonic()
    rounds = 0
    for round_no in range(1, ROUNDS + 1):
        if round_no > MIN_ROUNDS and time.monotonic() - started > BUDGET:
            break
        rounds = round_no
        where = f"synchronous={synchronous}, round {round_no} (test seed {SEED})"
        child = Child(db, synchronous, round_no, tmp_path / f"child{round_no}.err")
        try:
            if rng.random() < 0.15:
                # Sometimes early: while it starts, opens (recovers) the file, or first writes.
                time.sleep(rng.uniform(0.0, 0.15))
            else:
                assert child.acked.wait(START_TIMEOUT), f"{where}: no ack\n{child.stderr()}"
                time.sleep(rng.uniform(0.05, 0.5))
        finally:
            code = child.kill()
        assert code == -signal.SIGKILL, f"{where}: the child exited {code}\n{child.stderr()}"
        committed_frames, torn_frames = wal_frames(db)
        out = parse(child.lines)
        for _, ack in out.acked:
            apply(model, ack, in_place=True)
        stats["acked writes"] += len(out.acked)

        sync = open_sync(db, synchronous, seed=100_000 + round_no)
        try:
            sync.storage._check()  # type: ignore[attr-defined]
            sync._check()
            actual = read_state(sync)
            pending = out.pending
            effect = None if pending is None else effect_of(model, pending, actual)
            ahead = None if effect is None else apply(model, effect)
            if pending is None:
                where_killed = "between calls" if out.ready else "while starting"
                assert actual == model.state, (
                    f"{where}: after the kill the store is not the acknowledged state:\n"
                    + differences(model.state, actual)
                )
            elif actual == model.state:
                where_killed = {
                    None: "in a call, before its transaction",
                    "BEGIN": "in a transaction, before COMMIT",
                    "COMMIT": "in COMMIT, not committed",
                }[out.phase]
                if ahead is not None and ahead.state == model.state:
                    where_killed = "in a call that changes nothing"
            else:
                # Committed, and the kill came before the ack was printed.
                assert ahead is not None, (
                    f"{where}: after the kill the store is not the acknowledged state, and "
                    f"the unacknowledged call {pending} cannot explain it:\n"
                    + differences(model.state, actual)
                )
                assert actual == ahead.state, (
                    f"{where}: after the kill the store is neither the acknowledged state "
                    f"nor that plus the unacknowledged call {pending}:\n"
                    + differences(model.state, actual)
                )
                assert out.phase == "COMMIT", f"{where}: {pending} committed before COMMIT"
                where_killed = "after COMMIT, before the ack"
                model = ahead
            stats[f"killed {where_killed}"] += 1
            if torn_frames:
                stats["killed inside COMMIT (uncommitted WAL frames)"] += 1
            stats["WAL frames left by the kill"] += committed_frames + torn_frames

            # The next index the List gives is above every index it ever gave.
            item = (
                sync.services("default")
                .sync_lists("l")
                .sync_list_items.create(data={"n": -round_no})
            )
            assert item.index > model.max_index, f"{where}: index {item.index} again"
            apply(
                model,
                {"kind": "list_append", "index": item.index, "rev": 0, "data": {"n": -round_no}},
                in_place=True,
            )
            assert read_state(sync) == model.state
            sync._check()
        finally:
            sync.storage.close()

    elapsed = time.monotonic() - started
    print(f"\n{synchronous}: {rounds} kills in {elapsed:.1f} s: {dict(sorted(stats.items()))}")
    assert stats["acked writes"] > rounds, stats  # the children did write
