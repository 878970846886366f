"""How an event is rewritten for one bureau, as pure functions: member ids become a keyed
pseudonym of that bureau (two bureaus cannot join their data, and the same member always gets the
same pseudonym there), positions are coarsened, fields the bureau may not see are dropped, and the
new event's id derives from the original's so a replay or redelivery republishes the same id."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import replace

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from services.bridge.policy import BureauPolicy
from shouwang.events import Event
from shouwang.ids import derived_id

# Fields that name a person, wherever a payload nests them.
PERSON_FIELDS = frozenset({"member_id", "member_ids", "actor_id"})
POSITION_FIELDS = frozenset({"lat", "lon"})
SOURCE = "shouwang/bridge"


def bureau_key(master_key: bytes, bureau: str) -> bytes:
    """Each bureau's own pseudonym key, derived so one secret serves every bureau."""
    return hmac.new(master_key, f"bureau:{bureau}".encode(), hashlib.sha256).digest()


def pseudonym(key: bytes, member_id: str) -> str:
    if not member_id:
        return ""
    digest = hmac.new(key, member_id.encode(), hashlib.sha256).digest()[:15]
    return "p" + base64.b32encode(digest).decode().lower()


def for_bureau(event: Event, policy: BureauPolicy, key: bytes, *, subject_is_member: bool) -> Event:
    """``event`` as ``policy``'s bureau may receive it."""
    data = type(event.data)()
    data.CopyFrom(event.data)
    _rewrite(data, policy, key)
    return replace(
        event,
        id=derived_id("bridge", policy.name, event.id),
        source=SOURCE,
        subject=pseudonym(key, event.subject) if subject_is_member else event.subject,
        data=data,
    )


def _rewrite(message: Message, policy: BureauPolicy, key: bytes) -> None:
    descriptor = message.DESCRIPTOR
    for field in descriptor.fields:
        if (descriptor.full_name, field.name) in policy.drop:
            message.ClearField(field.name)
        elif field.name in PERSON_FIELDS:
            _pseudonymise(message, field, key)
        elif field.name in POSITION_FIELDS and field.type == FieldDescriptor.TYPE_DOUBLE:
            setattr(
                message, field.name, round(getattr(message, field.name), policy.position_decimals)
            )
        elif field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type.full_name.startswith(
            "shouwang."
        ):
            children = getattr(message, field.name)
            for child in children if field.is_repeated else [children]:
                _rewrite(child, policy, key)


def _pseudonymise(message: Message, field: FieldDescriptor, key: bytes) -> None:
    if field.is_repeated:
        values = [pseudonym(key, value) for value in getattr(message, field.name)]
        del getattr(message, field.name)[:]
        getattr(message, field.name).extend(values)
    else:
        setattr(message, field.name, pseudonym(key, getattr(message, field.name)))
