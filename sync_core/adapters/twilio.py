"""The official ``twilio`` SDK, running in-process against sync_core.

``SyncHttpClient(sync)`` and ``AsyncSyncHttpClient(sync)`` are the twilio package's
``HttpClient`` and ``AsyncHttpClient``: hand one to ``twilio.rest.Client`` and every
``client.sync.v1...`` call is answered by :class:`~sync_core.adapters.rest.RestApi` on
your :class:`~sync_core.Sync`, with no network and no server. Needs the ``twilio``
package (``pip install 'sync_core[twilio]'``); the rest of sync_core does not.

>>> from twilio.rest import Client
>>> from sync_core import Sync, ManualClock
>>> sync = Sync(clock=ManualClock(), seed=8)
>>> client = Client("AC" + "0" * 32, "token", http_client=SyncHttpClient(sync),
...                 environment={"TWILIO_REGION": ""})
>>> doc = client.sync.v1.services("default").documents.create(
...     unique_name="prefs", data={"theme": "dark"})
>>> doc.revision, sync.services("default").documents("prefs").fetch().data
('0', {'theme': 'dark'})

The clients see each request as it would go over the wire: the URL as ``requests``
and urllib3 send it (spaces, tabs, newlines and other characters percent-encoded,
``.`` and ``..`` segments removed, the fragment dropped), and a ``None`` parameter,
form field or header left out, as ``requests`` leaves it out. So an answer in-process
is the answer over a real socket.

Gaps of the SDK itself (twilio 9.x), not of sync_core: it drops ``If-Match`` on Map
and List item deletes, and it does not percent-encode keys in paths, so some keys
cannot round-trip through it (docs/twilio-sdk.md lists them exactly: ``/``, ``?``,
``#``, a ``%`` escape, ``.`` and ``..``); the strategy
:func:`~sync_core.testing.strategies.sdk_safe_map_keys` draws the keys that can. Use
the plain API or :class:`~sync_core.adapters.rest.RestApi` for the others.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any, Final, cast
from urllib.parse import urlsplit

from requests import Request, Session
from requests.exceptions import ReadTimeout
from requests.models import PreparedRequest
from requests.utils import check_header_validity
from twilio.http import AsyncHttpClient, HttpClient
from twilio.http.request import Request as TwilioRequest
from twilio.http.response import Response as TwilioResponse
from yarl import URL

from ..faults import FaultTimeout
from ..sync import Sync
from .rest import RestApi, _text

__all__ = [
    "AsyncSyncHttpClient",
    "Fallback",
    "NotEmulatedError",
    "SyncHttpClient",
    "as_sent",
    "as_sent_async",
    "for_sync",
    "is_sync_host",
    "prepared_request",
    "sent_request",
]

_logger: Final = logging.getLogger("sync_core.twilio")

#: A URL that ``requests`` sends as it is: only characters it never re-quotes, and no
#: ``.`` or ``..`` segment that urllib3 would remove (checked by a look for "/.").
#: (``[`` and ``]`` are not among them: urllib3 and yarl percent-encode them.)
_AS_IS: Final = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,/:;=?@]*")


def as_sent(url: str) -> str:
    """``url`` as ``requests`` and urllib3 put it on the wire (without its fragment).

    >>> as_sent("https://sync.twilio.com/v1/Services/IS1/Maps/m/Items/a b" + chr(9) + "c")
    'https://sync.twilio.com/v1/Services/IS1/Maps/m/Items/a%20b%09c'
    >>> as_sent("https://sync.twilio.com/v1/Services/IS1/Maps/m/Items/..")
    'https://sync.twilio.com/v1/Services/IS1/Maps/m/'
    """
    if "/." not in url and "#" not in url and _AS_IS.fullmatch(url):
        return url  # the common case, without the cost of preparing a request
    prepared = PreparedRequest()
    prepared.prepare_url(url, None)
    sent = str(prepared.url)
    return sent.split("#", 1)[0]  # urllib3 never sends the fragment


def as_sent_async(url: str) -> str:
    """``url`` as the async SDK's aiohttp puts it on the wire (yarl's URL, no fragment).

    yarl follows the WHATWG URL standard: unlike ``requests``, it removes tabs and
    newlines from a URL rather than percent-encode them.

    >>> as_sent_async("https://sync.twilio.com/v1/Services/IS1/Maps/m/Items/a b" + chr(9) + "c")
    'https://sync.twilio.com/v1/Services/IS1/Maps/m/Items/a%20bc'
    """
    if "/." not in url and "#" not in url and _AS_IS.fullmatch(url):
        return url
    return str(URL(url).with_fragment(None))


#: Sync's REST host and its regional forms: sync.<region>.twilio.com,
#: sync.<edge>.<region>.twilio.com (SEMANTICS.md, "Hosts").
_SYNC_HOST: Final = re.compile(r"sync(?:\.[a-z0-9-]+){0,2}\.twilio\.com\.?")
#: True while a client of sync_core hands a request of another product to its fallback:
#: a twilio client the fallback calls (a wrapper around a real ``TwilioHttpClient``, or
#: the fallback itself) then sends it with twilio's own ``request``, even while
#: ``mock_twilio`` patches the class (which would hand it back to a fallback, for ever).
forwarding: ContextVar[bool] = ContextVar("sync_core_forwarding", default=False)
#: How many times one request (its method, URL, parameters and form) may be in
#: fallbacks' hands at once: past it, a request that keeps coming back to its fallback
#: (handed to a twilio client in another thread, where ``forwarding`` is not set) is
#: refused, rather than spun for ever. Other requests are not counted with it, however
#: many; the same request sent that many times at once is taken for one coming back.
MOST_FORWARDED: Final = 256


class _Forwarded:
    """The requests in fallbacks' hands, each counted (:data:`MOST_FORWARDED`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[object, ...], int] = {}

    def __call__(self, request: tuple[object, ...]) -> contextlib.AbstractContextManager[None]:
        return self._held(request)

    @contextlib.contextmanager
    def _held(self, request: tuple[object, ...]) -> Iterator[None]:
        with self._lock:
            count = self._counts.get(request, 0)
            if count >= MOST_FORWARDED:
                raise RuntimeError(
                    f"{request[0]} {request[1]} came back to the fallback {count} times: "
                    "a fallback that hands its request to a twilio client in another "
                    "thread (an executor) must run it in its own context there "
                    "(contextvars.copy_context().run, asyncio.to_thread), or the request "
                    "comes back to the fallback, for ever"
                )
            self._counts[request] = count + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._counts.pop(request) - 1
                if left:
                    self._counts[request] = left


