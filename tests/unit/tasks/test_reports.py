"""Reports: what a valid one is, and their one review — on the service built for real."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from services.tasks import model, reports
from services.tasks.events import report_approved
from services.tasks.handlers import Caller
from shouwang.clock import to_millis
from shouwang.errors import Conflict, InvalidArgument, NotFound, Unavailable
from shouwang.tasks.v1 import tasks_pb2 as pb
from tests.unit.tasks.conftest import ADMIN, PLACE, Tasks, member
from tests.unit.tasks.requests import task_request


def submission(**changes: object) -> pb.SubmitReportRequest:
    request = pb.SubmitReportRequest(
        category="safety_hazard",
        description=" Broken street light ",
        location=pb.Point(lat=PLACE[0], lon=PLACE[1]),
    )
    for name, value in changes.items():
        if isinstance(value, list):
            getattr(request, name).extend(value)
        else:
            setattr(request, name, value)
    return request


def review(report_id: str, decision: str = "approve", **changes: object) -> pb.ReviewReportRequest:
    return pb.ReviewReportRequest(report_id=report_id, decision=decision, **changes)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "gossip"}, "category"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 2001}, "description"),
        ({"media_ids": ["p"] * 10}, "media_ids"),
    ],
)
def test_each_invalid_report_field_is_named(change: dict, field: str) -> None:
    assert [e.field for e in model.validate_report(submission(**change))] == [field]


def test_a_report_without_a_location_is_invalid() -> None:
    request = submission()
    request.ClearField("location")
    assert [e.field for e in model.validate_report(request)] == ["location"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"decision": "maybe"}, "decision"),
        ({"note": "n" * 4001}, "note"),
        ({"points": 201}, "points"),
    ],
)
def test_a_bad_review_is_refused_naming_its_field(change: dict, field: str) -> None:
    refused = model.review_refusal(review("r1", **change))
    assert isinstance(refused, InvalidArgument) and [e.field for e in refused.errors] == [field]


def test_a_submitted_report_is_pending_and_its_own(tasks: Tasks) -> None:
    submitted = reports.submit_report(tasks.ports, member("m1"), submission())
    assert (submitted.status, submitted.description, submitted.member_id) == (
        model.PENDING,
        "Broken street light",
        "m1",
    )
    mine = reports.list_reports(tasks.ports, member("m1"), status="", size=10, cursor="")
    theirs = reports.list_reports(tasks.ports, member("m2"), status="", size=10, cursor="")
    assert [r.report_id for r in mine.items] == [submitted.report_id] and theirs.items == []


def test_a_report_is_reviewed_once_however_many_officers_try(tasks: Tasks) -> None:
    submitted = reports.submit_report(tasks.ports, member("m1"), submission())

    def attempt(_: int) -> str:
        try:
            reports.review_report(tasks.ports, ADMIN, review(submitted.report_id, points=10))
        except (Conflict, Unavailable):  # reviewed already, or being reviewed
            return "refused"
        return "reviewed"

    with ThreadPoolExecutor(max_workers=5) as pool:
        assert sorted(pool.map(attempt, range(5))) == ["refused"] * 4 + ["reviewed"]
    approved = tasks.ports.reports.get(submitted.report_id)
    assert approved is not None
    assert (approved.status, approved.points, approved.reviewed_by) == (
        model.APPROVED,
        10,
        "admin",
    )


def test_a_rejected_report_earns_nothing_and_keeps_the_note(tasks: Tasks) -> None:
    submitted = reports.submit_report(tasks.ports, member("m1"), submission())
    rejected = reports.review_report(
        tasks.ports, ADMIN, review(submitted.report_id, "reject", note="a duplicate", points=5)
    )
    assert (rejected.status, rejected.points, rejected.review_note) == (
        model.REJECTED,
        0,
        "a duplicate",
    )


def test_approving_with_a_task_dispatches_it_from_the_report(tasks: Tasks) -> None:
    (nearby,) = tasks.on_duty(100)
    submitted = reports.submit_report(tasks.ports, member("m1"), submission())
    task = task_request(location={"lat": PLACE[0], "lon": PLACE[1]})
    approved = reports.review_report(
        tasks.ports, ADMIN, review(submitted.report_id, points=5, task=task)
    )
    dispatched = tasks.ports.tasks.get(approved.task_id)
    assert dispatched is not None and dispatched.report_id == submitted.report_id
    assert tasks.offered(dispatched) == [(nearby, 1)]


def test_an_officer_of_another_station_cannot_review(tasks: Tasks) -> None:
    submitted = reports.submit_report(tasks.ports, member("m1"), submission())
    stranger = Caller("officer-b", frozenset({"officer"}), frozenset({"st-b"}), False, "st-b")
    with pytest.raises(NotFound):
        reports.review_report(tasks.ports, stranger, review(submitted.report_id))


def test_a_review_claimed_but_never_recorded_is_taken_over_after_its_lease(tasks: Tasks) -> None:
    """The process that claimed the review was killed before recording it: the report must not
    stay pending for good. Within the lease the review is under way (ask again); after it, the
    next review takes its place, and its approval is the one event consumers pay from."""
    submitted = reports.submit_report(tasks.ports, member("m1"), submission())
    now_ms = to_millis(tasks.ports.clock.now())
    assert tasks.ports.reports.claim_review(submitted.report_id, officer_id="admin", at_ms=now_ms)

    with pytest.raises(Unavailable) as under_way:
        reports.review_report(tasks.ports, ADMIN, review(submitted.report_id, points=10))
    assert under_way.value.retry_after_s == reports.REVIEW_LEASE_S

    tasks.clock.advance(reports.REVIEW_LEASE_S)
    approved = reports.review_report(tasks.ports, ADMIN, review(submitted.report_id, points=10))
    assert (approved.status, approved.points) == (model.APPROVED, 10)
    with pytest.raises(Conflict):
        reports.review_report(tasks.ports, ADMIN, review(submitted.report_id, points=10))


def test_an_approval_recorded_twice_is_one_event_to_its_consumers(tasks: Tasks) -> None:
    """Two take-overs at once would each record the review: the same event id, dropped by the
    consumers the second time."""
    submitted = reports.submit_report(tasks.ports, member("m1"), submission())
    approved = reports.review_report(tasks.ports, ADMIN, review(submitted.report_id, points=10))
    now = tasks.ports.clock.now()
    (_, first), (_, second) = (report_approved(approved, at=now) for _ in range(2))
    assert first.id == second.id


def test_a_review_taken_over_after_it_dispatched_its_task_dispatches_no_other(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks.on_duty(100)
    submitted = reports.submit_report(tasks.ports, member("m1"), submission())
    task = task_request(location={"lat": PLACE[0], "lon": PLACE[1]})

    def killed(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the process died before recording the review")

    with monkeypatch.context() as patched:
        patched.setattr(tasks.ports.reports, "record_review", killed)
        with pytest.raises(RuntimeError):
            reports.review_report(tasks.ports, ADMIN, review(submitted.report_id, task=task))
    tasks.clock.advance(reports.REVIEW_LEASE_S)
    approved = reports.review_report(tasks.ports, ADMIN, review(submitted.report_id, task=task))

    every_task = tasks.ports.tasks.page(station_ids=None, status="", size=50, cursor="").items
    assert [(t.task_id, t.report_id) for t in every_task] == [
        (approved.task_id, submitted.report_id)
    ]
