"""The caller as a domain service needs them: roles, the scope an officer acts for and their own
station, resolved once by identity and written into that service's own ``Caller`` message (each
service declares one with the same fields; ``org_id`` only where the service asks identity on the
caller's behalf)."""

from __future__ import annotations

from typing import TypeVar

from google.protobuf.message import Message

from services.gateway.auth import Caller
from shouwang.identity.v1 import identity_pb2, identity_pb2_grpc

CallerMessage = TypeVar("CallerMessage", bound=Message)


def caller_message(
    identity: identity_pb2_grpc.IdentityServiceStub,
    message_type: type[CallerMessage],
    caller: Caller,
) -> CallerMessage:
    message = message_type(member_id=caller.member_id, roles=sorted(caller.roles))
    if "org_id" in message_type.DESCRIPTOR.fields_by_name:
        message.org_id = caller.org_id
    if caller.is_officer:
        scope = identity.ResolveScope(identity_pb2.ResolveScopeRequest(actor=caller.actor))
        message.city_wide, message.scope_org_ids[:] = scope.city_wide, scope.org_ids
    member = identity.GetMember(identity_pb2.GetMemberRequest(member_id=caller.member_id))
    message.station_id = member.station_id
    return message
