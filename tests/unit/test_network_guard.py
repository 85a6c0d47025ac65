"""The tests' own guard (tests/conftest.py): nothing beyond this machine is reached."""

from __future__ import annotations

import socket

import pytest


def test_a_connection_or_a_lookup_beyond_this_machine_is_refused() -> None:
    with pytest.raises(OSError, match="only this machine"):
        socket.create_connection(("sync.twilio.com", 443), timeout=1)
    with pytest.raises(OSError, match="only this machine"):
        socket.socket().connect(("93.184.216.34", 80))
    with pytest.raises(OSError, match="only this machine"):
        socket.getaddrinfo("api.twilio.com", 443)


def test_this_machine_is_reached() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
