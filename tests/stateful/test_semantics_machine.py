"""The shipped semantics machine on the shipped targets, and on broken ones.

``semantics_machine`` (sync_core.testing.machine) checks a target against a plain
model of Twilio Sync's rules. Here it runs, strict, on the REST adapter and the twilio
SDK path (the plain API: test_white_box_machine.py, with white-box checks added); and,
so that it is known to fail when it should, on deliberately broken subclasses of the
plain target, each of which it must catch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from sync_core.testing.machine import semantics_machine
from sync_core.testing.target import CollectionKind, Json, Place, TargetError
from sync_core.testing.targets import PlainTarget, RestTarget, TwilioSdkTarget

#: ``run_state_machine_as_test``, typed.
run_machine = cast(Callable[..., None], run_state_machine_as_test)

TestRestTarget = semantics_machine(RestTarget, strict=True).TestCase
TestTwilioSdkTarget = semantics_machine(TwilioSdkTarget, strict=True).TestCase


class ForgetfulTarget(PlainTarget):
    """Forgets to apply a Map's or List's TTL update: no new revision, no new expiry."""

    def update_collection(
        self, kind: CollectionKind, name: str, ttl: int | None, *, ttl_alias: int | None = None
    ) -> Json:
        if ttl is None and ttl_alias is None:
            return super().update_collection(kind, name, ttl, ttl_alias=ttl_alias)  # 54010
        return self.fetch_collection(kind, name)


class LostDeleteTarget(PlainTarget):
    """Checks an item delete (404, 412) like the real thing, then removes nothing."""

    def delete_item(
        self, kind: CollectionKind, name: str, place: Place, *, if_match: str | None = None
    ) -> None:
        item = self.fetch_item(kind, name, place)
        if if_match is not None and if_match != item["revision"]:
            if not if_match.isdigit():
                raise TargetError(400, 54003, "malformed")
            raise TargetError(412, 20412, "stale")


class UnconditionalTarget(PlainTarget):
    """Ignores If-Match on document and item updates (lost conditional writes)."""

    def update_document(self, name: str, *, if_match: str | None = None, **rest: Any) -> Json:
        return super().update_document(name, **rest)

    def update_item(
        self,
        kind: CollectionKind,
        name: str,
        place: Place,
        *,
        if_match: str | None = None,
        **rest: Any,
    ) -> Json:
        return super().update_item(kind, name, place, **rest)


class DeafTarget(PlainTarget):
    """Loses the events of expiries."""

    def events(self) -> list[Json]:
        return [event for event in super().events() if not event["expired"]]


class Utf16OrderTarget(PlainTarget):
    """Lists Map items in UTF-16 code-unit order (JavaScript's sort, Java's and .NET's
    ordinal compare), where Sync's is code points': U+1F600 before U+FF01."""

    def list_items(self, kind: CollectionKind, name: str, **options: Any) -> list[Json]:
        rows = super().list_items(kind, name, **options)
        if kind == "map":
            rows.sort(
                key=lambda row: str(row["key"]).encode("utf-16-be"),
                reverse=options.get("order") == "desc",
            )
        return rows


#: Small and deterministic: the same examples on every run; no shrinking (we only need
#: to know that it fails) and the first failure only.
BROKEN_BUDGET = settings(
    phases=[Phase.explicit, Phase.generate],
    report_multiple_bugs=False,
    max_examples=100,
    stateful_step_count=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize(
    ("broken", "complaint"),
    [
        (ForgetfulTarget, r"revision \d+, model \d+"),
        (LostDeleteTarget, r"Items/\S+: succeeded, expected a refusal with one of \[\(404"),
        (UnconditionalTarget, r"succeeded, expected a refusal with one of \[\((412|400, 54003)"),
        (DeafTarget, r"events .*, model .*_removed"),
        (Utf16OrderTarget, r"map \w+: listed \[.*\], model \["),
    ],
    ids=[
        "forgets a TTL update",
        "deletes nothing",
        "ignores If-Match",
        "misses expiries",
        "sorts keys by UTF-16",
    ],
)
def test_the_machine_catches_a_broken_target(broken: type[PlainTarget], complaint: str) -> None:
    machine = semantics_machine(broken)
    with pytest.raises(AssertionError, match=complaint):
        run_machine(machine, settings=BROKEN_BUDGET)


@pytest.mark.integration  # seconds long: the control of the broken runs, in every CI run
def test_a_correct_target_passes_the_same_budget() -> None:
    """The broken targets fail for their bug, not for the budget or the settings."""
    run_machine(semantics_machine(PlainTarget), settings=BROKEN_BUDGET)
