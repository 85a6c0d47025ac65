"""Time as a port: the :class:`Clock` protocol, the real clock and a manual one.

sync_core never reads the wall clock itself. Every operation reads ``now`` once from
the clock it was given, and judges expiry against that one value. Tests use
:class:`ManualClock` and move time by hand; it refuses to go backwards, like
trio's ``MockClock``, because a clock that goes backwards would resurrect expired
objects and make ``date_updated`` run backwards.

>>> clock = ManualClock()
>>> clock.now().isoformat()
'2025-01-01T00:00:00+00:00'
>>> clock.advance(90).isoformat()
'2025-01-01T00:01:30+00:00'
>>> clock.advance(-1)
Traceback (most recent call last):
...
ValueError: ManualClock cannot go backwards (advance by -1 seconds)
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final, Protocol, runtime_checkable

if TYPE_CHECKING:
    from fractions import Fraction

__all__ = ["DEFAULT_START", "Clock", "ManualClock", "SystemClock"]

#: Where a :class:`ManualClock` starts when given no ``start``.
DEFAULT_START: Final = datetime(2025, 1, 1, tzinfo=UTC)


def seconds_shown(amount: float | Fraction) -> str:
    """A number of seconds for a person, however large (a Python int, or a JSON number
    read exactly, has no bound): in refusals of a clock's step or a token's times.

    >>> from fractions import Fraction
    >>> seconds_shown(1.5), seconds_shown(Fraction(3, 2)), seconds_shown(-(10**400))
    ('1.5', '1.5', 'less than -1e308')
    """
    try:
        return f"{float(amount):g}"
    except OverflowError:  # an int, or a fraction, too large for a float
        return "more than 1e308" if amount > 0 else "less than -1e308"


@runtime_checkable
class Clock(Protocol):
    """Anything with a ``now()`` that returns an aware UTC :class:`~datetime.datetime`."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real time, in UTC.

    >>> SystemClock().now().tzinfo
    datetime.timezone.utc
    """

    def now(self) -> datetime:
        """The current wall-clock time, aware, in UTC."""
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


#: Why an advance is refused that would pass the calendar's end.
_PAST_THE_CALENDAR: Final = "advancing by {} seconds would pass the year 9999 (datetime's end)"


def _aware_utc(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (a naive datetime is ambiguous)")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00: past the calendar's end in UTC
        raise ValueError(f"{what} is outside the years 1 to 9999 in UTC: {value!r}") from None


class ManualClock:
    """A clock that moves only when told to, and only forwards.

    Thread-safe: ``advance`` and ``set`` may race with readers.

    >>> from datetime import timedelta
    >>> clock = ManualClock(start=datetime(2030, 5, 1, 12, tzinfo=UTC))
    >>> clock.advance(timedelta(days=1)).date().isoformat()
    '2030-05-02'
    >>> clock.set(datetime(2030, 5, 1, tzinfo=UTC))
    Traceback (most recent call last):
    ...
    ValueError: ManualClock cannot go backwards (from 2030-05-02T12:00:00+00:00 to 2030-05-01T00:00:00+00:00)

    Args:
        start: the first ``now()``, timezone-aware; :data:`DEFAULT_START` if omitted.

    Raises:
        ValueError: ``start`` is naive, or outside the years 1 to 9999 in UTC.
        TypeError: ``start`` is not a datetime.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = DEFAULT_START if start is None else _aware_utc(start, "start")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The clock's current time."""
        return self._now

    def advance(self, delta: float | timedelta) -> datetime:
        """Move the clock forward by ``delta`` (seconds, or a timedelta); return the new now.

        Raises:
            ValueError: ``delta`` is negative, not a finite number, or would take the
                clock past the end of the calendar (year 9999); the clock stays.
            TypeError: ``delta`` is neither a number nor a timedelta.
        """
        if isinstance(delta, timedelta):
            step = delta
            shown = f"{delta.total_seconds():g}"
        elif isinstance(delta, int | float) and not isinstance(delta, bool):
            if delta != delta or delta in (float("inf"), float("-inf")):
                raise ValueError(f"advance takes a finite number of seconds, got {delta!r}")
            shown = seconds_shown(delta)
            if delta < 0:
                raise ValueError(f"ManualClock cannot go backwards (advance by {shown} seconds)")
            try:
                step = timedelta(seconds=delta)
            except OverflowError:
                raise ValueError(_PAST_THE_CALENDAR.format(shown)) from None
        else:
            raise TypeError(f"advance takes seconds or a timedelta, got {type(delta).__name__}")
        if step < timedelta(0):
            raise ValueError(f"ManualClock cannot go backwards (advance by {shown} seconds)")
        with self._lock:
            try:
                self._now = self._now + step
            except OverflowError:
                raise ValueError(_PAST_THE_CALENDAR.format(shown)) from None
            return self._now

    def set(self, when: datetime) -> datetime:
        """Move the clock to ``when``, which must not be before the current time.

        Raises:
            ValueError: ``when`` is naive, earlier than ``now()``, or outside the years 1
                to 9999 in UTC.
            TypeError: ``when`` is not a datetime.
        """
        target = _aware_utc(when, "when")
        with self._lock:
            if target < self._now:
                raise ValueError(
                    "ManualClock cannot go backwards "
                    f"(from {self._now.isoformat()} to {target.isoformat()})"
                )
            self._now = target
            return self._now

    def __repr__(self) -> str:
        return f"ManualClock(start={self._now.isoformat()!r})"