_forwarded: Final = _Forwarded()


def _forwarded_key(method: str, uri: str, params: object, data: object) -> tuple[object, ...]:
    """What tells a request coming back to its fallback from another: its method, URL,
    parameters and form, by value (a fallback may copy them, or add a header, as it
    hands the request on).

    >>> _forwarded_key("post", "https://api.twilio.com/x", None, {"b": 2, "a": 1})
    ('POST', 'https://api.twilio.com/x', 'None', "[('a', 1), ('b', 2)]")
    """
    return (method.upper(), uri, _by_value(params), _by_value(data))


def _by_value(values: object) -> str:
    """``values`` as text that another request's equal values give too."""
    if isinstance(values, Mapping):
        return repr(sorted(values.items(), key=lambda item: repr(item[0])))
    return repr(values)


#: Where the SDK's own URLs begin: Sync's, at once.
_SDK_ORIGIN: Final = "https://sync.twilio.com/"

#: The OAuth token endpoint and its regional forms, which an SDK ``Client`` on OAuth
#: credentials (``ClientCredentialProvider``) asks before any request of its own.
_OAUTH_TOKEN: Final = re.compile(
    r"https://oauth(?:\.[a-z0-9-]+){0,2}\.twilio\.com(?::443)?/v2/token(?:\?.*)?"
)
#: How long a token it is given lasts (Twilio's, https://www.twilio.com/docs/iam/oauth-apps/oauth-access-token).
_OAUTH_TOKEN_SECONDS: Final = 3600


