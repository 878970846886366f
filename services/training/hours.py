"""Duty hours reports over roster shifts: what each unit and member was scheduled for, what their
fixes put them present for, and what they missed — the tables a police post keeps for the
shop-and-company watch ("one person per unit a month, four hours a patrol day")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MAX_HOURS_SPAN_MS = 366 * 24 * 3_600_000


@dataclass(frozen=True)
class ShiftHours:
    """One shift as the report needs it; ``present_minutes`` is None until it is settled."""

    org_id: str
    member_id: str
    scheduled_minutes: int
    present_minutes: int | None


@dataclass
class HoursRow:
    org_id: str = ""
    member_id: str = ""
    shifts: int = 0
    settled: int = 0
    missed: int = 0
    scheduled_minutes: int = 0
    present_minutes: int = 0
    settled_scheduled_minutes: int = 0

    def add(self, shift: ShiftHours) -> None:
        self.shifts += 1
        self.scheduled_minutes += shift.scheduled_minutes
        if shift.present_minutes is None:
            return
        self.settled += 1
        self.settled_scheduled_minutes += shift.scheduled_minutes
        # Attendance beyond the shift (early arrival, clock skew) never counts more than the shift.
        self.present_minutes += min(shift.present_minutes, shift.scheduled_minutes)
        if shift.present_minutes == 0:
            self.missed += 1


@dataclass(frozen=True)
class HoursReport:
    units: list[HoursRow]
    members: list[HoursRow]
    total: HoursRow


def sum_hours(shifts: Iterable[ShiftHours]) -> HoursReport:
    """Rows per unit and per (unit, member) — a member holding shifts for two units appears
    under each — ordered by unit, then member, with the grand total."""
    units: dict[str, HoursRow] = {}
    members: dict[tuple[str, str], HoursRow] = {}
    total = HoursRow()
    for shift in shifts:
        units.setdefault(shift.org_id, HoursRow(org_id=shift.org_id)).add(shift)
        key = (shift.org_id, shift.member_id)
        members.setdefault(key, HoursRow(org_id=shift.org_id, member_id=shift.member_id)).add(shift)
        total.add(shift)
    return HoursReport(
        units=[units[k] for k in sorted(units)],
        members=[members[k] for k in sorted(members)],
        total=total,
    )
