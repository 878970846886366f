"""Identity endpoints (CONTRACT.md "Identity"): JSON in, gRPC to identity, JSON out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from services.gateway.auth import authenticate
from services.gateway.context import GatewayContext
from services.gateway.payloads import member_json, optional_str_list, required_str
from shouwang.errors import DomainError, FieldError, InvalidArgument
from shouwang.http import json_body
from shouwang.identity.v1 import identity_pb2
from shouwang.points.v1 import points_pb2


def blueprint(context: GatewayContext) -> Blueprint:
    routes = Blueprint("identity", __name__)

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
        reply = context.clients.identity.Login(
            identity_pb2.LoginRequest(
                phone=phone, password=password, client_address=request.remote_addr or ""
            )
        )
        return jsonify(
            access_token=reply.access_token,
            token_type="Bearer",
            expires_in=reply.expires_in,
            member=member_json(reply.member),
        )

    @routes.get("/me")
    def me() -> Response:
        caller = authenticate(context.verifier)
        member = context.clients.identity.GetMember(
            identity_pb2.GetMemberRequest(member_id=caller.member_id)
        )
        body = member_json(member)
        body["on_duty"] = False  # the location service tracks duty from issue #4 on
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
    team_id = body.get("team_id") or ""
    if not isinstance(team_id, str):
        errors.append(FieldError("team_id", "must be a string"))
        team_id = ""
    skills = optional_str_list(body, "skills", errors)
    consent: Any = body.get("consent")
    if not isinstance(consent, dict):
        consent = {}  # identity reports the missing consent together with every other field
    if errors:
        raise InvalidArgument(detail="the registration has invalid fields", errors=errors)
    reply = context.clients.identity.RegisterMember(
        identity_pb2.RegisterMemberRequest(
            **fields,
            team_id=team_id,
            skills=skills,
            consent=identity_pb2.Consent(
                version=str(consent.get("version", "")), accepted=consent.get("accepted") is True
            ),
        )
    )
    return jsonify(member_id=reply.member_id, status=reply.status), 201  # type: ignore[return-value]


def _balance(context: GatewayContext, member_id: str) -> int:
    try:
        account = context.clients.points.GetAccount(
            points_pb2.GetAccountRequest(member_id=member_id)
        )
    except DomainError:
        return 0  # the account opens moments after registration, from an event
    return account.balance
