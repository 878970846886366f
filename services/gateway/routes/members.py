"""Officers' member endpoints: the scoped list, verification, suspension, roles, audited reads."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from services.gateway.auth import authenticate, require_officer
from services.gateway.context import GatewayContext
from services.gateway.payloads import (
    int_arg,
    member_json,
    optional_str,
    optional_str_list,
    required_str,
)
from shouwang.errors import FieldError, InvalidArgument
from shouwang.http import json_body
from shouwang.identity.v1 import identity_pb2 as pb


def blueprint(context: GatewayContext) -> Blueprint:
    routes = Blueprint("members", __name__)
    identity = context.clients.identity

    def changed(member: pb.Member) -> Response:
        # This replica knows at once; the others learn it from shouwang.identity.v1.
        context.verifier.versions.raise_to(member.member_id, member.token_version)
        return jsonify(member_json(member))

    @routes.get("/members")
    def list_members() -> Response:
        caller = authenticate(context.verifier)
        require_officer(caller)
        errors: list[FieldError] = []
        limit = int_arg(request.args, "limit", errors)
        if errors:
            raise InvalidArgument(detail="bad query parameters", errors=errors)
        reply = identity.ListMembers(
            pb.ListMembersRequest(
                actor=caller.actor,
                status=request.args.get("status", ""),
                team_id=request.args.get("team_id", ""),
                grid_id=request.args.get("grid_id", ""),
                limit=limit,
            )
        )
        return jsonify(members=[member_json(m) for m in reply.members])

    @routes.get("/members/<member_id>")
    def get_member(member_id: str) -> Response:
        caller = authenticate(context.verifier)
        member = identity.GetMember(pb.GetMemberRequest(member_id=member_id, actor=caller.actor))
        return jsonify(member_json(member))

    @routes.post("/members/<member_id>/verify")
    def verify(member_id: str) -> Response:
        caller = authenticate(context.verifier)
        require_officer(caller)
        body = json_body()
        errors: list[FieldError] = []
        decision = required_str(body, "decision", errors)
        reason = optional_str(body, "reason", errors)
        if errors:
            raise InvalidArgument(detail="decision is approve or reject", errors=errors)
        return changed(
            identity.VerifyMember(
                pb.VerifyMemberRequest(
                    actor=caller.actor, member_id=member_id, decision=decision, reason=reason
                )
            )
        )

    @routes.post("/members/<member_id>/suspend")
    def suspend(member_id: str) -> Response:
        caller = authenticate(context.verifier)
        require_officer(caller)
        body = json_body() if request.get_data() else {}
        errors: list[FieldError] = []
        reason = optional_str(body, "reason", errors)
        if errors:
            raise InvalidArgument(detail="bad suspension", errors=errors)
        return changed(
            identity.SuspendMember(
                pb.SuspendMemberRequest(actor=caller.actor, member_id=member_id, reason=reason)
            )
        )

    @routes.post("/members/<member_id>/roles")
    def set_roles(member_id: str) -> Response:
        caller = authenticate(context.verifier)
        body = json_body()
        errors: list[FieldError] = []
        roles = optional_str_list(body, "roles", errors)
        org_id = optional_str(body, "org_id", errors)
        if errors:
            raise InvalidArgument(detail="roles is a list of role names", errors=errors)
        return changed(
            identity.SetRoles(
                pb.SetRolesRequest(
                    actor=caller.actor, member_id=member_id, roles=roles, org_id=org_id
                )
            )
        )

    @routes.post("/members/<member_id>/reveal")
    def reveal(member_id: str) -> Response:
        caller = authenticate(context.verifier)
        body = json_body()
        errors: list[FieldError] = []
        field = required_str(body, "field", errors)
        reason = required_str(body, "reason", errors)
        if errors:
            raise InvalidArgument(
                detail="an unmasked read needs a field and a reason", errors=errors
            )
        data = identity.RevealPersonalData(
            pb.RevealPersonalDataRequest(
                actor=caller.actor, member_id=member_id, field=field, reason=reason
            )
        )
        response = jsonify(member_id=data.member_id, field=data.field, value=data.value)
        response.headers["Cache-Control"] = "no-store"
        return response

    @routes.get("/audit")
    def audit_records() -> Response:
        caller = authenticate(context.verifier)
        errors: list[FieldError] = []
        limit = int_arg(request.args, "limit", errors)
        if errors:
            raise InvalidArgument(detail="bad query parameters", errors=errors)
        reply = identity.ListAuditRecords(
            pb.ListAuditRecordsRequest(
                actor=caller.actor,
                member_id=request.args.get("member_id", ""),
                actor_id=request.args.get("actor_id", ""),
                limit=limit,
            )
        )
        return jsonify(
            records=[
                {
                    "audit_id": r.audit_id,
                    "actor_id": r.actor_id,
                    "member_id": r.member_id,
                    "field": r.field,
                    "reason": r.reason,
                    "at": r.at.ToJsonString(),
                }
                for r in reply.records
            ]
        )

    return routes
