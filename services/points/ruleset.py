"""The points rules: a versioned TOML file, validated at start-up with errors that name the key.

The file is data, not code: what an entry is worth is computed by ``model.py`` from the ``Rules``
loaded here, and each entry records ``Rules.version``, so changing the rules never rewrites
history (entries already written keep the points and the version that produced them).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, timedelta, timezone
from pathlib import Path
from typing import Any

from shouwang.config import ConfigError
from shouwang.points.v1.limits import MAX_PENALTY_POINTS

DEFAULT_RULES_FILE = Path(__file__).parent / "rules" / "v2.toml"
PRIORITIES = ("1", "2", "3")
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


class RulesError(ConfigError):
    """The rules file cannot be used; the message names the file and every bad key."""


@dataclass(frozen=True)
class TaskClosedRules:
    default_points_by_priority: Mapping[int, int]
    max_points: int
    fast_arrival_bonus: int
    fast_arrival_within_s: int


@dataclass(frozen=True)
class ReportApprovedRules:
    default_points: int
    max_points: int


@dataclass(frozen=True)
class QuizRules:
    points: int
    daily_cap: int


@dataclass(frozen=True)
class PatrolTimeRules:
    points_per_hour: int
    min_fix_interval_s: int
    max_hours_per_duty: int


@dataclass(frozen=True)
class PenaltyRules:
    max_points: int


@dataclass(frozen=True)
class TrainingRules:
    """Rotation training and duty rosters (from v2): roll calls, shifts, completed classes."""

    rollcall_present: int
    rollcall_late: int
    shift_attended: int
    shift_min_present_percent: int
    shift_points_per_hour: int
    cohort_completed: int


# A rules file without [training] (v1) awards nothing for training events.
NO_TRAINING = TrainingRules(0, 0, 0, 100, 0, 0)


@dataclass(frozen=True)
class Rules:
    version: str
    utc_offset: timezone
    task_closed: TaskClosedRules
    report_approved: ReportApprovedRules
    quiz_correct: QuizRules
    patrol_time: PatrolTimeRules
    penalty: PenaltyRules
    training: TrainingRules = NO_TRAINING


def load_rules(path: Path = DEFAULT_RULES_FILE) -> Rules:
    """Read and validate a rules file; ``RulesError`` lists every problem, each naming its key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(f"rules file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"rules file {path} is not valid TOML: {error}") from None
    return parse_rules(raw, source=str(path))


def parse_rules(raw: Mapping[str, Any], *, source: str = "rules") -> Rules:
    checker = _Checker()
    rules = checker.rules(raw)
    if checker.problems:
        raise RulesError(f"rules file {source}: " + "; ".join(checker.problems))
    assert rules is not None
    return rules


class _Checker:
    """Walks the raw TOML once, collecting a message per bad key rather than stopping early."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def rules(self, raw: Mapping[str, Any]) -> Rules | None:
        sections: dict[str, Callable[[Mapping[str, Any], str], Any]] = {
            "task_closed": self._task_closed,
            "report_approved": self._report_approved,
            "quiz_correct": self._quiz,
            "patrol_time": self._patrol_time,
            "penalty": self._penalty,
        }
        # Sections a later version added: optional, so older files stay valid.
        optional: dict[str, Callable[[Mapping[str, Any], str], Any]] = {
            "training": self._training,
        }
        self._unknown(raw, "", {"version", "utc_offset", *sections, *optional})
        version = self._version(raw.get("version"))
        offset = self._offset(raw.get("utc_offset"))
        parsed = {name: self._section(raw, name, parse) for name, parse in sections.items()}
        parsed |= {
            name: self._section(raw, name, parse) for name, parse in optional.items() if name in raw
        }
        if self.problems:
            return None
        return Rules(version=version, utc_offset=offset, **parsed)

    def _section(
        self, raw: Mapping[str, Any], name: str, parse: Callable[[Mapping[str, Any], str], Any]
    ) -> Any:
        table = raw.get(name)
        if table is None:
            self.problems.append(f"[{name}] is required")
            return None
        if not isinstance(table, Mapping):
            self.problems.append(f"{name} must be a table ([{name}])")
            return None
        return parse(table, name)

    def _task_closed(self, table: Mapping[str, Any], name: str) -> TaskClosedRules | None:
        keys = ("default_points_by_priority", "max_points", "fast_arrival_bonus")
        self._unknown(table, name, {*keys, "fast_arrival_within_s"})
        by_priority = self._by_priority(table.get(keys[0]), f"{name}.{keys[0]}")
        max_points = self._int(table, name, "max_points", minimum=1)
        if by_priority and max_points and any(p > max_points for p in by_priority.values()):
            self.problems.append(
                f"{name}.default_points_by_priority: every value must be at most "
                f"{name}.max_points ({max_points})"
            )
        return TaskClosedRules(
            default_points_by_priority=by_priority or {},
            max_points=max_points,
            fast_arrival_bonus=self._int(table, name, "fast_arrival_bonus", minimum=0),
            fast_arrival_within_s=self._int(table, name, "fast_arrival_within_s", minimum=1),
        )

    def _report_approved(self, table: Mapping[str, Any], name: str) -> ReportApprovedRules:
        self._unknown(table, name, {"default_points", "max_points"})
        default = self._int(table, name, "default_points", minimum=1)
        maximum = self._int(table, name, "max_points", minimum=1)
        if default and maximum and default > maximum:
            self.problems.append(
                f"{name}.default_points ({default}) must be at most {name}.max_points ({maximum})"
            )
        return ReportApprovedRules(default_points=default, max_points=maximum)

    def _quiz(self, table: Mapping[str, Any], name: str) -> QuizRules:
        self._unknown(table, name, {"points", "daily_cap"})
        points = self._int(table, name, "points", minimum=1)
        cap = self._int(table, name, "daily_cap", minimum=0)
        if points and cap and cap % points:
            self.problems.append(
                f"{name}.daily_cap ({cap}) must be a multiple of {name}.points ({points})"
            )
        return QuizRules(points=points, daily_cap=cap)

    def _patrol_time(self, table: Mapping[str, Any], name: str) -> PatrolTimeRules:
        self._unknown(table, name, {"points_per_hour", "min_fix_interval_s", "max_hours_per_duty"})
        return PatrolTimeRules(
            points_per_hour=self._int(table, name, "points_per_hour", minimum=0),
            min_fix_interval_s=self._int(table, name, "min_fix_interval_s", minimum=1),
            max_hours_per_duty=self._int(table, name, "max_hours_per_duty", minimum=1),
        )

    def _training(self, table: Mapping[str, Any], name: str) -> TrainingRules:
        keys = (
            "rollcall_present",
            "rollcall_late",
            "shift_attended",
            "shift_points_per_hour",
            "cohort_completed",
        )
        self._unknown(table, name, {*keys, "shift_min_present_percent"})
        values = {key: self._int(table, name, key, minimum=0) for key in keys}
        percent = self._int(table, name, "shift_min_present_percent", minimum=1, maximum=100)
        if values["rollcall_late"] > values["rollcall_present"]:
            self.problems.append(
                f"{name}.rollcall_late ({values['rollcall_late']}) must be at most "
                f"{name}.rollcall_present ({values['rollcall_present']})"
            )
        return TrainingRules(shift_min_present_percent=percent, **values)

    def _penalty(self, table: Mapping[str, Any], name: str) -> PenaltyRules:
        self._unknown(table, name, {"max_points"})
        maximum = self._int(table, name, "max_points", minimum=1, maximum=MAX_PENALTY_POINTS)
        return PenaltyRules(max_points=maximum)

    def _int(
        self,
        table: Mapping[str, Any],
        section: str,
        key: str,
        *,
        minimum: int,
        maximum: int | None = None,
    ) -> int:
        value = table.get(key)
        path = f"{section}.{key}"
        if value is None:
            self.problems.append(f"{path} is required")
            return 0
        if not isinstance(value, int) or isinstance(value, bool):
            self.problems.append(f"{path} must be an integer, got {type(value).__name__}")
            return 0
        if value < minimum:
            self.problems.append(f"{path} must be at least {minimum}, got {value}")
            return 0
        if maximum is not None and value > maximum:
            self.problems.append(f"{path} must be at most {maximum}, got {value}")
            return 0
        return value

    def _by_priority(self, value: Any, path: str) -> dict[int, int] | None:
        if value is None:
            self.problems.append(f"{path} is required")
            return None
        if not isinstance(value, Mapping):
            self.problems.append(f'{path} must be a table like {{ "1" = 30, "2" = 20, "3" = 10 }}')
            return None
        self._unknown(value, path, set(PRIORITIES))
        points: dict[int, int] = {}
        for priority in PRIORITIES:
            points[int(priority)] = self._int(value, path, priority, minimum=1)
        return points

    def _version(self, value: Any) -> str:
        if value is None:
            self.problems.append("version is required")
            return ""
        if not isinstance(value, str) or not _VERSION.fullmatch(value):
            self.problems.append(
                "version must be a short name of letters, digits, '.', '_' or '-' (e.g. \"v2\")"
            )
            return ""
        return value

    def _offset(self, value: Any) -> timezone:
        match = _OFFSET.fullmatch(value) if isinstance(value, str) else None
        if match is None or int(match[2]) > 14 or int(match[3]) > 59:
            self.problems.append('utc_offset must look like "+08:00"')
            return UTC
        sign = 1 if match[1] == "+" else -1
        return timezone(sign * timedelta(hours=int(match[2]), minutes=int(match[3])))

    def _unknown(self, table: Mapping[str, Any], path: str, known: set[str]) -> None:
        for key in sorted(set(table) - known):
            where = f"{path}.{key}" if path else key
            self.problems.append(f"{where} is not a known key (known: {', '.join(sorted(known))})")
