"""What location's commands and consumers are given."""

from __future__ import annotations

from dataclasses import dataclass

from services.location.live_view import LiveView
from services.location.repository import (
    DutyRepository,
    DutySessionRepository,
    GeofenceRepository,
    TrackRepository,
)
from shouwang.bus import EventBus
from shouwang.clock import Clock
from shouwang.outbox import Outbox


@dataclass(frozen=True)
class Ports:
    duty: DutyRepository
    tracks: TrackRepository
    fences: GeofenceRepository
    bus: EventBus
    outbox: Outbox
    view: LiveView
    clock: Clock
    track_retention_days: int = 30
    # Finished duty periods, for statistics (None: not kept, as in tests that need none).
    sessions: DutySessionRepository | None = None
