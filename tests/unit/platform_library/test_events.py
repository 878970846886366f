"""The CloudEvents binary-mode codec every bus adapter uses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from shouwang.events import Event, PoisonMessage, UnknownEventType, WireMessage, decode, encode
from shouwang.identity.v1 import events_pb2 as identity_events

TYPES = {"shouwang.member.registered": identity_events.MemberRegistered}


def registered(member_id: str = "m1") -> Event:
    return Event(
        type="shouwang.member.registered",
        source="/shouwang/identity",
        subject=member_id,
        time=datetime(2026, 11, 22, 8, 30, 1, 250000, tzinfo=UTC),
        data=identity_events.MemberRegistered(
            member_id=member_id, team_id="t1", status="pending", registered_at=Timestamp(seconds=1)
        ),
    )


def test_encoding_uses_ce_headers_and_the_aggregate_id_as_key() -> None:
    wire = encode(registered("m42"))
    assert wire.key == b"m42"
    assert wire.headers["ce_specversion"] == b"1.0"
    assert wire.headers["ce_type"] == b"shouwang.member.registered"
    assert wire.headers["ce_subject"] == b"m42"
    assert wire.headers["ce_time"] == b"2026-11-22T08:30:01.250000Z"
    assert wire.headers["content-type"] == b"application/protobuf"
    assert set(wire.headers) >= {"ce_id", "ce_source"}


def test_decoding_returns_the_same_event() -> None:
    event = registered()
    assert decode(encode(event), TYPES) == event


def test_message_without_cloudevent_headers_is_poison() -> None:
    with pytest.raises(PoisonMessage):
        decode(WireMessage(key=b"k", headers={}, value=b"\x00garbage"), TYPES)


def test_known_type_with_unparsable_payload_is_poison() -> None:
    wire = encode(registered())
    with pytest.raises(PoisonMessage):
        decode(WireMessage(wire.key, wire.headers, b"\xff\xff\xff"), TYPES)


def test_type_the_consumer_does_not_handle_is_reported_as_unknown() -> None:
    with pytest.raises(UnknownEventType):
        decode(encode(registered()), {})
