"""Control routes: a test suite in any language drives the Sync behind a server.

As moto's ``/moto-api/``: a server app built with ``control_prefix="/_sync_core"``
(:func:`sync_core.adapters.wsgi.make_app`, :func:`sync_core.adapters.asgi.make_app`)
answers these, JSON in and out, besides the Sync REST API; without a prefix (the
default) none of them exists, and their paths are the REST API's 404s.

==========  ==============================  ===========================================
method      path (under the prefix)         what it does, and its answer
==========  ==============================  ===========================================
POST        ``/reset``                      ``sync.reset()``: ``{"reset": true}``
GET         ``/clock``                      ``{"now": "<ISO 8601>Z", "manual": bool}``
POST        ``/clock/advance``              ``{"seconds": 90}`` moves a ManualClock,
                                            then removes what expired: ``{"now": ...}``
GET         ``/events``                     the events since the app started,
                                            ``?after=<id>``: only later ones
DELETE      ``/events``                     forget them: ``{"cleared": n}``
GET         ``/journal``                    ``sync.requests``: ``{"requests": [...]}``
DELETE      ``/journal``                    ``sync.journal.clear()``
POST        ``/snapshots``                  ``sync.snapshot()``, kept by the app
                                            (:data:`MAX_SNAPSHOTS` at most, then 409):
                                            201 ``{"id": "1", "taken_at": ...}``
POST        ``/snapshots/<id>/restore``     ``sync.restore(...)``: ``{"restored": id}``
DELETE      ``/snapshots/<id>``             forget it: ``{"deleted": id}``
GET         ``/state``                      ``sync.export_state()``
PUT         ``/state``                      ``sync.import_state(<the body>)``
GET         ``/changes/<service>``          ``sync.changes(<service>, after=, limit=,
                                            wait=)`` (the query's ``after``, ``limit``,
                                            ``wait`` in seconds, at most
                                            :data:`MAX_WAIT`): ``{"changes": [...],
                                            "last": <sequence of the last one, or
                                            after>}``; a long poll with ``wait``
                                            (:data:`MAX_WAITING_POLLS` wait at once;
                                            the others answer at once)
==========  ==============================  ===========================================

Refusals are ``{"status": <status>, "message": "<why>"}`` with that status: 400 (a
malformed body or parameter, an invalid state), 404 (no such route or snapshot), 405
(another method; ``Allow`` says which), 409 (advancing a clock that is not a
:class:`~sync_core.ManualClock`), 410 (changes the feed no longer keeps: the answer adds
``oldest`` and ``latest``, :class:`~sync_core.ChangesGoneError`'s). A refusal changes
nothing.

The events are every event of every Service (``sync.subscribe``), each as
``SyncEvent.to_dict()`` with an ``id``: 1, 2, 3... in delivery order, for this app
(an event's ``sequence`` is its Service's). The app keeps the last
:data:`EVENT_LOG_SIZE`, at most :data:`EVENT_LOG_BYTES` of JSON text. A reset, a
restore and an import through these routes forget those of the state they replaced
(not those of the new state other clients' writes made meanwhile), as the Sync forgets
its journal; ids go on from where they were, so ``?after=`` stays valid.

>>> from sync_core import Sync, ManualClock
>>> control = Control(Sync(clock=ManualClock(), seed=1), "/_sync_core")
>>> control.handle("POST", "/_sync_core/clock/advance", {}, b'{"seconds": 90}').json()
{'now': '2025-01-01T00:01:30Z'}
>>> control.handle("POST", "/_sync_core/clock/advance", {}, b'{"seconds": -1}').json()
{'status': 400, 'message': 'seconds must be a number of seconds, 0 or more, got -1'}
"""

from __future__ import annotations

import contextvars
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from ..bounded import BoundedLog, text_bytes
from ..changes import MAX_LIMIT, ChangesGoneError
from ..clock import ManualClock
from ..errors import SyncError
from ..events import SyncEvent
from ..sync import Sync
from .http import Answer, answer_json

if TYPE_CHECKING:
    from ..snapshots import Snapshot

