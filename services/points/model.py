"""What things are worth: pure functions from the rules and an event's payload to ledger drafts,
the board periods an entry counts in, and the board order. No I/O, no protobuf services.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timezone

from services.points.ruleset import Rules
from shouwang.points.v1 import limits

# Why an entry exists; also the rule part of an entry id.
TASK_CLOSED = "task_closed"
FAST_ARRIVAL = "fast_arrival"
REPORT_APPROVED = "report_approved"
QUIZ_CORRECT = "quiz_correct"
PATROL_TIME = "patrol_time"
PENALTY = "penalty"
REDEMPTION = "redemption"
ROLLCALL_PRESENT = "rollcall_present"
ROLLCALL_LATE = "rollcall_late"
SHIFT_ATTENDED = "shift_attended"
COHORT_COMPLETED = "cohort_completed"

PERIODS = limits.PERIODS
SCOPES = limits.SCOPES


@dataclass(frozen=True)
class Draft:
    """A ledger entry before it has an id: who gets what, why, for what (``ref``).

    ``op`` is the natural key of the award (task + rule + member, report + rule, ...): unique in
    the ledger, so a second event announcing the same fact under a new event id earns nothing.
    """

    member_id: str
    delta: int
    reason: str
    ref: str
    op: str
    note: str = ""  # the officer's words, for penalties
    actor_id: str = ""  # the officer who decided, for penalties


@dataclass(frozen=True)
class Claim:
    member_id: str
    arrived: bool
    arrival_seconds: int


def task_closed_drafts(
    rules: Rules, *, task_id: str, priority: int, points: int, claimants: Sequence[Claim]
) -> list[Draft]:
    """Each claimant earns the task's points (or the default for its priority), plus a bonus when
    they were on scene within the fast-arrival window."""
    task_rules = rules.task_closed
    by_priority = task_rules.default_points_by_priority
    worth = points if points > 0 else by_priority.get(priority, by_priority[max(by_priority)])
    worth = min(worth, task_rules.max_points)
    drafts: list[Draft] = []
    seen: set[str] = set()
    for claim in claimants:
        if not claim.member_id or claim.member_id in seen:
            continue
        seen.add(claim.member_id)
        drafts.append(
            Draft(
                claim.member_id,
                worth,
                TASK_CLOSED,
                task_id,
                f"task:{task_id}:{TASK_CLOSED}:{claim.member_id}",
            )
        )
        fast = claim.arrived and claim.arrival_seconds <= task_rules.fast_arrival_within_s
        if fast and task_rules.fast_arrival_bonus > 0:
            drafts.append(
                Draft(
                    claim.member_id,
                    task_rules.fast_arrival_bonus,
                    FAST_ARRIVAL,
                    task_id,
                    f"task:{task_id}:{FAST_ARRIVAL}:{claim.member_id}",
                )
            )
    return drafts


def report_approved_draft(rules: Rules, *, report_id: str, member_id: str, points: int) -> Draft:
    """The officer's choice, or the default when they chose none, never above the cap."""
    chosen = points if points > 0 else rules.report_approved.default_points
    worth = min(chosen, rules.report_approved.max_points)
    return Draft(member_id, worth, REPORT_APPROVED, report_id, f"report:{report_id}")


def quiz_slots(rules: Rules) -> int:
    """How many correct answers a day earn points: the daily cap as numbered slots."""
    return rules.quiz_correct.daily_cap // rules.quiz_correct.points


def patrol_hours(rules: Rules, *, started_at: datetime, ended_at: datetime, fix_gaps: int) -> int:
    """Full hours of covered duty: each 5-minute window without a fix is taken out."""
    patrol = rules.patrol_time
    covered = (ended_at - started_at).total_seconds() - fix_gaps * patrol.min_fix_interval_s
    return max(0, min(int(covered // 3600), patrol.max_hours_per_duty))


def patrol_time_draft(
    rules: Rules, *, member_id: str, started_at: datetime, ended_at: datetime, fix_gaps: int
) -> Draft | None:
    hours = patrol_hours(rules, started_at=started_at, ended_at=ended_at, fix_gaps=fix_gaps)
    worth = hours * rules.patrol_time.points_per_hour
    if worth <= 0:
        return None
    started = int(started_at.timestamp() * 1000)
    return Draft(member_id, worth, PATROL_TIME, f"duty:{started}", f"duty:{member_id}:{started}")


def rollcall_draft(rules: Rules, *, rollcall_id: str, member_id: str, status: str) -> Draft | None:
    """A roll call answered: present or late (after the grace period), once per roll call."""
    late = status == "late"
    worth = rules.training.rollcall_late if late else rules.training.rollcall_present
    if worth <= 0 or status not in ("present", "late"):
        return None
    reason = ROLLCALL_LATE if late else ROLLCALL_PRESENT
    return Draft(member_id, worth, reason, rollcall_id, f"rollcall:{rollcall_id}:{member_id}")


def shift_draft(
    rules: Rules, *, shift_id: str, member_id: str, minutes_present: int, minutes_scheduled: int
) -> Draft | None:
    """A roster shift attended: present inside its area for at least the rules' share of its
    scheduled minutes earns the flat ``shift_attended`` plus points per full hour present."""
    training = rules.training
    scheduled = max(minutes_scheduled, 1)
    if minutes_present * 100 < training.shift_min_present_percent * scheduled:
        return None
    worth = training.shift_attended + (minutes_present // 60) * training.shift_points_per_hour
    if worth <= 0:
        return None
    return Draft(member_id, worth, SHIFT_ATTENDED, shift_id, f"shift:{shift_id}")


def cohort_completed_draft(rules: Rules, *, cohort_id: str, member_id: str) -> Draft | None:
    worth = rules.training.cohort_completed
    if worth <= 0:
        return None
    return Draft(member_id, worth, COHORT_COMPLETED, cohort_id, f"cohort:{cohort_id}:{member_id}")


def period_keys(at: datetime, offset: timezone) -> dict[str, str]:
    """The board periods an entry made at ``at`` counts in: ISO week, month, and all time."""
    local = at.astimezone(offset)
    year, week, _ = local.isocalendar()
    return {"week": f"{year}-W{week:02d}", "month": f"{local:%Y-%m}", "all": "all"}


def local_day(at: datetime, offset: timezone) -> str:
    return f"{at.astimezone(offset):%Y-%m-%d}"


@dataclass(frozen=True)
class Standing:
    """One member's score in one board period: points, and when the latest entry was made."""

    member_id: str
    points: int
    reached_at: int


def board_order(standing: Standing) -> tuple[int, int, str]:
    """Most points first; a tie goes to whoever got there first, then to the smaller member id."""
    return (-standing.points, standing.reached_at, standing.member_id)


def ranked(standings: Iterable[Standing]) -> list[tuple[int, Standing]]:
    return [(rank, s) for rank, s in enumerate(sorted(standings, key=board_order), start=1)]


def millis(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp() * 1000)
