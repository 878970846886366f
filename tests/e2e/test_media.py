"""CONTRACT.md "POST /media" and "GET /media/{id}" end to end: real uploads through the gateway
of a real in-process all-in-one, images made with Pillow."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import socket
import struct
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import ExifTags, Image

import allinone
from services.gateway.media.kinds import MAX_UPLOAD_BYTES, MULTIPART_ALLOWANCE
from tests.support.api import Api, Reply, _reply, read_http_answer, verified_member

API = "/api/v1"
ADMIN_PHONE = "13800000000"
ADMIN_PASSWORD = "Admin-Password-1"
MAX_BYTES = 10 * 1024 * 1024
_names = itertools.count()


def photo(
    image_format: str = "JPEG", *, gps: bool = False, size: tuple[int, int] = (64, 48)
) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Shouwang"
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (30.0, 16.0, 27.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (120.0, 9.0, 18.0),
        }
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, image_format, exif=exif)
    return out.getvalue()


def gps_of(data: bytes) -> dict[int, Any]:
    return dict(Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo))


def multipart(
    content: bytes, *, filename: str = "photo.jpg", field: str = "file"
) -> tuple[bytes, str]:
    boundary = "----shouwang-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    return (
        head + content + f"\r\n--{boundary}--\r\n".encode(),
        f"multipart/form-data; boundary={boundary}",
    )


@dataclass
class Account:
    member_id: str
    token: str


class Shouwang:
    def __init__(self, running: allinone.AllInOne) -> None:
        self.url = running.url.rstrip("/")
        self.api = Api(running.url)
        login = self.api.post(
            f"{API}/auth/login", {"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD}
        )
        self.admin = Account(login.body["member"]["member_id"], login.body["access_token"])
        self.station = self.org("station")
        self.team = self.org("team", self.station)

    def org(self, kind: str, parent_id: str = "") -> str:
        body = {
            "name": f"{kind} {next(_names)}",
            "kind": kind,
            **({"parent_id": parent_id} if parent_id else {}),
        }
        reply = self.api.post(f"{API}/orgs", body, token=self.admin.token)
        assert reply.status == 201, reply.body
        return reply.body["org_id"]

    def member(self) -> Account:
        member_id, token, _ = verified_member(self.api, self.admin.token, team_id=self.team)
        return Account(member_id, token)

    def officer(self, station_id: str) -> Account:
        # Only verified members may be made officers.
        member_id, _, person = verified_member(self.api, self.admin.token)
        roles = {"roles": ["officer"], "org_id": station_id}
        assert (
            self.api.post(f"{API}/members/{member_id}/roles", roles, token=self.admin.token).status
            == 200
        )
        login = self.api.post(
            f"{API}/auth/login", {"phone": person["phone"], "password": person["password"]}
        )
        return Account(member_id, login.body["access_token"])

    def upload(
        self,
        account: Account,
        content: bytes,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Reply:
        body, content_type = multipart(content, **kwargs)
        request = urllib.request.Request(f"{self.url}{API}/media", data=body, method="POST")
        request.add_header("Content-Type", content_type)
        request.add_header("Authorization", f"Bearer {account.token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return _reply(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return _reply(error.code, error.headers, error.read())

    def fetch(self, account: Account, media_id: str) -> Reply:
        return self.api.get(f"{API}/media/{media_id}", token=account.token)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shouwang]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOUWANG_ADMIN_PHONE", ADMIN_PHONE)
        env.setenv("SHOUWANG_ADMIN_PASSWORD", ADMIN_PASSWORD)
        running = allinone.start(port=0, data_dir=tmp_path_factory.mktemp("media"))
    try:
        yield Shouwang(running)
    finally:
        running.stop()


@pytest.fixture(scope="module")
def member(app: Shouwang) -> Account:
    return app.member()


def assert_problem(reply: Reply, status: int) -> None:
    assert reply.status == status, reply.body
    assert reply.headers.get("Content-Type", "").startswith("application/problem+json")
    assert reply.body["status"] == status


# Accepted and refused uploads ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("image_format", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")],
)
def test_a_real_photo_is_stored_and_its_uploader_reads_it_back(
    app: Shouwang, member: Account, image_format: str, content_type: str
) -> None:
    uploaded = app.upload(member, photo(image_format))

    assert uploaded.status == 201, uploaded.body
    fetched = app.fetch(member, uploaded.body["media_id"])
    assert fetched.status == 200
    assert fetched.headers["Content-Type"] == content_type
    assert "private" in fetched.headers["Cache-Control"]
    assert Image.open(io.BytesIO(fetched.body)).format == image_format


def test_the_type_is_judged_by_content_not_by_file_name(app: Shouwang, member: Account) -> None:
    uploaded = app.upload(member, photo("PNG"), filename="photo.jpg")

    assert uploaded.status == 201
    assert app.fetch(member, uploaded.body["media_id"]).headers["Content-Type"] == "image/png"


def test_a_file_with_jpeg_magic_but_a_broken_body_is_refused(
    app: Shouwang, member: Account
) -> None:
    fake = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40

    assert_problem(app.upload(member, fake), 415)


def test_a_text_file_named_like_a_photo_is_refused(app: Shouwang, member: Account) -> None:
    assert_problem(app.upload(member, "不是照片\n".encode() * 100, filename="photo.jpg"), 415)


def test_a_truncated_photo_is_refused(app: Shouwang, member: Account) -> None:
    assert_problem(app.upload(member, photo("JPEG", size=(640, 480))[:-400]), 415)


def test_a_photo_one_byte_over_ten_mib_is_refused(app: Shouwang, member: Account) -> None:
    assert_problem(app.upload(member, photo("JPEG") + b"\0" * (MAX_BYTES + 1)), 413)


def test_a_huge_upload_is_refused_before_its_body_is_sent(app: Shouwang, member: Account) -> None:
    """A client announcing 2 GiB gets 413 at once; the server never waits for the body."""
    parts = urlsplit(app.url)
    head = (
        f"POST {API}/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {member.token}\r\n"
        f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {2 * 1024**3}\r\n\r\n"
    ).encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(head + b"--b\r\n" + b"\0" * 65536)
        answer = read_http_answer(sock)

    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    assert time.monotonic() - started < 5
    assert b"\r\ncontent-type: application/problem+json" in answer.lower(), answer[:400]


def test_a_body_over_the_servers_limit_is_refused_as_a_problem(
    app: Shouwang, member: Account
) -> None:
    """Past the server's limit (20 MiB for a video clip and 64 KiB of framing; waitress's own
    check, as the body arrives), not just the 10 MiB photo limit. The server answers and closes
    while the client is still sending, so the answer is read while sending, as a browser does."""
    body = b"--b\r\n" + b"\0" * (MAX_UPLOAD_BYTES + MULTIPART_ALLOWANCE + 1)
    head = (
        f"POST {API}/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {member.token}\r\n"
        f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    parts = urlsplit(app.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sender = threading.Thread(target=_send_ignoring_reset, args=(sock, head + body))
        sender.start()
        answer = _read_until_closed(sock)
        sender.join(10)

    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"\r\ncontent-type: application/problem+json" in rest.lower(), answer[:400]
    assert json.loads(rest.partition(b"\r\n\r\n")[2])["status"] == 413


def _send_ignoring_reset(sock: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):  # the server closes once it has refused the body
        sock.sendall(data)


def _read_until_closed(sock: socket.socket) -> bytes:
    received = b""
    with contextlib.suppress(OSError):
        while chunk := sock.recv(65536):
            received += chunk
    return received


def apng(*, frames: int, size: tuple[int, int]) -> bytes:
    """A real animated PNG of solid frames, written chunk by chunk: one compressed frame body
    reused for every frame, so a large animation costs the test a moment, not Pillow's seconds
    of encoding."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    width, height = size
    pixels = zlib.compress((b"\0" + b"\xc8\x1e\x1e" * width) * height, 9)
    out = b"\x89PNG\r\n\x1a\n" + chunk(
        b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    )
    out += chunk(b"acTL", struct.pack(">II", frames, 0))
    sequence = 0
    for frame in range(frames):
        control = struct.pack(">IIIIIHHBB", sequence, width, height, 0, 0, 1, 10, 0, 0)
        out += chunk(b"fcTL", control)
        sequence += 1
        if frame == 0:
            out += chunk(b"IDAT", pixels)
        else:
            out += chunk(b"fdAT", struct.pack(">I", sequence) + pixels)
            sequence += 1
    return out + chunk(b"IEND", b"")


