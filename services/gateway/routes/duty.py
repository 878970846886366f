"""Duty and location endpoints (CONTRACT.md "Duty and location")."""

from __future__ import annotations

import math

from flask import Response

from services.gateway.access import Access
from services.gateway.auth import Caller
from services.gateway.context import GatewayContext
from services.gateway.models.common import millis
from services.gateway.models.duty import (
    DutyState,
    LiveMemberFeature,
    LiveMembers,
    LiveMembersQuery,
    LiveSummary,
    LocationReceipt,
    LocationReport,
    RejectedFix,
    Track,
    TrackQuery,
)
from shouwang.identity.v1 import identity_pb2
from shouwang.location.v1 import events_pb2
from shouwang.location.v1 import location_pb2 as pb
from shouwang.typed_routes import TypedRoutes, json_reply


def routes(context: GatewayContext) -> TypedRoutes:
    api = TypedRoutes("duty", tag="duty")
    identity, location = context.clients.identity, context.clients.location

    def scope_stations(caller: Caller) -> list[str]:
        scope = identity.ResolveScope(identity_pb2.ResolveScopeRequest(actor=caller.actor))
        return [] if scope.city_wide else list(scope.org_ids)

    @api.post("/duty/start", summary="Go on duty", access=Access.VERIFIED, reply=DutyState)
    def start_duty(caller: Caller) -> DutyState:
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
        return DutyState.from_proto(state)

    @api.post("/duty/end", summary="Go off duty", access=Access.MEMBER, reply=DutyState)
    def end_duty(caller: Caller) -> DutyState:
        return DutyState.from_proto(location.EndDuty(pb.DutyRequest(member_id=caller.member_id)))

    @api.post(
        "/location",
        summary="Report a batch of fixes",
        description="Fixes the location service refuses (too old, in the future) are listed in "
        "`rejected` by index; the others are kept.",
        access=Access.VERIFIED,
        body=LocationReport,
        reply=LocationReceipt,
        status=202,
    )
    def report_location(caller: Caller, body: LocationReport) -> LocationReceipt:
        # Columns, not a message per fix: a batch of 50 crosses gRPC as six packed arrays.
        fixes = body.fixes
        reply = location.ReportFixes(
            pb.ReportFixesRequest(
                member_id=caller.member_id,
                crs=body.crs.value,
                columns=events_pb2.FixColumns(
                    lat=[f.lat for f in fixes],
                    lon=[f.lon for f in fixes],
                    ts_ms=[millis(f.ts) for f in fixes],
                    accuracy_m=[math.nan if f.accuracy_m is None else f.accuracy_m for f in fixes],
                    speed_mps=[f.speed_mps for f in fixes],
                    heading_deg=[f.heading_deg for f in fixes],
                ),
            )
        )
        return LocationReceipt(
            accepted=reply.accepted,
            rejected=[RejectedFix(index=r.index, reason=r.reason) for r in reply.rejected],
        )

    @api.get(
        "/live/members",
        summary="On-duty members inside a box, as GeoJSON",
        access=Access.OFFICER,
        query=LiveMembersQuery,
        reply=LiveMembers,
    )
    def live_members(caller: Caller, query: LiveMembersQuery) -> LiveMembers:
        min_lon, min_lat, max_lon, max_lat = query.box
        reply = location.LiveMembers(
            pb.LiveMembersRequest(
                min_lon=min_lon,
                min_lat=min_lat,
                max_lon=max_lon,
                max_lat=max_lat,
                station_ids=scope_stations(caller),
            )
        )
        names = _names(context, [m.member_id for m in reply.members])
        return LiveMembers(
            features=[
                LiveMemberFeature.from_proto(m, name=names.get(m.member_id, ""))
                for m in reply.members
            ]
        )

    @api.get(
        "/live/summary",
        summary="Online and on-duty counts of the officer's scope",
        access=Access.OFFICER,
        reply=LiveSummary,
    )
    def live_summary(caller: Caller) -> LiveSummary:
        reply = location.Summary(pb.SummaryRequest(station_ids=scope_stations(caller)))
        return LiveSummary.from_proto(reply)

    @api.get(
        "/members/{member_id}/track",
        summary="A member's track between two times, with the reason recorded",
        access=Access.OFFICER,
        query=TrackQuery,
        reply=Track,
    )
    def member_track(caller: Caller, member_id: str, query: TrackQuery) -> Response:
        # Scope check and audit record first: no record, no track.
        identity.RecordAccess(
            identity_pb2.RecordAccessRequest(
                actor=caller.actor, member_id=member_id, field="track", reason=query.reason
            )
        )
        track = location.GetTrack(
            pb.GetTrackRequest(
                member_id=member_id, from_ms=millis(query.from_), to_ms=millis(query.to)
            )
        )
        response = json_reply(Track.from_proto(track))
        response.headers["Cache-Control"] = "no-store"
        return response

    return api


def _names(context: GatewayContext, member_ids: list[str]) -> dict[str, str]:
    if not member_ids:
        return {}
    reply = context.clients.identity.GetMembers(
        identity_pb2.GetMembersRequest(member_ids=member_ids)
    )
    return {m.member_id: m.name for m in reply.members}
