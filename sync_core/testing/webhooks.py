"""Webhooks as Twilio sends them: capture what a Sync would post, and deliver it.

A :class:`WebhookRecorder` attached to a :class:`~sync_core.Sync` becomes its webhook
sink: every call the Sync would make (``webhook_sink(url, params)``, docs/events.md) is
kept as a :class:`Webhook`, the request Twilio would send: a form-encoded ``POST`` with
Twilio's headers and an ``X-Twilio-Signature`` computed from the Sync's
``auth_token``. :meth:`WebhookRecorder.deliver` then hands it to the app under test,
in-process: a WSGI app (Flask, Django...), an ASGI app (Starlette, FastAPI...) or any
callable. Nothing opens a socket.

>>> from sync_core import Sync
>>> from sync_core.testing import WebhookRecorder
>>> sync = Sync(seed=3)
>>> recorder = WebhookRecorder(sync)          # now the Sync's webhook sink
>>> svc = sync.services.create(webhook_url="https://app.test/hooks/sync",
...                            webhooks_from_rest_enabled=True)
>>> _ = sync.services(svc.sid).documents.create(unique_name="prefs", data={"a": 1})
>>> [hook.event_type for hook in recorder]
['document_created']
>>> hook = recorder.calls[0]
>>> hook.headers["User-Agent"], hook.headers["Content-Type"]
('TwilioProxy/1.1', 'application/x-www-form-urlencoded; charset=UTF-8')
>>> hook.signature == twilio_signature(sync.auth_token, hook.url, hook.params)
True
>>> def app(environ, start_response):                       # a WSGI app
...     start_response("204 No Content", [])
...     return []
>>> recorder.deliver(app).status
204

Where each piece comes from:

- **The signature** is what the twilio SDK's ``RequestValidator``
  (``twilio/request_validator.py``) checks: base64 of the HMAC-SHA1, keyed with the
  auth token, of the URL followed by each POST parameter's name and value, sorted by
  name (https://www.twilio.com/docs/usage/webhooks/webhooks-security). The URL is the
  one configured, as Twilio requests it: a ``#fragment`` (Twilio's connection
  overrides, https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides)
  is not sent, and credentials (``https://user:pass@host/``,
  https://www.twilio.com/docs/usage/security) go in an ``Authorization`` header, so
  neither is signed (inferred: what an app can rebuild from the request).
  ``RequestValidator`` accepts the URL with or without its port (it tries both), and
  for a JSON body checks the ``bodySHA256`` query parameter instead of the
  parameters; Sync's webhooks are form posts, so that never applies here.
- **The headers** are those of Twilio's webhook requests (observed; only
  ``X-Twilio-Signature`` is documented): ``Content-Type:
  application/x-www-form-urlencoded; charset=UTF-8``, ``User-Agent: TwilioProxy/1.1``,
  ``Accept: */*``, ``X-Home-Region: us1``, and ``I-Twilio-Idempotency-Token``, the same
  for every retry of one request: here a UUID derived from the URL and the body, so
  the same event gives the same token on every run.
"""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, TypeVar
from urllib.parse import unquote, unquote_to_bytes, urlencode, urlparse, urlsplit

import attrs

from ..events import EVENT_TYPES
from ..sids import DEFAULT_AUTH_TOKEN
from ..sync import Sync

if TYPE_CHECKING:
    from types import TracebackType

__all__ = [
    "CONTENT_TYPE",
    "USER_AGENT",
    "AppKind",
    "Webhook",
    "WebhookRecorder",
    "WebhookResponse",
    "adeliver",
    "app_kind",
    "asgi_scope",
    "deliver",
    "twilio_signature",
    "wsgi_environ",
]

#: The ``User-Agent`` of Twilio's webhook requests.
USER_AGENT: Final = "TwilioProxy/1.1"
#: The ``Content-Type`` of Twilio's form-encoded webhook requests.
CONTENT_TYPE: Final = "application/x-www-form-urlencoded; charset=UTF-8"
#: ``X-Home-Region``: the region of the account that sends the webhook.
HOME_REGION: Final = "us1"
#: Where a delivered request comes from (``REMOTE_ADDR``, the ASGI ``client``).
CLIENT: Final = ("127.0.0.1", 49152)

