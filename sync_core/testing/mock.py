"""``mock_twilio``: every twilio ``Client`` of the process answered by sync_core, for Sync.

Real apps build their own ``twilio.rest.Client`` (at import time, in a factory, in a
task). Inside ``mock_twilio()``, every one of them, built before or after entry, on the
SDK's own HTTP client (``TwilioHttpClient``), its async one (``AsyncTwilioHttpClient``)
or its signing one (``ValidationClient``), is answered in-process by a
:class:`~sync_core.Sync`: the one given, or a fresh one on a
:class:`~sync_core.ManualClock`.

>>> from twilio.rest import Client
>>> from sync_core.testing import mock_twilio
>>> with mock_twilio() as sync:
...     client = Client()   # from TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, set for you
...     doc = client.sync.v1.services("default").documents.create(unique_name="prefs")
...     sync.services("default").documents("prefs").fetch().sid == doc.sid
True

What it does, exactly:

- **Sync only, clearly.** A request for Sync's host (``sync.twilio.com`` and its
  regional ``sync.<edge>.<region>.twilio.com`` forms) is answered; a request for any
  other Twilio product is never answered as Sync: it raises
  :class:`~sync_core.adapters.twilio.NotEmulatedError`, naming the product and the URL,
  unless ``fallback`` (a twilio ``HttpClient``, or any callable taking the arguments of
  its ``request``) answers it. A ``TwilioHttpClient`` given as the fallback really sends
  those (so ``responses`` or another fake can catch them); its own Sync requests are
  still answered here.
- **Never the network**: the SDK's HTTP clients are patched at the class, so no request
  of the twilio SDK leaves the process, whatever it asks for (but through a fallback).
- **The environment**: ``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN`` are set to test
  values when absent (the Sync's account SID, and a test token); ``TWILIO_REGION`` and
  ``TWILIO_EDGE`` only change the host, which is still answered here. All is restored
  when the last active block ends (the first one's values), also when it raises.
- **Nesting** is a stack: the innermost block answers, and the outer one again once it
  ends. **Threads**: the patch is process-wide, like moto's ``mock_aws``: while a block
  is active, every thread's clients are answered by it. Enter and leave blocks from one
  thread at a time (a test's thread).
- **The journal**: ``sync.requests`` lists every request answered, in order.

As a decorator it wraps a function, a coroutine function, a generator (a yield fixture:
from its setup to its teardown), or a test class (each of its ``test*`` methods; for a
``unittest.TestCase``, each test's whole ``run``, ``setUp`` to the cleanups); a
Hypothesis test's each example. The pytest fixture ``mock_twilio`` (in
:mod:`sync_core.testing.plugin`) does the same for one test and yields the ``Sync``.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import os
import threading
import unittest
from collections.abc import Callable
from types import TracebackType
from typing import Any, Final, TypeVar, overload

from ..clock import ManualClock
from ..sids import DEFAULT_AUTH_TOKEN
from ..sync import Sync
from .transports import hooked, response_hooks, retried, retried_async, signed

__all__ = ["TEST_AUTH_TOKEN", "MockTwilio", "current_sync", "mock_twilio"]

#: The default auth token (``Sync.auth_token``), set in ``TWILIO_AUTH_TOKEN`` when the
#: environment has none.
TEST_AUTH_TOKEN: Final = DEFAULT_AUTH_TOKEN

F = TypeVar("F", bound=Callable[..., Any])

_lock = threading.RLock()
#: The active blocks, innermost last; the SDK's clients are patched while any is.
_stack: list[MockTwilio] = []
#: The block entered last in this context (an asyncio task's own, or a thread's): two
#: coroutines run under ``@mock_twilio`` at once, on one loop, each get their own Sync.
#: Unset (a thread started inside a block), the innermost block of the process answers.
_current: contextvars.ContextVar[MockTwilio | None] = contextvars.ContextVar(
    "sync_core_mock_twilio", default=None
)
#: The ``Content-Type``s twilio's ``TwilioHttpClient`` sends a body of as JSON.
_JSON_TYPES: Final = ("application/json", "application/scim+json")
#: ``TWILIO_*`` as the first of the active blocks found them (None: unset), put back
#: when the last one ends: blocks that end in another order than they began (two
#: coroutines at once), or a block entered again, leave the environment as it was.
_saved_environment: list[tuple[str, str | None]] = []
#: Set on a wrapper ``@mock_twilio`` made (naming it): a class decorator leaves a test
#: method that has a block of its own as it is.
_MOCKED: Final = "__sync_core_mock_twilio__"
#: Set on a wrapper a class decorator made (naming it): a decorated subclass wraps the
#: function it wraps in its own block instead (an inherited test runs in one block).
_BY_CLASS: Final = "__sync_core_mock_twilio_class__"
#: Set on a Hypothesis test's inner test that runs each example in a block.
_EXAMPLES: Final = "__sync_core_mock_twilio_examples__"
#: The block each Hypothesis example of the test running in this context gets a fresh
#: one like (a decorated test's, a decorated class's): see ``_examples_in_blocks``.
_per_example: contextvars.ContextVar[MockTwilio | None] = contextvars.ContextVar(
    "sync_core_mock_twilio_examples", default=None
)
#: The SDK clients' own ``request`` methods, while they are patched.
_originals: dict[type, Callable[..., Any]] = {}
#: The ``id`` of each active block's fallback (with how many blocks have it): one of
#: the SDK's clients given as a fallback sends with twilio's own ``request``, whatever
#: calls it (its class's own ``request``, or a subclass's that calls it).
_sending: dict[int, int] = {}


def current_sync() -> Sync:
    """The Sync of the innermost active ``mock_twilio`` block: the one entered last in
    this context (this asyncio task's, this thread's) if it is active, else the
    innermost of the process.

    Raises:
        RuntimeError: no block is active.
    """
    with _lock:
        if not _stack:
            raise RuntimeError("no mock_twilio() is active")
        mine = _current.get()
        return (mine if mine is not None and mine in _stack else _stack[-1]).sync


@overload
def mock_twilio(sync: Sync | None = None, *, fallback: Any | None = None) -> MockTwilio: ...


@overload
def mock_twilio(sync: F, *, fallback: Any | None = None) -> F: ...


def mock_twilio(sync: Any = None, *, fallback: Any | None = None) -> Any:
    """Answer every twilio ``Client`` of the process with a Sync, for Sync only.

    Use as ``with mock_twilio() as sync:``, or as a decorator (``@mock_twilio`` or
    ``@mock_twilio(...)``) on a function, a coroutine function or a test class.

    Args:
        sync: the Sync that answers; a fresh one on a :class:`~sync_core.ManualClock`
            (one per decorated call) when not given.
        fallback: what answers requests for the other Twilio products: a twilio
            ``HttpClient`` or a callable taking its ``request`` arguments.
    """
    if sync is None or isinstance(sync, Sync):
        return MockTwilio(sync, fallback=fallback)
    return MockTwilio(None, fallback=fallback)(sync)  # @mock_twilio, bare


class MockTwilio:
    """One ``mock_twilio`` block: a context manager, and a decorator (see :func:`mock_twilio`)."""

    def __init__(self, sync: Sync | None, *, fallback: Any | None = None) -> None:
        self._given = sync
        self.fallback = fallback
        #: The context variable's tokens of the block's entries still active.
        self._tokens: list[contextvars.Token[MockTwilio | None]] = []
        #: The Sync that answers while the block is active.
        self.sync: Sync = sync if sync is not None else _fresh()

    # -- the context manager ------------------------------------------------------------

    def __enter__(self) -> Sync:
        from ..adapters.twilio import AsyncSyncHttpClient, SyncHttpClient

        self._http = SyncHttpClient(self.sync, fallback=self.fallback)
        self._async_http = AsyncSyncHttpClient(self.sync, fallback=self.fallback)
        with _lock:
            if not _stack:  # the first block: the environment as it was, to put back
                _saved_environment[:] = [(name, os.environ.get(name)) for name in _ENVIRONMENT]
                _patch()
            for name, value in _ENVIRONMENT.items():
                os.environ.setdefault(name, value(self.sync))
            _stack.append(self)
            if self.fallback is not None:
                _sending[id(self.fallback)] = _sending.get(id(self.fallback), 0) + 1
        self._tokens.append(_current.set(self))
        return self.sync

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._tokens:  # (a block entered again while active: one token each time)
            token = self._tokens.pop()
            # Left in another context than its own, or out of order: nothing to reset.
            with contextlib.suppress(ValueError, RuntimeError):
                _current.reset(token)
        with _lock:
            if self in _stack:
                _stack.remove(self)
                if self.fallback is not None:
                    left = _sending.pop(id(self.fallback)) - 1
                    if left:
                        _sending[id(self.fallback)] = left
            if not _stack:  # the last block: the environment as the first found it
                _unpatch()
                for name, value in _saved_environment:
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
                _saved_environment.clear()

    # -- the decorator ------------------------------------------------------------------

    def __call__(self, target: F) -> F:
        """``target`` (a function, coroutine function or test class) run inside a block."""
        return self._decorate(target)

    def _again(self) -> MockTwilio:
        """A block like this one: the Sync given, or a fresh one for each call."""
        return MockTwilio(self._given, fallback=self.fallback)

    def _decorate(self, target: F, *, by_class: bool = False) -> F:
        _warm()
        if inspect.isclass(target):
            return self._decorate_class(target)  # type: ignore[return-value]
        if type(target).__name__ == "FixtureFunctionDefinition" or hasattr(
            target, "_pytestfixturefunction"
        ):
            raise TypeError(
                f"@mock_twilio above @pytest.fixture wraps the fixture's definition, and "
                f"pytest no longer finds {getattr(target, '__name__', target)!r}: put it "
                "below (on a yield fixture, the block lasts from its setup to its teardown)"
            )
        hypothesis: Any = getattr(target, "hypothesis", None)
        if getattr(hypothesis, "inner_test", None) is not None and not by_class:
            # A Hypothesis test (@given below): a block like this one for each example,
            # as each example is a run. The test itself is returned: what @settings or
            # @example above this decorator set on it, it reads.
            hypothesis.inner_test = _each_example(hypothesis.inner_test, self)
            return _marked(target, False)  # type: ignore[return-value]
        if _examples_in_blocks(target):
            # A decorated class's Hypothesis test (an undecorated base's, inherited, is
            # shared: its inner test reads the block from _per_example, set here).

            @functools.wraps(target)
            def run_examples(*args: Any, **kwargs: Any) -> Any:
                token = _per_example.set(self)
                try:
                    return target(*args, **kwargs)
                finally:
                    _per_example.reset(token)

            return _marked(run_examples, by_class)  # type: ignore[return-value]
        if inspect.isgeneratorfunction(target):
            # A yield fixture, a generator: the block lasts as long as it runs (from the
            # fixture's setup to its teardown), not only while it is made.

            @functools.wraps(target)
            def run_generator(*args: Any, **kwargs: Any) -> Any:
                with self._again():
                    return (yield from target(*args, **kwargs))

            return _marked(run_generator, by_class)  # type: ignore[return-value]
        if inspect.isasyncgenfunction(target):

            @functools.wraps(target)
            async def run_async_generator(*args: Any, **kwargs: Any) -> Any:
                with self._again():
                    generator = target(*args, **kwargs)
                    try:
                        value = await generator.__anext__()
                        while True:
                            try:
                                sent = yield value
                            except GeneratorExit:
                                await generator.aclose()
                                raise
                            except BaseException as thrown:  # handed on
                                value = await generator.athrow(thrown)
                            else:
                                value = await generator.asend(sent)
                    except StopAsyncIteration:
                        return

            return _marked(run_async_generator, by_class)  # type: ignore[return-value]
        if inspect.iscoroutinefunction(target):

            @functools.wraps(target)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self._again():
                    return await target(*args, **kwargs)

            return _marked(run_async, by_class)  # type: ignore[return-value]

        @functools.wraps(target)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self._again():
                return target(*args, **kwargs)

        return _marked(run, by_class)  # type: ignore[return-value]

    def _decorate_class(self, cls: type) -> type:
        if issubclass(cls, unittest.TestCase):
            # run() makes a test's whole run: setUp (a subclass's own, before and after
            # its super().setUp()), the test, tearDown and the cleanups; in one block a
            # test. A decorated base's run, inherited: its own, in this class's block
            # alone.
            run_test = _by_class(cls.run) or cls.run

            def run(case: unittest.TestCase, result: Any = None) -> Any:  # unittest's name
                with self._again():
                    return run_test(case, result)

            run.__wrapped__ = run_test  # type: ignore[attr-defined]
            cls.run = _marked(run, True)  # type: ignore[method-assign]
            debug_test = _by_class(cls.debug) or cls.debug  # run without a result

            def debug(case: unittest.TestCase) -> None:  # unittest's name
                with self._again():
                    debug_test(case)

            debug.__wrapped__ = debug_test  # type: ignore[attr-defined]
            cls.debug = _marked(debug, True)  # type: ignore[method-assign]
            return cls
        # Each test* method, inherited ones too (a mixin's, a base class's), as pytest
        # collects them; a static or class method stays one. A method with a block of
        # its own (@mock_twilio on it) keeps it, and any decorator above it; one a
        # decorated base class wrapped runs in this class's block instead.
        own = vars(cls)
        for name in dir(cls):
            if not name.startswith("test"):
                continue
            member = inspect.getattr_static(cls, name)
            kind = type(member) if isinstance(member, staticmethod | classmethod) else None
            function = member.__func__ if kind is not None else member
            if not inspect.isfunction(function):
                continue
            unwrapped = None if name in own else _by_class(function)
            if unwrapped is not None:
                function = unwrapped
            elif getattr(function, _MOCKED, None) is not None:
                continue  # in a block of its own already
            wrapped = self._decorate(function, by_class=True)
            setattr(cls, name, wrapped if kind is None else kind(wrapped))
        return cls

    def __repr__(self) -> str:
        return f"<MockTwilio {self.sync!r}>"


def _marked(function: Callable[..., Any], by_class: bool) -> Callable[..., Any]:
    """``function`` (a wrapper ``@mock_twilio`` made) marked as one: ``_MOCKED`` names
    it (``functools.wraps`` copies the mark onto a decorator above it, naming this one),
    and ``_BY_CLASS`` too when a class decorator made it."""
    setattr(function, _MOCKED, function)
    if by_class:
        setattr(function, _BY_CLASS, function)
    return function


def _by_class(function: object) -> Callable[..., Any] | None:
    """What ``function`` wraps, if it is itself a wrapper a class decorator made."""
    if getattr(function, _BY_CLASS, None) is not function:
        return None
    wrapped: Callable[..., Any] | None = getattr(function, "__wrapped__", None)
    return wrapped


def _examples_in_blocks(test: object) -> bool:
    """Whether ``test`` is a Hypothesis test; if so, its inner test (Hypothesis' hook:
    what runs each example) runs each example in a block like the one
    :data:`_per_example` names, when it names one (given once, and inert otherwise: an
    undecorated base class's test, inherited by a decorated class, is shared)."""
    hypothesis: Any = getattr(test, "hypothesis", None)
    inner = getattr(hypothesis, "inner_test", None)
    if inner is None:
        return False
    if getattr(inner, _EXAMPLES, None) is None:
        each = _each_example(inner, None)
        setattr(each, _EXAMPLES, True)
        hypothesis.inner_test = each
    return True


def _each_example(inner: Callable[..., Any], block: MockTwilio | None) -> Callable[..., Any]:
    """``inner`` (a Hypothesis test's inner test: one example) run in a fresh block like
    ``block``, or like the one :data:`_per_example` names (None: none, run as it is)."""
    if inspect.iscoroutinefunction(inner):

        @functools.wraps(inner)
        async def each_async(*args: Any, **kwargs: Any) -> Any:
            like = block if block is not None else _per_example.get()
            if like is None:
                return await inner(*args, **kwargs)
            with like._again():
                return await inner(*args, **kwargs)

        return each_async

    @functools.wraps(inner)
    def each_sync(*args: Any, **kwargs: Any) -> Any:
        like = block if block is not None else _per_example.get()
        if like is None:
            return inner(*args, **kwargs)
        with like._again():
            return inner(*args, **kwargs)

    return each_sync


def _warm() -> None:
    """Import the SDK's clients now, when a test is decorated (its module collected),
    not in its first block: twilio's async client loads aiohttp (a fifth of a second),
    which would count in the first run of a test (a Hypothesis deadline, say)."""
    with contextlib.suppress(ImportError):  # no twilio: the block says so when entered
        _client_classes()


def _fresh() -> Sync:
    return Sync(clock=ManualClock())


#: What is set in the environment when absent, from the answering Sync.
_ENVIRONMENT: Final[dict[str, Callable[[Sync], str]]] = {
    "TWILIO_ACCOUNT_SID": lambda sync: sync.account_sid,
    "TWILIO_AUTH_TOKEN": lambda sync: sync.auth_token,
}


def _client_classes() -> list[type]:
    from twilio.http.async_http_client import AsyncTwilioHttpClient
    from twilio.http.http_client import TwilioHttpClient
    from twilio.http.validation_client import ValidationClient

    return [TwilioHttpClient, AsyncTwilioHttpClient, ValidationClient]


def _patch() -> None:
    """Route the SDK clients' every request to the innermost active block.

    A client records its request and answer as twilio's own ``request`` does: the
    request first (:func:`~sync_core.adapters.twilio.sent_request`: made from its own
    arguments, its attributes set when first read), the answer ``None`` until there is
    one.
    """
    from requests.exceptions import ReadTimeout
    from twilio.http.response import Response

    from ..adapters.twilio import basic_auth, for_sync, forwarding, sent_request

    synchronous, asynchronous, validating = _client_classes()
    sends = _originals[synchronous] = vars(synchronous)["request"]

    def log_request(client: Any, sent: tuple[Any, ...], asynchronous: bool = False) -> None:
        """As twilio's clients log a request (``HttpClient.log_request``) before it goes,
        given the arguments they give it (twilio/http/http_client.py and
        async_http_client.py), whatever the logger (always, as they do)."""
        method, url, params, data, headers, auth, timeout, allow_redirects = sent
        kwargs: dict[str, Any] = {"method": method.upper(), "url": url, "params": params}
        if asynchronous:
            kwargs.update(
                data=data,
                headers=headers,
                auth=None if auth is None else basic_auth(auth),
                timeout=timeout,
                allow_redirects=allow_redirects,
            )
        else:
            kwargs.update(headers=headers, auth=auth, hooks=getattr(client, "request_hooks", None))
            json_body = headers and headers.get("Content-Type") in _JSON_TYPES
            kwargs["json" if json_body else "data"] = data
        client.log_request(kwargs)

    sends_async = _originals[asynchronous] = vars(asynchronous)["request"]
    sends_signed = _originals[validating] = vars(validating)["request"]

    def answered(client: Any, sent: tuple[Any, ...]) -> Any:
        """The innermost block's answer to ``sent``, as the ``requests`` session of
        ``client`` (a ``TwilioHttpClient`` or ``ValidationClient``) ends up with it,
        its own retries made (:func:`~sync_core.testing.transports.retried`)."""
        http = _innermost()._http
        try:
            answer = http.request(*sent)
        except ReadTimeout as timed_out:  # the client's session may retry it
            return retried(client, http, sent, timed_out)
        if answer.status_code >= 400:  # likewise (its Retry's status_forcelist)
            return retried(client, http, sent, answer)
        return answer

    def request(
        client: Any,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Any:
        if (forwarding.get() or (_sending and _answers_others(client))) and not for_sync(url):
            return sends(client, method, url, params, data, headers, auth, timeout, allow_redirects)
        if timeout is None:  # as TwilioHttpClient.request: its own, or refused if not > 0
            timeout = getattr(client, "timeout", None)
        elif timeout <= 0:
            raise ValueError(timeout)
        log_request(client, (method, url, params, data, headers, auth, timeout, allow_redirects))
        client._test_only_last_response = None
        client._test_only_last_request = sent_request(method, url, auth, params, data, headers)
        answer = answered(
            client, (method, url, params, data, headers, auth, timeout, allow_redirects)
        )
        hooks = response_hooks(client)
        if hooks:  # the app's hooks, as requests calls them in session.send
            answer = hooked(hooks, (method, url, params, data, headers, auth), answer, timeout)
        client.log_response(answer.status_code, answer)
        client._test_only_last_response = answer
        return answer

    async def request_async(
        client: Any,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Any:
        if (forwarding.get() or (_sending and _answers_others(client))) and not for_sync(url):
            return await sends_async(
                client, method, url, params, data, headers, auth, timeout, allow_redirects
            )
        if timeout is not None and timeout <= 0:  # as AsyncTwilioHttpClient.request
            raise ValueError(timeout)
        log_request(
            client, (method, url, params, data, headers, auth, timeout, allow_redirects), True
        )
        client._test_only_last_response = None
        client._test_only_last_request = sent_request(
            method, url, auth, params, data, headers, asynchronous=True
        )
        session = client.session
        # Its aiohttp session closed (``await client.close()``): aiohttp refuses, and so
        # does aiohttp_retry's RetryClient around it.
        if getattr(getattr(session, "_client", session), "closed", False):
            raise RuntimeError("Session is closed")
        http = _innermost()._async_http
        sent = (method, url, params, data, headers, auth, timeout, allow_redirects)
        options = getattr(session, "_retry_options", None)  # aiohttp_retry's
        if options is None:
            answer = await http.request(*sent)
        else:
            answer = await retried_async(options, http, sent)
        client.log_response(answer.status_code, answer)
        client._test_only_last_response = answer
        return answer

    def request_signed(
        client: Any,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Any:
        # As ValidationClient.request, which records nothing and answers without headers.
        if (forwarding.get() or (_sending and _answers_others(client))) and not for_sync(url):
            return sends_signed(
                client, method, url, params, data, headers, auth, timeout, allow_redirects
            )
        signed(client, method, url, params, data, headers, auth)
        answer = answered(
            client, (method, url, params, data, headers, auth, timeout, allow_redirects)
        )
        return Response(answer.status_code, answer.text)

    setattr(synchronous, "request", request)  # noqa: B010  # a class of the untyped twilio
    setattr(asynchronous, "request", request_async)  # noqa: B010
    setattr(validating, "request", request_signed)  # noqa: B010


def _unpatch() -> None:
    for kind, original in _originals.items():
        setattr(kind, "request", original)  # noqa: B010  # a class of the untyped twilio
    _originals.clear()


def _answers_others(client: object) -> bool:
    """Whether ``client`` is the fallback of the block that answers now (the innermost):
    then it sends the other products' requests itself. An outer block's fallback does
    not answer inside an inner block without one (that block refuses them)."""
    try:
        return _innermost().fallback is client
    except RuntimeError:  # no block any more (a request racing the end of the last)
        return False


def _innermost() -> MockTwilio:
    """The block entered last in this context, if it is still active; else the innermost
    active block of the process: read without the lock (a list's last item is read
    atomically), but when none is on the stack: a request that comes while the first
    block is being entered waits for it (under the lock)."""
    mine = _current.get()
    if mine is not None and mine in _stack:
        return mine
    try:
        return _stack[-1]
    except IndexError:
        pass
    with _lock:
        if not _stack:  # a request racing the end of the last block
            raise RuntimeError("mock_twilio() ended while a request was under way")
        return _stack[-1]
