"""Rotation-training endpoints (CONTRACT.md "Rotation training, rosters and patrol logs"):
cohorts, roll calls and check-ins, leave, the class report."""

from __future__ import annotations

from functools import partial

from flask import Response

from services.gateway.access import Access
from services.gateway.auth import Caller
from services.gateway.clients import OptionalService
from services.gateway.context import GatewayContext
from services.gateway.models.common import PageQuery, millis
from services.gateway.models.training import (
    CertificateQuery,
    CheckinView,
    CohortDraft,
    CohortPage,
    CohortReport,
    CohortView,
    Enrolment,
    HotspotQuery,
    Hotspots,
    HoursQuery,
    LeaveDecision,
    LeaveDraft,
    LeaveView,
    OutcomeQuery,
    OutcomeStats,
    PatrolLogDraft,
    PatrolLogView,
    RollcallDraft,
    RollcallView,
    RosterDraft,
    RosterHours,
    RosterPage,
    RosterView,
    ShiftPage,
    ShiftQuery,
    ShiftView,
    SwapOffer,
    certificate_html,
)
from services.gateway.routes.tasks import check_own_media
from services.gateway.scope import caller_message
from shouwang.clock import rfc3339_of
from shouwang.identity.v1 import identity_pb2
from shouwang.training.v1 import training_pb2 as pb
from shouwang.typed_routes import RawReply, TypedRoutes


