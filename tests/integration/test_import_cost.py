"""``import sync_core`` loads only what every program needs (the bench's import figure).

SQLite, psycopg (for PostgresStorage), :mod:`logging`, OpenSSL's hashes (through
:mod:`secrets`), the reading of access tokens (:mod:`hmac`, ``sync_core.tokens``),
injected faults (``sync_core.faults``, loaded by ``sync.faults``), the rate limits, lazy
expiry, the fixture format and snapshots are loaded when first used: a program that
keeps its state in memory, never logs, reads no token and asks for none of them pays
for none.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration

#: What ``import sync_core`` must not load, with what loads it when it is needed.
DEFERRED = (
    "sqlite3",
    "psycopg",
    "logging",
    "hashlib",
    "hmac",
    "secrets",
    "importlib.metadata",
    "sync_core.tokens",
    "sync_core.faults",
    "sync_core.rates",
    "sync_core.lazy_expiry",
    "sync_core.state",
    "sync_core.snapshots",
)

CHECK = f"""
import sys
import sync_core
print(" ".join(name for name in {DEFERRED!r} if name in sys.modules))
sync = sync_core.Sync()
sync.services.create()
print(" ".join(name for name in {DEFERRED!r} if name in sys.modules))
storage = sync_core.SqliteStorage(":memory:")
from sync_core.storage import StorageFormatError
print(sync_core.SqliteStorage.__module__, StorageFormatError.__name__, "sqlite3" in sys.modules)
print("psycopg" in sys.modules, sync_core.StorageConnectionError.__module__, "psycopg" in sys.modules)
print(sync_core.PostgresStorage.__module__, "psycopg" in sys.modules)
"""


def test_import_sync_core_defers_what_most_programs_never_use() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    on_import, after_a_write, sqlite, errors, postgres = done.stdout.splitlines()
    assert on_import == ""
    assert after_a_write == ""
    assert sqlite == "sync_core.storage.sqlite StorageFormatError True"
    assert errors == "False sync_core.storage.errors False"  # the errors need no psycopg
    assert postgres == "sync_core.storage.postgres True"
