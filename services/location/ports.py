"""What location's commands and consumers are given."""

from __future__ import annotations

from dataclasses import dataclass

from services.location.duty_here import DutyWrittenHere
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
    # Who is on duty as this replica wrote it: only where it starts and ends every duty (the
    # all-in-one), so that it answers as the store would; None elsewhere.
    duty_written_here: DutyWrittenHere | None = None