#: How an app is called: ``wsgi`` (``app(environ, start_response)``), ``asgi``
#: (``await app(scope, receive, send)``) or ``callable`` (``app(webhook)``).
AppKind = Literal["wsgi", "asgi", "callable"]
_KINDS: Final = ("wsgi", "asgi", "callable")
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_T = TypeVar("_T")


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """``X-Twilio-Signature`` of a form post of ``params`` to ``url``.

    Exactly what ``twilio.request_validator.RequestValidator.compute_signature``
    computes: the URL, then each parameter's name and value in name order, HMAC-SHA1
    keyed with the auth token, base64. Twilio's own example (webhooks-security page):

    >>> twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
    ...     {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234",
    ...      "From": "+12349013030", "To": "+18005551212"})
    '0/KCTR6DLpKmkAf8muzZqo1nDgQ='
    """
    import base64
    import hashlib
    import hmac

    signed = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode("utf-8"), signed.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _split_url(url: str) -> tuple[str, str | None]:
    """The URL Twilio requests (no fragment, no credentials), and the credentials.

    The URL is as twilio's ``RequestValidator`` rebuilds it (``urlparse(url).geturl()``)
    and as an app sees it: the scheme in lower case, no empty ``?``. Signed otherwise,
    it would fail the validator whatever URL the app passes it.

    >>> _split_url("HTTPS://user:pw@app.test/hook?#frag")
    ('https://app.test/hook', 'user:pw')
    """
    base = url.split("#", 1)[0]
    scheme, _, rest = base.partition("://")
    end = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, credentials = rest[:end], None
    if "@" in authority:
        credentials, authority = authority.rsplit("@", 1)
    return urlparse(f"{scheme}://{authority}{rest[end:]}").geturl(), credentials


def _check_url(url: object) -> str:
    problem = None
    if not isinstance(url, str):
        problem = "must be a string"
    elif not url.isascii():
        problem = "must be ASCII (percent-encode the rest)"
    else:
        try:
            parts = urlsplit(url)
            _ = parts.port  # raises on a port that is not a number from 0 to 65535
            if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
                problem = "must be an absolute http or https URL"
        except ValueError as error:
            problem = f"is malformed ({error})"
    if problem is not None:
        raise ValueError(f"a webhook URL {problem}: {url!r}")
    assert isinstance(url, str)
    return url


def _idempotency_token(url: str, body: bytes) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{url}\n{body.decode('ascii')}"))


def _header(pairs: Iterable[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in pairs if key.lower() == wanted), None)


