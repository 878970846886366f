"""Identity endpoints for everyone (CONTRACT.md "Identity"): register, sessions, own profile."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from pydantic import BaseModel

from services.gateway.access import Access
from services.gateway.auth import Caller
from services.gateway.context import GatewayContext
from services.gateway.models.identity import (
    Credentials,
    MemberExport,
    MemberView,
    PasswordChange,
    Profile,
    ProfileChange,
    RefreshGrant,
    Registered,
    Registration,
    Session,
)
from shouwang.errors import DomainError, FieldError, InvalidArgument, Unauthenticated
from shouwang.identity.v1 import identity_pb2 as pb
from shouwang.location.v1 import location_pb2
from shouwang.points.v1 import points_pb2
from shouwang.typed_routes import TypedRoutes


def routes(context: GatewayContext) -> TypedRoutes:
    api = TypedRoutes("identity", tag="identity", idempotency=context.idempotent)
    identity = context.clients.identity

    @api.post(
        "/auth/register",
        summary="Register a member under their real name",
        access=Access.ANYONE,
        body=Registration,
        reply=Registered,
        status=201,
        errors=(409,),
        idempotent=True,
        rule_check=lambda fields: _registration_rules(context, fields),
    )
    def register(caller: None, body: Registration) -> Registered:
        reply = identity.RegisterMember(
            pb.RegisterMemberRequest(
                name=body.name,
                id_number=body.id_number,
                phone=body.phone,
                password=body.password,
                team_id=body.team_id,
                skills=[str(skill) for skill in body.skills],
                home=pb.Point(lat=body.home.lat, lon=body.home.lon) if body.home else None,
                consent=pb.Consent(version=body.consent.version, accepted=body.consent.accepted),
            )
        )
        return Registered(member_id=reply.member_id, status=reply.status)

    @api.post(
        "/auth/login",
        summary="Log in with phone and password",
        access=Access.ANYONE,
        body=Credentials,
        reply=Session,
        errors=(401, 403),
    )
    def login(caller: None, body: Credentials) -> Session:
        session = identity.Login(
            pb.LoginRequest(
                phone=body.phone,
                password=body.password,
                client_address=request.remote_addr or "",
            )
        )
        return Session.from_proto(session)

    @api.post(
        "/auth/refresh",
        summary="Trade a refresh token for a new pair (rotation; a reused token revokes all)",
        access=Access.ANYONE,
        body=RefreshGrant,
        reply=Session,
        errors=(401,),
    )
    def refresh(caller: None, body: RefreshGrant) -> Session:
        reply = identity.Refresh(pb.RefreshRequest(refresh_token=body.refresh_token))
        if reply.HasField("revoked"):
            # A reused refresh token: the member's access tokens end here at once (the other
            # replicas learn it from shouwang.identity.v1).
            context.verifier.versions.raise_to(reply.revoked.member_id, reply.revoked.token_version)
            raise Unauthenticated(detail="the refresh token is invalid, expired or revoked")
        return Session.from_proto(reply.session)

    @api.post(
        "/auth/logout",
        summary="End the session: its refresh token and every access token issued so far",
        access=Access.MEMBER,
        body=RefreshGrant,
        status=204,
    )
    def logout(caller: Caller, body: RefreshGrant) -> None:
        reply = identity.Logout(
            pb.LogoutRequest(actor=caller.actor, refresh_token=body.refresh_token)
        )
        context.verifier.versions.raise_to(caller.member_id, reply.token_version)

    @api.get("/me", summary="The caller's own profile, masked", access=Access.MEMBER, reply=Profile)
    def me(caller: Caller) -> Profile:
        member = identity.GetMember(pb.GetMemberRequest(member_id=caller.member_id))
        duty = context.clients.location.GetDutyState(
            location_pb2.GetDutyStateRequest(member_id=caller.member_id)
        )
        return Profile(
            **MemberView.from_proto(member).model_dump(),
            on_duty=duty.on_duty,
            points=_balance(context, caller.member_id),
        )

    @api.post(
        "/me/password",
        summary="Change the password: every other session ends, this one gets a fresh pair",
        access=Access.MEMBER,
        body=PasswordChange,
        reply=Session,
    )
    def change_password(caller: Caller, body: PasswordChange) -> Session:
        session = identity.ChangePassword(
            pb.ChangePasswordRequest(
                actor=caller.actor, current_password=body.current, new_password=body.new
            )
        )
        # The old tokens end here at once; the fresh pair carries the new version.
        context.verifier.versions.raise_to(caller.member_id, session.member.token_version)
        return Session.from_proto(session)

    @api.patch(
        "/me",
        summary="Change one's skills, or ask to change team (an officer of that team decides)",
        access=Access.MEMBER,
        body=ProfileChange,
        reply=MemberView,
    )
    def update_profile(caller: Caller, body: ProfileChange) -> MemberView:
        update = pb.UpdateProfileRequest(actor=caller.actor)
        if body.skills is not None:
            update.skills.skills.extend(str(skill) for skill in body.skills)
        if body.team_id is not None:
            update.team_id = body.team_id
        return MemberView.from_proto(identity.UpdateProfile(update))

    @api.get(
        "/me/export",
        summary="Everything identity holds about the caller, unmasked (audited)",
        access=Access.MEMBER,
        reply=MemberExport,
    )
    def export(caller: Caller) -> Response:
        held = identity.ExportMember(pb.ExportMemberRequest(actor=caller.actor))
        return no_store(MemberExport.from_proto(held))

    @api.delete(
        "/me",
        summary="Erase one's account: personal data removed, the member id stays as a pseudonym",
        description="Every session ends. The city's last administrator cannot erase themselves.",
        access=Access.MEMBER,
        status=204,
        errors=(409,),
    )
    def erase(caller: Caller) -> None:
        member = identity.EraseMember(pb.EraseMemberRequest(actor=caller.actor))
        context.verifier.versions.raise_to(member.member_id, member.token_version)

    return api


def no_store(reply: BaseModel) -> Response:
    """Unmasked personal data must stay in no cache, shared or private."""
    response = Response(reply.model_dump_json(), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def _registration_rules(context: GatewayContext, fields: dict[str, Any]) -> list[FieldError]:
    """Identity's verdict on the registration fields that are well typed, so a 422 with type
    errors also names the rules the other fields break."""
    text = {
        name: value
        for name in ("name", "id_number", "phone", "password", "team_id")
        if isinstance(value := fields.get(name, ""), str) and len(value) <= 128
    }
    consent = fields.get("consent")
    request = pb.RegisterMemberRequest(**text, validate_only=True)
    if isinstance(consent, dict):
        request.consent.version = str(consent.get("version", ""))[:32]
        request.consent.accepted = consent.get("accepted") is True
    try:
        context.clients.identity.RegisterMember(request)
    except InvalidArgument as rules:
        return rules.errors
    return []


def _balance(context: GatewayContext, member_id: str) -> int:
    try:
        account = context.clients.points.GetAccount(
            points_pb2.GetAccountRequest(member_id=member_id)
        )
    except DomainError:
        return 0  # the account opens moments after registration, from an event
    return account.balance
