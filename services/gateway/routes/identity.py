"""Identity endpoints for everyone (CONTRACT.md "Identity"): register, sessions, own profile."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from services.gateway.auth import authenticate
from services.gateway.context import GatewayContext
from services.gateway.payloads import (
    member_json,
    optional_point,
    optional_str,
    optional_str_list,
    required_str,
)
from shouwang.errors import DomainError, FieldError, InvalidArgument
from shouwang.http import json_body
from shouwang.identity.v1 import identity_pb2
from shouwang.location.v1 import location_pb2
from shouwang.points.v1 import points_pb2


def blueprint(context: GatewayContext) -> Blueprint:
    routes = Blueprint("identity", __name__)
    identity = context.clients.identity

    @routes.post("/auth/register")
    def register() -> Response:
        return context.idempotent(caller="anonymous", view=lambda: _register(context))

    @routes.post("/auth/login")
    def login() -> Response:
        body = json_body()
        errors: list[FieldError] = []
        phone = required_str(body, "phone", errors)
        password = required_str(body, "password", errors)
        if errors:
            raise InvalidArgument(detail="phone and password are required", errors=errors)
        session = identity.Login(
            identity_pb2.LoginRequest(
                phone=phone, password=password, client_address=request.remote_addr or ""
            )
        )
        return _session_json(session)

    @routes.post("/auth/refresh")
    def refresh() -> Response:
        errors: list[FieldError] = []
        token = required_str(json_body(), "refresh_token", errors)
        if errors:
            raise InvalidArgument(detail="refresh_token is required", errors=errors)
        return _session_json(identity.Refresh(identity_pb2.RefreshRequest(refresh_token=token)))

    @routes.post("/auth/logout")
    def logout() -> Response:
        caller = authenticate(context.verifier)
        errors: list[FieldError] = []
        token = required_str(json_body(), "refresh_token", errors)
        if errors:
            raise InvalidArgument(detail="refresh_token is required", errors=errors)
        identity.Logout(identity_pb2.LogoutRequest(actor=caller.actor, refresh_token=token))
        return Response(status=204)

    @routes.get("/me")
    def me() -> Response:
        caller = authenticate(context.verifier)
        member = identity.GetMember(identity_pb2.GetMemberRequest(member_id=caller.member_id))
        body = member_json(member)
        duty = context.clients.location.GetDutyState(
            location_pb2.GetDutyStateRequest(member_id=caller.member_id)
        )
        body["on_duty"] = duty.on_duty
        body["points"] = _balance(context, caller.member_id)
        return jsonify(body)

    return routes


def _register(context: GatewayContext) -> Response:
    body = json_body()
    errors: list[FieldError] = []
    fields = {
        name: required_str(body, name, errors)
        for name in ("name", "id_number", "phone", "password")
    }
    team_id = optional_str(body, "team_id", errors)
    skills = optional_str_list(body, "skills", errors)
    home = optional_point(body, "home", errors)
    consent: Any = body.get("consent")
    if not isinstance(consent, dict):
        consent = {}  # identity reports the missing consent together with every other field
    request = identity_pb2.RegisterMemberRequest(
        **fields,
        team_id=team_id,
        skills=skills,
        home=home,
        consent=identity_pb2.Consent(
            version=str(consent.get("version", "")), accepted=consent.get("accepted") is True
        ),
        validate_only=bool(errors),
    )
    if errors:
        # Ask identity for the rule errors of the other fields too, so one 422 lists them all.
        flagged = {error.field for error in errors}
        try:
            context.clients.identity.RegisterMember(request)
        except InvalidArgument as rules:
            errors += [error for error in rules.errors if error.field not in flagged]
        raise InvalidArgument(detail="the registration has invalid fields", errors=errors)
    reply = context.clients.identity.RegisterMember(request)
    response = jsonify(member_id=reply.member_id, status=reply.status)
    response.status_code = 201
    return response


def _session_json(session: identity_pb2.Session) -> Response:
    return jsonify(
        access_token=session.access_token,
        token_type="Bearer",
        expires_in=session.expires_in,
        refresh_token=session.refresh_token,
        member=member_json(session.member),
    )


def _balance(context: GatewayContext, member_id: str) -> int:
    try:
        account = context.clients.points.GetAccount(
            points_pb2.GetAccountRequest(member_id=member_id)
        )
    except DomainError:
        return 0  # the account opens moments after registration, from an event
    return account.balance
