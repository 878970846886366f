"""Shapes of the rotation-training endpoints (CONTRACT.md "Rotation training, rosters and patrol
logs"): cohorts, roll calls, leave and the class report."""

from __future__ import annotations

import html
import json
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from services.gateway.models.common import (
    Area,
    Id,
    IdList,
    MediaIds,
    Name,
    Page,
    PageQuery,
    Point,
    PointReply,
    Polygon,
    ShortText,
)
from services.gateway.models.tasks import CircleReply, PolygonReply
from shouwang.clock import rfc3339_of
from shouwang.training.v1 import training_pb2 as pb
from shouwang.typed_routes import ApiModel, QueryModel, ReplyModel

Moment = Annotated[
    AwareDatetime,
    Field(ge=datetime(2000, 1, 1, tzinfo=UTC), le=datetime(2100, 1, 1, tzinfo=UTC)),
]
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 1, 1))]
Radius = Annotated[float, Field(ge=10, le=5000, allow_inf_nan=False)]


def _stamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment.astimezone(UTC))
    return stamp


class SiteDraft(ApiModel):
    """Where the class trains: a point and the radius within which a trainee is at the site."""

    name: Name
    location: Point
    radius_m: Radius


class SessionDraft(ApiModel):
    starts_at: Moment
    ends_at: Moment
    kind: Literal["training", "patrol"]
    topic: ShortText = ""
    area: Area | None = Field(
        default=None, description="a patrol's district; without it the session is at the site"
    )


class CohortDraft(ApiModel):
    """A class (期) as an officer sets it up."""

    name: Name
    site: SiteDraft
    starts_on: Day
    ends_on: Day
    instructor_ids: Annotated[list[Id], Field(min_length=1, max_length=20)]
    sessions: Annotated[list[SessionDraft], Field(min_length=1, max_length=200)]

    def to_proto(self, caller: pb.Caller) -> pb.CreateCohortRequest:
        request = pb.CreateCohortRequest(
            caller=caller,
            name=self.name,
            site=pb.Site(
                name=self.site.name,
                location=pb.Point(lat=self.site.location.lat, lon=self.site.location.lon),
                radius_m=self.site.radius_m,
            ),
            starts_on=self.starts_on.isoformat(),
            ends_on=self.ends_on.isoformat(),
            instructor_ids=self.instructor_ids,
        )
        for s in self.sessions:
            session = pb.Session(
                starts_at=_stamp(s.starts_at),
                ends_at=_stamp(s.ends_at),
                kind=s.kind,
                topic=s.topic,
                has_area=s.area is not None,
            )
            if isinstance(s.area, Polygon):
                session.area.polygon_geojson = s.area.model_dump_json()
            elif s.area is not None:
                center = pb.Point(lat=s.area.center.lat, lon=s.area.center.lon)
                session.area.circle.CopyFrom(pb.Circle(center=center, radius_m=s.area.radius_m))
            request.sessions.append(session)
        return request


class SiteReply(ReplyModel):
    name: str
    location: PointReply
    radius_m: float


class SessionView(ReplyModel):
    session_id: str
    starts_at: str
    ends_at: str
    kind: str
    topic: str
    area: PolygonReply | CircleReply | None


class CohortView(ReplyModel):
    cohort_id: str
    name: str
    site: SiteReply
    starts_on: str
    ends_on: str
    instructor_ids: list[str]
    trainee_ids: list[str]
    sessions: list[SessionView]
    station_id: str
    created_at: str

    @classmethod
    def from_proto(cls, cohort: pb.Cohort) -> CohortView:
        return cls(
            cohort_id=cohort.cohort_id,
            name=cohort.name,
            site=SiteReply(
                name=cohort.site.name,
                location=PointReply(lat=cohort.site.location.lat, lon=cohort.site.location.lon),
                radius_m=cohort.site.radius_m,
            ),
            starts_on=cohort.starts_on,
            ends_on=cohort.ends_on,
            instructor_ids=list(cohort.instructor_ids),
            trainee_ids=list(cohort.trainee_ids),
            sessions=[
                SessionView(
                    session_id=s.session_id,
                    starts_at=rfc3339_of(s.starts_at),
                    ends_at=rfc3339_of(s.ends_at),
                    kind=s.kind,
                    topic=s.topic,
                    area=_area(s.area) if s.has_area else None,
                )
                for s in cohort.sessions
            ],
            station_id=cohort.station_id,
            created_at=rfc3339_of(cohort.created_at),
        )


