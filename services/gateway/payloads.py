"""JSON shapes of the HTTP API: reading request fields with per-field errors, writing replies."""

from __future__ import annotations

import json
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


def optional_str(body: dict[str, Any], name: str, errors: list[FieldError]) -> str:
    value = body.get(name)
    if value is None:
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


def optional_point(
    body: dict[str, Any], name: str, errors: list[FieldError]
) -> identity_pb2.Point | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(value.get(k), int | float) and not isinstance(value.get(k), bool)
        for k in ("lat", "lon")
    ):
        errors.append(FieldError(name, "must be {lat, lon} numbers"))
        return None
    return identity_pb2.Point(lat=float(value["lat"]), lon=float(value["lon"]))


def member_json(member: identity_pb2.Member) -> dict[str, Any]:
    return {
        "member_id": member.member_id,
        "name": member.name,
        "phone_masked": member.phone_masked,
        "id_number_masked": member.id_number_masked,
        "roles": list(member.roles),
        "status": member.status,
        "team_id": member.team_id,
        "station_id": member.station_id,
        "grid_id": member.grid_id,
        "skills": list(member.skills),
        "registered_at": member.registered_at.ToJsonString(),
    }


def org_json(org: identity_pb2.Org) -> dict[str, Any]:
    return {
        "org_id": org.org_id,
        "name": org.name,
        "kind": org.kind,
        "parent_id": org.parent_id or None,
    }


def grid_feature(grid: identity_pb2.Grid) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": json.loads(grid.geometry_json),
        "properties": {
            "grid_id": grid.grid_id,
            "name": grid.name,
            "level": grid.level,
            "parent_id": grid.parent_id or None,
        },
    }


def int_arg(args: Any, name: str, errors: list[FieldError]) -> int:
    raw = args.get(name, "")
    if raw == "":
        return 0
    try:
        return int(raw)
    except ValueError:
        errors.append(FieldError(name, "must be an integer"))
        return 0
