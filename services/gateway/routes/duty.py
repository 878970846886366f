"""Duty and location endpoints (CONTRACT.md "Duty and location")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request

from services.gateway.auth import Caller, authenticate, require_officer
from services.gateway.context import GatewayContext
from services.gateway.payloads import optional_str, required_str
from shouwang.clock import from_millis, to_rfc3339
from shouwang.errors import FieldError, Forbidden, InvalidArgument
from shouwang.http import json_body
from shouwang.identity.v1 import identity_pb2
from shouwang.location.v1 import location_pb2 as pb

MAX_FIXES = 500


def blueprint(context: GatewayContext) -> Blueprint:
    routes = Blueprint("duty", __name__)
    identity, location = context.clients.identity, context.clients.location

    def require_verified(caller: Caller) -> None:
        if caller.status != "verified":
            raise Forbidden(detail="only verified members may go on duty")

    @routes.post("/duty/start")
    def start_duty() -> Response:
        caller = authenticate(context.verifier)
        require_verified(caller)
        member = identity.GetMember(identity_pb2.GetMemberRequest(member_id=caller.member_id))
        state = location.StartDuty(
            pb.DutyRequest(
                member_id=member.member_id,
                team_id=member.team_id,
                station_id=member.station_id,
                grid_id=member.grid_id,
                skills=member.skills,
            )
        )
        return jsonify(_duty_json(state))

    @routes.post("/duty/end")
    def end_duty() -> Response:
        caller = authenticate(context.verifier)
        return jsonify(_duty_json(location.EndDuty(pb.DutyRequest(member_id=caller.member_id))))

    @routes.post("/location")
    def report_location() -> Response:
        caller = authenticate(context.verifier)
        require_verified(caller)
        body = json_body()
        errors: list[FieldError] = []
        crs = optional_str(body, "crs", errors) or "wgs84"
        if crs not in ("wgs84", "gcj02", "bd09"):
            errors.append(FieldError("crs", "must be wgs84, gcj02 or bd09"))
        fixes = body.get("fixes")
        if not isinstance(fixes, list) or not 1 <= len(fixes) <= MAX_FIXES:
            errors.append(FieldError("fixes", f"must be a list of 1 to {MAX_FIXES} fixes"))
        if errors:
            raise InvalidArgument(detail="the location report is malformed", errors=errors)
        raw: list[pb.RawFix] = []
        positions: list[int] = []  # index in the request of each fix sent on
        rejected: list[dict[str, Any]] = []
        for index, item in enumerate(fixes):
            fix, reason = _raw_fix(item)
            if fix is None:
                rejected.append({"index": index, "reason": reason})
            else:
                raw.append(fix)
                positions.append(index)
        accepted = 0
        if raw:
            reply = location.ReportFixes(
                pb.ReportFixesRequest(member_id=caller.member_id, crs=crs, fixes=raw)
            )
            accepted = reply.accepted
            rejected += [{"index": positions[r.index], "reason": r.reason} for r in reply.rejected]
        response = jsonify(accepted=accepted, rejected=sorted(rejected, key=lambda r: r["index"]))
        response.status_code = 202
        return response

    @routes.get("/live/members")
    def live_members() -> Response:
        caller = authenticate(context.verifier)
        require_officer(caller)
        box = _bbox(request.args.get("bbox", ""))
        scope = identity.ResolveScope(identity_pb2.ResolveScopeRequest(actor=caller.actor))
        reply = location.LiveMembers(
            pb.LiveMembersRequest(
                min_lon=box[0],
                min_lat=box[1],
                max_lon=box[2],
                max_lat=box[3],
                station_ids=[] if scope.city_wide else scope.org_ids,
            )
        )
        names = _names(context, [m.member_id for m in reply.members])
        return jsonify(
            type="FeatureCollection",
            features=[
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [m.lon, m.lat]},
                    "properties": {
                        "member_id": m.member_id,
                        "name": names.get(m.member_id, ""),
                        "team_id": m.team_id,
                        "status": "online" if m.online else "offline",
                        "last_seen": m.last_seen.ToJsonString(),
                        "busy": m.busy,
                    },
                }
                for m in reply.members
            ],
        )

    @routes.get("/live/summary")
    def live_summary() -> Response:
        caller = authenticate(context.verifier)
        require_officer(caller)
        scope = identity.ResolveScope(identity_pb2.ResolveScopeRequest(actor=caller.actor))
        reply = location.Summary(
            pb.SummaryRequest(station_ids=[] if scope.city_wide else scope.org_ids)
        )
        return jsonify(
            online=reply.online,
            on_duty=reply.on_duty,
            by_team=dict(reply.by_team),
            by_grid=dict(reply.by_grid),
        )

    @routes.get("/members/<member_id>/track")
    def member_track(member_id: str) -> Response:
        caller = authenticate(context.verifier)
        require_officer(caller)
        errors: list[FieldError] = []
        reason = required_str(dict(request.args), "reason", errors)
        start, end = (_time_arg(request.args, name, errors) for name in ("from", "to"))
        if errors:
            raise InvalidArgument(detail="a track needs from, to and a reason", errors=errors)
        # Scope check and audit record first: no record, no track.
        identity.RecordAccess(
            identity_pb2.RecordAccessRequest(
                actor=caller.actor, member_id=member_id, field="track", reason=reason
            )
        )
        track = location.GetTrack(pb.GetTrackRequest(member_id=member_id, from_ms=start, to_ms=end))
        response = jsonify(
            member_id=member_id,
            fixes=[
                {
                    "lat": f.lat,
                    "lon": f.lon,
                    "accuracy_m": f.accuracy_m,
                    "ts": to_rfc3339(from_millis(f.ts_ms)),
                    "flagged": f.implausible_speed or f.inaccurate or f.out_of_order,
                }
                for f in track.fixes
            ],
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    return routes


def _duty_json(state: pb.DutyState) -> dict[str, Any]:
    return {
        "on_duty": state.on_duty,
        "online": state.online,
        "started_at": state.started_at.ToJsonString() if state.HasField("started_at") else None,
    }


def _raw_fix(item: Any) -> tuple[pb.RawFix | None, str]:
    if not isinstance(item, dict):
        return None, "a fix is an object {lat, lon, ts, ...}"
    numbers = {}
    for name in ("lat", "lon", "accuracy_m", "speed_mps", "heading_deg"):
        value = item.get(name)
        if value is None and name not in ("lat", "lon"):
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None, f"{name} must be a number"
        numbers[name] = float(value)
    ts = item.get("ts")
    moment = _parse_time(ts) if isinstance(ts, str) else None
    if moment is None:
        return None, "ts must be an RFC 3339 time with a timezone"
    return pb.RawFix(
        lat=numbers["lat"],
        lon=numbers["lon"],
        ts_ms=int(moment.timestamp() * 1000),
        accuracy_m=numbers.get("accuracy_m", 0.0),
        has_accuracy="accuracy_m" in numbers,
        speed_mps=numbers.get("speed_mps", 0.0),
        heading_deg=numbers.get("heading_deg", 0.0),
    ), ""


def _parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _time_arg(args: Any, name: str, errors: list[FieldError]) -> int:
    moment = _parse_time(args.get(name, ""))
    if moment is None:
        errors.append(FieldError(name, "must be an RFC 3339 time with a timezone"))
        return 0
    return int(moment.timestamp() * 1000)


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        values = ()
    if (
        len(values) != 4
        or not (-180 <= values[0] <= 180 and -180 <= values[2] <= 180)
        or not (-90 <= values[1] <= values[3] <= 90)
    ):
        raise InvalidArgument(
            detail="bbox is minLon,minLat,maxLon,maxLat in WGS-84",
            errors=[FieldError("bbox", "must be minLon,minLat,maxLon,maxLat")],
        )
    return values  # type: ignore[return-value]


def _names(context: GatewayContext, member_ids: list[str]) -> dict[str, str]:
    if not member_ids:
        return {}
    reply = context.clients.identity.GetMembers(
        identity_pb2.GetMembersRequest(member_ids=member_ids)
    )
    return {m.member_id: m.name for m in reply.members}
