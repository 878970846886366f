"""Video clips on bulletins end to end (docs/comms.md "Video clips"): an officer uploads a real
clip (Chromium's MediaRecorder's, tests/support/video), attaches it to a bulletin, a member it
addresses fetches it by byte ranges — with the bearer header, and through a playback ticket as
a <video> element would — and nobody else can."""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import allinone
from services.gateway.media.kinds import MAX_UPLOAD_BYTES, MULTIPART_ALLOWANCE
from tests.e2e.test_stream import Member, Shouwang
from tests.support.api import Reply, _reply, read_http_answer, verified_member

API = "/api/v1"
ADMIN_PHONE = "13800000000"
ADMIN_PASSWORD = "Admin-Password-1"
VIDEO = Path(__file__).resolve().parents[1] / "support" / "video"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shouwang]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOUWANG_ADMIN_PHONE", ADMIN_PHONE)
        env.setenv("SHOUWANG_ADMIN_PASSWORD", ADMIN_PASSWORD)
        running = allinone.start(port=0, data_dir=tmp_path_factory.mktemp("video"))
    try:
        yield Shouwang(running)
    finally:
        running.stop()


def upload(app: Shouwang, member: Member, content: bytes, filename: str = "clip.bin") -> Reply:
    boundary = "shouwang-video-test"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: video/mp4\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(f"{app.api.base_url}{API}/media", data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Authorization", f"Bearer {member.token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return _reply(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return _reply(error.code, error.headers, error.read())


def publish(app: Shouwang, officer: Member, media_ids: list[str], team: str) -> dict[str, Any]:
    draft = {
        "kind": "wanted",
        "title": "协查视频",
        "body": "Seen on the camera at the market gate.",
        "media_ids": media_ids,
        "audience": {"org_ids": [team]},
    }
    reply = app.api.post(f"{API}/bulletins", draft, token=officer.token)
    assert reply.status == 201, reply.body
    return reply.body


def test_a_bulletins_video_is_fetched_by_ranges_by_those_it_addresses(app: Shouwang) -> None:
    clip = (VIDEO / "clip.webm").read_bytes()
    team = app.org("team", app.station)
    reader = Member(*verified_member(app.api, app.admin.token, team_id=team)[:2])
    stranger = app.member()  # of another team: not addressed
    officer = app.officer(app.station)

    stored = upload(app, officer, clip, "clip.webm")
    assert stored.status == 201, stored.body
    assert stored.body["kind"] == "video" and stored.body["content_type"] == "video/webm"
    assert stored.body["duration_ms"] == 1490
    video_id = stored.body["media_id"]
    bulletin = publish(app, officer, [video_id], team)
    assert bulletin["recipient_count"] == 1

    listed = app.api.get(f"{API}/bulletins", token=reader.token).body["bulletins"]
    assert [b["media_ids"] for b in listed] == [[video_id]]
    part = app.api.get(
        f"{API}/media/{video_id}", token=reader.token, headers={"Range": "bytes=100-4195"}
    )
    assert part.status == 206, part.body
    assert part.headers["Content-Range"] == f"bytes 100-4195/{len(clip)}"
    assert part.headers["Content-Type"] == "video/webm"
    assert part.body == clip[100:4196]
    whole = app.api.get(f"{API}/media/{video_id}", token=reader.token)
    assert (whole.status, whole.body, whole.headers["Accept-Ranges"]) == (200, clip, "bytes")
    assert app.api.get(f"{API}/media/{video_id}", token=stranger.token).status == 404
    assert app.api.post(f"{API}/media/{video_id}/tickets", token=stranger.token).status == 404


def test_a_playback_ticket_lets_a_video_element_seek_without_the_bearer(app: Shouwang) -> None:
    clip = (VIDEO / "clip.mp4").read_bytes()
    team = app.org("team", app.station)
    reader = Member(*verified_member(app.api, app.admin.token, team_id=team)[:2])
    officer = app.officer(app.station)
    video_id = upload(app, officer, clip).body["media_id"]
    publish(app, officer, [video_id], team)

    issued = app.api.post(f"{API}/media/{video_id}/tickets", token=reader.token)
    assert issued.status == 201, issued.body
    assert issued.body["content_type"] == "video/mp4"
    url = issued.body["url"]
    assert url.startswith(f"{API}/media/{video_id}/content?ticket=")

    tail = app.api.get(url, headers={"Range": "bytes=-100"})  # no Authorization header
    assert tail.status == 206 and tail.body == clip[-100:]
    assert tail.headers["Content-Range"] == f"bytes {len(clip) - 100}-{len(clip) - 1}/{len(clip)}"
    past = app.api.get(url, headers={"Range": f"bytes={len(clip)}-"})
    assert past.status == 416 and past.headers["Content-Range"] == f"bytes */{len(clip)}"
    assert past.body["status"] == 416

    other_id = upload(app, officer, clip).body["media_id"]
    ticket = url.split("ticket=", 1)[1]
    stolen = app.api.get(f"{API}/media/{other_id}/content?ticket={ticket}")
    assert stolen.status == 401, stolen.body
    assert app.api.get(f"{API}/media/{video_id}/content").status == 422  # no ticket at all


def test_a_video_is_no_photo_evidence(app: Shouwang) -> None:
    member = app.member()
    video_id = upload(app, member, (VIDEO / "clip.mp4").read_bytes()).body["media_id"]

    report = app.api.post(
        f"{API}/reports",
        {
            "category": "other",
            "description": "a clip, not a photo",
            "location": {"lat": 30.27, "lon": 120.15},
            "media_ids": [video_id],
        },
        token=member.token,
    )

    assert report.status == 422, report.body
    assert [e["field"] for e in report.body["errors"]] == ["media_ids[0]"]


def test_a_clip_declared_as_mp4_is_judged_by_its_bytes(app: Shouwang) -> None:
    refused = upload(app, app.member(), b"<html>" + b"x" * 5000, "clip.mp4")

    assert refused.status == 415
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert "none of the accepted kinds" in refused.body["detail"]


def test_an_upload_announcing_more_than_a_video_may_weigh_is_refused_unread(
    app: Shouwang,
) -> None:
    """One byte past the 20 MiB video limit and its 64 KiB of multipart framing (the server's
    body limit): 413 at once, while the client has sent nothing but the request's head."""
    member = app.member()
    parts = urlsplit(app.api.base_url)
    announced = MAX_UPLOAD_BYTES + MULTIPART_ALLOWANCE + 1
    head = (
        f"POST {API}/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {member.token}\r\n"
        f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {announced}\r\n\r\n"
    ).encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head)
        answer = read_http_answer(sock)

    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413"), answer[:300]
    assert json.loads(rest.partition(b"\r\n\r\n")[2])["status"] == 413


def test_an_upload_within_the_servers_limit_stops_being_read_at_its_kinds_limit(
    app: Shouwang,
) -> None:
    """A "photo" of 10 MiB and a byte is within the body limit, but not a photo's."""
    jpeg_head = b"\xff\xd8\xff\xe0"
    refused = upload(app, app.member(), jpeg_head + b"\0" * (10 * 1024 * 1024))

    assert refused.status == 413
    assert "a photo may be at most 10485760 bytes" in refused.body["detail"]
