"""Composition root of the location service. Its API comes with its own issue; until then it
boots, reports health and serves metrics like every other service."""

from __future__ import annotations

from dataclasses import dataclass, field

from shouwang.rpc import ServiceBinding
from shouwang.runtime import Adapters


@dataclass
class LocationService:
    bindings: list[ServiceBinding] = field(default_factory=list)

    def close(self) -> None:
        pass


def build(adapters: Adapters) -> LocationService:
    return LocationService()
