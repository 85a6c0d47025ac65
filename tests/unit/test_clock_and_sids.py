"""The clock port, SID generators and the root object's arguments."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sync_core import Clock, ManualClock, RandomSids, SeededSids, SidGenerator, Sync, SystemClock
from sync_core.clock import DEFAULT_START


def test_a_manual_clock_starts_at_its_default_or_given_start() -> None:
    assert ManualClock().now() == DEFAULT_START == datetime(2025, 1, 1, tzinfo=UTC)
    start = datetime(2030, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    clock = ManualClock(start=start)
    assert clock.now() == start
    assert clock.now().tzinfo is UTC


def test_a_manual_clock_advances_by_seconds_or_timedelta() -> None:
    clock = ManualClock()
    assert clock.advance(1.5) == DEFAULT_START + timedelta(seconds=1.5)
    assert clock.advance(timedelta(days=1)) == DEFAULT_START + timedelta(days=1, seconds=1.5)
    assert clock.advance(0) == clock.now()


def test_a_manual_clock_refuses_to_go_backwards() -> None:
    clock = ManualClock()
    clock.advance(10)
    with pytest.raises(ValueError, match="cannot go backwards"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="cannot go backwards"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="cannot go backwards"):
        clock.set(DEFAULT_START)
    assert clock.now() == DEFAULT_START + timedelta(seconds=10)
    assert clock.set(DEFAULT_START + timedelta(seconds=10)) == clock.now()


def test_a_manual_clock_refuses_naive_datetimes_and_odd_steps() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(start=datetime(2025, 1, 1))
    clock = ManualClock()
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.set(datetime(2026, 1, 1))
    with pytest.raises(TypeError):
        clock.advance(True)
    with pytest.raises(TypeError):
        clock.advance("5")  # type: ignore[arg-type]
    assert clock.now() == DEFAULT_START


def test_the_system_clock_is_aware_utc_and_both_clocks_are_clocks() -> None:
    now = SystemClock().now()
    assert now.tzinfo is UTC
    assert isinstance(SystemClock(), Clock)
    assert isinstance(ManualClock(), Clock)


def test_a_clock_that_returns_a_naive_datetime_is_refused() -> None:
    class Naive:
        def now(self) -> datetime:
            return datetime(2025, 1, 1)

    sync = Sync(clock=Naive())
    with pytest.raises(TypeError, match="naive"):
        sync.services.create()


def test_every_date_an_operation_writes_is_the_clocks_now(clock: ManualClock, sync: Sync) -> None:
    clock.advance(42.25)
    svc = sync.services.create()
    doc = sync.services(svc.sid).documents.create(ttl=5)
    assert svc.date_created == svc.date_updated == clock.now()
    assert doc.date_created == doc.date_updated == clock.now()
    assert doc.date_expires == clock.now() + timedelta(seconds=5)


SID = re.compile(r"[A-Z]{2}[0-9a-f]{32}")


def test_sids_are_a_prefix_and_32_lowercase_hex_digits() -> None:
    for generator in (RandomSids(), SeededSids(3)):
        assert isinstance(generator, SidGenerator)
        sid = generator("ET")
        assert SID.fullmatch(sid)
        assert sid.startswith("ET")


def test_the_same_seed_gives_the_same_sids_and_another_seed_others() -> None:
    def run(seed: int) -> list[str]:
        sids = SeededSids(seed)
        return [sids(prefix) for prefix in ("IS", "ET", "ET", "MP")]

    assert run(5) == run(5)
    assert run(5) != run(6)
    assert len(set(run(5))) == 4


def test_two_seeded_runs_make_identical_records() -> None:
    def run() -> list[dict[str, object]]:
        sync = Sync(clock=ManualClock(), seed="repeatable")
        svc = sync.services.create(friendly_name="s")
        docs = sync.services(svc.sid).documents
        docs.create(unique_name="a", data={"n": 1}, ttl=60)
        docs.create(data={"n": 2})
        docs("a").update(data={"n": 3})
        return [svc.to_dict()] + [d.to_dict() for d in docs.list()]

    assert run() == run()


def test_random_sids_differ_between_runs() -> None:
    assert Sync().services.create().sid != Sync().services.create().sid


def test_a_custom_sid_generator_is_used() -> None:
    made: list[str] = []

    def generator(prefix: str) -> str:
        sid = f"{prefix}{len(made) + 1:032x}"
        made.append(sid)
        return sid

    sync = Sync(sid_generator=generator)
    svc = sync.services.create()
    doc = sync.services(svc.sid).documents.create()
    assert (svc.sid, doc.sid) == ("IS" + "0" * 31 + "1", "ET" + "0" * 31 + "2")


def test_a_repeating_generator_never_gives_two_objects_one_sid() -> None:
    values = iter(["IS" + "1" * 32, "IS" + "1" * 32, "IS" + "2" * 32])
    sync = Sync(sid_generator=lambda prefix: next(values))
    first, second = sync.services.create(), sync.services.create()
    assert first.sid != second.sid


def test_the_account_sid_is_checked_and_carried() -> None:
    account = "AC" + "ab" * 16
    sync = Sync(account_sid=account)
    assert sync.account_sid == account
    assert sync.services.create().account_sid == account
    assert sync.services("default").documents.create().account_sid == account
    assert Sync().account_sid == "AC" + "0" * 32
    with pytest.raises(ValueError, match="account_sid"):
        Sync(account_sid="ACnope")
    with pytest.raises(ValueError, match="not both"):
        Sync(seed=1, sid_generator=RandomSids())


def test_the_root_exposes_its_clock_and_storage() -> None:
    clock = ManualClock()
    sync = Sync(clock=clock)
    assert sync.clock is clock
    assert "Sync(" in repr(sync)
    assert isinstance(Sync().clock, SystemClock)


def test_the_auth_token_is_a_test_value_by_default_and_must_be_text() -> None:
    from sync_core.sids import DEFAULT_AUTH_TOKEN

    assert Sync().auth_token == DEFAULT_AUTH_TOKEN
    assert Sync(auth_token="0123abcd").auth_token == "0123abcd"
    for bad in ("", None, 7):
        with pytest.raises(ValueError, match="auth_token"):
            Sync(auth_token=bad)  # type: ignore[arg-type]


def test_the_webhook_sink_can_be_set_and_removed_later() -> None:
    calls: list[str] = []
    sync = Sync(seed=2)
    svc = sync.services.create(webhook_url="https://app.test/hook", webhooks_from_rest_enabled=True)
    sync.services(svc.sid).documents.create()
    assert sync.webhook_sink is None
    sync.webhook_sink = lambda url, params: calls.append(params["EventType"])
    sync.services(svc.sid).documents.create()
    sync.webhook_sink = None
    sync.services(svc.sid).documents.create()
    assert calls == ["document_created"]
    with pytest.raises(TypeError, match="callable"):
        sync.webhook_sink = "https://app.test"  # type: ignore[assignment]
    assert sync.webhook_sink is None


@pytest.mark.parametrize("storage", ["memory", "sqlite"])
def test_refused_requests_on_the_default_service_spend_no_sid(storage: str) -> None:
    """The ``default`` Service is made on first use, in the request's transaction: a
    request refused further on (404, 400) rolls it back, and puts its SID back too, so
    a seeded Sync makes the same SIDs with or without refused requests first."""
    from sync_core import NotFoundError, SqliteStorage
    from sync_core.adapters.rest import RestApi

    def sids(refused_first: bool) -> tuple[str, str]:
        sync = Sync(seed=7, storage=None if storage == "memory" else SqliteStorage(":memory:"))
        if refused_first:
            with pytest.raises(NotFoundError):
                sync.services("default").documents("missing").fetch()
            api = RestApi(sync)
            assert api.handle("GET", "/v1/Services/default/Maps/missing").status == 404
            refused = api.handle("POST", "/v1/Services/default/Documents", data={"Ttl": "-1"})
            assert refused.status == 400
            assert sync.export_state()["services"] == []  # none made, none kept
        made = sync.services("default").documents.create()
        return made.service_sid, made.sid

    assert sids(refused_first=True) == sids(refused_first=False)


@pytest.mark.parametrize("storage", ["memory", "sqlite"])
def test_a_generator_that_makes_only_sids_in_use_is_refused_not_asked_forever(
    storage: str,
) -> None:
    from sync_core import SqliteStorage

    same = "ET" + "a" * 32
    sync = Sync(
        sid_generator=lambda prefix: same if prefix == "ET" else prefix + "b" * 32,
        storage=None if storage == "memory" else SqliteStorage(":memory:"),
    )
    docs = sync.services("default").documents
    docs.create(unique_name="first")
    before = sync.export_state()
    with pytest.raises(ValueError, match=r"made 'ETa+' again, and it is in use"):
        docs.create(unique_name="second")
    assert sync.export_state() == before
    assert docs("first").fetch().sid == same  # the lock was let go: the Sync answers
    # An import that needs a new SID meets the same refusal.
    state = sync.export_state()
    state["services"][0]["documents"].append({"unique_name": "third"})
    with pytest.raises(ValueError, match="again"):
        sync.import_state(state)
    assert sync.export_state() == before


class _HalfSeeded:
    """A SID generator that says where it is (``getstate``) but cannot go back there
    (no ``setstate``, or one that raises)."""

    def __init__(self, setstate_raises: bool) -> None:
        self._seeded = SeededSids(3)
        if setstate_raises:
            self.setstate = self._refuse

    def __call__(self, prefix: str) -> str:
        return self._seeded(prefix)

    def getstate(self) -> object:
        return self._seeded.getstate()

    def _refuse(self, state: object) -> None:
        raise RuntimeError("this generator cannot go back")


@pytest.mark.parametrize("storage", ["memory", "sqlite"])
@pytest.mark.parametrize("raises", [False, True])
def test_a_generator_without_a_working_setstate_never_holds_the_lock(
    storage: str, raises: bool
) -> None:
    import threading

    from sync_core import NotFoundError, SqliteStorage

    sync = Sync(
        sid_generator=_HalfSeeded(setstate_raises=raises),
        storage=None if storage == "memory" else SqliteStorage(":memory:"),
    )
    expected = RuntimeError if raises else NotFoundError
    # Refused on the default Service before it exists: the generator would go back.
    with pytest.raises(expected):
        sync.services("default").documents("missing").fetch()
    assert sync.export_state()["services"] == []
    # The Sync answers, on this thread and on another.
    made = sync.services("default").documents.create(unique_name="d")
    fetched: list[str] = []
    other = threading.Thread(
        target=lambda: fetched.append(sync.services("default").documents("d").fetch().sid)
    )
    other.start()
    other.join(5)
    assert fetched == [made.sid]
