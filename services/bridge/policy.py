"""Which bureau receives what: the policy file of the bridge, validated whole at start-up so a
mistake stops the process with every problem named instead of leaking a field at run time.

    [bureau.traffic-police]
    topics = ["shouwang.tasks.v1", "shouwang.location.v1"]
    position_decimals = 2      # 0.01° ≈ 1.1 km
    drop = ["shouwang.tasks.v1.TaskOffered.offers"]
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from google.protobuf.message import Message

from shouwang.event_catalog import PAYLOADS

BUREAU_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class PolicyError(ValueError):
    """The policy file is wrong; the message lists every problem found."""


@dataclass(frozen=True)
class BureauPolicy:
    name: str
    topics: tuple[str, ...]
    position_decimals: int
    # (message full name, field name) pairs removed before republishing
    drop: frozenset[tuple[str, str]]

    def external_topic(self, topic: str) -> str:
        return f"ext.{self.name}.{topic}"


def load_policy(path: Path) -> list[BureauPolicy]:
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise PolicyError(f"{path}: {error}") from None
    return parse_policy(raw, source=str(path))


def parse_policy(raw: dict, *, source: str = "policy") -> list[BureauPolicy]:
    problems: list[str] = []
    unknown = set(raw) - {"bureau"}
    if unknown:
        problems.append(f"unknown tables {sorted(unknown)}: only [bureau.<name>] is read")
    bureaus = raw.get("bureau", {})
    if not isinstance(bureaus, dict) or not bureaus:
        problems.append("no [bureau.<name>] table: nothing would be bridged")
        bureaus = {}
    policies = []
    for name, table in bureaus.items():
        policy = _bureau(name, table, problems)
        if policy is not None:
            policies.append(policy)
    if problems:
        raise PolicyError(f"{source}: " + "; ".join(problems))
    return policies


def _bureau(name: str, table: object, problems: list[str]) -> BureauPolicy | None:
    where = f"bureau {name!r}"
    if not BUREAU_NAME.match(name):
        problems.append(f"{where}: a name is 1-40 of a-z, 0-9 and '-' (it names Kafka topics)")
    if not isinstance(table, dict):
        problems.append(f"{where}: must be a table")
        return None
    unknown = set(table) - {"topics", "position_decimals", "drop"}
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")
    topics = table.get("topics")
    if not isinstance(topics, list) or not topics or not all(isinstance(t, str) for t in topics):
        problems.append(f"{where}: topics must be a non-empty list of topic names")
        topics = []
    for topic in topics:
        if topic not in PAYLOADS:
            problems.append(f"{where}: topic {topic!r} is not one of {sorted(PAYLOADS)}")
    decimals = table.get("position_decimals", 3)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 4:
        problems.append(f"{where}: position_decimals must be an integer from 0 to 4")
        decimals = 3
    drop = set()
    for path in table.get("drop", []):
        dropped = _drop_path(path, [t for t in topics if t in PAYLOADS])
        if isinstance(dropped, str):
            problems.append(f"{where}: drop {path!r}: {dropped}")
        else:
            drop.add(dropped)
    return BureauPolicy(name, tuple(topics), decimals, frozenset(drop))


def _drop_path(path: object, topics: list[str]) -> tuple[str, str] | str:
    """``<topic>.<Message>.<field>`` → (message full name, field), or what is wrong with it."""
    if not isinstance(path, str) or path.count(".") < 2:
        return "write it as <topic>.<Message>.<field>"
    head, field = path.rsplit(".", 1)
    topic, message = head.rsplit(".", 1)
    if topic not in topics:
        return f"the bureau does not receive {topic!r}"
    payloads: dict[str, type[Message]] = {p.DESCRIPTOR.name: p for p in PAYLOADS[topic].values()}
    if message not in payloads:
        return f"no message {message!r} on {topic} (there are {sorted(payloads)})"
    descriptor = payloads[message].DESCRIPTOR
    if field not in descriptor.fields_by_name:
        return f"no field {field!r} in {message} (there are {sorted(descriptor.fields_by_name)})"
    return descriptor.full_name, field