class Enrolment(ApiModel):
    member_ids: Annotated[IdList, Field(min_length=1)]


class RollcallDraft(ApiModel):
    session_id: Id
    minutes: Annotated[int, Field(ge=1, le=180)] = 30


class RollcallView(ReplyModel):
    rollcall_id: str
    session_id: str
    closes_at: str

    @classmethod
    def from_proto(cls, rollcall: pb.Rollcall) -> RollcallView:
        return cls(
            rollcall_id=rollcall.rollcall_id,
            session_id=rollcall.session_id,
            closes_at=rfc3339_of(rollcall.closes_at),
        )


class CheckinView(ReplyModel):
    status: Literal["present", "late"]
    at: str
    distance_m: float = Field(description="how far outside the place the fix was (0 inside)")


class LeaveDraft(ApiModel):
    """A trainee's leave request (请假)."""

    model_config = {**ApiModel.model_config, "populate_by_name": True}

    from_: Moment = Field(alias="from")
    to: Moment
    reason: Annotated[str, StringConstraints(max_length=500)] = ""

    def to_proto(self, caller: pb.Caller, cohort_id: str) -> pb.RequestLeaveRequest:
        request = pb.RequestLeaveRequest(
            caller=caller, cohort_id=cohort_id, to=_stamp(self.to), reason=self.reason
        )
        getattr(request, "from").CopyFrom(_stamp(self.from_))
        return request


class LeaveDecision(ApiModel):
    approve: bool
    note: Annotated[str, StringConstraints(max_length=500)] = ""


class LeaveView(ReplyModel):
    model_config = {**ReplyModel.model_config, "populate_by_name": True}

    leave_id: str
    cohort_id: str
    member_id: str
    from_: str = Field(alias="from")
    to: str
    reason: str
    status: Literal["pending", "approved", "rejected"]
    note: str

    @classmethod
    def from_proto(cls, leave: pb.Leave) -> LeaveView:
        return cls(
            leave_id=leave.leave_id,
            cohort_id=leave.cohort_id,
            member_id=leave.member_id,
            from_=rfc3339_of(getattr(leave, "from")),
            to=rfc3339_of(leave.to),
            reason=leave.reason,
            status=leave.status,  # type: ignore[arg-type]
            note=leave.note,
        )


AttendanceStatus = Literal["present", "late", "excused", "absent", "not_called"]


class SessionAttendance(ReplyModel):
    session_id: str
    status: AttendanceStatus


class TraineeReport(ReplyModel):
    member_id: str
    sessions: list[SessionAttendance]
    attended: int
    excused: int
    missed: int
    patrol_hours: float
    completed: bool


class CohortReport(ReplyModel):
    """Attendance per trainee and session, patrol hours and completion."""

    cohort_id: str
    name: str
    sessions_called: int
    completed_count: int
    trainees: list[TraineeReport]
    outcomes: CountsReply = Field(description="the sums of the class's patrol logs")

    @classmethod
    def from_proto(cls, report: pb.Report) -> CohortReport:
        return cls(
            cohort_id=report.cohort_id,
            name=report.name,
            sessions_called=report.sessions_called,
            completed_count=report.completed_count,
            outcomes=CountsReply.from_proto(report.outcomes),
            trainees=[
                TraineeReport(
                    member_id=t.member_id,
                    sessions=[
                        SessionAttendance(session_id=s.session_id, status=s.status)  # type: ignore[arg-type]
                        for s in t.sessions
                    ],
                    attended=t.attended,
                    excused=t.excused,
                    missed=t.missed,
                    patrol_hours=t.patrol_hours,
                    completed=t.completed,
                )
                for t in report.trainees
            ],
        )


