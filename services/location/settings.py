"""Location's configuration."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from shouwang.config import PlatformSettings, setting


@dataclass(frozen=True, kw_only=True)
class LocationSettings(PlatformSettings):
    replica_id: str = setting(
        "LOCATION_REPLICA_ID",
        "",
        doc="Stable name of this replica (default: the host name, i.e. the pod name): its group "
        "of the fix stream, so a restart resumes where it stopped.",
    )
    track_retention_days: int = setting(
        "TRACK_RETENTION_DAYS", 30, doc="Days a member's track is kept before deletion."
    )

    @property
    def replica_name(self) -> str:
        """The configured replica id, or the host name (a pod's name in Kubernetes)."""
        return self.replica_id or socket.gethostname()