def oauth_token_answer() -> TwilioResponse:
    """Twilio's answer to a token request (``POST https://oauth.twilio.com/v2/token``),
    as its docs show it: an access token valid for an hour, a ``Bearer`` one.

    The token is a JWT whose ``exp`` the SDK reads (``TokenAuthStrategy``, without
    checking its signature) to ask again when it expires, by the real clock; it is
    signed with nothing of the app's (credentials are not checked).

    >>> import json
    >>> body = json.loads(oauth_token_answer().text)
    >>> sorted(body), body["token_type"], body["expires_in"], body["access_token"].count(".")
    (['access_token', 'expires_in', 'id_token', 'refresh_token', 'token_type'], 'Bearer', 3600, 2)
    """
    import base64
    import hashlib
    import hmac
    import json
    import time

    def part(value: bytes) -> str:
        return base64.urlsafe_b64encode(value).decode("ascii").rstrip("=")

    now = int(time.time())
    claims = {"iss": "sync_core", "iat": now, "exp": now + _OAUTH_TOKEN_SECONDS}
    header = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = part(json.dumps(claims).encode())
    signed = f"{header}.{payload}"
    signature = part(hmac.new(b"sync_core", signed.encode(), hashlib.sha256).digest())
    body = {
        "access_token": f"{signed}.{signature}",
        "id_token": None,
        "token_type": "Bearer",
        "expires_in": _OAUTH_TOKEN_SECONDS,
        "refresh_token": None,
    }
    return TwilioResponse(200, json.dumps(body), _Headers({"Content-Type": "application/json"}))


#: What answers requests for the other Twilio products: a twilio ``HttpClient`` (its
#: ``request`` is called) or any callable taking the same arguments.
Fallback = Callable[..., Any]


def is_sync_host(url: str) -> bool:
    """Whether ``url`` is for Twilio Sync (a path alone counts as Sync's).

    >>> is_sync_host("https://sync.twilio.com/v1/Services")
    True
    >>> is_sync_host("https://sync.dublin.ie1.twilio.com/v1/Services")
    True
    >>> is_sync_host("https://messaging.twilio.com/v1/Services")
    False
    """
    if url.startswith(_SDK_ORIGIN):
        return True  # the SDK's own URLs, without the cost of splitting one
    host = urlsplit(url).hostname
    return host is None or _SYNC_HOST.fullmatch(host) is not None


def for_sync(url: str) -> bool:
    """Whether a twilio client's request for ``url`` is Sync's, which sync_core answers
    (:func:`is_sync_host`, the SDK's own origin first). A client's URL without a host
    (no scheme: ``requests`` and aiohttp refuse it) is nobody's.

    >>> for_sync("https://sync.twilio.com/v1/Services"), for_sync("https://api.twilio.com/")
    (True, False)
    >>> for_sync("sync.twilio.com/v1/Services"), for_sync("//sync.twilio.com/v1/Services")
    (False, False)
    """
    if url.startswith(_SDK_ORIGIN):
        return True
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # ("https://[::1/v1": the client's own error, when it sends it)
        return False
    return (
        parts.scheme in ("http", "https")
        and host is not None
        and _SYNC_HOST.fullmatch(host) is not None
    )


