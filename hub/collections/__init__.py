"""The collections engine: reminder policies, planning, suppression, the outbox and consent.

See docs/collections.md. The pieces other features call:

* :func:`handle_inbound_sms` — STOP/START from the SMS provider's signed webhook.
* :func:`run_reminders` — a reminders pass (``hubctl reminders run``).
* :mod:`hub.collections.tasks` — RQ job functions.
"""

from __future__ import annotations

from hub.collections.actions import CollectorActions
from hub.collections.channels import ChannelService
from hub.collections.consent import ConsentLedger, handle_inbound_sms
from hub.collections.outbox import cancel_pending
from hub.collections.planner import Planner
from hub.collections.policies import PolicyService
from hub.collections.sender import Sender
from hub.collections.service import run_reminders
from hub.collections.settings import CollectionsSettings

__all__ = [
    "ChannelService",
    "CollectionsSettings",
    "CollectorActions",
    "ConsentLedger",
    "Planner",
    "PolicyService",
    "Sender",
    "cancel_pending",
    "handle_inbound_sms",
    "run_reminders",
]
