"""An app as a new user writes it: its twilio Client built at import time, from the environment."""

from __future__ import annotations

import os

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

client = Client(os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"])


def send_presence(identity: str) -> None:
    """Mark ``identity`` as online in the Map "presence" of the default service."""
    maps = client.sync.v1.services("default").sync_maps
    try:
        maps("presence").fetch()
    except TwilioRestException as error:
        if error.status != 404:
            raise
        maps.create(unique_name="presence")
    maps("presence").sync_map_items.create(key=identity, data={"online": True})


def text(to: str, body: str) -> str:
    """Send an SMS (Messaging, not Sync); the message's SID."""
    return str(client.messages.create(to=to, from_="+15005550006", body=body).sid)
