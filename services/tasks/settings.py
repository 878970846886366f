"""Tasks' configuration."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from services.tasks.model import WaveTimeouts
from shouwang.config import PlatformSettings, setting


@dataclass(frozen=True, kw_only=True)
class WaveSettings:
    """How long waves wait; the embedded all-in-one reads these too."""

    wave_timeout_s: float = setting(
        "WAVE_TIMEOUT_S",
        WaveTimeouts.normal_s,
        doc="Seconds a wave of offers waits before the next.",
    )
    urgent_wave_timeout_s: float = setting(
        "URGENT_WAVE_TIMEOUT_S", WaveTimeouts.urgent_s, doc="The same for priority 1 tasks."
    )

    @property
    def wave_timeouts(self) -> WaveTimeouts:
        return WaveTimeouts(urgent_s=self.urgent_wave_timeout_s, normal_s=self.wave_timeout_s)


@dataclass(frozen=True, kw_only=True)
class TasksSettings(PlatformSettings, WaveSettings):
    identity_addr: str = setting("IDENTITY_ADDR", doc="host:port of the identity gRPC service.")
    location_addr: str = setting("LOCATION_ADDR", doc="host:port of the location gRPC service.")
    replica_id: str = setting(
        "TASKS_REPLICA_ID",
        "",
        doc="Name of this replica (default: the host name), recorded on the timer leases it takes.",
    )

    @property
    def replica_name(self) -> str:
        """The configured replica id, or the host name (a pod's name in Kubernetes)."""
        return self.replica_id or socket.gethostname()