def _area(area: pb.Area) -> PolygonReply | CircleReply:
    if area.HasField("circle"):
        center = PointReply(lat=area.circle.center.lat, lon=area.circle.center.lon)
        return CircleReply(center=center, radius_m=area.circle.radius_m)
    return PolygonReply.model_validate(json.loads(area.polygon_geojson))


# Rosters --------------------------------------------------------------------------------------

HourMinute = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class ShiftWindowDraft(ApiModel):
    """Weekly patrol windows: ISO weekdays (1 = Monday) and wall-clock hours in Asia/Shanghai;
    ``to`` at or before ``from`` runs over midnight (00:00-04:00 is the summer pattern)."""

    model_config = {**ApiModel.model_config, "populate_by_name": True}

    weekdays: Annotated[list[Annotated[int, Field(ge=1, le=7)]], Field(min_length=1, max_length=7)]
    from_: HourMinute = Field(alias="from")
    to: HourMinute


RecommendationId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,200}$")]


class FromHotspotsDraft(ApiModel):
    """A window taken from the hotspots: a recommendation's id, or a grid (its best window over
    the last 28 days). The grid is the roster's area unless the roster names one."""

    recommendation_id: RecommendationId | None = None
    grid_id: Id | None = None
    weekdays: Annotated[
        list[Annotated[int, Field(ge=1, le=7)]], Field(max_length=7, description="default: all")
    ] = []

    @model_validator(mode="after")
    def _one_source(self) -> FromHotspotsDraft:
        if not (self.recommendation_id or self.grid_id):
            raise ValueError("name a recommendation_id or a grid_id")
        return self


class HotspotShiftsDraft(ApiModel):
    from_hotspots: FromHotspotsDraft


class RosterDraft(ApiModel):
    """A duty roster over member units (orgs) and an area."""

    name: Name
    org_ids: Annotated[list[Id], Field(min_length=1, max_length=200)]
    area: Area | None = Field(
        default=None, description="required unless the window comes from a hotspot grid"
    )
    shifts: ShiftWindowDraft | HotspotShiftsDraft
    per_org_per_month: Annotated[int, Field(ge=1, le=10)] = 1
    starts_on: Day | None = Field(default=None, description="default: today")
    months: Annotated[int, Field(ge=1, le=12)] = 1

    def to_proto(self, caller: pb.Caller) -> pb.CreateRosterRequest:
        request = pb.CreateRosterRequest(
            caller=caller,
            name=self.name,
            org_ids=self.org_ids,
            per_org_per_month=self.per_org_per_month,
            starts_on=self.starts_on.isoformat() if self.starts_on else "",
            months=self.months,
        )
        if isinstance(self.shifts, HotspotShiftsDraft):
            source = self.shifts.from_hotspots
            request.from_hotspots.CopyFrom(
                pb.FromHotspots(
                    recommendation_id=source.recommendation_id or "",
                    grid_id=source.grid_id or "",
                    weekdays=source.weekdays,
                )
            )
        else:
            request.shifts.CopyFrom(
                pb.ShiftWindow(weekdays=self.shifts.weekdays, to=self.shifts.to)
            )
            setattr(request.shifts, "from", self.shifts.from_)
        if isinstance(self.area, Polygon):
            request.area.polygon_geojson = self.area.model_dump_json()
        elif self.area is not None:
            center = pb.Point(lat=self.area.center.lat, lon=self.area.center.lon)
            request.area.circle.CopyFrom(pb.Circle(center=center, radius_m=self.area.radius_m))
        return request


class ShiftView(ReplyModel):
    shift_id: str
    roster_id: str
    org_id: str
    member_id: str
    starts_at: str
    ends_at: str
    swap_with: str | None = Field(description="the member asked to take it over, until accepted")
    minutes_present: int | None = Field(
        default=None,
        description="once started: minutes the member's fixes put them inside the area "
        "(each fix counts until the next, 5 minutes at most); null before the shift",
    )

    @classmethod
    def from_proto(cls, shift: pb.Shift) -> ShiftView:
        return cls(
            shift_id=shift.shift_id,
            roster_id=shift.roster_id,
            org_id=shift.org_id,
            member_id=shift.member_id,
            starts_at=rfc3339_of(shift.starts_at),
            ends_at=rfc3339_of(shift.ends_at),
            swap_with=shift.swap_with or None,
            minutes_present=shift.minutes_present if shift.started else None,
        )


