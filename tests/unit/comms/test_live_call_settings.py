"""LIVE_CALL_* settings: the STUN/TURN list as RTCPeerConnection takes it, refused at start-up
(naming the variable) when it is not one."""

from __future__ import annotations

import pytest

from services.comms.live_call_settings import LiveCallSettings, parse_ice_servers
from services.comms.settings import CommsSettings
from shouwang import config
from shouwang.config import ConfigError

CLUSTER = {
    "KAFKA_BOOTSTRAP_SERVERS": "k:9092",
    "MONGODB_URI": "mongodb://m/",
    "IDENTITY_ADDR": "i:1",
    "LOCATION_ADDR": "l:1",
}


def test_no_ice_servers_by_default_and_the_limits_in_milliseconds() -> None:
    settings = LiveCallSettings()
    assert settings.ice_servers == ()
    assert settings.live_call_limits.ring_ms == 45_000
    assert settings.live_call_limits.max_ms == 1_800_000


def test_stun_and_turn_servers_with_credentials_are_read() -> None:
    servers = parse_ice_servers(
        '[{"urls": "stun:stun.example:3478"},'
        ' {"urls": ["turn:turn.example:3478", "turns:turn.example:5349"],'
        '  "username": "u", "credential": "p"}]'
    )
    assert [list(s.urls) for s in servers] == [
        ["stun:stun.example:3478"],
        ["turn:turn.example:3478", "turns:turn.example:5349"],
    ]
    assert (servers[1].username, servers[1].credential) == ("u", "p")


@pytest.mark.parametrize(
    "text", ["{", '[{"urls": []}]', '[{"urls": ["http://turn.example"]}]', '[{"url": "stun:x"}]']
)
def test_a_list_browsers_would_refuse_stops_the_start_naming_the_variable(text: str) -> None:
    with pytest.raises(ConfigError, match="LIVE_CALL_ICE_SERVERS"):
        parse_ice_servers(text)


def test_comms_reads_them_from_its_environment() -> None:
    settings = config.load(
        CommsSettings, {**CLUSTER, "LIVE_CALL_MAX_S": "600", "LIVE_CALL_RING_S": "20"}
    )
    assert settings.live_call_limits.max_ms == 600_000
    assert settings.live_call_limits.ring_ms == 20_000
