"""The clock port, SID generators and the root object's arguments."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any, cast

import pytest
from support import SteppedClock
from twilio.rest import Client

from sync_core import (
    Clock,
    ManualClock,
    MemoryStorage,
    NotFoundError,
    RandomSids,
    SeededSids,
    SidGenerator,
    Sync,
    SystemClock,
)
from sync_core.adapters.twilio import SyncHttpClient
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


class _Eastern(tzinfo):
    """New York's zone around 2025-11-02, when 02:00 EDT became 01:00 EST: 01:00 to
    02:00 happened twice (``fold`` tells the two apart), as zoneinfo gives it."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        assert dt is not None
        wall = dt.replace(tzinfo=None)
        before = wall < datetime(2025, 11, 2, 1) or (
            wall < datetime(2025, 11, 2, 2) and not dt.fold
        )
        return timedelta(hours=-4 if before else -5)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return "America/New_York"

    def fromutc(self, dt: datetime) -> datetime:
        utc = dt.replace(tzinfo=None)
        if utc < datetime(2025, 11, 2, 6):  # until 02:00 EDT
            return (utc - timedelta(hours=4)).replace(tzinfo=self)
        wall = (utc - timedelta(hours=5)).replace(tzinfo=self)
        return wall.replace(fold=1) if utc < datetime(2025, 11, 2, 7) else wall


class _EasternClock:
    """A user's clock: the right instant, told in New York's time."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def now(self) -> datetime:
        return self.at.astimezone(_Eastern())


def test_a_clock_in_another_zone_is_read_as_utc_across_a_daylight_saving_change() -> None:
    # now + ttl was wall-clock arithmetic in the clock's zone: a one-hour TTL set at
    # 01:30 EDT lived two hours (01:30 + 1 h is 02:30 EST, 07:30Z); and the dates shown
    # kept the clock's zone, 01:30 EST shown as 01:30 EDT's date.
    clock = _EasternClock(datetime(2025, 11, 2, 5, 30, tzinfo=UTC))  # 01:30 EDT
    sync = Sync(clock=clock)
    docs = sync.services("default").documents
    made = docs.create(unique_name="d", ttl=3600)
    assert made.date_created == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)
    assert made.date_created.tzinfo is UTC
    assert made.date_expires == datetime(2025, 11, 2, 6, 30, tzinfo=UTC)
    clock.at = datetime(2025, 11, 2, 6, 29, 59, tzinfo=UTC)  # 01:29:59 EST, fold 1
    client = Client("AC" + "0" * 32, "token", http_client=SyncHttpClient(sync))
    fetched = client.sync.v1.services("default").documents("d").update(data={"n": 1})
    assert fetched.date_updated == datetime(2025, 11, 2, 6, 29, 59, tzinfo=UTC)
    clock.at = datetime(2025, 11, 2, 6, 30, tzinfo=UTC)  # the hour is up: gone
    with pytest.raises(NotFoundError):
        docs("d").fetch()


class _NoOffset(tzinfo):
    """A ``tzinfo`` whose offset is unknown: the datetime is naive, by Python's rule."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None

    def dst(self, dt: datetime | None) -> None:
        return None

    def tzname(self, dt: datetime | None) -> None:
        return None


class _Gives:
    def __init__(self, value: object) -> None:
        self.value = value

    def now(self) -> object:
        return self.value


@pytest.mark.parametrize(
    "given",
    [
        None,
        "2025-01-01T00:00:00Z",
        1735689600.0,
        datetime(2025, 1, 1).date(),
        datetime(2025, 1, 1),
        datetime(2025, 1, 1, tzinfo=_NoOffset()),
    ],
)
def test_a_clock_that_gives_no_aware_datetime_is_refused_and_changes_nothing(
    given: object,
) -> None:
    clock = _Gives(datetime(2025, 1, 1, tzinfo=UTC))
    sync = Sync(clock=cast(Any, clock), seed=1)
    sync.services("default").documents.create(unique_name="d")
    before = sync.export_state()
    clock.value = given
    with pytest.raises(TypeError, match="now"):
        sync.services("default").documents.create(unique_name="e", ttl=10)
    clock.value = datetime(2025, 1, 1, tzinfo=UTC)
    assert sync.export_state() == before


