"""The three systems under test behind one interface: our LiveIndex, Redis GEO and Tile38.

Servers are driven the way the location service would drive them: over loopback with the Redis
protocol client, one synchronous call per query; writes of a batch are pipelined.
"""

from __future__ import annotations

import gc
import json
from typing import Any, Protocol

import numpy as np
import shapely
from shapely.geometry import Polygon, mapping

from bench.location.servers import Server
from bench.location.workload import FixBatch
from services.location.live_index import LiveIndex
from shouwang.geo import haversine_m

KEY = "fleet"
# Server writes in "batch 100" mode: up to this many fixes per round trip.
PIPELINE_FIXES = 1_000
REBUILD_BATCH = 1_000


class System(Protocol):
    name: str

    def write(self, ids: list[str], fixes: FixBatch, *, batch: int) -> None: ...

    def nearest(self, lat: float, lon: float, *, k: int, radius_m: float) -> list[str]: ...

    def within_polygon(self, polygon: Polygon) -> list[str]: ...

    def memory_bytes(self) -> int: ...

    def reset(self) -> None: ...


class Ours:
    name = "ours"

    def __init__(self, *, now: float) -> None:
        self.index = LiveIndex()
        self.now = now

    def write(self, ids: list[str], fixes: FixBatch, *, batch: int) -> None:
        members, lats, lons, ts = fixes.members, fixes.lats, fixes.lons, fixes.ts
        upsert = self.index.upsert
        if batch == 1:
            for i, m in enumerate(members.tolist()):
                upsert((ids[m],), lats[i : i + 1], lons[i : i + 1], ts[i : i + 1])
            return
        for start in range(0, len(members), batch):
            chunk = members[start : start + batch].tolist()
            stop = start + batch
            upsert([ids[m] for m in chunk], lats[start:stop], lons[start:stop], ts[start:stop])

    def nearest(self, lat: float, lon: float, *, k: int, radius_m: float) -> list[str]:
        found = self.index.nearest(lat, lon, k=k, radius_m=radius_m, now=self.now)
        return [member for member, _ in found]

    def within_polygon(self, polygon: Polygon) -> list[str]:
        return self.index.within_polygon(polygon)

    def memory_bytes(self) -> int:
        return self.index.memory_bytes()

    def reset(self) -> None:
        self.index = LiveIndex()


class _ServerSystem:
    name = "server"

    def __init__(self, server: Server) -> None:
        import redis  # optional: only the benchmark needs the client

        # protocol=2 and no client-name handshake: Tile38 speaks RESP2 and knows neither HELLO
        # nor CLIENT SETINFO.
        self.client = redis.Redis(
            host=server.host,
            port=server.port,
            protocol=2,
            decode_responses=True,
            driver_info=None,
            # Loading, GC or a 1M-member WITHIN on a busy 2-core machine takes longer than the
            # client's default wait.
            socket_timeout=600,
        )
        self.client.execute_command("PING")

    def write(self, ids: list[str], fixes: FixBatch, *, batch: int) -> None:
        members = fixes.members.tolist()
        lats, lons = fixes.lats.tolist(), fixes.lons.tolist()
        if batch == 1:
            for m, lat, lon in zip(members, lats, lons, strict=True):
                self.client.execute_command(*self._write_command([ids[m]], [lat], [lon]))
            return
        for start in range(0, len(members), PIPELINE_FIXES):
            pipe = self.client.pipeline(transaction=False)
            for s in range(start, min(start + PIPELINE_FIXES, len(members)), batch):
                chunk = [ids[m] for m in members[s : s + batch]]
                for command in self._write_commands(
                    chunk, lats[s : s + batch], lons[s : s + batch]
                ):
                    pipe.execute_command(*command)
            pipe.execute()

    def _write_command(self, ids: list[str], lats: list[float], lons: list[float]) -> list[Any]:
        return next(iter(self._write_commands(ids, lats, lons)))

    def _write_commands(
        self, ids: list[str], lats: list[float], lons: list[float]
    ) -> list[list[Any]]:
        raise NotImplementedError


class RedisGeo(_ServerSystem):
    name = "redis"

    def _write_commands(
        self, ids: list[str], lats: list[float], lons: list[float]
    ) -> list[list[Any]]:
        command: list[Any] = ["GEOADD", KEY]
        for member, lat, lon in zip(ids, lats, lons, strict=True):
            command += [lon, lat, member]
        return [command]

    def nearest(self, lat: float, lon: float, *, k: int, radius_m: float) -> list[str]:
        return self.client.execute_command(
            "GEOSEARCH", KEY, "FROMLONLAT", lon, lat, "BYRADIUS", radius_m, "m", "ASC", "COUNT", k
        )

    def within_polygon(self, polygon: Polygon) -> list[str]:
        # GEOSEARCH BYBOX is a box in metres around a centre; make it cover the polygon's bounds,
        # then filter exactly on the client with the coordinates Redis returns.
        min_lon, min_lat, max_lon, max_lat = polygon.bounds
        centre_lat, centre_lon = (min_lat + max_lat) / 2, (min_lon + max_lon) / 2
        widest_lat = min(abs(min_lat), abs(max_lat))
        width = 2 * float(haversine_m(widest_lat, centre_lon, widest_lat, max_lon))
        height = float(haversine_m(min_lat, centre_lon, max_lat, centre_lon))
        found = self.client.execute_command(
            "GEOSEARCH", KEY, "FROMLONLAT", centre_lon, centre_lat,
            "BYBOX", width * 1.01 + 10, height * 1.01 + 10, "m", "WITHCOORD",
        )  # fmt: skip
        if not found:
            return []
        members = [row[0] for row in found]
        coords = np.array([row[1] for row in found], dtype=np.float64)
        shapely.prepare(polygon)
        inside = shapely.contains_xy(polygon, coords[:, 0], coords[:, 1])
        return [m for m, hit in zip(members, inside.tolist(), strict=True) if hit]

    def memory_bytes(self) -> int:
        return int(self.client.info("memory")["used_memory"])

    def reset(self) -> None:
        self.client.execute_command("DEL", KEY)


class Tile38(_ServerSystem):
    name = "tile38"

    def _write_commands(
        self, ids: list[str], lats: list[float], lons: list[float]
    ) -> list[list[Any]]:
        return [
            ["SET", KEY, m, "POINT", lat, lon] for m, lat, lon in zip(ids, lats, lons, strict=True)
        ]

    def nearest(self, lat: float, lon: float, *, k: int, radius_m: float) -> list[str]:
        _cursor, ids = self.client.execute_command(
            "NEARBY", KEY, "LIMIT", k, "IDS", "POINT", lat, lon, radius_m
        )
        return ids

    def within_polygon(self, polygon: Polygon) -> list[str]:
        _cursor, ids = self.client.execute_command(
            "WITHIN", KEY, "LIMIT", 10_000_000, "IDS", "OBJECT", json.dumps(mapping(polygon))
        )
        return ids

    def memory_bytes(self) -> int:
        self.client.execute_command("GC")
        gc.collect()
        stats = self.client.execute_command("SERVER")
        return int(dict(zip(stats[::2], stats[1::2], strict=True))["heap_size"])

    def reset(self) -> None:
        self.client.execute_command("DROP", KEY)