@attrs.frozen
class Webhook:
    """One webhook request, as Twilio sends it: immutable.

    ``url`` is the service's ``webhook_url`` as configured; ``fields`` the form fields
    in the order sent; ``header_fields`` the request's headers, in order; ``body`` the
    form-encoded body. ``params`` and ``headers`` give them as fresh dicts.
    :meth:`signed` builds one (the recorder does, for every call of the Sync).
    """

    url: str
    fields: tuple[tuple[str, str], ...]
    header_fields: tuple[tuple[str, str], ...]
    body: bytes

    #: Sync's webhooks are always posted.
    method: ClassVar[str] = "POST"

    @classmethod
    def signed(
        cls, url: str, params: Mapping[str, str], *, auth_token: str = DEFAULT_AUTH_TOKEN
    ) -> Webhook:
        """The request Twilio sends to ``url`` with ``params``, signed with ``auth_token``.

        >>> hook = Webhook.signed("https://app.test:8443/hook?t=1", {"EventType": "x"})
        >>> hook.request_url, hook.body, hook.headers["Host"]
        ('https://app.test:8443/hook?t=1', b'EventType=x', 'app.test:8443')
        >>> Webhook.signed("ftp://app.test/", {})
        Traceback (most recent call last):
        ...
        ValueError: a webhook URL must be an absolute http or https URL: 'ftp://app.test/'
        """
        url = _check_url(url)
        if not isinstance(params, Mapping) or not all(
            isinstance(name, str) and isinstance(value, str) for name, value in params.items()
        ):
            raise TypeError(f"webhook params must map text to text, got {params!r}")
        if not isinstance(auth_token, str) or not auth_token:
            raise ValueError(f"auth_token must be a non-empty string, got {auth_token!r}")
        fields = tuple(params.items())
        body = urlencode(fields).encode("ascii")
        request_url, credentials = _split_url(url)
        headers = [
            ("Host", urlsplit(request_url).netloc),
            ("Content-Type", CONTENT_TYPE),
            ("I-Twilio-Idempotency-Token", _idempotency_token(request_url, body)),
            ("X-Twilio-Signature", twilio_signature(auth_token, request_url, params)),
            ("Accept", "*/*"),
            ("X-Home-Region", HOME_REGION),
            ("User-Agent", USER_AGENT),
            ("Content-Length", str(len(body))),
        ]
        if credentials is not None:
            import base64

            basic = base64.b64encode(unquote_to_bytes(credentials)).decode("ascii")
            headers.append(("Authorization", f"Basic {basic}"))
        return cls(url=url, fields=fields, header_fields=tuple(headers), body=body)

    @property
    def request_url(self) -> str:
        """The URL requested and signed: ``url`` less its fragment and credentials."""
        return _split_url(self.url)[0]

    @property
    def params(self) -> dict[str, str]:
        """The form fields, as a fresh dict (in the order sent)."""
        return dict(self.fields)

    @property
    def headers(self) -> dict[str, str]:
        """The headers, as a fresh dict (names as Twilio writes them)."""
        return dict(self.header_fields)

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None."""
        return _header(self.header_fields, name)

    @property
    def signature(self) -> str:
        """The ``X-Twilio-Signature`` header."""
        return self.headers["X-Twilio-Signature"]

    @property
    def idempotency_token(self) -> str:
        """The ``I-Twilio-Idempotency-Token`` header: the same for the same request."""
        return self.headers["I-Twilio-Idempotency-Token"]

    @property
    def event_type(self) -> str | None:
        """The ``EventType`` field (``document_created``...), or None."""
        return self.params.get("EventType")

    def forged(self, **changes: str) -> Webhook:
        """This request with form fields changed but its signature kept: a forgery.

        What an endpoint that checks ``X-Twilio-Signature`` must refuse. A field
        changed keeps its place; a new one comes last.

        >>> hook = Webhook.signed("https://app.test/hook", {"Identity": "alice"})
        >>> fake = hook.forged(Identity="mallory")
        >>> fake.params, fake.signature == hook.signature, fake.body
        ({'Identity': 'mallory'}, True, b'Identity=mallory')
        """
        params = self.params
        params.update(changes)
        fields = tuple(params.items())
        body = urlencode(fields).encode("ascii")
        headers = tuple(
            (name, str(len(body)) if name == "Content-Length" else value)
            for name, value in self.header_fields
        )
        return Webhook(url=self.url, fields=fields, header_fields=headers, body=body)


@attrs.frozen
class WebhookResponse:
    """What the app answered: the status, its reason phrase, the headers and the body."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    reason: str = ""

    @property
    def text(self) -> str:
        """The body, decoded as UTF-8."""
        return self.body.decode("utf-8")

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None."""
        return _header(self.headers, name)


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _target(webhook: Webhook) -> tuple[str, str, int, str, str]:
    """The request's scheme, host, port, path (as sent, ``/`` if none) and query."""
    parts = urlsplit(webhook.request_url)
    assert parts.hostname is not None  # checked when the webhook was built
    port = parts.port or _DEFAULT_PORTS[parts.scheme]
    return parts.scheme, parts.hostname, port, parts.path or "/", parts.query


