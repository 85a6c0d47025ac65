"""What twilio's own HTTP clients do around a request, for :mod:`sync_core.testing.mock`
to do the same around its answer: ``ValidationClient``'s signing, the retries of
``requests``' urllib3 ``Retry`` and of aiohttp_retry's ``RetryClient``, and the
``response`` hooks ``requests`` calls. Each names the twilio or library source it
follows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

__all__: list[str] = []


def signed(
    client: Any,
    method: str,
    url: str,
    params: Any,
    data: Any,
    headers: Any,
    auth: Any,
) -> None:
    """Prepare and sign a request as twilio's ``ValidationClient.request`` does, but for
    the send: its ``Twilio-Client-Validation`` JWT made with the client's key, so a key
    it cannot sign with fails here as it would against Twilio."""
    from requests import Request, Session
    from twilio.jwt.validation import ClientValidationJwt

    session = client.session or Session()
    prepared = session.prepare_request(
        Request(method.upper(), url, params=params, data=data, headers=headers, auth=auth)
    )
    if "Host" not in prepared.headers and "host" not in prepared.headers:
        prepared.headers["Host"] = client._get_host(prepared)
    payload = client._build_validation_payload(prepared)
    ClientValidationJwt(
        client.account_sid, client.api_key_sid, client.credential_sid, client.private_key, payload
    ).to_jwt()


def retried(client: Any, http: Any, sent: tuple[Any, ...], first: Any) -> Any:
    """Ask ``http`` (the block's client) ``sent`` again, as the ``requests`` session of
    ``client`` would send it again after ``first`` (a ``ReadTimeout``, or an answer with
    an error status), and give its last answer.

    The session's adapter for the URL holds a urllib3 ``Retry`` (``TwilioHttpClient(
    max_retries=N)`` mounts ``HTTPAdapter(max_retries=N)``; an app may mount its own),
    which decides exactly as over the network (``requests/adapters.py``,
    ``urllib3/connectionpool.py``): a read timeout is retried on an idempotent method
    (``GET``, ``DELETE``...; never a ``POST``) while reads are left, and when none is
    left is ``requests``' ``ConnectionError``; an answer whose status is in its
    ``status_forcelist`` is retried while they last, then ``RetryError`` (or the answer,
    with ``raise_on_status=False``); its backoff is slept. Without a ``Retry`` that
    retries (``requests``' default, twilio's without ``max_retries``), ``first`` stands.
    """
    from requests import Session
    from requests.exceptions import ConnectionError as RequestsConnectionError
    from requests.exceptions import ReadTimeout, RetryError
    from urllib3.exceptions import MaxRetryError, ReadTimeoutError
    from urllib3.response import HTTPResponse
    from urllib3.util.retry import Retry

    from ..adapters.twilio import prepared_request

    method, url = str(sent[0]).upper(), sent[1]
    try:
        adapter = (getattr(client, "session", None) or Session()).get_adapter(url)
        retries = getattr(adapter, "max_retries", None)
    except Exception:  # no adapter for the URL: requests would not have sent it
        retries = None
    if not isinstance(retries, Retry):
        retries = Retry(0, read=False)  # requests' default: none
    answer = first
    while True:
        if isinstance(answer, ReadTimeout):
            error = ReadTimeoutError(cast(Any, None), url, f"Read timed out. ({answer})")
            try:
                retries = retries.increment(method, url, error=error)
            except ReadTimeoutError:  # not to be retried: the timeout as it came
                raise answer from None
            except MaxRetryError as exhausted:
                raise RequestsConnectionError(exhausted, request=answer.request) from None
            retries.sleep()
        else:
            status, headers = answer.status_code, dict(answer.headers or {})
            if not retries.is_retry(method, status, bool(headers.get("Retry-After"))):
                return answer
            response = HTTPResponse(b"", headers=headers, status=status, preload_content=False)
            try:
                retries = retries.increment(method, url, response=response)
            except MaxRetryError as exhausted:
                if not retries.raise_on_status:
                    return answer
                raise RetryError(exhausted, request=prepared_request(*sent[:6])) from None
            retries.sleep(response)
        try:
            answer = http.request(*sent)
        except ReadTimeout as timed_out:
            answer = timed_out
        else:
            if answer.status_code < 400:
                return answer


async def retried_async(options: Any, http: Any, sent: tuple[Any, ...]) -> Any:
    """Ask ``http`` (the block's async client) ``sent`` as aiohttp_retry's
    ``RetryClient`` asks (``AsyncTwilioHttpClient(max_retries=N)`` wraps its session in
    one, with ``ExponentialRetry(attempts=N)``; ``aiohttp_retry/client.py``): up to
    ``options.attempts`` tries in all, again after a server error (5xx, with
    ``retry_all_server_errors``, the default) or a status of ``options.statuses``, for a
    method of ``options.methods`` (every method, ``POST`` too, by default), and after
    an exception of ``options.exceptions`` (none by default); sleeping
    ``options.get_timeout(attempt)`` between tries (0.2 s, then 0.4 s...). An
    ``evaluate_response_callback`` is not called (it takes an aiohttp response)."""
    import asyncio

    method = str(sent[0]).upper()
    attempt = 0
    while True:
        attempt += 1
        try:
            answer = await http.request(*sent)
        except Exception as error:
            if attempt >= options.attempts or not any(
                isinstance(error, kind) for kind in options.exceptions
            ):
                raise
        else:
            status = answer.status_code
            if (
                attempt >= options.attempts
                or method not in options.methods
                or not (
                    (status >= 500 and options.retry_all_server_errors)
                    or status in options.statuses
                )
            ):
                return answer
        await asyncio.sleep(options.get_timeout(attempt=attempt, response=None))


def response_hooks(client: Any) -> list[Callable[..., Any]]:
    """The ``response`` hooks ``requests`` would call for a request of ``client`` (a
    ``TwilioHttpClient``): its ``request_hooks`` (twilio gives them to each
    ``Request``), or, when it has none, its session's: ``Session.prepare_request``
    merges them so (``requests.sessions.merge_hooks``: the request's list, when not
    empty, replaces the session's)."""
    for hooks in (getattr(client, "request_hooks", None), getattr(client.session, "hooks", None)):
        listed = hooks.get("response") if isinstance(hooks, dict) else None
        if listed:
            return list(listed) if isinstance(listed, list) else [listed]
    return []


def hooked(
    hooks: list[Callable[..., Any]], sent: tuple[Any, ...], answer: Any, timeout: Any
) -> Any:
    """``answer`` as the app's ``response`` hooks leave it: each called in turn with a
    ``requests.Response`` of it (and ``send``'s arguments), a hook's return value, if
    any, taking its place (``requests.hooks.dispatch_hook``), as over the network."""
    from http.client import responses

    from requests import Response as RequestsResponse
    from requests.hooks import dispatch_hook
    from requests.structures import CaseInsensitiveDict
    from twilio.http.response import Response

    from ..adapters.twilio import prepared_request

    seen = RequestsResponse()
    seen.status_code = answer.status_code
    seen.reason = responses.get(answer.status_code, "")
    seen._content = answer.text.encode("utf-8")
    seen.encoding = "utf-8"
    seen.headers = CaseInsensitiveDict(dict(answer.headers or {}))
    seen.request = prepared_request(*sent)  # type: ignore[assignment]
    seen.url = seen.request.url if seen.request is not None else sent[1]  # type: ignore[assignment]
    options = {"stream": False, "timeout": timeout, "verify": True, "cert": None, "proxies": {}}
    seen = dispatch_hook("response", {"response": hooks}, seen, **options)
    return Response(int(seen.status_code), seen.text, seen.headers)
