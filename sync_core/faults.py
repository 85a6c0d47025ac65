"""Injected faults: the requests you choose fail the way you choose, deterministically.

``sync.faults.inject(...)`` makes the calls it selects fail with a status and Twilio
code (429, 500, 503...) or time out, before they do anything: a faulted call changes
nothing and sends no event. Through the twilio SDK the app sees what it would see from
Twilio: a ``TwilioRestException`` with that status and code, or the HTTP library's own
timeout (``requests.exceptions.ReadTimeout``; ``TimeoutError`` for the async client).
The request journal marks each faulted request (``entry.fault``).

Selectors (all given ones must match): ``operation`` (``create``, ``fetch``,
``update``, ``delete``, ``list``, ``subscribe``), ``kind`` (``service``, ``document``,
``map``, ``list``, ``stream``, ``map_item``, ``list_item``, ``stream_message``,
``document_permission``, ``map_permission``, ``list_permission``), ``object`` (the
Document, Map, List or Stream as addressed, or by either of its SID and unique name),
``identity``, and ``where`` (any predicate of the :class:`Call`). Schedules: let the
first ``skip`` matching calls through, then fault every ``every``-th of the others,
``times`` times at most (None: no end), each with ``probability`` drawn from a
generator seeded with ``seed`` (reproducible).

>>> from sync_core import Sync, SyncError
>>> sync = Sync(seed=1)
>>> docs = sync.services("default").documents
>>> fault = sync.faults.inject(status=503, operation="update", kind="document", skip=2, times=1)
>>> doc = docs.create(unique_name="d")
>>> for n in range(4):
...     try:
...         print(docs("d").update(data={"n": n}).revision)
...     except SyncError as error:
...         print(error.status, error.code, error.message)
1
2
503 20503 Service unavailable
3
>>> fault.injected, fault.matched  # removed once its one time was spent
(1, 3)
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from . import errors
from .actor import SYSTEM
from .errors import (
    INTERNAL_ERROR,
    RATE_LIMITED,
    SERVICE_UNAVAILABLE,
    ErrorSpec,
    SyncError,
)
from .params import check_int
from .sids import is_sid

if TYPE_CHECKING:
    from .store import Store

__all__ = ["Call", "Fault", "FaultTimeout", "Faults", "aliases", "describe"]

#: The operations a call can be.
OPERATIONS: Final = frozenset({"create", "fetch", "update", "delete", "list", "subscribe"})
#: The kinds of resource a call can be about.
KINDS: Final = frozenset(
    {
        "service",
        "document",
        "map",
        "list",
        "stream",
        "map_item",
        "list_item",
        "stream_message",
        "document_permission",
        "map_permission",
        "list_permission",
    }
)
#: Twilio's error for a status when the fault names no code.
_DEFAULTS: Final[dict[int, ErrorSpec]] = {
    429: RATE_LIMITED,
    500: INTERNAL_ERROR,
    503: SERVICE_UNAVAILABLE,
}
#: The class of an injected error, by its status: one subclass per kind, as the errors
#: sync_core raises itself (docs/errors.md); another status is a plain SyncError.
_CLASSES: Final[dict[int, type[SyncError]]] = {
    kind.default_status: kind
    for kind in SyncError.__subclasses__()
    if kind.__module__ == errors.__name__  # sync_core's own, not an app's subclass
}
#: Twilio's text for each code of sync_core's catalog whose text needs no value (the
#: first, where codes share a text).
_TEXTS: Final[dict[int, str]] = {}
for _spec in vars(errors).values():
    if isinstance(_spec, ErrorSpec) and "{" not in _spec.template:
        _TEXTS.setdefault(_spec.code, _spec.template)


def _default_message(status: int, code: int) -> str:
    """Twilio's text for ``code``: the catalog's; for Twilio's generic code of a status
    (20000 + status), the status's own phrase (``Too Many Requests``); else one that
    says the error was injected.

    >>> _default_message(429, 54009), _default_message(429, 20429), _default_message(418, 7)
    ('Rate limit exceeded', 'Too Many Requests', 'Injected fault')
    """
    text = _TEXTS.get(code)
    if text is not None:
        return text
    if code == 20_000 + status:
        try:
            return HTTPStatus(status).phrase
        except ValueError:  # a status the standard names not
            pass
    return "Injected fault"


class Call(NamedTuple):
    """One call into a Sync, as a fault sees it (and its ``where`` predicate)."""

    #: ``create``, ``fetch``, ``update``, ``delete``, ``list`` or ``subscribe``.
    operation: str
    #: What it is about: ``document``, ``map_item``, ``service``... (module docstring).
    kind: str
    #: The Service as addressed (a SID or ``default``); None for the list of Services.
    service: str | None
    #: The Document, Map, List or Stream as addressed (SID or unique name), if any.
    object: str | None
    #: An item's key or index, a permission's identity, as addressed, if any.
    key: str | int | None
    #: Who acts: ``system`` (the REST API, the SDK), or a client identity.
    identity: str


def describe(operation: str, resource: Any) -> Call:
    """The :class:`Call` of ``operation`` on ``resource`` (a list or context of the tree).

    Read from the attributes every resource of the tree keeps: its actor (Service and
    identity), its kind (``_spec``), the object and the item as addressed.
    """
    actor = getattr(resource, "_actor", None)
    kind = getattr(resource, "_fault_kind", None)
    spec = getattr(resource, "_spec", None)
    if kind is None and spec is not None:
        owner = getattr(spec, "owner", None)  # a permission kind names its object's kind
        kind = f"{owner.kind}_permission" if owner is not None else spec.kind
    key = getattr(resource, "_place", None)
    if key is None:
        key = getattr(resource, "identity", None) if kind and kind.endswith("_permission") else None
    elif kind == "list_item" and isinstance(key, str):  # an index from a URL: as a number
        index = check_int(key)
        key = key if index is None else index
    target = getattr(resource, "_ident", None)
    if target is None:
        target = getattr(resource, "_fault_object", None)
    return Call(
        operation,
        kind or "service",
        None if actor is None else actor.service,
        target if isinstance(target, str) else None,
        key,
        SYSTEM if actor is None else actor.identity,
    )


def aliases(store: Store, call: Call) -> tuple[str, ...]:
    """The SID and unique name of the object ``call`` addresses, if it exists now."""
    if not isinstance(call.service, str) or not isinstance(call.object, str):
        return ()
    service = (
        store.service(call.service)
        if is_sid(call.service, "IS")
        else store.service_named(call.service)
    )
    if service is None:
        return ()
    kind = call.kind.split("_")[0]  # map_item -> map, document_permission -> document...
    row = store.object_by_sid(service.sid, call.object) or store.object_named(
        service.sid, kind, call.object
    )
    if row is None:
        return ()
    return (row.sid,) if row.unique_name is None else (row.sid, row.unique_name)


class FaultTimeout(TimeoutError):
    """An injected timeout: the request never got an answer (it changed nothing).

    The twilio SDK's clients (:mod:`sync_core.adapters.twilio`) raise what their HTTP
    library raises instead: ``requests.exceptions.ReadTimeout``, or this (a
    ``TimeoutError``, which ``asyncio.TimeoutError`` is) for the async client.
    """

    def __init__(self, fault: Fault, call: Call) -> None:
        super().__init__(f"injected timeout ({fault.name}) on {call.operation} of {call.kind}")
        self.fault = fault
        self.call = call


def _check_choice(name: str, value: str | None, choices: frozenset[str]) -> None:
    if value is not None and value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(sorted(choices))}; got {value!r}")


class Fault:
    """One injection rule: which calls, how they fail, when. Made by :meth:`Faults.inject`."""

    def __init__(
        self,
        owner: Faults,
        *,
        status: int,
        code: int | None,
        message: str | None,
        timeout: bool,
        operation: str | None,
        kind: str | None,
        object: str | None,
        identity: str | None,
        where: Callable[[Call], bool] | None,
        skip: int,
        every: int,
        times: int | None,
        probability: float,
        seed: int | str | None,
        name: str | None,
    ) -> None:
        if not isinstance(timeout, bool):
            raise TypeError(f"timeout must be True or False, got {timeout!r}")
        for label, text in (("object", object), ("identity", identity), ("name", name)):
            if text is not None and not isinstance(text, str):
                raise TypeError(f"{label} must be text or None, got {text!r}")
        _check_choice("operation", operation, OPERATIONS)
        _check_choice("kind", kind, KINDS)
        if not timeout and (
            isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599
        ):
            raise ValueError(f"status must be an HTTP error status (400-599), got {status!r}")
        if code is not None and (isinstance(code, bool) or not isinstance(code, int) or code < 1):
            raise ValueError(f"code must be a positive integer (Twilio's code), got {code!r}")
        if message is not None and not isinstance(message, str):
            raise ValueError(f"message must be text, got {message!r}")
        for label, number, low in (("skip", skip, 0), ("every", every, 1)):
            if isinstance(number, bool) or not isinstance(number, int) or number < low:
                raise ValueError(f"{label} must be an integer of at least {low}, got {number!r}")
        if times is not None and (
            isinstance(times, bool) or not isinstance(times, int) or times < 1
        ):
            raise ValueError(f"times must be a positive integer or None, got {times!r}")
        if not 0 < probability <= 1:
            raise ValueError(f"probability must be above 0 and at most 1, got {probability!r}")
        if where is not None and not callable(where):
            raise TypeError(f"where must be a predicate of a Call, got {where!r}")
        self._owner = owner
        self.status = status
        spec = _DEFAULTS.get(status)
        self.code = code if code is not None else (spec.code if spec else 20000 + status)
        self.message = message or _default_message(status, self.code)
        self.timeout = timeout
        self.operation, self.kind, self.object = operation, kind, object
        self.identity, self.where = identity, where
        self.skip, self.every, self.times, self.probability = skip, every, times, probability
        self._random = random.Random(seed)
        #: How many calls matched its selectors, and how many it made fail.
        self.matched = 0
        self.injected = 0
        what = "timeout" if timeout else f"{status}/{self.code}"
        on = " ".join(filter(None, (operation, kind, object, identity and f"as {identity}")))
        self.name = name or f"{what} on {on or 'any call'}"

    def selects(self, call: Call, aliases: tuple[str, ...]) -> bool:
        """Whether ``call`` matches every selector given (``aliases``: the object's SID
        and unique name, when the call's object exists)."""
        return (
            (self.operation is None or call.operation == self.operation)
            and (self.kind is None or call.kind == self.kind)
            and (self.object is None or self.object == call.object or self.object in aliases)
            and (self.identity is None or call.identity == self.identity)
            and (self.where is None or bool(self.where(call)))
        )

    def fires(self) -> bool:
        """Count one matching call; whether this one fails (the schedule)."""
        self.matched += 1
        eligible = self.matched - self.skip
        if eligible <= 0 or eligible % self.every:
            return False
        if self.times is not None and self.injected >= self.times:
            return False
        if self.probability < 1 and self._random.random() >= self.probability:
            return False
        self.injected += 1
        return True

    def error(self, call: Call) -> SyncError | FaultTimeout:
        """The exception this fault raises for ``call``."""
        if self.timeout:
            return FaultTimeout(self, call)
        kind = _CLASSES.get(self.status, SyncError)
        error = kind(
            self.message,
            code=self.code,
            status=self.status,
            detail=f"injected by the fault {self.name!r}",
        )
        error.fault = self.name
        return error

    @property
    def exhausted(self) -> bool:
        """Whether it will fail no call again (``times`` reached)."""
        return self.times is not None and self.injected >= self.times

    def remove(self) -> None:
        """Stop injecting it."""
        self._owner._remove(self)

    def __enter__(self) -> Fault:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()

    def __repr__(self) -> str:
        return f"<Fault {self.name!r}: {self.injected} injected of {self.matched} matched>"


class Faults:
    """The faults of one Sync: ``sync.faults``. Thread-safe; off (and free) while empty."""

    def __init__(self) -> None:
        self._rules: list[Fault] = []
        self._lock = threading.Lock()
        #: Whether any fault is injected (read on every call: a plain attribute).
        self.active = False

    def inject(
        self,
        status: int = 503,
        *,
        code: int | None = None,
        message: str | None = None,
        timeout: bool = False,
        operation: str | None = None,
        kind: str | None = None,
        object: str | None = None,  # the selector's name in the docs
        identity: str | None = None,
        where: Callable[[Call], bool] | None = None,
        skip: int = 0,
        every: int = 1,
        times: int | None = None,
        probability: float = 1.0,
        seed: int | str | None = None,
        name: str | None = None,
    ) -> Fault:
        """Make the calls selected fail; the :class:`Fault` (``.remove()`` ends it).

        Args:
            status: the HTTP status (429, 500, 503 by default...).
            code: Twilio's code: 54009 for 429, 20500 for 500, 20503 for 503 by
                default, else 20000 + status.
            message: the error's message (Twilio's text for the code by default).
            timeout: fail with a timeout instead of an answer.
            operation, kind, object, identity, where: the selectors (module docstring).
            skip: let this many matching calls through first.
            every: then fault every ``every``-th matching call (1: each).
            times: fault this many calls at most; None: until removed.
            probability: fault a scheduled call with this probability...
            seed: ...drawn from a generator seeded with this.
            name: what the journal and messages call it.

        Raises:
            ValueError: an unknown operation or kind, a bad status or schedule.
        """
        fault = Fault(
            self,
            status=status,
            code=code,
            message=message,
            timeout=timeout,
            operation=operation,
            kind=kind,
            object=object,
            identity=identity,
            where=where,
            skip=skip,
            every=every,
            times=times,
            probability=probability,
            seed=seed,
            name=name,
        )
        with self._lock:
            self._rules.append(fault)
            self.active = True
        return fault

    @property
    def injected(self) -> list[Fault]:
        """The faults still injecting, oldest first (one whose ``times`` are spent, or
        removed, is not)."""
        with self._lock:
            return list(self._rules)

    def _remove(self, fault: Fault) -> None:
        with self._lock:
            if fault in self._rules:
                self._rules.remove(fault)
            self.active = bool(self._rules)

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._rules.clear()
            self.active = False

    def check(self, call: Call, aliases: Callable[[], tuple[str, ...]]) -> None:
        """Raise the error of the first fault that fires on ``call``; each matching
        fault counts the call. ``aliases`` gives the object's SID and unique name.

        Raises:
            SyncError: the fault's status and code.
            FaultTimeout: a timeout fault.
        """
        with self._lock:
            rules = list(self._rules)
        known: tuple[str, ...] | None = None
        fired: Fault | None = None
        for fault in rules:
            if fault.object is not None and known is None:
                known = aliases()
            if not fault.selects(call, known or ()):
                continue
            if fired is None:
                fired = fault if fault.fires() else None
            else:
                fault.matched += 1  # counted, not fired: another fault failed the call
        if fired is not None:
            if fired.exhausted:  # it fails nothing more: checks stop costing anything
                self._remove(fired)
            raise fired.error(call)

    def __repr__(self) -> str:
        return f"<Faults {len(self._rules)} injected>"
