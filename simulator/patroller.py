"""A simulated member as the night sees them: their account, where they are, what they are
doing, and the fixes their phone has taken but not yet sent."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from simulator.client import Session
from simulator.plan import Decision, Member
from simulator.streets import LatLon, Walker, offset


@dataclass(eq=False)  # one per member: compared by identity
class Patroller:
    member: Member
    session: Session
    walker: Walker
    decisions: Iterator[Decision]  # what they do with each offer, in order
    rng: random.Random  # their routes, pauses, delays and counts
    state: str = "patrol"  # patrol, travelling (to a claimed task), on_scene
    task_id: str = ""
    paused_until: float = 0.0
    fixes: list[dict[str, Any]] = field(default_factory=list)
    next_fix_at: float = 0.0
    next_post_at: float = 0.0
    posting: bool = False
    on_duty: bool = False
    offers: dict[str, LatLon] = field(default_factory=dict)  # task id -> scene
    shift_id: str = ""

    @property
    def key(self) -> str:
        return str(self.member.index)

    def fix(self, speed_mps: float) -> dict[str, Any]:
        """A phone's fix of where they are now: a few metres of GPS noise, wall-clock time."""
        lat, lon = offset(
            self.walker.position, north_m=self.rng.gauss(0, 3), east_m=self.rng.gauss(0, 3)
        )
        return {
            "lat": round(lat, 7),
            "lon": round(lon, 7),
            "ts": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "accuracy_m": round(self.rng.uniform(4, 15), 1),
            "speed_mps": round(speed_mps, 2),
            "heading_deg": round(self.walker.heading_to_next(), 1),
        }
