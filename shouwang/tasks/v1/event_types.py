"""Which payload each event type on ``shouwang.tasks.v1`` and ``shouwang.reports.v1`` carries
(CONTRACT.md); written by hand beside the generated code, for any consumer of those topics."""

from __future__ import annotations

from google.protobuf.message import Message

from shouwang.tasks.v1 import events_pb2

TASKS_TOPIC = "shouwang.tasks.v1"
REPORTS_TOPIC = "shouwang.reports.v1"

TASK_EVENT_TYPES: dict[str, type[Message]] = {
    "shouwang.task.offered": events_pb2.TaskOffered,
    "shouwang.task.closed": events_pb2.TaskClosed,
    **{
        f"shouwang.task.{change}": events_pb2.TaskUpdated
        for change in (
            "created",
            "claimed",
            "declined",
            "arrived",
            "resolved",
            "cancelled",
            "expired",
            "unfilled",
        )
    },
}
REPORT_EVENT_TYPES: dict[str, type[Message]] = {
    "shouwang.report.submitted": events_pb2.ReportUpdated,
    "shouwang.report.rejected": events_pb2.ReportUpdated,
    "shouwang.report.approved": events_pb2.ReportApproved,
}
