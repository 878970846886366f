"""Building the points service on the embedded adapters, and the events it consumes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from services.points import bootstrap
from services.points.ruleset import Rules
from shouwang.bus.embedded import SqliteEventBus
from shouwang.clock import ManualClock, to_timestamp
from shouwang.events import Event
from shouwang.identity.v1 import events_pb2 as identity_events
from shouwang.runtime import Adapters
from shouwang.store import DocumentStore
from shouwang.store.blobs import LocalBlobStore
from shouwang.store.embedded import SqliteDocumentStore
from shouwang.tasks.v1 import events_pb2 as task_events

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


class FixedNames:
    def names(self, member_ids):  # type: ignore[no-untyped-def]
        return {member_id: f"name-of-{member_id}" for member_id in member_ids}


def adapters(
    directory: Path, *, clock: ManualClock, store: DocumentStore | None = None
) -> Adapters:
    directory.mkdir(parents=True, exist_ok=True)
    return Adapters(
        bus=SqliteEventBus(directory / "events.sqlite3"),
        store=store or SqliteDocumentStore(directory / "documents.sqlite3"),
        blobs=LocalBlobStore(directory / "media"),
        clock=clock,
    )


def build(
    directory: Path,
    *,
    clock: ManualClock,
    rules: Rules | None = None,
    store: DocumentStore | None = None,
) -> bootstrap.PointsService:
    return bootstrap.build(
        adapters(directory, clock=clock, store=store), rules=rules, names=FixedNames()
    )


def task_closed(
    task_id: str,
    claimants: list[tuple[str, int | None]],
    *,
    priority: int = 2,
    points: int = 0,
    at: datetime = START,
    event_id: str | None = None,
) -> Event:
    """``claimants``: (member id, seconds from claim to arrival or None when never arrived)."""
    payload = task_events.TaskClosed(
        task_id=task_id,
        priority=priority,
        points=points,
        closed_at=to_timestamp(at),
        claimants=[
            task_events.Claimant(
                member_id=member_id, arrived=seconds is not None, arrival_seconds=seconds or 0
            )
            for member_id, seconds in claimants
        ],
    )
    extra = {"id": event_id} if event_id else {}
    return Event(
        type="shouwang.task.closed",
        source="/tests",
        subject=task_id,
        time=at,
        data=payload,
        **extra,
    )


def report_approved(report_id: str, member_id: str, points: int, *, at: datetime = START) -> Event:
    return Event(
        type="shouwang.report.approved",
        source="/tests",
        subject=report_id,
        time=at,
        data=task_events.ReportApproved(
            report_id=report_id, member_id=member_id, points=points, approved_at=to_timestamp(at)
        ),
    )


def registered(member_id: str, *, team_id: str = "", station_id: str = "") -> Event:
    return Event(
        type="shouwang.member.registered",
        source="/tests",
        subject=member_id,
        time=START,
        data=identity_events.MemberRegistered(
            member_id=member_id, team_id=team_id, station_id=station_id, status="pending"
        ),
    )


def roles_changed(member_id: str, *, team_id: str, station_id: str) -> Event:
    return Event(
        type="shouwang.member.roles_changed",
        source="/tests",
        subject=member_id,
        time=START,
        data=identity_events.MemberStatusChanged(
            member_id=member_id, team_id=team_id, station_id=station_id, status="verified"
        ),
    )