__all__ = [
    "EVENT_LOG_BYTES",
    "EVENT_LOG_SIZE",
    "MAX_SNAPSHOTS",
    "MAX_WAIT",
    "MAX_WAITING_POLLS",
    "POLL_SLICE",
    "Control",
    "client_gone",
]

logger: Final = logging.getLogger("sync_core.http")

#: How many events the control routes keep (the last ones).
EVENT_LOG_SIZE: Final = 10_000
#: How many bytes of JSON the events kept may take, at most (the oldest go first).
EVENT_LOG_BYTES: Final = 64 * 1_048_576
#: The longest ``wait`` (seconds) a ``GET /changes/<service>`` long poll may ask for.
MAX_WAIT: Final = 60.0
#: How many long polls of one app wait at once; the others answer at once.
MAX_WAITING_POLLS: Final = 2
#: How many snapshots one app keeps at once (``DELETE /snapshots/<id>`` frees one).
MAX_SNAPSHOTS: Final = 100
#: A long poll waits in slices of this many seconds, and asks between two whether its
#: client is still there.
POLL_SLICE: Final = 0.25
#: Set, by the app that answers the request, once its client has gone away (the ASGI
#: app's ``http.disconnect``); None where the server cannot tell (WSGI).
client_gone: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar(
    "sync_core_client_gone", default=None
)

Handler = Callable[["Control", tuple[str, ...], Mapping[str, str], bytes], Answer]


