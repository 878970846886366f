"""The ledger: what events earn, exactly once, and the repair of what follows from it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from services.points import handlers
from services.points.bootstrap import PointsService
from services.points.ruleset import load_rules, parse_rules
from shouwang.clock import ManualClock
from shouwang.errors import Forbidden
from tests.unit.points.support import build, registered, report_approved, task_closed


def balance(service: PointsService, member_id: str) -> int:
    account = service.ports.accounts.get(member_id)
    return account["balance"] if account else 0


def test_closed_task_pays_each_claimant_the_priority_default_and_the_fast_arrival_bonus(
    service: PointsService,
) -> None:
    handlers.on_task_closed(
        service.ports, task_closed("t1", [("fast", 120), ("slow", 600), ("away", None)], priority=1)
    )
    assert balance(service, "fast") == 30 + 10
    assert balance(service, "slow") == 30
    assert balance(service, "away") == 30


def test_redelivered_event_never_changes_a_balance(service: PointsService) -> None:
    event = task_closed("t1", [("m1", 60)])
    for _ in range(3):
        handlers.on_task_closed(service.ports, event)
    assert balance(service, "m1") == 20 + 10
    assert service.ports.entries.entries.count({"member_id": "m1"}) == 2


def test_same_closure_announced_under_a_new_event_id_earns_nothing_more(
    service: PointsService,
) -> None:
    handlers.on_task_closed(service.ports, task_closed("t1", [("m1", None)]))
    handlers.on_task_closed(service.ports, task_closed("t1", [("m1", None)]))
    assert balance(service, "m1") == 20


def test_report_points_are_capped_by_the_rules(service: PointsService) -> None:
    handlers.on_report_approved(service.ports, report_approved("r1", "m1", 500))
    assert balance(service, "m1") == 50


def test_crash_between_ledger_insert_and_balance_update_is_repaired_by_reconciliation(
    service: PointsService, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    handlers.on_task_closed(service.ports, task_closed("t0", [("m1", None)]))

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("process died")

    monkeypatch.setattr(service.ports.accounts, "add_to_balance", crash)
    event = task_closed("t1", [("m1", None)], priority=1)
    with pytest.raises(RuntimeError):
        handlers.on_task_closed(service.ports, event)
    monkeypatch.undo()
    handlers.on_task_closed(service.ports, event)  # redelivered: the entry exists, nothing follows
    assert balance(service, "m1") == 20

    clock.advance(3600)
    report = service.reconcile()

    assert balance(service, "m1") == 20 + 30
    assert report.repaired_balances == 1
    week = service.ports.counters.counters.get("2026-W10:m1")
    assert week is not None and week["points"] == 50


def test_reconciliation_leaves_members_written_to_moments_ago_alone(
    service: PointsService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service.ports.accounts, "add_to_balance", lambda *a, **k: {})
    handlers.on_task_closed(service.ports, task_closed("t1", [("m1", None)]))
    monkeypatch.undo()
    report = service.reconcile()
    assert report.skipped_recent == 1 and balance(service, "m1") == 0


def test_changed_rules_apply_to_new_events_and_never_rewrite_old_entries(
    tmp_path: Path, clock: ManualClock
) -> None:
    first = build(tmp_path, clock=clock)
    handlers.on_task_closed(
        first.ports, task_closed("t1", [("m1", None)], priority=1, event_id="e1")
    )
    first.close()
    raw = tomllib.loads(Path(load_rules.__defaults__[0]).read_text())  # type: ignore[index]
    raw["version"] = "v3"
    raw["task_closed"]["default_points_by_priority"]["1"] = 60
    second = build(tmp_path, clock=clock, rules=parse_rules(raw))
    handlers.on_task_closed(
        second.ports, task_closed("t1", [("m1", None)], priority=1, event_id="e1")
    )
    handlers.on_task_closed(second.ports, task_closed("t2", [("m1", None)], priority=1))

    entries = sorted(second.ports.entries.of_member("m1"), key=lambda e: e["ref"])
    assert [(e["ref"], e["delta"], e["rules_version"]) for e in entries] == [
        ("t1", 30, load_rules().version),
        ("t2", 60, "v3"),
    ]
    assert balance(second, "m1") == 90
    second.close()


def test_penalty_takes_at_most_the_balance_and_is_applied_once_per_request(
    service: PointsService,
) -> None:
    handlers.on_report_approved(service.ports, report_approved("r1", "m1", 15))
    for _ in range(2):
        outcome = handlers.penalise(
            service.ports,
            officer_id="o1",
            member_id="m1",
            points=40,
            reason="no-show",
            request_id="p1",
        )
    assert outcome.entry is not None and outcome.entry["delta"] == -15
    assert balance(service, "m1") == 0 and service.ports.ledger.available("m1") == 0


def test_an_officer_cannot_penalise_themselves(service: PointsService) -> None:
    handlers.on_report_approved(service.ports, report_approved("r1", "o1", 15))
    with pytest.raises(Forbidden, match="themselves"):
        handlers.penalise(
            service.ports,
            officer_id="o1",
            member_id="o1",
            points=5,
            reason="self-service",
            request_id="p1",
        )
    assert balance(service, "o1") == 15


def test_quiz_answers_earn_once_per_quiz_within_the_daily_cap(
    service: PointsService, clock: ManualClock
) -> None:
    for quiz in ["q1", "q1", "q2", "q3", "q4", "q5", "q6", "q7"]:
        handlers.record_quiz_answer(
            service.ports, member_id="m1", quiz_id=quiz, correct=True, answered_at=None
        )
    assert balance(service, "m1") == 10  # 2 points each, capped at 10 a day
    clock.advance(24 * 3600)
    handlers.record_quiz_answer(
        service.ports, member_id="m1", quiz_id="q8", correct=True, answered_at=None
    )
    assert balance(service, "m1") == 12


def test_wrong_quiz_answer_earns_nothing(service: PointsService) -> None:
    outcome = handlers.record_quiz_answer(
        service.ports, member_id="m1", quiz_id="q1", correct=False, answered_at=None
    )
    assert outcome.entry is None and balance(service, "m1") == 0


def test_registration_opens_the_account_with_the_members_team(service: PointsService) -> None:
    handlers.on_member_event(service.ports, registered("m1", team_id="team-a", station_id="st-1"))
    account = service.ports.accounts.get("m1")
    assert account is not None
    assert (account["balance"], account["team_id"], account["station_id"]) == (0, "team-a", "st-1")


def test_award_not_announced_before_a_crash_is_published_by_reconciliation(
    service: PointsService, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    published: list[str] = []

    def broker_away(topic, events):  # type: ignore[no-untyped-def]
        raise ConnectionError("broker away")

    monkeypatch.setattr(service.ports.ledger.bus, "publish", broker_away)
    with pytest.raises(ConnectionError):
        handlers.on_task_closed(service.ports, task_closed("t1", [("m1", None)]))
    monkeypatch.setattr(
        service.ports.ledger.bus,
        "publish",
        lambda topic, events: published.extend(e.id for e in events),
    )
    clock.advance(3600)
    report = service.reconcile()
    assert report.announced == 1 and len(published) == 1
    assert service.reconcile().announced == 0


def test_a_members_entries_page_newest_first_to_the_last_page(
    service: PointsService, clock: ManualClock
) -> None:
    for n in range(5):
        handlers.on_report_approved(
            service.ports, report_approved(f"r{n}", "m1", 1 + n, at=clock.now())
        )
        clock.advance(60)
    seen, cursor = [], ""
    while True:
        page = service.ports.entries.page_of("m1", size=2, cursor=cursor)
        seen.append([entry["ref"] for entry in page.items])
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == [["r4", "r3"], ["r2", "r1"], ["r0"]]
