"""``TwilioSdkTarget(client=...)``: the semantics machine on a twilio Client the user built.

The client here is answered in-process (``SyncHttpClient``), as a user's would be by
their own server; tests/integration/test_machine_over_http.py sends it over a socket.
The target owns a service made through that client and deletes it on close; without a
``backend`` it sees no events and cannot travel in time, and the machine then sends no
positive TTL. The journal of the Sync behind the client shows what was sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from twilio.http.response import Response
from twilio.rest import Client

from sync_core import ManualClock, Sync
from sync_core.adapters.twilio import SyncHttpClient
from sync_core.testing.machine import semantics_machine
from sync_core.testing.target import TargetError
from sync_core.testing.targets import TwilioSdkTarget

#: ``run_state_machine_as_test``, typed.
run_machine = cast(Callable[..., None], run_state_machine_as_test)

ACCOUNT = "AC" + "0" * 32
#: The TTL parameters of Sync's REST API.
TTL_FIELDS = ("Ttl", "CollectionTtl", "ItemTtl")
#: Small and deterministic: the same examples on every run, the first failure only.
BUDGET = settings(
    phases=[Phase.explicit, Phase.generate],
    report_multiple_bugs=False,
    max_examples=8,
    stateful_step_count=20,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def fresh() -> Sync:
    """The Sync behind the user's client; its journal keeps every request of a run."""
    return Sync(clock=ManualClock(), seed=5, journal_size=100_000)


def users_client(http_client: Any) -> Client:
    """A client as a user builds one (explicit credentials, no TWILIO_* leaking in)."""
    return Client(ACCOUNT, "token", http_client=http_client, environment={"SYNC_CORE": "test"})


class DeletesNoDocument(SyncHttpClient):
    """A server that answers a Document's delete with 204 and deletes nothing."""

    def request(self, method: str, uri: str, *args: Any, **kwargs: Any) -> Any:
        if method == "DELETE" and "/Documents/" in uri:
            return Response(204, "", {})
        return super().request(method, uri, *args, **kwargs)


def test_the_machine_runs_on_a_client_the_user_built() -> None:
    sync = fresh()
    client = users_client(SyncHttpClient(sync))
    run_machine(semantics_machine(lambda: TwilioSdkTarget(client=client)), settings=BUDGET)
    sent = sync.requests
    made = [r for r in sent if r.method == "POST" and r.path == "/v1/Services"]
    removed = [r for r in sent if r.method == "DELETE" and r.path.count("/") == 3]
    assert len(made) == len(removed) >= BUDGET.max_examples  # a service per run, deleted
    assert sync.services.list() == []
    assert sum(r.method == "POST" and "/Items" in r.path for r in sent) > 50
    # No time travel: no positive TTL was ever sent (0 and -1 were).
    ttls = {r.form[field] for r in sent for field in TTL_FIELDS if field in r.form}
    assert ttls == {"0", "-1"}, ttls


def test_the_machine_catches_a_server_that_deletes_nothing_through_the_client() -> None:
    """Without events or time travel the machine still checks every answer."""
    client = users_client(DeletesNoDocument(fresh()))
    machine = semantics_machine(lambda: TwilioSdkTarget(client=client))
    with pytest.raises(AssertionError, match=r"Documents/\S+: succeeded, .* \[\(404, 20404\)\]"):
        run_machine(machine, settings=settings(BUDGET, max_examples=50))


def test_a_backend_gives_events_and_time_travel_strictly() -> None:
    """With the Sync behind the client, the strict machine checks events and dates too."""
    sync = fresh()
    client = users_client(SyncHttpClient(sync))
    target = TwilioSdkTarget(client=client, backend=sync)
    assert (target.can_travel_in_time, target.events(), target.sync) == (True, [], sync)
    target.close()

    def make() -> TwilioSdkTarget:
        return TwilioSdkTarget(client=client, backend=sync)

    run_machine(semantics_machine(make, strict=True), settings=BUDGET)
    assert sync.services.list() == []
    ttls = {r.form[field] for r in sync.requests for field in TTL_FIELDS if field in r.form}
    assert {"1", "2", "5", "30"} <= ttls, ttls


def test_the_target_owns_a_service_made_through_the_client_and_deletes_it() -> None:
    sync = fresh()
    target = TwilioSdkTarget(client=users_client(SyncHttpClient(sync)))
    assert (target.can_travel_in_time, target.events(), target.sync) == (False, None, None)
    service = sync.services(target.service_sid).fetch()
    assert (service.friendly_name, target.owns_service) == ("semantics machine", True)
    made = target.create_document("d", {"n": 1}, None)
    assert made["service_sid"] == target.service_sid
    assert sync.services(target.service_sid).documents("d").fetch().data == {"n": 1}
    with pytest.raises(NotImplementedError, match="cannot travel in time"):
        target.advance(1)
    target.close()
    assert sync.services.list() == []
    assert (sync.requests[-1].method, sync.requests[-1].path, sync.requests[-1].status) == (
        "DELETE",
        f"/v1/Services/{target.service_sid}",
        204,
    )


def test_a_refused_close_is_a_target_error() -> None:
    sync = fresh()
    target = TwilioSdkTarget(client=users_client(SyncHttpClient(sync)))
    sync.services(target.service_sid).delete()  # gone behind the target's back
    with pytest.raises(TargetError) as refused:
        target.close()
    assert (refused.value.status, refused.value.code) == (404, 20404)


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        ({"sync": "sync"}, r"^sync= cannot go with client="),
        ({"seed": 3}, r"^seed= cannot go with client="),
        ({"sync": "sync", "seed": 0}, r"^sync= and seed= cannot go with client="),
        ({"client": object()}, r"^client must be a twilio.rest.Client, not object$"),
        ({"client": None, "backend": "sync"}, r"^backend= goes with client="),
    ],
    ids=["sync", "seed", "both", "not a client", "backend alone"],
)
def test_arguments_that_do_not_go_together_are_refused_before_anything_is_sent(
    arguments: dict[str, Any], complaint: str
) -> None:
    sync = fresh()
    given: dict[str, Any] = {"client": users_client(SyncHttpClient(sync))}
    given.update({name: sync if value == "sync" else value for name, value in arguments.items()})
    with pytest.raises(TypeError, match=complaint):
        TwilioSdkTarget(**given)
    assert (sync.services.list(), sync.requests) == ([], [])


def test_a_backend_that_is_not_behind_the_client_is_refused_and_the_service_deleted() -> None:
    sync, elsewhere = fresh(), Sync(seed=6)
    client = users_client(SyncHttpClient(sync))
    with pytest.raises(ValueError, match=r"backend holds no service IS\w+, the one the client"):
        TwilioSdkTarget(client=client, backend=elsewhere)
    assert (sync.services.list(), elsewhere.services.list()) == ([], [])
    assert [r.method for r in sync.requests] == ["POST", "DELETE"]


def test_without_a_client_the_target_answers_in_process_as_before() -> None:
    target = TwilioSdkTarget(seed=2)
    assert target.sync is not None
    assert target.can_travel_in_time
    assert target.owns_service is False
    target.create_document("d", None, 5)
    target.advance(5)
    assert [event["type"] for event in target.events() or []] == [
        "document_created",
        "document_removed",
    ]
    target.close()
    assert [s.sid for s in target.sync.services.list()] == [target.service_sid]
    assert TwilioSdkTarget(seed=2).service_sid == target.service_sid  # seeded as before
