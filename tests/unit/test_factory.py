"""``SyncFactory`` and the ``sync_factory`` fixture: a fresh Sync per Hypothesis example;
the ``twilio_async_client`` fixture."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_core import ManualClock, Sync
from sync_core.clock import DEFAULT_START
from sync_core.state import StateFormatError
from sync_core.testing import SyncFactory
from sync_core.testing.strategies import json_data, map_keys

FIXTURE = Path(__file__).resolve().parent.parent / "data" / "sync_fixture.json"

SETUPS: list[str] = []
FIRST_SIDS: set[str] = set()


def shop(sync: Sync) -> None:
    SETUPS.append("shop")
    sync.services("default").sync_maps.create(unique_name="stock")
    sync.services("default").documents.create(unique_name="catalog", data={"pens": 3})


@settings(max_examples=40)
@given(keys=st.lists(map_keys(), max_size=5, unique=True), data=json_data(max_bytes=200))
def test_examples_do_not_leak_state_into_each_other(
    sync_factory: SyncFactory, keys: list[str], data: dict[str, Any]
) -> None:
    sync = sync_factory(setup=shop)
    home = sync.services("default")
    stock = home.sync_maps("stock").sync_map_items
    # Exactly the setup's state, whatever the examples before this one wrote.
    assert list(stock.list()) == []
    assert home.documents("catalog").fetch().data == {"pens": 3}
    assert home.documents("catalog").fetch().revision == "0"
    assert sync.clock.now() == DEFAULT_START
    assert sync.requests == []
    for key in keys:
        stock.create(key=key, data=data)
    home.documents("catalog").update(data=data)
    FIRST_SIDS.add(home.documents.create().sid)  # the same SID in every example
    assert len(FIRST_SIDS) == 1
    assert SETUPS.count("shop") == 1  # built once, restored after


def test_the_factory_makes_independent_syncs() -> None:
    make = SyncFactory(seed=5)
    events: list[str] = []
    one = make()
    one.subscribe(lambda event: events.append(event.type))
    assert isinstance(one.clock, ManualClock)
    one.clock.advance(60)
    one.services("default").documents.create()
    two = make()
    two.services("default").documents.create()
    assert events == ["document_created"]  # subscribers are per Sync
    assert two.clock.now() == DEFAULT_START  # so are clocks
    assert [d.sid for d in two.services("default").documents.list()] == [
        d.sid for d in one.services("default").documents.list()
    ]  # the same seed, the same SIDs


def test_the_factory_loads_a_fixture_file_and_reloads_it_when_it_changes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sync.json"
    data = json.loads(FIXTURE.read_text())
    path.write_text(json.dumps(data))
    make = SyncFactory()
    first = make(path)
    assert first.services("default").documents("settings").fetch().data["theme"] == "dark"
    first.services("default").documents("settings").update(data={"theme": "mine"})
    assert make(str(path)).services("default").documents("settings").fetch().data["theme"] == (
        "dark"
    )
    data["services"][0]["documents"][0]["data"]["theme"] = "light"
    path.write_text(json.dumps(data))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert make(path).services("default").documents("settings").fetch().data["theme"] == "light"
    # A dict works too, and a setup on top of it.
    layered = make(data, setup=shop)
    assert {d.unique_name for d in layered.services("default").documents.list()} >= {
        "settings",
        "catalog",
    }


def test_the_factory_refuses_a_bad_state_and_what_it_makes_itself(tmp_path: Path) -> None:
    make = SyncFactory()
    with pytest.raises(StateFormatError, match="version"):
        make({"services": []})
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(StateFormatError, match="is not JSON"):
        make(broken)
    with pytest.raises(TypeError, match="clock"):
        SyncFactory(clock=ManualClock())
    assert make().export_state()["services"] == []  # nothing was cached by the refusals


def test_the_async_client_fixture_answers_from_sync(twilio_async_client: Any, sync: Sync) -> None:
    service = twilio_async_client.sync.v1.services("default")

    async def scenario() -> str:
        doc = await service.documents.create_async(unique_name="prefs", data={"a": 1})
        fetched = await service.documents("prefs").fetch_async()
        assert fetched.data == {"a": 1}
        return str(doc.sid)

    sid = asyncio.run(scenario())
    assert sync.services("default").documents(sid).fetch().data == {"a": 1}
    assert twilio_async_client.http_client.is_async


def test_a_setup_defined_inside_the_test_is_built_once_and_the_cache_is_bounded() -> None:
    from sync_core.testing.factory import MAX_STATES

    make = SyncFactory()
    runs: list[int] = []
    for _ in range(5):

        def setup(sync: Sync) -> None:  # a new function object each time, one code
            runs.append(1)
            sync.services("default").documents.create()

        make(setup=setup)
    assert len(runs) == 1
    for n in range(MAX_STATES + 5):  # captured values that differ: a state each

        def numbered(sync: Sync, n: int = n) -> None:
            sync.services("default").documents.create(data={"n": n})

        make(setup=numbered)
    assert f"{MAX_STATES} states built" in repr(make)


def _deep(levels: int) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for _ in range(levels):
        data = {"a": data}
    return data


def test_whatever_import_refuses_the_factory_refuses_with_a_state_format_error(
    tmp_path: Path,
) -> None:
    make = SyncFactory()
    deep = {"version": 1, "services": [{"documents": [{"data": _deep(5_000)}]}]}
    with pytest.raises(StateFormatError, match="nests too deeply"):
        make(deep)  # was a RecursionError from the factory's own key
    latin = tmp_path / "latin.json"
    latin.write_bytes(
        '{"version": 1, "services": [{"friendly_name": "caf\xe9"}]}'.encode("latin-1")
    )
    with pytest.raises(StateFormatError, match="not UTF-8"):
        make(latin)  # was a UnicodeDecodeError
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(StateFormatError, match="too deeply"):
        make(nested)  # was a RecursionError


def test_data_that_is_more_than_json_is_never_served_from_its_json_twins_state() -> None:
    # JSON writes {1: "a"} as {"1": "a"}: the factory's key made them one state, and
    # served the valid one's Sync for data the import refuses.
    def state(data: Any) -> dict[str, Any]:
        document = {"unique_name": "d", "data": data}
        return {"version": 1, "services": [{"unique_name": "default", "documents": [document]}]}

    make = SyncFactory()
    good = make(state({"1": "a"}))
    assert good.services("default").documents("d").fetch().data == {"1": "a"}
    for _ in range(2):
        with pytest.raises(StateFormatError, match="not a string"):
            make(state({1: "a"}))
    listed = make(state({"k": ["x"]}))
    assert listed.services("default").documents("d").fetch().data == {"k": ["x"]}
    with pytest.raises(StateFormatError):
        make({"version": 1, "services": ({"friendly_name": "s"},)})  # a tuple, not a list


def test_setups_of_the_same_code_in_two_modules_are_two_setups() -> None:
    # Code objects compare equal across files: two test modules' helpers of one shape
    # (the same lines, at the same place) shared the first one's state.
    source = "def setup(sync):\n    sync.services('default').documents.create(unique_name=NAME)\n"
    first: dict[str, Any] = {"NAME": "from_a"}
    second: dict[str, Any] = {"NAME": "from_b"}
    exec(compile(source, "tests/a.py", "exec"), first)
    exec(compile(source, "tests/a.py", "exec"), second)
    assert first["setup"].__code__ == second["setup"].__code__
    make = SyncFactory()
    for module, name in ((first, "from_a"), (second, "from_b"), (first, "from_a")):
        made = make(setup=module["setup"])
        assert [d.unique_name for d in made.services("default").documents.list()] == [name]


def test_every_call_starts_alike_with_a_webhook_sink() -> None:
    """What builds a state posts no webhook to the factory's sink: the first call's Sync
    starts as the later ones do, and each posts what its own test makes."""
    posted: list[str] = []

    def sink(url: str, params: dict[str, str]) -> None:
        posted.append(params["EventType"])

    def hooked(sync: Sync) -> None:
        sync.services("default").update(
            webhook_url="https://example.com/hook", webhooks_from_rest_enabled=True
        )
        sync.services("default").documents.create(unique_name="d")

    factory = SyncFactory(webhook_sink=sink)
    for n in range(3):
        sync = factory(setup=hooked)
        assert posted == []
        sync.services("default").documents("d").update(data={"n": n})
        assert posted == ["document_updated"]
        posted.clear()