class UnfilledView(ReplyModel):
    org_id: str
    starts_at: str


class WindowReply(ReplyModel):
    model_config = {**ReplyModel.model_config, "populate_by_name": True}

    weekdays: list[int]
    from_: str = Field(alias="from")
    to: str


class RosterView(ReplyModel):
    roster_id: str
    name: str
    org_ids: list[str]
    area: PolygonReply | CircleReply
    shifts: WindowReply
    per_org_per_month: int
    starts_on: str
    months: int
    generated: list[ShiftView]
    unfilled: list[UnfilledView] = Field(description="windows a unit had nobody free for")
    grid_id: str | None = Field(description="the hotspot grid its window came from, if any")
    shift_count: int

    @classmethod
    def from_proto(cls, roster: pb.Roster) -> RosterView:
        return cls(
            roster_id=roster.roster_id,
            name=roster.name,
            org_ids=list(roster.org_ids),
            area=_area(roster.area),
            shifts=WindowReply(
                weekdays=list(roster.shifts.weekdays),
                from_=getattr(roster.shifts, "from"),
                to=roster.shifts.to,
            ),
            per_org_per_month=roster.per_org_per_month,
            starts_on=roster.starts_on,
            months=roster.months,
            generated=[ShiftView.from_proto(s) for s in roster.generated],
            unfilled=[
                UnfilledView(org_id=u.org_id, starts_at=rfc3339_of(u.starts_at))
                for u in roster.unfilled
            ],
            grid_id=roster.grid_id or None,
            shift_count=roster.shift_count,
        )


class RosterPage(Page):
    rosters: list[RosterView] = Field(description="without their shifts (see GET /shifts)")


class CohortPage(Page):
    cohorts: list[CohortView]


class ShiftQuery(PageQuery):
    model_config = {**PageQuery.model_config, "populate_by_name": True}

    member_id: Id | None = Field(default=None, description="officers: one member's; members: own")
    from_: Moment | None = Field(default=None, alias="from")
    to: Moment | None = None


class ShiftPage(Page):
    shifts: list[ShiftView]


class HoursQuery(QueryModel):
    model_config = {**QueryModel.model_config, "populate_by_name": True}

    from_: Moment | None = Field(
        default=None, alias="from", description="shifts starting from; default: this month's first"
    )
    to: Moment | None = Field(
        default=None, description="shifts starting before; default: next month's first"
    )
    roster_id: Id | None = None
    org_id: Id | None = Field(default=None, description="one unit")
    member_id: Id | None = Field(default=None, description="officers: one member's; members: own")


class HoursRowView(ReplyModel):
    org_id: str = Field(description="the unit; empty in the total")
    member_id: str = Field(description="empty in unit rows and the total")
    shifts: int
    settled: int = Field(description="ended shifts whose attendance is settled")
    missed: int = Field(description="settled shifts with no minute present")
    scheduled_minutes: int
    present_minutes: int = Field(description="inside the roster's area, settled shifts only")
    settled_scheduled_minutes: int = Field(description="the base of the attendance share")

    @classmethod
    def from_proto(cls, row: pb.HoursRow) -> HoursRowView:
        return cls(
            org_id=row.org_id,
            member_id=row.member_id,
            shifts=row.shifts,
            settled=row.settled,
            missed=row.missed,
            scheduled_minutes=row.scheduled_minutes,
            present_minutes=row.present_minutes,
            settled_scheduled_minutes=row.settled_scheduled_minutes,
        )


class RosterHours(ReplyModel):
    """Duty hours per unit and member: scheduled, present and missed."""

    units: list[HoursRowView]
    members: list[HoursRowView]
    total: HoursRowView

    @classmethod
    def from_proto(cls, reply: pb.RosterHoursReply) -> RosterHours:
        return cls(
            units=[HoursRowView.from_proto(r) for r in reply.units],
            members=[HoursRowView.from_proto(r) for r in reply.members],
            total=HoursRowView.from_proto(reply.total),
        )


