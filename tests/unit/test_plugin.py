"""The pytest plugin's fixtures as the project's own tests get them (tests/conftest.py).

tests/integration/test_plugin_install.py checks them from the outside, in a fresh pytest
run of a user's test file.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from sync_core import ManualClock, Sync


def test_the_projects_sync_fixture_is_the_plugins(
    sync: Sync, sync_clock: ManualClock, clock: ManualClock, sync_seed: int
) -> None:
    assert clock is sync_clock
    assert sync.clock is sync_clock
    assert sync_seed == 1234  # tests/conftest.py overrides the plugin's 0
    assert sync.services("default").fetch().sid == (
        Sync(clock=ManualClock(), seed=1234).services("default").fetch().sid
    )


def test_the_twilio_client_fixture_drives_the_sync_fixture(sync: Sync, twilio_client: Any) -> None:
    service = twilio_client.sync.v1.services.create(friendly_name="via the plugin")
    assert sync.services(service.sid).fetch().friendly_name == "via the plugin"
    assert twilio_client.account_sid == sync.account_sid


def test_the_fixtures_remove_the_machines_twilio_settings_and_keep_the_suites(
    sync: Sync, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the machine set when the session began (real credentials, a region) is
    removed for the test; what the suite set itself (an API key an autouse fixture
    set, for an app that authenticates with one) is kept; the mock's test credentials
    are set when absent, as the block sets them."""
    import sync_core.testing.plugin as plugin

    machine = {
        "TWILIO_ACCOUNT_SID": "AC" + "f" * 32,
        "TWILIO_AUTH_TOKEN": "the-real-token",
        "TWILIO_REGION": "au1",
    }
    monkeypatch.setattr(plugin, "_MACHINE", machine, raising=False)
    for name, value in machine.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TWILIO_API_KEY", "SK" + "1" * 32)  # the suite's own
    assert request.getfixturevalue("mock_twilio") is sync
    assert os.environ["TWILIO_ACCOUNT_SID"] == sync.account_sid
    assert os.environ["TWILIO_AUTH_TOKEN"] == sync.auth_token
    assert "TWILIO_REGION" not in os.environ
    assert os.environ["TWILIO_API_KEY"] == "SK" + "1" * 32
    request.getfixturevalue("twilio_client")
    assert os.environ["TWILIO_ACCOUNT_SID"] == sync.account_sid  # not the machine's
    assert os.environ["TWILIO_API_KEY"] == "SK" + "1" * 32


def test_the_client_fixture_under_the_suites_own_block_keeps_test_credentials(
    sync: Sync, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A block of the suite's own (an autouse fixture's) is active and the machine has
    credentials: twilio_client removes the machine's, and the block's test credentials
    stand in for them, for the code under test's own Client."""
    import sync_core.testing.plugin as plugin
    from sync_core.testing import mock_twilio

    machine = {"TWILIO_ACCOUNT_SID": "AC" + "f" * 32, "TWILIO_AUTH_TOKEN": "the-real-token"}
    monkeypatch.setattr(plugin, "_MACHINE", machine, raising=False)
    for name, value in machine.items():
        monkeypatch.setenv(name, value)
    with mock_twilio() as answering:
        request.getfixturevalue("twilio_client")
        assert os.environ["TWILIO_ACCOUNT_SID"] == answering.account_sid
        assert os.environ["TWILIO_AUTH_TOKEN"] == answering.auth_token