def test_an_animation_of_many_large_frames_is_refused_before_it_is_decoded(
    app: Shouwang, member: Account
) -> None:
    """20 frames of 1600x1600: each frame is a modest photo, all of them 51 megapixels."""
    bomb = apng(frames=20, size=(1600, 1600))
    assert Image.open(io.BytesIO(bomb)).n_frames == 20
    started = time.monotonic()

    refused = app.upload(member, bomb, filename="bomb.png")

    assert_problem(refused, 413)
    assert "frame" in refused.body["detail"]
    assert time.monotonic() - started < 1


def test_a_short_animation_is_accepted(app: Shouwang, member: Account) -> None:
    uploaded = app.upload(member, apng(frames=3, size=(32, 32)), filename="clip.png")

    assert uploaded.status == 201, uploaded.body
    assert uploaded.body["content_type"] == "image/png"


def test_an_upload_without_the_file_field_is_malformed(app: Shouwang, member: Account) -> None:
    assert_problem(app.upload(member, photo(), field="picture"), 400)


def test_uploading_needs_a_token(app: Shouwang) -> None:
    assert_problem(app.upload(Account("", ""), photo()), 401)


def test_a_retried_upload_with_the_same_idempotency_key_stores_one_photo(
    app: Shouwang, member: Account
) -> None:
    content = photo("PNG")
    first = app.upload(member, content, headers={"Idempotency-Key": "upload-1"})
    again = app.upload(member, content, headers={"Idempotency-Key": "upload-1"})

    assert first.status == again.status == 201
    assert again.body["media_id"] == first.body["media_id"]
    assert again.headers.get("Idempotent-Replayed") == "true"