class NotEmulatedError(RuntimeError):
    """A request for a Twilio product other than Sync: sync_core emulates Sync only.

    >>> print(NotEmulatedError("POST", "https://messaging.twilio.com/v1/Services"))
    sync_core emulates Twilio Sync only, and this request is for Messaging: POST https://messaging.twilio.com/v1/Services. Pass a fallback (mock_twilio(fallback=...), or SyncHttpClient(sync, fallback=...)) to answer the other products.
    """

    def __init__(self, method: str, url: str) -> None:
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").rstrip(".")
            scheme = parts.scheme
        except ValueError:  # an IPv6 host without its "]"
            host = scheme = ""
        label = host.split(".")[0]
        if not host or not scheme:
            product = "no one: a URL without a scheme or host, which a client refuses"
        elif scheme.lower() not in ("http", "https"):
            product = f"no one: a {scheme} URL, which a twilio client does not send"
        elif not (host == "twilio.com" or host.endswith(".twilio.com")):
            product = f"{host}, not a Twilio host"
        elif label == "api":
            product = "the core API (Messages, Calls, Accounts...)"
        else:
            product = label.capitalize()
        super().__init__(
            f"sync_core emulates Twilio Sync only, and this request is for {product}: "
            f"{method} {url}. Pass a fallback (mock_twilio(fallback=...), or "
            "SyncHttpClient(sync, fallback=...)) to answer the other products."
        )
        self.method = method
        self.url = url
        self.product = product


def _given_texts(values: Mapping[str, object] | None) -> dict[str, str]:
    """``values`` as the text HTTP carries, without the ``None`` ones, which ``requests``
    leaves out (what :meth:`RestApi.handle` makes of them, in one pass)."""
    if not values:
        return {}
    texts = {
        str(name): value if type(value) is str else _text(value)  # text: the common case
        for name, value in values.items()
        if value is not None
    }
    for text in texts.values():
        if not text.isascii():
            # As requests encodes a form or query (and aiohttp): a lone surrogate raises
            # UnicodeEncodeError in the client, before anything is sent.
            text.encode("utf-8")
    return texts


#: URLs longer than this are put as sent on every request, not kept.
_KEPT_URL_LENGTH: Final = 2_048


