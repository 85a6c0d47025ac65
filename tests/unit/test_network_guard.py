"""The tests' own guard (the root conftest.py): nothing beyond this machine is reached."""

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
    # A name another machine resolves to a loopback address is still a lookup there.
    with pytest.raises(OSError, match="only this machine"):
        socket.getaddrinfo("127.0.0.1.nip.io", 443)
    for by_name in (socket.gethostbyname, socket.gethostbyname_ex, socket.gethostbyaddr):
        with pytest.raises(OSError, match="only this machine"):
            by_name("sync.twilio.com")
    for named in ("127.0.0.1%.nip.io", "127.0.0.1%evil.example"):  # a name, no address
        with pytest.raises(OSError, match="only this machine"):
            socket.getaddrinfo(named, 443)
    with pytest.raises(OSError, match="only this machine"):
        socket.getnameinfo(("93.184.216.34", 80), 0)
    # A reverse lookup of a loopback address /etc/hosts does not list asks DNS.
    with pytest.raises(OSError, match="only this machine's names"):
        socket.gethostbyaddr("127.0.0.2")
    assert socket.getnameinfo(("127.0.0.2", 80), 0)[0] == "127.0.0.2"  # numeric: no lookup
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as datagrams,
        pytest.raises(OSError, match="only this machine"),
    ):
        datagrams.sendto(b"x", ("93.184.216.34", 53))


def test_this_machine_is_reached() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
    with socket.socket(socket.AF_INET6) as server:  # 127.0.0.1 written as IPv6
        server.bind(("::", 0))
        server.listen(1)
        port = server.getsockname()[1]
        with socket.socket(socket.AF_INET6) as client:
            client.settimeout(5)
            client.connect(("::ffff:127.0.0.1", port))
