"""``twilio`` is an optional extra: the core and the REST adapter import without it."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration

WITHOUT_TWILIO = """
import sys
sys.modules["twilio"] = None  # as if it were not installed
import sync_core
from sync_core.adapters.rest import RestApi
api = RestApi(sync_core.Sync())
assert api.handle("GET", "/v1/Services").status == 200
try:
    import sync_core.adapters.twilio
except ImportError:
    print("twilio adapter needs twilio")
"""


def test_the_core_and_the_rest_adapter_import_without_twilio() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_TWILIO], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "twilio adapter needs twilio"
    assert "twilio" not in {name.split(".")[0] for name in _imported_by_core()}


def _imported_by_core() -> list[str]:
    code = "import sys, sync_core, sync_core.adapters.rest; print('\\n'.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()
