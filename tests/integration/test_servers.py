"""sync_core's apps under real servers, driven by the official twilio SDK over HTTP.

Each server (waitress and gunicorn with threads for the WSGI app, uvicorn for the ASGI
app) runs in a subprocess on a free port of 127.0.0.1, serving an app of
``tests/server_apps.py`` with ``base_url`` its own address, HTTP Basic auth on and the
control routes under ``/_sync_core``. The twilio SDK, on twilio's own ``requests``
client sending Sync's requests to that server, creates 120 Map items and lists them 50
a page: the SDK follows the ``next_page_url`` the server wrote, and every request it
makes goes to 127.0.0.1. The server is always stopped, killed if it will not stop.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from http_support import LocalHttpClient
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from sync_core.sids import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN

pytestmark = pytest.mark.integration

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
CONTROL = "/_sync_core"
#: How long a server may take to answer its port, and to stop.
START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def command(server: str, port: int) -> list[str]:
    """The command that runs ``server`` on 127.0.0.1:``port`` with an app of server_apps."""
    listen = f"127.0.0.1:{port}"
    if server == "waitress":
        return [
            sys.executable,
            "-m",
            "waitress",
            f"--listen={listen}",
            "--call",
            "server_apps:wsgi",
        ]
    if server == "gunicorn":
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            listen,
            "--workers",
            "1",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--graceful-timeout",
            "2",
            "server_apps:wsgi()",
        ]
    assert server == "uvicorn"
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "server_apps:asgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--lifespan",
        "on",
        "--timeout-graceful-shutdown",
        "2",
    ]


def wait_until_answering(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"the server did not answer in {START_TIMEOUT} s:\n{log.read_text()}")


@pytest.fixture(params=["waitress", "gunicorn", "uvicorn"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A real server on 127.0.0.1 running sync_core's app; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(TESTS)]),
        "SYNC_CORE_BASE_URL": base,
        "SYNC_CORE_CONTROL_PREFIX": CONTROL,
        "SYNC_CORE_AUTH": "1",
    }
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command(request.param, port), cwd=TESTS, env=env, stdout=output, stderr=output
        )
    try:
        wait_until_answering(process, port, log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


def test_the_sdk_pages_through_a_real_server_and_stays_on_it(server: str) -> None:
    http_client = LocalHttpClient(server)
    client = Client(
        DEFAULT_ACCOUNT_SID,
        DEFAULT_AUTH_TOKEN,
        http_client=http_client,
        environment={"TWILIO_REGION": "", "TWILIO_EDGE": ""},
    )
    service = client.sync.v1.services("default")
    made = service.sync_maps.create(unique_name="m")
    assert made.url == f"{server}/v1/Services/{made.service_sid}/Maps/{made.sid}"
    items = service.sync_maps("m").sync_map_items
    for n in range(120):
        items.create(key=f"k{n:03}", data={"n": n})

    listed = items.list(page_size=50)

    assert [item.key for item in listed] == [f"k{n:03}" for n in range(120)]
    assert all(item.url.startswith(f"{server}/v1/Services/") for item in listed)
    followed = [url for url in http_client.asked if "PageToken=" in url]
    assert len(followed) == 2  # pages 2 and 3: the server's next_page_url, as written
    assert all(url.startswith(f"{server}/v1/") for url in followed)
    assert all(urlsplit(url).hostname == "127.0.0.1" for url in http_client.sent)
    assert len(http_client.sent) == 1 + 120 + 3


def test_auth_and_control_routes_over_http(server: str) -> None:
    wrong = Client(
        DEFAULT_ACCOUNT_SID,
        "not-the-token",
        http_client=LocalHttpClient(server),
        environment={"TWILIO_REGION": "", "TWILIO_EDGE": ""},
    )
    with pytest.raises(TwilioRestException) as refused:
        wrong.sync.v1.services.create(friendly_name="x")
    assert (refused.value.status, refused.value.code, refused.value.msg) == (
        401,
        20003,
        "Unable to create record: Authenticate",  # as against Twilio itself
    )

    with requests.Session() as session:
        session.trust_env = False  # no proxy: 127.0.0.1 only
        session.auth = (DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN)
        made = session.post(f"{server}/v1/Services", data={"FriendlyName": "x"}, timeout=10)
        assert made.status_code == 201
        journal = session.get(f"{server}{CONTROL}/journal", timeout=10).json()["requests"]
        assert [(r["method"], r["path"], r["status"]) for r in journal] == [
            ("POST", "/v1/Services", 201)
        ]
        advanced = session.post(
            f"{server}{CONTROL}/clock/advance", data=json.dumps({"seconds": 60}), timeout=10
        )
        assert advanced.json() == {"now": "2025-01-01T00:01:00Z"}
        assert session.post(f"{server}{CONTROL}/reset", timeout=10).json() == {"reset": True}
        assert session.get(f"{server}/v1/Services", timeout=10).json()["services"] == []
        unauthenticated = requests.get(f"{server}{CONTROL}/state", timeout=10)
        assert unauthenticated.status_code == 401
        assert unauthenticated.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'


def test_a_path_with_a_double_slash_is_404_on_every_server(server: str) -> None:
    """``//v1/...`` names no host and no route: 404, and nothing deleted, also under
    waitress, which drops the extra slash from ``PATH_INFO``."""
    with requests.Session() as session:
        session.trust_env = False
        session.auth = (DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN)
        made = session.post(
            f"{server}/v1/Services/default/Maps", data={"UniqueName": "m"}, timeout=10
        )
        assert made.status_code == 201
    credentials = base64.b64encode(f"{DEFAULT_ACCOUNT_SID}:{DEFAULT_AUTH_TOKEN}".encode())
    parts = urlsplit(server)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request(
            "DELETE",
            "//v1/Services/default/Maps/m",
            headers={"Authorization": f"Basic {credentials.decode()}"},
        )
        answer = connection.getresponse()
        assert answer.status == 404
        assert json.loads(answer.read())["code"] == 20404
    finally:
        connection.close()
    with requests.Session() as session:
        session.trust_env = False
        session.auth = (DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN)
        kept = session.get(f"{server}/v1/Services/default/Maps/m", timeout=10)
        assert kept.status_code == 200