# Location privacy ---------------------------------------------------------------------------


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_gps_tags_are_removed_from_a_members_photo(
    app: Shouwang, member: Account, image_format: str
) -> None:
    uploaded = app.upload(member, photo(image_format, gps=True))

    stored = app.fetch(member, uploaded.body["media_id"]).body
    assert gps_of(stored) == {}
    assert Image.open(io.BytesIO(stored)).getexif()[ExifTags.Base.Make] == "Shouwang"


def test_gps_tags_are_kept_in_an_officers_photo(app: Shouwang) -> None:
    officer = app.officer(app.station)
    original = photo("JPEG", gps=True)
    uploaded = app.upload(officer, original)

    stored = app.fetch(officer, uploaded.body["media_id"]).body
    assert stored == original
    assert gps_of(stored)[ExifTags.GPS.GPSLatitude] == (30.0, 16.0, 27.0)


# Who may read -------------------------------------------------------------------------------


def test_another_member_cannot_read_a_photo(app: Shouwang, member: Account) -> None:
    uploaded = app.upload(member, photo())

    assert_problem(app.fetch(app.member(), uploaded.body["media_id"]), 404)


def test_an_officer_of_the_uploaders_station_reads_it_and_one_of_another_does_not(
    app: Shouwang, member: Account
) -> None:
    media_id = app.upload(member, photo()).body["media_id"]

    assert app.fetch(app.officer(app.station), media_id).status == 200
    assert app.fetch(app.admin, media_id).status == 200
    assert_problem(app.fetch(app.officer(app.org("station")), media_id), 404)


@pytest.mark.parametrize("media_id", ["0123456789abcdefghjkmnpqrs", "../../etc/passwd", "x"])
def test_unknown_or_malformed_media_ids_are_not_found(
    app: Shouwang, member: Account, media_id: str
) -> None:
    assert_problem(app.fetch(member, media_id), 404)