def routes(context: GatewayContext) -> TypedRoutes:
    api = TypedRoutes("training", tag="training", idempotency=context.idempotent)

    training = OptionalService(context.clients, "training")

    scoped = partial(caller_message, context.clients.identity, pb.Caller)

    @api.post(
        "/cohorts",
        summary="Set up a class (期) of rotation training: site, dates, instructors, sessions",
        access=Access.OFFICER,
        body=CohortDraft,
        reply=CohortView,
        status=201,
        idempotent=True,
    )
    def create_cohort(caller: Caller, body: CohortDraft) -> CohortView:
        return CohortView.from_proto(training.CreateCohort(body.to_proto(scoped(caller))))

    @api.get(
        "/cohorts",
        summary="The classes of the officer's scope, newest first",
        access=Access.OFFICER,
        query=PageQuery,
        reply=CohortPage,
    )
    def list_cohorts(caller: Caller, query: PageQuery) -> CohortPage:
        reply = training.ListCohorts(
            pb.ListRequest(
                caller=scoped(caller), page_size=query.limit, page_token=query.cursor or ""
            )
        )
        return CohortPage(
            cohorts=[CohortView.from_proto(c) for c in reply.cohorts],
            next_cursor=reply.next_page_token or None,
        )

    @api.get(
        "/cohorts/{cohort_id}",
        summary="A class with its sessions, instructors and trainees",
        access=Access.MEMBER,
        reply=CohortView,
    )
    def get_cohort(caller: Caller, cohort_id: str) -> CohortView:
        return CohortView.from_proto(
            training.GetCohort(pb.CohortRequest(caller=scoped(caller), cohort_id=cohort_id))
        )

    @api.post(
        "/cohorts/{cohort_id}/trainees",
        summary="Enrol verified members as trainees",
        access=Access.OFFICER,
        body=Enrolment,
        reply=CohortView,
    )
    def enrol(caller: Caller, cohort_id: str, body: Enrolment) -> CohortView:
        request = pb.EnrolTraineesRequest(
            caller=scoped(caller), cohort_id=cohort_id, member_ids=body.member_ids
        )
        return CohortView.from_proto(training.EnrolTrainees(request))

    @api.post(
        "/cohorts/{cohort_id}/rollcalls",
        summary="Open a roll call (晚点名) for a session; the trainees get it on /stream",
        access=Access.VERIFIED,
        body=RollcallDraft,
        reply=RollcallView,
        status=201,
    )
    def open_rollcall(caller: Caller, cohort_id: str, body: RollcallDraft) -> RollcallView:
        request = pb.OpenRollcallRequest(
            caller=scoped(caller),
            cohort_id=cohort_id,
            session_id=body.session_id,
            minutes=body.minutes,
        )
        return RollcallView.from_proto(training.OpenRollcall(request))

    @api.post(
        "/rollcalls/{rollcall_id}/checkin",
        summary="Answer a roll call: present only with a fresh fix inside the session's place",
        access=Access.VERIFIED,
        reply=CheckinView,
        errors=(410,),
    )
    def check_in(caller: Caller, rollcall_id: str) -> CheckinView:
        result = training.CheckIn(pb.CheckInRequest(caller=scoped(caller), rollcall_id=rollcall_id))
        return CheckinView(
            status=result.status,  # type: ignore[arg-type]
            at=rfc3339_of(result.at),
            distance_m=result.distance_m,
        )

    @api.post(
        "/cohorts/{cohort_id}/leave",
        summary="Ask for leave (请假) from the class",
        access=Access.VERIFIED,
        body=LeaveDraft,
        reply=LeaveView,
        status=201,
    )
    def request_leave(caller: Caller, cohort_id: str, body: LeaveDraft) -> LeaveView:
        return LeaveView.from_proto(training.RequestLeave(body.to_proto(scoped(caller), cohort_id)))

    @api.post(
        "/leave/{leave_id}/decide",
        summary="An instructor approves or refuses a leave request",
        access=Access.VERIFIED,
        body=LeaveDecision,
        reply=LeaveView,
        errors=(409,),
    )
    def decide_leave(caller: Caller, leave_id: str, body: LeaveDecision) -> LeaveView:
        request = pb.DecideLeaveRequest(
            caller=scoped(caller), leave_id=leave_id, approve=body.approve, note=body.note
        )
        return LeaveView.from_proto(training.DecideLeave(request))

    @api.get(
        "/cohorts/{cohort_id}/report",
        summary="Attendance per trainee and session, patrol hours and completion",
        access=Access.VERIFIED,
        reply=CohortReport,
    )
    def report(caller: Caller, cohort_id: str) -> CohortReport:
        return CohortReport.from_proto(
            training.CohortReport(pb.CohortRequest(caller=scoped(caller), cohort_id=cohort_id))
        )

    @api.get(
        "/cohorts/{cohort_id}/certificate",
        summary="A completed trainee's printable certificate (结业证书), as HTML",
        access=Access.VERIFIED,
        query=CertificateQuery,
        reply=RawReply(("text/html",), "a self-contained page to print"),
        errors=(409,),
    )
    def certificate(caller: Caller, cohort_id: str, query: CertificateQuery) -> Response:
        issued = training.GetCertificate(
            pb.CertificateRequest(
                caller=scoped(caller), cohort_id=cohort_id, member_id=query.member_id or ""
            )
        )
        member = context.clients.identity.GetMember(
            identity_pb2.GetMemberRequest(member_id=issued.member_id)
        )
        response = Response(certificate_html(issued, name=member.name), mimetype="text/html")
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'"
        )
        response.headers["Cache-Control"] = "private, no-store"
        return response

    @api.post(
        "/rosters",
        summary="A duty roster over member units and an area; its shifts generated fairly",
        access=Access.OFFICER,
        body=RosterDraft,
        reply=RosterView,
        status=201,
        idempotent=True,
    )
    def create_roster(caller: Caller, body: RosterDraft) -> RosterView:
        return RosterView.from_proto(training.CreateRoster(body.to_proto(scoped(caller))))

    @api.get(
        "/rosters",
        summary="The rosters of the officer's scope, newest first, without their shifts",
        access=Access.OFFICER,
        query=PageQuery,
        reply=RosterPage,
    )
    def list_rosters(caller: Caller, query: PageQuery) -> RosterPage:
        reply = training.ListRosters(
            pb.ListRequest(
                caller=scoped(caller), page_size=query.limit, page_token=query.cursor or ""
            )
        )
        return RosterPage(
            rosters=[RosterView.from_proto(r) for r in reply.rosters],
            next_cursor=reply.next_page_token or None,
        )

    @api.get(
        "/shifts",
        summary="Shifts in start order: a member's own, an officer's scope",
        access=Access.MEMBER,
        query=ShiftQuery,
        reply=ShiftPage,
    )
    def list_shifts(caller: Caller, query: ShiftQuery) -> ShiftPage:
        reply = training.ListShifts(
            pb.ListShiftsRequest(
                caller=scoped(caller),
                member_id=query.member_id or "",
                from_ms=millis(query.from_) if query.from_ else 0,
                to_ms=millis(query.to) if query.to else 0,
                page_size=query.limit,
                page_token=query.cursor or "",
            )
        )
        return ShiftPage(
            shifts=[ShiftView.from_proto(s) for s in reply.shifts],
            next_cursor=reply.next_page_token or None,
        )

    @api.get(
        "/stats/roster-hours",
        summary="Duty hours per unit and member over roster shifts: scheduled, present, missed",
        access=Access.MEMBER,
        query=HoursQuery,
        reply=RosterHours,
    )
    def roster_hours(caller: Caller, query: HoursQuery) -> RosterHours:
        reply = training.RosterHours(
            pb.RosterHoursRequest(
                caller=scoped(caller),
                from_ms=millis(query.from_) if query.from_ else 0,
                to_ms=millis(query.to) if query.to else 0,
                roster_id=query.roster_id or "",
                org_id=query.org_id or "",
                member_id=query.member_id or "",
            )
        )
        return RosterHours.from_proto(reply)

    @api.post(
        "/shifts/{shift_id}/swap",
        summary="Ask another member to take the caller's shift over",
        access=Access.VERIFIED,
        body=SwapOffer,
        reply=ShiftView,
        errors=(409,),
    )
    def offer_swap(caller: Caller, shift_id: str, body: SwapOffer) -> ShiftView:
        request = pb.SwapRequest(
            caller=scoped(caller), shift_id=shift_id, with_member_id=body.with_member_id
        )
        return ShiftView.from_proto(training.OfferSwap(request))

    @api.post(
        "/shifts/{shift_id}/swap/accept",
        summary="Take over a shift offered to the caller (refused when busy then)",
        access=Access.VERIFIED,
        reply=ShiftView,
        errors=(409,),
    )
    def accept_swap(caller: Caller, shift_id: str) -> ShiftView:
        request = pb.SwapRequest(caller=scoped(caller), shift_id=shift_id)
        return ShiftView.from_proto(training.AcceptSwap(request))

    @api.post(
        "/patrol-logs",
        summary="File what a patrol found (on duty), linked to the caller's shift or class",
        access=Access.VERIFIED,
        body=PatrolLogDraft,
        reply=PatrolLogView,
        status=201,
        idempotent=True,
    )
    def file_patrol_log(caller: Caller, body: PatrolLogDraft) -> PatrolLogView:
        check_own_media(context.blobs, caller, body.media_ids)
        return PatrolLogView.from_proto(training.FilePatrolLog(body.to_proto(scoped(caller))))

    @api.get(
        "/stats/outcomes",
        summary="Patrol outcomes summed by unit and period, within the officer's scope",
        access=Access.OFFICER,
        query=OutcomeQuery,
        reply=OutcomeStats,
    )
    def outcomes(caller: Caller, query: OutcomeQuery) -> OutcomeStats:
        reply = training.OutcomeStats(
            pb.OutcomeStatsRequest(
                caller=scoped(caller),
                from_ms=millis(query.from_) if query.from_ else 0,
                to_ms=millis(query.to) if query.to else 0,
                org_id=query.org_id or "",
                period=query.period,
            )
        )
        return OutcomeStats.from_proto(reply)

    @api.get(
        "/stats/hotspots",
        summary="Incidents against patrol presence per grid and hour, with recommended windows",
        access=Access.OFFICER,
        query=HotspotQuery,
        reply=Hotspots,
    )
    def hotspots(caller: Caller, query: HotspotQuery) -> Hotspots:
        reply = training.Hotspots(
            pb.HotspotsRequest(
                caller=scoped(caller),
                from_ms=millis(query.from_) if query.from_ else 0,
                to_ms=millis(query.to) if query.to else 0,
            )
        )
        return Hotspots.from_proto(reply)

    return api
