"""The console's map configuration: /config.json beside the console (offline unless a tile layer
is set), the tile layer's settings, and a content policy widened for that tile host only."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from services.gateway import console
from shouwang.config import ConfigError, load

AMAP = "https://webrd0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}"


def client_with(tiles: console.MapTiles) -> Any:
    app = Flask(__name__)
    app.register_blueprint(console.blueprint(api_prefix="/api/v1", tiles=tiles))
    return app.test_client()


def test_by_default_the_map_is_offline_and_the_policy_allows_only_the_gateway() -> None:
    tiles = load(console.MapTiles, {})
    reply = client_with(tiles).get("/config.json")

    assert reply.status_code == 200
    assert reply.json == {"map": {"tiles": None}, "demo": None}
    assert reply.headers["Content-Security-Policy"] == console.CONTENT_SECURITY_POLICY


def test_a_gcj02_tile_layer_is_described_and_its_hosts_alone_are_allowed_images() -> None:
    tiles = load(
        console.MapTiles,
        {
            "SHOUWANG_MAP_TILES_URL": AMAP,
            "SHOUWANG_MAP_TILES_CRS": "gcj02",
            "SHOUWANG_MAP_TILES_SUBDOMAINS": "1234",
            "SHOUWANG_MAP_TILES_ATTRIBUTION": "© AutoNavi",
        },
    )
    client = client_with(tiles)
    reply = client.get("/config.json")

    assert reply.json == {
        "demo": None,
        "map": {
            "tiles": {
                "url": AMAP,
                "crs": "gcj02",
                "subdomains": "1234",
                "attribution": "© AutoNavi",
                "max_zoom": 18,
            }
        },
    }
    policy = dict(
        part.strip().split(" ", 1) for part in reply.headers["Content-Security-Policy"].split(";")
    )
    hosts = [f"https://webrd0{n}.is.autonavi.com" for n in "1234"]
    assert policy["img-src"].split() == ["'self'", "data:", "blob:", *hosts]
    # Nothing else is widened: scripts, styles and connections stay the gateway's.
    assert policy["default-src"] == "'self'" and policy["connect-src"] == "'self'"
    assert (
        client.get("/").headers["Content-Security-Policy"]
        == reply.headers["Content-Security-Policy"]
    )


def test_a_template_without_subdomains_allows_its_one_host() -> None:
    tiles = console.MapTiles(url="http://127.0.0.1:9000/{z}/{x}/{y}.png")

    assert tiles.image_sources() == ["http://127.0.0.1:9000"]
    assert tiles.public()["map"]["tiles"]["crs"] == "wgs84"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SHOUWANG_MAP_TILES_URL": AMAP, "SHOUWANG_MAP_TILES_CRS": "bd09"}, "wgs84, gcj02"),
        ({"SHOUWANG_MAP_TILES_URL": "tiles/{z}/{x}/{y}.png"}, "http(s) URL template"),
        ({"SHOUWANG_MAP_TILES_URL": "javascript:alert(1)"}, "http(s) URL template"),
    ],
)
def test_a_bad_tile_setting_stops_the_start(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load(console.MapTiles, environ)


def test_the_demo_officer_is_told_to_this_machine_only() -> None:
    app = Flask(__name__)
    app.register_blueprint(
        console.blueprint(api_prefix="/api/v1", tiles=load(console.MapTiles, {}))
    )
    hint = {"officer": "demo-officer", "name": "演示民警", "phone": "13700000001", "password": "p"}
    app.extensions[console.DEMO_HINT] = lambda: hint
    client = app.test_client()

    local = client.get("/config.json", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    remote = client.get("/config.json", environ_base={"REMOTE_ADDR": "192.0.2.7"})

    assert local.json["demo"] == hint
    assert remote.json["demo"] is None
