"""The rules file is checked at start-up; each problem is reported naming its key."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from services.points.ruleset import DEFAULT_RULES_FILE, RulesError, load_rules, parse_rules

VALID: dict[str, Any] = tomllib.loads(DEFAULT_RULES_FILE.read_text())


def broken(change) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    raw = copy.deepcopy(VALID)
    change(raw)
    return raw


def refusal(raw: dict[str, Any]) -> str:
    with pytest.raises(RulesError) as error:
        parse_rules(raw, source="rules/v9.toml")
    return str(error.value)


def test_bundled_rules_are_valid() -> None:
    rules = load_rules()
    assert rules.version == "v2"
    assert dict(rules.task_closed.default_points_by_priority) == {1: 30, 2: 20, 3: 10}


def test_missing_key_is_named() -> None:
    message = refusal(broken(lambda r: r["quiz_correct"].pop("daily_cap")))
    assert message == "rules file rules/v9.toml: quiz_correct.daily_cap is required"


def test_unknown_key_is_named_with_the_known_ones() -> None:
    message = refusal(broken(lambda r: r["task_closed"].update(fast_bonus=5)))
    assert "task_closed.fast_bonus is not a known key" in message
    assert "fast_arrival_bonus" in message


def test_wrong_type_is_named() -> None:
    message = refusal(broken(lambda r: r["report_approved"].update(max_points="50")))
    assert "report_approved.max_points must be an integer, got str" in message


def test_value_below_minimum_is_named() -> None:
    message = refusal(broken(lambda r: r["patrol_time"].update(points_per_hour=-1)))
    assert "patrol_time.points_per_hour must be at least 0, got -1" in message


def test_penalty_cap_above_the_contracts_bound_is_named() -> None:
    message = refusal(broken(lambda r: r["penalty"].update(max_points=2_147_483_648)))
    assert "penalty.max_points must be at most 10000, got 2147483648" in message


def test_missing_priority_is_named() -> None:
    raw = broken(lambda r: r["task_closed"]["default_points_by_priority"].pop("2"))
    assert "task_closed.default_points_by_priority.2 is required" in refusal(raw)


def test_default_above_its_cap_is_refused() -> None:
    message = refusal(broken(lambda r: r["report_approved"].update(default_points=80)))
    assert "report_approved.default_points (80) must be at most report_approved.max_points" in (
        message
    )


def test_quiz_cap_must_be_whole_answers() -> None:
    message = refusal(broken(lambda r: r["quiz_correct"].update(daily_cap=7)))
    assert "quiz_correct.daily_cap (7) must be a multiple of quiz_correct.points (2)" in message


def test_missing_section_is_named() -> None:
    assert "[penalty] is required" in refusal(broken(lambda r: r.pop("penalty")))


def test_bad_version_and_offset_are_named() -> None:
    raw = broken(lambda r: r.update(version="", utc_offset="8h"))
    message = refusal(raw)
    assert "version must be a short name" in message
    assert 'utc_offset must look like "+08:00"' in message


def test_every_problem_is_reported_at_once() -> None:
    def several(raw: dict[str, Any]) -> None:
        raw["quiz_correct"]["points"] = 0
        raw["penalty"]["max_points"] = True

    message = refusal(broken(several))
    assert "quiz_correct.points must be at least 1" in message
    assert "penalty.max_points must be an integer, got bool" in message


def test_unparsable_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "v2.toml"
    path.write_text("version = \n")
    with pytest.raises(RulesError, match=r"v2\.toml is not valid TOML"):
        load_rules(path)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"absent\.toml does not exist"):
        load_rules(tmp_path / "absent.toml")


def test_service_refuses_to_start_with_a_bad_rules_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from services.points import __main__ as entry

    path = tmp_path / "v2.toml"
    path.write_text(DEFAULT_RULES_FILE.read_text().replace("max_points = 200", "max_points = 0"))
    monkeypatch.setenv("POINTS_RULES_FILE", str(path))
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("MONGODB_URI", "mongodb://127.0.0.1:1/")
    assert entry.main() == 2
    assert "penalty.max_points must be at least 1, got 0" in capsys.readouterr().err
