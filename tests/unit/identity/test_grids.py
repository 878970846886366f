"""Grid geometry rules (GeoJSON Polygons in WGS-84) and which grid a point falls in."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from services.identity.grids import (
    MAX_VERTICES,
    GridShape,
    deepest_grid_containing,
    geometry_json,
    polygon_of,
    validate_geometry,
)


def square(west: float, south: float, size: float) -> list[list[float]]:
    return [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]


def polygon(*rings: list[Any]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


def circle(positions: int) -> dict[str, Any]:
    """A closed ring of ``positions`` positions (the last repeats the first)."""
    ring = [
        [
            120 + 0.1 * math.cos(2 * math.pi * i / (positions - 1)),
            30 + 0.1 * math.sin(2 * math.pi * i / (positions - 1)),
        ]
        for i in range(positions - 1)
    ]
    return polygon([*ring, ring[0]])


def fields(geometry: Any) -> list[str]:
    clean, errors = validate_geometry(geometry)
    assert clean is None
    return [error.field for error in errors]


def test_a_closed_simple_polygon_is_accepted() -> None:
    geometry = polygon(square(120.0, 30.0, 0.1))
    assert validate_geometry(geometry) == (geometry, [])


def test_a_polygon_with_a_hole_is_accepted() -> None:
    geometry = polygon(square(120.0, 30.0, 1.0), square(120.4, 30.4, 0.2))
    clean, errors = validate_geometry(geometry)
    assert errors == [] and clean == geometry


def test_altitudes_are_dropped() -> None:
    ring = [[*position, 12.5] for position in square(120.0, 30.0, 0.1)]
    clean, _ = validate_geometry(polygon(ring))
    assert clean == polygon(square(120.0, 30.0, 0.1))


@pytest.mark.parametrize(
    "geometry",
    [
        None,
        "Polygon",
        {"type": "Point", "coordinates": [120.0, 30.0]},
        {"type": "MultiPolygon", "coordinates": [[square(0, 0, 1)]]},
        {"type": "LineString", "coordinates": square(0, 0, 1)},
        {"coordinates": [square(0, 0, 1)]},
    ],
    ids=["null", "string", "point", "multipolygon", "linestring", "untyped"],
)
def test_anything_but_a_polygon_is_refused(geometry: Any) -> None:
    assert fields(geometry) == ["geometry"]


@pytest.mark.parametrize("coordinates", [None, [], "rings", {}])
def test_a_polygon_needs_a_list_of_rings(coordinates: Any) -> None:
    assert fields({"type": "Polygon", "coordinates": coordinates}) == ["geometry"]


def test_an_unclosed_ring_is_refused_naming_the_ring() -> None:
    assert fields(polygon([*square(0, 0, 1)[:-1], [0.5, 0.5]])) == ["geometry.coordinates[0]"]


def test_an_unclosed_hole_is_refused_naming_the_hole() -> None:
    hole = square(0.4, 0.4, 0.2)
    hole[-1] = [0.45, 0.45]
    assert fields(polygon(square(0, 0, 1), hole)) == ["geometry.coordinates[1]"]


def test_a_ring_of_three_positions_is_refused() -> None:
    assert fields(polygon([[0, 0], [1, 0], [0, 0]])) == ["geometry.coordinates[0]"]


@pytest.mark.parametrize(
    "position",
    [[180.5, 0], [-180.5, 0], [0, 90.5], [0, -90.5], [float("nan"), 0], [0, float("inf")]],
)
def test_positions_outside_wgs84_are_refused(position: list[float]) -> None:
    ring = [[0, 0], position, [1, 1], [0, 0]]
    assert fields(polygon(ring)) == ["geometry.coordinates[0]"]


def test_positions_on_the_edges_of_the_range_are_accepted() -> None:
    ring = [[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]
    assert validate_geometry(polygon(ring))[1] == []


@pytest.mark.parametrize("position", [[True, 0], ["120", "30"], [120], 120, None], ids=str)
def test_positions_must_be_pairs_of_numbers(position: Any) -> None:
    ring = [[0, 0], position, [1, 1], [0, 0]]
    assert fields(polygon(ring)) == ["geometry.coordinates[0]"]


def test_a_self_intersecting_polygon_is_refused_with_the_reason() -> None:
    bowtie = [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]
    clean, errors = validate_geometry(polygon(bowtie))
    assert clean is None
    assert [e.field for e in errors] == ["geometry"]
    assert "Self-intersection" in errors[0].message


def test_a_hole_outside_its_shell_is_refused() -> None:
    assert fields(polygon(square(0, 0, 1), square(5, 5, 1))) == ["geometry"]


def test_ten_thousand_vertices_are_accepted() -> None:
    assert validate_geometry(circle(MAX_VERTICES))[1] == []


def test_more_than_ten_thousand_vertices_are_refused() -> None:
    assert fields(circle(MAX_VERTICES + 1)) == ["geometry"]


def test_the_vertex_limit_counts_every_ring() -> None:
    shell = circle(MAX_VERTICES - 2)["coordinates"][0]
    hole = square(119.99, 29.99, 0.02)
    assert fields(polygon(shell, hole)) == ["geometry"]


def grid(grid_id: str, level: int, west: float, south: float, size: float) -> GridShape:
    return GridShape(grid_id, level, polygon_of(polygon(square(west, south, size))))


NESTED = [
    grid("district", 1, 0.0, 0.0, 10.0),
    grid("street", 2, 1.0, 1.0, 4.0),
    grid("block", 3, 2.0, 2.0, 1.0),
]


@pytest.mark.parametrize("order", [NESTED, NESTED[::-1], [NESTED[1], NESTED[2], NESTED[0]]])
def test_a_point_belongs_to_the_most_detailed_grid_containing_it(order: list[GridShape]) -> None:
    assert deepest_grid_containing(2.5, 2.5, order) == "block"


def test_a_point_outside_the_detailed_grids_falls_back_to_the_coarser_one() -> None:
    assert deepest_grid_containing(lat=8.0, lon=8.0, grids=NESTED) == "district"
    assert deepest_grid_containing(lat=4.0, lon=4.0, grids=NESTED) == "street"


def test_a_point_outside_every_grid_belongs_to_none() -> None:
    assert deepest_grid_containing(lat=-20.0, lon=50.0, grids=NESTED) == ""


def test_no_grids_means_no_grid() -> None:
    assert deepest_grid_containing(1.0, 1.0, []) == ""


def test_latitude_and_longitude_are_not_swapped() -> None:
    tall = [grid("tall", 1, 0.0, 0.0, 1.0)]
    wide = [GridShape("wide", 1, polygon_of(polygon([[0, 0], [50, 0], [50, 1], [0, 1], [0, 0]])))]
    assert deepest_grid_containing(lat=0.5, lon=40.0, grids=wide) == "wide"
    assert deepest_grid_containing(lat=40.0, lon=0.5, grids=wide + tall) == ""


def test_geometry_json_is_compact_and_round_trips() -> None:
    geometry = polygon(square(120.0, 30.0, 0.1))
    text = geometry_json(geometry)
    assert " " not in text
    assert json.loads(text) == geometry
