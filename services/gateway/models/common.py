"""Shapes shared by many routes: bounded scalars, points, areas, pages, times."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import AfterValidator, Field, StringConstraints

from shouwang.clock import rfc3339_of
from shouwang.typed_routes import PATH_ID_PATTERN, ApiModel, QueryModel, ReplyModel

Id = Annotated[str, StringConstraints(pattern=PATH_ID_PATTERN)]
OptionalId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{0,64}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=4000)]
IdList = Annotated[list[Id], Field(max_length=200)]
MediaIds = Annotated[list[Id], Field(max_length=9)]

Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class Crs(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


class Point(ApiModel):
    """A WGS-84 position (unless the request says otherwise with ``crs``)."""

    lat: Latitude
    lon: Longitude


class PointReply(ReplyModel):
    lat: float
    lon: float


def _ring_closed(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if ring[0] != ring[-1]:
        raise ValueError("a linear ring ends where it starts")
    return ring


Position = tuple[Longitude, Latitude]
LinearRing = Annotated[
    list[Position], Field(min_length=4, max_length=2000), AfterValidator(_ring_closed)
]


class Polygon(ApiModel):
    """A GeoJSON Polygon (RFC 7946): an outer ring and optional holes, [lon, lat] pairs."""

    type: Literal["Polygon"]
    coordinates: Annotated[list[LinearRing], Field(min_length=1, max_length=20)]


class Circle(ApiModel):
    center: Point
    radius_m: Annotated[float, Field(gt=0, le=50_000, allow_inf_nan=False)]


Area = Polygon | Circle


def timestamp_json(stamp: Timestamp, *, present: bool = True) -> str | None:
    """A protobuf time as RFC 3339 UTC, or None when the message does not carry it."""
    return rfc3339_of(stamp) if present else None


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class PageQuery(QueryModel):
    """Paging of every list (CONTRACT "Added in the second round")."""

    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = None


class Page(ReplyModel):
    """Base of every list reply: its items under a plural name, and where the next page starts."""

    next_cursor: str | None = Field(
        description="pass as ?cursor= for the next page; null on the last page"
    )
