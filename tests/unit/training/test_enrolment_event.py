"""Enrolling trainees tells ``shouwang.cohort.enrolled`` with the member ids newly enrolled (and
nothing else about them), published through the cohort's outbox; an enrolment that adds nobody
tells nothing."""

from __future__ import annotations

from services.training import handlers
from shouwang.training.v1 import events_pb2
from shouwang.training.v1.event_types import TRAINING_TOPIC
from tests.unit.training.conftest import OFFICER, Training


def test_an_enrolment_tells_who_was_newly_enrolled(training: Training) -> None:
    instructor, first, second = training.verified(3)
    cohort = training.cohort(instructor, [first])

    handlers.enrol(training.ports, OFFICER, cohort.cohort_id, [first, second, second])
    handlers.enrol(training.ports, OFFICER, cohort.cohort_id, [second])  # nobody new

    told = [(topic, e) for topic, e in training.bus.published if e.type.endswith(".enrolled")]
    assert [(topic, e.subject) for topic, e in told] == [(TRAINING_TOPIC, cohort.cohort_id)] * 2
    first_told, second_told = (e.data for _, e in told)
    assert isinstance(second_told, events_pb2.CohortEnrolled)
    assert list(first_told.member_ids) == [first]  # type: ignore[attr-defined]
    assert (second_told.cohort_id, second_told.station_id, list(second_told.member_ids)) == (
        cohort.cohort_id,
        "st1",
        [second],
    )
    assert set(second_told.DESCRIPTOR.fields_by_name) == {
        "cohort_id",
        "station_id",
        "member_ids",
        "at",
    }


def test_the_event_leaves_no_trace_in_the_cohorts_outbox(training: Training) -> None:
    instructor, trainee = training.verified(2)
    cohort = training.cohort(instructor, [trainee])
    stored = training.adapters.store.collection("training_cohorts").get(cohort.cohort_id)
    assert stored is not None and not stored.get("_outbox") and stored["_outbox_count"] == 0
