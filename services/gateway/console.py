"""The dispatcher console's static files (``web/console/dist``, built by ``scripts/build-web`` and
committed), served at ``/`` so the embedded mode needs nothing but Python."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, jsonify, send_from_directory

DIST = Path(__file__).resolve().parents[2] / "web" / "console" / "dist"
# Everything the console loads comes from here; styles may be inline (Leaflet positions its
# panes with style attributes), photos arrive as blob: URLs, geoman's icons as data: URLs.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def blueprint(*, dist: Path = DIST, api_prefix: str) -> Blueprint:
    console = Blueprint("console", __name__)

    def served(response: Response) -> Response:
        # Names are not content-hashed: browsers revalidate (ETag) instead of caching blindly.
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
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

    # Only the build's top-level files and its assets folder: a path under /api/v1 never reaches
    # here, so an API route called with the wrong method still answers 405, not 404.
    @console.get("/<name>")
    def top_level_file(name: str) -> Response:
        return served(send_from_directory(dist, name))

    @console.get("/assets/<path:name>")
    def asset(name: str) -> Response:
        return served(send_from_directory(dist / "assets", name))

    return console
