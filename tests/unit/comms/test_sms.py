"""The SMS port: templates cut to one message, opt-out, the per-number hourly limit, a delivery
log that never holds a number, the file adapter, and the HTTP adapter against a real local
server checking its signature."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from services.comms.sms import (
    MAX_TEXT,
    FileSmsProvider,
    HttpSmsProvider,
    SmsService,
    render,
    signature_valid,
)
from tests.unit.comms.conftest import Comms

PHONES = {"a": "13900000001", "b": "13900000002", "c": "13900000003"}


class Book:
    def phones(self, member_ids, *, reference):  # type: ignore[no-untyped-def]
        return {m: PHONES[m] for m in member_ids if m in PHONES}


def sent_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def outbox(comms: Comms, tmp_path: Path) -> tuple[SmsService, Path]:
    path = tmp_path / "sms.jsonl"
    service = SmsService(comms.adapters.store, FileSmsProvider(path), Book(), comms.clock)
    service.ensure_indexes()
    return service, path


def test_a_template_fits_one_message():
    short = render("bulletin", label="预警", title="地下通道积水")
    assert short.startswith("【守望】预警：地下通道积水") and len(short) <= MAX_TEXT
    long = render("bulletin", label="协查通报", title="寻人" * 60)
    assert len(long) == MAX_TEXT and "…" in long and long.endswith("回复TD退订")


def test_texts_go_to_those_not_opted_out_within_the_hourly_limit(comms: Comms, outbox):
    sms, path = outbox
    sms.opt_out("b")
    first = sms.send(
        ["a", "b", "c", "nobody"], "bulletin", reference="bl-1", label="预警", title="t"
    )
    assert [(d.member_id, d.status) for d in first] == [
        ("a", "sent"),
        ("b", "opted_out"),
        ("c", "sent"),
        ("nobody", "no_phone"),
    ]
    assert sorted(line["to"] for line in sent_lines(path)) == [PHONES["a"], PHONES["c"]]
    for n in range(2, 5):
        sms.send(["a"], "bulletin", reference=f"bl-{n}", label="预警", title="t")
    assert [d.status for d in sms.deliveries("bl-4")] == ["rate_limited"]  # the 4th this hour
    comms.clock.advance(3600)
    assert [
        d.status for d in sms.send(["a"], "bulletin", reference="bl-5", label="x", title="t")
    ] == ["sent"]
    sms.opt_out("b", out=False)
    assert [
        d.status for d in sms.send(["b"], "bulletin", reference="bl-6", label="x", title="t")
    ] == ["sent"]
    stored = [
        json.dumps(doc, ensure_ascii=False)
        for name in ("comms_sms_optouts", "comms_sms_counts", "comms_sms_log")
        for doc in comms.adapters.store.collection(name).find({})
    ]
    assert stored and not any(phone in doc for doc in stored for phone in PHONES.values())


class Provider(BaseHTTPRequestHandler):
    secret = b"provider-secret"
    received: ClassVar[list[dict]] = []
    fail = False

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = signature_valid(
            self.secret, self.headers["X-Sms-Timestamp"], body, self.headers["X-Sms-Signature"]
        )
        if not ok or self.fail:
            self.send_response(401 if not ok else 500)
            self.end_headers()
            return
        Provider.received.append({"key": self.headers["X-Sms-Key"], **json.loads(body)})
        reply = json.dumps({"message_id": f"p-{len(Provider.received)}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Provider.received, Provider.fail = [], False
    yield f"http://127.0.0.1:{server.server_port}/sms"
    server.shutdown()
    server.server_close()


def test_the_http_provider_signs_each_request(comms: Comms, provider: str):
    signed = HttpSmsProvider(provider, "key-1", Provider.secret)
    sms = SmsService(comms.adapters.store, signed, Book(), comms.clock)
    assert [d.status for d in sms.send(["a"], "bulletin", reference="r", label="x", title="t")] == [
        "sent"
    ]
    assert Provider.received[0]["to"] == PHONES["a"] and Provider.received[0]["key"] == "key-1"
    forged = HttpSmsProvider(provider, "key-1", b"wrong-secret")
    forged_sms = SmsService(comms.adapters.store, forged, Book(), comms.clock)
    assert [
        d.status for d in forged_sms.send(["c"], "bulletin", reference="f", label="x", title="t")
    ] == ["failed"]
    Provider.fail = True
    assert [d.status for d in sms.send(["b"], "bulletin", reference="g", label="x", title="t")] == [
        "failed"
    ]
    assert len(Provider.received) == 1
