"""The pytest plugin from the outside: a user's test suite gets its fixtures after an install.

Each test runs pytest in a fresh process on a user's test file, where only the installed
entry point can provide the fixtures (tests/unit/test_plugin.py checks them in-process).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sync_core import ManualClock, Sync

pytestmark = pytest.mark.integration

USER_TESTS = """
import os
from datetime import timedelta

def test_fixtures_work_together(sync, sync_clock, twilio_client):
    doc = twilio_client.sync.v1.services("default").documents.create(data={"a": 1}, ttl=60)
    assert sync.services("default").documents(doc.sid).fetch().data == {"a": 1}
    sync_clock.advance(timedelta(seconds=60))
    assert sync.services("default").documents.list() == []
    assert not any(name.startswith("TWILIO_") for name in os.environ)

def test_sids_are_seeded(sync):
    assert sync.services("default").documents.create().sid == SID_WITH_SEED_0

def test_webhooks_are_captured_signed(sync, sync_webhooks):
    from twilio.request_validator import RequestValidator

    url = "https://app.test/hooks/sync"
    svc = sync.services.create(webhook_url=url, webhooks_from_rest_enabled=True)
    sync.services(svc.sid).documents.create(unique_name="d")
    [hook] = sync_webhooks
    assert hook.event_type == "document_created"
    assert RequestValidator(sync.auth_token).validate(url, hook.params, hook.signature)
"""


def run_pytest(directory: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args, str(directory)],
        capture_output=True,
        text=True,
        check=False,
        cwd=directory,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_pytest_fixtures_lists_the_plugin_fixtures_after_an_install(tmp_path: Path) -> None:
    (tmp_path / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
    listing = run_pytest(tmp_path, "--fixtures")
    names = ("sync", "sync_clock", "sync_seed", "sync_factory", "sync_webhooks")
    for name in (*names, "twilio_client", "twilio_async_client", "sync_storage"):
        assert f"\n{name} " in listing or f"\n{name} --" in listing, name
    assert "sync_core/testing/plugin.py" in listing.replace("\\", "/")


def test_a_users_suite_gets_working_fixtures_isolated_from_twilio_settings(
    tmp_path: Path,
) -> None:
    expected = Sync(clock=ManualClock(), seed=0).services("default").documents.create().sid
    (tmp_path / "test_user.py").write_text(USER_TESTS.replace("SID_WITH_SEED_0", repr(expected)))
    env = {
        **os.environ,
        "TWILIO_REGION": "au1",
        "TWILIO_EDGE": "sydney",
        "TWILIO_ACCOUNT_SID": "AC" + "f" * 32,
    }
    assert "3 passed" in run_pytest(tmp_path, "-q", env=env)


HYPOTHESIS_TESTS = """
from hypothesis import given, settings, strategies as st

MADE = []

def catalog(sync):
    MADE.append(1)
    sync.services("default").sync_maps.create(unique_name="stock")

@settings(max_examples=25, database=None)
@given(st.lists(st.text("abc", min_size=1, max_size=3), max_size=4))
def test_each_example_starts_from_the_same_state(sync_factory, keys):
    sync = sync_factory(setup=catalog)
    stock = sync.services("default").sync_maps("stock").sync_map_items
    assert list(stock.list()) == []          # nothing of the examples before
    for key in set(keys):
        stock.create(key=key, data={})
    assert len(MADE) == 1                    # the setup ran once for every example

@settings(max_examples=5, database=None)
@given(st.integers())
def test_the_pitfall_a_function_scoped_fixture(sync, n):
    sync.services("default").documents.create()
"""


def test_the_factory_fixture_gives_every_hypothesis_example_a_fresh_sync(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_user.py").write_text(HYPOTHESIS_TESTS)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    out = done.stdout
    assert "1 failed, 1 passed" in out, out
    # The function-scoped fixture is refused by Hypothesis, for the reason the docs give.
    assert "test_the_pitfall_a_function_scoped_fixture" in out
    assert "function_scoped_fixture" in out, out


ENVIRONMENT_TESTS = """
import os

import pytest

from sync_core import MemoryStorage

CLOSED = []


class Recording(MemoryStorage):
    def close(self):
        CLOSED.append(self)
        super().close()


@pytest.fixture
def sync_storage():
    return Recording()


def test_1_the_mock_fixture_then_the_client_fixture(mock_twilio, twilio_client):
    # The mock's test credentials stay for the code under test's own Client.
    assert os.environ["TWILIO_ACCOUNT_SID"] == mock_twilio.account_sid


def test_2_the_mock_fixture_and_monkeypatch(mock_twilio, monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "2" * 32)


def test_3_nothing_leaked_and_every_storage_was_closed():
    assert not any(name.startswith("TWILIO_") for name in os.environ)
    assert len(CLOSED) == 2  # test 1's and test 2's (the sync fixture closes them)
"""


def test_the_fixtures_leave_no_twilio_setting_and_close_every_storage(tmp_path: Path) -> None:
    # The mock_twilio fixture sets TWILIO_* through monkeypatch, so that the
    # twilio_client fixture's or the test's own changes through it are undone before
    # the machine's environment comes back (they were left holding the test values).
    (tmp_path / "test_env.py").write_text(ENVIRONMENT_TESTS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    assert "3 passed" in run_pytest(tmp_path, "-q", env=env)
