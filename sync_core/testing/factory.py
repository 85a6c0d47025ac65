"""Fresh :class:`~sync_core.Sync` objects from one starting state, each in microseconds.

A test that runs many times over (each Hypothesis example, each parametrized case)
wants each run to start from the same state, and a pytest fixture cannot give it:
a function-scoped fixture is made once per *test*, not once per example, so the second
example sees what the first one wrote (Hypothesis refuses such fixtures with its
``function_scoped_fixture`` health check for this reason). Call a :class:`SyncFactory`
inside the test instead: each call gives a new Sync, on a new
:class:`~sync_core.ManualClock`, with the state you asked for, made once and restored
from a snapshot after that (O(tables) on the in-memory storage,
:mod:`sync_core.snapshots`).

>>> from sync_core.testing import SyncFactory
>>> make = SyncFactory()
>>> def shop(sync):
...     sync.services("default").sync_maps.create(unique_name="stock")
>>> first = make(setup=shop)
>>> _ = first.services("default").sync_maps("stock").sync_map_items.create(key="pen", data={})
>>> second = make(setup=shop)            # shop() is not run again: its snapshot is restored
>>> [i.key for i in second.services("default").sync_maps("stock").sync_map_items.list()]
[]
>>> second is not first and second.clock is not first.clock
True

The pytest plugin gives one as the session-scoped ``sync_factory`` fixture.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Hashable, Mapping
from datetime import datetime
from pathlib import Path
from types import FunctionType
from typing import Any, Final

from ..clock import DEFAULT_START, ManualClock
from ..sids import DEFAULT_ACCOUNT_SID
from ..snapshots import Snapshot
from ..sync import Sync

__all__ = ["Setup", "SyncFactory"]

#: What shapes the starting state: called once with the Sync, its result ignored.
Setup = Callable[[Sync], object]
#: How many built states a factory keeps (the least recently used goes first).
MAX_STATES: Final = 32
#: The key of data that is not exactly its JSON text: built again at each call (an
#: object's ``id`` could name another one later).
_UNCACHED: Final = ("uncached",)


class _Same:
    """A value compared by identity (and kept alive while a key holds it)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.value is self.value

    def __hash__(self) -> int:
        return id(self.value)


def _identity(setup: Setup | None) -> Hashable:
    """What tells one setup from another. A function by its code and the very values it
    captures and defaults to: a ``def`` or ``lambda`` inside a test is a new object each
    time the test runs, with the same code and, unless they changed, the same values.
    Anything else by itself.

    The values are compared by identity, not by content: a list the function captures,
    changed since (the same list), and the module globals it reads are not looked at.
    A setup that reads such changing values gives the state it built first; call
    :meth:`SyncFactory.clear` after changing them, or pass them in ``state``."""
    if not isinstance(setup, FunctionType):
        return setup
    cells = tuple(_Same(cell.cell_contents) for cell in setup.__closure__ or ())
    defaults = tuple(_Same(value) for value in setup.__defaults__ or ())
    keywords = tuple((name, _Same(value)) for name, value in (setup.__kwdefaults__ or {}).items())
    # Code objects compare equal across files (their file name is not compared): the
    # module's globals, which its names are read from, tell two modules' apart.
    module = _Same(setup.__globals__)
    return (setup.__code__, setup.__qualname__, module, cells, defaults, keywords)


