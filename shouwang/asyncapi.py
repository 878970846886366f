"""Renders docs/asyncapi.yaml (AsyncAPI 3.1) from the event catalogs written beside the generated
protobuf code, with each payload's schema derived from its protobuf descriptor, so the document
other bureaus read cannot drift from what the services publish. `make docs` writes it; a test
fails when it is stale and has it checked by the AsyncAPI project's own parser."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from shouwang.bus import DLQ_SUFFIX
from shouwang.bus.delivery import DLQ_ATTEMPTS, DLQ_GROUP, DLQ_ORIGINAL_TOPIC, DLQ_REASON
from shouwang.identity.v1.event_types import IDENTITY_EVENT_TYPES, IDENTITY_TOPIC
from shouwang.location.v1.event_types import (
    LOCATION_EVENT_TYPES,
    LOCATION_TOPIC,
    PRESENCE_EVENT_TYPES,
    PRESENCE_TOPIC,
)
from shouwang.points.v1.event_types import POINTS_EVENT_TYPES, POINTS_TOPIC
from shouwang.tasks.v1.event_types import (
    REPORT_EVENT_TYPES,
    REPORTS_TOPIC,
    TASK_EVENT_TYPES,
    TASKS_TOPIC,
)

# What the Kafka adapter creates a topic with (shouwang/bus/kafka.py); retention is the broker's.
PARTITIONS = 3
DEFAULT_RETENTION_MS = 7 * 24 * 3600 * 1000


@dataclass(frozen=True)
class Topic:
    name: str
    address: str
    key: str
    description: str
    event_types: dict[str, type[Message]]


TOPICS = (
    Topic(
        "identity",
        IDENTITY_TOPIC,
        "member id",
        "Members' lifecycle, pseudonymous: member id, team, station, status, roles, token "
        "version. Never a name, ID number or phone.",
        IDENTITY_EVENT_TYPES,
    ),
    Topic(
        "presence",
        PRESENCE_TOPIC,
        "member id",
        "Going on and off duty, going offline (no fix for 2 minutes) and coming back.",
        PRESENCE_EVENT_TYPES,
    ),
    Topic(
        "location",
        LOCATION_TOPIC,
        "member id",
        "Coarse positions, throttled per member (not every fix), and geofence crossings.",
        LOCATION_EVENT_TYPES,
    ),
    Topic(
        "tasks",
        TASKS_TOPIC,
        "task id",
        "Dispatch: created, offered in waves, claimed, declined, arrived, resolved, closed, "
        "cancelled, expired, unfilled.",
        TASK_EVENT_TYPES,
    ),
    Topic(
        "reports",
        REPORTS_TOPIC,
        "report id",
        "Members' tips and hazard reports, and their review.",
        REPORT_EVENT_TYPES,
    ),
    Topic(
        "points",
        POINTS_TOPIC,
        "member id",
        "Ledger entries that changed a member's points, and redemptions.",
        POINTS_EVENT_TYPES,
    ),
)

DESCRIPTION = "\n\n".join(
    (
        "Event streams of Shouwang for other bureaus. Every message is a CloudEvent 1.0 in Kafka "
        "binary mode: its attributes in `ce_*` headers, `content-type: application/protobuf`, the "
        "value a protobuf message (proto3) whose full name `ce_dataschema` gives as "
        "`proto:<name>`; the payload schemas below are the proto3 JSON mapping of those messages, "
        "generated from their descriptors.",
        "Keys and order: the Kafka key is the aggregate id (`ce_subject`); a topic has "
        f"{PARTITIONS} partitions, so the events of one member, task or report arrive in the order "
        "they were written, and nothing is promised across keys. Delivery is at least once: "
        "`ce_id` is stable across redelivery and replays (ids derived from the source where an "
        "event is computed), so consumers drop duplicates by `ce_id`. Retention is the broker's "
        "(7 days by default); no topic is compacted.",
        "A message a Shouwang consumer cannot parse or handle goes to "
        f"`<topic>{DLQ_SUFFIX}` with its original headers, key and value plus the `dlq_*` "
        "headers.",
        "No message carries an ID number, a full phone number, a password hash or a track.",
    )
)


def document() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for topic in TOPICS:
        channel_messages = {}
        for event_type, payload in topic.event_types.items():
            name = message_name(event_type)
            channel_messages[name] = {"$ref": f"#/components/messages/{name}"}
            messages[name] = _message(event_type, payload, topic)
            _add_schema(payload.DESCRIPTOR, schemas)
        channels[topic.name] = {
            "address": topic.address,
            "description": topic.description,
            "messages": channel_messages,
            "bindings": {"kafka": _topic_binding(topic.address)},
        }
        dead_letters = f"{topic.name}DeadLetters"
        channels[dead_letters] = {
            "address": topic.address + DLQ_SUFFIX,
            "description": f"Messages of {topic.address} a consumer could not parse or handle.",
            "messages": {"deadLetter": {"$ref": "#/components/messages/deadLetter"}},
            "bindings": {"kafka": _topic_binding(topic.address + DLQ_SUFFIX)},
        }
        operations[f"consume{topic.name.capitalize()}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{topic.name}"},
            "summary": f"Read {topic.address}.",
        }
    messages["deadLetter"] = _dead_letter()
    return {
        "asyncapi": "3.1.0",
        "info": {
            "title": "Shouwang event streams",
            "version": "1.0.0",
            "description": DESCRIPTION,
        },
        "defaultContentType": "application/protobuf",
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": dict(sorted(schemas.items())),
            "messageTraits": {"cloudEvent": {"headers": _cloud_event_headers()}},
        },
    }


def render() -> str:
    import yaml  # a development dependency: only `make docs` and the tests render

    header = (
        "# Generated by `make docs` from the event catalogs (shouwang/asyncapi.py): do not edit.\n"
    )
    return header + yaml.dump(
        document(), Dumper=_dumper(), sort_keys=False, allow_unicode=True, width=100
    )


def _literal_if_multiline(dumper: Any, text: str) -> Any:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def _dumper() -> type:
    import yaml

    class Dumper(yaml.SafeDumper):
        """Paragraphs as literal blocks; everything else as safe_dump writes it."""

    Dumper.add_representer(str, _literal_if_multiline)
    return Dumper


def message_name(event_type: str) -> str:
    """``shouwang.task.offered`` → ``taskOffered``."""
    words = re.split(r"[._]", event_type.removeprefix("shouwang."))
    return words[0] + "".join(word.capitalize() for word in words[1:])


def _message(event_type: str, payload: type[Message], topic: Topic) -> dict[str, Any]:
    full_name = payload.DESCRIPTOR.full_name
    return {
        "name": event_type,
        "title": event_type,
        "summary": f"`ce_type` {event_type}; payload {full_name}; key the {topic.key}.",
        "contentType": "application/protobuf",
        "headers": {
            "type": "object",
            "properties": {
                "ce_type": {"type": "string", "const": event_type},
                "ce_dataschema": {"type": "string", "const": f"proto:{full_name}"},
            },
        },
        "payload": {"$ref": f"#/components/schemas/{full_name}"},
        "bindings": {"kafka": {"key": {"type": "string", "description": topic.key}}},
        "traits": [{"$ref": "#/components/messageTraits/cloudEvent"}],
    }


def _dead_letter() -> dict[str, Any]:
    return {
        "name": "dead-letter",
        "title": "Dead letter",
        "summary": "The original message unchanged, plus why it was set aside.",
        "contentType": "application/protobuf",
        "headers": {
            "type": "object",
            "required": [DLQ_REASON, DLQ_GROUP, DLQ_ORIGINAL_TOPIC, DLQ_ATTEMPTS],
            "properties": {
                DLQ_REASON: {"type": "string", "description": "why (never personal data)"},
                DLQ_GROUP: {"type": "string", "description": "the consumer group that gave up"},
                DLQ_ORIGINAL_TOPIC: {"type": "string"},
                DLQ_ATTEMPTS: {"type": "string", "description": "handling attempts, decimal"},
            },
        },
        "payload": {"description": "the original value's bytes"},
    }


def _cloud_event_headers() -> dict[str, Any]:
    return {
        "type": "object",
        "required": [
            "ce_specversion",
            "ce_id",
            "ce_source",
            "ce_type",
            "ce_time",
            "ce_subject",
            "content-type",
        ],
        "properties": {
            "ce_specversion": {"type": "string", "const": "1.0"},
            "ce_id": {"type": "string", "description": "stable across redelivery and replays"},
            "ce_source": {"type": "string", "description": "the publishing service"},
            "ce_type": {"type": "string"},
            "ce_time": {"type": "string", "format": "date-time"},
            "ce_subject": {"type": "string", "description": "the aggregate id, also the key"},
            "ce_dataschema": {"type": "string", "description": "proto:<message full name>"},
            "content-type": {"type": "string", "const": "application/protobuf"},
        },
    }


def _topic_binding(address: str) -> dict[str, Any]:
    return {
        "topic": address,
        "partitions": PARTITIONS,
        "topicConfiguration": {
            "cleanup.policy": ["delete"],
            "retention.ms": DEFAULT_RETENTION_MS,
        },
        "bindingVersion": "0.5.0",
    }


# Protobuf → JSON Schema (the proto3 JSON mapping) ----------------------------------------------

_SCALARS: dict[int, dict[str, Any]] = {
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_DOUBLE: {"type": "number"},
    FieldDescriptor.TYPE_FLOAT: {"type": "number"},
    FieldDescriptor.TYPE_INT32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_UINT32: {"type": "integer", "format": "uint32"},
    FieldDescriptor.TYPE_SINT32: {"type": "integer", "format": "int32"},
    # proto3 JSON writes 64-bit integers as strings
    FieldDescriptor.TYPE_INT64: {"type": "string", "format": "int64"},
    FieldDescriptor.TYPE_UINT64: {"type": "string", "format": "uint64"},
    FieldDescriptor.TYPE_SINT64: {"type": "string", "format": "int64"},
    FieldDescriptor.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
}
_WELL_KNOWN = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": r"^-?\d+(\.\d+)?s$"},
}


def _add_schema(descriptor: Descriptor, schemas: dict[str, Any]) -> None:
    if descriptor.full_name in schemas or descriptor.full_name in _WELL_KNOWN:
        return
    properties: dict[str, Any] = {}
    schemas[descriptor.full_name] = {
        "type": "object",
        "description": f"protobuf message {descriptor.full_name}",
        "properties": properties,
    }
    for field in descriptor.fields:
        properties[field.json_name] = _field_schema(field, schemas)


def _field_schema(field: FieldDescriptor, schemas: dict[str, Any]) -> dict[str, Any]:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        message = field.message_type
        if message.GetOptions().map_entry:
            value = message.fields_by_name["value"]
            return {"type": "object", "additionalProperties": _field_schema(value, schemas)}
        if message.full_name in _WELL_KNOWN:
            single = dict(_WELL_KNOWN[message.full_name])
        else:
            _add_schema(message, schemas)
            single = {"$ref": f"#/components/schemas/{message.full_name}"}
    elif field.type == FieldDescriptor.TYPE_ENUM:
        single = {"type": "string", "enum": [value.name for value in field.enum_type.values]}
    else:
        single = dict(_SCALARS[field.type])
    single["x-proto-field"] = field.number
    if field.is_repeated:  # maps returned above
        return {"type": "array", "items": single, "x-proto-field": field.number}
    return single


if __name__ == "__main__":
    import sys

    sys.stdout.write(render())
