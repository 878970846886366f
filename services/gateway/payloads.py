"""JSON shapes of the HTTP API: reading request fields with per-field errors, writing replies."""

from __future__ import annotations

from typing import Any

from shouwang.errors import FieldError
from shouwang.identity.v1 import identity_pb2


def required_str(body: dict[str, Any], name: str, errors: list[FieldError]) -> str:
    value = body.get(name)
    if value is None or value == "":
        errors.append(FieldError(name, "is required"))
        return ""
    if not isinstance(value, str):
        errors.append(FieldError(name, "must be a string"))
        return ""
    return value


def optional_str_list(body: dict[str, Any], name: str, errors: list[FieldError]) -> list[str]:
    value = body.get(name) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors.append(FieldError(name, "must be a list of strings"))
        return []
    return value


def member_json(member: identity_pb2.Member) -> dict[str, Any]:
    return {
        "member_id": member.member_id,
        "name": member.name,
        "phone_masked": member.phone_masked,
        "id_number_masked": member.id_number_masked,
        "roles": list(member.roles),
        "status": member.status,
        "team_id": member.team_id,
        "skills": list(member.skills),
    }