def wsgi_environ(webhook: Webhook) -> dict[str, Any]:
    """The PEP 3333 environ of ``webhook``'s request.

    >>> hook = Webhook.signed("http://app.test:8000/sync%20hooks?tenant=a", {"A": "1"})
    >>> environ = wsgi_environ(hook)
    >>> environ["PATH_INFO"], environ["QUERY_STRING"], environ["SERVER_PORT"]
    ('/sync hooks', 'tenant=a', '8000')
    >>> environ["wsgi.input"].read(), environ["CONTENT_LENGTH"]
    (b'A=1', '3')
    """
    scheme, host, port, path, query = _target(webhook)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": webhook.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query,
        "REQUEST_URI": f"{path}?{query}" if query else path,
        "RAW_URI": f"{path}?{query}" if query else path,
        "SERVER_NAME": host,
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": CLIENT[0],
        "REMOTE_PORT": str(CLIENT[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(webhook.body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    for name, value in webhook.header_fields:
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    return environ


def asgi_scope(webhook: Webhook) -> dict[str, Any]:
    """The ASGI 3 HTTP scope of ``webhook``'s request.

    >>> hook = Webhook.signed("https://app.test/sync%20hooks?tenant=a", {"A": "1"})
    >>> scope = asgi_scope(hook)
    >>> scope["path"], scope["raw_path"], scope["query_string"], scope["server"]
    ('/sync hooks', b'/sync%20hooks', b'tenant=a', ('app.test', 443))
    >>> scope["headers"][0]
    (b'host', b'app.test')
    """
    scheme, host, port, path, query = _target(webhook)
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": webhook.method,
        "scheme": scheme,
        "path": unquote(path),
        "raw_path": path.encode("ascii"),
        "query_string": query.encode("ascii"),
        "root_path": "",
        "headers": [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in webhook.header_fields
        ],
        "client": CLIENT,
        "server": (host, port),
    }


def _positional_arity(app: Callable[..., object]) -> int | None:
    """How many positional arguments ``app`` requires, or None if that cannot be told."""
    import inspect

    try:
        signature = inspect.signature(app)
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in signature.parameters.values()):
        return None
    return sum(
        1
        for p in signature.parameters.values()
        if p.kind in kinds and p.default is inspect.Parameter.empty
    )


def _is_async(app: Callable[..., object]) -> bool:
    import inspect

    call = getattr(app, "__call__", None)  # noqa: B004 (an async __call__, not callable())
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call)


def app_kind(app: object) -> AppKind:
    """How ``app`` is called, told from its signature.

    A coroutine function (or an object with an ``async __call__``) of three arguments is
    an ASGI app; any other callable of two is a WSGI app; a callable of one (a coroutine
    function too) takes the :class:`Webhook`. Anything else: say ``kind=``.

    >>> app_kind(lambda environ, start_response: [])
    'wsgi'
    >>> async def asgi(scope, receive, send): ...
    >>> app_kind(asgi), app_kind(lambda webhook: None)
    ('asgi', 'callable')
    >>> app_kind(print)
    Traceback (most recent call last):
    ...
    TypeError: cannot tell how to call <built-in function print>: give kind='wsgi', 'asgi' or 'callable'
    """
    if not callable(app):
        raise TypeError(f"a webhook must be delivered to a callable, got {app!r}")
    arity = _positional_arity(app)
    if _is_async(app) and arity == 3:
        return "asgi"
    if arity == 2 and not _is_async(app):
        return "wsgi"
    if arity == 1:
        return "callable"
    raise TypeError(f"cannot tell how to call {app!r}: give kind='wsgi', 'asgi' or 'callable'")


def _kind_of(app: object, kind: AppKind | None) -> AppKind:
    if kind is None:
        return app_kind(app)
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'wsgi', 'asgi' or 'callable', got {kind!r}")
    if not callable(app):
        raise TypeError(f"a webhook must be delivered to a callable, got {app!r}")
    return kind


def _check_webhook(webhook: object) -> Webhook:
    if not isinstance(webhook, Webhook):
        raise TypeError(f"expected a Webhook, got {webhook!r}")
    return webhook


