"""Identity's gRPC servicer: protobuf in, commands, protobuf out. Errors map in shouwang.rpc."""

from __future__ import annotations

import grpc

from services.identity import handlers
from services.identity.handlers import Ports
from shouwang.clock import from_millis, to_timestamp
from shouwang.errors import NotFound
from shouwang.identity.v1 import identity_pb2, identity_pb2_grpc
from shouwang.rpc import ServiceBinding
from shouwang.store import Document


class IdentityServicer(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    def RegisterMember(self, request, context: grpc.ServicerContext):
        document = handlers.register_member(self.ports, request)
        return identity_pb2.RegisterMemberResponse(
            member_id=document["_id"], status=document["status"]
        )

    def Login(self, request, context: grpc.ServicerContext):
        token, member = handlers.login(self.ports, phone=request.phone, password=request.password)
        return identity_pb2.LoginResponse(
            access_token=token, expires_in=self.ports.tokens.ttl_s, member=member_message(member)
        )

    def GetMember(self, request, context: grpc.ServicerContext):
        member = self.ports.members.get(request.member_id)
        if member is None:
            raise NotFound(detail="no such member")
        return member_message(member)

    def GetSigningKeys(self, request, context: grpc.ServicerContext):
        tokens = self.ports.tokens
        return identity_pb2.SigningKeys(
            keys=[
                identity_pb2.SigningKey(
                    key_id=tokens.key_id, algorithm="EdDSA", public_key_pem=tokens.public_key_pem
                )
            ]
        )


def member_message(member: Document) -> identity_pb2.Member:
    return identity_pb2.Member(
        member_id=member["_id"],
        name=member["name"],
        phone_masked=member["phone_masked"],
        id_number_masked=member["id_number_masked"],
        roles=member["roles"],
        status=member["status"],
        team_id=member["team_id"],
        skills=member["skills"],
        registered_at=to_timestamp(from_millis(member["registered_at"])),
    )


def binding(ports: Ports) -> ServiceBinding:
    return ServiceBinding(
        add=identity_pb2_grpc.add_IdentityServiceServicer_to_server,
        servicer=IdentityServicer(ports),
        full_name=identity_pb2.DESCRIPTOR.services_by_name["IdentityService"].full_name,
    )
