"""Fixtures of the unit tests of the twilio SDK over sync_core (sync and async)."""

from __future__ import annotations

from typing import Any

import pytest

from sync_core import Sync


@pytest.fixture
def service_sid(sync: Sync) -> str:
    """A fresh service of ``sync``."""
    return sync.services.create(friendly_name="sdk").sid


@pytest.fixture
def svc(client: Any, service_sid: str) -> Any:
    """The SDK's context of ``service_sid``; the test module provides the ``client``."""
    return client.sync.v1.services(service_sid)