class _Answering:
    """What both clients do: answer a request with :class:`RestApi`, and record it as the
    SDK's own clients do (``_test_only_last_request``/``_test_only_last_response``)."""

    api: RestApi
    #: How the client's transport puts a URL on the wire, and the same kept for the last
    #: URLs put (the SDK asks for the same few again and again).
    _as_sent: Callable[[str], str]
    _kept_as_sent: Callable[[str], str]
    #: What an injected timeout becomes: what the client's HTTP library raises (given the
    #: request's method, URL, params, data, headers and auth too).
    _timed_out: Callable[..., Exception]
    #: Whether it is the SDK's async kind of client.
    _is_async = False
    _test_only_last_response: TwilioResponse | None
    #: The last request's arguments; its twilio ``Request`` is made when first read
    #: (as :func:`sent_request` makes its attributes: the same ``_twilio_request``).
    _last_sent: tuple[Any, ...] | None = None
    _last_made: tuple[tuple[Any, ...], TwilioRequest] | None = None
    _last_request: TwilioRequest | None = None

    def __init__(
        self,
        sync: Sync,
        logger: logging.Logger = _logger,
        timeout: float | None = None,
        *,
        fallback: Fallback | None = None,
    ) -> None:
        super().__init__(logger, self._is_async, timeout)  # type: ignore[call-arg]  # twilio's, next
        self.api = RestApi(sync)
        #: What answers the requests for other Twilio products (None: they fail loudly).
        self.fallback = fallback

    @property
    def _test_only_last_request(self) -> TwilioRequest | None:
        """The last request, as twilio's own clients record it (a twilio ``Request``),
        made from its arguments when first read: the same one on every read."""
        sent = self._last_sent
        if sent is None:
            return self._last_request
        made = self._last_made
        if made is None or made[0] is not sent:
            made = self._last_made = (sent, _twilio_request(sent))
        return made[1]

    @_test_only_last_request.setter
    def _test_only_last_request(self, request: TwilioRequest | None) -> None:
        self._last_request = request
        self._last_sent = None

    def _answer(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Any:
        """Answer one SDK request (credentials and timeouts are not checked).

        A request for Sync's host is answered by sync_core; one for any other Twilio
        product goes to :attr:`fallback`, or fails with :class:`NotEmulatedError`. The
        request is recorded first, and its answer once there is one, as twilio's own
        clients record them.
        """
        kind = type(self)
        self._last_sent = (method, uri, auth, params, data, headers, kind._is_async)
        self._test_only_last_response = None
        if headers:  # refused before anything is sent, as the client's HTTP library does
            _check_headers(headers, kind._is_async)
        if not for_sync(uri):
            if method.upper() == "POST" and _OAUTH_TOKEN.fullmatch(uri):
                # A client on OAuth credentials asks for its token first: given one
                # (credentials are not checked), so that its Sync requests come.
                answer = oauth_token_answer()
                self._test_only_last_response = answer
                return answer
            if self.fallback is None:
                raise NotEmulatedError(method, uri)
            answer_elsewhere = getattr(self.fallback, "request", self.fallback)
            told = forwarding.set(True)  # a twilio client it calls sends for real
            try:
                with _forwarded(_forwarded_key(method, uri, params, data)):
                    answer = answer_elsewhere(
                        method,
                        uri,
                        params=params,
                        data=data,
                        headers=headers,
                        auth=auth,
                        timeout=timeout,
                        allow_redirects=allow_redirects,
                    )
            finally:
                forwarding.reset(told)
            if not inspect.isawaitable(answer):  # an async fallback's: recorded when awaited
                self._test_only_last_response = answer
            elif not kind._is_async:  # a sync client cannot await it: say so, at once
                if inspect.iscoroutine(answer):
                    answer.close()  # never to be awaited: no "never awaited" warning
                raise TypeError(
                    f"the fallback {self.fallback!r} answered a sync client with an "
                    "awaitable: give a sync client a sync fallback (an HttpClient)"
                )
            return answer
        sent = kind._kept_as_sent(uri) if len(uri) <= _KEPT_URL_LENGTH else kind._as_sent(uri)
        try:
            # As RestApi.handle, with the values as text and without the None ones (and
            # a None header is none, as requests leaves it out).
            if kind._is_async and (params or data):
                params, data = _as_aiohttp_sends(params, data)
            query = _given_texts(params) if params else {}
            form = _given_texts(data) if data else {}
            answer = self.api._handle(method, sent, query, form, headers)
        except FaultTimeout as timeout:  # an injected one: as the HTTP library times out
            converted = kind._timed_out(timeout, method, uri, params, data, headers, auth)
            if converted is timeout:
                raise
            raise converted from timeout
        response = TwilioResponse(answer.status, answer.text, _Headers(answer.headers))
        self._test_only_last_response = response
        return response


def _as_aiohttp_sends(
    params: dict[str, object] | None, data: dict[str, object] | None
) -> tuple[dict[str, object] | None, dict[str, object] | None]:
    """The query and form as aiohttp (``AsyncTwilioHttpClient``) sends them, where it
    differs from ``requests``: yarl refuses a query value that is not text or a number
    (``None``, a bool: ``TypeError``, before anything is sent), and a form field
    ``None`` is sent as the text ``None`` (``requests`` leaves both out).

    >>> _as_aiohttp_sends(None, {"Data": None, "Ttl": 5})
    (None, {'Data': 'None', 'Ttl': 5})
    >>> _as_aiohttp_sends({"From": None}, None)
    Traceback (most recent call last):
    ...
    TypeError: Invalid variable type: value should be str, int or float, got None of type <class 'NoneType'>
    """
    if params:
        for value in params.values():
            for one in value if isinstance(value, list | tuple) else (value,):
                if isinstance(one, bool) or not isinstance(one, str | int | float):
                    raise TypeError(
                        "Invalid variable type: value should be str, int or float, "
                        f"got {one!r} of type {type(one)}"
                    )
    if data and None in data.values():
        data = {name: "None" if value is None else value for name, value in data.items()}
    return params, data


def basic_auth(auth: tuple[str, str]) -> Any:
    """``auth`` as aiohttp's ``BasicAuth``, as ``AsyncTwilioHttpClient.request`` makes it:
    its own fields, without the DeprecationWarning aiohttp 3.14's constructor gives
    (twilio's client gives it when it sends, not when its request is read)."""
    from aiohttp import BasicAuth

    return tuple.__new__(BasicAuth, (auth[0], auth[1], "latin1"))


def _twilio_request(sent: tuple[Any, ...]) -> TwilioRequest:
    """The twilio ``Request`` of a request's arguments, as :meth:`_Answering._answer`
    keeps them (``method, url, auth, params, data, headers``, and whether the client is
    the async kind, which records ``auth`` as aiohttp's ``BasicAuth``)."""
    method, url, auth, params, data, headers, is_async = sent
    if is_async and auth is not None:  # as AsyncTwilioHttpClient.request records it
        auth = basic_auth(auth)
    return TwilioRequest(
        method=method, url=url, auth=auth, params=params, data=data, headers=headers
    )


#: Header names and values found valid already, for each kind of client (index: whether
#: it is the async one, whose rules are aiohttp's): the SDK sends the same few on every
#: request, so each is checked once (:func:`_check_headers`); cleared when full.
_VALID_NAMES: Final[tuple[set[object], set[object]]] = (set(), set())
_VALID_VALUES: Final[tuple[set[object], set[object]]] = (set(), set())
_VALID_KEPT: Final = 1_024
#: A character aiohttp refuses in a header (``aiohttp/http_writer.py``, ``_safe_header``).
_FORBIDDEN_IN_HEADER: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _check_headers(headers: Mapping[Any, Any], is_async: bool) -> None:
    """Refuse a header the client's HTTP library would refuse before sending anything.

    ``requests`` (``TwilioHttpClient``) raises its ``InvalidHeader`` for a name or value
    that is not text or bytes, or has leading whitespace or a line break
    (``requests.utils.check_header_validity``); aiohttp (``AsyncTwilioHttpClient``)
    raises ``TypeError`` for one that is not text, ``None`` too, and ``ValueError`` for a
    control character (``aiohttp/http_writer.py``). A ``None`` value is no header for
    ``requests`` (it drops it). Under ``requests``, http.client then refuses a name
    that is not ASCII and a value that is not Latin-1 (``UnicodeEncodeError``: an
    ``user_agent_extensions`` entry ``"app-☕"``, say). So a test sees what the app
    would see.

    >>> _check_headers({"If-Match": "3"}, False)
    >>> _check_headers({"If-Match": 3}, False)
    Traceback (most recent call last):
    ...
    requests.exceptions.InvalidHeader: Header part (3) from ('If-Match', 3) must be of type str or bytes, not <class 'int'>
    >>> _check_headers({"If-Match": 3}, True)
    Traceback (most recent call last):
    ...
    TypeError: Cannot serialize non-str key 3
    """
    names, values = _VALID_NAMES[is_async], _VALID_VALUES[is_async]
    try:
        if names.issuperset(headers) and values.issuperset(headers.values()):
            return  # each seen and checked before (the common case: two C calls)
    except TypeError:  # an unhashable value: checked, and refused, below
        pass
    for name, value in headers.items():
        if value is None and not is_async:  # requests leaves it out; aiohttp refuses it
            continue
        if is_async:
            for part in (name, value):
                if not isinstance(part, str):
                    raise TypeError(f"Cannot serialize non-str key {part!r}")
                if _FORBIDDEN_IN_HEADER.search(part):
                    raise ValueError(
                        "Forbidden control character detected in headers. "
                        "Potential header injection attack."
                    )
        else:
            check_header_validity((name, value))
            # Then http.client puts it on the wire (HTTPConnection.putheader): a name
            # as ASCII, a value as Latin-1, else UnicodeEncodeError, nothing sent.
            if isinstance(name, str) and not name.isascii():
                name.encode("ascii")
            if isinstance(value, str) and not value.isascii():
                value.encode("latin-1")
        if len(values) >= _VALID_KEPT:
            names.clear()
            values.clear()
        names.add(name)
        values.add(value)  # text or bytes: hashable


class _SentRequest(TwilioRequest):  # type: ignore[misc]  # twilio is untyped
    """A twilio ``Request`` whose attributes are set when one is first read
    (:func:`sent_request`): ``mock_twilio`` records one on the client for every request,
    as twilio's own clients do, and most programs never read it.

    Until then it holds the arguments alone (plain values: it copies and pickles); the
    first read of any attribute (or ``dir()``, or a ``del``) sets them all, as twilio's
    ``Request`` sets them, but for one assigned already. Only ``vars()`` shows the
    difference before that. Made by calling the class, it is a plain ``Request``.
    """

    def _fill(self) -> dict[str, Any]:
        """Set the attributes from the arguments held, if not set yet; ``__dict__``."""
        held: dict[str, Any] = self.__dict__
        sent = held.get("_sent")
        if sent is not None:
            for field, value in vars(_twilio_request(sent)).items():
                held.setdefault(field, value)
            held.pop("_sent", None)  # last: a thread reading meanwhile finds them set
        return held

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        held = self._fill()
        try:
            return held[name]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}"
            ) from None

    def __delattr__(self, name: str) -> None:
        self._fill()
        super().__delattr__(name)

    def __dir__(self) -> list[str]:
        self._fill()
        return list(super().__dir__())


