"""The pytest plugin's fixtures as the project's own tests get them (tests/conftest.py).

tests/integration/test_plugin_install.py checks them from the outside, in a fresh pytest
run of a user's test file.
"""

from __future__ import annotations

from typing import Any

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