class _Refused(Exception):
    """A control request refused: its status and why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _iso(when: datetime) -> str:
    """A time as ISO 8601 in UTC with ``Z`` (microseconds when there are some)."""
    return when.astimezone(UTC).isoformat().removesuffix("+00:00") + "Z"


#: More seconds than any clock can move (about 300 billion years): refused before any
#: arithmetic, as an int of thousands of digits cannot even become a float.
_MAX_SECONDS: Final = 10**19


def _json_body(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # nested past Python's stack too
        raise _Refused(400, "the body must be JSON (UTF-8)") from None


def check_prefix(prefix: str) -> str:
    """``prefix`` if it can be the control routes' prefix.

    >>> check_prefix("/_sync_core")
    '/_sync_core'
    >>> check_prefix("/v1/control")
    Traceback (most recent call last):
    ...
    ValueError: control_prefix must be a path like '/_sync_core' (a '/', no trailing '/', no '?' or '#', not under /v1), got '/v1/control'
    """
    if not isinstance(prefix, str):
        raise TypeError(f"control_prefix must be a string, got {type(prefix).__name__}")
    if (
        not prefix.startswith("/")
        or prefix.endswith("/")
        or "?" in prefix
        or "#" in prefix
        or "//" in prefix
        or prefix == "/v1"
        or prefix.startswith("/v1/")
    ):
        raise ValueError(
            "control_prefix must be a path like '/_sync_core' (a '/', no trailing '/', "
            f"no '?' or '#', not under /v1), got {prefix!r}"
        )
    return prefix


class Control:
    """The control routes of one app over one Sync, under ``prefix`` (decoded).

    Registers a subscription to the Sync at once (:meth:`close` ends it). Thread-safe.

    Raises:
        ValueError: a ``prefix`` that is not a path outside ``/v1`` (:func:`check_prefix`).
    """

    def __init__(self, sync: Sync, prefix: str) -> None:
        self.sync = sync
        self.prefix = check_prefix(prefix)
        self._lock = threading.Lock()
        # Each event as its JSON text (with its id), and its id: text holds an event's
        # data in about its own size, where its decoded dict may take fifty times more.
        # Each event heard: its number, its JSON text, and the epoch of the state it is
        # of (EventHub.delivering), by which a reset forgets the old state's alone.
        self._events: BoundedLog[tuple[int, str, int]] = BoundedLog(EVENT_LOG_SIZE, EVENT_LOG_BYTES)
        self._last_event = 0
        self._snapshots: dict[str, Snapshot] = {}
        self._taken = 0
        # Snapshots being taken (their places held against MAX_SNAPSHOTS).
        self._taking = 0
        # Taken, without waiting, by a long poll that waits; one that finds none left
        # answers at once (as with ``wait=0``).
        self._waiting = threading.BoundedSemaphore(MAX_WAITING_POLLS)
        self._subscription = sync.subscribe(self._heard)

    def close(self) -> None:
        """End the subscription: no event is recorded any more."""
        self._subscription.unsubscribe()

    def _heard(self, event: SyncEvent) -> None:
        shown = event.to_dict()
        with self._lock:
            self._last_event += 1
            number = self._last_event
            text = _json({"id": number, **shown})
            epoch = self.sync._engine.events.delivering
            self._events.append((number, text, epoch), text_bytes(text))

    def _forget_events(self) -> int:
        with self._lock:
            count = len(self._events)
            self._events.clear()
            return count

    def _forget_replaced(self) -> None:
        """Forget the events of the states replaced so far (a reset, restore or import
        just returned): not those of the new state, which other clients' writes may
        have committed, and delivered, since."""
        now = self.sync._engine.replacements
        with self._lock:
            self._events.drop_while(lambda kept: kept[2] < now)

    def owns(self, path: str) -> bool:
        """Whether the decoded ``path`` is under the prefix."""
        prefix = self.prefix
        return path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/")

    def _route(self, path: str) -> tuple[dict[str, Handler] | None, tuple[str, ...]]:
        """The methods of the control route ``path`` names (None: no route) and its
        arguments (a snapshot's id, a Service)."""
        segments = tuple(path[len(self.prefix) :].split("/")[1:])
        args: tuple[str, ...] = ()
        if len(segments) in (2, 3) and segments[0] == "snapshots" and segments[1]:
            args, segments = (segments[1],), ("snapshots", "{id}", *segments[2:])
        elif len(segments) == 2 and segments[0] == "changes" and segments[1]:
            args, segments = (segments[1],), ("changes", "{service}")
        return _ROUTES.get(segments), args

    def allowed(self, path: str) -> str | None:
        """The methods the control route ``path`` takes, as a 405's ``Allow`` says them;
        None: no route."""
        methods, _ = self._route(path)
        return None if methods is None else ", ".join(sorted(methods))

    def handle(self, method: str, path: str, query: Mapping[str, str], body: bytes) -> Answer:
        """The answer to a control request (``path`` decoded, under the prefix)."""
        methods, args = self._route(path)
        try:
            if methods is None:
                raise _Refused(404, f"no control route {path}")
            handler = methods.get(method.upper())
            if handler is None:
                allowed = ", ".join(sorted(methods))
                return answer_json(
                    405,
                    {"status": 405, "message": f"{path} takes {allowed}, not {method}"},
                    [("Allow", allowed)],
                )
            return handler(self, args, query, body)
        except _Refused as refused:
            return answer_json(
                refused.status, {"status": refused.status, "message": refused.message}
            )
        except ChangesGoneError as gone:
            return answer_json(
                410,
                {
                    "status": 410,
                    "message": str(gone),
                    "reason": gone.reason,
                    "oldest": gone.oldest,
                    "latest": gone.latest,
                },
            )
        except Exception:  # a bug of sync_core: still an answer, and logged
            logger.exception("unexpected failure answering %s %s", method, path)
            return answer_json(500, {"status": 500, "message": "internal error (logged)"})

    # -- the routes

    def reset(self, args: tuple[str, ...], query: Mapping[str, str], body: bytes) -> Answer:
        try:
            self.sync.reset()
        finally:  # what it replaced, if it did (it may fail after: its error is raised)
            self._forget_replaced()
        return answer_json(200, {"reset": True})

    def clock(self, args: tuple[str, ...], query: Mapping[str, str], body: bytes) -> Answer:
        clock = self.sync.clock
        return answer_json(
            200, {"now": _iso(clock.now()), "manual": isinstance(clock, ManualClock)}
        )

    def advance(self, args: tuple[str, ...], query: Mapping[str, str], body: bytes) -> Answer:
        clock = self.sync.clock
        if not isinstance(clock, ManualClock):
            raise _Refused(
                409, f"the Sync's clock is {clock!r}, not a ManualClock: it cannot be advanced"
            )
        given = _json_body(body)
        seconds = given.get("seconds") if isinstance(given, dict) else None
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or (isinstance(seconds, int) and seconds > _MAX_SECONDS)  # no float holds it
            or not math.isfinite(seconds)
            or seconds < 0
        ):
            raise _Refused(400, f"seconds must be a number of seconds, 0 or more, got {seconds!r}")
        try:
            now = clock.advance(seconds)
        except (OverflowError, ValueError):  # past the calendar's end (year 9999)
            raise _Refused(400, f"seconds {seconds!r} takes the clock past year 9999") from None
        self.sync.expire()  # what expired by then is removed now, and announced
        return answer_json(200, {"now": _iso(now)})

    def events(self, args: tuple[str, ...], query: Mapping[str, str], body: bytes) -> Answer:
        after = query.get("after", "0")
        if not after.isascii() or not after.isdigit() or len(after) > 18:
            raise _Refused(400, f"after must be an event id (0 or more), got {after[:40]!r}")
        since = int(after)
        with self._lock:
            shown = [text for number, text, _ in self._events if number > since]
            last = self._last_event
        # The events' JSON as kept, spliced: never decoded and encoded again.
        return _answer_text(f'{{"events": [{", ".join(shown)}], "last_id": {last}}}')

    def clear_events(self, args: tuple[str, ...], query: Mapping[str, str], body: bytes) -> Answer:
        return answer_json(200, {"cleared": self._forget_events()})

    def journal(self, args: tuple[str, ...], query: Mapping[str, str], body: bytes) -> Answer:
        requests = [
            {
                "method": entry.method,
                "url": entry.url,
                "path": entry.path,
                "query": dict(entry.query),
                "form": dict(entry.form),
                "status": entry.status,
                "code": entry.code,
                "fault": entry.fault,
            }
            for entry in self.sync.requests
        ]
        return answer_json(200, {"requests": requests})

    def clear_journal(self, args: tuple[str, ...], query: Mapping[str, str], body: bytes) -> Answer:
        count = len(self.sync.journal)
        self.sync.journal.clear()
        return answer_json(200, {"cleared": count})

    def snapshot(self, args: tuple[str, ...], query: Mapping[str, str], body: bytes) -> Answer:
        with self._lock:  # a place is held while the snapshot is taken (not under this lock)
            if len(self._snapshots) + self._taking >= MAX_SNAPSHOTS:
                raise _Refused(
                    409,
                    f"{MAX_SNAPSHOTS} snapshots are kept already: DELETE "
                    f"{self.prefix}/snapshots/<id> one first",
                )
            self._taking += 1
        try:
            snapshot = self.sync.snapshot()
            with self._lock:
                self._taken += 1
                name = str(self._taken)
                self._snapshots[name] = snapshot
        finally:
            with self._lock:
                self._taking -= 1
        return answer_json(201, {"id": name, "taken_at": _iso(snapshot.taken_at)})

    def _snapshot(self, name: str) -> Snapshot:
        with self._lock:
            found = self._snapshots.get(name)
        if found is None:
            raise _Refused(404, f"no snapshot {name!r} (POST {self.prefix}/snapshots takes one)")
        return found

    def restore(self, args: tuple[str, ...], query: Mapping[str, str], body: bytes) -> Answer:
        snapshot = self._snapshot(args[0])
        try:
            self.sync.restore(snapshot)
        finally:
            self._forget_replaced()
        return answer_json(200, {"restored": args[0]})

    def forget(self, args: tuple[str, ...], query: Mapping[str, str], body: bytes) -> Answer:
        self._snapshot(args[0])
        with self._lock:
            self._snapshots.pop(args[0], None)
        return answer_json(200, {"deleted": args[0]})

    def export(self, args: tuple[str, ...], query: Mapping[str, str], body: bytes) -> Answer:
        return answer_json(200, self.sync.export_state())

    def import_(self, args: tuple[str, ...], query: Mapping[str, str], body: bytes) -> Answer:
        from ..state import StateFormatError

        data = _json_body(body)
        try:
            self.sync.import_state(data)
        except StateFormatError as error:
            raise _Refused(400, f"not a valid state: {error}") from None
        finally:
            self._forget_replaced()
        return answer_json(200, {"imported": True})

    def changes(self, args: tuple[str, ...], query: Mapping[str, str], body: bytes) -> Answer:
        after = _count_param(query, "after", "0", 2**62)
        limit = _count_param(query, "limit", "100", MAX_LIMIT)
        wait_text = query.get("wait", "0")
        try:
            wait = float(wait_text) if len(wait_text) <= 20 else math.nan
        except ValueError:
            wait = math.nan
        if not 0 <= wait <= MAX_WAIT:
            raise _Refused(400, f"wait must be 0 to {MAX_WAIT:g} seconds, got {wait_text[:40]!r}")
        if limit < 1:
            raise _Refused(400, f"limit must be 1 to {MAX_LIMIT}, got {limit}")
        try:
            args[0].encode("utf-8")
        except UnicodeEncodeError:  # no Service is named so (names are text)
            raise _Refused(404, f"no Service {args[0]!a}") from None
        # A waiting poll holds a thread of the server: at most MAX_WAITING_POLLS wait
        # at once, the others answer at once, so that polls (from clients that went
        # away meanwhile, too) never hold every thread.
        waits = wait > 0 and self._waiting.acquire(blocking=False)
        try:
            events = self._poll(args[0], after, limit, wait if waits else 0)
        except SyncError as error:
            raise _Refused(error.status, error.message) from None
        finally:
            if waits:
                self._waiting.release()
        last = events[-1].sequence if events else after
        return answer_json(200, {"changes": [event.to_dict() for event in events], "last": last})

    def _poll(self, service: str, after: int, limit: int, wait: float) -> list[SyncEvent]:
        """``sync.changes(...)``, waiting up to ``wait`` seconds in slices of
        :data:`POLL_SLICE`: between two, a poll whose client went away
        (:data:`client_gone`, which the ASGI app sets) ends, and frees its place."""
        deadline = time.monotonic() + wait
        gone = client_gone.get()
        while True:
            left = max(0.0, deadline - time.monotonic())
            events = self.sync.changes(
                service, after=after, limit=limit, wait=min(POLL_SLICE, left)
            )
            if events or left <= POLL_SLICE or (gone is not None and gone.is_set()):
                return events


