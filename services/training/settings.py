"""Training's configuration."""

from __future__ import annotations

from dataclasses import dataclass

from shouwang.config import PlatformSettings, setting


@dataclass(frozen=True, kw_only=True)
class TrainingSettings(PlatformSettings):
    identity_addr: str = setting("IDENTITY_ADDR", doc="host:port of the identity gRPC service.")
    location_addr: str = setting("LOCATION_ADDR", doc="host:port of the location gRPC service.")
    tasks_addr: str = setting(
        "TASKS_ADDR",
        "",
        doc="host:port of the tasks gRPC service, read for the hotspots' incidents; empty: "
        "GET /stats/hotspots answers 503.",
    )