@pytest.mark.parametrize("clock", [ManualClock, lambda: datetime.now(UTC), "now", None.__class__])
def test_what_is_no_clock_is_refused_when_the_sync_is_made(clock: object) -> None:
    with pytest.raises(TypeError, match="clock must be a clock"):
        Sync(clock=cast(Any, clock))


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        (float("-inf"), "finite"),
        (-1, "backwards"),
        (1e20, "year 9999"),
        (10**4000, "year 9999"),
        (timedelta(days=999_999_999), "year 9999"),
        (-(10**400), "backwards"),
    ],
    ids=[
        "nan",
        "inf",
        "-inf",
        "negative",
        "1e20",
        "10**4000",
        "a timedelta too long",
        "-10**400",
    ],
)
def test_a_manual_clock_refuses_an_advance_it_cannot_make_and_stays(delta: Any, words: str) -> None:
    clock = ManualClock()
    before = clock.now()
    with pytest.raises(ValueError, match=words):
        clock.advance(delta)
    assert clock.now() == before
    with pytest.raises(ValueError, match="outside the years 1 to 9999"):
        clock.set(datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-2))))
    assert clock.now() == before


@pytest.mark.parametrize(
    ("arguments", "error", "named"),
    [
        ({"storage": ":memory:"}, TypeError, "storage"),
        ({"sid_generator": 42}, TypeError, "sid_generator"),
        ({"journal_size": 10**20}, ValueError, "journal_size"),
        ({"journal_size": 2.5}, TypeError, "journal_size"),
        ({"journal_size": True}, TypeError, "journal_size"),
        ({"journal_bytes": float("nan")}, TypeError, "journal_bytes"),
        ({"journal_bytes": -1}, ValueError, "journal_bytes"),
    ],
)
def test_a_sync_argument_of_the_wrong_kind_is_refused_by_name(
    arguments: dict[str, Any], error: type[Exception], named: str
) -> None:
    # They were taken, and failed at the first call (or, a NaN, silently bounded nothing).
    with pytest.raises(error, match=named):
        Sync(**arguments)


class _StaticClock:
    """A clock that is a class: its now() is static."""

    @staticmethod
    def now() -> datetime:
        return datetime(2025, 1, 1, tzinfo=UTC)


class _HandsOn:
    """A storage wrapper that hands every call on through ``__getattr__`` (which
    Python 3.12's ``isinstance`` of a runtime protocol does not look through)."""

    def __init__(self) -> None:
        self.inner = MemoryStorage()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_class_with_a_static_now_is_a_clock_and_a_wrapper_is_a_storage() -> None:
    sync = Sync(clock=cast(Any, _StaticClock), storage=cast(Any, _HandsOn()))
    made = sync.services("default").documents.create(unique_name="d")
    assert made.date_created == datetime(2025, 1, 1, tzinfo=UTC)
    with pytest.raises(TypeError, match="storage must be"):
        Sync(storage=cast(Any, MemoryStorage))  # the class: its methods need an instance


def test_a_clock_past_the_calendar_in_utc_is_refused_and_changes_nothing() -> None:
    clock = _Gives(datetime(2025, 1, 1, tzinfo=UTC))
    sync = Sync(clock=cast(Any, clock), seed=1)
    before = sync.export_state()
    clock.value = datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))
    with pytest.raises(ValueError, match="past the year 9999"):
        sync.services("default").documents.create(unique_name="d")
    clock.value = datetime(2025, 1, 1, tzinfo=UTC)
    assert sync.export_state() == before


def test_date_updated_never_goes_back_when_the_clock_does() -> None:
    """Each write after the clock stepped back keeps ``date_updated`` where it was, as a
    container's did when its items change: never before ``date_created``, never
    earlier than a revision before (Twilio never shows that)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock = SteppedClock(start)
    sync = Sync(clock=clock, seed=1)
    home = sync.services("default")
    home.documents.create(unique_name="d")
    home.sync_maps.create(unique_name="m")
    home.sync_maps("m").sync_map_items.create(key="k", data={})
    home.sync_streams.create(unique_name="s")
    clock.at = start - timedelta(minutes=5)
    written: list[Any] = [
        home.documents("d").update(data={"n": 1}),
        home.sync_maps("m").sync_map_items("k").update(data={"n": 1}),
        home.sync_maps("m").update(ttl=60),
        home.sync_streams("s").update(ttl=60),
    ]
    for record in written:
        assert record.date_updated == start, type(record).__name__
        assert record.date_updated >= record.date_created
    assert home.sync_maps("m").fetch().date_updated == start
