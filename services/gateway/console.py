"""The dispatcher console's static files (``web/console/dist``, built by ``scripts/build-web`` and
committed), served at ``/`` so the embedded mode needs nothing but Python."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    request,
    send_from_directory,
)

from shouwang.config import ConfigError, load, setting
from shouwang.http import is_loopback

# Where the all-in-one's demo puts a function giving its officer's sign-in (app.extensions), for
# the console's login page; nothing else sets it.
DEMO_HINT = "shouwang.demo_hint"

DIST = Path(__file__).resolve().parents[2] / "web" / "console" / "dist"
# Everything the console loads comes from here; styles may be inline (Leaflet positions its
# panes with style attributes), photos arrive as blob: URLs, geoman's icons as data: URLs.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


TILE_DATUMS = ("wgs84", "gcj02")


@dataclass(frozen=True, kw_only=True)
class MapTiles:
    """The console map's optional tile layer (unset: offline, a plain background)."""

    url: str = setting(
        "SHOUWANG_MAP_TILES_URL",
        "",
        doc="Tile URL template of the console's map, e.g. https://{s}.tile.example/{z}/{x}/{y}.png"
        " (unset: no tiles, the map works offline). The content policy allows this host's images.",
    )
    crs: str = setting(
        "SHOUWANG_MAP_TILES_CRS",
        "wgs84",
        doc="Datum of the tiles: wgs84 (OSM, Tianditu) or gcj02 (AMap, Tencent; the console then"
        " shifts its overlays on display, the API stays WGS-84).",
    )
    subdomains: str = setting(
        "SHOUWANG_MAP_TILES_SUBDOMAINS", "", doc="Letters or digits the template's {s} cycles over."
    )
    attribution: str = setting(
        "SHOUWANG_MAP_TILES_ATTRIBUTION", "", doc="Attribution the tiles' licence requires."
    )
    max_zoom: int = setting("SHOUWANG_MAP_TILES_MAX_ZOOM", 18, doc="Deepest zoom of the tiles.")

    def __post_init__(self) -> None:
        if self.crs not in TILE_DATUMS:
            raise ConfigError(f"SHOUWANG_MAP_TILES_CRS must be one of {', '.join(TILE_DATUMS)}")
        if self.url and not self.image_sources():
            raise ConfigError("SHOUWANG_MAP_TILES_URL must be an http(s) URL template")

    def image_sources(self) -> list[str]:
        """The origins the tiles come from, for the content policy's img-src ('' when none)."""
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return []
        host = parts.netloc
        if "{s}" in host:  # one origin per subdomain the template cycles over
            return [f"{parts.scheme}://{host.replace('{s}', s)}" for s in self.subdomains or "abc"]
        return [f"{parts.scheme}://{host}"]

    def public(self) -> dict[str, Any]:
        """What the console reads from /config.json."""
        if not self.url:
            return {"map": {"tiles": None}}
        return {
            "map": {
                "tiles": {
                    "url": self.url,
                    "crs": self.crs,
                    "subdomains": self.subdomains or "abc",
                    "attribution": self.attribution,
                    "max_zoom": self.max_zoom,
                }
            }
        }


def content_security_policy(tiles: MapTiles) -> str:
    """The console's policy: only the gateway itself, plus the tile host when one is set."""
    sources = tiles.image_sources() if tiles.url else []
    if not sources:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace(
        "img-src 'self' data: blob:", "img-src 'self' data: blob: " + " ".join(sources), 1
    )


def blueprint(*, dist: Path = DIST, api_prefix: str, tiles: MapTiles | None = None) -> Blueprint:
    console = Blueprint("console", __name__)
    # Read from the environment once, when the app is built (a bad value fails the start).
    tiles = tiles if tiles is not None else load(MapTiles)
    policy = content_security_policy(tiles)

    def served(response: Response) -> Response:
        # Names are not content-hashed: browsers revalidate (ETag) instead of caching blindly.
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Content-Security-Policy"] = policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @console.get("/")
    def index() -> Response:
        if not (dist / "index.html").is_file():
            # A checkout without the built console still says where the API is.
            return jsonify(
                name="Shouwang",
                console="not built: run scripts/build-web",
                api=f"{api_prefix}/openapi.json",
                health="/healthz",
            )
        return served(send_from_directory(dist, "index.html"))

    # The console is static: what the deployment configures for it is read from here.
    @console.get("/config.json")
    def config() -> Response:
        return served(jsonify(tiles.public() | {"demo": _demo_hint()}))

    # Only the build's top-level files and its assets folder: a path under /api/v1 never reaches
    # here, so an API route called with the wrong method still answers 405, not 404.
    @console.get("/<name>")
    def top_level_file(name: str) -> Response:
        return served(send_from_directory(dist, name))

    @console.get("/assets/<path:name>")
    def asset(name: str) -> Response:
        return served(send_from_directory(dist / "assets", name))

    console.register_blueprint(patroller_app())
    return console


APP_DIST = Path(__file__).resolve().parents[2] / "web" / "app" / "dist"
# The patroller app's policy: the console's, plus its service worker and manifest, and voice clips
# played from blob: URLs. It shows no tiles: its small maps are drawn on a plain background.
APP_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; media-src 'self' blob:; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
_APP_TYPES = {".webmanifest": "application/manifest+json", ".js": "text/javascript"}


def patroller_app(*, dist: Path = APP_DIST) -> Blueprint:
    """The patroller PWA (``web/app/dist``) at ``/app/``: its page, bundle, service worker,
    manifest and icons; the service worker's scope is ``/app/``, where it is served from."""
    app = Blueprint("patroller_app", __name__, url_prefix="/app")

    def served(response: Response, name: str) -> Response:
        # Names are not content-hashed: revalidated (ETag) on every load; the service worker
        # caches the shell itself, versioned by its build.
        mimetype = _APP_TYPES.get(Path(name).suffix)
        if mimetype:
            response.mimetype = mimetype
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Content-Security-Policy"] = APP_CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.get("", strict_slashes=False)
    def without_slash() -> Response:
        # The page's relative URLs (and the service worker's scope) need the trailing slash.
        query = request.query_string.decode()
        return redirect("/app/" + (f"?{query}" if query else ""), code=308)

    @app.get("/")
    def index() -> Response:
        if not (dist / "index.html").is_file():
            return jsonify(app="not built: run scripts/build-web")
        return served(send_from_directory(dist, "index.html"), "index.html")

    @app.get("/<name>")
    def top_level_file(name: str) -> Response:
        return served(send_from_directory(dist, name), name)

    @app.get("/assets/<path:name>")
    def asset(name: str) -> Response:
        return served(send_from_directory(dist / "assets", name), name)

    return app


def _demo_hint() -> dict[str, str] | None:
    """The demo officer's sign-in while a simulated night runs — told to the machine itself only
    (the terminal that started it printed the same)."""
    hint = current_app.extensions.get(DEMO_HINT)
    if hint is None or not is_loopback(request.remote_addr):
        return None
    return hint()
