"""Great-circle distance and the GCJ-02 / BD-09 datum conversions, against published vectors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shouwang import geo

# Published test vectors (WGS-84 -> GCJ-02) of the eviltransform project, repeated by its ports.
EVILTRANSFORM_VECTORS = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]
# coordtransform's fixture: GCJ-02 (39.915, 116.404) <-> BD-09.
GCJ02_POINT = (39.915, 116.404)
BD09_OF_GCJ02_POINT = (39.92133699351021, 116.41036949371029)
GCJ02_OF_BD09_POINT = (39.90865673957631, 116.39762729119315)  # bd09_to_gcj02(39.915, 116.404)

mainland = st.tuples(st.floats(18.0, 53.0), st.floats(74.0, 134.0))


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(geo.haversine_m(a[0], a[1], b[0], b[1]))


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM_VECTORS)
def test_wgs84_to_gcj02_matches_published_vectors(wgs, gcj) -> None:
    assert geo.wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM_VECTORS)
def test_gcj02_to_wgs84_recovers_published_vectors_within_a_centimetre(wgs, gcj) -> None:
    assert metres_between(geo.gcj02_to_wgs84(*gcj), wgs) < 0.01


def test_gcj02_to_bd09_matches_published_vector() -> None:
    assert geo.gcj02_to_bd09(*GCJ02_POINT) == pytest.approx(BD09_OF_GCJ02_POINT, abs=1e-9)


def test_bd09_to_gcj02_matches_published_vector() -> None:
    assert geo.bd09_to_gcj02(*GCJ02_POINT) == pytest.approx(GCJ02_OF_BD09_POINT, abs=1e-9)


@given(mainland)
def test_wgs_to_gcj_and_back_is_within_half_a_metre(point) -> None:
    assert metres_between(geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(*point)), point) < 0.5


@given(mainland)
def test_wgs_to_bd09_and_back_is_within_half_a_metre(point) -> None:
    assert metres_between(geo.bd09_to_wgs84(*geo.wgs84_to_bd09(*point)), point) < 0.5


@given(mainland)
def test_the_gcj02_offset_in_china_is_tens_to_hundreds_of_metres(point) -> None:
    assert 1.0 < metres_between(geo.wgs84_to_gcj02(*point), point) < 1_500.0


@pytest.mark.parametrize(
    "point",
    [(48.8566, 2.3522), (40.7128, -74.0060), (-33.8688, 151.2093), (60.0, 100.0), (0.5, 110.0)],
)
@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_points_outside_china_are_not_offset(point, crs) -> None:
    assert geo.to_wgs84(*point, crs) == point
    assert geo.from_wgs84(*point, crs) == point


def test_conversions_work_on_arrays_elementwise() -> None:
    lats = np.array([w[0] for w, _ in EVILTRANSFORM_VECTORS] + [48.8566])
    lons = np.array([w[1] for w, _ in EVILTRANSFORM_VECTORS] + [2.3522])
    g_lats, g_lons = geo.wgs84_to_gcj02(lats, lons)
    expected = [g for _, g in EVILTRANSFORM_VECTORS] + [(48.8566, 2.3522)]
    assert np.allclose(np.column_stack([g_lats, g_lons]), expected, atol=1e-9)
    back_lats, back_lons = geo.to_wgs84(g_lats, g_lons, "gcj02")
    assert np.all(geo.haversine_m(back_lats, back_lons, lats, lons) < 0.01)


def test_wgs84_is_returned_as_given() -> None:
    assert geo.to_wgs84(31.2, 121.5, "wgs84") == (31.2, 121.5)


def test_an_unknown_crs_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown crs 'epsg3857'"):
        geo.to_wgs84(31.2, 121.5, "epsg3857")


def test_one_degree_of_latitude_is_a_360th_of_the_meridian() -> None:
    expected = 2 * math.pi * geo.EARTH_RADIUS_M / 360
    assert geo.haversine_m(30.0, 120.0, 31.0, 120.0) == pytest.approx(expected, rel=1e-12)


def test_haversine_matches_a_known_city_distance() -> None:
    # Beijing (39.9042, 116.4074) to Shanghai (31.2304, 121.4737): 1,067 km on the sphere.
    assert geo.haversine_m(39.9042, 116.4074, 31.2304, 121.4737) == pytest.approx(
        1_067_310, rel=1e-3
    )


def test_antipodal_points_are_half_the_circumference_apart() -> None:
    assert geo.haversine_m(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * geo.EARTH_RADIUS_M)


@given(st.floats(-89.0, 89.0), st.floats(-180.0, 180.0), st.floats(1.0, 200_000.0))
def test_circle_bounds_hold_the_whole_disc(lat, lon, radius_m) -> None:
    min_lat, max_lat, intervals = geo.circle_bounds(lat, lon, radius_m)
    bearings = np.linspace(0, 2 * math.pi, 72, endpoint=False)
    d = radius_m / geo.EARTH_RADIUS_M * 0.999
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = np.arcsin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * np.cos(bearings))
    l2 = l1 + np.arctan2(
        np.sin(bearings) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * np.sin(p2)
    )
    rim_lat = np.degrees(p2)
    rim_lon = (np.degrees(l2) + 180.0) % 360.0 - 180.0
    assert np.all((rim_lat >= min_lat) & (rim_lat <= max_lat))
    in_lon = np.zeros(len(rim_lon), dtype=bool)
    for west, east in intervals:
        in_lon |= (rim_lon >= west - 1e-9) & (rim_lon <= east + 1e-9)
    assert in_lon.all()
