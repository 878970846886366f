"""Officers' member endpoints: the scoped list, verification, suspension, roles, audited reads."""

from __future__ import annotations

from flask import Response

from services.gateway.access import Access
from services.gateway.auth import Caller
from services.gateway.context import GatewayContext
from services.gateway.models.identity import MemberView
from services.gateway.models.members import (
    AuditPage,
    AuditQuery,
    MemberPage,
    MemberQuery,
    RevealedValue,
    RevealRequest,
    RoleAssignment,
    TeamChangeDecision,
    Verdict,
)
from services.gateway.routes.identity import no_store
from shouwang.identity.v1 import identity_pb2 as pb
from shouwang.typed_routes import TypedRoutes


def routes(context: GatewayContext) -> TypedRoutes:
    api = TypedRoutes("members", tag="members", idempotency=context.idempotent)
    identity = context.clients.identity

    def changed(member: pb.Member) -> MemberView:
        # This replica knows at once; the others learn it from shouwang.identity.v1.
        context.verifier.versions.raise_to(member.member_id, member.token_version)
        return MemberView.from_proto(member)

    @api.get(
        "/members",
        summary="Members of the officer's scope, masked, newest first",
        description="Pending members registered without a team are listed for every officer.",
        access=Access.OFFICER,
        query=MemberQuery,
        reply=MemberPage,
    )
    def list_members(caller: Caller, query: MemberQuery) -> MemberPage:
        reply = identity.ListMembers(
            pb.ListMembersRequest(
                actor=caller.actor,
                status=query.status or "",
                team_id=query.team_id,
                grid_id=query.grid_id,
                requested_team_id=query.requested_team_id,
                page_size=query.limit,
                page_token=query.cursor or "",
            )
        )
        return MemberPage.from_proto(reply)

    @api.get(
        "/members/{member_id}",
        summary="One member, masked: the caller themselves or a member of an officer's scope",
        access=Access.MEMBER,
        reply=MemberView,
        errors=(404,),
    )
    def get_member(caller: Caller, member_id: str) -> MemberView:
        return MemberView.from_proto(
            identity.GetMember(pb.GetMemberRequest(member_id=member_id, actor=caller.actor))
        )

    @api.post(
        "/members/{member_id}/verify",
        summary="Approve or reject a pending member",
        access=Access.OFFICER,
        body=Verdict,
        reply=MemberView,
        errors=(404, 409),
    )
    def verify(caller: Caller, member_id: str, body: Verdict) -> MemberView:
        return changed(
            identity.VerifyMember(
                pb.VerifyMemberRequest(
                    actor=caller.actor,
                    member_id=member_id,
                    decision=body.decision,
                    reason=body.reason,
                )
            )
        )

    @api.post(
        "/members/{member_id}/suspend",
        summary="Suspend a member: their tokens stop working at once",
        access=Access.OFFICER,
        reply=MemberView,
        errors=(404, 409),
    )
    def suspend(caller: Caller, member_id: str) -> MemberView:
        return changed(
            identity.SuspendMember(pb.SuspendMemberRequest(actor=caller.actor, member_id=member_id))
        )

    @api.post(
        "/members/{member_id}/roles",
        summary="Set a member's roles and place them in a station or team",
        description="Only verified members become team leaders, officers or admins; an admin "
        "cannot drop their own admin role, and the last admin keeps it (409).",
        access=Access.ADMIN,
        body=RoleAssignment,
        reply=MemberView,
        errors=(404, 409),
    )
    def set_roles(caller: Caller, member_id: str, body: RoleAssignment) -> MemberView:
        return changed(
            identity.SetRoles(
                pb.SetRolesRequest(
                    actor=caller.actor,
                    member_id=member_id,
                    roles=[str(role) for role in body.roles],
                    org_id=body.org_id,
                )
            )
        )

    @api.post(
        "/members/{member_id}/reveal",
        summary="Read an unmasked ID number or phone, with a reason (audited)",
        access=Access.ADMIN,
        body=RevealRequest,
        reply=RevealedValue,
        errors=(404,),
    )
    def reveal(caller: Caller, member_id: str, body: RevealRequest) -> Response:
        data = identity.RevealPersonalData(
            pb.RevealPersonalDataRequest(
                actor=caller.actor, member_id=member_id, field=body.field, reason=body.reason
            )
        )
        revealed = RevealedValue(member_id=data.member_id, field=data.field, value=data.value)
        return no_store(revealed)

    @api.post(
        "/members/{member_id}/team-change",
        summary="Approve or decline a member's request to join a team of the officer's station",
        access=Access.OFFICER,
        body=TeamChangeDecision,
        reply=MemberView,
        errors=(404, 409),
    )
    def decide_team_change(caller: Caller, member_id: str, body: TeamChangeDecision) -> MemberView:
        return changed(
            identity.DecideTeamChange(
                pb.DecideTeamChangeRequest(
                    actor=caller.actor, member_id=member_id, approve=body.approve
                )
            )
        )

    @api.get(
        "/audit",
        summary="Who read whose personal data, newest first",
        access=Access.ADMIN,
        query=AuditQuery,
        reply=AuditPage,
    )
    def audit_records(caller: Caller, query: AuditQuery) -> AuditPage:
        reply = identity.ListAuditRecords(
            pb.ListAuditRecordsRequest(
                actor=caller.actor,
                member_id=query.member_id,
                actor_id=query.actor_id,
                page_size=query.limit,
                page_token=query.cursor or "",
            )
        )
        return AuditPage.from_proto(reply)

    return api