def sent_request(
    method: str,
    url: str,
    auth: tuple[str, str] | None,
    params: dict[str, object] | None,
    data: dict[str, object] | None,
    headers: dict[str, str] | None,
    asynchronous: bool = False,
) -> TwilioRequest:
    """The twilio ``Request`` of a request's arguments, its attributes set when first
    read: a ``Request`` (a subclass), equal to ``Request(method=..., ...)``. With
    ``asynchronous``, as ``AsyncTwilioHttpClient`` records it: ``auth`` as aiohttp's
    ``BasicAuth``.

    >>> request = sent_request("post", "https://sync.twilio.com/v1/Services", None,
    ...                        None, {"FriendlyName": "a"}, None)
    >>> request.method, request.data, request == TwilioRequest(method="POST",
    ...     url="https://sync.twilio.com/v1/Services", data={"FriendlyName": "a"})
    ('POST', {'FriendlyName': 'a'}, True)
    """
    request = _SentRequest.__new__(_SentRequest)
    request._sent = (method, url, auth, params, data, headers, asynchronous)
    return request


#: A ``requests`` session that only prepares requests (:func:`_requests_timeout`), made
#: when first needed.
_preparing: list[Session] = []


def prepared_request(
    method: str, url: str, params: object, data: object, headers: object, auth: object
) -> PreparedRequest | None:
    """A request as ``requests`` prepares it for twilio's ``TwilioHttpClient`` (what its
    exceptions hold as ``request``), or None if ``requests`` could not prepare it.

    >>> prepared_request("post", "https://sync.twilio.com/v1/Services", None,
    ...                  {"FriendlyName": "a b"}, None, ("AC1", "token")).body
    'FriendlyName=a+b'
    """
    try:
        if not _preparing:
            _preparing.append(Session())
        return _preparing[0].prepare_request(
            Request(
                str(method).upper(),
                url,
                params=params,  # type: ignore[arg-type]  # what the SDK gave, as it gave it
                data=data,  # type: ignore[arg-type]
                headers=headers,  # type: ignore[arg-type]
                auth=auth,  # type: ignore[arg-type]
            )
        )
    except Exception:  # what requests could not prepare is not sent: none to hold
        return None


