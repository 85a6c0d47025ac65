"""Test aids for users of sync_core, shipped inside the package.

- :func:`mock_twilio` (:mod:`sync_core.testing.mock`): every twilio ``Client`` of the
  process answered by sync_core, for Sync only; a context manager and a decorator.
- :class:`SyncFactory` (:mod:`sync_core.testing.factory`): a fresh Sync per call, from
  a starting state built once (a fixture file, a setup function): one per Hypothesis
  example.
- :class:`WebhookRecorder` (:mod:`sync_core.testing.webhooks`): captures every webhook
  a Sync would send, as Twilio sends it (headers, ``X-Twilio-Signature``), and delivers
  it into the app under test: a WSGI app, an ASGI app or any callable, in-process.
- :mod:`sync_core.testing.plugin`: the pytest plugin (fixtures ``sync``,
  ``sync_clock``, ``sync_seed``, ``sync_storage``, ``sync_webhooks``, ``sync_factory``,
  ``mock_twilio``, ``twilio_client`` and ``twilio_async_client``: docs/testing.md),
  registered as a ``pytest11`` entry point, so installing sync_core is enough to get
  them.
- :mod:`sync_core.testing.strategies`: Hypothesis strategies for valid and invalid
  Sync values (data, keys, names, TTLs, identities, permission tables).
- :mod:`sync_core.testing.machine`: a reusable state machine that checks any Sync
  target against a plain model of Twilio Sync's rules;
  :mod:`sync_core.testing.target` holds the small adapter a target implements
  (``SyncTarget``, ``TargetError``) and :mod:`sync_core.testing.targets` the shipped
  ones: the plain API, the REST adapter and the twilio SDK path.
- :mod:`sync_core.testing.conformance`: ``run_storage_conformance(make_storage)``, the
  checks any :class:`~sync_core.storage.Storage` must pass.

The strategies and the machine need ``hypothesis`` (``pip install 'sync_core[testing]'``);
the plugin and the conformance suite need only pytest; ``mock_twilio`` needs ``twilio``
when a block starts. This module imports none of them, so importing it is free.
"""

from __future__ import annotations

from .factory import SyncFactory
from .mock import MockTwilio, current_sync, mock_twilio
from .webhooks import Webhook, WebhookRecorder, WebhookResponse

__all__ = [
    "MockTwilio",
    "SyncFactory",
    "Webhook",
    "WebhookRecorder",
    "WebhookResponse",
    "current_sync",
    "mock_twilio",
]
