"""Building tasks' and reports' events (topics shouwang.tasks.v1 and shouwang.reports.v1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from services.tasks.model import Claim, Offer, Report, Task
from services.tasks.ports import Ports
from shouwang.clock import timestamp_of_millis, to_timestamp
from shouwang.events import Event
from shouwang.ids import derived_id, new_id
from shouwang.tasks.v1 import events_pb2
from shouwang.tasks.v1.event_types import REPORTS_TOPIC, TASKS_TOPIC

SOURCE = "/shouwang/tasks"


def task_updated(
    task: Task,
    change: str,
    *,
    at: datetime,
    participants: list[str],
    member_id: str = "",
    seconds: float = 0.0,
    event_id: str | None = None,
) -> tuple[str, Event]:
    """``shouwang.task.<change>``, told to the members in ``participants`` (those offered it)."""
    return TASKS_TOPIC, Event(
        type=f"shouwang.task.{change}",
        source=SOURCE,
        subject=task.task_id,
        time=at,
        id=event_id or new_id(),
        data=events_pb2.TaskUpdated(
            task_id=task.task_id,
            status=task.status,
            station_id=task.station_id,
            member_id=member_id,
            participant_ids=sorted(set(participants)),
            at=to_timestamp(at),
            title=task.title,
            priority=task.priority,
            seconds=seconds,
        ),
    )


def told_to_offered(
    ports: Ports,
    task: Task,
    change: str,
    *,
    at: datetime,
    becomes: str = "",
    member_id: str = "",
    seconds: float = 0.0,
    event_id: str | None = None,
) -> tuple[str, Event]:
    """``shouwang.task.<change>`` showing the task as it ``becomes`` (by default as it is), told
    to everyone it was offered to."""
    return task_updated(
        replace(task, status=becomes or task.status),
        change,
        at=at,
        participants=ports.tasks.offered_members(task),
        member_id=member_id,
        seconds=seconds,
        event_id=event_id,
    )


def task_offered(
    task: Task, offers: list[Offer], *, wave: int, radius_m: float, at: datetime, event_id: str
) -> tuple[str, Event]:
    return TASKS_TOPIC, Event(
        type="shouwang.task.offered",
        source=SOURCE,
        subject=task.task_id,
        time=at,
        id=event_id,
        data=events_pb2.TaskOffered(
            task_id=task.task_id,
            wave=wave,
            radius_m=radius_m,
            station_id=task.station_id,
            title=task.title,
            priority=task.priority,
            lat=task.location.lat,
            lon=task.location.lon,
            expires_at=timestamp_of_millis(task.expires_at_ms),
            offers=[
                events_pb2.Offer(member_id=o.member_id, distance_m=o.distance_m, wave=wave)
                for o in offers
            ],
        ),
    )


def task_closed(
    task: Task, claims: list[Claim], *, officer_id: str, at: datetime
) -> tuple[str, Event]:
    """What points are awarded from: each claimant, and whether and how fast they arrived."""
    claimants = [
        events_pb2.Claimant(
            member_id=c.member_id,
            arrived=c.arrived_at_ms is not None,
            arrival_seconds=int(c.claim_to_arrival_s or 0),
        )
        for c in claims
    ]
    return TASKS_TOPIC, Event(
        type="shouwang.task.closed",
        source=SOURCE,
        subject=task.task_id,
        time=at,
        data=events_pb2.TaskClosed(
            task_id=task.task_id,
            priority=task.priority,
            points=task.points,
            claimants=claimants,
            closed_at=to_timestamp(at),
            station_id=task.station_id,
            officer_id=officer_id,
        ),
    )


def report_updated(report: Report, change: str, *, at: datetime) -> tuple[str, Event]:
    """``shouwang.report.<change>``: submitted or rejected."""
    return REPORTS_TOPIC, Event(
        type=f"shouwang.report.{change}",
        source=SOURCE,
        subject=report.report_id,
        time=at,
        data=events_pb2.ReportUpdated(
            report_id=report.report_id,
            member_id=report.member_id,
            status=report.status,
            category=report.category,
            station_id=report.station_id,
            at=to_timestamp(at),
            task_id=report.task_id,
        ),
    )


def report_approved(report: Report, *, at: datetime) -> tuple[str, Event]:
    """What points are awarded from: the reporter and the points the reviewer gave."""
    return REPORTS_TOPIC, Event(
        type="shouwang.report.approved",
        source=SOURCE,
        subject=report.report_id,
        time=at,
        # One approval per report: two reviews taking over the same unrecorded claim at once
        # publish the same event, which consumers drop by its id.
        id=derived_id("report.approved", report.report_id),
        data=events_pb2.ReportApproved(
            report_id=report.report_id,
            member_id=report.member_id,
            points=report.points,
            approved_at=to_timestamp(at),
            officer_id=report.reviewed_by,
            category=report.category,
            station_id=report.station_id,
        ),
    )