def _count_param(query: Mapping[str, str], name: str, default: str, most: int) -> int:
    """The query parameter ``name``: digits, at most ``most``; else 400."""
    text = query.get(name, default)
    if not text.isascii() or not text.isdigit() or len(text) > 19 or int(text) > most:
        raise _Refused(400, f"{name} must be a whole number 0 to {most}, got {text[:40]!r}")
    return int(text)


#: The routes by their segments after the prefix (``{id}``: a snapshot's), then method.
_ROUTES: Final[dict[tuple[str, ...], dict[str, Handler]]] = {
    ("reset",): {"POST": Control.reset},
    ("clock",): {"GET": Control.clock},
    ("clock", "advance"): {"POST": Control.advance},
    ("events",): {"GET": Control.events, "DELETE": Control.clear_events},
    ("journal",): {"GET": Control.journal, "DELETE": Control.clear_journal},
    ("snapshots",): {"POST": Control.snapshot},
    ("snapshots", "{id}", "restore"): {"POST": Control.restore},
    ("snapshots", "{id}"): {"DELETE": Control.forget},
    ("state",): {"GET": Control.export, "PUT": Control.import_},
    ("changes", "{service}"): {"GET": Control.changes},
}


def _json(value: object) -> str:
    """``value`` as the JSON text :func:`~sync_core.adapters.http.answer_json` writes."""
    return json.dumps(value, ensure_ascii=False)


def _answer_text(text: str) -> Answer:
    """A 200 answer of JSON ``text`` (a lone surrogate in it: every non-ASCII escaped)."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return answer_json(200, json.loads(text))
    return Answer(
        200, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))], data
    )
