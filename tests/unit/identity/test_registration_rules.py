"""Registration rules: GB 11643-1999 ID numbers, names, mainland mobiles, passwords, masking."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.identity import model

TODAY = date(2026, 11, 22)


def make_id(first17: str) -> str:
    return first17 + model.id_check_char(first17)


def id_born(born: date, *, region: str = "330381", sequence: str = "123") -> str:
    return make_id(f"{region}{born:%Y%m%d}{sequence}")


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("11010519491231002X", "11010519491231002X"),  # the standard's own example
        ("11010519491231002x", "11010519491231002X"),  # lower-case x is normalised
        (" 11010519491231002X ", "11010519491231002X"),
    ],
)
def test_valid_id_numbers_are_accepted_and_normalised(number: str, expected: str) -> None:
    assert model.validate_id_number(number, today=TODAY) == (expected, None)


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("110105194912310021", "check character"),
        ("110105491231002", "15-digit legacy"),
        ("11010519491231002", "18 characters"),
        ("01010519491231002X", "18 characters"),
        ("1101051949123100XX", "18 characters"),
        (make_id("11010519490230002"), "does not exist"),  # 30 February
        (make_id("11010520990101002"), "future"),
        (id_born(date(2010, 1, 1)), "at least 18"),
    ],
)
def test_invalid_id_numbers_are_refused_with_the_rule_broken(number: str, reason: str) -> None:
    clean, problem = model.validate_id_number(number, today=TODAY)
    assert clean is None
    assert problem is not None and reason in problem


def test_member_turning_eighteen_today_may_register() -> None:
    assert model.validate_id_number(id_born(date(2008, 11, 22)), today=TODAY)[1] is None
    assert model.validate_id_number(id_born(date(2008, 11, 23)), today=TODAY)[1] is not None


valid_ids = st.builds(
    lambda region, born, seq: id_born(born, region=str(region), sequence=f"{seq:03d}"),
    st.integers(100000, 999999),
    st.dates(min_value=date(1920, 1, 1), max_value=date(2008, 11, 22)),
    st.integers(0, 999),
)


@given(valid_ids)
def test_every_generated_valid_id_number_passes(number: str) -> None:
    assert model.validate_id_number(number, today=TODAY) == (number, None)


@given(valid_ids, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_every_single_character_change_fails(number: str, position: int, char: str) -> None:
    if number[position] == char:
        return
    changed = number[:position] + char + number[position + 1 :]
    assert model.validate_id_number(changed, today=TODAY)[0] is None


@pytest.mark.parametrize("name", ["张三", "买买提·艾力", "Anna Müller", "欧阳 娜娜"])
def test_real_names_are_accepted(name: str) -> None:
    assert model.validate_name(name) == (name, None)


@pytest.mark.parametrize("name", ["张", "·艾力", "买买提··艾力", "张三3", "<script>", "x" * 31])
def test_implausible_names_are_refused(name: str) -> None:
    assert model.validate_name(name)[1] is not None


@pytest.mark.parametrize("phone", ["13900000001", "+86 139 0000 0001", "8613900000001"])
def test_mainland_mobiles_are_stored_in_e164(phone: str) -> None:
    assert model.validate_mobile(phone) == ("+8613900000001", None)


@pytest.mark.parametrize("phone", ["12345", "01088886666", "+85291234567", "not a phone"])
def test_non_mainland_or_non_mobile_numbers_are_refused(phone: str) -> None:
    assert model.validate_mobile(phone)[1] is not None


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Secret12345", True),
        ("short1A", False),
        ("aaaaaaaaaaaa", False),
        ("1234567890", False),
        ("correct horse", True),
    ],
)
def test_password_policy(password: str, ok: bool) -> None:
    assert (model.validate_password(password) is None) is ok


def test_every_invalid_field_is_reported_at_once() -> None:
    registration, errors = model.validate_registration(
        name="x",
        id_number="123",
        phone="1",
        password="p",
        team_id="",
        skills=["juggling"],
        consent_version="",
        consent_accepted=False,
        today=TODAY,
    )
    assert registration is None
    assert {e.field for e in errors} == {
        "name",
        "id_number",
        "phone",
        "password",
        "skills",
        "consent",
    }


def test_error_messages_never_echo_the_submitted_value() -> None:
    number = "110105194912310021"
    _, errors = model.validate_registration(
        name="张三",
        id_number=number,
        phone="13900000001x",
        password="Secret12345",
        team_id="",
        skills=[],
        consent_version="v1",
        consent_accepted=True,
        today=TODAY,
    )
    assert all(number not in e.message and "1390000" not in e.message for e in errors)


def test_masks_show_only_the_agreed_characters() -> None:
    assert model.mask_id_number("33038119800101123X") == "330381********123X"
    assert model.mask_phone("+8613900000001") == "139****0001"


def test_a_password_over_128_characters_is_refused() -> None:
    assert model.validate_password("Aa1-" + "x" * 124) is None
    problem = model.validate_password("Aa1-" + "x" * 125)
    assert problem is not None and "128" in problem


def test_more_than_20_skills_are_refused_before_they_are_looked_at() -> None:
    assert model.validate_skills(["first_aid"] * 20) is None
    problem = model.validate_skills(["first_aid"] * 21)
    assert problem is not None and "20" in problem


def test_unknown_skills_are_named_a_few_at_a_time() -> None:
    problem = model.validate_skills([f"skill{n}" for n in range(20)])
    assert problem is not None and "skill9" not in problem
