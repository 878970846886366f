"""Building tasks' and reports' events (topics shouwang.tasks.v1 and shouwang.reports.v1)."""

from __future__ import annotations

from datetime import datetime

from shouwang.clock import to_timestamp
from shouwang.events import Event
from shouwang.ids import new_id
from shouwang.store import Document
from shouwang.tasks.v1 import events_pb2
from shouwang.tasks.v1.event_types import TASKS_TOPIC

SOURCE = "/shouwang/tasks"


def task_updated(
    task: Document,
    change: str,
    *,
    at: datetime,
    participants: list[str],
    member_id: str = "",
    seconds: float = 0.0,
    event_id: str | None = None,
) -> tuple[str, Event]:
    return TASKS_TOPIC, Event(
        type=f"shouwang.task.{change}",
        source=SOURCE,
        subject=task["_id"],
        time=at,
        id=event_id or new_id(),
        data=events_pb2.TaskUpdated(
            task_id=task["_id"],
            status=task["status"],
            station_id=task["station_id"],
            member_id=member_id,
            participant_ids=sorted(set(participants)),
            at=to_timestamp(at),
            title=task["title"],
            priority=task["priority"],
            seconds=seconds,
        ),
    )