def _deliver_wsgi(app: Any, webhook: Webhook) -> WebhookResponse:
    started: tuple[str, list[tuple[str, str]]] | None = None
    sent = False  # whether the headers are out (PEP 3333: at the first body bytes)
    chunks: list[bytes] = []

    def write(data: bytes) -> None:
        nonlocal sent
        if started is None:
            raise RuntimeError("the WSGI app wrote a body before calling start_response")
        if not isinstance(data, bytes):
            raise TypeError(f"a WSGI body must be bytes, got {data!r}")
        sent = sent or bool(data)
        chunks.append(data)

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        nonlocal started
        if exc_info is not None:
            if sent:
                raise exc_info[1].with_traceback(exc_info[2])
        elif started is not None:
            raise RuntimeError("the WSGI app called start_response twice without exc_info")
        if not isinstance(status, str) or not all(
            isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(s, str) for s in pair)
            for pair in headers
        ):
            raise TypeError(f"not a WSGI status and headers: {status!r}, {headers!r}")
        started = (status, list(headers))
        return write

    result = app(wsgi_environ(webhook), start_response)
    try:
        for chunk in result:
            write(chunk)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if started is None:
        raise RuntimeError("the WSGI app returned without calling start_response")
    status, headers = started
    code, _, reason = status.partition(" ")
    if not (len(code) == 3 and code.isdigit()):
        raise ValueError(f"not a WSGI status: {status!r}")
    return WebhookResponse(int(code), tuple(headers), b"".join(chunks), reason)


async def _deliver_asgi(app: Any, webhook: Webhook) -> WebhookResponse:
    import asyncio

    complete = asyncio.Event()
    asked = False
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": webhook.body, "more_body": False}
        await complete.wait()  # the client stays until the response is complete
        return {"type": "http.disconnect"}

    async def send(message: Mapping[str, Any]) -> None:
        nonlocal status, headers
        kind = message.get("type")
        if kind == "http.response.start":
            if status is not None:
                raise RuntimeError("the ASGI app sent http.response.start twice")
            status = int(message["status"])
            headers = tuple(
                (bytes(name).decode("latin-1"), bytes(value).decode("latin-1"))
                for name, value in message.get("headers", ())
            )
        elif kind == "http.response.body":
            if status is None:
                raise RuntimeError("the ASGI app sent a body before http.response.start")
            if complete.is_set():
                raise RuntimeError("the ASGI app sent a body after the response was complete")
            chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                complete.set()
        else:
            raise RuntimeError(f"unexpected ASGI message for an HTTP request: {kind!r}")

    try:
        await app(asgi_scope(webhook), receive, send)
    finally:
        complete.set()
    if status is None:
        raise RuntimeError("the ASGI app returned without sending http.response.start")
    return WebhookResponse(status, headers, b"".join(chunks), _reason(status))


def _answer(returned: object, app: object) -> WebhookResponse:
    """A plain callable's return value as a response."""
    if returned is None:
        return WebhookResponse(200, reason="OK")
    if isinstance(returned, WebhookResponse):
        return returned
    if isinstance(returned, int) and not isinstance(returned, bool):
        return WebhookResponse(returned, reason=_reason(returned))
    if isinstance(returned, str):
        return WebhookResponse(200, body=returned.encode("utf-8"), reason="OK")
    if isinstance(returned, bytes):
        return WebhookResponse(200, body=returned, reason="OK")
    raise TypeError(
        f"{app!r} returned {returned!r}: return None, a status, a body or a WebhookResponse"
    )


