"""Twilio's rate limits, on demand: ``Sync(rate_limits=RateLimits())``. Off by default.

Twilio publishes (https://www.twilio.com/docs/sync/limits, and error 54009's page):
object writes "up to 20/s per object, burst window: 10s", items counting toward their
Document's, Map's or List's rate; object reads "up to 20/s per object, burst window:
10s"; stream messages "up to 30/s per stream, burst window: 10s"; SEMANTICS.md adds
payloads of 10 KiB or more: 2 writes/s sustained. Beyond them: 429 / 54009.

How sync_core reads "a rate with a burst window" (the decision, docs/unhappy-paths.md):
in any burst window (the last 10 seconds, ``(now - 10 s, now]`` by the injected
clock), an object accepts at most ``rate x window`` operations of a class (200 writes,
200 reads, 300 stream messages, 20 large writes); a burst may spend them at once, and
the sustained rate over any long stretch is the published one. A slot frees at the
exact instant its operation leaves the window: 10 seconds after it.

What counts, per object (its SID):

- a **write**: every accepted change: the object's own create, update (its TTL too) and
  delete, and every item added, updated or removed (toward its Map or List); expiry
  counts for nothing (it is no request), nor does a Service's delete (it is no write
  to each of its objects);
- a **large write**: a write whose object or item holds ``data`` of
  ``large_payload_bytes`` or more once written (a TTL-only update of a large Document
  too: the request's own payload is not told apart); it counts as a write too;
- a **read**: a fetch of the object or of one of its items, a page of its items;
- a **stream message**: a message published to the Stream.

Subscriptions and permissions are not counted (Twilio's 80/s per object permission is
not modelled). Only accepted operations count: a request refused (400, 404, 412, or 429
itself) spends nothing, and a request that is both over a rate and invalid gets the
invalid answer (the decision: the check runs when the operation is about to commit, and
a refusal rolls it back). A refused one changes nothing and sends no event, and the SID
a seeded generator made for it (a Stream message's) is not spent.

>>> from sync_core import Sync, ManualClock, RateLimits, SyncError
>>> clock = ManualClock()
>>> sync = Sync(clock=clock, rate_limits=RateLimits(writes=2, window=1))
>>> docs = sync.services("default").documents
>>> doc = docs.create(unique_name="d")             # write 1 of 2 in this second
>>> _ = docs("d").update(data={"n": 1})            # write 2
>>> try:
...     docs("d").update(data={"n": 2})
... except SyncError as error:
...     print(error.status, error.code)
429 54009
>>> _ = clock.advance(1)                           # the window moves on: two slots free
>>> docs("d").update(data={"n": 2}).revision
'2'
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections import deque
from typing import TYPE_CHECKING, Any, Final

import attrs

from .errors import OBJECT_RATE_LIMITED
from .payload import data_size

if TYPE_CHECKING:
    from .events import Change
    from .rows import ObjectRow

__all__ = ["RateLimiter", "RateLimits"]

#: The classes of operation, and the field of :class:`RateLimits` giving each one's rate.
WRITE: Final = "writes"
LARGE: Final = "large_writes"
READ: Final = "reads"
MESSAGE: Final = "stream_messages"
#: What each class is called in a refusal's detail.
_NAMES: Final = {
    WRITE: "writes",
    LARGE: "writes of a large payload",
    READ: "reads",
    MESSAGE: "stream messages",
}


#: The most any figure of :class:`RateLimits` may be (a rate a second, a window in
#: seconds, a size in bytes): far above any limit, and what a window's count can hold.
_MOST: Final = 10**9


def _positive(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 < value <= _MOST  # also NaN, infinity, and ints too large for a float
    ):
        big = isinstance(value, int) and value.bit_length() > 64  # str() may refuse it
        shown = f"an int of {value.bit_length()} bits" if big else repr(value)
        raise ValueError(f"{attribute.name} must be a positive number up to {_MOST:,}, got {shown}")


@attrs.frozen(kw_only=True)
class RateLimits:
    """The rates a Sync enforces, each per object and per second, over a burst window.

    Twilio's published numbers by default; any may be changed (lowered, to reach a
    limit with few requests). Each rate times the window must allow one operation.

    >>> RateLimits().writes, RateLimits().window
    (20, 10)
    >>> RateLimits(reads=0)
    Traceback (most recent call last):
    ...
    ValueError: reads must be a positive number up to 1,000,000,000, got 0
    """

    #: Writes per second to one Document, Map or List (items count toward it).
    writes: float = attrs.field(default=20, validator=_positive)
    #: Writes per second of a payload of ``large_payload_bytes`` or more.
    large_writes: float = attrs.field(default=2, validator=_positive)
    #: What makes a payload large: its compact JSON's UTF-8 bytes.
    large_payload_bytes: int = attrs.field(default=10 * 1024, validator=_positive)
    #: Reads per second of one object (fetches, pages of its items).
    reads: float = attrs.field(default=20, validator=_positive)
    #: Messages per second published to one Stream.
    stream_messages: float = attrs.field(default=30, validator=_positive)
    #: The burst window, in seconds.
    window: float = attrs.field(default=10, validator=_positive)

    def __attrs_post_init__(self) -> None:
        if round(self.window * 1_000_000) < 1:  # the windows are counted in microseconds
            raise ValueError(f"window must be one microsecond or more, got {self.window}")
        for name in (WRITE, LARGE, READ, MESSAGE):
            if self.allowed(name) < 1:
                raise ValueError(
                    f"{name} x window must allow one operation, got "
                    f"{getattr(self, name)} x {self.window}"
                )

    def allowed(self, kind: str) -> int:
        """How many operations of ``kind`` one object accepts in one window."""
        return int(getattr(self, kind) * self.window + 1e-9)


#: One operation to count: its class, the object's service and SID, and what a refusal
#: names (``write-map-<unique name or SID>``).
Touch = tuple[str, str, str, str]

#: The verb of each class in a refusal's message.
_VERBS: Final = {WRITE: "write", LARGE: "write", READ: "read", MESSAGE: "write"}


def _touch(kind: str, row: ObjectRow) -> Touch:
    name = f"{_VERBS[kind]}-{row.kind}-{row.unique_name or row.sid}"
    return (kind, row.service_sid, row.sid, name)


class RateLimiter:
    """The windows of one Sync: what each object accepted in the last burst window.

    Used under the engine's lock. Memory: one entry per operation in the window.
    """

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._window_us = round(limits.window * 1_000_000)
        self._allowed = {kind: limits.allowed(kind) for kind in _NAMES}
        self._windows: dict[Touch, deque[int]] = {}
        self._admitted = 0
        # When the last admit counted its operations (take_back uncounts those).
        self._last_us = 0

    def read(self, touches: list[Touch], row: ObjectRow) -> None:
        """Note a read of ``row`` by the operation under way."""
        touches.append(_touch(READ, row))

    def wrote(self, touches: list[Touch], change: Change) -> None:
        """Note the write (or stream message) that ``change`` announces."""
        row = change.row
        if change.type == "stream_message_published":
            touches.append(_touch(MESSAGE, row))
            return
        touches.append(_touch(WRITE, row))
        data = change.data
        if data is not None and data_size(data) >= self.limits.large_payload_bytes:
            touches.append(_touch(LARGE, row))

    def wrote_row(self, touches: list[Touch], row: ObjectRow) -> None:
        """Note a write to ``row`` that announces nothing (a container's TTL update)."""
        touches.append(_touch(WRITE, row))

    def admit(self, now_us: int, touches: list[Touch]) -> None:
        """Count ``touches`` at ``now_us`` if every one fits its window; else refuse all.

        Raises:
            RateLimitedError: 429/54009; nothing is counted.
        """
        needed: dict[Touch, int] = {}
        for touch in touches:
            needed[touch] = needed.get(touch, 0) + 1
        floor = now_us - self._window_us
        for touch, count in needed.items():
            window = self._windows.get(touch)
            if window is None:
                window = self._windows[touch] = deque()
            while window and window[0] <= floor:
                window.popleft()
            # Those in (now - window, now] count. A window is kept in order; after the
            # clock went back (an NTP step of a clock of your own) its last ones may be
            # dated after now: not counted now, and counted once now reaches them.
            counted = (
                len(window) if not window or window[-1] <= now_us else bisect_right(window, now_us)
            )
            allowed = self._allowed[touch[0]]
            if counted + count > allowed:
                kind, _, sid, name = touch
                raise OBJECT_RATE_LIMITED.error(
                    name,
                    f"{allowed} {_NAMES[kind]} of {sid} in the last {self.limits.window:g} s "
                    f"already ({getattr(self.limits, kind):g}/s, burst window "
                    f"{self.limits.window:g} s); the next slot frees at "
                    f"{(window[0] + self._window_us) / 1e6:.6f} (epoch seconds)"
                    if counted
                    else f"{_NAMES[kind]} of {sid}: {count} at once, more than {allowed}",
                )
        for touch, count in needed.items():
            window = self._windows[touch]
            if not window or window[-1] <= now_us:
                window.extend([now_us] * count)
            else:  # (after a clock that went back: in order)
                for _ in range(count):
                    insort(window, now_us)
        self._last_us = now_us
        self._admitted += 1
        if self._admitted % 1024 == 0:
            self._forget(floor)

    def take_back(self, touches: list[Touch]) -> None:
        """Uncount ``touches``, the last admitted (:meth:`admit`, under the same lock):
        their operation did not commit after all (its storage's commit failed)."""
        for touch in touches:
            window = self._windows.get(touch)
            if window:
                if window[-1] == self._last_us:
                    window.pop()
                else:  # (a clock that went back: it is among later ones)
                    window.remove(self._last_us)

    def _forget(self, floor: int) -> None:
        """Drop the windows whose every operation has left (objects no longer used)."""
        for touch in [
            t for t, window in self._windows.items() if not window or window[-1] <= floor
        ]:
            del self._windows[touch]

    def clear(self) -> None:
        """Forget every window (a reset, a restore: a fresh start)."""
        self._windows.clear()

    def __repr__(self) -> str:
        return f"<RateLimiter {self.limits!r}, {len(self._windows)} windows>"
