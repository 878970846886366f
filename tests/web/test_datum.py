"""The console's WGS-84 <-> GCJ-02 conversion (web/console/src/map/datum.ts), run in node: against
the published eviltransform vectors (the ones tests/unit/platform_library/test_geo.py holds the
Python to), against shouwang/geo.py over the mainland, and round trips within a centimetre.

The module is bundled by the pinned esbuild (web/node_modules, which `make web` installs) into a
script that reads points as JSON on stdin and prints each conversion."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from shouwang import geo
from tests.unit.platform_library.test_geo import EVILTRANSFORM_VECTORS

WEB = Path(__file__).resolve().parents[2] / "web"
ESBUILD = WEB / "node_modules" / ".bin" / "esbuild"
RUNNER = """
import { Display, gcj02ToWgs84, outsideChina, wgs84ToGcj02 } from "./console/src/map/datum";
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const shifted = new Display("gcj02");
  const plain = new Display("wgs84");
  const points: [number, number][] = JSON.parse(input);
  const out = points.map(([lat, lon]) => ({
    gcj: wgs84ToGcj02(lat, lon),
    wgs: gcj02ToWgs84(lat, lon),
    outside: outsideChina(lat, lon),
    shown: shifted.shown(lat, lon),
    actual: shifted.actual(lat, lon),
    plain: [...plain.shown(lat, lon), ...plain.actual(lat, lon)],
    ring: shifted.shownRing([[lon, lat]])[0],
    coords: shifted.shownCoordinates([[[lon, lat]]]),
  }));
  process.stdout.write(JSON.stringify(out));
});
"""


@pytest.fixture(scope="module")
def convert(tmp_path_factory: pytest.TempPathFactory):
    node = shutil.which("node")
    if node is None or not ESBUILD.exists():
        pytest.fail("node and web/node_modules are required: run `make web`")
    folder = tmp_path_factory.mktemp("datum")
    bundle = folder / "datum-runner.cjs"
    subprocess.run(
        [str(ESBUILD), "--bundle", "--platform=node", "--format=cjs", "--loader=ts",
         f"--sourcefile={WEB / 'datum-runner.ts'}", f"--outfile={bundle}", "--log-level=warning"],
        input=RUNNER, text=True, check=True, cwd=WEB,
    )  # fmt: skip

    def run(points: list[tuple[float, float]]) -> list[dict]:
        done = subprocess.run(
            [node, str(bundle)],
            input=json.dumps(points),
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout)

    return run


def metres(a, b) -> float:
    return float(geo.haversine_m(a[0], a[1], b[0], b[1]))


def test_wgs84_to_gcj02_matches_the_published_vectors(convert) -> None:
    results = convert([wgs for wgs, _ in EVILTRANSFORM_VECTORS])
    for (_, gcj), result in zip(EVILTRANSFORM_VECTORS, results, strict=True):
        assert result["gcj"] == pytest.approx(gcj, abs=1e-9)
        assert result["shown"] == pytest.approx(gcj, abs=1e-9)
        assert result["ring"] == pytest.approx(gcj, abs=1e-9)  # [lat, lng] for Leaflet
        assert result["coords"] == [[pytest.approx([gcj[1], gcj[0]], abs=1e-9)]]  # GeoJSON order


def test_gcj02_to_wgs84_recovers_the_published_vectors_within_a_centimetre(convert) -> None:
    results = convert([gcj for _, gcj in EVILTRANSFORM_VECTORS])
    for (wgs, _), result in zip(EVILTRANSFORM_VECTORS, results, strict=True):
        assert metres(result["wgs"], wgs) < 0.01
        assert metres(result["actual"], wgs) < 0.01


def test_the_typescript_agrees_with_the_python_across_the_mainland(convert) -> None:
    rng = random.Random(11)
    points = [(rng.uniform(18.0, 53.0), rng.uniform(74.0, 134.0)) for _ in range(500)]
    for point, result in zip(points, convert(points), strict=True):
        assert result["gcj"] == pytest.approx(geo.wgs84_to_gcj02(*point), abs=1e-9)
        assert metres(result["wgs"], geo.gcj02_to_wgs84(*point)) < 0.001
        # Shifted on display and back: where the officer drew is where the API is told.
        assert 1.0 < metres(result["gcj"], point) < 1_500.0


def test_rui_an_is_shifted_by_hundreds_of_metres_and_back_within_a_centimetre(convert) -> None:
    [there] = convert([(27.78, 120.65)])
    [back] = convert([tuple(there["gcj"])])
    assert 300.0 < metres(there["gcj"], (27.78, 120.65)) < 800.0
    assert metres(back["wgs"], (27.78, 120.65)) < 0.01


def test_outside_china_and_on_wgs84_tiles_nothing_moves(convert) -> None:
    points = [(48.8566, 2.3522), (40.7128, -74.0060), (-33.8688, 151.2093), (0.5, 110.0)]
    for point, result in zip(points, convert(points), strict=True):
        assert result["outside"] is True
        assert result["gcj"] == list(point) and result["wgs"] == list(point)
    [inside] = convert([(27.78, 120.65)])
    assert inside["outside"] is False
    assert inside["plain"] == [27.78, 120.65, 27.78, 120.65]
