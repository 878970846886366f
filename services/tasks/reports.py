"""Tips and hazard reports: members submit them, officers of the station review them once.

A review is decided by a unique insert per report, so two officers (or a retried request)
reviewing the same report at once cannot both approve it: points are paid once. A claim whose
review was never recorded (its process killed in between) is taken over after
``REVIEW_LEASE_S``; should two take it over at once, the approval event's id is derived from the
report, so its consumers still pay once.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from typing import Any

from services.tasks import handlers, model
from services.tasks.events import report_approved, report_updated
from services.tasks.handlers import Caller
from services.tasks.model import Point, Report
from services.tasks.ports import Ports
from shouwang.clock import to_millis
from shouwang.errors import Conflict, Forbidden, InvalidArgument, NotFound, Unavailable
from shouwang.ids import new_id
from shouwang.store.paging import Page

log = logging.getLogger(__name__)

# Far longer than a review takes (a claim, maybe a dispatch, a record), far shorter than an
# officer waits before asking again.
REVIEW_LEASE_S = 10


def submit_report(ports: Ports, caller: Caller, request: Any) -> Report:
    errors = model.validate_report(request)
    if errors:
        raise InvalidArgument(detail="the report has invalid fields", errors=errors)
    now = ports.clock.now()
    report = Report(
        report_id=new_id(),
        status=model.PENDING,
        category=request.category,
        description=request.description.strip(),
        location=Point(lat=request.location.lat, lon=request.location.lon),
        media_ids=tuple(request.media_ids),
        member_id=caller.member_id,
        station_id=caller.station_id,
        created_at_ms=to_millis(now),
    )
    return ports.reports.new_report(report, [report_updated(report, "submitted", at=now)])


def list_reports(ports: Ports, caller: Caller, *, status: str, size: int, cursor: str) -> Page:
    """A page of the officer's review queue, or of the member's own reports."""
    if not caller.is_officer:
        return ports.reports.page(
            member_id=caller.member_id, status=status, size=size, cursor=cursor
        )
    stations = None if caller.city_wide else sorted(caller.scope_org_ids)
    return ports.reports.page(station_ids=stations, status=status, size=size, cursor=cursor)


def review_report(ports: Ports, caller: Caller, request: Any) -> Report:
    if not caller.is_officer:
        raise Forbidden(detail="only officers review reports")
    report = ports.reports.get(request.report_id)
    if report is None or not caller.covers(report.station_id):
        raise NotFound(detail="no such report")
    refusal = model.review_refusal(request)
    if refusal is not None:
        raise refusal
    now = ports.clock.now()
    if not ports.reports.claim_review(
        report.report_id, officer_id=caller.member_id, at_ms=to_millis(now)
    ):
        _take_over_unrecorded_review(ports, report.report_id, now_ms=to_millis(now))
    reviewed = replace(report, reviewed_by=caller.member_id, review_note=request.note)
    if request.decision == "reject":
        reviewed = replace(reviewed, status=model.REJECTED)
        event = report_updated(reviewed, "rejected", at=now)
    else:
        task_id = _dispatch_from(ports, caller, report, request) if request.HasField("task") else ""
        reviewed = replace(reviewed, status=model.APPROVED, points=request.points, task_id=task_id)
        event = report_approved(reviewed, at=now)
    return ports.reports.record_review(reviewed, at_ms=to_millis(now), events=[event])


def _take_over_unrecorded_review(ports: Ports, report_id: str, *, now_ms: int) -> None:
    """Another review holds the claim. Recorded: this one is refused. Not yet recorded: it is
    under way (ask again shortly) — or, once ``REVIEW_LEASE_S`` have passed, its process died
    between the claim and the record, and this review takes its place (the report would
    otherwise stay pending for good, unreviewable, its points never given)."""
    report = ports.reports.get(report_id)
    claimed_at = ports.reports.review_claimed_at(report_id)
    if report is None or report.status != model.PENDING or claimed_at is None:
        raise Conflict(detail="this report has been reviewed already")
    waited_s = (now_ms - claimed_at) / 1000
    if waited_s < REVIEW_LEASE_S:
        raise Unavailable(
            detail="this report is being reviewed; ask again shortly",
            retry_after_s=max(1, math.ceil(REVIEW_LEASE_S - waited_s)),
        )
    log.warning(
        "report review taken over: its first claimant never recorded it",
        extra={"report_id": report_id},
    )


def _dispatch_from(ports: Ports, caller: Caller, report: Report, request: Any) -> str:
    """The task the approving officer dispatches from the report."""
    task_request = request.task
    task_request.report_id = report.report_id
    # Its id derives from the report (per officer): a review taken over after its process died
    # between dispatching and recording finds the task dispatched instead of sending another.
    task_request.request_id = task_request.request_id or f"report:{report.report_id}"
    return handlers.create_task(ports, caller, task_request).task_id