def _run(make: Callable[[], Awaitable[_T]], suggestion: str) -> _T:
    """Run a coroutine to its end from synchronous code (no event loop may be running)."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError(f"an event loop is running in this thread: {suggestion}")

    async def main() -> _T:
        return await make()

    return asyncio.run(main())


def deliver(app: object, webhook: Webhook, *, kind: AppKind | None = None) -> WebhookResponse:
    """Deliver ``webhook`` into ``app``, in-process, and return its response.

    ``kind`` says how to call ``app`` (:data:`AppKind`); by default :func:`app_kind`
    tells it. An ASGI app (or an async callable) runs on a new event loop, so call this
    where none runs; in async code, ``await adeliver(...)``. What the app raises is
    raised here.
    """
    webhook = _check_webhook(webhook)
    kind = _kind_of(app, kind)
    assert callable(app)
    if kind == "wsgi":
        return _deliver_wsgi(app, webhook)
    if kind == "asgi":
        return _run(lambda: _deliver_asgi(app, webhook), "await adeliver(...) instead")
    import inspect

    if _is_async(app):
        return _run(lambda: adeliver(app, webhook, kind=kind), "await adeliver(...) instead")
    returned = app(webhook)
    if inspect.isawaitable(returned):
        # a callable that returned a coroutine: run it (or close it, if refused)
        awaited = returned

        async def wait() -> object:
            return await awaited

        try:
            returned = _run(wait, "await adeliver(...) instead")
        except RuntimeError:
            if inspect.iscoroutine(awaited):
                awaited.close()
            raise
    return _answer(returned, app)


async def adeliver(
    app: object, webhook: Webhook, *, kind: AppKind | None = None
) -> WebhookResponse:
    """:func:`deliver`, from async code: an ASGI app runs on the current event loop.

    A WSGI app or a plain callable is called directly (an async one is awaited).
    """
    import inspect

    webhook = _check_webhook(webhook)
    kind = _kind_of(app, kind)
    assert callable(app)
    if kind == "wsgi":
        return _deliver_wsgi(app, webhook)
    if kind == "asgi":
        return await _deliver_asgi(app, webhook)
    returned = app(webhook)
    if inspect.isawaitable(returned):
        returned = await returned
    return _answer(returned, app)


class WebhookRecorder:
    """Captures every webhook a :class:`~sync_core.Sync` would send, and delivers them.

    ``WebhookRecorder(sync)`` attaches it at once (:meth:`attach`). It is a webhook
    sink itself (``recorder(url, params)``), so it also works unattached, or given to
    ``Sync(webhook_sink=...)``; ``auth_token`` (by default the attached Sync's, else
    :data:`~sync_core.sids.DEFAULT_AUTH_TOKEN`) signs the requests.

    The captured :class:`Webhook` objects are in :attr:`calls`, in the order the Sync
    sent them; the recorder is also a sequence of them (``len``, iteration, indexing).
    Thread-safe.
    """

    def __init__(self, sync: Sync | None = None, *, auth_token: str | None = None) -> None:
        if auth_token is not None and (not isinstance(auth_token, str) or not auth_token):
            raise ValueError(f"auth_token must be a non-empty string, got {auth_token!r}")
        self._auth_token = auth_token
        self._lock = threading.Lock()
        self._calls: list[Webhook] = []
        self._sync: Sync | None = None
        self._previous: Callable[[str, dict[str, str]], object] | None = None
        if sync is not None:
            self.attach(sync)

    # -- attaching

    @property
    def sync(self) -> Sync | None:
        """The Sync this recorder is attached to, or None."""
        return self._sync

    @property
    def auth_token(self) -> str:
        """What signs the requests: the token given, else the attached Sync's."""
        if self._auth_token is not None:
            return self._auth_token
        return DEFAULT_AUTH_TOKEN if self._sync is None else self._sync.auth_token

    def attach(self, sync: Sync) -> WebhookRecorder:
        """Become ``sync``'s webhook sink; a sink it already had still gets every call.

        The previous sink is chained: it is called after the recorder, with the same
        ``(url, params)``, and is put back by :meth:`detach`. A recorder serves one
        Sync at a time.
        """
        if not isinstance(sync, Sync):
            raise TypeError(f"a WebhookRecorder attaches to a Sync, got {sync!r}")
        with self._lock:
            if self._sync is not None:
                raise RuntimeError(
                    f"this recorder is already attached to {self._sync!r}: detach() it first"
                )
            previous = sync.webhook_sink
            if previous is self:
                raise RuntimeError(f"this recorder is already the webhook sink of {sync!r}")
            sync.webhook_sink = self
            self._sync, self._previous = sync, previous
        return self

    def detach(self) -> None:
        """Give the Sync its previous sink back (nothing if not attached).

        Refused while another sink was set on the Sync after this one (detach that one
        first): putting the previous sink back would silently drop it.
        """
        with self._lock:
            sync = self._sync
            if sync is None:
                return
            if sync.webhook_sink is not self:
                raise RuntimeError(
                    f"the webhook sink of {sync!r} was replaced after this recorder "
                    f"attached ({sync.webhook_sink!r}): detach or remove that one first"
                )
            sync.webhook_sink = self._previous
            self._sync, self._previous = None, None

    def __enter__(self) -> WebhookRecorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.detach()

    # -- capturing

    def __call__(self, url: str, params: dict[str, str]) -> None:
        """The webhook sink: record the request, then call the previous sink if any."""
        webhook = Webhook.signed(url, params, auth_token=self.auth_token)
        with self._lock:
            self._calls.append(webhook)
            previous = self._previous
        if previous is not None:
            previous(url, params)

    @property
    def calls(self) -> list[Webhook]:
        """The captured webhooks, oldest first (a fresh list)."""
        with self._lock:
            return list(self._calls)

    @property
    def event_types(self) -> list[str | None]:
        """The ``EventType`` of each captured webhook, oldest first."""
        return [webhook.event_type for webhook in self.calls]

    def of_type(self, *event_types: str) -> list[Webhook]:
        """The captured webhooks of these event types (``document_created``...).

        An event type sync_core never sends is refused (a typo would match nothing).
        """
        unknown = sorted(set(event_types) - EVENT_TYPES)
        if unknown or not event_types:
            raise ValueError(
                f"unknown event types {unknown!r}; they are {sorted(EVENT_TYPES)!r}"
                if unknown
                else "give at least one event type"
            )
        return [webhook for webhook in self.calls if webhook.event_type in event_types]

    def clear(self) -> None:
        """Forget every captured webhook."""
        with self._lock:
            self._calls.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._calls)

    def __iter__(self) -> Iterator[Webhook]:
        return iter(self.calls)

    def __getitem__(self, index: int) -> Webhook:
        with self._lock:
            return self._calls[index]

    def __repr__(self) -> str:
        target = "unattached" if self._sync is None else f"attached to {self._sync!r}"
        return f"<WebhookRecorder {len(self)} captured, {target}>"

    # -- delivering

    def _pick(self, webhook: Webhook | int | None) -> Webhook:
        if isinstance(webhook, Webhook):
            return webhook
        if webhook is not None and (not isinstance(webhook, int) or isinstance(webhook, bool)):
            raise TypeError(f"give a Webhook, an index or None, got {webhook!r}")
        with self._lock:
            if not self._calls:
                raise LookupError("no webhook was captured: nothing to deliver")
            try:
                return self._calls[-1 if webhook is None else webhook]
            except IndexError:
                raise IndexError(
                    f"no webhook at index {webhook}: {len(self._calls)} captured"
                ) from None

    def deliver(
        self, app: object, webhook: Webhook | int | None = None, *, kind: AppKind | None = None
    ) -> WebhookResponse:
        """Deliver one webhook into ``app`` (:func:`deliver`): the last captured by
        default, or the one given, or the one at that index of :attr:`calls`."""
        return deliver(app, self._pick(webhook), kind=kind)

    def deliver_all(self, app: object, *, kind: AppKind | None = None) -> list[WebhookResponse]:
        """Deliver every captured webhook into ``app``, oldest first; their responses.

        The webhooks stay captured (:meth:`clear` forgets them). If ``app`` raises,
        the ones before were delivered and the rest are not.
        """
        kind = _kind_of(app, kind)
        return [deliver(app, webhook, kind=kind) for webhook in self.calls]

    async def adeliver(
        self, app: object, webhook: Webhook | int | None = None, *, kind: AppKind | None = None
    ) -> WebhookResponse:
        """:meth:`deliver` from async code (:func:`adeliver`)."""
        return await adeliver(app, self._pick(webhook), kind=kind)

    async def adeliver_all(
        self, app: object, *, kind: AppKind | None = None
    ) -> list[WebhookResponse]:
        """:meth:`deliver_all` from async code, one after the other."""
        kind = _kind_of(app, kind)
        return [await adeliver(app, webhook, kind=kind) for webhook in self.calls]
