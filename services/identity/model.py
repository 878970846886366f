"""Registration rules: names, resident ID numbers (GB 11643-1999), mainland mobiles, passwords,
consent. Pure functions; every message names the rule, never the submitted value."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import phonenumbers

from shouwang.errors import FieldError
from shouwang.identity.v1.vocabulary import SKILLS

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
MINIMUM_AGE = 18
KNOWN_SKILLS = frozenset(SKILLS)
MIDDLE_DOT = "·"  # minority names such as 买买提·艾力 are written with it
# Bounds that protect the service from any caller, gRPC ones included: the password hash runs
# over at most this many characters, and a member declares at most this many skills.
MAX_PASSWORD_CHARS = 128
MAX_SKILLS = 20


@dataclass(frozen=True)
class Registration:
    """A registration whose every field passed validation, in normalised form."""

    name: str
    id_number: str
    phone_e164: str
    password: str
    team_id: str
    skills: tuple[str, ...]
    consent_version: str


def id_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def validate_name(raw: str) -> tuple[str | None, str | None]:
    name = unicodedata.normalize("NFC", raw.strip())
    if not 2 <= len(name) <= 30:
        return None, "must be 2 to 30 characters"
    if name.startswith(MIDDLE_DOT) or name.endswith(MIDDLE_DOT) or MIDDLE_DOT * 2 in name:
        return None, "the middle dot may only separate parts of a name"
    for char in name:
        if char in (MIDDLE_DOT, " ") or unicodedata.category(char).startswith(("L", "M")):
            continue
        return None, "may contain letters, spaces and the middle dot (·) only"
    return name, None


def validate_id_number(raw: str, *, today: date) -> tuple[str | None, str | None]:
    number = raw.strip().upper()
    if re.fullmatch(r"\d{15}", number):
        return None, "15-digit legacy ID numbers are not accepted; enter the 18-character number"
    if not re.fullmatch(r"[1-9]\d{16}[\dX]", number):
        return None, "must be 18 characters: 17 digits then a digit or X"
    if id_check_char(number[:17]) != number[17]:
        return None, "check character does not match (GB 11643-1999)"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None, "contains a date of birth that does not exist"
    if born > today:
        return None, "contains a date of birth in the future"
    if age_on(born, today) < MINIMUM_AGE:
        return None, f"members must be at least {MINIMUM_AGE} years old"
    return number, None


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def validate_mobile(raw: str) -> tuple[str | None, str | None]:
    try:
        parsed = phonenumbers.parse(raw.strip(), "CN")
    except phonenumbers.NumberParseException:
        return None, "is not a phone number"
    mobile_types = (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    if (
        parsed.country_code != 86
        or not phonenumbers.is_valid_number(parsed)
        or phonenumbers.number_type(parsed) not in mobile_types
    ):
        return None, "must be a mainland China mobile number"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), None


def validate_password(raw: str) -> str | None:
    if len(raw) < 10:
        return "must be at least 10 characters"
    if len(raw) > MAX_PASSWORD_CHARS:
        return f"must be at most {MAX_PASSWORD_CHARS} characters"
    classes = sum(
        any(test(c) for c in raw)
        for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )
    if classes < 2:
        return "must mix at least two of lower case, upper case, digits and symbols"
    return None


def validate_skills(skills: list[str]) -> str | None:
    if len(skills) > MAX_SKILLS:
        return f"at most {MAX_SKILLS} skills"
    unknown = sorted(set(skills) - KNOWN_SKILLS)
    if unknown:
        # Name a few, not all: the message goes back to the caller and into logs.
        return f"unknown skills {unknown[:5]}; known: {sorted(KNOWN_SKILLS)}"
    return None


def validate_registration(
    *,
    name: str,
    id_number: str,
    phone: str,
    password: str,
    team_id: str,
    skills: list[str],
    consent_version: str,
    consent_accepted: bool,
    today: date,
) -> tuple[Registration | None, list[FieldError]]:
    """Check every field; returns the normalised registration or every problem found."""
    errors: list[FieldError] = []
    clean_name, problem = validate_name(name)
    if problem:
        errors.append(FieldError("name", problem))
    clean_id, problem = validate_id_number(id_number, today=today)
    if problem:
        errors.append(FieldError("id_number", problem))
    clean_phone, problem = validate_mobile(phone)
    if problem:
        errors.append(FieldError("phone", problem))
    problem = validate_password(password)
    if problem:
        errors.append(FieldError("password", problem))
    problem = validate_skills(skills)
    if problem:
        errors.append(FieldError("skills", problem))
    if not consent_accepted or not consent_version.strip():
        errors.append(
            FieldError("consent", "explicit consent {version, accepted: true} is required")
        )
    if errors:
        return None, errors
    assert clean_name and clean_id and clean_phone
    return (
        Registration(
            name=clean_name,
            id_number=clean_id,
            phone_e164=clean_phone,
            password=password,
            team_id=team_id,
            skills=tuple(sorted(set(skills))),
            consent_version=consent_version.strip(),
        ),
        [],
    )


def mask_id_number(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


def mask_phone(e164: str) -> str:
    national = e164.removeprefix("+86")
    return national[:3] + "****" + national[-4:]
