"""The semantics machine drives a server over a real socket: ``TwilioSdkTarget(client=...)``.

A user's own server is stood for by sync_core's REST app in the standard library's WSGI
server on 127.0.0.1 (tests/http_support.py); the twilio client is built as a user
builds one, on twilio's own ``requests`` client with its Sync host sent to that server.
The machine runs as it would on the user's server (no events, no time travel), and
once more with the Sync behind the server as ``backend`` (events, TTLs and dates too).
The server stops whatever happens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import cast

import pytest
from http_support import LocalHttpClient, serving
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from twilio.rest import Client

from sync_core import ManualClock, Sync
from sync_core.testing.machine import semantics_machine
from sync_core.testing.targets import TwilioSdkTarget

pytestmark = pytest.mark.integration

#: ``run_state_machine_as_test``, typed.
run_machine = cast(Callable[..., None], run_state_machine_as_test)

ACCOUNT = "AC" + "0" * 32
TTL_FIELDS = ("Ttl", "CollectionTtl", "ItemTtl")
BUDGET = settings(
    max_examples=10,
    stateful_step_count=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture
def served() -> Iterator[tuple[Sync, Client]]:
    """A Sync served on 127.0.0.1, and a twilio client whose requests go there."""
    sync = Sync(clock=ManualClock(), seed=8, journal_size=100_000)
    with serving(sync) as base:
        http_client = LocalHttpClient(base)
        try:
            # A non-empty environment: no TWILIO_REGION or TWILIO_EDGE of this machine.
            environment = {"SYNC_CORE": "test"}
            yield sync, Client(ACCOUNT, "token", http_client=http_client, environment=environment)
        finally:
            http_client.session.close()


def ttls_sent(sync: Sync) -> set[str]:
    return {r.form[field] for r in sync.requests for field in TTL_FIELDS if field in r.form}


def test_the_machine_drives_a_server_over_http(served: tuple[Sync, Client]) -> None:
    sync, client = served
    run_machine(
        semantics_machine(lambda: TwilioSdkTarget(client=client), strict=True),
        settings=BUDGET,
    )
    made = [r for r in sync.requests if r.method == "POST" and r.path == "/v1/Services"]
    assert len(made) >= BUDGET.max_examples
    assert sync.services.list() == []  # each run's service deleted over HTTP
    assert ttls_sent(sync) == {"0", "-1"}  # no time travel: no positive TTL
    sync._check()


def test_the_machine_over_http_with_the_backend_checks_events_and_time(
    served: tuple[Sync, Client],
) -> None:
    sync, client = served

    def make() -> TwilioSdkTarget:
        return TwilioSdkTarget(client=client, backend=sync)

    run_machine(semantics_machine(make, strict=True), settings=BUDGET)
    assert sync.services.list() == []
    assert ttls_sent(sync) - {"0", "-1"}  # positive TTLs, and time moved past them
    sync._check()
