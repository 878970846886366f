"""The console's live map at city scale, in Debian's Chromium against the all-in-one: dense
members drawn as a cluster that splits when clicked, and a GCJ-02 tile layer (served by a tiny
tile server of the test's own on loopback) under which every overlay is shifted on display while
what the officer draws is sent in WGS-84.

Points are placed on the screen from the map's own view (its centre and zoom, which the map
writes on its container) with Leaflet's spherical Mercator, so the test does not read the
console's internals."""

from __future__ import annotations

import math
import os
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

import allinone
from shouwang import geo
from tests.support.api import Api, fix_at, verified_member, wait_for
from tests.support.browser import CHROMIUM, require_chromium

ADMIN = {"SHOUWANG_ADMIN_PHONE": "13800000000", "SHOUWANG_ADMIN_PASSWORD": "Admin-Password-1"}
PLACE = (27.78, 120.65)  # Rui'an
DENSE = 12  # members within a few tens of metres of PLACE
LONER = (27.79, 120.64)  # one more member, about 1.5 km north-west
# A bound on a stalled page, not a speed requirement: at load 100+ a step took over 15 s.
TIMEOUT_MS = 30_000
EARTH_RADIUS = 6378137.0  # Leaflet's spherical Mercator


def _png() -> bytes:
    """A 1x1 light-grey PNG, the tile of every (z, x, y)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xe5\xe7\xeb")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


class TileServer:
    def __init__(self) -> None:
        self.requests: list[str] = []
        tile, requests = _png(), self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def template(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{{z}}/{{x}}/{{y}}.png"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Scene:
    api: Api
    url: str
    admin: str
    tiles: TileServer
    dense: list[str]
    loner: str
    loner_name: str


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    require_chromium()
    tiles = TileServer()
    environ = ADMIN | {"SHOUWANG_MAP_TILES_URL": tiles.template, "SHOUWANG_MAP_TILES_CRS": "gcj02"}
    saved = {k: os.environ.get(k) for k in environ}
    os.environ.update(environ)
    try:
        running = allinone.start(port=0, data_dir=Path(tmp_path_factory.mktemp("console-map")))
    finally:  # the settings are read at the start: other modules' gateways stay offline
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    try:
        api = Api(running.url)
        admin = api.post(
            "/api/v1/auth/login",
            {"phone": ADMIN["SHOUWANG_ADMIN_PHONE"], "password": ADMIN["SHOUWANG_ADMIN_PASSWORD"]},
        ).body["access_token"]
        dense = []
        for i in range(DENSE):
            member_id, token, _ = verified_member(api, admin)
            angle = i / DENSE * 2 * math.pi
            _on_duty_at(
                api, token, PLACE[0] + 0.0002 * math.sin(angle), PLACE[1] + 0.0002 * math.cos(angle)
            )
            dense.append(member_id)
        loner, token, person = verified_member(api, admin, name="赵敏")
        _on_duty_at(api, token, *LONER)
        yield Scene(api, running.url, admin, tiles, dense, loner, person["name"])
    finally:
        running.stop()
        tiles.stop()


def _on_duty_at(api: Api, token: str, lat: float, lon: float) -> None:
    assert api.post("/api/v1/duty/start", token=token).status == 200
    fix = fix_at(lat, lon, accuracy_m=5)
    assert api.post("/api/v1/location", {"fixes": [fix]}, token=token).body["accepted"] == 1


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(scene: Scene, browser: Browser) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1400, "height": 860}, locale="zh-CN")
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(scene.url)
    page.fill("input[name=phone]", ADMIN["SHOUWANG_ADMIN_PHONE"])
    page.fill("input[name=password]", ADMIN["SHOUWANG_ADMIN_PASSWORD"])
    page.click("form.login button[type=submit]")
    expect(page.locator(".legend-item[data-state=free] b")).to_have_text(str(DENSE + 1))
    expect(page.locator("#map")).to_have_attribute("data-datum", "gcj02")
    # The view the tests place points by is the one the map fitted to everyone at the start.
    expect(page.locator("#map")).to_have_attribute("data-fitted", "true")
    yield page
    page.close()
    assert problems == []


class Screen:
    """Leaflet's container points from the view the map wrote on #map (its own datum)."""

    def __init__(self, page: Page) -> None:
        map_ = page.locator("#map")
        box = map_.bounding_box()
        assert box is not None
        self.box = box
        lat, lon = (float(v) for v in (map_.get_attribute("data-center") or "").split(","))
        self.zoom = int(map_.get_attribute("data-zoom") or "0")
        cx, cy = self._world(lat, lon)
        self.origin = (round(cx - box["width"] / 2), round(cy - box["height"] / 2))

    def _world(self, lat: float, lon: float) -> tuple[float, float]:
        scale = 256 * 2**self.zoom
        x = math.radians(lon) * EARTH_RADIUS
        y = EARTH_RADIUS * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
        factor = 0.5 / (math.pi * EARTH_RADIUS)
        return scale * (factor * x + 0.5), scale * (-factor * y + 0.5)

    def point(self, lat: float, lon: float) -> tuple[float, float]:
        """Where a point of the map's datum is on the page."""
        x, y = self._world(lat, lon)
        return self.box["x"] + x - self.origin[0], self.box["y"] + y - self.origin[1]

    def shown(self, lat: float, lon: float) -> tuple[float, float]:
        """Where a WGS-84 point is drawn on a GCJ-02 map."""
        return self.point(*geo.wgs84_to_gcj02(lat, lon))

    def wgs84_at(self, x: float, y: float) -> tuple[float, float]:
        """The WGS-84 point under a page point of a GCJ-02 map."""
        scale = 256 * 2**self.zoom
        wx = (x - self.box["x"] + self.origin[0]) / scale
        wy = (y - self.box["y"] + self.origin[1]) / scale
        lon = math.degrees((wx - 0.5) * 2 * math.pi)
        lat = math.degrees(2 * math.atan(math.exp((0.5 - wy) * 2 * math.pi)) - math.pi / 2)
        return geo.gcj02_to_wgs84(lat, lon)


