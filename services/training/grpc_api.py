"""Training's gRPC servicer: protobuf in, use cases, protobuf out. Domain errors raised by the use
cases become status codes in ``shouwang.rpc``'s interceptor (``shouwang.errors`` maps each one)."""

from __future__ import annotations

import dataclasses

import grpc

from services.training import handlers, hotspots, patrol_logs, patrol_windows, rosters
from services.training.hours import HoursRow
from services.training.model import (
    COUNT_FIELDS,
    Circle,
    Cohort,
    Leave,
    PatrolLog,
    Polygon,
    Rollcall,
    Shift,
)
from services.training.ports import Ports
from services.training.repository import area_from
from shouwang.clock import timestamp_of_millis, to_timestamp
from shouwang.rpc import ServiceBinding
from shouwang.scope import Caller
from shouwang.training.v1 import training_pb2 as pb
from shouwang.training.v1 import training_pb2_grpc

Context = grpc.ServicerContext


class TrainingServicer(training_pb2_grpc.TrainingServiceServicer):
    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    def CreateCohort(self, request, context: Context):
        return cohort_message(
            handlers.create_cohort(self.ports, Caller.from_message(request.caller), request)
        )

    def GetCohort(self, request, context: Context):
        return cohort_message(
            handlers.visible_cohort(
                self.ports, Caller.from_message(request.caller), request.cohort_id
            )
        )

    def EnrolTrainees(self, request, context: Context):
        return cohort_message(
            handlers.enrol(
                self.ports,
                Caller.from_message(request.caller),
                request.cohort_id,
                list(request.member_ids),
            )
        )

    def OpenRollcall(self, request, context: Context):
        return rollcall_message(
            handlers.open_rollcall(
                self.ports,
                Caller.from_message(request.caller),
                request.cohort_id,
                request.session_id,
                request.minutes,
            )
        )

    def CheckIn(self, request, context: Context):
        checkin = handlers.check_in(
            self.ports, Caller.from_message(request.caller), request.rollcall_id
        )
        return pb.CheckInResult(
            rollcall_id=checkin.rollcall_id,
            status=checkin.status,
            at=timestamp_of_millis(checkin.at_ms),
            distance_m=checkin.distance_m,
        )

    def RequestLeave(self, request, context: Context):
        return leave_message(
            handlers.request_leave(
                self.ports, Caller.from_message(request.caller), request.cohort_id, request
            )
        )

    def DecideLeave(self, request, context: Context):
        return leave_message(
            handlers.decide_leave(
                self.ports,
                Caller.from_message(request.caller),
                request.leave_id,
                approve=request.approve,
                note=request.note,
            )
        )

    def GetCertificate(self, request, context: Context):
        cohort, row, called = handlers.certificate(
            self.ports, Caller.from_message(request.caller), request.cohort_id, request.member_id
        )
        return pb.Certificate(
            cohort_id=cohort.cohort_id,
            cohort_name=cohort.name,
            site_name=cohort.site.name,
            starts_on=cohort.starts_on,
            ends_on=cohort.ends_on,
            member_id=row.member_id,
            attended=row.attended,
            sessions_called=called,
            patrol_hours=row.patrol_hours,
            issued_at=to_timestamp(self.ports.clock.now()),
        )

    def CohortReport(self, request, context: Context):
        cohort, rows = handlers.report(
            self.ports, Caller.from_message(request.caller), request.cohort_id
        )
        cohort_logs = self.ports.patrol_logs.of_cohort(cohort.cohort_id)
        return pb.Report(
            cohort_id=cohort.cohort_id,
            name=cohort.name,
            sessions_called=len(self.ports.cohorts.called_sessions(cohort.cohort_id)),
            completed_count=sum(row.completed for row in rows),
            outcomes=counts_message(
                {name: sum(log.counts.get(name, 0) for log in cohort_logs) for name in COUNT_FIELDS}
            ),
            trainees=[
                pb.TraineeReport(
                    member_id=row.member_id,
                    sessions=[
                        pb.SessionAttendance(session_id=session_id, status=status)
                        for session_id, status in row.sessions
                    ],
                    attended=row.attended,
                    excused=row.excused,
                    missed=row.missed,
                    patrol_hours=row.patrol_hours,
                    completed=row.completed,
                )
                for row in rows
            ],
        )

    def CreateRoster(self, request, context: Context):
        roster, unfilled = rosters.create_roster(
            self.ports, Caller.from_message(request.caller), request
        )
        message = roster_message(roster)
        message.generated.extend(shift_message(s) for s in roster["shifts"])
        message.unfilled.extend(
            pb.Unfilled(org_id=org_id, starts_at=timestamp_of_millis(start))
            for org_id, start in unfilled
        )
        return message

    def ListRosters(self, request, context: Context):
        page = rosters.list_rosters(
            self.ports,
            Caller.from_message(request.caller),
            size=request.page_size,
            cursor=request.page_token,
        )
        return pb.RosterList(
            rosters=[roster_message(d) for d in page.items], next_page_token=page.next_cursor
        )

    def ListCohorts(self, request, context: Context):
        page = handlers.list_cohorts(
            self.ports,
            Caller.from_message(request.caller),
            size=request.page_size,
            cursor=request.page_token,
        )
        return pb.CohortList(
            cohorts=[cohort_message(c) for c in page.items], next_page_token=page.next_cursor
        )

    def Hotspots(self, request, context: Context):
        report = patrol_windows.hotspot_report(
            caller=Caller.from_message(request.caller),
            tasks=self.ports.tasks,
            presence=self.ports.presence,
            grids=self.ports.grids,
            clock=self.ports.clock,
            from_ms=request.from_ms,
            to_ms=request.to_ms,
        )
        score = hotspots.scores(report.table)
        used = sorted({grid for grid, _ in report.table})
        reply = pb.HotspotsReply(
            cells=[
                pb.HotspotCell(
                    grid_id=grid,
                    hour=hour,
                    incidents=cell.incidents,
                    presence_minutes=cell.presence_minutes,
                    score=round(score[(grid, hour)], 4),
                )
                for (grid, hour), cell in report.table.items()
            ],
            grids=[
                pb.HotspotGrid(grid_id=g, name=report.grids[g].name, level=report.grids[g].level)
                for g in used
            ],
            windows=[
                pb.HotspotWindow(
                    recommendation_id=w.recommendation_id,
                    grid_id=w.grid_id,
                    to=w.end,
                    hours=w.hours,
                    incidents=w.incidents,
                    presence_minutes=w.presence_minutes,
                    score=w.score,
                    **{"from": w.start},
                )
                for w in report.windows
            ],
            incidents=sum(c.incidents for c in report.table.values()),
            presence_minutes=sum(c.presence_minutes for c in report.table.values()),
            incidents_outside_grids=report.incidents_outside,
            to=timestamp_of_millis(report.to_ms),
        )
        getattr(reply, "from").CopyFrom(timestamp_of_millis(report.from_ms))
        return reply

    def ListShifts(self, request, context: Context):
        page = rosters.list_shifts(
            self.ports,
            Caller.from_message(request.caller),
            member_id=request.member_id,
            from_ms=request.from_ms,
            to_ms=request.to_ms,
            size=request.page_size,
            cursor=request.page_token,
        )
        areas: dict = {}
        shifts = []
        for shift in page.items:
            message = shift_message(shift)
            minutes = rosters.minutes_present(self.ports, shift, areas)
            if minutes is not None:
                message.started, message.minutes_present = True, minutes
            shifts.append(message)
        return pb.ShiftList(shifts=shifts, next_page_token=page.next_cursor)

    def RosterHours(self, request, context: Context):
        report = rosters.roster_hours(
            self.ports,
            Caller.from_message(request.caller),
            from_ms=request.from_ms,
            to_ms=request.to_ms,
            roster_id=request.roster_id,
            org_id=request.org_id,
            member_id=request.member_id,
        )
        return pb.RosterHoursReply(
            units=[hours_message(row) for row in report.units],
            members=[hours_message(row) for row in report.members],
            total=hours_message(report.total),
        )

    def OfferSwap(self, request, context: Context):
        return shift_message(
            rosters.offer_swap(
                self.ports,
                Caller.from_message(request.caller),
                request.shift_id,
                request.with_member_id,
            )
        )

    def AcceptSwap(self, request, context: Context):
        return shift_message(
            rosters.accept_swap(self.ports, Caller.from_message(request.caller), request.shift_id)
        )

    def FilePatrolLog(self, request, context: Context):
        return patrol_log_message(
            patrol_logs.file_log(self.ports, Caller.from_message(request.caller), request)
        )

    def OutcomeStats(self, request, context: Context):
        rows, total, logs = patrol_logs.outcome_stats(
            self.ports,
            Caller.from_message(request.caller),
            from_ms=request.from_ms,
            to_ms=request.to_ms,
            org_id=request.org_id,
            period=request.period,
        )
        return pb.OutcomeStatsReply(
            rows=[
                pb.OutcomeRow(
                    org_id=org_id,
                    period=start.isoformat(),
                    counts=counts_message(counts),
                    logs=n,
                )
                for (org_id, start), (counts, n) in rows.items()
            ],
            total=counts_message(total),
            logs=logs,
        )


