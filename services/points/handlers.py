"""Points' event handlers and queries. Handlers are idempotent: events arrive at least once."""

from __future__ import annotations

import logging

from services.points.repository import AccountRepository
from shouwang.clock import to_millis
from shouwang.events import Event
from shouwang.identity.v1 import events_pb2 as identity_events

log = logging.getLogger(__name__)

IDENTITY_TOPIC = "shouwang.identity.v1"
IDENTITY_EVENTS = {"shouwang.member.registered": identity_events.MemberRegistered}


def open_account_for_registered_member(accounts: AccountRepository, event: Event) -> None:
    registered: identity_events.MemberRegistered = event.data  # type: ignore[assignment]
    opened = accounts.open(member_id=registered.member_id, opened_at_ms=to_millis(event.time))
    if opened:
        log.info("points account opened", extra={"member_id": registered.member_id})
