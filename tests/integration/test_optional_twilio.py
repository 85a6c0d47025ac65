"""``twilio`` is an optional extra: the core and the REST adapter import without it, and
access tokens are read without twilio or PyJWT."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration

WITHOUT_TWILIO = """
import base64, hashlib, hmac, json, sys
sys.modules["twilio"] = None  # as if it were not installed
sys.modules["jwt"] = None  # nor PyJWT
import sync_core
from sync_core.adapters.rest import RestApi
api = RestApi(sync_core.Sync())
assert api.handle("GET", "/v1/Services").status == 200
sync = sync_core.Sync(clock=sync_core.ManualClock())
def part(value):
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
now = int(sync.clock.now().timestamp())
signed = part({"typ": "JWT", "alg": "HS256", "cty": "twilio-fpa;v=1"}) + "." + part(
    {"iss": "SK" + "1" * 32, "sub": sync.account_sid, "exp": now + 60,
     "grants": {"identity": "alice", "data_sync": {}}})
mac = hmac.new(b"s" * 32, signed.encode(), hashlib.sha256).digest()
token = signed + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
assert sync.for_token(token, "s" * 32).identity == "alice"
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