class SyncFactory:
    """Makes Syncs that start from a given state; the state is built once per kind.

    Each call returns a new :class:`~sync_core.Sync` (new clock, new subscribers, empty
    journal, in-memory storage) holding:

    - nothing, with no arguments;
    - ``state``: a dict of :mod:`sync_core.state`'s format, or the path of a JSON file
      holding one (a fixture file; read again when it changes);
    - then whatever ``setup(sync)`` makes.

    The first call for a given ``(state, setup, seed)`` builds the state and takes a
    snapshot; the later ones restore it into a new Sync, whose clock starts where the
    snapshot was taken and whose seeded SIDs continue from there, so every run makes
    the same SIDs.

    Args:
        start: when the clock of a built state starts (2025-01-01T00:00:00Z).
        seed: the default SID seed (0); None for random SIDs.
        account_sid: the account of every Sync made.
        options: any other :class:`~sync_core.Sync` argument (``journal_size``,
            ``auth_token``, ``webhook_sink``...), given to every Sync made; the sink
            to those a call returns only (what builds a state posts no webhook: every
            call's Sync starts alike).
    """

    def __init__(
        self,
        *,
        start: datetime = DEFAULT_START,
        seed: int | None = 0,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        **options: Any,
    ) -> None:
        for refused in ("clock", "storage", "sid_generator"):
            if refused in options:
                raise TypeError(f"a SyncFactory makes its own {refused}")
        self._start = start
        self._seed = seed
        self._options = {"account_sid": account_sid, **options}
        self._snapshots: dict[Hashable, Snapshot] = {}

    def __call__(
        self,
        state: Mapping[str, Any] | str | os.PathLike[str] | None = None,
        *,
        setup: Setup | None = None,
        seed: int | None = None,
    ) -> Sync:
        """A new Sync holding ``state``, then what ``setup`` made, seeded with ``seed``.

        Raises:
            sync_core.state.StateFormatError: ``state`` is not a valid state.
            OSError: its file cannot be read.
        """
        seed = self._seed if seed is None else seed
        data, key = _load(state)
        cache_key = (key, _identity(setup), seed)
        snapshot = None if key is _UNCACHED else self._snapshots.pop(cache_key, None)
        if snapshot is None:
            # The state is built without the sink: the webhooks of what it makes go to
            # no test (else only the first call's test would get them).
            base = self._sync(self._start, seed, webhook_sink=None)
            if data is not None:
                base.import_state(data)
            if setup is not None:
                setup(base)
            snapshot = base.snapshot()
            while len(self._snapshots) >= MAX_STATES:  # forget the least recently used
                del self._snapshots[next(iter(self._snapshots))]
        if key is not _UNCACHED:
            self._snapshots[cache_key] = snapshot  # the most recently used last
        fresh = self._sync(snapshot.taken_at, seed)
        fresh.restore(snapshot)
        return fresh

    def _sync(self, start: datetime, seed: int | None, **changed: Any) -> Sync:
        return Sync(clock=ManualClock(start), seed=seed, **{**self._options, **changed})

    def clear(self) -> None:
        """Forget every state built so far (the next call builds it again)."""
        self._snapshots.clear()

    def __repr__(self) -> str:
        return f"<SyncFactory {len(self._snapshots)} states built>"


def _load(state: Mapping[str, Any] | str | os.PathLike[str] | None) -> tuple[Any, Hashable]:
    """The state's data, and a key that changes when the data does."""
    if state is None:
        return None, None
    if isinstance(state, Mapping):
        # Its JSON text, if that is the data exactly: JSON would make {1: "a"} and
        # ("a",) of {"1": "a"} and ["a"], which an import refuses and accepts. Data that
        # is more than JSON (or nested too deep to write) is known by itself: the import
        # decides on it each time.
        try:
            text = json.dumps(state, sort_keys=True, allow_nan=False)
            if json.loads(text) == state:
                return state, ("data", text)
        except (TypeError, ValueError, RecursionError):
            pass
        return state, _UNCACHED
    path = Path(state).resolve()
    stat = path.stat()
    from ..state import StateFormatError

    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise StateFormatError("", f"{path} is not UTF-8 text: {exc}") from None
    except ValueError as exc:
        raise StateFormatError("", f"{path} is not JSON: {exc}") from None
    except RecursionError:
        raise StateFormatError("", f"{path} nests its JSON too deeply") from None
    return data, ("file", str(path), stat.st_mtime_ns, stat.st_size)
