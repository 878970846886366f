"""A generated street network: a jittered grid of streets with a few blocks merged, shortest
routes along it, and a walker that moves along a route — so simulated members follow streets
instead of cutting through buildings."""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

METRES_PER_DEGREE_LAT = 111_195.0

LatLon = tuple[float, float]


def offset(origin: LatLon, *, north_m: float, east_m: float) -> LatLon:
    """The point ``north_m`` / ``east_m`` metres from ``origin`` (flat earth: fine over a town)."""
    lat, lon = origin
    metres_per_degree_lon = METRES_PER_DEGREE_LAT * math.cos(math.radians(lat))
    return (lat + north_m / METRES_PER_DEGREE_LAT, lon + east_m / metres_per_degree_lon)


def distance_m(a: LatLon, b: LatLon) -> float:
    """Equirectangular distance: within a few centimetres of great-circle over a few km."""
    mean_lat = math.radians((a[0] + b[0]) / 2)
    north = (b[0] - a[0]) * METRES_PER_DEGREE_LAT
    east = (b[1] - a[1]) * METRES_PER_DEGREE_LAT * math.cos(mean_lat)
    return math.hypot(north, east)


@dataclass(frozen=True)
class StreetMap:
    """Intersections (``nodes``, lat/lon) joined by street segments (``edges``); ``columns`` x
    ``rows`` is the grid it was generated from, node ``row * columns + column``."""

    nodes: tuple[LatLon, ...]
    edges: tuple[tuple[int, int], ...]
    columns: int
    rows: int
    _neighbours: dict[int, list[tuple[int, float]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        for a, b in self.edges:
            length = distance_m(self.nodes[a], self.nodes[b])
            self._neighbours.setdefault(a, []).append((b, length))
            self._neighbours.setdefault(b, []).append((a, length))

    def node_at(self, column: int, row: int) -> int:
        return row * self.columns + column

    def column_row(self, node: int) -> tuple[int, int]:
        return node % self.columns, node // self.columns

    def nearest_node(self, point: LatLon) -> int:
        return min(range(len(self.nodes)), key=lambda n: distance_m(self.nodes[n], point))

    def route(self, start: int, end: int) -> list[int]:
        """The shortest path from ``start`` to ``end`` along the streets (Dijkstra)."""
        best = {start: 0.0}
        previous: dict[int, int] = {}
        queue = [(0.0, start)]
        while queue:
            cost, node = heapq.heappop(queue)
            if node == end:
                break
            if cost > best[node]:
                continue
            for neighbour, length in self._neighbours.get(node, ()):
                candidate = cost + length
                if candidate < best.get(neighbour, math.inf):
                    best[neighbour], previous[neighbour] = candidate, node
                    heapq.heappush(queue, (candidate, neighbour))
        path = [end]
        while path[-1] != start:
            path.append(previous[path[-1]])
        return path[::-1]

    def connected(self) -> bool:
        seen, todo = {0}, [0]
        while todo:
            for neighbour, _ in self._neighbours.get(todo.pop(), ()):
                if neighbour not in seen:
                    seen.add(neighbour)
                    todo.append(neighbour)
        return len(seen) == len(self.nodes)


def generate_streets(
    rng: random.Random,
    *,
    centre: LatLon,
    columns: int = 16,
    rows: int = 14,
    spacing_m: float = 220.0,
    jitter_m: float = 40.0,
    merged_blocks: float = 0.08,
) -> StreetMap:
    """A ``columns`` x ``rows`` grid of intersections around ``centre``, each moved up to
    ``jitter_m``, with about ``merged_blocks`` of the segments removed (big blocks, dead ends
    avoided) while every intersection stays reachable."""
    nodes = []
    for row in range(rows):
        for column in range(columns):
            north = (row - (rows - 1) / 2) * spacing_m + rng.uniform(-jitter_m, jitter_m)
            east = (column - (columns - 1) / 2) * spacing_m + rng.uniform(-jitter_m, jitter_m)
            nodes.append(offset(centre, north_m=north, east_m=east))
    edges = []
    for row in range(rows):
        for column in range(columns):
            here = row * columns + column
            if column + 1 < columns:
                edges.append((here, here + 1))
            if row + 1 < rows:
                edges.append((here, here + columns))
    degree = [0] * len(nodes)
    for a, b in edges:
        degree[a] += 1
        degree[b] += 1
    kept = list(edges)
    for edge in rng.sample(edges, k=int(len(edges) * merged_blocks)):
        a, b = edge
        if degree[a] <= 2 or degree[b] <= 2:
            continue
        trial = [e for e in kept if e != edge]
        if StreetMap(tuple(nodes), tuple(trial), columns, rows).connected():
            kept = trial
            degree[a] -= 1
            degree[b] -= 1
    return StreetMap(tuple(nodes), tuple(kept), columns, rows)


class Walker:
    """A position moving along a polyline of points at whatever pace it is given."""

    def __init__(self, position: LatLon) -> None:
        self.position = position
        self._ahead: list[LatLon] = []

    @property
    def moving(self) -> bool:
        return bool(self._ahead)

    def follow(self, points: Sequence[LatLon]) -> None:
        self._ahead = [p for p in points if p != self.position]

    def advance(self, metres: float) -> float:
        """Move up to ``metres`` along the route; returns the distance actually covered."""
        covered = 0.0
        while self._ahead and covered < metres:
            target = self._ahead[0]
            gap = distance_m(self.position, target)
            step = metres - covered
            if gap <= step:
                self.position = target
                self._ahead.pop(0)
                covered += gap
                continue
            share = step / gap
            lat, lon = self.position
            self.position = (lat + (target[0] - lat) * share, lon + (target[1] - lon) * share)
            covered += step
        return covered

    def heading_to_next(self) -> float:
        """Compass degrees towards the next point (0 when standing)."""
        if not self._ahead:
            return 0.0
        (lat, lon), (lat2, lon2) = self.position, self._ahead[0]
        east = (lon2 - lon) * math.cos(math.radians(lat))
        return math.degrees(math.atan2(east, lat2 - lat)) % 360.0
