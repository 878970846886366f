"""Live calls' configuration, a group of settings comms and the all-in-one both honour."""

from __future__ import annotations

import json
from dataclasses import dataclass

from services.comms.live_call import CallLimits
from shouwang.comms.v1 import comms_pb2
from shouwang.config import ConfigError, setting


@dataclass(frozen=True, kw_only=True)
class LiveCallSettings:
    live_call_ring_s: int = setting(
        "LIVE_CALL_RING_S", 45, doc="Seconds a live call rings before it ends unanswered."
    )
    live_call_max_s: int = setting(
        "LIVE_CALL_MAX_S", 1800, doc="Seconds a connected live call lasts at most."
    )
    live_call_ice_servers: str = setting(
        "LIVE_CALL_ICE_SERVERS",
        "[]",
        doc="JSON list of STUN/TURN servers given to both ends of a live call, as in "
        'RTCPeerConnection: `[{"urls": ["turn:turn.example:3478"], "username": "u", '
        '"credential": "p"}]`. Empty: host candidates only (one network). docs/live-calls.md.',
        secret=True,
    )

    @property
    def live_call_limits(self) -> CallLimits:
        return CallLimits(ring_ms=self.live_call_ring_s * 1000, max_ms=self.live_call_max_s * 1000)

    @property
    def ice_servers(self) -> tuple[comms_pb2.IceServer, ...]:
        return parse_ice_servers(self.live_call_ice_servers)


def parse_ice_servers(text: str) -> tuple[comms_pb2.IceServer, ...]:
    """``LIVE_CALL_ICE_SERVERS`` as messages; a ConfigError naming the variable otherwise."""
    try:
        listed = json.loads(text or "[]")
        servers = []
        for entry in listed:
            urls = entry["urls"]
            urls = [urls] if isinstance(urls, str) else list(urls)
            if not urls or not all(
                isinstance(u, str) and u.startswith(("stun:", "turn:", "turns:")) for u in urls
            ):
                raise ValueError("urls")
            servers.append(
                comms_pb2.IceServer(
                    urls=urls,
                    username=str(entry.get("username", "")),
                    credential=str(entry.get("credential", "")),
                )
            )
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise ConfigError(
            "LIVE_CALL_ICE_SERVERS: a JSON list of {urls: [stun:|turn:|turns: ...], username?, "
            f"credential?}} ({error})"
        ) from None
    return tuple(servers)