class SwapOffer(ApiModel):
    with_member_id: Id


# Patrol logs ----------------------------------------------------------------------------------

PatrolCount = Annotated[int, Field(ge=0, le=100_000)]


class PatrolCounts(ApiModel):
    """What a patrol found (each 0 when left out)."""

    people_checked: PatrolCount = 0
    vehicles_checked: PatrolCount = 0
    rooms_inspected: PatrolCount = 0
    migrants_registered: PatrolCount = 0
    hazards_found: PatrolCount = 0
    offenders_caught: PatrolCount = 0

    def to_proto(self) -> pb.PatrolCounts:
        return pb.PatrolCounts(**self.model_dump())


class CountsReply(ReplyModel):
    people_checked: int
    vehicles_checked: int
    rooms_inspected: int
    migrants_registered: int
    hazards_found: int
    offenders_caught: int

    @classmethod
    def from_proto(cls, counts: pb.PatrolCounts) -> CountsReply:
        return cls(**{name: getattr(counts, name) for name in cls.model_fields})


class PatrolLogDraft(ApiModel):
    """A patrol's log, filed on duty, linked to the member's shift or class."""

    shift_id: Id | None = None
    cohort_id: Id | None = None
    counts: PatrolCounts
    note: Annotated[str, StringConstraints(max_length=2000)] = ""
    media_ids: MediaIds = []

    def to_proto(self, caller: pb.Caller) -> pb.FilePatrolLogRequest:
        return pb.FilePatrolLogRequest(
            caller=caller,
            shift_id=self.shift_id or "",
            cohort_id=self.cohort_id or "",
            counts=self.counts.to_proto(),
            note=self.note,
            media_ids=self.media_ids,
        )


class PatrolLogView(ReplyModel):
    log_id: str
    member_id: str
    shift_id: str | None
    cohort_id: str | None
    org_id: str
    counts: CountsReply
    note: str
    media_ids: list[str]
    filed_at: str

    @classmethod
    def from_proto(cls, log: pb.PatrolLog) -> PatrolLogView:
        return cls(
            log_id=log.log_id,
            member_id=log.member_id,
            shift_id=log.shift_id or None,
            cohort_id=log.cohort_id or None,
            org_id=log.org_id,
            counts=CountsReply.from_proto(log.counts),
            note=log.note,
            media_ids=list(log.media_ids),
            filed_at=rfc3339_of(log.filed_at),
        )


class OutcomeQuery(QueryModel):
    model_config = {**QueryModel.model_config, "populate_by_name": True}

    from_: Moment | None = Field(default=None, alias="from", description="default: a year ago")
    to: Moment | None = Field(default=None, description="default: now")
    org_id: Id | None = Field(default=None, description="a unit (team) or a station")
    period: Literal["day", "week", "month"] = "month"


class OutcomeRow(ReplyModel):
    org_id: str
    period: str = Field(description="the period's first day (Asia/Shanghai)")
    logs: int
    counts: CountsReply


class OutcomeStats(ReplyModel):
    """Patrol outcomes summed by unit and period: the programmes' headline tables."""

    rows: list[OutcomeRow]
    total: CountsReply
    logs: int

    @classmethod
    def from_proto(cls, reply: pb.OutcomeStatsReply) -> OutcomeStats:
        return cls(
            rows=[
                OutcomeRow(
                    org_id=r.org_id,
                    period=r.period,
                    logs=r.logs,
                    counts=CountsReply.from_proto(r.counts),
                )
                for r in reply.rows
            ],
            total=CountsReply.from_proto(reply.total),
            logs=reply.logs,
        )


class CertificateQuery(QueryModel):
    member_id: Id | None = Field(default=None, description="instructors and officers: whose")