def _requests_timeout(timeout: FaultTimeout, *sent: Any) -> Exception:
    """What twilio's ``TwilioHttpClient`` lets through on a timeout: ``requests``'s own
    ``ReadTimeout``, holding the request as ``requests`` prepared it (``sent``: the
    method, URL, params, data, headers and auth, as ``TwilioHttpClient`` passes them)."""
    return ReadTimeout(str(timeout), request=prepared_request(*sent))


def _async_timeout(timeout: FaultTimeout, *sent: Any) -> Exception:
    """What twilio's ``AsyncTwilioHttpClient`` (aiohttp) raises: an ``asyncio.TimeoutError``,
    which a :class:`FaultTimeout` is (``TimeoutError``)."""
    return timeout


class _Headers(dict[str, str]):
    """An answer's headers: read case-insensitively, as the ``requests`` and aiohttp
    headers twilio's own clients record are (``headers["etag"]``, ``.get``, ``in``).

    A ``dict`` all the same: the SDK copies an answer's headers on every call
    (``dict(response.headers or {})``, twilio/base/version.py), which a ``dict`` makes a
    C copy and ``requests``' ``CaseInsensitiveDict`` about 6 µs of Python a call.

    >>> headers = _Headers({"ETag": "3"})
    >>> headers["etag"], headers.get("ETAG"), "Etag" in headers, dict(headers)
    ('3', '3', True, {'ETag': '3'})
    """

    __slots__ = ()

    def _named(self, name: object) -> str | None:
        """The key ``name`` is, whatever its case, or None."""
        if isinstance(name, str):
            lowered = name.lower()
            for key in self:
                if key.lower() == lowered:
                    return key
        return None

    def __missing__(self, name: str) -> str:
        key = self._named(name)
        if key is None:
            raise KeyError(name)
        return self[key]

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or self._named(name) is not None

    def get(self, name: str, default: Any = None) -> Any:
        """The value of the header ``name``, whatever its case, or ``default``."""
        key = name if dict.__contains__(self, name) else self._named(name)
        return default if key is None else self[key]