def roster_message(roster: dict) -> pb.Roster:
    """A stored roster without its shifts."""
    message = pb.Roster(
        roster_id=roster["_id"],
        name=roster["name"],
        org_ids=roster["org_ids"],
        shifts=pb.ShiftWindow(weekdays=roster["weekdays"], to=roster["to"]),
        per_org_per_month=roster["per_org_per_month"],
        starts_on=roster["starts_on"],
        months=roster["months"],
        station_id=roster["station_id"],
        grid_id=roster.get("grid_id", ""),
        shift_count=roster.get("shift_count", 0),
    )
    setattr(message.shifts, "from", roster["from"])
    area = area_from(roster.get("area"))
    if isinstance(area, Circle):
        center = pb.Point(lat=area.lat, lon=area.lon)
        message.area.circle.CopyFrom(pb.Circle(center=center, radius_m=area.radius_m))
    elif isinstance(area, Polygon):
        message.area.polygon_geojson = area.geojson
    return message


def hours_message(row: HoursRow) -> pb.HoursRow:
    return pb.HoursRow(**dataclasses.asdict(row))


def counts_message(counts: dict[str, int]) -> pb.PatrolCounts:
    return pb.PatrolCounts(**{name: counts.get(name, 0) for name in COUNT_FIELDS})


