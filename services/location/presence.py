"""The presence sweep: members on duty with no fix for 2 minutes are marked offline.

It decides by this replica's live view, which takes every batch as it is accepted, not by the
position stored in ``location_duty``: that one is a checkpoint written once per interval
(``positions``), minutes old for a member sending all along (issue #19: a write per batch kept
the track keeper a quarter behind with 10,000 on duty). The view must have caught up first (a
starting replica's consumer replays the topic) and have run for 2 minutes (one that starts at
the topic's end holds the stored checkpoints until the members' next batches). A view behind by
more than the gap a member leaves between batches may still flip a member who is sending; their
next batch brings them back (``came_online``). While a new replica's view replays the topic it
does not sweep: in a rolling update of every replica nobody sweeps until one has caught up.

Every replica runs it. The flip is a conditional update (on duty, online, the stored position
as old: a view behind a keeper that stored a later fix flips nobody) and goes out through the
outbox with it; on FerretDB the condition is read and written in two statements, so two
replicas may both flip, and the derived event id makes the second ``went_offline`` a repeat
consumers drop. The flip is told on the internal topic too, on the member's partition: the
track keeper drops its checkpoint of the member (which says online), and their next batch
reads the store, finds them offline and derives ``came_online``. A batch the keeper takes on
its checkpoint between the flip and that event leaves the member offline in the store until
their next batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import chain, islice

from services.location import model
from services.location.handlers import PRESENCE_TOPIC, SOURCE
from services.location.live_view import INTERNAL_TOPIC, WENT_OFFLINE
from services.location.ports import Ports
from shouwang.clock import timestamp_of_millis, to_millis, to_timestamp
from shouwang.events import Event
from shouwang.ids import derived_id
from shouwang.location.v1 import events_pb2

_FLIPPED_PER_RUN = 1000  # store writes per run at most; the next run takes the rest


@dataclass(frozen=True)
class _Noted:
    last_seen_s: float  # the view's latest fix of the member when the store was asked
    asked_at: float  # monotonic


class OfflineSweep:
    def __init__(self, ports: Ports, *, live_group: str) -> None:
        """``live_group``: the consumer group of this replica's live view."""
        self.ports = ports
        self.live_group = live_group
        self._started_at = ports.clock.monotonic()
        # Members the store was asked about, while the view shows the same fix: asked again after
        # 2 minutes (a keeper behind the view may store them online after), not at every run,
        # where those offline already would come first and starve the rest.
        self._noted: dict[str, _Noted] = {}

    def run(self) -> int:
        """Mark offline the members this view has no fix of for 2 minutes; how many it did."""
        mono = self.ports.clock.monotonic()
        if mono - self._started_at < model.OFFLINE_AFTER_S or not self.ports.bus.caught_up(
            self.live_group
        ):
            return 0
        now = self.ports.clock.now()
        cutoff_s = now.timestamp() - model.OFFLINE_AFTER_S
        silent = self.ports.view.index.seen_before(cutoff_s)
        self._noted = {m: n for m, n in self._noted.items() if silent.get(m) == n.last_seen_s}
        # Those never asked first, then those asked longest ago: with more silent members than
        # a run takes, every one is asked in turn.
        never = [(m, seen) for m, seen in silent.items() if m not in self._noted]
        again = sorted(
            (n.asked_at, m)
            for m, n in self._noted.items()
            if mono - n.asked_at >= model.OFFLINE_AFTER_S
        )
        news = chain(never, ((m, silent[m]) for _, m in again))
        flipped = 0
        for member_id, last_seen_s in islice(news, _FLIPPED_PER_RUN):
            last_seen_ms = round(last_seen_s * 1000)
            document = self.ports.duty.mark_offline(
                member_id,
                # A store position as fresh means this view is behind (the keeper saw more).
                seen_before_ms=to_millis(now) - model.OFFLINE_AFTER_S * 1000,
                events=_went_offline(member_id, now, last_seen_ms),
            )
            self._noted[member_id] = _Noted(last_seen_s, mono)  # not if the store failed
            if document is not None:
                flipped += 1
                self.ports.outbox.flush(document)
        return flipped


def _went_offline(member_id: str, now: datetime, last_seen_ms: int) -> list[tuple[str, Event]]:
    change = events_pb2.PresenceChanged(
        member_id=member_id,
        at=to_timestamp(now),
        last_seen=timestamp_of_millis(last_seen_ms),
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
