"""Location's configuration."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from shouwang.config import PlatformSettings, setting


@dataclass(frozen=True, kw_only=True)
class LocationSettings(PlatformSettings):
    replica_id: str = setting(
        "LOCATION_REPLICA_ID",
        socket.gethostname(),
        doc="Stable name of this replica (e.g. the StatefulSet pod name): its consumer group "
        "of the fix stream, so a restart resumes where it stopped.",
    )
    track_retention_days: int = setting(
        "TRACK_RETENTION_DAYS", 30, doc="Days a member's track is kept before deletion."
    )
