"""The presence sweep: members on duty with no fix for 2 minutes are marked offline.

It decides by this replica's live view, which takes every batch as it is accepted, not by the
position stored in ``location_duty``: that one is a checkpoint the track keeper writes once per
interval (``positions``), minutes old for a member sending all along (issue #19: a write per
batch kept the keeper a quarter behind with 10,000 on duty).

Every replica runs it; the flip is a conditional update, so one replica makes it and publishes
``went_offline`` (through the outbox, with the update). The flip is told on the internal topic
too, on the member's partition: the track keeper drops its checkpoint of the member (which
says online) and its next batch reads the store again, finds them offline and derives
``came_online``. A batch the keeper takes on its checkpoint between the flip and that event
leaves the member offline in the store until their next batch.
"""

from __future__ import annotations

from datetime import datetime
from itertools import islice

from services.location import model
from services.location.handlers import PRESENCE_TOPIC, SOURCE
from services.location.live_view import INTERNAL_TOPIC, WENT_OFFLINE
from services.location.ports import Ports
from shouwang.clock import from_millis, to_millis, to_timestamp
from shouwang.events import Event
from shouwang.ids import derived_id
from shouwang.location.v1 import events_pb2

_FLIPPED_PER_RUN = 1000  # store writes per run at most; the next run takes the rest


class OfflineSweep:
    def __init__(self, ports: Ports) -> None:
        self.ports = ports
        self._started_at = ports.clock.monotonic()
        # Members found silent, with the fix time they were found at: not asked again until the
        # view shows a later fix (else those already offline would be taken first every run).
        self._noted: dict[str, float] = {}

    def run(self) -> int:
        """Mark offline the members this view has no fix of for 2 minutes; how many it did."""
        if self.ports.clock.monotonic() - self._started_at < model.OFFLINE_AFTER_S:
            # A starting view holds the stored checkpoints until the members' next batches.
            return 0
        now = self.ports.clock.now()
        cutoff_s = now.timestamp() - model.OFFLINE_AFTER_S
        silent = self.ports.view.index.seen_before(cutoff_s)
        self._noted = {m: seen for m, seen in self._noted.items() if silent.get(m) == seen}
        news = ((m, seen) for m, seen in silent.items() if m not in self._noted)
        flipped = 0
        for member_id, last_seen_s in islice(news, _FLIPPED_PER_RUN):
            self._noted[member_id] = last_seen_s
            last_seen_ms = round(last_seen_s * 1000)
            document = self.ports.duty.mark_offline(
                member_id,
                # A store position as fresh means this view is behind (the keeper saw more).
                seen_before_ms=to_millis(now) - model.OFFLINE_AFTER_S * 1000,
                events=_went_offline(member_id, now, last_seen_ms),
            )
            if document is not None:
                flipped += 1
                self.ports.outbox.flush(document)
        return flipped


def _went_offline(member_id: str, now: datetime, last_seen_ms: int) -> list[tuple[str, Event]]:
    change = events_pb2.PresenceChanged(
        member_id=member_id,
        at=to_timestamp(now),
        last_seen=to_timestamp(from_millis(last_seen_ms)),
    )
    return [
        (
            PRESENCE_TOPIC,
            Event(
                type="shouwang.member.went_offline",
                source=SOURCE,
                subject=member_id,
                time=now,
                id=derived_id("went_offline", member_id, str(last_seen_ms)),
                data=change,
            ),
        ),
        (
            INTERNAL_TOPIC,
            Event(
                type=WENT_OFFLINE,
                source=SOURCE,
                subject=member_id,
                time=now,
                id=derived_id("went_offline_internal", member_id, str(last_seen_ms)),
                data=change,
            ),
        ),
    ]
