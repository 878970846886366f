"""Composition root of the bridge: one consumer group per bureau and topic, nothing started."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from functools import partial

from services.bridge import handlers
from services.bridge.model import bureau_key
from services.bridge.policy import BureauPolicy
from shouwang.event_catalog import PAYLOADS
from shouwang.rpc import ServiceBinding
from shouwang.runtime import Adapters


@dataclass
class BridgeService:
    policies: list[BureauPolicy]
    bindings: list[ServiceBinding] = field(default_factory=list)  # health only: no RPCs

    def close(self) -> None:
        pass  # the bus adapter stops its consumers


def build(adapters: Adapters, *, policies: list[BureauPolicy], master_key: str) -> BridgeService:
    secret = base64.b64decode(master_key)
    for policy in policies:
        key = bureau_key(secret, policy.name)
        for topic in policy.topics:
            adapters.bus.subscribe(
                topic,
                # A group per bureau: each bureau's copy advances on its own.
                group=f"bridge-{policy.name}",
                handler=partial(handlers.republish, adapters.bus, policy, key, topic),
                payload_types=PAYLOADS[topic],
            )
    return BridgeService(policies)