class SyncHttpClient(_Answering, HttpClient):  # type: ignore[misc]  # twilio is untyped
    """A twilio ``HttpClient`` whose every request is answered by sync_core.

    It sees each request as twilio's own ``TwilioHttpClient`` (``requests``) sends it.
    """

    _as_sent = staticmethod(as_sent)
    _kept_as_sent = staticmethod(functools.lru_cache(maxsize=512)(as_sent))
    _timed_out = staticmethod(_requests_timeout)
    request = _Answering._answer


class AsyncSyncHttpClient(_Answering, AsyncHttpClient):  # type: ignore[misc]  # twilio is untyped
    """A twilio ``AsyncHttpClient`` whose every request is answered by sync_core.

    For the SDK's ``*_async`` methods. Each request yields to the event loop once, as
    one on the wire does, then is answered at once (sync_core does no I/O): other tasks
    run between an app's awaits, so a race between them (a read, then a write without
    ``If-Match``) loses updates as it would against Twilio. It sees each URL as twilio's
    own ``AsyncTwilioHttpClient`` (aiohttp) sends it, and its values as aiohttp does: a
    ``None`` query parameter or header is a ``TypeError``, a ``None`` form field the
    text ``None``. ``close()`` (and ``async with``) ends it, as aiohttp's session: a
    request after is ``RuntimeError("Session is closed")``.
    """

    _as_sent = staticmethod(as_sent_async)
    _kept_as_sent = staticmethod(functools.lru_cache(maxsize=512)(as_sent_async))
    _timed_out = staticmethod(_async_timeout)
    _is_async = True
    _closed = False

    async def request(self, *args: Any, **kwargs: Any) -> TwilioResponse:
        """Answer one SDK request, as :meth:`SyncHttpClient.request` does."""
        import asyncio

        if self._closed:  # as aiohttp's ClientSession._request
            raise RuntimeError("Session is closed")
        await asyncio.sleep(0)  # on the wire: the loop runs the other tasks once
        answer = self._answer(*args, **kwargs)
        if inspect.isawaitable(answer):  # an async fallback's
            sent = cast(tuple[Any, ...], self._last_sent)  # (just recorded by _answer)
            method, uri, _, params, data, _, _ = sent
            told = forwarding.set(True)  # a twilio client it awaits sends for real
            try:
                with _forwarded(_forwarded_key(method, uri, params, data)):
                    answer = self._test_only_last_response = await answer
            finally:
                forwarding.reset(told)
        return answer

    async def close(self) -> None:
        """End the client, as ``AsyncTwilioHttpClient.close`` closes its session."""
        self._closed = True

    async def __aenter__(self) -> AsyncSyncHttpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