def patrol_log_message(log: PatrolLog) -> pb.PatrolLog:
    return pb.PatrolLog(
        log_id=log.log_id,
        member_id=log.member_id,
        shift_id=log.shift_id,
        cohort_id=log.cohort_id,
        counts=counts_message(log.counts),
        note=log.note,
        media_ids=log.media_ids,
        filed_at=timestamp_of_millis(log.filed_at_ms),
        org_id=log.org_id,
        station_id=log.station_id,
    )


def shift_message(shift: Shift) -> pb.Shift:
    return pb.Shift(
        shift_id=shift.shift_id,
        roster_id=shift.roster_id,
        org_id=shift.org_id,
        member_id=shift.member_id,
        starts_at=timestamp_of_millis(shift.starts_at_ms),
        ends_at=timestamp_of_millis(shift.ends_at_ms),
        swap_with=shift.swap_with,
        station_id=shift.station_id,
    )


def cohort_message(cohort: Cohort) -> pb.Cohort:
    message = pb.Cohort(
        cohort_id=cohort.cohort_id,
        name=cohort.name,
        site=pb.Site(
            name=cohort.site.name,
            location=pb.Point(lat=cohort.site.location.lat, lon=cohort.site.location.lon),
            radius_m=cohort.site.radius_m,
        ),
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
        instructor_ids=cohort.instructor_ids,
        trainee_ids=cohort.trainee_ids,
        station_id=cohort.station_id,
        created_by=cohort.created_by,
        created_at=timestamp_of_millis(cohort.created_at_ms),
    )
    for s in cohort.sessions:
        session = pb.Session(
            session_id=s.session_id,
            starts_at=timestamp_of_millis(s.starts_at_ms),
            ends_at=timestamp_of_millis(s.ends_at_ms),
            kind=s.kind,
            topic=s.topic,
            has_area=s.area is not None,
        )
        if isinstance(s.area, Circle):
            session.area.circle.CopyFrom(
                pb.Circle(center=pb.Point(lat=s.area.lat, lon=s.area.lon), radius_m=s.area.radius_m)
            )
        elif isinstance(s.area, Polygon):
            session.area.polygon_geojson = s.area.geojson
        message.sessions.append(session)
    return message


def rollcall_message(rollcall: Rollcall) -> pb.Rollcall:
    return pb.Rollcall(
        rollcall_id=rollcall.rollcall_id,
        cohort_id=rollcall.cohort_id,
        session_id=rollcall.session_id,
        opened_at=timestamp_of_millis(rollcall.opened_at_ms),
        closes_at=timestamp_of_millis(rollcall.closes_at_ms),
    )


def leave_message(leave: Leave) -> pb.Leave:
    message = pb.Leave(
        leave_id=leave.leave_id,
        cohort_id=leave.cohort_id,
        member_id=leave.member_id,
        to=timestamp_of_millis(leave.to_ms),
        reason=leave.reason,
        status=leave.status,
        note=leave.note,
        decided_by=leave.decided_by,
    )
    getattr(message, "from").CopyFrom(timestamp_of_millis(leave.from_ms))
    return message


def binding(ports: Ports) -> ServiceBinding:
    return ServiceBinding(
        add=training_pb2_grpc.add_TrainingServiceServicer_to_server,
        servicer=TrainingServicer(ports),
        full_name=pb.DESCRIPTOR.services_by_name["TrainingService"].full_name,
    )
