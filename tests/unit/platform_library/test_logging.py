"""Structured logs: one JSON object per line, and personal data masked even if code slips."""

from __future__ import annotations

import io
import json
import logging

from shouwang.logging import configure_logging, request_id_var


def test_log_lines_are_json_with_service_request_id_and_extra_fields() -> None:
    stream = io.StringIO()
    configure_logging("identity", "INFO", stream=stream)
    token = request_id_var.set("req-1")
    try:
        logging.getLogger("t").info("member registered", extra={"member_id": "m1"})
    finally:
        request_id_var.reset(token)
    entry = json.loads(stream.getvalue().splitlines()[-1])
    assert entry["msg"] == "member registered"
    assert entry["service"] == "identity"
    assert entry["request_id"] == "req-1"
    assert entry["member_id"] == "m1"
    assert entry["ts"].endswith("Z")


def test_id_numbers_and_phones_are_redacted_from_log_lines() -> None:
    stream = io.StringIO()
    configure_logging("identity", "INFO", stream=stream)
    logging.getLogger("t").warning(
        "oops %s %s %s", "11010519491231002X", "13900000001", "+8613900000001"
    )
    line = stream.getvalue().splitlines()[-1]
    for secret in ("11010519491231002X", "13900000001", "8613900000001"):
        assert secret not in line
    assert line.count("[redacted]") == 3


def test_ordinary_ids_and_numbers_are_left_alone() -> None:
    stream = io.StringIO()
    configure_logging("identity", "INFO", stream=stream)
    logging.getLogger("t").info("took %d ms for 01m82amk2m5htq3y35f7xhqez9", 1234)
    assert "01m82amk2m5htq3y35f7xhqez9" in stream.getvalue()
