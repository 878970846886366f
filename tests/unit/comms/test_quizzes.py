"""Quizzes on the comms service built for real: writing one, members' views without the keys,
one answer scored at once, and the points service crediting it exactly once, across a replay."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from services.comms import handlers
from services.comms.grpc_api import quiz_message
from services.points import bootstrap as points_bootstrap
from shouwang.bus.embedded import SqliteEventBus
from shouwang.clock import to_timestamp
from shouwang.comms.v1 import comms_pb2 as pb
from shouwang.errors import Conflict, Forbidden, Gone, InvalidArgument, NotFound
from tests.unit.comms.conftest import OFFICER, Comms, member


def quiz_request(comms: Comms, **fields: object) -> pb.CreateQuizRequest:
    request = pb.CreateQuizRequest(
        title="Fire safety",
        questions=[
            pb.Question(
                text="Call which number for fire?", choices=["110", "119", "120"], answer=1
            ),
            pb.Question(text="Use the lift in a fire?", choices=["yes", "no"], answer=1),
        ],
        points_per_correct=2,
    )
    for name, value in fields.items():
        if name in ("opens_in_s", "closes_in_s"):
            stamp = to_timestamp(comms.clock.now() + timedelta(seconds=value))  # type: ignore[arg-type]
            getattr(request, name.replace("_in_s", "_at")).CopyFrom(stamp)
        else:
            setattr(request, name, value)
    return request


def test_members_see_open_quizzes_without_their_keys(comms: Comms):
    open_now = handlers.create_quiz(comms.ports, OFFICER, quiz_request(comms, closes_in_s=600))
    handlers.create_quiz(comms.ports, OFFICER, quiz_request(comms, opens_in_s=60, title="Later"))
    items, _ = handlers.list_quizzes(comms.ports, member("a"), open_only=True, size=10, cursor="")
    assert [q.quiz_id for q, _ in items] == [open_now.quiz_id]
    view = quiz_message(items[0][0], with_answers=False)
    assert [q.HasField("answer") for q in view.questions] == [False, False]
    assert quiz_message(open_now).questions[0].answer == 1  # the officer's view keeps them

    comms.clock.advance(600)  # closed now; the later one opened at 60 s
    items, _ = handlers.list_quizzes(comms.ports, member("a"), open_only=True, size=10, cursor="")
    assert [q.title for q, _ in items] == ["Later"]


def test_an_answer_is_scored_at_once_and_taken_once(comms: Comms):
    quiz = handlers.create_quiz(comms.ports, OFFICER, quiz_request(comms))
    result = handlers.answer_quiz(comms.ports, member("a"), quiz.quiz_id, [1, 0])
    assert (result.correct, result.total, result.points) == (1, 2, 2)
    with pytest.raises(Conflict):
        handlers.answer_quiz(comms.ports, member("a"), quiz.quiz_id, [1, 1])
    answered = comms.bus.of_type("shouwang.quiz.answered")
    assert len(answered) == 1
    assert (answered[0].data.member_id, answered[0].data.correct) == ("a", 1)  # type: ignore[attr-defined]
    items, _ = handlers.list_quizzes(comms.ports, member("a"), open_only=True, size=10, cursor="")
    assert [answered for _, answered in items] == [True]


def test_answers_must_fit_the_quiz_and_its_times(comms: Comms):
    quiz = handlers.create_quiz(comms.ports, OFFICER, quiz_request(comms, closes_in_s=60))
    with pytest.raises(InvalidArgument) as refused:
        handlers.answer_quiz(comms.ports, member("a"), quiz.quiz_id, [1, 5])
    assert [e.field for e in refused.value.errors] == ["answers[1]"]
    with pytest.raises(InvalidArgument):
        handlers.answer_quiz(comms.ports, member("a"), quiz.quiz_id, [1])
    with pytest.raises(NotFound):
        handlers.answer_quiz(comms.ports, member("a"), "nope", [1, 1])
    comms.clock.advance(60)
    with pytest.raises(Gone):
        handlers.answer_quiz(comms.ports, member("a"), quiz.quiz_id, [1, 1])
    assert comms.bus.of_type("shouwang.quiz.answered") == []


def test_only_officers_write_valid_quizzes(comms: Comms):
    with pytest.raises(Forbidden):
        handlers.create_quiz(comms.ports, member("a"), quiz_request(comms))
    bad = quiz_request(comms)
    bad.questions[0].answer = 3
    with pytest.raises(InvalidArgument) as refused:
        handlers.create_quiz(comms.ports, OFFICER, bad)
    assert [e.field for e in refused.value.errors] == ["questions[0].answer"]


def balance_becomes(points: points_bootstrap.PointsService, member_id: str, want: int) -> None:
    deadline = time.monotonic() + 10
    while points.ports.ledger.available(member_id) != want and time.monotonic() < deadline:
        time.sleep(0.02)
    assert points.ports.ledger.available(member_id) == want


def test_points_credit_an_answer_exactly_once_across_a_replay(comms: Comms, tmp_path: Path):
    points = points_bootstrap.build(comms.adapters)
    rule = points.ports.rules.quiz_correct.points
    comms.adapters.bus.start()
    replay_bus = SqliteEventBus(tmp_path / "events.sqlite3")  # the same topics, read afresh
    try:
        quiz = handlers.create_quiz(comms.ports, OFFICER, quiz_request(comms))
        handlers.answer_quiz(comms.ports, member("a"), quiz.quiz_id, [1, 1])
        handlers.answer_quiz(comms.ports, member("z"), quiz.quiz_id, [0, 0])  # nothing right
        balance_becomes(points, "a", rule)
        # The same event again (a redelivery), then a consumer reading the topic from the start.
        event = comms.bus.of_type("shouwang.quiz.answered")[0]
        assert event.data.member_id == "a"  # type: ignore[attr-defined]
        comms.bus.publish("shouwang.quizzes.v1", [event])
        replay = points_bootstrap.build(
            replace(comms.adapters, bus=replay_bus),
            consumer_groups={
                group: f"{name}-replay" for group, name in points_bootstrap.CONSUMER_GROUPS.items()
            },
        )
        replay_bus.start()
        marker = handlers.create_quiz(comms.ports, OFFICER, quiz_request(comms))
        handlers.answer_quiz(comms.ports, member("b"), marker.quiz_id, [1, 1])
        balance_becomes(points, "b", rule)  # both consumers are past the replayed events now
        balance_becomes(replay, "b", rule)
        assert points.ports.ledger.available("a") == rule
        assert points.ports.ledger.available("z") == 0
        replay.close()
    finally:
        replay_bus.close()
        points.close()
