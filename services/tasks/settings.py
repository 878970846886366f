"""Tasks' configuration."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from shouwang.config import PlatformSettings, setting


@dataclass(frozen=True, kw_only=True)
class TasksSettings(PlatformSettings):
    identity_addr: str = setting("IDENTITY_ADDR", doc="host:port of the identity gRPC service.")
    location_addr: str = setting("LOCATION_ADDR", doc="host:port of the location gRPC service.")
    replica_id: str = setting(
        "TASKS_REPLICA_ID",
        "",
        doc="Name of this replica (default: the host name), recorded on the timer leases it takes.",
    )
    wave_timeout_s: float = setting(
        "WAVE_TIMEOUT_S", 30.0, doc="Seconds a wave of offers waits before the next."
    )
    urgent_wave_timeout_s: float = setting(
        "URGENT_WAVE_TIMEOUT_S", 15.0, doc="The same for priority 1 tasks."
    )

    @property
    def replica_name(self) -> str:
        """The configured replica id, or the host name (a pod's name in Kubernetes)."""
        return self.replica_id or socket.gethostname()