def canvas_counts(page: Page) -> dict[str, int]:
    canvas = page.locator("canvas[data-testid=members]")
    return {
        k: int(canvas.get_attribute(f"data-{k}") or -1) for k in ("clusters", "singles", "largest")
    }


def test_dense_members_are_one_cluster_that_splits_when_clicked(scene: Scene, page: Page) -> None:
    # Fitted to everyone: the dozen within ~25 m are one cluster, the loner a dot of its own.
    wait_for(lambda: canvas_counts(page) == {"clusters": 1, "singles": 1, "largest": DENSE},
             what="one cluster of the dense members")  # fmt: skip
    screen = Screen(page)
    assert screen.zoom < 18
    page.mouse.click(*screen.shown(*PLACE))

    # Zoomed in to the cluster's members, each is drawn on its own (the loner is off screen).
    expect(page.locator("#map")).to_have_attribute("data-zoom", "18")
    wait_for(lambda: canvas_counts(page)["singles"] == DENSE, what="the cluster split")
    assert canvas_counts(page)["clusters"] == 0


def test_a_gcj02_tile_layer_shifts_members_on_display(scene: Scene, page: Page) -> None:
    wait_for(lambda: canvas_counts(page)["clusters"] == 1, what="the members drawn")
    assert scene.tiles.requests, "no tile was requested from the configured tile server"
    screen = Screen(page)
    shifted = screen.shown(*LONER)
    unshifted = screen.point(*LONER)
    assert math.dist(shifted, unshifted) > 30  # hundreds of metres at this zoom

    # The loner is under the mouse where GCJ-02 puts it, not at its WGS-84 coordinates.
    page.mouse.move(*unshifted)
    page.wait_for_timeout(300)
    expect(page.locator(".member-tooltip")).to_have_count(0)
    page.mouse.move(*shifted)
    expect(page.locator(".member-tooltip")).to_contain_text(scene.loner_name)
    # So is the grid count's anchor, the report flags, ... every overlay: the tasks' areas below.


def test_a_shape_drawn_on_a_gcj02_map_is_sent_in_wgs84(scene: Scene, page: Page) -> None:
    wait_for(lambda: canvas_counts(page)["clusters"] == 1, what="the members drawn")
    screen = Screen(page)
    # A rectangle around the dense members, drawn where they are shown.
    cx, cy = screen.shown(*PLACE)
    corners = [(cx - 60, cy - 50), (cx + 60, cy + 50)]
    page.locator(".leaflet-pm-icon-rectangle").click()
    for corner in corners:
        page.mouse.click(*corner)
    form = page.locator("form.dispatch")
    form.locator("input[name=title]").fill("可疑人员")
    form.locator("select[name=target]").select_option("area")
    with page.expect_request(
        lambda r: r.method == "POST" and r.url.endswith("/api/v1/tasks")
    ) as sent:
        form.locator("button[type=submit]").click()
    area = sent.value.post_data_json["area"]
    [ring] = area["coordinates"]
    assert len(ring) == 5 and ring[0] == ring[-1]  # four corners, closed
    # Each corner is the WGS-84 point under where it was clicked: a GCJ-02 rectangle is a
    # slightly skewed one in WGS-84, some 500 m from the coordinates the screen shows.
    (x0, y0), (x1, y1) = corners
    metres_per_px = 40_075_016 * math.cos(math.radians(PLACE[0])) / (256 * 2**screen.zoom)
    tolerance = 3 * metres_per_px + 1
    for x, y in [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]:
        lat, lon = screen.wgs84_at(x, y)
        nearest = min(float(geo.haversine_m(lat, lon, c[1], c[0])) for c in ring[:4])
        assert nearest < tolerance, (x, y, ring)
    south, north = min(c[1] for c in ring), max(c[1] for c in ring)
    west, east = min(c[0] for c in ring), max(c[0] for c in ring)
    # The members are inside what was sent (WGS-84): the task offers every one of them.
    assert south < PLACE[0] < north and west < PLACE[1] < east
    panel = page.locator(".task-panel")
    expect(panel.locator(".offers li")).to_have_count(DENSE)

    # And the task's area is drawn back where it was drawn: shifted again on display.
    def drawn_at_the_corners() -> bool:
        boxes = [p.bounding_box() for p in page.locator(".leaflet-overlay-pane path").all()]
        return any(
            b and abs(b["x"] - corners[0][0]) < 5 and abs(b["y"] - corners[0][1]) < 5
            and abs(b["x"] + b["width"] - corners[1][0]) < 5
            for b in boxes
        )  # fmt: skip

    wait_for(drawn_at_the_corners, what="the task's area where it was drawn")
