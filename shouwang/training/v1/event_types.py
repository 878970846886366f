"""Which payload each event type on ``shouwang.training.v1`` carries (CONTRACT.md "More topics");
written by hand beside the generated code, for any consumer of that topic."""

from __future__ import annotations

from google.protobuf.message import Message

from shouwang.training.v1 import events_pb2

TRAINING_TOPIC = "shouwang.training.v1"

TRAINING_EVENT_TYPES: dict[str, type[Message]] = {
    "shouwang.cohort.created": events_pb2.CohortCreated,
    "shouwang.cohort.enrolled": events_pb2.CohortEnrolled,
    "shouwang.cohort.completed": events_pb2.CohortCompleted,
    "shouwang.rollcall.opened": events_pb2.RollcallOpened,
    "shouwang.trainee.checked_in": events_pb2.TraineeCheckedIn,
    "shouwang.leave.decided": events_pb2.LeaveDecided,
    "shouwang.patrol_log.filed": events_pb2.PatrolLogFiled,
    "shouwang.shift.attended": events_pb2.ShiftAttended,
    "shouwang.shift.reminder": events_pb2.ShiftReminder,
}