def certificate_html(certificate: pb.Certificate, *, name: str) -> str:
    """A printable completion certificate (结业证书) as a self-contained HTML page."""
    e = html.escape
    issued = certificate.issued_at.ToDatetime().date().isoformat()
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>结业证书 · {e(certificate.cohort_name)}</title>
<style>body{{font-family:serif;max-width:40em;margin:4em auto;text-align:center}}
h1{{letter-spacing:.5em}}table{{margin:2em auto;border-collapse:collapse}}
td{{padding:.3em 1em;border-bottom:1px solid #999;text-align:left}}</style></head>
<body><h1>结业证书</h1>
<p class="holder"><strong>{e(name)}</strong> 同志</p>
<p>参加 <strong>{e(certificate.cohort_name)}</strong>（{e(certificate.site_name)}，
{e(certificate.starts_on)} 至 {e(certificate.ends_on)}）轮值轮训，考勤合格，准予结业。</p>
<table>
<tr><td>出勤</td>
<td class="attended">{certificate.attended} / {certificate.sessions_called}</td></tr>
<tr><td>巡逻时长</td><td class="patrol-hours">{certificate.patrol_hours:g} 小时</td></tr>
<tr><td>证书编号</td><td>{e(certificate.cohort_id)}-{e(certificate.member_id)}</td></tr>
</table>
<p>发证日期 {issued}</p></body></html>
"""


# Hotspots -------------------------------------------------------------------------------------


class HotspotQuery(QueryModel):
    model_config = {**QueryModel.model_config, "populate_by_name": True}

    from_: Moment | None = Field(
        default=None, alias="from", description="default: 28 days before `to`; at most 92 days"
    )
    to: Moment | None = Field(default=None, description="default: now")


class HotspotCell(ReplyModel):
    grid_id: str
    hour: int = Field(description="hour of day, Asia/Shanghai")
    incidents: int = Field(description="tasks created and approved reports (not made tasks)")
    presence_minutes: int = Field(description="minutes members on duty were inside the grid")
    score: float = Field(
        description="the hour's share of all incidents minus its share of presence"
    )


class HotspotGrid(ReplyModel):
    grid_id: str
    name: str
    level: int


class HotspotWindow(ReplyModel):
    model_config = {**ReplyModel.model_config, "populate_by_name": True}

    recommendation_id: str = Field(
        description="POST /rosters with shifts: {from_hotspots: {recommendation_id}} takes it"
    )
    grid_id: str
    from_: str = Field(alias="from", description="HH:00, Asia/Shanghai")
    to: str = Field(description="HH:00; at or before `from`: over midnight")
    hours: list[int]
    incidents: int
    presence_minutes: int
    score: float


class Hotspots(ReplyModel):
    """Incidents against patrol presence per grid and hour of day, and the recommended patrol
    windows: hours where a grid's share of incidents exceeds its share of presence, neighbouring
    hours merged, best first (docs/training.md)."""

    model_config = {**ReplyModel.model_config, "populate_by_name": True}

    from_: str = Field(alias="from")
    to: str
    grids: list[HotspotGrid]
    cells: list[HotspotCell] = Field(description="only cells with incidents or presence")
    windows: list[HotspotWindow]
    incidents: int
    presence_minutes: int
    incidents_outside_grids: int

    @classmethod
    def from_proto(cls, reply: pb.HotspotsReply) -> Hotspots:
        return cls(
            from_=rfc3339_of(getattr(reply, "from")),
            to=rfc3339_of(reply.to),
            grids=[HotspotGrid(grid_id=g.grid_id, name=g.name, level=g.level) for g in reply.grids],
            cells=[
                HotspotCell(
                    grid_id=c.grid_id,
                    hour=c.hour,
                    incidents=c.incidents,
                    presence_minutes=c.presence_minutes,
                    score=c.score,
                )
                for c in reply.cells
            ],
            windows=[
                HotspotWindow(
                    recommendation_id=w.recommendation_id,
                    grid_id=w.grid_id,
                    from_=getattr(w, "from"),
                    to=w.to,
                    hours=list(w.hours),
                    incidents=w.incidents,
                    presence_minutes=w.presence_minutes,
                    score=w.score,
                )
                for w in reply.windows
            ],
            incidents=reply.incidents,
            presence_minutes=reply.presence_minutes,
            incidents_outside_grids=reply.incidents_outside_grids,
        )
