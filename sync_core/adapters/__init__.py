"""Adapters from the outside world to sync_core: REST-shaped requests, the twilio SDK.

:mod:`sync_core.adapters.rest` needs nothing beyond sync_core;
:mod:`sync_core.adapters.twilio` needs the ``twilio`` package (the ``twilio`` extra).
"""
