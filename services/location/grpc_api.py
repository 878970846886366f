"""Location's gRPC servicer: protobuf in, commands and queries, protobuf out."""

from __future__ import annotations

import grpc
import numpy as np

from services.location import coverage, duty_history, handlers, model, queries
from services.location.ports import Ports
from shouwang.clock import timestamp_of_millis, to_millis
from shouwang.errors import FieldError, InvalidArgument
from shouwang.location.v1 import events_pb2, location_pb2_grpc
from shouwang.location.v1 import location_pb2 as pb
from shouwang.rpc import ServiceBinding
from shouwang.store import Document

Context = grpc.ServicerContext


class LocationServicer(location_pb2_grpc.LocationServiceServicer):
    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    def StartDuty(self, request, context: Context):
        return _duty_state(handlers.start_duty(self.ports, request))

    def EndDuty(self, request, context: Context):
        return _duty_state(handlers.end_duty(self.ports, request.member_id))

    def GetDutyState(self, request, context: Context):
        document = self.ports.duty.get(request.member_id)
        if document is None:
            return pb.DutyState(member_id=request.member_id)
        state = _duty_state(document)
        # The store's last_seen is a checkpoint (``positions``): the live view may know a later.
        live = self.ports.view.index.get(request.member_id) if state.on_duty else None
        if live is not None and live.last_seen * 1000 > document.get("last_seen", 0):
            state.last_seen.CopyFrom(timestamp_of_millis(int(live.last_seen * 1000)))
        return state

    def ReportFixes(self, request, context: Context):
        checked = self._report(request)
        return pb.ReportFixesResponse(
            accepted=len(checked.accepted),
            rejected=[pb.RejectedFix(index=i, reason=r) for i, r in checked.rejected],
        )

    def IngestFixes(self, request_iterator, context: Context):
        summary = pb.IngestSummary()
        for request in request_iterator:
            checked = self._report(request)
            summary.batches += 1
            summary.accepted += len(checked.accepted)
            summary.rejected += len(checked.rejected)
        return summary

    def _report(self, request: pb.ReportFixesRequest) -> model.CheckedBatch:
        fixes: list[model.RawFix] | model.FixColumns
        if request.columns.ts_ms:
            fixes = _columns(request.columns)
        else:
            fixes = [
                model.RawFix(
                    lat=f.lat,
                    lon=f.lon,
                    ts_ms=f.ts_ms,
                    accuracy_m=f.accuracy_m if f.has_accuracy else None,
                    speed_mps=f.speed_mps,
                    heading_deg=f.heading_deg,
                )
                for f in request.fixes
            ]
        return handlers.report_fixes(
            self.ports, request.member_id, crs=request.crs or "wgs84", fixes=fixes
        )

    def Nearest(self, request, context: Context):
        found = queries.nearest(self.ports.view, request, now_s=self._now_s())
        return pb.Candidates(candidates=[pb.Candidate(member_id=m, distance_m=d) for m, d in found])

    def Within(self, request, context: Context):
        found = queries.within(self.ports.view, request, now_s=self._now_s())
        return pb.Candidates(candidates=[pb.Candidate(member_id=m, distance_m=d) for m, d in found])

    def LiveMembers(self, request, context: Context):
        now_s = self._now_s()
        members = []
        for position in queries.live_members(self.ports.view, request):
            placement = self.ports.view.placement(position.member_id)
            members.append(
                pb.LiveMember(
                    member_id=position.member_id,
                    lat=position.lat,
                    lon=position.lon,
                    team_id=placement.team_id if placement else "",
                    station_id=placement.station_id if placement else "",
                    online=position.last_seen >= now_s - model.OFFLINE_AFTER_S,
                    busy=position.busy,
                    last_seen=timestamp_of_millis(int(position.last_seen * 1000)),
                )
            )
        return pb.LiveMembersResponse(members=members)

    def Summary(self, request, context: Context):
        return queries.summary(self.ports.view, request.station_ids, now_s=self._now_s())

    def SetBusy(self, request, context: Context):
        handlers.set_busy(self.ports, request.member_id, request.busy)
        return pb.SetBusyResponse()

    def RegisterGeofence(self, request, context: Context):
        expires = (
            to_millis(request.expires_at.ToDatetime())
            if request.HasField("expires_at")
            else to_millis(self.ports.clock.now()) + 24 * 3600 * 1000
        )
        self.ports.fences.save(
            {
                "_id": request.fence_id,
                "ref": request.ref,
                "area": queries.area_geometry(request.area),
                "member_ids": sorted(request.member_ids),
                "expires_at": expires,
            }
        )
        return pb.Geofence(fence_id=request.fence_id, ref=request.ref)

    def RemoveGeofence(self, request, context: Context):
        self.ports.fences.remove(request.fence_id)
        return pb.RemoveGeofenceResponse()

    def GetTrack(self, request, context: Context):
        if not 0 <= request.to_ms - request.from_ms <= model.MAX_TRACK_SPAN_MS:
            # One call reads at most a day of one member's track, whoever asks (the gateway
            # checks the same bound for HTTP callers).
            raise InvalidArgument(
                detail="a track is read a day at most at a time",
                errors=[FieldError("to", "must be after from, and at most 24 hours after it")],
            )
        fixes = handlers.track(
            self.ports, request.member_id, from_ms=request.from_ms, to_ms=request.to_ms
        )
        return pb.Track(member_id=request.member_id, fixes=fixes)

    def Coverage(self, request, context: Context):
        grids = coverage.grid_areas((g.grid_id, g.level, g.geometry_json) for g in request.grids)
        found = coverage.of_live_view(
            self.ports.view,
            grids,
            station_ids=request.station_ids,
            mode=request.mode,
            minutes=request.minutes,
            now_s=self._now_s(),
            max_cells=min(request.max_cells or coverage.MAX_CELLS, coverage.MAX_CELLS),
        )
        return pb.CoverageReply(
            cells=[
                pb.CoverageCell(
                    south=c.south,
                    west=c.west,
                    north=c.north,
                    east=c.east,
                    reach_s=c.reach_s,
                    grid_id=c.grid_id,
                )
                for c in found.cells
            ],
            cell_m=found.cell_m,
            search_limit_s=found.search_limit_s,
            covered_share=found.covered_share,
        )

    def DutyActivity(self, request, context: Context):
        buckets = duty_history.activity(
            self.ports,
            station_ids=request.station_ids,
            from_ms=request.from_ms,
            to_ms=request.to_ms,
            bucket_ms=request.bucket_ms,
        )
        return pb.DutyActivityReply(
            buckets=[
                pb.DutyBucket(
                    start_ms=b.start_ms,
                    members_on_duty=b.members_on_duty,
                    patrol_hours=b.patrol_hours,
                )
                for b in buckets
            ]
        )

    def _now_s(self) -> float:
        return self.ports.clock.now().timestamp()


