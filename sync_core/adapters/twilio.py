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

Gaps of the SDK itself (twilio 9.x), not of sync_core: it drops ``If-Match`` on Map
and List item deletes, and it does not percent-encode keys in paths, so a key holding
``/`` is not found, one holding ``?`` or ``#`` reaches the item whose key is what comes
before it, and one holding ``%XX`` reaches the key it decodes to. Use the plain API or
:class:`~sync_core.adapters.rest.RestApi` for those.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from twilio.http import AsyncHttpClient, HttpClient
from twilio.http.request import Request as TwilioRequest
from twilio.http.response import Response as TwilioResponse

from ..sync import Sync
from .rest import RestApi

__all__ = ["AsyncSyncHttpClient", "SyncHttpClient"]

_logger: Final = logging.getLogger("sync_core.twilio")


class _Answering:
    """What both clients do: answer a request with :class:`RestApi`, and record it as the
    SDK's own clients do (``_test_only_last_request``/``_test_only_last_response``)."""

    api: RestApi
    _test_only_last_request: TwilioRequest
    _test_only_last_response: TwilioResponse

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
    ) -> TwilioResponse:
        """Answer one SDK request (credentials and timeouts are not checked)."""
        self._test_only_last_request = TwilioRequest(
            method=method, url=uri, auth=auth, params=params, data=data, headers=headers
        )
        answer = self.api.handle(method, uri, params=params, data=data, headers=headers)
        response = TwilioResponse(answer.status, answer.text, answer.headers)
        self._test_only_last_response = response
        return response


class SyncHttpClient(_Answering, HttpClient):  # type: ignore[misc]  # twilio is untyped
    """A twilio ``HttpClient`` whose every request is answered by sync_core."""

    def __init__(
        self, sync: Sync, logger: logging.Logger = _logger, timeout: float | None = None
    ) -> None:
        super().__init__(logger, False, timeout)
        self.api = RestApi(sync)

    request = _Answering._answer


class AsyncSyncHttpClient(_Answering, AsyncHttpClient):  # type: ignore[misc]  # twilio is untyped
    """A twilio ``AsyncHttpClient`` whose every request is answered by sync_core.

    For the SDK's ``*_async`` methods. The answer is computed at once (sync_core does
    no I/O), so awaiting it never yields to the event loop for long.
    """

    def __init__(
        self, sync: Sync, logger: logging.Logger = _logger, timeout: float | None = None
    ) -> None:
        super().__init__(logger, True, timeout)
        self.api = RestApi(sync)

    async def request(self, *args: Any, **kwargs: Any) -> TwilioResponse:
        """Answer one SDK request, as :meth:`SyncHttpClient.request` does."""
        return self._answer(*args, **kwargs)
