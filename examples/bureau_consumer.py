"""Reads one Shouwang event stream the way another bureau would: kafka-python, CloudEvents in
Kafka binary mode (attributes in ``ce_*`` headers), protobuf payloads decoded with the classes
generated from ``proto/`` (docs/asyncapi.yaml describes every topic). Prints one JSON object a line.

    python examples/bureau_consumer.py --bootstrap kafka:9092 --topic shouwang.tasks.v1 \\
        --group bureau-traffic --from-beginning
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import DecodeError, Message
from kafka import KafkaConsumer

from shouwang.event_catalog import PAYLOADS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers, host:port")
    parser.add_argument("--topic", required=True, choices=sorted(PAYLOADS))
    parser.add_argument("--group", required=True, help="this bureau's consumer group")
    parser.add_argument("--from-beginning", action="store_true", help="start at the oldest event")
    parser.add_argument(
        "--idle-exit-s", type=float, default=0, help="stop after this long without an event"
    )
    args = parser.parse_args(argv)
    consumer = KafkaConsumer(
        args.topic,
        bootstrap_servers=args.bootstrap,
        group_id=args.group,
        auto_offset_reset="earliest" if args.from_beginning else "latest",
        consumer_timeout_ms=int(args.idle_exit_s * 1000) if args.idle_exit_s else float("inf"),
    )
    try:
        for record in consumer:
            print(json.dumps(describe(record.headers, record.value, PAYLOADS[args.topic])))
            sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()
    return 0


def describe(
    headers: list[tuple[str, bytes]], value: bytes, payloads: dict[str, type[Message]]
) -> dict[str, Any]:
    """The event as JSON: its CloudEvent attributes and its payload (proto3 JSON mapping)."""
    attributes = {
        name.removeprefix("ce_"): raw.decode() for name, raw in headers if name.startswith("ce_")
    }
    event: dict[str, Any] = {key: attributes.get(key) for key in ("id", "type", "time", "subject")}
    payload_type = payloads.get(attributes.get("type", ""))
    if payload_type is None:
        event["skipped"] = "a type this consumer does not know (newer than its catalog)"
        return event
    try:
        event["data"] = MessageToDict(payload_type.FromString(value))
    except DecodeError:
        event["skipped"] = "a payload that does not decode"
    return event


if __name__ == "__main__":
    sys.exit(main())
