"""Tips and hazard reports: members submit them, officers of the station review them once.

A review is decided by a unique insert per report, so two officers (or a retried request)
reviewing the same report at once cannot both approve it: points are paid once.
"""

from __future__ import annotations

from typing import Any

from services.tasks import handlers
from services.tasks.events import SOURCE
from services.tasks.handlers import Caller
from services.tasks.ports import Ports
from shouwang import outbox
from shouwang.clock import to_millis, to_timestamp
from shouwang.errors import Conflict, FieldError, Forbidden, InvalidArgument, NotFound
from shouwang.events import Event
from shouwang.ids import new_id
from shouwang.store import Document
from shouwang.store.paging import Page
from shouwang.tasks.v1 import events_pb2
from shouwang.tasks.v1.event_types import REPORTS_TOPIC

CATEGORIES = ("crime_clue", "safety_hazard", "traffic", "fire", "dispute", "other")
MAX_REVIEW_POINTS = 200
MAX_NOTE_LENGTH = 4000


def submit_report(ports: Ports, caller: Caller, request: Any) -> Document:
    errors = []
    if request.category not in CATEGORIES:
        errors.append(FieldError("category", f"must be one of {', '.join(CATEGORIES)}"))
    if not 1 <= len(request.description.strip()) <= 2000:
        errors.append(FieldError("description", "must be 1 to 2000 characters"))
    if not request.HasField("location") or not (
        -90 <= request.location.lat <= 90 and -180 <= request.location.lon <= 180
    ):
        errors.append(FieldError("location", "must be a WGS-84 {lat, lon}"))
    if len(request.media_ids) > 9:
        errors.append(FieldError("media_ids", "at most 9 photos"))
    if errors:
        raise InvalidArgument(detail="the report has invalid fields", errors=errors)
    now = ports.clock.now()
    report: Document = {
        "_id": new_id(),
        "status": "pending",
        "category": request.category,
        "description": request.description.strip(),
        "location": {"lat": request.location.lat, "lon": request.location.lon},
        "media_ids": list(request.media_ids),
        "member_id": caller.member_id,
        "station_id": caller.station_id,
        "created_at": to_millis(now),
        "points": 0,
    }
    report.update(outbox.stage([_report_event(report, "submitted", now)]))
    ports.reports.add(report)
    ports.reports.outbox.flush(report)
    return report


def list_reports(ports: Ports, caller: Caller, *, status: str, size: int, cursor: str) -> Page:
    """A page of the officer's review queue, or of the member's own reports."""
    query: dict[str, Any] = {}
    if caller.is_officer:
        if not caller.city_wide:
            query["station_id"] = {"$in": sorted(caller.scope_org_ids)}
    else:
        query["member_id"] = caller.member_id
    if status:
        query["status"] = status
    return ports.reports.page(query, size=size, cursor=cursor)


def review_report(ports: Ports, caller: Caller, request: Any) -> Document:
    if not caller.is_officer:
        raise Forbidden(detail="only officers review reports")
    report = ports.reports.get(request.report_id)
    if report is None or not caller.covers(report["station_id"]):
        raise NotFound(detail="no such report")
    if request.decision not in ("approve", "reject"):
        raise InvalidArgument(
            detail="decision is approve or reject",
            errors=[FieldError("decision", "must be approve or reject")],
        )
    if len(request.note) > MAX_NOTE_LENGTH:
        raise InvalidArgument(
            detail="the note is too long",
            errors=[FieldError("note", f"at most {MAX_NOTE_LENGTH} characters")],
        )
    if not 0 <= request.points <= MAX_REVIEW_POINTS:
        raise InvalidArgument(
            detail="points out of range",
            errors=[FieldError("points", f"must be 0 to {MAX_REVIEW_POINTS}")],
        )
    now = ports.clock.now()
    if not ports.reports.claim_review(
        report["_id"], officer_id=caller.member_id, at_ms=to_millis(now)
    ):
        raise Conflict(detail="this report has been reviewed already")
    changes: dict[str, Any] = {
        "reviewed_by": caller.member_id,
        "reviewed_at": to_millis(now),
        "review_note": request.note,
    }
    if request.decision == "approve":
        if request.HasField("task"):
            task_request = request.task
            task_request.report_id = report["_id"]
            changes["task_id"] = handlers.create_task(ports, caller, task_request).task_id
        changes.update(status="approved", points=request.points)
        event = (
            REPORTS_TOPIC,
            Event(
                type="shouwang.report.approved",
                source=SOURCE,
                subject=report["_id"],
                time=now,
                data=events_pb2.ReportApproved(
                    report_id=report["_id"],
                    member_id=report["member_id"],
                    points=request.points,
                    approved_at=to_timestamp(now),
                    officer_id=caller.member_id,
                    category=report["category"],
                    station_id=report["station_id"],
                ),
            ),
        )
    else:
        changes["status"] = "rejected"
        event = _report_event({**report, **changes}, "rejected", now)
    updated = ports.reports.update(report["_id"], outbox.with_events({"$set": changes}, [event]))
    assert updated is not None
    ports.reports.outbox.flush(updated)
    return updated


def _report_event(report: Document, change: str, now) -> tuple[str, Event]:  # type: ignore[no-untyped-def]
    return REPORTS_TOPIC, Event(
        type=f"shouwang.report.{change}",
        source=SOURCE,
        subject=report["_id"],
        time=now,
        data=events_pb2.ReportUpdated(
            report_id=report["_id"],
            member_id=report["member_id"],
            status=report["status"],
            category=report["category"],
            station_id=report["station_id"],
            at=to_timestamp(now),
            task_id=report.get("task_id", ""),
        ),
    )
