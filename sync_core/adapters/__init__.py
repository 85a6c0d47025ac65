"""Adapters from the outside world to sync_core: REST-shaped requests, servers, the twilio SDK.

:mod:`sync_core.adapters.rest` needs nothing beyond sync_core, nor do the server apps
built on it (:mod:`sync_core.adapters.wsgi`, :mod:`sync_core.adapters.asgi`, through
:mod:`sync_core.adapters.http`); :mod:`sync_core.adapters.twilio` needs the ``twilio``
package (the ``twilio`` extra).
"""