def _columns(columns: events_pb2.FixColumns) -> model.FixColumns:
    n = len(columns.ts_ms)
    if not all(
        len(values) == n
        for values in (
            columns.lat,
            columns.lon,
            columns.accuracy_m,
            columns.speed_mps,
            columns.heading_deg,
        )
    ):
        raise InvalidArgument(
            detail="fix columns of different lengths",
            errors=[FieldError("columns", "every column must hold one value per fix")],
        )
    return model.FixColumns(
        np.array(columns.lat, dtype=np.float64),
        np.array(columns.lon, dtype=np.float64),
        np.array(columns.ts_ms, dtype=np.int64),
        np.array(columns.accuracy_m, dtype=np.float64),
        np.array(columns.speed_mps, dtype=np.float64),
        np.array(columns.heading_deg, dtype=np.float64),
    )


def _duty_state(document: Document) -> pb.DutyState:
    state = pb.DutyState(
        member_id=document["_id"],
        on_duty=bool(document.get("on_duty")),
        online=bool(document.get("online")),
    )
    if document.get("started_at"):
        state.started_at.CopyFrom(timestamp_of_millis(document["started_at"]))
    if document.get("last_seen"):
        state.last_seen.CopyFrom(timestamp_of_millis(document["last_seen"]))
    return state


def binding(ports: Ports) -> ServiceBinding:
    return ServiceBinding(
        add=location_pb2_grpc.add_LocationServiceServicer_to_server,
        servicer=LocationServicer(ports),
        full_name=pb.DESCRIPTOR.services_by_name["LocationService"].full_name,
    )
