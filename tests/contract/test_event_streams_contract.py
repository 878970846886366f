"""The event streams' contract for other bureaus: docs/asyncapi.yaml is generated from the event
catalogs and valid for the AsyncAPI project's own parser, every event type a service publishes is
in a catalog, and no protobuf change breaks a consumer of the event payloads (buf, against the
committed baseline)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from services.location.live_view import INTERNAL_EVENTS
from shouwang import asyncapi

ROOT = Path(__file__).parents[2]
TOOLS = ROOT / ".cache" / "contracts"
BUF = TOOLS / "node_modules" / ".bin" / "buf"
BASELINE = ROOT / "proto" / "events-baseline.binpb"

pytestmark = pytest.mark.skipif(
    not BUF.exists(), reason="run scripts/build-contract-tools (make test does)"
)


def validate(document: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(TOOLS / "validate-asyncapi.mjs"), str(document)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_committed_document_is_the_generated_one() -> None:
    committed = (ROOT / "docs" / "asyncapi.yaml").read_text()
    assert committed == asyncapi.render(), "docs/asyncapi.yaml is stale: run `make docs`"


def test_the_asyncapi_parser_accepts_the_document() -> None:
    checked = validate(ROOT / "docs" / "asyncapi.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_asyncapi_parser_refuses_a_broken_document(tmp_path: Path) -> None:
    document = asyncapi.document()
    document["channels"]["tasks"]["messages"]["taskOffered"] = {
        "$ref": "#/components/messages/noSuchMessage"
    }
    broken = tmp_path / "asyncapi.yaml"
    broken.write_text(yaml.safe_dump(document))
    assert validate(broken).returncode == 1


def test_every_event_type_a_service_names_is_described() -> None:
    described = {t for topic in asyncapi.TOPICS for t in topic.event_types}
    named = set()
    for source in (ROOT / "services").rglob("*.py"):
        named |= set(re.findall(r'"(shouwang\.[a-z_]+\.[a-z_]+)"', source.read_text()))
    topics = {name for name in named if name.endswith(".v1")}
    internal = set(INTERNAL_EVENTS)  # location's own replicas only
    assert named - topics - internal <= described, sorted(named - topics - internal - described)


def test_every_topic_of_the_contract_is_described() -> None:
    contract_topics = {
        "shouwang.identity.v1",
        "shouwang.presence.v1",
        "shouwang.location.v1",
        "shouwang.tasks.v1",
        "shouwang.reports.v1",
        "shouwang.points.v1",
        "shouwang.bulletins.v1",
        "shouwang.quizzes.v1",
        "shouwang.groups.v1",
        "shouwang.training.v1",
    }
    assert {topic.address for topic in asyncapi.TOPICS} == contract_topics


def test_no_event_payload_change_breaks_a_consumer() -> None:
    checked = subprocess.run(
        [str(BUF), "breaking", "proto", "--against", str(BASELINE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_retyped_event_field_is_caught_as_breaking(tmp_path: Path) -> None:
    protos = tmp_path / "proto"
    shutil.copytree(ROOT / "proto", protos)
    events = protos / "shouwang" / "tasks" / "v1" / "events.proto"
    events.write_text(events.read_text().replace("string task_id = 1;", "int64 task_id = 1;", 1))
    checked = subprocess.run(
        [str(BUF), "breaking", str(protos), "--against", str(BASELINE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode != 0
    assert "task_id" in checked.stdout + checked.stderr


def test_buf_checks_every_events_proto_and_leaves_every_rpc_proto_out() -> None:
    ignored = set(yaml.safe_load((ROOT / "proto" / "buf.yaml").read_text())["breaking"]["ignore"])
    protos = {str(p.relative_to(ROOT / "proto")) for p in (ROOT / "proto").rglob("*.proto")}
    assert ignored == {p for p in protos if not p.endswith("/events.proto")}
